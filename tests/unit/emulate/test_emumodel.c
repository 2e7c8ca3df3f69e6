/*
 * test_emumodel.c - the emulator's service model, driven in virtual time: every outcome is
 * reported exactly once, delays have the asked-for distribution, the upstream slows with the
 * calls in progress and the event loop computes one request at a time, one replica saturates near
 * the published 14.6 requests/s, overload yields gateway 502s, prod scales out, and a seed
 * fixes everything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emulate/emumodel.h"

#define MAXREQ 200000

struct log {
    int64_t sent_us[MAXREQ];
    int64_t done_us[MAXREQ];
    int status[MAXREQ];
    int answered[MAXREQ];
    int n_sent, n_done, dup;
};

static void on_done(void *ctx, void *tag, int status, int64_t at_us)
{
    struct log *l = ctx;
    intptr_t i = (intptr_t)tag;
    if (l->answered[i])
        l->dup++;
    l->answered[i] = 1;
    l->status[i] = status;
    l->done_us[i] = at_us;
    l->n_done++;
}

/* Open loop: one request every gap_us for dur_us, then run until the model is idle. */
static void drive(struct rt_emu_model *m, struct log *l, int64_t gap_us, int64_t dur_us)
{
    for (int64_t t = 0; t < dur_us && l->n_sent < MAXREQ; t += gap_us) {
        rt_emu_model_advance(m, t, on_done, l);
        l->sent_us[l->n_sent] = t;
        assert_int_equal(rt_emu_model_submit(m, t, (void *)(intptr_t)l->n_sent), 0);
        l->n_sent++;
    }
    for (int guard = 0; guard < 10000000 && l->n_done < l->n_sent; guard++) {
        int64_t next = rt_emu_model_next_us(m);
        assert_true(next != INT64_MAX);
        rt_emu_model_advance(m, next, on_done, l);
    }
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t latency_pct(const struct log *l, double q)
{
    int64_t *v = malloc(sizeof *v * (size_t)l->n_sent);
    int n = 0;
    for (int i = 0; i < l->n_sent; i++)
        if (l->status[i] == 200)
            v[n++] = l->done_us[i] - l->sent_us[i];
    qsort(v, (size_t)n, sizeof *v, cmp64);
    int64_t r = n ? v[(int)(q * (n - 1))] : -1;
    free(v);
    return r;
}

static void test_profiles(void **state)
{
    (void)state;
    struct rt_emu_params p;
    assert_int_equal(rt_emu_profile("fast", &p), 0);
    assert_int_equal(p.kind, RT_EMU_NONE);
    assert_int_equal(rt_emu_profile("staging", &p), 0);
    assert_int_equal(p.replicas_min, 1);
    assert_int_equal(p.replicas_max, 1);
    assert_int_equal(rt_emu_profile("prod", &p), 0);
    assert_int_equal(p.replicas_min, 5);
    assert_int_equal(p.replicas_max, 15);
    assert_int_equal(rt_emu_profile("nope", &p), -1);
    char err[128];
    rt_emu_profile("prod", &p);
    p.replicas_min = 0;
    assert_int_equal(rt_emu_params_check(&p, err, sizeof err), -1);
    assert_non_null(strstr(err, "replicas"));
}

static void test_p_true(void **state)
{
    (void)state;
    assert_true(rt_emu_p_true(12345) == rt_emu_p_true(12345));
    int high = 0;
    for (int64_t r = 1; r <= 10000; r++) {
        double p = rt_emu_p_true(r);
        assert_true(p >= 0 && p < 1);
        high += p > 0.5;
    }
    assert_in_range(high, 4500, 5500);
    assert_true(rt_emu_uniform(1, 2, 3) == rt_emu_uniform(1, 2, 3));
    assert_true(rt_emu_uniform(1, 2, 3) != rt_emu_uniform(2, 2, 3));
}

static void test_delay_distribution(void **state)
{
    (void)state;
    struct rt_emu_params p;
    rt_emu_profile("fast", &p);
    p.kind = RT_EMU_DELAY;
    p.delay_median_us = 100000;
    p.delay_p90_us = 200000;
    struct rt_emu_model *m = rt_emu_model_new(&p, 1, 0, NULL, 0);
    assert_non_null(m);
    struct log *l = calloc(1, sizeof *l);
    drive(m, l, 10, 200000);           /* 20,000 requests waiting at once */
    assert_int_equal(l->n_done, l->n_sent);
    assert_int_equal(l->dup, 0);
    assert_in_range(latency_pct(l, 0.5), 95000, 105000);
    assert_in_range(latency_pct(l, 0.9), 185000, 215000);
    rt_emu_model_free(m);
    free(l);
}

static void test_hold_and_drain(void **state)
{
    (void)state;
    struct rt_emu_params p;
    rt_emu_profile("staging", &p);
    struct rt_emu_model *m = rt_emu_model_new(&p, 1, 0, NULL, 0);
    struct log *l = calloc(1, sizeof *l);
    assert_int_equal(rt_emu_model_hold(m, 0, 5000, 418, (void *)(intptr_t)0), 0);
    assert_int_equal(rt_emu_model_submit(m, 0, (void *)(intptr_t)1), 0);
    l->n_sent = 2;
    rt_emu_model_advance(m, 4999, on_done, l);
    assert_int_equal(l->n_done, 0);
    rt_emu_model_advance(m, 5000, on_done, l);
    assert_int_equal(l->n_done, 1);
    assert_int_equal(l->status[0], 418);
    assert_int_equal(rt_emu_model_drain(m, 0, on_done, l), 1);
    assert_int_equal(l->status[1], 0);
    rt_emu_model_advance(m, INT64_MAX - 1, on_done, l);
    assert_int_equal(l->dup, 0);    /* the drained request is not answered again */
    rt_emu_model_free(m);
    free(l);
}

/* Unloaded staging: the 2-user run's median 580 ms, p90 750 ms, min about 400 ms. */
static void test_staging_unloaded(void **state)
{
    (void)state;
    struct rt_emu_params p;
    rt_emu_profile("staging", &p);
    struct rt_emu_model *m = rt_emu_model_new(&p, 3, 0, NULL, 0);
    struct log *l = calloc(1, sizeof *l);
    drive(m, l, 2000000, 4000000000LL);    /* 0.5/s: nothing queues */
    assert_int_equal(l->n_done, l->n_sent);
    assert_in_range(latency_pct(l, 0.5), 530000, 630000);
    assert_in_range(latency_pct(l, 0.9), 690000, 810000);
    assert_in_range(latency_pct(l, 0.0), 370000, 470000);
    rt_emu_model_free(m);
    free(l);
}

/* The mechanisms one at a time, with randomness switched off: each upstream call is slowed
 * by the calls already in progress (service-wide), and CPU work runs one request at a time,
 * first come first served (one event loop). */
static void test_upstream_slowdown_and_event_loop(void **state)
{
    (void)state;
    struct rt_emu_params p;
    rt_emu_profile("staging", &p);
    p.upstream_min_us = 100000;
    p.upstream_excess_median_us = 0;
    p.upstream_excess_p90_us = 0;
    p.upstream_retry_ratio = 0;
    p.upstream_slowdown = 0.1;
    p.cpu_fifo = 1;
    p.cpu_mean_us = 66000;
    p.cpu_cv = 0;
    p.reset_per_inflight = 0;
    struct rt_emu_model *m = rt_emu_model_new(&p, 1, 0, NULL, 0);
    struct log *l = calloc(1, sizeof *l);
    for (int i = 0; i < 3; i++)
        assert_int_equal(rt_emu_model_submit(m, 0, (void *)(intptr_t)i), 0);
    l->n_sent = 3;
    rt_emu_model_advance(m, 1000000, on_done, l);
    assert_int_equal(l->n_done, 3);
    /* upstream ends at 100, 110, 120 ms; the loop computes 66 ms for each in turn */
    assert_int_equal(l->done_us[0], 166000);
    assert_int_equal(l->done_us[1], 232000);
    assert_int_equal(l->done_us[2], 298000);
    /* processor sharing over 2 CPUs instead: the first two compute side by side */
    rt_emu_model_free(m);
    memset(l, 0, sizeof *l);
    p.cpu_fifo = 0;
    p.cpus_per_replica = 2;
    m = rt_emu_model_new(&p, 1, 0, NULL, 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(rt_emu_model_submit(m, 0, (void *)(intptr_t)i), 0);
    l->n_sent = 2;
    rt_emu_model_advance(m, 1000000, on_done, l);
    assert_int_equal(l->n_done, 2);
    assert_int_equal(l->done_us[0], 166000);
    assert_int_equal(l->done_us[1], 176000);
    rt_emu_model_free(m);
    free(l);
}

/* Overloaded staging (30/s offered): throughput at most the 14.6/s saturation, 502s. */
static void test_staging_overload(void **state)
{
    (void)state;
    struct rt_emu_params p;
    rt_emu_profile("staging", &p);
    struct rt_emu_model *m = rt_emu_model_new(&p, 5, 0, NULL, 0);
    struct log *l = calloc(1, sizeof *l);
    drive(m, l, 33333, 120000000);
    int ok = 0, e502 = 0;
    for (int i = 0; i < l->n_sent; i++) {
        if (l->status[i] == 200 && l->done_us[i] <= 120000000)
            ok++;
        e502 += l->status[i] == 502;
    }
    assert_in_range(ok, 120 * 2, 120 * 15);   /* never above saturation */
    assert_true(e502 > l->n_sent / 10);     /* the gateway gives up on the queue's tail */
    assert_int_equal(l->dup, 0);
    rt_emu_model_free(m);
    free(l);
}

/* prod under sustained load scales out after the start delay, within 5-15. */
static void test_prod_scales(void **state)
{
    (void)state;
    struct rt_emu_params p;
    rt_emu_profile("prod", &p);
    struct rt_emu_model *m = rt_emu_model_new(&p, 1, 0, NULL, 0);
    struct log *l = calloc(1, sizeof *l);
    struct rt_emu_state st;
    rt_emu_model_state(m, &st);
    assert_int_equal(st.replicas_ready, 5);
    int max_ready = 0;
    for (int64_t t = 0; t < 400000000LL; t += 12500) {    /* 80/s */
        rt_emu_model_advance(m, t, on_done, l);
        rt_emu_model_submit(m, t, (void *)(intptr_t)l->n_sent);
        l->n_sent++;
        rt_emu_model_state(m, &st);
        if (st.replicas_ready > max_ready)
            max_ready = st.replicas_ready;
        if (t < p.replica_start_us)
            assert_int_equal(st.replicas_ready, 5);
    }
    assert_true(max_ready > 5);
    assert_true(max_ready <= 15);
    rt_emu_model_free(m);
    free(l);
}

static void test_seed_determinism(void **state)
{
    (void)state;
    struct rt_emu_params p;
    rt_emu_profile("staging", &p);
    struct log *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    struct rt_emu_model *m = rt_emu_model_new(&p, 42, 0, NULL, 0);
    drive(m, a, 50000, 30000000);
    rt_emu_model_free(m);
    m = rt_emu_model_new(&p, 42, 0, NULL, 0);
    drive(m, b, 50000, 30000000);
    rt_emu_model_free(m);
    assert_int_equal(a->n_sent, b->n_sent);
    assert_memory_equal(a->done_us, b->done_us, sizeof(int64_t) * (size_t)a->n_sent);
    assert_memory_equal(a->status, b->status, sizeof(int) * (size_t)a->n_sent);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profiles),
        cmocka_unit_test(test_p_true),
        cmocka_unit_test(test_delay_distribution),
        cmocka_unit_test(test_hold_and_drain),
        cmocka_unit_test(test_staging_unloaded),
        cmocka_unit_test(test_upstream_slowdown_and_event_loop),
        cmocka_unit_test(test_staging_overload),
        cmocka_unit_test(test_prod_scales),
        cmocka_unit_test(test_seed_determinism),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
