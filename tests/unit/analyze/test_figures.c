/*
 * test_figures.c - analyze/figures.c without a database: request rows made by hand go
 * through an_fig_begin/add/end, and every figure is checked against a value worked out on
 * paper from the rows (the comment above each sample shows the arithmetic): the counts by
 * outcome and status, the error breakdown, exact nearest-rank percentiles, the phases, the
 * rates over the schedule window, and the time series buckets (fixed and automatic
 * interval, with the per-interval and cumulative figures).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/analyze.h"

#define MS 1000
#define S 1000000

/* The index of percentile pct in rt_stats_pcts. */
static int pct_index(double pct)
{
    for (int i = 0; i < RT_STATS_NPCTS; i++)
        if (rt_stats_pcts[i] == pct)
            return i;
    fail_msg("no percentile %g", pct);
    return -1;
}

static struct an_run *new_run(void)
{
    struct an_run *run = calloc(1, sizeof *run);
    assert_non_null(run);
    return run;
}

static void free_run(struct an_run *run)
{
    an_run_free(run);
    free(run);
}

/* A complete HTTP-200 exchange: dns 1 ms, connect 2 ms, no TLS, first byte 1 ms before
 * the end. */
static struct rt_store_row ok_row(int64_t seq, int64_t sched_us, int64_t lag_us,
                                  int64_t total_us)
{
    struct rt_store_row r = { 0 };
    r.seq = seq;
    r.rev_id = 1000 + seq;
    r.scheduled_us = sched_us;
    r.sent_us = sched_us + lag_us;
    r.dns_us = 1 * MS;
    r.connect_us = 2 * MS;
    r.ttfb_us = total_us - 1 * MS;
    r.total_us = total_us;
    r.have = RT_STORE_HAVE_SENT | RT_STORE_HAVE_DNS | RT_STORE_HAVE_CONNECT |
             RT_STORE_HAVE_TTFB | RT_STORE_HAVE_TOTAL;
    r.status = 200;
    r.bytes_in = 100;
    return r;
}

/* A failure: status (0 for none), error word (NULL for none), sent or not, total or not. */
static struct rt_store_row bad_row(int64_t seq, int64_t sched_us, int status, const char *error,
                                   int sent, int64_t total_us)
{
    struct rt_store_row r = { 0 };
    r.seq = seq;
    r.scheduled_us = sched_us;
    r.status = status;
    r.error = error;
    if (sent) {
        r.sent_us = sched_us + 1 * MS;
        r.have |= RT_STORE_HAVE_SENT;
    }
    if (total_us >= 0) {
        r.total_us = total_us;
        r.have |= RT_STORE_HAVE_TOTAL;
    }
    r.bytes_in = status ? 50 : 0;
    return r;
}

/*
 * The sample: 15 requests scheduled every 200 ms from 0 to 2.8 s, all sent 1 ms late
 * except seq 12.
 *   seq 0..9   HTTP 200, total (seq + 1) * 10 ms: latencies 11, 21, .. 101 ms
 *   seq 10     HTTP 503, total 5 ms              seq 11  "deadline", sent, no total
 *   seq 12     "connect", never sent             seq 13  HTTP 429, total 1 ms
 *   seq 14     "deadline", sent, no total
 */
