/*
 * test_progress.c - what the user watches during a run: the live histogram's quantiles
 * (exact below 32 us, within the promised ~3 % above, nearest rank, empty = -1) and the
 * progress text in both forms (live terminal line, plain log line) for a start-of-run
 * snapshot with nothing done, a typical one, an unknown total duration, no 2xx answer yet,
 * long runs and a buffer too small for the line.
 *
 * The text checks look for each field rather than pin the whole line, so that a change of
 * spacing or order is not a test failure but a wrong number is.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/progress.h"

/* The histogram is large (RT_HIST_POW * RT_HIST_SUB counters): keep it off the stack. */
static struct rt_hist *new_hist(void)
{
    struct rt_hist *h = malloc(sizeof *h);
    assert_non_null(h);
    rt_hist_reset(h);
    return h;
}

static void test_hist_empty(void **state)
{
    (void)state;
    struct rt_hist *h = new_hist();
    assert_int_equal(h->count, 0);
    assert_int_equal(rt_hist_quantile(h, 0.5), -1);
    assert_int_equal(rt_hist_quantile(h, 0.9), -1);
    assert_int_equal(rt_hist_quantile(h, 1.0), -1);
    /* Reset empties a used histogram. */
    rt_hist_add(h, 1234);
    assert_true(rt_hist_quantile(h, 0.5) > 0);
    rt_hist_reset(h);
    assert_int_equal(h->count, 0);
    assert_int_equal(rt_hist_quantile(h, 0.5), -1);
    free(h);
}

static void test_hist_small_values_exact(void **state)
{
    (void)state;
    struct rt_hist *h = new_hist();
    /* Below RT_HIST_SUB microseconds every value has its own bucket. */
    for (int64_t v = 0; v < RT_HIST_SUB; v++) {
        rt_hist_reset(h);
        rt_hist_add(h, v);
        assert_int_equal(rt_hist_quantile(h, 0.5), v);
        assert_int_equal(rt_hist_quantile(h, 1.0), v);
    }
    /* Negative values count as 0. */
    rt_hist_reset(h);
    rt_hist_add(h, -5);
    rt_hist_add(h, INT64_MIN);
    assert_int_equal(h->count, 2);
    assert_int_equal(rt_hist_quantile(h, 1.0), 0);
    free(h);
}

static void test_hist_nearest_rank(void **state)
{
    (void)state;
    struct rt_hist *h = new_hist();
    /* 1..20 us, all exact: the q-quantile is the value at rank ceil(q * 20). */
    for (int64_t v = 20; v >= 1; v--)          /* order of adding does not matter */
        rt_hist_add(h, v);
    assert_int_equal(h->count, 20);
    assert_int_equal(rt_hist_quantile(h, 0.5), 10);
    assert_int_equal(rt_hist_quantile(h, 0.9), 18);
    assert_int_equal(rt_hist_quantile(h, 0.51), 11);   /* 10.2 -> rank 11 */
    assert_int_equal(rt_hist_quantile(h, 0.95), 19);
    assert_int_equal(rt_hist_quantile(h, 1.0), 20);
    assert_int_equal(rt_hist_quantile(h, 0.01), 1);    /* rank at least 1 */
    assert_int_equal(rt_hist_quantile(h, 1e-9), 1);

    /* Skewed: 90 fast answers at 5 us, 10 slow ones at 25 us. */
    rt_hist_reset(h);
    for (int i = 0; i < 90; i++)
        rt_hist_add(h, 5);
    for (int i = 0; i < 10; i++)
        rt_hist_add(h, 25);
    assert_int_equal(rt_hist_quantile(h, 0.5), 5);
    assert_int_equal(rt_hist_quantile(h, 0.9), 5);     /* rank 90 is still fast */
    assert_int_equal(rt_hist_quantile(h, 0.91), 25);

    /* 1..100: ranks whose product q * n is not exact in floating point (0.07 * 100 is
       7.000000000000001) are still the exact nearest rank, as rt_stats_rank gives. */
    rt_hist_reset(h);
    for (int64_t v = 1; v <= 100; v++)
        rt_hist_add(h, v);
    assert_int_equal(rt_hist_quantile(h, 0.07), 7);
    assert_int_equal(rt_hist_quantile(h, 0.14), 14);
    assert_int_equal(rt_hist_quantile(h, 0.28), 28);
    assert_int_equal(rt_hist_quantile(h, 0.071), 8);   /* 7.1 -> rank 8 */
    free(h);
}

