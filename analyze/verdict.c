/*
 * verdict.c - the pass/fail judgements: --slo on the HTTP-200 latency, --min-rate on the
 * HTTP-200 rate (per second of the schedule window), --max-errors on the failure ratio, each
 * over the runs --judge names (every run without it).  Each verdict carries the measured figure
 * in words, so a report never says "fail" without saying what was seen.  A run without any
 * HTTP-200 answer fails every SLO with "no HTTP-200 answers" (there is no latency to judge,
 * and passing would be a lie).
 */
#include "analyze/analyze.h"
#include "core/grow.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"

int an_slo_parse(const char *s, struct an_slo *slo, char *err, size_t errlen)
{
    memset(slo, 0, sizeof *slo);
    const char *op = strchr(s, '<');
    if (!op) {
        snprintf(err, errlen, "expected METRIC<=DURATION or METRIC<DURATION, e.g. "
                 "'p90<=500ms', 'p99.9<2s', 'mean<=300ms', 'max<5s'");
        return -1;
    }
    size_t mlen = (size_t)(op - s);
    char metric[32];
    if (mlen == 0 || mlen >= sizeof metric) {
        snprintf(err, errlen, "missing metric before '<' (p50..p100, mean, max, min)");
        return -1;
    }
    memcpy(metric, s, mlen);
    metric[mlen] = '\0';
    const char *val = op + 1;
    if (*val == '=') {
        val++;
    } else {
        slo->strict = 1;
    }
    if (strcmp(metric, "mean") == 0 || strcmp(metric, "avg") == 0) {
        slo->metric = AN_M_MEAN;
    } else if (strcmp(metric, "max") == 0) {
        slo->metric = AN_M_MAX;
    } else if (strcmp(metric, "min") == 0) {
        slo->metric = AN_M_MIN;
    } else if (metric[0] == 'p' && metric[1]) {
        char *end;
        errno = 0;
        double p = strtod(metric + 1, &end);
        if (*end || errno || !(p > 0) || p > 100) {
            snprintf(err, errlen, "bad percentile '%s': use p followed by a number in "
                     "(0, 100], e.g. p90 or p99.9", metric);
            return -1;
        }
        slo->metric = AN_M_PCT;
        slo->pct = p;
    } else {
        snprintf(err, errlen, "unknown metric '%s': use pNN (e.g. p90, p99.9), mean, max or "
                 "min", metric);
        return -1;
    }
    if (rt_parse_duration_us(val, &slo->limit_us) != 0) {
        snprintf(err, errlen, "bad duration '%s' (e.g. 500ms, 1.5s)", val);
        return -1;
    }
    snprintf(slo->text, sizeof slo->text, "%s%s%s", metric, slo->strict ? "<" : "<=", val);
    return 0;
}

struct an_verdict *an_verdict_add(struct an_report *r, size_t *cap)
{
    struct an_verdict *p = rt_grow(r->verdicts, r->nverdicts, cap, sizeof *p, 16);
    if (!p)
        return NULL;
    r->verdicts = p;
    struct an_verdict *v = &r->verdicts[r->nverdicts++];
    memset(v, 0, sizeof *v);
    return v;
}

static const char *metric_name(const struct an_slo *slo, char *buf, size_t len)
{
    switch (slo->metric) {
    case AN_M_MEAN:
        return "mean";
    case AN_M_MAX:
        return "max";
    case AN_M_MIN:
        return "min";
    default:
        snprintf(buf, len, "p%g", slo->pct);
        return buf;
    }
}

/* --slo: the SLO's metric of the run's HTTP-200 latency against its limit. */
static void slo_verdict(struct an_verdict *v, const struct an_run *run, const struct an_slo *slo)
{
    v->kind = AN_V_SLO;
    snprintf(v->what, sizeof v->what, "%s", slo->text);
    double us;
    char nb[16], ms[32];
    if (an_dist_metric(&run->latency, slo->metric, slo->pct, &us) != 0) {
        snprintf(v->measured, sizeof v->measured, "no HTTP-200 answers to measure");
        v->pass = 0;
        return;
    }
    v->pass = slo->strict ? us < (double)slo->limit_us : us <= (double)slo->limit_us;
    snprintf(v->measured, sizeof v->measured, "%s = %s ms (%zu HTTP-200)",
             metric_name(slo, nb, sizeof nb), an_fmt_ms(ms, sizeof ms, (int64_t)(us + 0.5)),
             run->latency.n);
}

/* --min-rate: the run's HTTP-200 rate per second of its window. */
static void rate_verdict(struct an_verdict *v, const struct an_run *run,
                         const struct an_criteria *crit)
{
    v->kind = AN_V_RATE;
    snprintf(v->what, sizeof v->what, "rate>=%s", crit->min_rate_text);
    /* 1e-9 relative: 150000/h parsed and 150000 answers / 3600 s may differ in the last
     * bit. */
    v->pass = run->have_rate && run->ok_per_s >= crit->min_rate_per_s * (1 - 1e-9);
    if (!run->have_rate)
        snprintf(v->measured, sizeof v->measured, "no rate (no schedule span and no "
                 "completed request)");
    else
        snprintf(v->measured, sizeof v->measured, "HTTP-200 %.2f/s = %.0f/h", run->ok_per_s,
                 run->ok_per_s * 3600.0);
    /* A run that never offered the rate cannot show it: say so, lest a reader take the
     * FAIL of a 1x baseline for a failure of the service. */
    if (!v->pass && run->offered_per_s > 0 &&
        run->offered_per_s < crit->min_rate_per_s * 0.999) {
        size_t l = strlen(v->measured);
        snprintf(v->measured + l, sizeof v->measured - l, " (offered only %.0f/h)",
                 run->offered_per_s * 3600.0);
    }
}

/* --max-errors: the run's failed / requests. */
static void errors_verdict(struct an_verdict *v, const struct an_run *run,
                           const struct an_criteria *crit)
{
    v->kind = AN_V_ERRORS;
    snprintf(v->what, sizeof v->what, "errors<=%s", crit->max_errors_text);
    v->pass = run->requests > 0 && run->error_ratio <= crit->max_errors + 1e-12;
    if (run->requests == 0)
        snprintf(v->measured, sizeof v->measured, "no requests in the run");
    else
        snprintf(v->measured, sizeof v->measured, "%.2f%% (%lld of %lld failed)",
                 run->error_ratio * 100.0, (long long)run->failed, (long long)run->requests);
}

int an_verdicts_eval(struct an_report *r)
{
    const struct an_criteria *crit = &r->crit;
    size_t cap = r->nverdicts;
    for (size_t i = 0; i < r->nruns; i++) {
        const struct an_run *run = &r->runs[i];
        struct an_verdict *v;
        if (!an_is_judged(r, i))
            continue;
        for (size_t k = 0; k < crit->nslo; k++) {
            if (!(v = an_verdict_add(r, &cap)))
                return -1;
            v->run = i;
            slo_verdict(v, run, &crit->slo[k]);
        }
        if (crit->min_rate_per_s > 0) {
            if (!(v = an_verdict_add(r, &cap)))
                return -1;
            v->run = i;
            rate_verdict(v, run, crit);
        }
        if (crit->max_errors >= 0) {
            if (!(v = an_verdict_add(r, &cap)))
                return -1;
            v->run = i;
            errors_verdict(v, run, crit);
        }
    }
    for (size_t k = 0; k < r->nverdicts; k++)
        if (!r->verdicts[k].pass)
            r->failed = 1;
    return 0;
}
