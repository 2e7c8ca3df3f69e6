/*
 * test_writer.c - the disk thread: every pushed record lands in requests with the right
 * values and NULLs, also from several producer threads at once, commits happen while the writer runs (not only at finish), a locked
 * database delays but loses nothing, and errors are reported by rt_writer_finish.
 *
 * Waiting for a commit is a bounded poll of rt_writer_committed, never a fixed sleep.  Counts
 * go through the store; the column-by-column read-back and the lock held by "another
 * process" use a raw SQLite connection, as a user's sqlite3 shell would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/store.h"
#include "core/writer.h"

struct fx {
    char dir[64];
    char path[128];
    int64_t run_id;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/rt-test-writer.XXXXXX");
    if (!f || !mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/w.db", f->dir);
    struct rt_store *db;
    char err[256], uuid[37];
    struct rt_run_new rn = { .kind = "capture", .target = "http://127.0.0.1/" };
    if (rt_store_open(f->path, RT_STORE_READWRITE, &db, err, sizeof err) != 0 ||
        rt_store_run_create(db, &rn, &f->run_id, uuid, err, sizeof err) != 0)
        return -1;
    rt_store_close(db);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* The record number i of a deterministic mix: failures, NULL phases, bodies. */
static void make_record(int64_t i, struct rt_record *r)
{
    memset(r, 0, sizeof *r);
    r->seq = i;
    r->rev_id = 2000000000 + i * 7;
    r->scheduled_us = i * 100;
    r->sent_us = i % 97 == 0 ? -1 : i * 100 + 3;
    int64_t unknown = i % 5 == 0 ? -1 : 0;
    r->dns_us = unknown < 0 ? -1 : 10;
    r->connect_us = unknown < 0 ? -1 : 20;
    r->tls_us = unknown < 0 ? -1 : 0;
    r->ttfb_us = unknown < 0 ? -1 : 100 + i % 1000;
    r->total_us = unknown < 0 ? -1 : 200 + i % 1000;
    r->status = i % 13 == 0 ? 502 : (i % 97 == 0 ? 0 : 200);
    r->error = i % 97 == 0 ? "connect" : (i % 31 == 0 ? "deadline" : NULL);
    r->bytes_in = i % 97 == 0 ? 0 : 180;
    r->prediction = r->status == 200 ? (int)(i & 1) : -1;
    r->p_true = r->status == 200 ? (double)(i % 1000) / 1000.0 : NAN;
    if (i % 11 == 0) {
        r->body_len = (size_t)(1 + i % 64);
        r->body = malloc(r->body_len);
        for (size_t k = 0; k < r->body_len; k++)
            r->body[k] = (unsigned char)(i + (int64_t)k);
    }
}

static void sleep_ms(int ms)
{
    struct timespec ts = { 0, ms * 1000000L };
    nanosleep(&ts, NULL);
}

/* Poll until committed >= n, at most 20 s. */
static int wait_committed(struct rt_writer *w, int64_t n)
{
    for (int i = 0; i < 20000 && rt_writer_committed(w) < n; i++)
        sleep_ms(1);
    return rt_writer_committed(w) >= n;
}

/* The rows of run_id as another connection (another process) sees them. */
static int64_t count_rows(const char *path, int64_t run_id)
{
    struct rt_store *db;
    char err[256];
    int64_t n = -1;
    assert_int_equal(rt_store_open(path, RT_STORE_READONLY, &db, err, sizeof err), 0);
    assert_int_equal(rt_store_count_requests(db, run_id, &n, err, sizeof err), 0);
    rt_store_close(db);
    return n;
}

static void col_opt(sqlite3_stmt *st, int c, int64_t want)
{
    if (want < 0) {
        assert_int_equal(sqlite3_column_type(st, c), SQLITE_NULL);
    } else {
        assert_int_equal(sqlite3_column_type(st, c), SQLITE_INTEGER);
        assert_int_equal(sqlite3_column_int64(st, c), want);
    }
}

