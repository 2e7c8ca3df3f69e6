/*
 * test_schedule.c - the open-loop schedule: exact constant spacing, the Poisson mean rate
 * and exponential gaps, reproducibility from the seed, ramps (linear and steps), the
 * --duration / --requests cut-offs, rev-ID order, and the --ramp parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "capture/schedule.h"

static const int64_t pool[] = { 11, 22, 33, 44, 55 };

static struct rt_schedule_config base(void)
{
    struct rt_schedule_config c;
    memset(&c, 0, sizeof c);
    c.arrivals = RT_ARRIVALS_CONSTANT;
    c.rate_per_s = 100;
    c.seed = 42;
    c.order = RT_ORDER_SEQUENTIAL;
    c.pool = pool;
    c.n_pool = 5;
    return c;
}

static struct rt_schedule *mk(const struct rt_schedule_config *c)
{
    struct rt_schedule *s = NULL;
    char err[128];
    if (rt_schedule_new(c, &s, err, sizeof err) != 0)
        fail_msg("rt_schedule_new: %s", err);
    return s;
}

/* Count items and return the last one. */
static int64_t drain(struct rt_schedule *s, struct rt_plan_item *last)
{
    struct rt_plan_item it;
    int64_t n = 0;
    while (rt_schedule_next(s, &it) == 1) {
        if (it.seq != n)
            fail_msg("seq %lld at position %lld", (long long)it.seq, (long long)n);
        n++;
        if (last)
            *last = it;
    }
    return n;
}

static void test_constant_exact_spacing(void **state)
{
    (void)state;
    struct rt_schedule_config c = base();
    c.rate_per_s = 1000;
    c.max_requests = 100000;
    struct rt_schedule *s = mk(&c);
    struct rt_plan_item it;
    for (int64_t k = 0; k < 100000; k++) {
        assert_int_equal(rt_schedule_next(s, &it), 1);
        assert_int_equal(it.seq, k);
        assert_int_equal(it.scheduled_us, k * 1000);   /* no drift after 100 s */
    }
    assert_int_equal(rt_schedule_next(s, &it), 0);
    rt_schedule_free(s);

    /* 3/s: gaps of 333333 or 333334 us, never drifting from k/3 s. */
    c.rate_per_s = 3;
    c.max_requests = 3001;
    s = mk(&c);
    for (int64_t k = 0; k <= 3000; k++) {
        assert_int_equal(rt_schedule_next(s, &it), 1);
        assert_int_equal(it.scheduled_us, llround((double)k * 1e6 / 3));
    }
    assert_int_equal(it.scheduled_us, 1000000000);
    rt_schedule_free(s);
}

static void test_poisson_mean_and_gaps(void **state)
{
    (void)state;
    struct rt_schedule_config c = base();
    c.arrivals = RT_ARRIVALS_POISSON;
    c.rate_per_s = 500;
    c.max_requests = 200000;
    struct rt_schedule *s = mk(&c);
    struct rt_plan_item it;
    int64_t prev = 0, n = 0, short_gaps = 0;
    double sum = 0, sum2 = 0;
    while (rt_schedule_next(s, &it) == 1) {
        int64_t gap = it.scheduled_us - prev;
        assert_true(gap >= 0);
        sum += (double)gap;
        sum2 += (double)gap * (double)gap;
        short_gaps += gap < 2000;     /* P(gap < 1/rate) = 1 - 1/e */
        prev = it.scheduled_us;
        n++;
    }
    assert_int_equal(n, 200000);
    double mean = sum / (double)n;
    double sd = sqrt(sum2 / (double)n - mean * mean);
    /* mean 2000 us: 200,000 samples give a standard error of 0.22 %; allow 1.5 %. */
    assert_true(fabs(mean - 2000) < 30);
    /* exponential: sd == mean */
    assert_true(fabs(sd - 2000) < 60);
    double frac = (double)short_gaps / (double)n;
    assert_true(fabs(frac - (1 - exp(-1))) < 0.01);
    rt_schedule_free(s);
}

