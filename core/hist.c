/*
 * hist.c - the live latency histogram (see hist.h).
 *
 * Bucketing is HDR-like: values below RT_HIST_SUB microseconds get a bucket each; above, a
 * power of two is split into RT_HIST_SUB equal sub-buckets, so the relative error is bounded
 * by 1/RT_HIST_SUB whatever the scale.  Adding is a clz and a shift, cheap enough for the
 * send loop.
 */
#include "core/hist.h"

#include <math.h>
#include <string.h>

void rt_hist_reset(struct rt_hist *h)
{
    memset(h, 0, sizeof *h);
}

static size_t bucket_of(uint64_t v)
{
    if (v < RT_HIST_SUB)
        return (size_t)v;
    int msb = 63 - __builtin_clzll(v);              /* >= log2(RT_HIST_SUB) */
    int shift = msb - 5;                            /* keep 6 bits: 1xxxxx */
    size_t sub = (size_t)(v >> shift) - RT_HIST_SUB; /* 0..31 */
    size_t idx = (size_t)(shift + 1) * RT_HIST_SUB + sub;
    if (idx >= (size_t)RT_HIST_POW * RT_HIST_SUB)
        idx = (size_t)RT_HIST_POW * RT_HIST_SUB - 1;
    return idx;
}

/* The lowest value of bucket idx and its width. */
static void bucket_range(size_t idx, uint64_t *lo, uint64_t *width)
{
    if (idx < RT_HIST_SUB) {
        *lo = idx;
        *width = 1;
        return;
    }
    int shift = (int)(idx / RT_HIST_SUB) - 1;
    uint64_t sub = idx % RT_HIST_SUB;
    *lo = (RT_HIST_SUB + sub) << shift;
    *width = (uint64_t)1 << shift;
}

void rt_hist_add(struct rt_hist *h, int64_t us)
{
    h->buckets[bucket_of(us < 0 ? 0 : (uint64_t)us)]++;
    h->count++;
}

void rt_hist_merge(struct rt_hist *into, const struct rt_hist *from)
{
    for (size_t i = 0; i < (size_t)RT_HIST_POW * RT_HIST_SUB; i++)
        into->buckets[i] += from->buckets[i];
    into->count += from->count;
}

int64_t rt_hist_quantile(const struct rt_hist *h, double q)
{
    if (h->count <= 0)
        return -1;
    /*
     * Nearest rank ceil(q * count), computed in integers as analyze/stats.c's rt_stats_rank
     * does: in floating point 0.07 * 100 is 7.000000000000001 and would round up to 8.
     */
    if (!(q > 0))
        q = 0;
    if (q > 1)
        q = 1;
    uint64_t ppm = (uint64_t)llround(q * 1e6);
    int64_t rank = (int64_t)((ppm * (uint64_t)h->count + 999999) / 1000000);
    if (rank < 1)
        rank = 1;
    if (rank > h->count)
        rank = h->count;
    int64_t seen = 0;
    for (size_t i = 0; i < (size_t)RT_HIST_POW * RT_HIST_SUB; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            uint64_t lo, w;
            bucket_range(i, &lo, &w);
            return (int64_t)(lo + w / 2);
        }
    }
    return -1;
}
