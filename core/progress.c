/*
 * progress.c - the live latency histogram and the progress line (see progress.h).
 *
 * Bucketing is HDR-like: values below RT_HIST_SUB microseconds get a bucket each; above, a
 * power of two is split into RT_HIST_SUB equal sub-buckets, so the relative error is bounded
 * by 1/RT_HIST_SUB whatever the scale.  Adding is a clz and a shift, cheap enough for the
 * send loop.
 */
#include "core/progress.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/units.h"

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

int64_t rt_hist_quantile(const struct rt_hist *h, double q)
{
    if (h->count <= 0)
        return -1;
    /*
     * Nearest rank ceil(q * count), computed in integers as core/stats.c's rt_stats_rank
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

static const char *ms(char *b, size_t n, int64_t us)
{
    if (us < 0)
        return "-";
    return rt_format_duration(b, n, us);
}

/* Whole seconds for the clock part of the line: "42s", "3m05s", "1h02m". */
static const char *clock_text(char *b, size_t n, int64_t us)
{
    int64_t s = us / 1000000;
    if (s < 60)
        snprintf(b, n, "%llds", (long long)s);
    else
        rt_format_duration(b, n, s * 1000000);
    return b;
}

static const char *rate(char *b, size_t n, double r)
{
    if (r >= 10000)
        snprintf(b, n, "%.1fk/s", r / 1000);
    else if (r >= 100)
        snprintf(b, n, "%.0f/s", r);
    else
        snprintf(b, n, "%.1f/s", r);
    return b;
}

char *rt_progress_format(char *buf, size_t len, const struct rt_progress *p, int live)
{
    char el[32], tot[48], p50[32], p90[32], off[32], ach[32];
    clock_text(el, sizeof el, p->elapsed_us);
    /* The run's total: its duration, else the --requests count (as sent/total), else "-". */
    if (p->duration_us > 0)
        snprintf(tot, sizeof tot, "/%s", clock_text(ach, sizeof ach, p->duration_us + 999999));
    else if (p->total_requests > 0)
        snprintf(tot, sizeof tot, live ? " sent %lld/%lld" : " sent=%lld/%lld",
                 (long long)p->sent, (long long)p->total_requests);
    else
        snprintf(tot, sizeof tot, "/-");
    int64_t errors = p->http_errors + p->net_errors;
    double err_pct = p->done > 0 ? 100.0 * (double)errors / (double)p->done : 0;
    snprintf(buf, len,
             live ? "%s%s  offered %s%s  achieved %s  in flight %lld  p50 %s  p90 %s  "
                    "done %lld  errors %lld (%.1f%%)"
                  : "%s%s offered=%s%s achieved=%s inflight=%lld p50=%s p90=%s done=%lld "
                    "errors=%lld (%.1f%%)",
             el, tot, rate(off, sizeof off, p->offered_per_s),
             p->sends_done ? (live ? " overall" : "(overall)") : "",
             rate(ach, sizeof ach, p->achieved_per_s), (long long)p->inflight,
             ms(p50, sizeof p50, p->p50_us), ms(p90, sizeof p90, p->p90_us),
             (long long)p->done, (long long)errors, err_pct);
    return buf;
}