static void load_sample(struct an_fig *f)
{
    for (int64_t i = 0; i < 10; i++) {
        struct rt_store_row r = ok_row(i, i * 200 * MS, 1 * MS, (i + 1) * 10 * MS);
        assert_int_equal(an_fig_add(f, &r, 0), 0);
    }
    struct rt_store_row bad[] = {
        bad_row(10, 2000 * MS, 503, NULL, 1, 5 * MS),
        bad_row(11, 2200 * MS, 0, "deadline", 1, -1),
        bad_row(12, 2400 * MS, 0, "connect", 0, -1),
        bad_row(13, 2600 * MS, 429, NULL, 1, 1 * MS),
        bad_row(14, 2800 * MS, 0, "deadline", 1, -1),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(an_fig_add(f, &bad[i], 0), 0);
}

static void test_counts_and_errors(void **state)
{
    (void)state;
    struct an_run *run = new_run();
    struct an_fig *f = an_fig_begin(run, 1 * S);
    assert_non_null(f);
    load_sample(f);
    assert_int_equal(an_fig_end(f, 0), 0);
    an_fig_free(f);

    assert_int_equal(run->requests, 15);
    assert_int_equal(run->sent, 14);
    assert_int_equal(run->never_sent, 1);
    assert_int_equal(run->ok, 10);
    assert_int_equal(run->failed, 5);
    assert_int_equal(run->answered, 12);      /* 10 x 200, the 503 and the 429 */
    assert_int_equal(run->bytes_in, 10 * 100 + 2 * 50);
    assert_int_equal(run->status_n[200], 10);
    assert_int_equal(run->status_n[0], 3);
    assert_int_equal(run->status_n[503], 1);
    assert_int_equal(run->status_n[429], 1);
    assert_int_equal(run->s429, 1);
    assert_int_equal(run->s5xx, 1);
    assert_int_equal(run->s4xx, 0);           /* 429 is counted as s429 only */
    /* Error words in order of first appearance; failures without one, by status. */
    assert_int_equal(run->nerrors, 2);
    assert_string_equal(run->errors[0].word, "deadline");
    assert_int_equal(run->errors[0].n, 2);
    assert_string_equal(run->errors[1].word, "connect");
    assert_int_equal(run->errors[1].n, 1);
    assert_int_equal(run->errors_other, 0);
    assert_int_equal(run->fail_status_n[503], 1);
    assert_int_equal(run->fail_status_n[429], 1);
    assert_int_equal(run->fail_status_n[0], 0);
    assert_true(run->error_ratio == 5.0 / 15.0);
    free_run(run);
}

/*
 * Nearest rank of 10 latencies 11 .. 101 ms: pXX is the value at rank ceil(XX / 10):
 * p50 rank 5 (51), p66 rank 7 (71), p75 and p80 rank 8 (81), p90 rank 9 (91), p95 and up
 * rank 10 (101).
 */
static void test_percentiles_and_phases(void **state)
{
    (void)state;
    struct an_run *run = new_run();
    struct an_fig *f = an_fig_begin(run, 1 * S);
    load_sample(f);
    assert_int_equal(an_fig_end(f, 0), 0);
    an_fig_free(f);

    const struct an_dist *d = &run->latency;
    assert_int_equal(d->n, 10);
    assert_non_null(d->v);                    /* the latency sample is kept, sorted */
    for (size_t i = 0; i < 10; i++)
        assert_int_equal(d->v[i], (int64_t)(i + 1) * 10 * MS + 1 * MS);
    assert_int_equal(d->pct[pct_index(50)], 51 * MS);
    assert_int_equal(d->pct[pct_index(66)], 71 * MS);
    assert_int_equal(d->pct[pct_index(75)], 81 * MS);
    assert_int_equal(d->pct[pct_index(80)], 81 * MS);
    assert_int_equal(d->pct[pct_index(90)], 91 * MS);
    assert_int_equal(d->pct[pct_index(95)], 101 * MS);
    assert_int_equal(d->pct[pct_index(100)], 101 * MS);
    assert_int_equal(d->s.min, 11 * MS);
    assert_int_equal(d->s.max, 101 * MS);
    assert_true(d->s.mean == 56.0 * MS);

    /* Service time (sent -> done) of the 200s: 10 .. 100 ms; lag of all 14 sent: 1 ms. */
    assert_int_equal(run->service.n, 10);
    assert_int_equal(run->service.pct[pct_index(50)], 50 * MS);
    assert_null(run->service.v);              /* only the latency sample is kept */
    assert_int_equal(run->lag.n, 14);
    assert_int_equal(run->lag.pct[pct_index(100)], 1 * MS);

    /* Phases, each step of libcurl's cumulative times: dns 1, connect 2 - 1, no TLS,
     * first byte (total - 1) - 2, transfer 1 ms. */
    assert_int_equal(run->phase[AN_PH_DNS].n, 10);
    assert_int_equal(run->phase[AN_PH_DNS].pct[pct_index(100)], 1 * MS);
    assert_int_equal(run->phase[AN_PH_CONNECT].pct[pct_index(50)], 1 * MS);
    assert_int_equal(run->phase[AN_PH_TLS].n, 0);
    assert_int_equal(run->phase[AN_PH_FIRST_BYTE].s.min, 7 * MS);
    assert_int_equal(run->phase[AN_PH_FIRST_BYTE].s.max, 97 * MS);
    assert_int_equal(run->phase[AN_PH_TRANSFER].pct[pct_index(50)], 1 * MS);
    free_run(run);
}

/* p99.9 of 1000 values is rank 999, not 1000 (no floating-point ceil). */
static void test_exact_rank(void **state)
{
    (void)state;
    struct an_run *run = new_run();
    struct an_fig *f = an_fig_begin(run, 1 * S);
    for (int64_t i = 0; i < 1000; i++) {
        /* Latencies 1 .. 1000 ms, added in a scrambled order. */
        int64_t v = (i * 7919) % 1000 + 1;
        struct rt_store_row r = ok_row(i, i * MS, 0, v * MS);
        assert_int_equal(an_fig_add(f, &r, 0), 0);
    }
    assert_int_equal(an_fig_end(f, 0), 0);
    an_fig_free(f);
    assert_int_equal(run->latency.pct[pct_index(99.9)], 999 * MS);
    assert_int_equal(run->latency.pct[pct_index(99)], 990 * MS);
    assert_int_equal(run->latency.pct[pct_index(50)], 500 * MS);
    free_run(run);
}

/*
 * Schedule window: first 0, last 2.8 s, 15 requests: 2.8 s * 15 / 14 = 3 s.  Completion
 * span: first send 1 ms to the last end (the 429: 2.601 + 0.001 s) = 2.601 s.
 */
static void test_rates(void **state)
{
    (void)state;
    struct an_run *run = new_run();
    struct an_fig *f = an_fig_begin(run, 1 * S);
    load_sample(f);
    assert_int_equal(an_fig_end(f, 0), 0);
    an_fig_free(f);
    assert_int_equal(run->have_rate, 1);
    assert_int_equal(run->rate_from_schedule, 1);
    assert_int_equal(run->rate_from_us, 0);
    assert_int_equal(run->rate_to_us, 3 * S);
    assert_true(run->window_s > 2.999999 && run->window_s < 3.000001);
    assert_true(run->requests_per_s > 4.99999 && run->requests_per_s < 5.00001);
    assert_true(run->offered_per_s > 4.99999 && run->offered_per_s < 5.00001);
    assert_true(run->achieved_per_s > 3.99999 && run->achieved_per_s < 4.00001);
    assert_true(run->ok_per_s * 3 > 9.9999 && run->ok_per_s * 3 < 10.0001);
    assert_true(run->failed_per_s * 3 > 4.9999 && run->failed_per_s * 3 < 5.0001);
    assert_true(run->duration_s > 2.600999 && run->duration_s < 2.601001);
    free_run(run);
}

/*
 * 1 s buckets.  Scheduled: 5 per bucket.  The 200s end in the bucket they were scheduled
 * in (seq 4 ends at 0.851 s, seq 9 at 1.901 s); every failure ends in bucket 2 (the
 * never-sent one at its schedule).  Latencies per bucket: 11 .. 51 ms and 61 .. 101 ms,
 * p50 the 3rd of 5.
 */
static void test_series_fixed(void **state)
{
    (void)state;
    struct an_run *run = new_run();
    struct an_fig *f = an_fig_begin(run, 1 * S);
    load_sample(f);
    assert_int_equal(an_fig_end(f, AN_LOAD_CUMULATIVE), 0);
    an_fig_free(f);
    assert_int_equal(run->interval_us, 1 * S);
    assert_int_equal(run->interval_auto, 0);
    assert_int_equal(run->nseries, 3);
    const struct an_bucket *b = run->series;
    for (int i = 0; i < 3; i++)
        assert_int_equal(b[i].scheduled, 5);
    assert_int_equal(b[0].sent, 5);
    assert_int_equal(b[2].sent, 4);
    assert_int_equal(b[0].ok, 5);
    assert_int_equal(b[1].ok, 5);
    assert_int_equal(b[2].ok, 0);
    assert_int_equal(b[2].failed, 5);
    assert_int_equal(b[2].answered, 2);
    assert_int_equal(b[2].s429, 1);
    assert_int_equal(b[2].s5xx, 1);
    assert_int_equal(b[2].finished, 4);
    assert_int_equal(b[0].lat_n, 5);
    assert_int_equal(b[0].lat_p50, 31 * MS);
    assert_int_equal(b[1].lat_p50, 81 * MS);
    assert_int_equal(b[1].lat_max, 101 * MS);
    assert_int_equal(b[2].lat_n, 0);
    /* Cumulative: requests that ended so far, and latency percentiles so far. */
    assert_int_equal(b[0].cum_requests, 5);
    assert_int_equal(b[1].cum_requests, 10);
    assert_int_equal(b[2].cum_requests, 15);
    assert_int_equal(b[2].cum_failed, 5);
    assert_int_equal(b[0].inflight, 0);
    assert_int_equal(b[1].cum_n, 10);
    assert_int_equal(b[1].cum_pct[pct_index(50)], 51 * MS);
    assert_int_equal(b[2].cum_pct[pct_index(100)], 101 * MS);
    free_run(run);
}

/*
 * Automatic interval: 100 requests, one a second, each done 10 ms after its schedule; the
 * last event is at 99.01 s, so the interval is the largest nice one giving >= 20 points:
 * 99.01 / 20 = 4.95 s -> 2 s, and 50 buckets of 2 requests.
 */
static void test_series_auto(void **state)
{
    (void)state;
    struct an_run *run = new_run();
    struct an_fig *f = an_fig_begin(run, 0);
    for (int64_t i = 0; i < 100; i++) {
        struct rt_store_row r = ok_row(i, i * S, 0, 10 * MS);
        assert_int_equal(an_fig_add(f, &r, 0), 0);
    }
    assert_int_equal(an_fig_end(f, 0), 0);
    an_fig_free(f);
    assert_int_equal(run->interval_auto, 1);
    assert_int_equal(run->interval_us, 2 * S);
    assert_int_equal(run->nseries, 50);
    for (size_t i = 0; i < run->nseries; i++) {
        assert_int_equal(run->series[i].scheduled, 2);
        assert_int_equal(run->series[i].ok, 2);
        assert_int_equal(run->series[i].lat_n, 2);
    }
    free_run(run);
}

/* A merged part's shift moves its times (series, rates), not its latencies. */
static void test_shift(void **state)
{
    (void)state;
    struct an_run *run = new_run();
    struct an_fig *f = an_fig_begin(run, 1 * S);
    struct rt_store_row a = ok_row(0, 0, 0, 10 * MS);
    struct rt_store_row b = ok_row(0, 0, 0, 20 * MS);
    assert_int_equal(an_fig_add(f, &a, 0), 0);
    assert_int_equal(an_fig_add(f, &b, 3 * S), 0);
    assert_int_equal(an_fig_end(f, 0), 0);
    an_fig_free(f);
    assert_int_equal(run->nseries, 4);
    assert_int_equal(run->series[0].ok, 1);
    assert_int_equal(run->series[3].ok, 1);
    assert_int_equal(run->latency.s.max, 20 * MS);
    assert_int_equal(run->rate_to_us - run->rate_from_us, 6 * S);   /* 3 s * 2 / 1 */
    free_run(run);
}

/* Past AN_MAX_ERRWORDS distinct words, the rest count as "other"; no rows, no figures. */
static void test_error_words_and_empty(void **state)
{
    (void)state;
    struct an_run *run = new_run();
    struct an_fig *f = an_fig_begin(run, 1 * S);
    char words[AN_MAX_ERRWORDS + 2][16];
    for (int i = 0; i < AN_MAX_ERRWORDS + 2; i++) {
        snprintf(words[i], sizeof words[i], "e%d", i);
        struct rt_store_row r = bad_row(i, i * MS, 0, words[i], 0, -1);
        assert_int_equal(an_fig_add(f, &r, 0), 0);
    }
    assert_int_equal(an_fig_end(f, 0), 0);
    an_fig_free(f);
    assert_int_equal(run->nerrors, AN_MAX_ERRWORDS);
    assert_int_equal(run->errors_other, 2);
    assert_int_equal(run->failed, AN_MAX_ERRWORDS + 2);
    assert_int_equal(run->latency.n, 0);
    free_run(run);

    run = new_run();
    f = an_fig_begin(run, 0);
    assert_int_equal(an_fig_end(f, AN_LOAD_CUMULATIVE), 0);
    an_fig_free(f);
    assert_int_equal(run->requests, 0);
    assert_int_equal(run->have_rate, 0);
    assert_int_equal(run->nseries, 0);
    assert_int_equal(run->latency.n, 0);
    assert_true(run->error_ratio == 0);
    free_run(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_and_errors),
        cmocka_unit_test(test_percentiles_and_phases),
        cmocka_unit_test(test_exact_rank),
        cmocka_unit_test(test_rates),
        cmocka_unit_test(test_series_fixed),
        cmocka_unit_test(test_series_auto),
        cmocka_unit_test(test_shift),
        cmocka_unit_test(test_error_words_and_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