static void test_hist_relative_error(void **state)
{
    (void)state;
    struct rt_hist *h = new_hist();
    /* One value at a time, from 32 us to about 11 days: the estimate (a bucket's midpoint)
       is within 1/RT_HIST_SUB of the value, the "about 3 %" of progress.h. */
    for (double x = 32; x < 1e12; x *= 1.013) {
        int64_t v = (int64_t)x;
        rt_hist_reset(h);
        rt_hist_add(h, v);
        int64_t est = rt_hist_quantile(h, 0.5);
        double rel = fabs((double)(est - v)) / (double)v;
        if (rel > 1.0 / RT_HIST_SUB)
            fail_msg("value %lld estimated as %lld (%.2f %%)", (long long)v, (long long)est,
                     100 * rel);
    }
    /* Typical latencies of the API, a few milliseconds to seconds. */
    static const int64_t lat[] = { 1000, 85000, 185300, 999999, 1204000, 5000000 };
    for (size_t i = 0; i < sizeof lat / sizeof lat[0]; i++) {
        rt_hist_reset(h);
        rt_hist_add(h, lat[i]);
        int64_t est = rt_hist_quantile(h, 0.9);
        assert_true(llabs(est - lat[i]) * RT_HIST_SUB <= lat[i]);
    }
    free(h);
}