static void test_many_records_exact(void **state)
{
    struct fx *f = *state;
    const int64_t n = 100000;
    struct rt_writer *w;
    char err[256] = "";
    assert_int_equal(rt_writer_start(f->path, f->run_id, 0, NULL, NULL, &w, err, sizeof err), 0);
    for (int64_t i = 0; i < n; i++) {
        struct rt_record r;
        make_record(i, &r);
        rt_writer_push(w, &r);
        assert_null(r.body);   /* ownership taken */
    }
    assert_int_equal(rt_writer_finish(w, err, sizeof err), 0);

    sqlite3 *h;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(f->path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(h,
                           "SELECT run_id, seq, rev_id, scheduled_us, sent_us, dns_us,"
                           " connect_us, tls_us, ttfb_us, total_us, status, error, bytes_in,"
                           " prediction, p_true, body FROM requests ORDER BY run_id, seq",
                           -1, &st, NULL),
        SQLITE_OK);
    int64_t i = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct rt_record r;
        make_record(i, &r);
        assert_int_equal(sqlite3_column_int64(st, 0), f->run_id);
        assert_int_equal(sqlite3_column_int64(st, 1), r.seq);
        assert_int_equal(sqlite3_column_int64(st, 2), r.rev_id);
        assert_int_equal(sqlite3_column_int64(st, 3), r.scheduled_us);
        col_opt(st, 4, r.sent_us);
        col_opt(st, 5, r.dns_us);
        col_opt(st, 6, r.connect_us);
        col_opt(st, 7, r.tls_us);
        col_opt(st, 8, r.ttfb_us);
        col_opt(st, 9, r.total_us);
        assert_int_equal(sqlite3_column_int(st, 10), r.status);
        if (r.error)
            assert_string_equal((const char *)sqlite3_column_text(st, 11), r.error);
        else
            assert_int_equal(sqlite3_column_type(st, 11), SQLITE_NULL);
        assert_int_equal(sqlite3_column_int64(st, 12), r.bytes_in);
        col_opt(st, 13, r.prediction);
        if (isnan(r.p_true))
            assert_int_equal(sqlite3_column_type(st, 14), SQLITE_NULL);
        else
            assert_true(sqlite3_column_double(st, 14) == r.p_true);
        if (r.body) {
            assert_int_equal(sqlite3_column_type(st, 15), SQLITE_BLOB);
            assert_int_equal(sqlite3_column_bytes(st, 15), (int)r.body_len);
            assert_memory_equal(sqlite3_column_blob(st, 15), r.body, r.body_len);
            free(r.body);
        } else {
            assert_int_equal(sqlite3_column_type(st, 15), SQLITE_NULL);
        }
        i++;
    }
    assert_int_equal(i, n);
    sqlite3_finalize(st);
    sqlite3_close(h);
}

/* Several producers at once (a closed loop's send threads): each pushes its own seqs, and
   every record lands once, with its own values, across chunk hand-overs. */
#define PRODUCERS 4
#define PER_PRODUCER 30000
struct producer {
    struct rt_writer *w;
    int64_t first;
};

static void *produce(void *arg)
{
    struct producer *p = arg;
    for (int64_t i = p->first; i < p->first + PER_PRODUCER; i++) {
        struct rt_record r;
        make_record(i, &r);
        rt_writer_push(p->w, &r);
    }
    return NULL;
}

static void test_several_producers(void **state)
{
    struct fx *f = *state;
    struct rt_writer *w;
    char err[256] = "";
    assert_int_equal(rt_writer_start(f->path, f->run_id, 0, NULL, NULL, &w, err, sizeof err), 0);
    pthread_t t[PRODUCERS];
    struct producer p[PRODUCERS];
    for (int k = 0; k < PRODUCERS; k++) {
        p[k] = (struct producer){ .w = w, .first = (int64_t)k * PER_PRODUCER };
        assert_int_equal(pthread_create(&t[k], NULL, produce, &p[k]), 0);
    }
    for (int k = 0; k < PRODUCERS; k++)
        pthread_join(t[k], NULL);
    assert_int_equal(rt_writer_finish(w, err, sizeof err), 0);

    sqlite3 *h;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(f->path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT seq, rev_id, scheduled_us, length(body) "
                                        "FROM requests ORDER BY seq", -1, &st, NULL), SQLITE_OK);
    int64_t i = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct rt_record r;
        make_record(i, &r);
        assert_int_equal(sqlite3_column_int64(st, 0), i);
        assert_int_equal(sqlite3_column_int64(st, 1), r.rev_id);
        assert_int_equal(sqlite3_column_int64(st, 2), r.scheduled_us);
        assert_int_equal(sqlite3_column_int64(st, 3), (int64_t)r.body_len);
        free(r.body);
        i++;
    }
    assert_int_equal(i, (int64_t)PRODUCERS * PER_PRODUCER);
    sqlite3_finalize(st);
    sqlite3_close(h);
}

static void test_commits_while_running(void **state)
{
    struct fx *f = *state;
    struct rt_writer *w;
    char err[256] = "";
    /* The commits must come from the timer, not from finish. */
    assert_int_equal(rt_writer_start(f->path, f->run_id, 50000, NULL, NULL, &w, err, sizeof err), 0);
    assert_int_equal(rt_writer_committed(w), 0);
    for (int64_t i = 0; i < 10; i++) {
        struct rt_record r;
        make_record(i, &r);
        rt_writer_push(w, &r);
    }
    assert_true(wait_committed(w, 10));
    assert_int_equal(rt_writer_committed(w), 10);
    /* Visible to another connection (another process would see the same). */
    assert_int_equal(count_rows(f->path, f->run_id), 10);

    for (int64_t i = 10; i < 5000; i++) {
        struct rt_record r;
        make_record(i, &r);
        rt_writer_push(w, &r);
    }
    assert_true(wait_committed(w, 5000));
    assert_int_equal(count_rows(f->path, f->run_id), 5000);
    assert_int_equal(rt_writer_finish(w, err, sizeof err), 0);
    assert_int_equal(count_rows(f->path, f->run_id), 5000);
}

