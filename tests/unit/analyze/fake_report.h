/*
 * fake_report.h - hand-made runs and reports for analyze's unit tests (verdicts, comparison,
 * table model), built the way figures.c builds them (a sorted sample kept, its summary and
 * percentiles by nearest rank) but without a database, so a test states every figure.
 * Header-only: each test binary includes it once.
 */
#ifndef RT_TEST_FAKE_REPORT_H
#define RT_TEST_FAKE_REPORT_H

#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"

/* d = the n values k * step_us for k = 1..n (n = 0: empty).  d->v is owned (an_run_free). */
static inline void fake_dist(struct an_dist *d, size_t n, int64_t step_us)
{
    memset(d, 0, sizeof *d);
    d->v = calloc(n ? n : 1, sizeof *d->v);
    if (!d->v)
        abort();
    for (size_t k = 0; k < n; k++)
        d->v[k] = (int64_t)(k + 1) * step_us;
    d->n = n;
    rt_stats_summarize(d->v, n, &d->s);
    for (int p = 0; p < RT_STATS_NPCTS; p++)
        if (rt_stats_percentile(d->v, n, rt_stats_pcts[p], &d->pct[p]) != 0)
            d->pct[p] = 0;
}

/*
 * A complete run of `requests` requests, `failed` of them failed, whose HTTP-200 latencies
 * are k * lat_step_us (k = 1..ok), service times the same minus 1 ms, lag 1..sent in us, over
 * a 100 s schedule window.
 */
static inline void fake_run(struct an_run *run, int64_t requests, int64_t failed,
                            int64_t lat_step_us)
{
    memset(run, 0, sizeof *run);
    run->requests = run->sent = requests;
    run->failed = failed;
    run->ok = run->answered = requests - failed;
    run->error_ratio = requests ? (double)failed / (double)requests : 0;
    run->have_rate = 1;
    run->rate_from_schedule = 1;
    run->window_s = 100;
    run->offered_per_s = (double)requests / 100;
    run->achieved_per_s = (double)run->answered / 100;
    run->ok_per_s = (double)run->ok / 100;
    run->failed_per_s = (double)failed / 100;
    run->requests_per_s = (double)requests / 100;
    fake_dist(&run->latency, (size_t)run->ok, lat_step_us);
    fake_dist(&run->service, (size_t)run->ok, lat_step_us > 1000 ? lat_step_us - 1000 : 1);
    fake_dist(&run->lag, (size_t)run->sent, 1);
    for (int p = 0; p < AN_NPHASES; p++)
        fake_dist(&run->phase[p], 0, 1);
}

/* A report of nruns zeroed runs (fill them with fake_run), no verdict asked yet. */
static inline void fake_report(struct an_report *r, size_t nruns)
{
    memset(r, 0, sizeof *r);
    r->runs = calloc(nruns, sizeof *r->runs);
    if (!r->runs)
        abort();
    r->nruns = nruns;
    r->crit.max_errors = -1;
    r->crit.threshold = -1;
}

#endif
