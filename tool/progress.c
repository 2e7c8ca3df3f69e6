/*
 * progress.c - the progress line's text (see progress.h).  The numbers come from the
 * engine's snapshot (core/engine.h); this file only words them.
 */
#include "tool/progress.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/units.h"

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

void rt_rate_window_init(struct rt_rate_window *w)
{
    memset(w, 0, sizeof *w);
    w->n = 1;               /* s[0]: the start */
    w->next = 1;
}

void rt_rate_window_apply(struct rt_rate_window *w, struct rt_progress *p)
{
    int64_t answered = p->ok_2xx + p->http_errors;
    /* The base: the newest sample at least the window old, else the oldest kept. */
    size_t oldest = (w->next + RT_RATE_SAMPLES - w->n) % RT_RATE_SAMPLES, base = oldest;
    for (size_t k = 0; k < w->n; k++) {
        size_t i = (oldest + k) % RT_RATE_SAMPLES;
        if (w->s[i].t_us <= p->elapsed_us - RT_RATE_WINDOW_US)
            base = i;
    }
    double dt = (double)(p->elapsed_us - w->s[base].t_us) / 1e6;
    if (dt > 0) {
        if (!p->sends_done)
            p->offered_per_s = (double)(p->scheduled - w->s[base].scheduled) / dt;
        p->achieved_per_s = (double)(answered - w->s[base].answered) / dt;
    }
    w->s[w->next].t_us = p->elapsed_us;
    w->s[w->next].scheduled = p->scheduled;
    w->s[w->next].answered = answered;
    w->next = (w->next + 1) % RT_RATE_SAMPLES;
    if (w->n < RT_RATE_SAMPLES)
        w->n++;
}

char *rt_progress_format(char *buf, size_t len, const struct rt_progress *p, int live)
{
    char el[32], tot[64], p50[32], p90[32], off[32], ach[32];
    /* Past the duration the clock stops at it and the line says what is going on. */
    int64_t shown_us = p->elapsed_us;
    if (p->duration_us > 0 && shown_us > p->duration_us + 999999)
        shown_us = p->duration_us + 999999;
    clock_text(el, sizeof el, shown_us);
    const char *drain = p->sends_done && p->inflight > 0 ? (live ? " draining" : "(draining)")
                                                         : "";
    /* The run's total: its duration, else the --requests count (as sent/total), else "-". */
    if (p->duration_us > 0)
        snprintf(tot, sizeof tot, "/%s%s", clock_text(ach, sizeof ach, p->duration_us + 999999),
                 drain);
    else if (p->total_requests > 0)
        snprintf(tot, sizeof tot, live ? " sent %lld/%lld%s" : " sent=%lld/%lld%s",
                 (long long)p->sent, (long long)p->total_requests, drain);
    else
        snprintf(tot, sizeof tot, "/-%s", drain);
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
