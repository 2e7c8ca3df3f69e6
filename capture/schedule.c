/*
 * schedule.c - lazy open-loop schedules and revision-ID order (see schedule.h).
 *
 * The rate lambda(t) is a list of linear segments; the last one is open-ended at the final
 * rate (unless a ramp without --duration ends the run).  Request k is due at the t where the
 * integrated rate Lambda(t) reaches target_k (k for constant arrivals, a sum of Exp(1) draws
 * for Poisson).  Within a segment Lambda is quadratic in the time since its start, so the
 * time is the root of a*tau^2 + r0*tau - delta = 0, taken in the cancellation-free form
 * tau = 2*delta / (r0 + sqrt(r0^2 + 4*a*delta)).  Doubles carry Lambda: at 10^7 requests the
 * error is far below a microsecond.
 */
#include "capture/schedule.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"

struct segment {
    double start_s;     /* time of the segment's start */
    double dur_s;       /* < 0: open-ended */
    double r0, r1;      /* rates at start and end (per second) */
};

struct rt_schedule {
    struct rt_schedule_config cfg;     /* pool and stages borrowed */
    struct segment *segs;              /* owned */
    size_t n_segs, cur;
    double cur_lambda0;                /* Lambda at the start of segs[cur] */
    double target;                     /* Lambda target of the last item */
    int64_t seq;
    int64_t end_us;                    /* no item at or after this; 0: no end */
    struct rt_rng arrival_rng, revid_rng;
    int ended;
};

int64_t rt_schedule_ramp_us(const struct rt_schedule_config *cfg)
{
    int64_t t = 0;
    for (size_t i = 0; i < cfg->n_stages; i++)
        t += cfg->stages[i].duration_us;
    return t;
}

int rt_schedule_new(const struct rt_schedule_config *cfg, struct rt_schedule **out,
                    char *err, size_t errlen)
{
    struct rt_schedule *s = NULL;
    if (!cfg->pool || cfg->n_pool == 0) {
        snprintf(err, errlen, "the revision-ID pool is empty");
        return -1;
    }
    if (!cfg->untimed) {
        double peak = cfg->rate_per_s;
        for (size_t i = 0; i < cfg->n_stages; i++)
            if (cfg->stages[i].rate_per_s > peak)
                peak = cfg->stages[i].rate_per_s;
        if (!(peak > 0) || !isfinite(peak)) {
            snprintf(err, errlen, "the arrival rate must be above 0 (give --rate or --ramp)");
            return -1;
        }
    }
    s = calloc(1, sizeof *s);
    if (!s)
        goto oom;
    s->cfg = *cfg;
    s->segs = calloc(cfg->n_stages + 1, sizeof *s->segs);
    if (!s->segs)
        goto oom;
    double t = 0, r = cfg->rate_per_s;
    for (size_t i = 0; i < cfg->n_stages; i++) {
        struct segment *g = &s->segs[s->n_segs++];
        g->start_s = t;
        g->dur_s = (double)cfg->stages[i].duration_us / 1e6;
        g->r0 = r;
        g->r1 = cfg->stages[i].rate_per_s;
        t += g->dur_s;
        r = g->r1;
    }
    /* The open-ended tail: always without a ramp; with one only if --duration extends it. */
    if (cfg->n_stages == 0 || cfg->duration_us > 0) {
        struct segment *g = &s->segs[s->n_segs++];
        g->start_s = t;
        g->dur_s = -1;
        g->r0 = g->r1 = r;
    }
    s->end_us = cfg->duration_us > 0 ? cfg->duration_us : rt_schedule_ramp_us(cfg);
    if (cfg->n_stages > 0 && s->end_us == 0)
        s->end_us = -1;      /* a ramp of zero-length steps only: nothing to send */
    rt_rng_seed(&s->arrival_rng, cfg->seed);
    rt_rng_seed(&s->revid_rng, cfg->seed ^ 0x5265764964734f72ULL);   /* "RevIdsOr" */
    *out = s;
    return 0;
oom:
    rt_schedule_free(s);
    snprintf(err, errlen, "out of memory");
    return -1;
}

void rt_schedule_free(struct rt_schedule *s)
{
    if (!s)
        return;
    free(s->segs);
    free(s);
}