static void test_hist_many_values(void **state)
{
    (void)state;
    struct rt_hist *h = new_hist();
    /* 1..100000 us once each: p50 = 50000, p90 = 90000, p99 = 99000 within 1/32. */
    for (int64_t v = 1; v <= 100000; v++)
        rt_hist_add(h, v);
    static const struct { double q; int64_t want; } cases[] = {
        { 0.5, 50000 }, { 0.9, 90000 }, { 0.99, 99000 }, { 1.0, 100000 }, { 0.0001, 10 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t est = rt_hist_quantile(h, cases[i].q);
        if (llabs(est - cases[i].want) * RT_HIST_SUB > cases[i].want)
            fail_msg("q %g: %lld, want about %lld", cases[i].q, (long long)est,
                     (long long)cases[i].want);
    }
    /* Quantiles never decrease with q. */
    int64_t prev = -1;
    for (double q = 0.001; q <= 1.0; q += 0.001) {
        int64_t est = rt_hist_quantile(h, q);
        assert_true(est >= prev);
        prev = est;
    }
    free(h);
}

static void test_hist_huge_values(void **state)
{
    (void)state;
    struct rt_hist *h = new_hist();
    /* The buckets reach 2^44 us (RT_HIST_POW powers of two above the 2^5 exact ones);
       beyond, values share the last bucket: counted, finite, no overflow. */
    rt_hist_add(h, (int64_t)1 << 46);
    rt_hist_add(h, INT64_MAX);
    assert_int_equal(h->count, 2);
    int64_t est = rt_hist_quantile(h, 1.0);
    assert_true(est > ((int64_t)1 << 43));
    assert_true(est < ((int64_t)1 << 44));
    /* 2^40 us (12 days), the documented range, is still estimated within 1/32. */
    rt_hist_reset(h);
    rt_hist_add(h, (int64_t)1 << 40);
    est = rt_hist_quantile(h, 0.5);
    assert_true(llabs(est - ((int64_t)1 << 40)) * RT_HIST_SUB <= ((int64_t)1 << 40));
    free(h);
}

/* Fail unless line contains every needle. */
static void has(const char *line, const char *needle)
{
    if (!strstr(line, needle))
        fail_msg("'%s' lacks '%s'", line, needle);
}

static void one_line(const char *line)
{
    assert_null(strchr(line, '\n'));
    assert_null(strchr(line, '\r'));
    assert_true(strlen(line) < 160);         /* fits a wide terminal line */
}

static void test_format_typical(void **state)
{
    (void)state;
    struct rt_progress p = {
        .elapsed_us = 42500000, .duration_us = 120000000, .scheduled = 2125, .sent = 2120,
        .done = 2100, .inflight = 20, .ok_2xx = 2079, .http_errors = 20, .net_errors = 1,
        .p50_us = 185300, .p90_us = 1204000, .offered_per_s = 50, .achieved_per_s = 49.5,
    };
    char buf[256];
    char *ret = rt_progress_format(buf, sizeof buf, &p, 1);
    assert_ptr_equal(ret, buf);
    one_line(buf);
    /* elapsed (whole seconds, rounded down) / total */
    assert_true(strncmp(buf, "42s/2m00s", 9) == 0);
    has(buf, "offered 50.0/s");
    has(buf, "achieved 49.5/s");
    has(buf, "in flight 20");
    has(buf, "p50 185.3ms");
    has(buf, "p90 1.20s");
    has(buf, "done 2100");
    has(buf, "errors 21 (1.0%)");           /* http + network errors */

    rt_progress_format(buf, sizeof buf, &p, 0);
    one_line(buf);
    assert_true(strncmp(buf, "42s/2m00s", 9) == 0);
    has(buf, "offered=50.0/s");
    has(buf, "achieved=49.5/s");
    has(buf, "inflight=20");
    has(buf, "p50=185.3ms");
    has(buf, "p90=1.20s");
    has(buf, "done=2100");
    has(buf, "errors=21 (1.0%)");
    /* The log form is key=value words: no double spaces to trip a log parser. */
    assert_null(strstr(buf, "  "));
}

static void test_format_start_nothing_done(void **state)
{
    (void)state;
    /* The first redraw: no time, no answers, p50/p90 unknown (-1 from an empty histogram). */
    struct rt_hist *h = new_hist();
    struct rt_progress p = {
        .duration_us = 0, .p50_us = rt_hist_quantile(h, 0.5),
        .p90_us = rt_hist_quantile(h, 0.9),
    };
    char buf[256];
    for (int live = 0; live <= 1; live++) {
        rt_progress_format(buf, sizeof buf, &p, live);
        one_line(buf);
        assert_true(strncmp(buf, "0s/-", 4) == 0);      /* total unknown */
        has(buf, live ? "p50 -" : "p50=-");
        has(buf, live ? "p90 -" : "p90=-");
        has(buf, live ? "done 0" : "done=0");
        has(buf, live ? "errors 0 (0.0%)" : "errors=0 (0.0%)");   /* no division by 0 */
        assert_null(strstr(buf, "nan"));
        assert_null(strstr(buf, "inf/s"));    /* "inflight" is fine, a rate of inf not */
        assert_null(strstr(buf, "inf%"));
    }
    free(h);
}

static void test_format_no_2xx_yet(void **state)
{
    (void)state;
    /* Everything so far failed: no latency to show, 100 % errors, unknown total. */
    struct rt_progress p = {
        .elapsed_us = 3725000000LL, .duration_us = 0, .scheduled = 10, .sent = 6, .done = 5,
        .inflight = 1000, .ok_2xx = 0, .http_errors = 3, .net_errors = 2, .p50_us = -1,
        .p90_us = -1, .offered_per_s = 12345.6, .achieved_per_s = 0.04,
    };
    char buf[256];
    rt_progress_format(buf, sizeof buf, &p, 1);
    one_line(buf);
    assert_true(strncmp(buf, "1h02m/-", 7) == 0);
    has(buf, "offered 12.3k/s");
    has(buf, "achieved 0.0/s");
    has(buf, "in flight 1000");
    has(buf, "p50 -");
    has(buf, "p90 -");
    has(buf, "errors 5 (100.0%)");
    rt_progress_format(buf, sizeof buf, &p, 0);
    one_line(buf);
    assert_true(strncmp(buf, "1h02m/-", 7) == 0);
    has(buf, "p50=-");
    has(buf, "errors=5 (100.0%)");
}

static void test_format_durations(void **state)
{
    (void)state;
    char buf[256];
    /* The total is rounded up to whole seconds, the elapsed time down. */
    struct rt_progress p = { .elapsed_us = 59999999, .duration_us = 90500000, .p50_us = 850,
                             .p90_us = 12300, .offered_per_s = 150.4, .achieved_per_s = 99.96 };
    rt_progress_format(buf, sizeof buf, &p, 1);
    assert_true(strncmp(buf, "59s/1m31s", 9) == 0);
    has(buf, "p50 850us");
    has(buf, "p90 12.3ms");
    has(buf, "offered 150/s");
    has(buf, "achieved 100.0/s");
    p.elapsed_us = 60000000;
    p.duration_us = 1;                       /* a tiny total is still shown, as 1s */
    rt_progress_format(buf, sizeof buf, &p, 0);
    assert_true(strncmp(buf, "1m00s/1s", 8) == 0);
}

static void test_format_truncates(void **state)
{
    (void)state;
    struct rt_progress p = { .elapsed_us = 42500000, .duration_us = 120000000, .done = 7,
                             .p50_us = 1000, .p90_us = 2000, .offered_per_s = 1 };
    char buf[24];
    memset(buf, 'Z', sizeof buf);
    rt_progress_format(buf, 16, &p, 1);
    assert_int_equal(strlen(buf), 15);
    assert_true(strncmp(buf, "42s/2m00s", 9) == 0);
    assert_int_equal(buf[16], 'Z');          /* nothing past len */
}

static void test_format_requests_total(void **state)
{
    (void)state;
    char buf[256];
    /* --requests 3000 and no duration: the total is a count of requests, not a time. */
    struct rt_progress p = { .elapsed_us = 12300000, .duration_us = 0, .total_requests = 3000,
                             .sent = 1230, .done = 1228, .p50_us = -1, .p90_us = -1,
                             .offered_per_s = 100, .achieved_per_s = 99.8 };
    rt_progress_format(buf, sizeof buf, &p, 1);
    one_line(buf);
    assert_true(strncmp(buf, "12s sent 1230/3000", 18) == 0);
    has(buf, "offered 100/s ");
    assert_null(strstr(buf, "overall"));
    rt_progress_format(buf, sizeof buf, &p, 0);
    assert_true(strncmp(buf, "12s sent=1230/3000 ", 19) == 0);
    /* Every send done: the offered rate is the whole run's, and says so. */
    p.sent = 3000;
    p.sends_done = 1;
    p.offered_per_s = 100.0;
    rt_progress_format(buf, sizeof buf, &p, 1);
    assert_true(strncmp(buf, "12s sent 3000/3000", 18) == 0);
    has(buf, "offered 100/s overall");
    rt_progress_format(buf, sizeof buf, &p, 0);
    has(buf, "offered=100/s(overall) ");
    assert_null(strstr(buf, "  "));
    /* A duration, when given, is the total shown. */
    p.duration_us = 60000000;
    rt_progress_format(buf, sizeof buf, &p, 1);
    assert_true(strncmp(buf, "12s/1m00s ", 10) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hist_empty),
        cmocka_unit_test(test_hist_small_values_exact),
        cmocka_unit_test(test_hist_nearest_rank),
        cmocka_unit_test(test_hist_relative_error),
        cmocka_unit_test(test_hist_many_values),
        cmocka_unit_test(test_hist_huge_values),
        cmocka_unit_test(test_format_typical),
        cmocka_unit_test(test_format_start_nothing_done),
        cmocka_unit_test(test_format_no_2xx_yet),
        cmocka_unit_test(test_format_durations),
        cmocka_unit_test(test_format_truncates),
        cmocka_unit_test(test_format_requests_total),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
