/*
 * test_stats.c - analyze/stats: the radix sort against qsort, nearest-rank percentiles against a
 * brute-force reference written independently (rational arithmetic on the percentile as
 * num/den, a linear scan for the rank), on random data full of ties, and the edge cases
 * N = 0 (no value: an error, never a NaN) and N = 1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/stats.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    /* xorshift64*: deterministic, so a failure reproduces. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static int cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The percentiles as exact fractions num/den of 100. */
static const struct { int64_t num, den; double pct; } pcts[] = {
    { 50, 1, 50 }, { 66, 1, 66 }, { 75, 1, 75 }, { 80, 1, 80 }, { 90, 1, 90 },
    { 95, 1, 95 }, { 98, 1, 98 }, { 99, 1, 99 }, { 999, 10, 99.9 }, { 9999, 100, 99.99 },
    { 100, 1, 100 }, { 1, 10, 0.1 }, { 333, 10, 33.3 },
};

/* Smallest rank r (1-based) with r / n >= num / (den * 100). */
static size_t brute_rank(int64_t num, int64_t den, size_t n)
{
    for (size_t r = 1; r <= n; r++)
        if ((int64_t)r * den * 100 >= num * (int64_t)n)
            return r;
    return n;
}

static void fill_random(int64_t *v, size_t n, int64_t range, int negative)
{
    for (size_t i = 0; i < n; i++) {
        int64_t x = (int64_t)(rnd() % (uint64_t)range);
        v[i] = negative && (rnd() & 1) ? -x : x;
    }
}

static void test_sort_matches_qsort(void **state)
{
    (void)state;
    const size_t sizes[] = { 0, 1, 2, 255, 256, 1000, 65537 };
    const int64_t ranges[] = { 3, 1000, 5000000, INT64_MAX };
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        for (size_t ri = 0; ri < sizeof ranges / sizeof ranges[0]; ri++) {
            size_t n = sizes[si];
            int64_t *a = malloc((n + 1) * sizeof *a), *b = malloc((n + 1) * sizeof *b);
            assert_non_null(a);
            assert_non_null(b);
            fill_random(a, n, ranges[ri], ri % 2);
            if (n > 3) {
                a[0] = INT64_MIN;
                a[1] = INT64_MAX;
            }
            memcpy(b, a, n * sizeof *a);
            assert_int_equal(rt_stats_sort_i64(a, n), 0);
            qsort(b, n, sizeof *b, cmp);
            if (n)
                assert_memory_equal(a, b, n * sizeof *a);
            free(a);
            free(b);
        }
    }
}

static void test_percentiles_brute_force(void **state)
{
    (void)state;
    for (int round = 0; round < 300; round++) {
        size_t n = 1 + (size_t)(rnd() % (round < 100 ? 20 : 3000));
        int64_t range = (round % 3 == 0) ? 5 : (round % 3 == 1) ? 100 : 1000000;
        int64_t *v = malloc(n * sizeof *v);
        assert_non_null(v);
        fill_random(v, n, range, 0);
        int64_t *ref = malloc(n * sizeof *ref);
        assert_non_null(ref);
        memcpy(ref, v, n * sizeof *v);
        qsort(ref, n, sizeof *ref, cmp);
        assert_int_equal(rt_stats_sort_i64(v, n), 0);
        for (size_t p = 0; p < sizeof pcts / sizeof pcts[0]; p++) {
            int64_t got = -1;
            assert_int_equal(rt_stats_percentile(v, n, pcts[p].pct, &got), 0);
            size_t r = brute_rank(pcts[p].num, pcts[p].den, n);
            assert_int_equal(rt_stats_rank(pcts[p].pct, n), r);
            assert_int_equal(got, ref[r - 1]);
        }
        free(v);
        free(ref);
    }
}

