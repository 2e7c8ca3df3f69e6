/*
 * test_planfeed.c - the plan loader thread: every item in order over many chunks, the end
 * repeated, an error after N items delivered right after those N with its message, the
 * read-ahead bound (the source itself watches how far ahead of the consumer it is pulled),
 * stop while the loader waits on a full queue, while the source is slow, and before anything
 * was read.  Leaks are ASan's part (make VARIANT=asan).
 *
 * The source runs on the loader thread, where a cmocka assert cannot jump: it records what it
 * sees in atomics that the test thread checks.  Waits are bounded polls, not fixed sleeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/planfeed.h"

struct src {
    int64_t n;                      /* items before the end (or the error); -1: endless */
    int fail;                       /* 1: an error instead of the end */
    long sleep_ns;                  /* per item: a slow source */
    size_t bound;                   /* the most items the feed may pull ahead; 0: unchecked */
    atomic_llong pulled;            /* items handed out (loader thread) */
    atomic_llong delivered;         /* items the consumer has taken (test thread) */
    atomic_llong max_ahead;         /* the most items pulled ahead of the consumer seen */
    atomic_int calls_after_end;     /* calls after it returned 0 or -1 */
    atomic_int ended;
};

static void src_init(struct src *s, int64_t n, int fail)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->fail = fail;
    atomic_init(&s->pulled, 0);
    atomic_init(&s->delivered, 0);
    atomic_init(&s->max_ahead, 0);
    atomic_init(&s->calls_after_end, 0);
    atomic_init(&s->ended, 0);
}

