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
