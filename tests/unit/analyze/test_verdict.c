/*
 * test_verdict.c - analyze/verdict.c on hand-made runs: each verdict kind (--slo with a
 * listed percentile, an unlisted one, mean, max and min; --min-rate; --max-errors) passes at
 * its boundary and fails just beyond it, says what it measured, and a run without HTTP-200
 * answers fails every SLO.  --judge restricts the verdicts to the runs named; r->failed is set
 * by any failure.  Also the --slo parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/units.h"
#include "fake_report.h"

/* Judge run 0 of r against one SLO; returns the verdict (r keeps it). */
static const struct an_verdict *judge_slo(struct an_report *r, const char *slo)
{
    char err[256];
    r->nverdicts = 0;
    r->failed = 0;
    assert_int_equal(an_slo_parse(slo, &r->crit.slo[0], err, sizeof err), 0);
    r->crit.nslo = 1;
    assert_int_equal(an_verdicts_eval(r), 0);
    assert_int_equal(r->nverdicts, 1);
    assert_int_equal(r->verdicts[0].kind, AN_V_SLO);
    assert_int_equal(r->failed, !r->verdicts[0].pass);
    return &r->verdicts[0];
}

static void test_slo_boundary(void **state)
{
    (void)state;
    struct an_report r;
    fake_report(&r, 1);
    fake_run(&r.runs[0], 100, 0, 1000);   /* latencies 1, 2, .. 100 ms: p90 = 90 ms */
    const struct an_verdict *v = judge_slo(&r, "p90<=90ms");
    assert_true(v->pass);
    assert_string_equal(v->what, "p90<=90ms");
    assert_string_equal(v->measured, "p90 = 90.0 ms (100 HTTP-200)");
    assert_false(judge_slo(&r, "p90<90ms")->pass);
    assert_false(judge_slo(&r, "p90<=89999us")->pass);
    assert_true(judge_slo(&r, "p90<90001us")->pass);
    an_report_free(&r);
}

static void test_slo_metrics(void **state)
{
    (void)state;
    struct an_report r;
    fake_report(&r, 1);
    fake_run(&r.runs[0], 100, 0, 1000);
    /* mean 50.5 ms, min 1 ms, max 100 ms */
    assert_true(judge_slo(&r, "mean<=50.5ms")->pass);
    assert_string_equal(r.verdicts[0].measured, "mean = 50.5 ms (100 HTTP-200)");
    assert_false(judge_slo(&r, "mean<50.5ms")->pass);
    assert_true(judge_slo(&r, "avg<=51ms")->pass);
    assert_true(judge_slo(&r, "max<=100ms")->pass);
    assert_false(judge_slo(&r, "max<100ms")->pass);
    assert_true(judge_slo(&r, "min<=1ms")->pass);
    assert_false(judge_slo(&r, "min<1ms")->pass);
    /* Not among the listed percentiles: read off the kept sample (rank ceil(33.3) = 34). */
    assert_true(judge_slo(&r, "p33.3<=34ms")->pass);
    assert_string_equal(r.verdicts[0].measured, "p33.3 = 34.0 ms (100 HTTP-200)");
    assert_false(judge_slo(&r, "p33.3<34ms")->pass);
    assert_true(judge_slo(&r, "p99.9<=100ms")->pass);
    assert_true(judge_slo(&r, "p100<=100ms")->pass);
    an_report_free(&r);
}

static void test_slo_without_answers(void **state)
{
    (void)state;
    struct an_report r;
    fake_report(&r, 1);
    fake_run(&r.runs[0], 10, 10, 1000);   /* every request failed: no latency */
    const struct an_verdict *v = judge_slo(&r, "p90<=10s");
    assert_false(v->pass);
    assert_string_equal(v->measured, "no HTTP-200 answers to measure");
    assert_false(judge_slo(&r, "max<=1h")->pass);
    an_report_free(&r);
}

/* Judge run 0 of r against --min-rate RATE; returns the verdict. */
static const struct an_verdict *judge_rate(struct an_report *r, const char *rate)
{
    r->nverdicts = 0;
    r->failed = 0;
    assert_int_equal(rt_parse_rate_per_s(rate, &r->crit.min_rate_per_s), 0);
    snprintf(r->crit.min_rate_text, sizeof r->crit.min_rate_text, "%s", rate);
    assert_int_equal(an_verdicts_eval(r), 0);
    assert_int_equal(r->nverdicts, 1);
    assert_int_equal(r->verdicts[0].kind, AN_V_RATE);
    return &r->verdicts[0];
}

static void test_min_rate(void **state)
{
    (void)state;
    struct an_report r;
    fake_report(&r, 1);
    struct an_run *run = &r.runs[0];
    fake_run(run, 100, 0, 1000);
    run->ok_per_s = 150000.0 / 3600.0;   /* exactly 150000/h, computed another way */
    run->offered_per_s = run->ok_per_s;
    const struct an_verdict *v = judge_rate(&r, "150000/h");
    assert_true(v->pass);
    assert_string_equal(v->what, "rate>=150000/h");
    assert_string_equal(v->measured, "HTTP-200 41.67/s = 150000/h");
    run->ok_per_s = 150000.0 / 3600.0 * (1 - 1e-6);
    v = judge_rate(&r, "150000/h");
    assert_false(v->pass);
    assert_int_equal(r.failed, 1);
    assert_null(strstr(v->measured, "offered only"));   /* it was offered */
    /* A run that never offered the rate says so. */
    run->offered_per_s = 30000.0 / 3600.0;
    run->ok_per_s = run->offered_per_s;
    v = judge_rate(&r, "150000/h");
    assert_false(v->pass);
    assert_string_equal(v->measured, "HTTP-200 8.33/s = 30000/h (offered only 30000/h)");
    /* No window: no rate, a failure. */
    run->have_rate = 0;
    v = judge_rate(&r, "1/h");
    assert_false(v->pass);
    assert_string_equal(v->measured, "no rate (no schedule span and no completed request)");
    an_report_free(&r);
}

