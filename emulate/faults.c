/*
 * faults.c - fault injection for `revtrace emulate`: connection resets, stalls, a 429 token
 * bucket, error statuses by ratio and huge answers.
 *
 * Each probabilistic fault is decided from a hash of (seed, fault kind, request number), not
 * from a shared random stream, so the n-th request's fate does not depend on which server
 * thread took it: N requests give the same counts of each status for the same seed whatever
 * their concurrency.  The rate limit is a token bucket on the monotonic clock (like the API
 * gateway's), so only it depends on timing.
 */
#include "emulate/emulate.h"

#include <math.h>
#include <stdlib.h>

#include "core/clock.h"

struct emu_faults {
    const struct emu_config *cfg;   /* borrowed */
    pthread_mutex_t lock;           /* guards the bucket */
    double tokens;
    int64_t last_us;
};

struct emu_faults *emu_faults_new(const struct emu_config *cfg)
{
    struct emu_faults *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->cfg = cfg;
    pthread_mutex_init(&f->lock, NULL);
    f->tokens = cfg->rate_burst;
    f->last_us = rt_mono_us();
    return f;
}

void emu_faults_free(struct emu_faults *f)
{
    if (!f)
        return;
    pthread_mutex_destroy(&f->lock);
    free(f);
}

/* Take one token; returns 0, or the whole seconds until one is available. */
static int bucket_take(struct emu_faults *f, int64_t now_us)
{
    const struct emu_config *c = f->cfg;
    int wait_s = 0;
    pthread_mutex_lock(&f->lock);
    if (now_us > f->last_us) {
        f->tokens += (double)(now_us - f->last_us) / 1e6 * c->rate_limit_per_s;
        if (f->tokens > c->rate_burst)
            f->tokens = c->rate_burst;
        f->last_us = now_us;
    }
    if (f->tokens >= 1.0) {
        f->tokens -= 1.0;
    } else {
        wait_s = (int)ceil((1.0 - f->tokens) / c->rate_limit_per_s);
        if (wait_s < 1)
            wait_s = 1;
    }
    pthread_mutex_unlock(&f->lock);
    return wait_s;
}

enum emu_fault emu_faults_decide(struct emu_faults *f, uint64_t n, int64_t now_us,
                                 int *status, int *retry_after_s)
{
    const struct emu_config *c = f->cfg;
    if (c->reset_ratio > 0 && rt_emu_uniform(c->seed, 1, n) < c->reset_ratio)
        return EMU_FAULT_RESET;
    if (c->stall_ratio > 0 && rt_emu_uniform(c->seed, 2, n) < c->stall_ratio)
        return EMU_FAULT_STALL;
    if (c->rate_limit_per_s > 0) {
        int w = bucket_take(f, now_us);
        if (w > 0) {
            *retry_after_s = w;
            return EMU_FAULT_RATE_LIMIT;
        }
    }
    if (c->n_errors > 0) {
        /* One draw against the cumulative ratios: rules never overlap. */
        double u = rt_emu_uniform(c->seed, 3, n), acc = 0;
        for (int i = 0; i < c->n_errors; i++) {
            acc += c->errors[i].ratio;
            if (u < acc) {
                *status = c->errors[i].status;
                return EMU_FAULT_ERROR;
            }
        }
    }
    if (c->huge_ratio > 0 && rt_emu_uniform(c->seed, 4, n) < c->huge_ratio)
        return EMU_FAULT_HUGE;
    return EMU_FAULT_NONE;
}