static void test_rank_known_values(void **state)
{
    (void)state;
    assert_int_equal(rt_stats_rank(99.9, 1000), 999);   /* float ceil would say 1000 */
    assert_int_equal(rt_stats_rank(99.99, 10000), 9999);
    assert_int_equal(rt_stats_rank(50, 1), 1);
    assert_int_equal(rt_stats_rank(100, 7), 7);
    assert_int_equal(rt_stats_rank(50, 2), 1);
    assert_int_equal(rt_stats_rank(50, 3), 2);
    assert_int_equal(rt_stats_rank(66, 3), 2);
    assert_int_equal(rt_stats_rank(90, 10), 9);
    assert_int_equal(rt_stats_rank(90, 11), 10);
    assert_int_equal(rt_stats_rank(50, 0), 0);
    assert_int_equal(rt_stats_rank(0, 10), 0);
    assert_int_equal(rt_stats_rank(100.5, 10), 0);
}

static void test_n1_and_n0(void **state)
{
    (void)state;
    int64_t one[1] = { 42 }, out = -7;
    for (int p = 0; p < RT_STATS_NPCTS; p++) {
        assert_int_equal(rt_stats_percentile(one, 1, rt_stats_pcts[p], &out), 0);
        assert_int_equal(out, 42);
    }
    out = -7;
    assert_int_equal(rt_stats_percentile(NULL, 0, 50, &out), -1);
    assert_int_equal(out, -7);
    struct rt_summary s;
    rt_stats_summarize(NULL, 0, &s);
    assert_int_equal(s.n, 0);
    assert_true(s.mean == 0.0);   /* not NaN */
    rt_stats_summarize(one, 1, &s);
    assert_int_equal(s.min, 42);
    assert_int_equal(s.max, 42);
    assert_true(s.mean == 42.0);
}

static void test_summary(void **state)
{
    (void)state;
    int64_t v[] = { 5, -3, 10, 10, 0 };
    struct rt_summary s;
    rt_stats_summarize(v, 5, &s);
    assert_int_equal(s.n, 5);
    assert_int_equal(s.min, -3);
    assert_int_equal(s.max, 10);
    assert_true(s.sum == 22.0);
    assert_true(s.mean > 4.39 && s.mean < 4.41);
}

static void check_edges(const int64_t *e, size_t k, int64_t lo, int64_t hi)
{
    assert_true(k >= 2);
    assert_true(e[0] <= lo);
    assert_true(e[k - 1] > hi);
    for (size_t i = 1; i < k; i++)
        assert_true(e[i] > e[i - 1]);
}

static void test_edges_and_histogram(void **state)
{
    (void)state;
    int64_t e[200];
    const int64_t los[] = { 0, 1, 7, 350000, -5, 1000 };
    const int64_t his[] = { 0, 1, 9, 47000000, 100, 1000 };
    for (size_t i = 0; i < sizeof los / sizeof los[0]; i++) {
        size_t k = rt_stats_edges_log(los[i], his[i], 20, e, 200);
        check_edges(e, k, los[i], his[i]);
        k = rt_stats_edges_linear(los[i], his[i], 40, e, 200);
        check_edges(e, k, los[i], his[i]);
    }
    /* A cap too small for the range still closes above hi. */
    size_t k = rt_stats_edges_log(1, 100000000, 20, e, 10);
    assert_int_equal(k, 10);
    check_edges(e, k, 1, 100000000);

    size_t n = 5000;
    int64_t *v = malloc(n * sizeof *v);
    assert_non_null(v);
    fill_random(v, n, 2000000, 0);
    rt_stats_sort_i64(v, n);
    k = rt_stats_edges_log(v[0], v[n - 1], 10, e, 200);
    uint64_t counts[200] = { 0 };
    rt_stats_histogram(v, n, e, k, counts);
    uint64_t total = 0;
    for (size_t b = 0; b + 1 < k; b++) {
        uint64_t ref = 0;
        for (size_t i = 0; i < n; i++)
            if (v[i] >= e[b] && v[i] < e[b + 1])
                ref++;
        assert_int_equal(counts[b], ref);
        total += counts[b];
    }
    assert_int_equal(total, n);
    free(v);
}

