/*
 * stats.c - sorting, nearest-rank percentiles, summaries, histogram bins, rank sets.
 *
 * The sort is an LSD radix sort, 8 bits per pass, on keys whose sign bit is flipped so that
 * negative values order first.  Latencies in microseconds rarely use more than 4 of the 8
 * bytes, and passes where every key has the same byte are skipped, so a million values sort
 * in a few passes over 8 MB: several times faster than qsort's comparator calls.
 */
#include "analyze/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const double rt_stats_pcts[RT_STATS_NPCTS] = {
    50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100,
};
const char *const rt_stats_pct_names[RT_STATS_NPCTS] = {
    "50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%",
};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int rt_stats_sort_i64(int64_t *v, size_t n)
{
    if (n < 2)
        return 0;
    if (n < 256) {
        qsort(v, n, sizeof *v, cmp_i64);
        return 0;
    }
    uint64_t *tmp = malloc(n * sizeof *tmp);
    if (!tmp) {
        qsort(v, n, sizeof *v, cmp_i64);
        return -1;
    }
    uint64_t *a = (uint64_t *)v, *b = tmp;
    const uint64_t flip = (uint64_t)1 << 63;
    /* One pass over the data for all eight byte histograms. */
    size_t cnt[8][256];   /* 16 KiB on the stack: reentrant */
    memset(cnt, 0, sizeof cnt);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = a[i] ^ flip;
        for (int p = 0; p < 8; p++)
            cnt[p][(k >> (8 * p)) & 0xff]++;
    }
    for (int p = 0; p < 8; p++) {
        uint64_t first = ((a[0] ^ flip) >> (8 * p)) & 0xff;
        if (cnt[p][first] == n)
            continue;   /* every key has this byte: the pass would not move anything */
        size_t off[256], sum = 0;
        for (int d = 0; d < 256; d++) {
            off[d] = sum;
            sum += cnt[p][d];
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t k = a[i] ^ flip;
            b[off[(k >> (8 * p)) & 0xff]++] = a[i];
        }
        uint64_t *t = a;
        a = b;
        b = t;
    }
    if (a != (uint64_t *)v)
        memcpy(v, a, n * sizeof *v);
    free(tmp);
    return 0;
}

size_t rt_stats_rank(double pct, size_t n)
{
    if (n == 0 || !(pct > 0) || pct > 100)
        return 0;
    /* pct/100 as parts per million of the whole: 99.99 -> 999900. */
    uint64_t ppm = (uint64_t)llround(pct * 10000.0);
    if (ppm == 0)
        ppm = 1;
    if (ppm > 1000000)
        ppm = 1000000;
    /* ceil(ppm * n / 1e6); n < 2^44 keeps the product in 64 bits. */
    uint64_t r = (ppm * (uint64_t)n + 999999) / 1000000;
    if (r < 1)
        r = 1;
    if (r > n)
        r = n;
    return (size_t)r;
}

int rt_stats_percentile(const int64_t *sorted, size_t n, double pct, int64_t *out)
{
    size_t r = rt_stats_rank(pct, n);
    if (r == 0)
        return -1;
    *out = sorted[r - 1];
    return 0;
}

void rt_stats_summarize(const int64_t *v, size_t n, struct rt_summary *s)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    if (n == 0)
        return;
    int64_t lo = v[0], hi = v[0];
    long double sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < lo)
            lo = v[i];
        if (v[i] > hi)
            hi = v[i];
        sum += v[i];
    }
    s->min = lo;
    s->max = hi;
    s->sum = (double)sum;
    s->mean = (double)(sum / (long double)n);
}

static size_t push_edge(int64_t *edges, size_t k, size_t cap, int64_t e)
{
    if (k > 0 && e <= edges[k - 1])
        return k;
    if (k < cap)
        edges[k++] = e;
    return k;
}

