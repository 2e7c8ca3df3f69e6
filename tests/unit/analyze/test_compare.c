/*
 * test_compare.c - analyze/compare.c on hand-made runs: the comparison rows carry each run's
 * figure (or none), the deltas read as the formats print them, and the --threshold check
 * passes a run worse by exactly the threshold and fails one worse by more, for latency
 * (higher is worse) and the achieved rate (lower is worse); a run without a figure the
 * baseline has regressed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fake_report.h"

static const struct an_cmp_row *row(const struct an_report *r, const char *key)
{
    for (size_t k = 0; k < r->ncmp; k++)
        if (strcmp(r->cmp[k].key, key) == 0)
            return &r->cmp[k];
    fail_msg("no comparison row %s", key);
    return NULL;
}

/* The regression verdict of run i on the row named name (NULL when none). */
static const struct an_verdict *verdict(const struct an_report *r, size_t i, const char *name)
{
    for (size_t k = 0; k < r->nverdicts; k++)
        if (r->verdicts[k].run == i && r->verdicts[k].kind == AN_V_REGRESSION &&
            strncmp(r->verdicts[k].what, name, strlen(name)) == 0 &&
            r->verdicts[k].what[strlen(name)] == ' ')
            return &r->verdicts[k];
    return NULL;
}

static void test_rows(void **state)
{
    (void)state;
    struct an_report r;
    fake_report(&r, 2);
    fake_run(&r.runs[0], 200, 20, 1000);   /* 180 ok, latencies 1..180 ms */
    fake_run(&r.runs[1], 50, 50, 1000);    /* nothing answered */
    r.runs[1].offered_per_s = 0;
    assert_int_equal(an_compare_build(&r), 0);
    assert_int_equal(r.nverdicts, 0);   /* no --threshold */
    const struct an_cmp_row *c = row(&r, "requests");
    assert_true(c->have[0] && c->have[1]);
    assert_true(c->v[0] == 200 && c->v[1] == 50);
    c = row(&r, "error_ratio");
    assert_true(c->v[0] == 0.1 && c->v[1] == 1.0);
    assert_int_equal(c->unit, AN_U_RATIO);
    c = row(&r, "offered_per_s");
    assert_true(c->have[0] && !c->have[1]);
    c = row(&r, "latency_p90_us");
    assert_true(c->have[0] && !c->have[1]);
    assert_true(c->v[0] == (double)r.runs[0].latency.pct[AN_P90]);
    assert_true(c->v[0] == 162000);   /* rank ceil(0.9 * 180) = 162 */
    assert_true(c->checked);
    assert_int_equal(c->worse_when_higher, 1);
    c = row(&r, "latency_p99.99_us");
    assert_true(c->v[0] == 180000);
    assert_false(c->checked);
    c = row(&r, "service_p50_us");
    assert_true(c->v[0] == (double)r.runs[0].service.pct[AN_P50]);
    c = row(&r, "lag_p99_us");
    assert_true(c->have[1]);
    assert_true(c->v[1] == (double)r.runs[1].lag.pct[AN_P99]);
    c = row(&r, "achieved_per_s");
    assert_true(c->checked);
    assert_int_equal(c->worse_when_higher, 0);
    an_report_free(&r);

    /* One run: nothing to compare. */
    fake_report(&r, 1);
    fake_run(&r.runs[0], 10, 0, 1000);
    r.crit.threshold = 0.1;
    assert_int_equal(an_compare_build(&r), 0);
    assert_int_equal(r.ncmp, 0);
    assert_int_equal(r.nverdicts, 0);
    an_report_free(&r);
}

static void test_deltas(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(an_fmt_delta(b, sizeof b, 100, 110), "+10.0%");
    assert_string_equal(an_fmt_delta(b, sizeof b, 100, 90), "-10.0%");
    assert_string_equal(an_fmt_delta(b, sizeof b, 100, 100), "=");
    assert_string_equal(an_fmt_delta(b, sizeof b, 0, 5), "n/a");
    assert_string_equal(an_fmt_delta(b, sizeof b, 0, 0), "=");
    assert_string_equal(an_fmt_delta(b, sizeof b, -50, -25), "+50.0%");
    assert_string_equal(an_fmt_value(b, sizeof b, AN_U_US, 110000), "110.0 ms");
    assert_string_equal(an_fmt_value(b, sizeof b, AN_U_PER_S, 41.666), "41.67/s");
    assert_string_equal(an_fmt_value(b, sizeof b, AN_U_RATIO, 0.002), "0.20%");
    assert_string_equal(an_fmt_value(b, sizeof b, AN_U_COUNT, 6126), "6126");
}

/* Baseline latencies 1..100 ms; run 1 the same times scale_permille / 1000. */
/* The load generator's own cost: each part only when recorded, "" when neither is. */
static void test_client_cost(void **state)
{
    (void)state;
    struct an_run run;
    char b[256];
    memset(&run, 0, sizeof run);
    run.max_loop_stall_us = -1;
    run.client_cpu_us = -1;
    assert_string_equal(an_fmt_client_cost(b, sizeof b, &run), "");
    run.max_loop_stall_us = 3940;
    assert_string_equal(an_fmt_client_cost(b, sizeof b, &run), "loop stall 3.9 ms at most");
    run.client_cpu_us = 344384;
    run.duration_s = 3.0;
    run.sent = 6077;
    assert_string_equal(an_fmt_client_cost(b, sizeof b, &run),
                        "loop stall 3.9 ms at most; CPU 0.34 s = 11.5 % of a core, "
                        "0.057 ms per request sent");
    run.max_loop_stall_us = -1;
    run.duration_s = 0;
    run.sent = 0;
    assert_string_equal(an_fmt_client_cost(b, sizeof b, &run), "CPU 0.34 s");
    char small[12];     /* truncated, still terminated */
    run.max_loop_stall_us = 3940;
    assert_int_equal(strlen(an_fmt_client_cost(small, sizeof small, &run)), sizeof small - 1);
}

