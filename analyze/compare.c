/*
 * compare.c - several runs side by side: one row per figure, one column per run, deltas
 * against the baseline (the first run, or --baseline), and the --threshold regression check.
 *
 * The regression check looks at the figures a capacity question turns on: HTTP-200 latency
 * p50, p90, p99 and mean (worse when higher) and the achieved rate (worse when lower).  A run
 * regresses when one of them moves the wrong way by more than the threshold, relative to the
 * baseline.  Error ratios are left to --max-errors: relative change from 0 % is meaningless.
 */
#include "analyze/analyze.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stddef.h>

enum { SRC_COUNT, SRC_RATIO, SRC_OFFERED, SRC_ACHIEVED, SRC_OKRATE, SRC_FAILED, SRC_DIST };

#define LAT offsetof(struct an_run, latency)
#define SVC offsetof(struct an_run, service)
#define LAG offsetof(struct an_run, lag)
static const struct {
    const char *name, *key;
    int unit, worse_when_higher, checked, src;
    size_t dist;                /* SRC_DIST: the run's distribution */
    enum an_col_kind col;       /* SRC_DIST: its figure (an_dist_cell) */
    int pct;
} rows[] = {
    { "requests", "requests", AN_U_COUNT, -1, 0, SRC_COUNT, 0, 0, 0 },
    { "failed", "failed", AN_U_COUNT, 1, 0, SRC_FAILED, 0, 0, 0 },
    { "error ratio", "error_ratio", AN_U_RATIO, 1, 0, SRC_RATIO, 0, 0, 0 },
    { "offered rate", "offered_per_s", AN_U_PER_S, -1, 0, SRC_OFFERED, 0, 0, 0 },
    { "achieved rate", "achieved_per_s", AN_U_PER_S, 0, 1, SRC_ACHIEVED, 0, 0, 0 },
    { "HTTP-200 rate", "ok_per_s", AN_U_PER_S, 0, 0, SRC_OKRATE, 0, 0, 0 },
    { "latency mean", "latency_mean_us", AN_U_US, 1, 1, SRC_DIST, LAT, AN_COL_MEAN, 0 },
    { "latency p50", "latency_p50_us", AN_U_US, 1, 1, SRC_DIST, LAT, AN_COL_PCT, AN_P50 },
    { "latency p66", "latency_p66_us", AN_U_US, 1, 0, SRC_DIST, LAT, AN_COL_PCT, AN_P66 },
    { "latency p75", "latency_p75_us", AN_U_US, 1, 0, SRC_DIST, LAT, AN_COL_PCT, AN_P75 },
    { "latency p80", "latency_p80_us", AN_U_US, 1, 0, SRC_DIST, LAT, AN_COL_PCT, AN_P80 },
    { "latency p90", "latency_p90_us", AN_U_US, 1, 1, SRC_DIST, LAT, AN_COL_PCT, AN_P90 },
    { "latency p95", "latency_p95_us", AN_U_US, 1, 0, SRC_DIST, LAT, AN_COL_PCT, AN_P95 },
    { "latency p98", "latency_p98_us", AN_U_US, 1, 0, SRC_DIST, LAT, AN_COL_PCT, AN_P98 },
    { "latency p99", "latency_p99_us", AN_U_US, 1, 1, SRC_DIST, LAT, AN_COL_PCT, AN_P99 },
    { "latency p99.9", "latency_p99.9_us", AN_U_US, 1, 0, SRC_DIST, LAT, AN_COL_PCT, AN_P99_9 },
    { "latency p99.99", "latency_p99.99_us", AN_U_US, 1, 0, SRC_DIST, LAT, AN_COL_PCT, AN_P99_99 },
    { "latency max", "latency_max_us", AN_U_US, 1, 0, SRC_DIST, LAT, AN_COL_MAX, 0 },
    { "service p50", "service_p50_us", AN_U_US, 1, 0, SRC_DIST, SVC, AN_COL_PCT, AN_P50 },
    { "service p90", "service_p90_us", AN_U_US, 1, 0, SRC_DIST, SVC, AN_COL_PCT, AN_P90 },
    { "service p99", "service_p99_us", AN_U_US, 1, 0, SRC_DIST, SVC, AN_COL_PCT, AN_P99 },
    { "service mean", "service_mean_us", AN_U_US, 1, 0, SRC_DIST, SVC, AN_COL_MEAN, 0 },
    { "lag p99", "lag_p99_us", AN_U_US, 1, 0, SRC_DIST, LAG, AN_COL_PCT, AN_P99 },
};

