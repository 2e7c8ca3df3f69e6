/*
 * synthgen.c - the synthetic Wikidata-like edit stream (see synthgen.h for the model).
 *
 * Background arrivals use Lewis-Shedler thinning: candidates at the peak rate, each kept with
 * probability rate(t)/peak, which gives an exact non-homogeneous Poisson process.  Bursts are
 * generated whole and merged by one sort at the end (a stable order: ties broken by
 * generation index), so the output is the same for the same seed on every libc.
 * In --requests mode the window is sized from the rate and grown until it holds enough edits.
 */
#include "synth/synthgen.h"
#include "core/rng.h"
#include "core/grow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHAPE_DIURNAL 0.30      /* +-30 % over a day, peak at 15:00 UTC */
#define SHAPE_WOBBLE 0.08       /* +-8 % with a 17-minute period */
#define WOBBLE_PERIOD_S 1020.0
#define BURST_MIN 150
#define BURST_MAX 600
#define BURST_MEAN ((BURST_MIN + BURST_MAX) / 2.0)


void rt_synth_cfg_default(struct rt_synth_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->seed = 1;
    c->rate_per_s = 30000.0 / 3600.0;
    c->duration_us = 3600LL * 1000000;
    c->start_unix_us = 1762178400LL * 1000000;   /* 2025-11-03T14:00:00Z */
    c->first_rev_id = 2350000000LL;
    c->burst_share = 0.12;
}

double rt_synth_shape(int64_t t_unix_us, double wobble_phase)
{
    double t_s = (double)t_unix_us / 1e6;
    double hour = fmod(t_s / 3600.0, 24.0);
    double d = SHAPE_DIURNAL * cos(2 * M_PI * (hour - 15.0) / 24.0);
    double w = SHAPE_WOBBLE * sin(2 * M_PI * t_s / WOBBLE_PERIOD_S + wobble_phase);
    return 1.0 + d + w;
}

struct evbuf {
    struct rt_synth_event *v;   /* rev_id holds the generation index until the end */
    size_t n, cap;
};

static int push(struct evbuf *b, int64_t t_us)
{
    struct rt_synth_event *v = rt_grow(b->v, b->n, &b->cap, sizeof *v, 4096);
    if (!v)
        return -1;
    b->v = v;
    b->v[b->n].t_unix_us = t_us;
    b->v[b->n].rev_id = (int64_t)b->n;
    b->n++;
    return 0;
}

static int cmp_event(const void *a, const void *b)
{
    const struct rt_synth_event *x = a, *y = b;
    if (x->t_unix_us != y->t_unix_us)
        return x->t_unix_us < y->t_unix_us ? -1 : 1;
    return (x->rev_id > y->rev_id) - (x->rev_id < y->rev_id);
}

/* One attempt over a window of window_s seconds; fills b (emptied first). */
static int generate_window(const struct rt_synth_cfg *c, double window_s, struct evbuf *b)
{
    struct rt_rng r;
    rt_rng_seed(&r, c->seed);
    b->n = 0;
    double phase = 2 * M_PI * rt_rng_open01(&r);
    int64_t start = c->start_unix_us;

    /* Mean of the shape over the window, so that the requested rate is the window's mean. */
    enum { SAMPLES = 2000 };
    double sum = 0, peak = 0;
    for (int i = 0; i < SAMPLES; i++) {
        double ts = window_s * (i + 0.5) / SAMPLES;
        double m = rt_synth_shape(start + (int64_t)(ts * 1e6), phase);
        sum += m;
        if (m > peak)
            peak = m;
    }
    double mean = sum / SAMPLES;
    double bg_rate = c->rate_per_s * (1.0 - c->burst_share) / mean;
    double max_rate = bg_rate * (1.0 + SHAPE_DIURNAL + SHAPE_WOBBLE);

    /* Background: thinning. */
    struct rt_rng rb;
    rt_rng_seed(&rb, c->seed ^ 0x6267ULL);
    for (double t = rt_rng_exp(&rb, max_rate); t < window_s; t += rt_rng_exp(&rb, max_rate)) {
        int64_t t_us = start + (int64_t)llround(t * 1e6);
        double keep = bg_rate * rt_synth_shape(t_us, phase) / max_rate;
        if (rt_rng_open01(&rb) <= keep && push(b, t_us) != 0)
            return -1;
    }
    /* Bot bursts. */
    if (c->burst_share > 0) {
        struct rt_rng rr;
        rt_rng_seed(&rr, c->seed ^ 0x62757273ULL);
        double burst_rate = c->rate_per_s * c->burst_share / BURST_MEAN;
        for (double t = rt_rng_exp(&rr, burst_rate); t < window_s;
             t += rt_rng_exp(&rr, burst_rate)) {
            int size = BURST_MIN +
                       (int)((BURST_MAX - BURST_MIN + 1) * (rt_rng_open01(&rr) - 1e-12));
            double pace = c->rate_per_s * (0.4 + 0.6 * rt_rng_open01(&rr));
            double bt = t;
            for (int k = 0; k < size && bt < window_s; k++) {
                if (push(b, start + (int64_t)llround(bt * 1e6)) != 0)
                    return -1;
                bt += (0.5 + rt_rng_open01(&rr)) / pace;
            }
        }
    }
    qsort(b->v, b->n, sizeof *b->v, cmp_event);
    return 0;
}

int rt_synth_generate(const struct rt_synth_cfg *c, struct rt_synth_event **out, size_t *n,
                      char *err, size_t errlen)
{
    struct evbuf b = { 0 };
    if (!(c->rate_per_s > 0) || !isfinite(c->rate_per_s)) {
        snprintf(err, errlen, "the rate must be positive");
        return -1;
    }
    if (c->duration_us <= 0 && c->requests <= 0) {
        snprintf(err, errlen, "give a duration or a number of requests");
        return -1;
    }
    if (!(c->burst_share >= 0 && c->burst_share <= 0.9)) {
        snprintf(err, errlen, "the burst share must lie between 0 and 90%%");
        return -1;
    }
    if (c->first_rev_id <= 0) {
        snprintf(err, errlen, "the first revision ID must be positive");
        return -1;
    }
    double window_s;
    if (c->duration_us > 0)
        window_s = (double)c->duration_us / 1e6;
    else
        window_s = (double)c->requests / c->rate_per_s * 1.2 + 1.0;
    for (int attempt = 0;; attempt++) {
        if (generate_window(c, window_s, &b) != 0) {
            free(b.v);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (c->duration_us > 0 || (int64_t)b.n >= c->requests || attempt >= 20)
            break;
        window_s *= 1.5;
    }
    if (c->requests > 0 && (int64_t)b.n > c->requests)
        b.n = (size_t)c->requests;

    /* Rev IDs: mostly +1, sometimes a small gap. */
    struct rt_rng rr;
    rt_rng_seed(&rr, c->seed ^ 0x726576ULL);
    int64_t rev = c->first_rev_id;
    for (size_t i = 0; i < b.n; i++) {
        b.v[i].rev_id = rev;
        rev += 1;
        if (rt_rng_open01(&rr) < 0.03)
            rev += 1 + (int64_t)(rt_rng_exp(&rr, 1.0 / 3.0));
    }
    *out = b.v;
    *n = b.n;
    return 0;
}
