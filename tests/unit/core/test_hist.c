/*
 * test_hist.c - the live histogram's quantiles: exact below 32 us, within the promised ~3 %
 * above, nearest rank, empty = -1, huge values clamped to the last bucket; a merge is the
 * histogram of both sets of values.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/hist.h"

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

/* Two threads' histograms merged: the quantiles of the union, not a mean of the two (100
   answers at 10 us and 100 at 1 s: the median is 10 us; the mean of medians would be ~0.5 s,
   a latency no answer had). */
static void test_hist_merge(void **state)
{
    (void)state;
    struct rt_hist *a = new_hist(), *b = new_hist(), *all = new_hist(), *m = new_hist();
    for (int i = 0; i < 100; i++) {
        rt_hist_add(a, 10);
        rt_hist_add(b, 1000000);
        rt_hist_add(all, 10);
        rt_hist_add(all, 1000000);
    }
    for (int i = 1; i <= 5000; i++) {       /* and a spread, split unevenly */
        rt_hist_add(i % 7 ? a : b, (int64_t)i * 37);
        rt_hist_add(all, (int64_t)i * 37);
    }
    rt_hist_merge(m, a);
    rt_hist_merge(m, b);
    assert_int_equal(m->count, all->count);
    assert_memory_equal(m->buckets, all->buckets, sizeof m->buckets);
    struct rt_hist *e = new_hist(), *f = new_hist();
    for (int i = 0; i < 100; i++)
        rt_hist_add(e, 10);
    for (int i = 0; i < 100; i++)
        rt_hist_add(f, 1000000);
    struct rt_hist *ef = new_hist();
    rt_hist_merge(ef, e);
    rt_hist_merge(ef, f);
    assert_int_equal(rt_hist_quantile(ef, 0.5), 10);
    assert_true(rt_hist_quantile(ef, 0.9) > 950000);
    struct rt_hist *empty = new_hist();
    rt_hist_merge(ef, empty);               /* merging nothing changes nothing */
    assert_int_equal(ef->count, 200);
    assert_int_equal(rt_hist_quantile(ef, 0.5), 10);
    free(a);
    free(b);
    free(all);
    free(m);
    free(e);
    free(f);
    free(ef);
    free(empty);
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
        cmocka_unit_test(test_hist_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
