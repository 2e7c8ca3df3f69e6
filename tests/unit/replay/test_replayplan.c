/*
 * test_replayplan.c - the replay schedule: scheduled times equal the source offsets divided by
 * the speed to the microsecond (checked against exact integer arithmetic), microsecond gaps
 * survive, shards partition the plan without moving anything, --limit cuts before the shard
 * filter, times going backwards are caught, --shard parsing refuses every malformed form,
 * and the group id / trace key are deterministic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "replay/replayplan.h"

/* A deterministic source: n times with gaps of 1 us .. ~50 ms, starting at a Unix time. */
static void make_source(int64_t *t, size_t n, uint64_t seed)
{
    uint64_t x = seed;
    t[0] = 1762178400123457LL;
    for (size_t i = 1; i < n; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        int64_t gap = (int64_t)((x >> 33) % 50000);   /* 0 .. 49,999 us, zero gaps too */
        if (i % 17 == 0)
            gap = 1;                                   /* microsecond gaps */
        t[i] = t[i - 1] + gap;
    }
}

/* Plan everything; returns how many were kept, items into out (n entries). */
static size_t plan_all(const int64_t *t, size_t n, struct rt_replayplan_cfg cfg,
                       struct rt_plan_item *out)
{
    struct rt_replayplan p;
    rt_replayplan_init(&p, &cfg);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int rc = rt_replayplan_feed(&p, (int64_t)i, 2300000000LL + (int64_t)i, t[i], &out[k]);
        if (rc == RT_REPLAYPLAN_END)
            break;
        assert_true(rc == RT_REPLAYPLAN_KEEP || rc == RT_REPLAYPLAN_SKIP);
        if (rc == RT_REPLAYPLAN_KEEP)
            k++;
    }
    assert_int_equal(p.kept, k);
    return k;
}

/* For an integer speed F: round(dt / F), halves up, in exact integer arithmetic. */
static int64_t exact_div_round(int64_t dt, int64_t f)
{
    return (2 * dt + f) / (2 * f);
}

static void test_schedule_exact_integer_speeds(void **state)
{
    (void)state;
    enum { N = 20000 };
    int64_t *t = malloc(N * sizeof *t);
    struct rt_plan_item *it = malloc(N * sizeof *it);
    assert_non_null(t);
    assert_non_null(it);
    make_source(t, N, 42);
    static const int64_t speeds[] = { 1, 2, 3, 5, 10 };
    for (size_t s = 0; s < sizeof speeds / sizeof speeds[0]; s++) {
        struct rt_replayplan_cfg cfg = { (double)speeds[s], 0, 1, 0 };
        size_t k = plan_all(t, N, cfg, it);
        assert_int_equal(k, N);
        for (size_t i = 0; i < N; i++) {
            assert_int_equal(it[i].seq, (int64_t)i);
            assert_int_equal(it[i].rev_id, 2300000000LL + (int64_t)i);
            int64_t want = exact_div_round(t[i] - t[0], speeds[s]);
            if (it[i].scheduled_us != want)
                fail_msg("speed %lld item %zu: %lld, want %lld", (long long)speeds[s], i,
                         (long long)it[i].scheduled_us, (long long)want);
            /* every gap is the source gap / F within the rounding of its two ends */
            if (i > 0) {
                int64_t g = it[i].scheduled_us - it[i - 1].scheduled_us;
                int64_t sg = t[i] - t[i - 1];
                assert_true(g * speeds[s] >= sg - speeds[s] && g * speeds[s] <= sg + speeds[s]);
                assert_true(g >= 0);
            }
        }
    }
    free(t);
    free(it);
}

static void test_schedule_fractional_speeds(void **state)
{
    (void)state;
    enum { N = 5000 };
    int64_t t[N];
    struct rt_plan_item it[N];
    make_source(t, N, 7);
    /* 0.5x doubles every offset exactly; 0.25x quadruples it */
    struct rt_replayplan_cfg half = { 0.5, 0, 1, 0 };
    assert_int_equal(plan_all(t, N, half, it), N);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(it[i].scheduled_us, 2 * (t[i] - t[0]));
    struct rt_replayplan_cfg quarter = { 0.25, 0, 1, 0 };
    assert_int_equal(plan_all(t, N, quarter, it), N);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(it[i].scheduled_us, 4 * (t[i] - t[0]));
    /* 2.5x: round(dt * 2 / 5) */
    struct rt_replayplan_cfg s25 = { 2.5, 0, 1, 0 };
    assert_int_equal(plan_all(t, N, s25, it), N);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(it[i].scheduled_us, (4 * (t[i] - t[0]) + 5) / 10);
}