static void test_locked_database_delays_only(void **state)
{
    struct fx *f = *state;
    struct rt_writer *w;
    char err[256] = "";
    sqlite3 *h;
    assert_int_equal(sqlite3_open(f->path, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(rt_writer_start(f->path, f->run_id, 1000, NULL, NULL, &w, err, sizeof err), 0);
    for (int64_t i = 0; i < 3000; i++) {
        struct rt_record r;
        make_record(i, &r);
        rt_writer_push(w, &r);
    }
    assert_int_equal(rt_writer_committed(w), 0);
    assert_int_equal(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    assert_true(wait_committed(w, 3000));
    assert_int_equal(rt_writer_finish(w, err, sizeof err), 0);
    assert_int_equal(count_rows(f->path, f->run_id), 3000);
}

static void test_duplicate_reported(void **state)
{
    struct fx *f = *state;
    struct rt_writer *w;
    char err[256] = "";
    assert_int_equal(rt_writer_start(f->path, f->run_id, 0, NULL, NULL, &w, err, sizeof err), 0);
    for (int64_t i = 0; i < 100; i++) {
        struct rt_record r;
        make_record(i == 50 ? 49 : i, &r);
        rt_writer_push(w, &r);
    }
    assert_int_equal(rt_writer_finish(w, err, sizeof err), -1);
    assert_non_null(strstr(err, "seq 49"));
    /* The good rows of the batch are kept. */
    assert_int_equal(count_rows(f->path, f->run_id), 99);
}

static void test_start_errors(void **state)
{
    struct fx *f = *state;
    struct rt_writer *w = (struct rt_writer *)1;
    char err[256] = "";
    assert_int_equal(rt_writer_start(f->path, f->run_id + 100, 0, NULL, NULL, &w, err, sizeof err), -1);
    assert_null(w);
    assert_non_null(strstr(err, "no run"));
    char bad[200];
    snprintf(bad, sizeof bad, "%s/not-a-db", f->dir);
    FILE *fp = fopen(bad, "w");
    fputs("rev_id\n1\n", fp);
    fclose(fp);
    assert_int_equal(rt_writer_start(bad, 1, 0, NULL, NULL, &w, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a revtrace database"));
}

static void test_empty_finish(void **state)
{
    struct fx *f = *state;
    struct rt_writer *w;
    char err[256] = "";
    assert_int_equal(rt_writer_start(f->path, f->run_id, 0, NULL, NULL, &w, err, sizeof err), 0);
    assert_int_equal(rt_writer_finish(w, err, sizeof err), 0);
    assert_int_equal(count_rows(f->path, f->run_id), 0);
}

static void count_fail(void *ctx, const char *why)
{
    int *calls = ctx;
    (*calls)++;
    assert_non_null(strstr(why, "was removed"));
}

/* The database file removed mid-run: on_fail once, and nothing pushed later is written
   (counted as not recorded) even though SQLite could still write the unlinked file. */
static void test_removed_breaks_down(void **state)
{
    struct fx *f = *state;
    struct rt_writer *w;
    char err[256] = "";
    int calls = 0;
    assert_int_equal(rt_writer_start(f->path, f->run_id, 1000, count_fail, &calls, &w, err,
                                     sizeof err), 0);
    struct rt_record r;
    make_record(0, &r);
    rt_writer_push(w, &r);
    assert_true(wait_committed(w, 1));
    assert_int_equal(rt_writer_failed(w), 0);
    assert_int_equal(unlink(f->path), 0);
    for (int i = 0; i < 20000 && !rt_writer_failed(w); i++)
        sleep_ms(1);
    assert_int_equal(rt_writer_failed(w), 1);
    for (int64_t i = 1; i < 10; i++) {
        make_record(i, &r);
        rt_writer_push(w, &r);
    }
    assert_int_equal(rt_writer_finish(w, err, sizeof err), -1);
    assert_non_null(strstr(err, "was removed during the run (9 requests not recorded)"));
    assert_int_equal(calls, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_many_records_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_several_producers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commits_while_running, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locked_database_delays_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_finish, setup, teardown),
        cmocka_unit_test_setup_teardown(test_removed_breaks_down, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