static void test_seed_reproducible(void **state)
{
    (void)state;
    struct rt_schedule_config c = base();
    c.arrivals = RT_ARRIVALS_POISSON;
    c.order = RT_ORDER_RANDOM;
    c.max_requests = 5000;
    struct rt_schedule *a = mk(&c), *b = mk(&c);
    c.seed = 43;
    struct rt_schedule *d = mk(&c);
    struct rt_plan_item x, y, z;
    int same_time = 0, same_rev = 0;
    for (int i = 0; i < 5000; i++) {
        assert_int_equal(rt_schedule_next(a, &x), 1);
        assert_int_equal(rt_schedule_next(b, &y), 1);
        assert_int_equal(rt_schedule_next(d, &z), 1);
        assert_int_equal(x.scheduled_us, y.scheduled_us);
        assert_int_equal(x.rev_id, y.rev_id);
        same_time += x.scheduled_us == z.scheduled_us;
        same_rev += x.rev_id == z.rev_id;
    }
    assert_true(same_time < 50);          /* a different seed: a different schedule */
    assert_true(same_rev < 5000 / 5 * 2); /* ~1/5 agree by chance */
    rt_schedule_free(a);
    rt_schedule_free(b);
    rt_schedule_free(d);
}

static void test_order_does_not_change_times(void **state)
{
    (void)state;
    struct rt_schedule_config c = base();
    c.arrivals = RT_ARRIVALS_POISSON;
    c.max_requests = 1000;
    struct rt_schedule *seq = mk(&c);
    c.order = RT_ORDER_RANDOM;
    struct rt_schedule *rnd = mk(&c);
    struct rt_plan_item x, y;
    int64_t counts[5] = { 0 };
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(rt_schedule_next(seq, &x), 1);
        assert_int_equal(rt_schedule_next(rnd, &y), 1);
        assert_int_equal(x.scheduled_us, y.scheduled_us);
        assert_int_equal(x.rev_id, pool[i % 5]);     /* sequential wraps around */
        int found = 0;
        for (int k = 0; k < 5; k++)
            if (y.rev_id == pool[k]) {
                counts[k]++;
                found = 1;
            }
        assert_true(found);
    }
    for (int k = 0; k < 5; k++)        /* uniform: 200 each, loosely */
        assert_true(counts[k] > 120 && counts[k] < 280);
    rt_schedule_free(seq);
    rt_schedule_free(rnd);
}

static void test_duration_and_requests_cutoffs(void **state)
{
    (void)state;
    struct rt_schedule_config c = base();
    c.rate_per_s = 100;
    c.duration_us = 2000000;
    struct rt_plan_item last;
    struct rt_schedule *s = mk(&c);
    assert_int_equal(drain(s, &last), 200);            /* t = 0 .. 1.99 s */
    assert_int_equal(last.scheduled_us, 1990000);
    rt_schedule_free(s);

    c.max_requests = 50;                               /* requests first */
    s = mk(&c);
    assert_int_equal(drain(s, &last), 50);
    rt_schedule_free(s);

    c.max_requests = 100000;                           /* duration first */
    s = mk(&c);
    assert_int_equal(drain(s, NULL), 200);
    rt_schedule_free(s);

    c.arrivals = RT_ARRIVALS_POISSON;                  /* no item at or after the end */
    c.max_requests = 0;
    c.duration_us = 10000000;
    s = mk(&c);
    int64_t n = drain(s, &last);
    assert_true(last.scheduled_us < 10000000);
    assert_true(n > 900 && n < 1100);
    rt_schedule_free(s);
}

static void test_linear_ramp(void **state)
{
    (void)state;
    /* 0 -> 100/s over 10 s: Lambda(t) = 5 t^2, so the k-th arrival is at sqrt(k/5) s. */
    struct rt_ramp_stage st[] = { { 10000000, 100 } };
    struct rt_schedule_config c = base();
    c.rate_per_s = 0;
    c.stages = st;
    c.n_stages = 1;
    struct rt_schedule *s = mk(&c);
    struct rt_plan_item it;
    int64_t n = 0;
    while (rt_schedule_next(s, &it) == 1) {
        int64_t want = llround(sqrt((double)n / 5) * 1e6);
        if (llabs(it.scheduled_us - want) > 1)
            fail_msg("item %lld at %lld, want %lld", (long long)n, (long long)it.scheduled_us,
                     (long long)want);
        n++;
    }
    assert_int_equal(n, 500);      /* ends with the ramp: Lambda(10) = 500 -> k = 0..499 */
    rt_schedule_free(s);

    /* With --duration the last rate holds: 500 in the ramp + 100/s for 5 s more. */
    c.duration_us = 15000000;
    s = mk(&c);
    assert_int_equal(drain(s, NULL), 1000);
    rt_schedule_free(s);

    /* A ramp down from --rate: 100 -> 0 over 10 s also carries 500 (the end excluded). */
    struct rt_ramp_stage down[] = { { 10000000, 0 } };
    c.rate_per_s = 100;
    c.stages = down;
    c.duration_us = 0;
    s = mk(&c);
    struct rt_plan_item last;
    assert_int_equal(drain(s, &last), 500);
    assert_true(last.scheduled_us < 10000000);
    rt_schedule_free(s);
}