static void test_microsecond_gaps_kept(void **state)
{
    (void)state;
    int64_t t[] = { 1000000, 1000001, 1000002, 1000002, 1000003, 1000010, 2000010 };
    size_t n = sizeof t / sizeof t[0];
    struct rt_plan_item it[8];
    struct rt_replayplan_cfg one = { 1.0, 0, 1, 0 };
    assert_int_equal(plan_all(t, n, one, it), n);
    static const int64_t want1[] = { 0, 1, 2, 2, 3, 10, 1000010 };
    for (size_t i = 0; i < n; i++)
        assert_int_equal(it[i].scheduled_us, want1[i]);
    struct rt_replayplan_cfg five = { 5.0, 0, 1, 0 };
    assert_int_equal(plan_all(t, n, five, it), n);
    static const int64_t want5[] = { 0, 0, 0, 0, 1, 2, 200002 };
    for (size_t i = 0; i < n; i++)
        assert_int_equal(it[i].scheduled_us, want5[i]);
    /* 5-second source span at 5x: exactly 1 s */
    int64_t u[] = { 0, 5000000 };
    assert_int_equal(plan_all(u, 2, five, it), 2);
    assert_int_equal(it[1].scheduled_us, 1000000);
}

static void test_scale_rounding(void **state)
{
    (void)state;
    assert_int_equal(rt_replayplan_scale_us(0, 5.0), 0);
    assert_int_equal(rt_replayplan_scale_us(3, 2.0), 2);      /* 1.5 -> 2 */
    assert_int_equal(rt_replayplan_scale_us(1, 3.0), 0);
    assert_int_equal(rt_replayplan_scale_us(2, 3.0), 1);
    assert_int_equal(rt_replayplan_scale_us(3600000000LL, 5.0), 720000000LL);
    /* a year of microseconds at 0.5x: still exact */
    assert_int_equal(rt_replayplan_scale_us(31536000000000LL, 0.5), 63072000000000LL);
}

static void test_shards_partition(void **state)
{
    (void)state;
    enum { N = 3001 };
    int64_t t[N];
    struct rt_plan_item all[N], part[N];
    make_source(t, N, 3);
    struct rt_replayplan_cfg cfg = { 5.0, 0, 1, 0 };
    assert_int_equal(plan_all(t, N, cfg, all), N);
    int seen[N];
    memset(seen, 0, sizeof seen);
    for (int s = 0; s < 3; s++) {
        struct rt_replayplan_cfg sc = { 5.0, s, 3, 0 };
        size_t k = plan_all(t, N, sc, part);
        assert_int_equal(k, (N - s + 2) / 3);
        for (size_t j = 0; j < k; j++) {
            int64_t seq = part[j].seq;
            assert_int_equal(seq % 3, s);
            /* same time and rev ID as the unsharded plan (t_0 is the source's, not the
               shard's first) */
            assert_int_equal(part[j].scheduled_us, all[seq].scheduled_us);
            assert_int_equal(part[j].rev_id, all[seq].rev_id);
            if (j > 0)
                assert_true(part[j].seq > part[j - 1].seq);
            seen[seq]++;
        }
    }
    for (int i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);
    /* shard 1/3's first request is source request 1, at (t_1 - t_0) / 5, not at 0 */
    struct rt_replayplan_cfg s1 = { 5.0, 1, 3, 0 };
    plan_all(t, N, s1, part);
    assert_int_equal(part[0].seq, 1);
    assert_int_equal(part[0].scheduled_us, exact_div_round(t[1] - t[0], 5));
}

static void test_limit_before_shard(void **state)
{
    (void)state;
    enum { N = 100 };
    int64_t t[N];
    struct rt_plan_item it[N];
    make_source(t, N, 9);
    struct rt_replayplan_cfg lim = { 2.0, 0, 1, 10 };
    assert_int_equal(plan_all(t, N, lim, it), 10);
    assert_int_equal(it[9].seq, 9);
    size_t total = 0;
    for (int s = 0; s < 4; s++) {
        struct rt_replayplan_cfg sc = { 2.0, s, 4, 10 };
        size_t k = plan_all(t, N, sc, it);
        for (size_t j = 0; j < k; j++)
            assert_true(it[j].seq < 10);
        total += k;
    }
    assert_int_equal(total, 10);
    /* END is sticky and does not count */
    struct rt_replayplan p;
    struct rt_plan_item x;
    struct rt_replayplan_cfg one = { 1.0, 0, 1, 1 };
    rt_replayplan_init(&p, &one);
    assert_int_equal(rt_replayplan_feed(&p, 0, 5, 100, &x), RT_REPLAYPLAN_KEEP);
    assert_int_equal(rt_replayplan_feed(&p, 1, 6, 200, &x), RT_REPLAYPLAN_END);
    assert_int_equal(rt_replayplan_feed(&p, 2, 7, 300, &x), RT_REPLAYPLAN_END);
    assert_int_equal(p.fed, 1);
}