static void latency_pair(struct an_report *r, int64_t scale_permille, double threshold)
{
    fake_report(r, 2);
    fake_run(&r->runs[0], 100, 0, 1000);
    fake_run(&r->runs[1], 100, 0, scale_permille);
    r->crit.threshold = threshold;
    snprintf(r->crit.threshold_text, sizeof r->crit.threshold_text, "%g%%", threshold * 100);
    assert_int_equal(an_compare_build(r), 0);
}

static void test_threshold_latency(void **state)
{
    (void)state;
    static const char *const checked[] = {
        "achieved rate", "latency mean", "latency p50", "latency p90", "latency p99",
    };
    struct an_report r;
    latency_pair(&r, 1100, 0.10);   /* exactly 10% slower: within 10% */
    assert_int_equal(r.nverdicts, 5);   /* one per checked row, for run 1 only */
    for (size_t k = 0; k < 5; k++) {
        const struct an_verdict *v = verdict(&r, 1, checked[k]);
        assert_non_null(v);
        assert_true(v->pass);
    }
    const struct an_verdict *v = verdict(&r, 1, "latency p90");
    assert_string_equal(v->what, "latency p90 <= baseline+10%");
    assert_string_equal(v->measured, "99.0 ms vs baseline 90.0 ms (+10.0%)");
    assert_string_equal(verdict(&r, 1, "achieved rate")->measured,
                        "1.00/s vs baseline 1.00/s (=)");
    assert_int_equal(r.failed, 0);
    an_report_free(&r);

    latency_pair(&r, 1101, 0.10);   /* 10.1% slower */
    assert_false(verdict(&r, 1, "latency p90")->pass);
    assert_false(verdict(&r, 1, "latency mean")->pass);
    assert_true(verdict(&r, 1, "achieved rate")->pass);
    assert_int_equal(r.failed, 1);
    an_report_free(&r);

    latency_pair(&r, 500, 0.0);     /* faster passes even a 0% threshold */
    assert_true(verdict(&r, 1, "latency p99")->pass);
    assert_int_equal(r.failed, 0);
    an_report_free(&r);
}

static void test_threshold_rate(void **state)
{
    (void)state;
    struct an_report r;
    fake_report(&r, 3);
    for (size_t i = 0; i < 3; i++)
        fake_run(&r.runs[i], 100, 0, 1000);
    r.runs[0].achieved_per_s = 100;
    r.runs[1].achieved_per_s = 90;      /* 10% lower: within 10% */
    r.runs[2].achieved_per_s = 89.9;    /* more than 10% lower */
    r.crit.threshold = 0.10;
    snprintf(r.crit.threshold_text, sizeof r.crit.threshold_text, "10%%");
    assert_int_equal(an_compare_build(&r), 0);
    const struct an_verdict *v = verdict(&r, 1, "achieved rate");
    assert_true(v->pass);
    assert_string_equal(v->what, "achieved rate >= baseline-10%");
    assert_string_equal(v->measured, "90.00/s vs baseline 100.00/s (-10.0%)");
    assert_false(verdict(&r, 2, "achieved rate")->pass);
    assert_null(verdict(&r, 0, "achieved rate"));   /* the baseline is not judged */
    assert_int_equal(r.failed, 1);
    an_report_free(&r);
}

/* A figure the baseline has and the run lacks is a regression; the reverse is not. */
static void test_threshold_missing(void **state)
{
    (void)state;
    struct an_report r;
    fake_report(&r, 3);
    fake_run(&r.runs[0], 100, 100, 1000);   /* baseline: no HTTP-200 answer */
    fake_run(&r.runs[1], 100, 0, 1000);
    fake_run(&r.runs[2], 100, 100, 1000);
    r.baseline = 1;
    r.crit.threshold = 0.5;
    snprintf(r.crit.threshold_text, sizeof r.crit.threshold_text, "50%%");
    assert_int_equal(an_compare_build(&r), 0);
    const struct an_verdict *v = verdict(&r, 2, "latency p50");
    assert_false(v->pass);
    assert_string_equal(v->measured, "n/a vs baseline 50.0 ms");
    v = verdict(&r, 0, "latency p50");
    assert_false(v->pass);   /* run 0, before the baseline, lacks it too */
    an_report_free(&r);

    fake_report(&r, 2);
    fake_run(&r.runs[0], 100, 100, 1000);   /* the baseline lacks it, the run has it */
    fake_run(&r.runs[1], 100, 0, 1000);
    r.crit.threshold = 0;
    assert_int_equal(an_compare_build(&r), 0);
    v = verdict(&r, 1, "latency p90");
    assert_true(v->pass);
    assert_string_equal(v->measured, "90.0 ms vs baseline n/a");
    an_report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_deltas),
        cmocka_unit_test(test_client_cost),
        cmocka_unit_test(test_threshold_latency),
        cmocka_unit_test(test_threshold_rate),
        cmocka_unit_test(test_threshold_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
