/*
 * test_synthgen.c - the synthetic edit stream: deterministic per seed, sorted in time, rev IDs
 * strictly increasing, the mean rate as asked, bot bursts visible as short dense windows (and
 * absent with a zero share), --requests giving exactly N, bad configurations refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "synth/synthgen.h"

static struct rt_synth_event *gen(const struct rt_synth_cfg *c, size_t *n)
{
    struct rt_synth_event *ev = NULL;
    char err[200];
    if (rt_synth_generate(c, &ev, n, err, sizeof err) != 0)
        fail_msg("generate: %s", err);
    return ev;
}

/* The most edits in any 10-second window. */
static size_t max_10s(const struct rt_synth_event *ev, size_t n)
{
    size_t best = 0, j = 0;
    for (size_t i = 0; i < n; i++) {
        while (ev[i].t_unix_us - ev[j].t_unix_us >= 10000000)
            j++;
        if (i - j + 1 > best)
            best = i - j + 1;
    }
    return best;
}

static void test_default_hour(void **state)
{
    (void)state;
    struct rt_synth_cfg c;
    rt_synth_cfg_default(&c);
    size_t n;
    struct rt_synth_event *ev = gen(&c, &n);
    /* about 30,000 edits in the hour */
    assert_true(n > 27000 && n < 33000);
    assert_true(ev[0].t_unix_us >= c.start_unix_us);
    assert_true(ev[n - 1].t_unix_us < c.start_unix_us + c.duration_us);
    assert_int_equal(ev[0].rev_id, c.first_rev_id);
    for (size_t i = 1; i < n; i++) {
        assert_true(ev[i].t_unix_us >= ev[i - 1].t_unix_us);
        assert_true(ev[i].rev_id > ev[i - 1].rev_id);
        assert_true(ev[i].rev_id - ev[i - 1].rev_id < 100);
    }
    /* bursts: some 10 s window holds well over the mean (83 per 10 s) */
    size_t peak = max_10s(ev, n);
    assert_true(peak > 120);

    /* the same configuration gives the same stream */
    size_t n2;
    struct rt_synth_event *ev2 = gen(&c, &n2);
    assert_int_equal(n, n2);
    assert_memory_equal(ev, ev2, n * sizeof *ev);
    free(ev2);
    /* another seed gives another */
    c.seed = 2;
    ev2 = gen(&c, &n2);
    assert_true(n != n2 || memcmp(ev, ev2, n * sizeof *ev) != 0);
    free(ev2);
    free(ev);
}

static void test_no_bursts(void **state)
{
    (void)state;
    struct rt_synth_cfg c;
    rt_synth_cfg_default(&c);
    c.burst_share = 0;
    size_t n;
    struct rt_synth_event *ev = gen(&c, &n);
    assert_true(n > 27000 && n < 33000);
    /* Poisson alone at ~8-11/s: a 10 s window stays far below burst density */
    assert_true(max_10s(ev, n) < 150);
    free(ev);
}

static void test_requests_mode(void **state)
{
    (void)state;
    struct rt_synth_cfg c;
    rt_synth_cfg_default(&c);
    c.duration_us = 0;
    c.requests = 10000;
    c.rate_per_s = 2000;
    size_t n;
    struct rt_synth_event *ev = gen(&c, &n);
    assert_int_equal(n, 10000);
    double span_s = (double)(ev[n - 1].t_unix_us - ev[0].t_unix_us) / 1e6;
    assert_true(span_s > 3.5 && span_s < 7.0);   /* ~5 s at 2000/s */
    free(ev);
    /* both: the window bounds, the count caps */
    rt_synth_cfg_default(&c);
    c.duration_us = 600LL * 1000000;
    c.requests = 100;
    ev = gen(&c, &n);
    assert_int_equal(n, 100);
    free(ev);
}

static void test_refusals(void **state)
{
    (void)state;
    struct rt_synth_cfg c;
    struct rt_synth_event *ev = NULL;
    size_t n = 0;
    char err[200];
    rt_synth_cfg_default(&c);
    c.rate_per_s = 0;
    assert_int_equal(rt_synth_generate(&c, &ev, &n, err, sizeof err), -1);
    rt_synth_cfg_default(&c);
    c.duration_us = 0;
    c.requests = 0;
    assert_int_equal(rt_synth_generate(&c, &ev, &n, err, sizeof err), -1);
    rt_synth_cfg_default(&c);
    c.burst_share = 0.95;
    assert_int_equal(rt_synth_generate(&c, &ev, &n, err, sizeof err), -1);
    rt_synth_cfg_default(&c);
    c.first_rev_id = 0;
    assert_int_equal(rt_synth_generate(&c, &ev, &n, err, sizeof err), -1);
    assert_null(ev);
}

static void test_shape(void **state)
{
    (void)state;
    /* peak near 15:00 UTC, trough near 03:00 */
    int64_t day = 1762128000LL * 1000000;   /* 2025-11-03T00:00:00Z */
    double peak = rt_synth_shape(day + 15LL * 3600000000LL, 0);
    double trough = rt_synth_shape(day + 3LL * 3600000000LL, 0);
    assert_true(peak > 1.15 && peak < 1.4);
    assert_true(trough > 0.6 && trough < 0.85);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_hour),
        cmocka_unit_test(test_no_bursts),
        cmocka_unit_test(test_requests_mode),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