static void test_backwards(void **state)
{
    (void)state;
    struct rt_replayplan p;
    struct rt_plan_item x;
    struct rt_replayplan_cfg one = { 1.0, 0, 1, 0 };
    rt_replayplan_init(&p, &one);
    assert_int_equal(rt_replayplan_feed(&p, 0, 5, 100, &x), RT_REPLAYPLAN_KEEP);
    assert_int_equal(rt_replayplan_feed(&p, 1, 6, 100, &x), RT_REPLAYPLAN_KEEP);  /* tie ok */
    assert_int_equal(rt_replayplan_feed(&p, 2, 7, 99, &x), RT_REPLAYPLAN_EBACK);
    assert_int_equal(p.fed, 2);
    assert_int_equal(rt_replayplan_feed(&p, 2, 7, 150, &x), RT_REPLAYPLAN_KEEP);
    assert_int_equal(x.scheduled_us, 50);

    int64_t ok[] = { 1, 2, 2, 3 };
    int64_t bad[] = { 1, 2, 5, 4, 6 };
    assert_int_equal(rt_replayplan_find_backwards(ok, 4), 0);
    assert_int_equal(rt_replayplan_find_backwards(bad, 5), 3);
    assert_int_equal(rt_replayplan_find_backwards(bad, 1), 0);
    assert_int_equal(rt_replayplan_find_backwards(bad, 0), 0);
}

static void test_parse_shard(void **state)
{
    (void)state;
    char err[200];
    int i = -7, n = -7;
    assert_int_equal(rt_replayplan_parse_shard("0/3", &i, &n, err, sizeof err), 0);
    assert_int_equal(i, 0);
    assert_int_equal(n, 3);
    assert_int_equal(rt_replayplan_parse_shard("2/3", &i, &n, err, sizeof err), 0);
    assert_int_equal(i, 2);
    assert_int_equal(rt_replayplan_parse_shard("0/1", &i, &n, err, sizeof err), 0);
    static const char *bad[] = { "3/3", "-1/3", "1/-3", "a/3", "1/0", "1/", "/3", "1/3x",
                                 " 1/3", "1 /3", "1/ 3", "1", "", "1/3/4", "0x1/3",
                                 "1/100001", "99999999999999999999/3", "+1/3", "1.0/3" };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        i = n = -7;
        err[0] = '\0';
        if (rt_replayplan_parse_shard(bad[k], &i, &n, err, sizeof err) != -1)
            fail_msg("accepted --shard '%s'", bad[k]);
        assert_true(err[0] != '\0');
        assert_int_equal(i, -7);
        assert_int_equal(n, -7);
    }
    assert_int_equal(rt_replayplan_parse_shard(NULL, &i, &n, err, sizeof err), -1);
    assert_true(rt_replayplan_in_shard(7, 1, 3));
    assert_false(rt_replayplan_in_shard(7, 0, 3));
    assert_true(rt_replayplan_in_shard(7, 0, 1));
}

static void test_group_and_key(void **state)
{
    (void)state;
    char a[32], b[32];
    rt_replayplan_group_id("5e1f-uuid", 5.0, 3, 1767607200000000LL, 0, a, sizeof a);
    rt_replayplan_group_id("5e1f-uuid", 5.0, 3, 1767607200000000LL, 0, b, sizeof b);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), 18);
    assert_memory_equal(a, "g-", 2);
    rt_replayplan_group_id("5e1f-uuid", 2.0, 3, 1767607200000000LL, 0, b, sizeof b);
    assert_string_not_equal(a, b);
    rt_replayplan_group_id("5e1f-uuid", 5.0, 4, 1767607200000000LL, 0, b, sizeof b);
    assert_string_not_equal(a, b);
    rt_replayplan_group_id("5e1f-uuid", 5.0, 3, 1767607201000000LL, 0, b, sizeof b);
    assert_string_not_equal(a, b);
    rt_replayplan_group_id("other-uuid", 5.0, 3, 1767607200000000LL, 0, b, sizeof b);
    assert_string_not_equal(a, b);

    int64_t rev[] = { 10, 11, 12 }, t[] = { 1, 2, 3 }, t2[] = { 1, 2, 4 };
    char k1[32], k2[32];
    rt_replayplan_trace_key(rev, t, 3, k1, sizeof k1);
    rt_replayplan_trace_key(rev, t, 3, k2, sizeof k2);
    assert_string_equal(k1, k2);
    assert_memory_equal(k1, "trace:", 6);
    rt_replayplan_trace_key(rev, t2, 3, k2, sizeof k2);
    assert_string_not_equal(k1, k2);
    rt_replayplan_trace_key(rev, t, 2, k2, sizeof k2);
    assert_string_not_equal(k1, k2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedule_exact_integer_speeds),
        cmocka_unit_test(test_schedule_fractional_speeds),
        cmocka_unit_test(test_microsecond_gaps_kept),
        cmocka_unit_test(test_scale_rounding),
        cmocka_unit_test(test_shards_partition),
        cmocka_unit_test(test_limit_before_shard),
        cmocka_unit_test(test_backwards),
        cmocka_unit_test(test_parse_shard),
        cmocka_unit_test(test_group_and_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