static void test_max_errors(void **state)
{
    (void)state;
    struct an_report r;
    fake_report(&r, 1);
    fake_run(&r.runs[0], 100, 1, 1000);
    assert_int_equal(rt_parse_ratio("1%", &r.crit.max_errors), 0);
    snprintf(r.crit.max_errors_text, sizeof r.crit.max_errors_text, "1%%");
    assert_int_equal(an_verdicts_eval(&r), 0);
    assert_int_equal(r.nverdicts, 1);
    assert_int_equal(r.verdicts[0].kind, AN_V_ERRORS);
    assert_true(r.verdicts[0].pass);   /* 1 of 100 is exactly 1% */
    assert_string_equal(r.verdicts[0].what, "errors<=1%");
    assert_string_equal(r.verdicts[0].measured, "1.00% (1 of 100 failed)");
    assert_int_equal(r.failed, 0);

    an_run_free(&r.runs[0]);
    fake_run(&r.runs[0], 100, 2, 1000);
    r.nverdicts = 0;
    assert_int_equal(an_verdicts_eval(&r), 0);
    assert_false(r.verdicts[0].pass);
    assert_int_equal(r.failed, 1);

    /* A run without requests cannot pass. */
    an_run_free(&r.runs[0]);
    fake_run(&r.runs[0], 0, 0, 1000);
    r.nverdicts = 0;
    assert_int_equal(an_verdicts_eval(&r), 0);
    assert_false(r.verdicts[0].pass);
    assert_string_equal(r.verdicts[0].measured, "no requests in the run");
    an_report_free(&r);
}

/* --judge: only the judged runs get verdicts, each run's SLOs, rate, errors in that order. */
static void test_judged_runs_only(void **state)
{
    (void)state;
    struct an_report r;
    char err[256];
    fake_report(&r, 3);
    for (size_t i = 0; i < 3; i++)
        fake_run(&r.runs[i], 100, 0, 1000);
    int judged[3] = { 0, 1, 1 };
    r.judged = malloc(sizeof judged);
    assert_non_null(r.judged);
    memcpy(r.judged, judged, sizeof judged);
    assert_int_equal(an_slo_parse("p50<=1s", &r.crit.slo[0], err, sizeof err), 0);
    assert_int_equal(an_slo_parse("max<=1s", &r.crit.slo[1], err, sizeof err), 0);
    r.crit.nslo = 2;
    r.crit.min_rate_per_s = 0.5;
    r.crit.max_errors = 0;
    assert_int_equal(an_verdicts_eval(&r), 0);
    assert_int_equal(r.nverdicts, 8);
    static const enum an_vkind kinds[4] = { AN_V_SLO, AN_V_SLO, AN_V_RATE, AN_V_ERRORS };
    for (size_t k = 0; k < 8; k++) {
        assert_int_equal(r.verdicts[k].run, 1 + k / 4);
        assert_int_equal(r.verdicts[k].kind, kinds[k % 4]);
        assert_true(r.verdicts[k].pass);
    }
    assert_int_equal(r.failed, 0);
    an_report_free(&r);
}

static void test_slo_parse(void **state)
{
    (void)state;
    struct an_slo s;
    char err[256];
    assert_int_equal(an_slo_parse("p90<=500ms", &s, err, sizeof err), 0);
    assert_int_equal(s.metric, AN_M_PCT);
    assert_true(s.pct == 90);
    assert_int_equal(s.strict, 0);
    assert_int_equal(s.limit_us, 500000);
    assert_string_equal(s.text, "p90<=500ms");
    assert_int_equal(an_slo_parse("p99.9<2s", &s, err, sizeof err), 0);
    assert_true(s.pct == 99.9);
    assert_int_equal(s.strict, 1);
    assert_int_equal(s.limit_us, 2000000);
    assert_int_equal(an_slo_parse("mean<=300ms", &s, err, sizeof err), 0);
    assert_int_equal(s.metric, AN_M_MEAN);
    static const char *const bad[] = {
        "p90", "<=1s", "p0<=1s", "p101<1s", "px<1s", "median<1s", "p90<=abc", "p90<=5",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        err[0] = '\0';
        assert_int_equal(an_slo_parse(bad[k], &s, err, sizeof err), -1);
        assert_true(err[0] != '\0');
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slo_boundary),
        cmocka_unit_test(test_slo_metrics),
        cmocka_unit_test(test_slo_without_answers),
        cmocka_unit_test(test_min_rate),
        cmocka_unit_test(test_max_errors),
        cmocka_unit_test(test_judged_runs_only),
        cmocka_unit_test(test_slo_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