static void test_rankset_cumulative(void **state)
{
    (void)state;
    size_t n = 2000;
    int64_t *v = malloc(n * sizeof *v), *u = malloc(n * sizeof *u), *pre = malloc(n * sizeof *pre);
    assert_non_null(v);
    assert_non_null(u);
    assert_non_null(pre);
    fill_random(v, n, 50, 0);   /* many ties */
    memcpy(u, v, n * sizeof *v);
    rt_stats_sort_i64(u, n);
    struct rt_rankset rs;
    assert_int_equal(rt_rankset_init(&rs, u, n), 0);
    int64_t out;
    assert_int_equal(rt_rankset_percentile(&rs, 50, &out), -1);
    for (size_t i = 0; i < n; i++) {
        rt_rankset_add(&rs, v[i]);
        if (i % 97 != 0 && i != n - 1)
            continue;
        memcpy(pre, v, (i + 1) * sizeof *v);
        qsort(pre, i + 1, sizeof *pre, cmp);
        for (int p = 0; p < RT_STATS_NPCTS; p++) {
            assert_int_equal(rt_rankset_percentile(&rs, rt_stats_pcts[p], &out), 0);
            assert_int_equal(out, pre[rt_stats_rank(rt_stats_pcts[p], i + 1) - 1]);
        }
    }
    rt_rankset_free(&rs);
    free(v);
    free(u);
    free(pre);
}

/*
 * The schedule window: exactly 10/s for 10 s (100 requests at i * 100 ms) realizes a 10 s
 * schedule, so 100 answers give 10.00/s whatever their latency, and 50 give 5.00/s; the
 * window is the span plus one mean inter-arrival; no window for n < 2 or a zero span.
 */
static void test_schedule_window(void **state)
{
    (void)state;
    double w;
    assert_int_equal(rt_stats_schedule_window_us(0, 9900000, 100, &w), 0);
    assert_true(w > 9999999.999 && w < 10000000.001);
    assert_true(100 / (w / 1e6) > 9.99999 && 100 / (w / 1e6) < 10.00001);
    assert_true(50 / (w / 1e6) > 4.99999 && 50 / (w / 1e6) < 5.00001);
    /* Two requests 2 s apart: a 4 s window (one inter-arrival added), 0.5/s. */
    assert_int_equal(rt_stats_schedule_window_us(1000000, 3000000, 2, &w), 0);
    assert_true(w > 3999999.999 && w < 4000000.001);
    /* A shifted start changes nothing. */
    assert_int_equal(rt_stats_schedule_window_us(-5000000, 4900000, 100, &w), 0);
    assert_true(w > 9999999.999 && w < 10000000.001);
    /* A million requests over an hour: no overflow, exact to a microsecond. */
    assert_int_equal(rt_stats_schedule_window_us(0, INT64_C(3599996400), 1000000, &w), 0);
    assert_true(w > 3599999999.0 && w < 3600000001.0);
    w = 1;
    assert_int_equal(rt_stats_schedule_window_us(5, 5, 3, &w), -1);
    assert_true(w == 0);
    assert_int_equal(rt_stats_schedule_window_us(0, 100, 1, &w), -1);
    assert_int_equal(rt_stats_schedule_window_us(0, 100, 0, &w), -1);
    assert_int_equal(rt_stats_schedule_window_us(100, 0, 5, &w), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort_matches_qsort),
        cmocka_unit_test(test_percentiles_brute_force),
        cmocka_unit_test(test_rank_known_values),
        cmocka_unit_test(test_n1_and_n0),
        cmocka_unit_test(test_summary),
        cmocka_unit_test(test_edges_and_histogram),
        cmocka_unit_test(test_rankset_cumulative),
        cmocka_unit_test(test_schedule_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