/* Integrated rate over a whole segment (open-ended: infinite unless its rate is 0). */
static double seg_lambda(const struct segment *g)
{
    if (g->dur_s < 0)
        return g->r0 > 0 ? INFINITY : 0;
    return (g->r0 + g->r1) / 2 * g->dur_s;
}

/* The time within g at which the integrated rate since its start reaches delta. */
static double seg_solve(const struct segment *g, double delta)
{
    if (delta <= 0)
        return 0;
    double a = g->dur_s > 0 ? (g->r1 - g->r0) / (2 * g->dur_s) : 0;
    double disc = g->r0 * g->r0 + 4 * a * delta;
    if (disc < 0)
        disc = 0;
    double den = g->r0 + sqrt(disc);
    if (!(den > 0))
        return g->dur_s > 0 ? g->dur_s : 0;
    double tau = 2 * delta / den;
    if (g->dur_s >= 0 && tau > g->dur_s)
        tau = g->dur_s;
    return tau;
}

int rt_schedule_next(struct rt_schedule *s, struct rt_plan_item *it)
{
    const struct rt_schedule_config *c = &s->cfg;
    if (s->ended || (c->max_requests > 0 && s->seq >= c->max_requests))
        return 0;
    int64_t rev_index = 0;
    int64_t at_us = 0;
    if (!c->untimed) {
        if (c->arrivals == RT_ARRIVALS_CONSTANT)
            s->target = (double)s->seq;
        else
            s->target += -log1p(-rt_rng_uniform(&s->arrival_rng));
        for (;;) {
            if (s->cur >= s->n_segs) {
                s->ended = 1;
                return 0;
            }
            double whole = seg_lambda(&s->segs[s->cur]);
            if (s->cur_lambda0 + whole >= s->target)
                break;
            s->cur_lambda0 += whole;
            s->cur++;
        }
        const struct segment *g = &s->segs[s->cur];
        double t = g->start_s + seg_solve(g, s->target - s->cur_lambda0);
        at_us = llround(t * 1e6);
        if (s->end_us != 0 && at_us >= s->end_us) {
            s->ended = 1;
            return 0;
        }
    }
    if (c->order == RT_ORDER_SEQUENTIAL)
        rev_index = (int64_t)((uint64_t)s->seq % c->n_pool);
    else
        rev_index = (int64_t)rt_rng_below(&s->revid_rng, c->n_pool);
    it->seq = s->seq++;
    it->rev_id = c->pool[rev_index];
    it->scheduled_us = at_us;
    return 1;
}

int rt_schedule_plan_next(void *ctx, struct rt_plan_item *it, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    return rt_schedule_next(ctx, it);
}

int rt_ramp_parse(const char *s, struct rt_ramp_stage **out, size_t *n, char *err,
                  size_t errlen)
{
    size_t cap = 1;
    for (const char *p = s; *p; p++)
        cap += *p == ',';
    struct rt_ramp_stage *st = calloc(cap, sizeof *st);
    char *copy = strdup(s);
    size_t k = 0;
    if (!st || !copy) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    char *next = copy;
    while (next) {
        char *tok = next;
        char *comma = strchr(tok, ',');
        next = comma ? comma + 1 : NULL;
        if (comma)
            *comma = '\0';
        char *colon = strchr(tok, ':');
        if (!colon) {
            snprintf(err, errlen, "stage %zu '%s' is not DURATION:RATE (e.g. 30s:10/s)",
                     k + 1, tok);
            goto fail;
        }
        *colon = '\0';
        if (rt_parse_duration_us(tok, &st[k].duration_us) != 0) {
            snprintf(err, errlen, "stage %zu: bad duration '%s' (e.g. 30s, 5m)", k + 1, tok);
            goto fail;
        }
        if (rt_parse_rate_per_s(colon + 1, &st[k].rate_per_s) != 0) {
            snprintf(err, errlen, "stage %zu: bad rate '%s' (e.g. 42/s, 150000/h)", k + 1,
                     colon + 1);
            goto fail;
        }
        k++;
    }
    if (k == 0) {
        snprintf(err, errlen, "no stages (e.g. 30s:10/s,5m:42/s)");
        goto fail;
    }
    free(copy);
    *out = st;
    *n = k;
    return 0;
fail:
    free(copy);
    free(st);
    return -1;
}
