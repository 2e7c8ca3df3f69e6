/*
 * test_progress.c - the progress text in both forms (live terminal line, plain log line) for
 * a start-of-run snapshot with nothing done, a typical one, an unknown total duration, no 2xx
 * answer yet, long runs and a buffer too small for the line.
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

#include "tool/progress.h"

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
    struct rt_progress p = { .duration_us = 0, .p50_us = -1, .p90_us = -1 };
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
    p.duration_us = 1;                       /* a tiny total is still shown, as 1s, and */
    rt_progress_format(buf, sizeof buf, &p, 0);   /* the clock stops there */
    assert_true(strncmp(buf, "1s/1s ", 6) == 0);
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

/* A constant 10/s (a send every 100 ms from time 0), seen every 250 ms as the live line
 * sees it: the engine's own quarter-second rate would read 8 and 12 in turn; the window's
 * reads 10 once it spans 5 s, and stays near it before. */
static void test_rates_steady(void **state)
{
    (void)state;
    struct rt_rate_window w;
    rt_rate_window_init(&w);
    for (int64_t t = 250000; t <= 20000000; t += 250000) {
        int64_t sched = t / 100000 + 1, answered = sched > 3 ? sched - 3 : 0;
        struct rt_progress p = { .elapsed_us = t, .scheduled = sched, .sent = sched,
                                 .done = answered, .ok_2xx = answered,
                                 .offered_per_s = t % 500000 ? 8 : 12, .achieved_per_s = 8 };
        rt_rate_window_apply(&w, &p);
        if (t > 5000000) {
            assert_true(fabs(p.offered_per_s - 10.0) < 1e-9);
            assert_true(fabs(p.achieved_per_s - 10.0) < 1e-9);
        } else if (t >= 1000000) {
            assert_true(p.offered_per_s > 9.9 && p.offered_per_s < 11.1);
        }
        char buf[256];
        rt_progress_format(buf, sizeof buf, &p, 1);
        if (t > 5000000)
            has(buf, "offered 10.0/s  achieved 10.0/s");
    }
}

/* A second Ctrl-C abandons the 500 requests in flight: they end as canceled (transport
 * errors), which are not answers; the achieved rate does not jump to thousands. */
static void test_rates_abandon(void **state)
{
    (void)state;
    struct rt_rate_window w;
    rt_rate_window_init(&w);
    struct rt_progress p = { .elapsed_us = 10000000, .scheduled = 1000, .sent = 1000,
                             .done = 500, .ok_2xx = 450, .http_errors = 50, .inflight = 500 };
    rt_rate_window_apply(&w, &p);
    assert_true(fabs(p.achieved_per_s - 50.0) < 1e-9);
    struct rt_progress q = p;
    q.elapsed_us = 10250000;
    q.done = 1000;
    q.net_errors = 500;
    q.inflight = 0;
    q.achieved_per_s = 2000;   /* what the engine's quarter second says */
    rt_rate_window_apply(&w, &q);
    assert_true(q.achieved_per_s < 50.0);
    char buf[256];
    rt_progress_format(buf, sizeof buf, &q, 1);
    assert_null(strstr(buf, "k/s"));
}

/* Waiting for the last answers after the duration: the clock stops at the duration and the
 * line says it is draining, instead of "21s/20s". */
static void test_format_draining(void **state)
{
    (void)state;
    char buf[256];
    struct rt_progress p = { .elapsed_us = 21300000, .duration_us = 20000000, .sends_done = 1,
                             .inflight = 5, .scheduled = 200, .sent = 200, .done = 195,
                             .p50_us = -1, .p90_us = -1 };
    rt_progress_format(buf, sizeof buf, &p, 1);
    assert_true(strncmp(buf, "20s/20s draining  ", 18) == 0);
    rt_progress_format(buf, sizeof buf, &p, 0);
    assert_true(strncmp(buf, "20s/20s(draining) ", 18) == 0);
    p.inflight = 0;             /* nothing left: no drain word, the clock still capped */
    rt_progress_format(buf, sizeof buf, &p, 1);
    assert_true(strncmp(buf, "20s/20s  ", 9) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_typical),
        cmocka_unit_test(test_format_start_nothing_done),
        cmocka_unit_test(test_format_no_2xx_yet),
        cmocka_unit_test(test_format_durations),
        cmocka_unit_test(test_format_truncates),
        cmocka_unit_test(test_format_requests_total),
        cmocka_unit_test(test_rates_steady),
        cmocka_unit_test(test_rates_abandon),
        cmocka_unit_test(test_format_draining),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