static void test_step_ramp(void **state)
{
    (void)state;
    /* Steps: 10/s for 1 s, then 0s:100/s and 100/s for 1 s. */
    struct rt_ramp_stage st[] = { { 0, 10 }, { 1000000, 10 }, { 0, 100 }, { 1000000, 100 } };
    struct rt_schedule_config c = base();
    c.stages = st;
    c.n_stages = 4;
    c.rate_per_s = 0;
    struct rt_schedule *s = mk(&c);
    struct rt_plan_item it;
    int64_t first = 0, second = 0;
    while (rt_schedule_next(s, &it) == 1) {
        if (it.scheduled_us < 1000000)
            first++;
        else
            second++;
    }
    assert_int_equal(first, 10);
    assert_true(second >= 100 && second <= 101);
    assert_int_equal(rt_schedule_ramp_us(&c), 2000000);
    rt_schedule_free(s);
}

static void test_untimed_closed_loop(void **state)
{
    (void)state;
    struct rt_schedule_config c = base();
    c.untimed = 1;
    c.rate_per_s = 0;
    c.max_requests = 7;
    c.duration_us = 1;       /* ignored: the engine times closed loops */
    struct rt_schedule *s = mk(&c);
    struct rt_plan_item last;
    assert_int_equal(drain(s, &last), 7);
    assert_int_equal(last.scheduled_us, 0);
    assert_int_equal(last.rev_id, pool[6 % 5]);
    rt_schedule_free(s);
}

static void test_refusals(void **state)
{
    (void)state;
    struct rt_schedule *s = NULL;
    char err[128];
    struct rt_schedule_config c = base();
    c.rate_per_s = 0;
    assert_int_equal(rt_schedule_new(&c, &s, err, sizeof err), -1);
    c.rate_per_s = 1;
    c.n_pool = 0;
    assert_int_equal(rt_schedule_new(&c, &s, err, sizeof err), -1);
    assert_null(s);
}

static void test_ramp_parse(void **state)
{
    (void)state;
    struct rt_ramp_stage *st = NULL;
    size_t n = 0;
    char err[160];
    assert_int_equal(rt_ramp_parse("30s:10/s,5m:42/s", &st, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(st[0].duration_us, 30000000);
    assert_true(st[0].rate_per_s == 10);
    assert_int_equal(st[1].duration_us, 300000000);
    assert_true(fabs(st[1].rate_per_s - 42) < 1e-9);
    free(st);
    assert_int_equal(rt_ramp_parse("0s:150000/h", &st, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_true(fabs(st[0].rate_per_s - 150000.0 / 3600) < 1e-9);
    free(st);
    const char *bad[] = { "", "30s", "30s:", ":10/s", "x:10/s", "30s:10/q", "30s:10/s,,",
                          "30s:-1/s", "-5s:10/s" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        st = NULL;
        err[0] = '\0';
        if (rt_ramp_parse(bad[i], &st, &n, err, sizeof err) != -1)
            fail_msg("accepted '%s'", bad[i]);
        assert_true(err[0] != '\0');
        assert_null(st);
    }
}

static void test_rng(void **state)
{
    (void)state;
    struct rt_rng r;
    rt_rng_seed(&r, 1);
    double sum = 0;
    for (int i = 0; i < 100000; i++) {
        double u = rt_rng_uniform(&r);
        assert_true(u >= 0 && u < 1);
        sum += u;
        assert_true(rt_rng_below(&r, 7) < 7);
    }
    assert_true(fabs(sum / 100000 - 0.5) < 0.01);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant_exact_spacing),
        cmocka_unit_test(test_poisson_mean_and_gaps),
        cmocka_unit_test(test_seed_reproducible),
        cmocka_unit_test(test_order_does_not_change_times),
        cmocka_unit_test(test_duration_and_requests_cutoffs),
        cmocka_unit_test(test_linear_ramp),
        cmocka_unit_test(test_step_ramp),
        cmocka_unit_test(test_untimed_closed_loop),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_ramp_parse),
        cmocka_unit_test(test_rng),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
