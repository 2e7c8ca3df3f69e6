/*
 * stats.h - the pure math of the analysis: sorting, exact percentiles, summaries, histogram
 * bins and a rank structure for cumulative percentiles.  No I/O, no allocation except where a
 * function says so, so that every figure a report prints can be unit-tested against a
 * brute-force reference.
 *
 * Percentiles are exact, by nearest rank: pXX of N sorted values (N >= 1) is the value at the
 * 1-based rank ceil(XX/100 * N).  The rank is computed in integers, with the percentile as
 * parts per million (p99.9 = 999000 ppm), never by floating-point ceil, which puts p99.9 of
 * 1000 values at rank 1000 instead of 999 (0.999 * 1000 = 999.0000000000001).
 */
#ifndef RT_STATS_H
#define RT_STATS_H

#include <stddef.h>
#include <stdint.h>

/* The percentiles every report shows (locust's columns). */
#define RT_STATS_NPCTS 11
extern const double rt_stats_pcts[RT_STATS_NPCTS];       /* 50, 66, ..., 99.99, 100 */
extern const char *const rt_stats_pct_names[RT_STATS_NPCTS]; /* "50%", ..., "100%" */

/*
 * Sort v[0..n) ascending in place (LSD radix sort on the sign-flipped keys, skipping byte
 * positions where all keys agree).  Allocates a scratch array of n values and frees it
 * before returning.  Returns 0, or -1 when the scratch allocation failed (v then sorted by
 * qsort instead, still ascending: the function never leaves v unsorted).
 */
int rt_stats_sort_i64(int64_t *v, size_t n);

/*
 * 1-based nearest rank of percentile pct (0 < pct <= 100) among n >= 1 values:
 * ceil(pct/100 * n), at least 1 and at most n.  pct is rounded to 1e-6 of a percent first.
 * Returns 0 when n == 0 or pct is out of range.
 */
size_t rt_stats_rank(double pct, size_t n);

/*
 * The pct-th percentile of sorted[0..n) by nearest rank.  Returns 0 and sets *out, or -1
 * when n == 0 or pct is outside (0, 100] (there is no such value: callers say so rather
 * than print a number).
 */
int rt_stats_percentile(const int64_t *sorted, size_t n, double pct, int64_t *out);

/* Count, extremes, sum and mean of a sample (sorted or not). */
struct rt_summary {
    size_t n;
    int64_t min, max;       /* 0 when n == 0 */
    double sum;             /* exact up to 2^53 */
    double mean;            /* 0 when n == 0; check n */
};
/*
 * Fill *s (overwritten) from v[0..n): v is borrowed and not modified, and may be NULL when
 * n == 0.  Sum and mean are accumulated in long double, so no int64 overflow.  Never fails.
 */
void rt_stats_summarize(const int64_t *v, size_t n, struct rt_summary *s);

/*
 * Histogram bin edges.  Both write strictly increasing edges into edges[0..cap) and return
 * how many were written (bins = edges - 1; at least 2 edges when cap >= 2); the first edge
 * is <= lo and the last > hi, so every value in [lo, hi] falls in a bin.
 *   _log:    per_decade bins per power of ten (edges 10^(k/per_decade), rounded to
 *            integers and de-duplicated), the natural scale for latencies.
 *   _linear: nbins equal bins (width at least 1).
 */
size_t rt_stats_edges_log(int64_t lo, int64_t hi, int per_decade, int64_t *edges, size_t cap);
size_t rt_stats_edges_linear(int64_t lo, int64_t hi, size_t nbins, int64_t *edges, size_t cap);

/*
 * counts[i] = number of values v with edges[i] <= v < edges[i+1], for i in [0, nedges-1).
 * Values below edges[0] count in bin 0, values at or above the last edge in the last bin.
 * sorted must be ascending (one pass, binary searches per edge).  nedges >= 2.
 */
void rt_stats_histogram(const int64_t *sorted, size_t n, const int64_t *edges, size_t nedges,
                        uint64_t *counts);

/*
 * The schedule window of a run, over which its rates are measured: n >= 2 requests scheduled
 * from first_us to last_us (first_us < last_us) realize a schedule of
 * (last_us - first_us) * n / (n - 1) microseconds, the span plus one mean inter-arrival, so
 * that exactly r/s scheduled for T seconds gives a window of T and n / window = r.  Every
 * request of an open-loop run with a client deadline ends in its answer or an error, so
 * events / window is the rate a service sustained, whatever the latency at the run's ends.
 * Returns 0 with *window_us > 0, or -1 (and *window_us = 0) when n < 2 or
 * last_us <= first_us: there is no schedule span to divide by.
 */
int rt_stats_schedule_window_us(int64_t first_us, int64_t last_us, uint64_t n,
                                double *window_us);

/*
 * A growing multiset of values drawn from a known sorted universe (a Fenwick tree over
 * positions), answering "k-th smallest so far" in O(log n): cumulative percentiles of a
 * time series without re-sorting per interval.
 */
struct rt_rankset {
    const int64_t *universe;  /* borrowed: all values that will ever be added, ascending */
    size_t n;
    uint32_t *tree;           /* owned, n + 1 counters */
    size_t count;             /* values added so far */
};
/* Returns 0, or -1 on allocation failure.  Free with rt_rankset_free. */
int rt_rankset_init(struct rt_rankset *rs, const int64_t *sorted_universe, size_t n);
void rt_rankset_free(struct rt_rankset *rs);
/* Add v (must be present in the universe; otherwise it is counted at its insertion point). */
void rt_rankset_add(struct rt_rankset *rs, int64_t v);
/* The pct-th percentile (nearest rank) of the values added so far; -1 when none. */
int rt_rankset_percentile(const struct rt_rankset *rs, double pct, int64_t *out);

#endif
