/*
 * hist.h - a log-bucket latency histogram for live percentiles (p50/p90 "so far").
 *
 * The histogram is an estimate for the screen only (about 3 % relative error: 32 buckets per
 * power of two); exact percentiles are analyze's job, from the database.  It is fixed-size,
 * so memory does not grow with the run, and adding a value is a clz and a shift.
 */
#ifndef RT_HIST_H
#define RT_HIST_H

#include <stdint.h>

#define RT_HIST_SUB 32          /* buckets per power of two */
#define RT_HIST_POW 40          /* up to 2^40 us (12 days) */

struct rt_hist {
    int64_t count;
    int64_t buckets[RT_HIST_POW * RT_HIST_SUB];
};

void rt_hist_reset(struct rt_hist *h);
/* Add a value (negative values count as 0). */
void rt_hist_add(struct rt_hist *h, int64_t us);
/* Add from's values to into (the histogram of both: several threads' answers). */
void rt_hist_merge(struct rt_hist *into, const struct rt_hist *from);
/* The q-quantile (0 < q <= 1) by nearest rank, as its bucket's midpoint; -1 when empty. */
int64_t rt_hist_quantile(const struct rt_hist *h, double q);

#endif