static int value_of(const struct an_run *run, size_t k, double *v)
{
    switch (rows[k].src) {
    case SRC_COUNT:
        *v = (double)run->requests;
        return 1;
    case SRC_FAILED:
        *v = (double)run->failed;
        return 1;
    case SRC_RATIO:
        *v = run->error_ratio;
        return run->requests > 0;
    case SRC_OFFERED:
        *v = run->offered_per_s;
        return run->offered_per_s > 0;
    case SRC_ACHIEVED:
        *v = run->achieved_per_s;
        return run->have_rate;
    case SRC_OKRATE:
        *v = run->ok_per_s;
        return run->have_rate;
    case SRC_DIST: {
        const struct an_dist *d = (const void *)((const char *)run + rows[k].dist);
        struct an_cell c = an_dist_cell(d, &(struct an_col){ .kind = rows[k].col,
                                                             .pct = rows[k].pct });
        *v = c.x;
        return c.have;
    }
    }
    return 0;
}

/* Run i against the baseline on one checked row: worse by more than the threshold fails. */
static void regression_verdict(struct an_verdict *v, const struct an_cmp_row *c, size_t i,
                               size_t b, const struct an_criteria *crit)
{
    v->run = i;
    v->kind = AN_V_REGRESSION;
    snprintf(v->what, sizeof v->what, "%s %s baseline%c%s", c->name,
             c->worse_when_higher == 1 ? "<=" : ">=", c->worse_when_higher == 1 ? '+' : '-',
             crit->threshold_text);
    char a[48], bb[48], d[32];
    if (!c->have[i] || !c->have[b]) {
        /* Nothing to compare is not a pass: a run with no answers regressed. */
        v->pass = c->have[i] == c->have[b] ? 1 : !c->have[b];
        snprintf(v->measured, sizeof v->measured, "%s vs baseline %s",
                 c->have[i] ? an_fmt_value(a, sizeof a, c->unit, c->v[i]) : "n/a",
                 c->have[b] ? an_fmt_value(bb, sizeof bb, c->unit, c->v[b]) : "n/a");
        return;
    }
    double base = c->v[b], val = c->v[i];
    double change = base != 0 ? (val - base) / fabs(base) : (val == 0 ? 0 : INFINITY);
    double worse = c->worse_when_higher == 1 ? change : -change;
    v->pass = !(worse > crit->threshold + 1e-12);
    snprintf(v->measured, sizeof v->measured, "%s vs baseline %s (%s)",
             an_fmt_value(a, sizeof a, c->unit, val), an_fmt_value(bb, sizeof bb, c->unit, base),
             an_fmt_delta(d, sizeof d, base, val));
}

int an_compare_build(struct an_report *r)
{
    if (r->nruns < 2)
        return 0;
    size_t nrows = sizeof rows / sizeof rows[0];
    r->cmp = calloc(nrows, sizeof *r->cmp);
    if (!r->cmp)
        return -1;
    r->ncmp = nrows;
    for (size_t k = 0; k < nrows; k++) {
        struct an_cmp_row *c = &r->cmp[k];
        c->name = rows[k].name;
        c->key = rows[k].key;
        c->unit = rows[k].unit;
        c->worse_when_higher = rows[k].worse_when_higher;
        c->checked = rows[k].checked;
        c->v = calloc(r->nruns, sizeof *c->v);
        c->have = calloc(r->nruns, sizeof *c->have);
        if (!c->v || !c->have)
            return -1;
        for (size_t i = 0; i < r->nruns; i++)
            c->have[i] = value_of(&r->runs[i], k, &c->v[i]);
    }
    if (r->crit.threshold < 0)
        return 0;
    size_t cap = r->nverdicts;
    for (size_t i = 0; i < r->nruns; i++) {
        if (i == r->baseline)
            continue;
        for (size_t k = 0; k < nrows; k++) {
            if (!r->cmp[k].checked)
                continue;
            struct an_verdict *v = an_verdict_add(r, &cap);
            if (!v)
                return -1;
            regression_verdict(v, &r->cmp[k], i, r->baseline, &r->crit);
        }
    }
    for (size_t k = 0; k < r->nverdicts; k++)
        if (!r->verdicts[k].pass)
            r->failed = 1;
    return 0;
}

void an_report_free(struct an_report *r)
{
    for (size_t i = 0; i < r->nruns; i++)
        an_run_free(&r->runs[i]);
    free(r->runs);
    free(r->verdicts);
    free(r->judged);
    for (size_t k = 0; k < r->ncmp; k++) {
        free(r->cmp[k].v);
        free(r->cmp[k].have);
    }
    free(r->cmp);
    memset(r, 0, sizeof *r);
}
