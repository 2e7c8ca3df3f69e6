/*
 * schedule.h - the workload model of `revtrace capture`: when each request is due (open
 * loop) and which revision ID it carries.  The schedule is a pure function of the options and
 * --seed, generated lazily (one item per call, O(1) memory), so a 1,000,000-request run costs
 * no more memory than a 10-request one, and the same seed always gives the same run.
 *
 * Arrivals are a (possibly non-homogeneous) point process with rate lambda(t).  Without
 * --ramp, lambda is the constant --rate.  With --ramp "D1:R1,D2:R2,..." lambda moves
 * linearly from the previous rate (the --rate value, or 0 without --rate) to R1 over D1, then
 * to R2 over D2, and so on (k6's ramping-arrival-rate); a stage of duration 0 is a step.
 * After the last stage the rate holds at its target; without --duration the run ends with
 * the last stage.  Request k is due when the integrated rate Lambda(t) reaches a target:
 * k for constant arrivals (exact spacing 1/rate), a running sum of Exp(1) draws for Poisson.
 * Inverting Lambda is closed-form per linear segment, so ramps cost nothing extra.
 *
 * Revision IDs: sequential walks the pool in order, wrapping around; random draws uniformly
 * with replacement (locust's random.choice) from an RNG stream separate from the arrivals,
 * so --order does not change the times.
 */
#ifndef RT_SCHEDULE_H
#define RT_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "core/plan.h"
#include "core/rng.h"


enum rt_arrivals { RT_ARRIVALS_POISSON = 0, RT_ARRIVALS_CONSTANT = 1 };
enum rt_order { RT_ORDER_RANDOM = 0, RT_ORDER_SEQUENTIAL = 1 };

struct rt_ramp_stage {
    int64_t duration_us;        /* >= 0; 0 is a step */
    double rate_per_s;          /* the target at the end of the stage, >= 0 */
};

struct rt_schedule_config {
    enum rt_arrivals arrivals;
    double rate_per_s;                  /* without ramp: the rate; with: the start rate */
    const struct rt_ramp_stage *stages; /* borrowed; n_stages == 0: no ramp */
    size_t n_stages;
    int64_t duration_us;                /* 0: no limit (but a ramp ends with its stages) */
    int64_t max_requests;               /* 0: no limit */
    uint64_t seed;
    enum rt_order order;
    const int64_t *pool;                /* borrowed rev IDs, n_pool > 0; must outlive it */
    size_t n_pool;
    int untimed;                        /* 1: closed loop; times are all 0, no duration cut */
};

struct rt_schedule;

/*
 * A new generator over cfg (copied; the pool and stages stay borrowed).  Returns 0 and *out
 * (free with rt_schedule_free), or -1 with err (e.g. no rate, an empty pool).
 */
int rt_schedule_new(const struct rt_schedule_config *cfg, struct rt_schedule **out,
                    char *err, size_t errlen);
void rt_schedule_free(struct rt_schedule *s);
/* The next item: 1 (filled), 0 (the schedule has ended). */
int rt_schedule_next(struct rt_schedule *s, struct rt_plan_item *it);
/* rt_schedule_next as an rt_plan_next_fn (ctx is the struct rt_schedule *). */
int rt_schedule_plan_next(void *ctx, struct rt_plan_item *it, char *err, size_t errlen);
/* The total length of the ramp's stages in µs (0 without stages). */
int64_t rt_schedule_ramp_us(const struct rt_schedule_config *cfg);

/*
 * Parse "30s:10/s,5m:42/s" into a new array (*out, caller frees) of *n stages.  Returns 0,
 * or -1 with err naming the bad stage.
 */
int rt_ramp_parse(const char *s, struct rt_ramp_stage **out, size_t *n, char *err,
                  size_t errlen);

#endif