size_t rt_stats_edges_log(int64_t lo, int64_t hi, int per_decade, int64_t *edges, size_t cap)
{
    if (cap < 2)
        return 0;
    if (per_decade < 1)
        per_decade = 1;
    if (hi < lo)
        hi = lo;
    size_t k = 0;
    if (lo < 1) {
        /* Zero and negative values: one bin from lo up to 1. */
        k = push_edge(edges, k, cap, lo);
        lo = 1;
    }
    /* Start at the largest grid point <= lo. */
    int start = (int)floor(log10((double)lo) * per_decade + 1e-9);
    for (int i = start;; i++) {
        double e = pow(10.0, (double)i / per_decade);
        if (e > 9.2e18)
            break;
        int64_t ei = (int64_t)llround(e);
        if (k == 0 && ei > lo)
            ei = lo;
        if (k == cap - 1 || ei > hi) {
            /* The closing edge must lie above hi. */
            if (ei <= hi)
                ei = hi + 1;
            if (k > 0 && ei <= edges[k - 1])
                ei = edges[k - 1] + 1;
            edges[k++] = ei;
            break;
        }
        k = push_edge(edges, k, cap, ei);
    }
    if (k < 2) {
        edges[0] = lo;
        edges[1] = hi + 1;
        k = 2;
    }
    return k;
}

size_t rt_stats_edges_linear(int64_t lo, int64_t hi, size_t nbins, int64_t *edges, size_t cap)
{
    if (cap < 2)
        return 0;
    if (hi < lo)
        hi = lo;
    if (nbins < 1)
        nbins = 1;
    if (nbins > cap - 1)
        nbins = cap - 1;
    int64_t span = hi - lo + 1;
    int64_t w = (span + (int64_t)nbins - 1) / (int64_t)nbins;
    if (w < 1)
        w = 1;
    size_t k = 0;
    for (size_t i = 0; i <= nbins; i++) {
        edges[k++] = lo + (int64_t)i * w;
        if (edges[k - 1] > hi)
            break;
    }
    return k;
}

/* First index i with sorted[i] >= x. */
static size_t lower_bound(const int64_t *sorted, size_t n, int64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void rt_stats_histogram(const int64_t *sorted, size_t n, const int64_t *edges, size_t nedges,
                        uint64_t *counts)
{
    if (nedges < 2)
        return;
    size_t nb = nedges - 1;
    size_t prev = 0;
    for (size_t i = 0; i < nb; i++) {
        size_t end = (i == nb - 1) ? n : lower_bound(sorted, n, edges[i + 1]);
        counts[i] = end - prev;
        prev = end;
    }
}

int rt_stats_schedule_window_us(int64_t first_us, int64_t last_us, uint64_t n,
                                double *window_us)
{
    *window_us = 0;
    if (n < 2 || last_us <= first_us)
        return -1;
    *window_us = (double)(last_us - first_us) * (double)n / (double)(n - 1);
    return 0;
}

int rt_rankset_init(struct rt_rankset *rs, const int64_t *sorted_universe, size_t n)
{
    memset(rs, 0, sizeof *rs);
    rs->universe = sorted_universe;
    rs->n = n;
    rs->tree = calloc(n + 1, sizeof *rs->tree);
    return rs->tree ? 0 : -1;
}

void rt_rankset_free(struct rt_rankset *rs)
{
    free(rs->tree);
    memset(rs, 0, sizeof *rs);
}

void rt_rankset_add(struct rt_rankset *rs, int64_t v)
{
    size_t pos = lower_bound(rs->universe, rs->n, v);
    if (pos >= rs->n)
        pos = rs->n ? rs->n - 1 : 0;
    if (rs->n == 0)
        return;
    for (size_t i = pos + 1; i <= rs->n; i += i & (~i + 1))
        rs->tree[i]++;
    rs->count++;
}

int rt_rankset_percentile(const struct rt_rankset *rs, double pct, int64_t *out)
{
    size_t k = rt_stats_rank(pct, rs->count);
    if (k == 0)
        return -1;
    /* Fenwick descent: the smallest position whose prefix count reaches k. */
    size_t pos = 0, step = 1;
    while (step * 2 <= rs->n)
        step *= 2;
    size_t rem = k;
    for (; step; step /= 2) {
        if (pos + step <= rs->n && rs->tree[pos + step] < rem) {
            pos += step;
            rem -= rs->tree[pos];
        }
    }
    /* pos is the 0-based index of the k-th value. */
    *out = rs->universe[pos < rs->n ? pos : rs->n - 1];
    return 0;
}