static void sleep_ns(long ns)
{
    struct timespec ts = { ns / 1000000000L, ns % 1000000000L };
    nanosleep(&ts, NULL);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* rt_plan_next_fn: item i is (i, 7i + 1, 3i). */
static int src_next(void *ctx, struct rt_plan_item *it, char *err, size_t errlen)
{
    struct src *s = ctx;
    if (atomic_load(&s->ended)) {
        atomic_fetch_add(&s->calls_after_end, 1);
        return 0;
    }
    long long i = atomic_load(&s->pulled);
    if (s->n >= 0 && i >= s->n) {
        atomic_store(&s->ended, 1);
        if (!s->fail)
            return 0;
        snprintf(err, errlen, "source failed after %lld items", i);
        return -1;
    }
    if (s->sleep_ns)
        sleep_ns(s->sleep_ns);
    it->seq = i;
    it->rev_id = 7 * i + 1;
    it->scheduled_us = 3 * i;
    atomic_store(&s->pulled, i + 1);
    /* Items pulled (this one included) that the consumer has not taken yet. */
    long long ahead = i + 1 - atomic_load(&s->delivered);
    if (ahead > atomic_load(&s->max_ahead))
        atomic_store(&s->max_ahead, ahead);
    return 1;
}

static struct rt_planfeed *start(struct src *s, size_t capacity)
{
    struct rt_planfeed *f = NULL;
    char err[128] = "";
    assert_int_equal(rt_planfeed_start(src_next, s, capacity, &f, err, sizeof err), 0);
    assert_non_null(f);
    return f;
}

/* Take n items and check each; the consumer counts them for the source to see. */
static void take(struct rt_planfeed *f, struct src *s, int64_t n)
{
    for (int64_t k = 0; k < n; k++) {
        struct rt_plan_item it;
        char err[128] = "";
        int64_t i = atomic_load(&s->delivered);
        assert_int_equal(rt_planfeed_next(f, &it, err, sizeof err), 1);
        atomic_store(&s->delivered, i + 1);
        assert_int_equal(it.seq, i);
        assert_int_equal(it.rev_id, 7 * i + 1);
        assert_int_equal(it.scheduled_us, 3 * i);
    }
}

/* Wait (bounded) until the loader has pulled at least n items and then stood still. */
static void wait_pulled_still(struct src *s, long long n)
{
    int64_t deadline = now_ms() + 20000;
    while (atomic_load(&s->pulled) < n && now_ms() < deadline)
        sleep_ns(1000000);
    long long last = -1;
    while (atomic_load(&s->pulled) != last && now_ms() < deadline) {
        last = atomic_load(&s->pulled);
        sleep_ns(50000000);
    }
    assert_true(atomic_load(&s->pulled) >= n);
}

static void test_planfeed_order_and_end(void **state)
{
    (void)state;
    static struct src s;
    src_init(&s, 100003, 0);
    struct rt_planfeed *f = start(&s, 4096);
    take(f, &s, 100003);
    for (int k = 0; k < 3; k++) {              /* the end, and again */
        struct rt_plan_item it;
        char err[64] = "untouched";
        assert_int_equal(rt_planfeed_next(f, &it, err, sizeof err), 0);
        assert_string_equal(err, "untouched");
    }
    rt_planfeed_stop(f);
    assert_int_equal(atomic_load(&s.pulled), 100003);
    assert_int_equal(atomic_load(&s.calls_after_end), 0);
}

static void test_planfeed_empty_source(void **state)
{
    (void)state;
    static struct src s;
    src_init(&s, 0, 0);
    struct rt_planfeed *f = start(&s, 0);
    struct rt_plan_item it;
    char err[64] = "";
    assert_int_equal(rt_planfeed_next(f, &it, err, sizeof err), 0);
    rt_planfeed_stop(f);
}

/* An error after n items: exactly those n first, then -1 with the message, every time. */
static void error_after(int64_t n, size_t capacity)
{
    static struct src s;
    src_init(&s, n, 1);
    struct rt_planfeed *f = start(&s, capacity);
    take(f, &s, n);
    char want[64];
    snprintf(want, sizeof want, "source failed after %lld items", (long long)n);
    for (int k = 0; k < 2; k++) {
        struct rt_plan_item it;
        char err[64] = "";
        assert_int_equal(rt_planfeed_next(f, &it, err, sizeof err), -1);
        assert_string_equal(err, want);
    }
    struct rt_plan_item it;
    char small[8];
    assert_int_equal(rt_planfeed_next(f, &it, small, sizeof small), -1);
    assert_string_equal(small, "source ");                /* truncated to the buffer */
    rt_planfeed_stop(f);
}

static void test_planfeed_error_in_stream(void **state)
{
    (void)state;
    error_after(0, 2048);
    error_after(1, 2048);
    error_after(5000, 2048);
    error_after(RT_PLANFEED_CHUNK, 2048);          /* exactly at a chunk's end */
    error_after(3 * RT_PLANFEED_CHUNK + 1, 100000);
}

/*
 * The read-ahead bound: capacity 3000 is three chunks, so the source is never more than 3,072
 * items ahead of the consumer (it checks at every call); a consumer that pauses lets the
 * loader fill the queue to within one chunk of that bound, and then the loader waits.
 */
static void test_planfeed_capacity(void **state)
{
    (void)state;
    static struct src s;
    src_init(&s, -1, 0);
    const long long bound = 3 * RT_PLANFEED_CHUNK;
    struct rt_planfeed *f = start(&s, 3000);
    take(f, &s, 1);
    wait_pulled_still(&s, bound - RT_PLANFEED_CHUNK);
    long long ahead = atomic_load(&s.pulled) - atomic_load(&s.delivered);
    assert_true(ahead >= bound - RT_PLANFEED_CHUNK && ahead <= bound);
    for (int round = 0; round < 40; round++) {       /* bursts and pauses */
        take(f, &s, 2500 + round * 37);
        if (round % 8 == 0)
            wait_pulled_still(&s, 0);
    }
    assert_true(atomic_load(&s.max_ahead) <= bound);
    assert_true(atomic_load(&s.max_ahead) >= bound - RT_PLANFEED_CHUNK);
    /* Stop while the loader waits for room on a full queue. */
    wait_pulled_still(&s, 0);
    long long before = atomic_load(&s.pulled);
    rt_planfeed_stop(f);
    assert_int_equal(atomic_load(&s.pulled), before);
}

/* A capacity below two chunks is two chunks. */
static void test_planfeed_small_capacity(void **state)
{
    (void)state;
    static struct src s;
    src_init(&s, -1, 0);
    struct rt_planfeed *f = start(&s, 1);
    take(f, &s, 1);
    wait_pulled_still(&s, RT_PLANFEED_CHUNK + 1);
    assert_true(atomic_load(&s.pulled) <= 2 * RT_PLANFEED_CHUNK + 1);
    take(f, &s, 10 * RT_PLANFEED_CHUNK);
    assert_true(atomic_load(&s.max_ahead) <= 2 * RT_PLANFEED_CHUNK);
    rt_planfeed_stop(f);
}

/* Stop while the source is mid-way (slow, endless): at most the call in progress finishes. */
static void test_planfeed_stop_mid_source(void **state)
{
    (void)state;
    static struct src s;
    src_init(&s, -1, 0);
    s.sleep_ns = 2000000;                            /* 2 ms per item */
    struct rt_planfeed *f = start(&s, 65536);
    take(f, &s, 5);                                  /* a hungry consumer gets items early */
    int64_t t0 = now_ms();
    rt_planfeed_stop(f);
    assert_true(now_ms() - t0 < 1000);
    long long after = atomic_load(&s.pulled);
    sleep_ns(20000000);
    assert_int_equal(atomic_load(&s.pulled), after);  /* the loader is gone */
    assert_true(after < RT_PLANFEED_CHUNK);
}

/* Stop before anything was read, and stop(NULL). */
static void test_planfeed_stop_unread(void **state)
{
    (void)state;
    static struct src s;
    src_init(&s, -1, 0);
    struct rt_planfeed *f = start(&s, 8192);
    rt_planfeed_stop(f);
    rt_planfeed_stop(NULL);
    assert_true(atomic_load(&s.pulled) <= 8192);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_planfeed_order_and_end),
        cmocka_unit_test(test_planfeed_empty_source),
        cmocka_unit_test(test_planfeed_error_in_stream),
        cmocka_unit_test(test_planfeed_capacity),
        cmocka_unit_test(test_planfeed_small_capacity),
        cmocka_unit_test(test_planfeed_stop_mid_source),
        cmocka_unit_test(test_planfeed_stop_unread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
