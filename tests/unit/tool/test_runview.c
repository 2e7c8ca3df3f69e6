/*
 * test_runview.c - what a recorded run says, byte for byte, and the session lifecycle's
 * report (struct rt_session_result) for the ends a unit test can reach.
 *
 * The view (tool/runview) is driven through the hooks it hands the session and through
 * rt_runview_end with hand-made results: the summary (complete, interrupted by SIGINT or
 * SIGTERM, shell quoting of the analyze command, zero elapsed), the three fault messages and
 * a failed final status, --quiet, the progress line (live redraws, plain lines every 10 s),
 * the stop notice and the countdown.  These texts are what users and scripts read, so they
 * are pinned whole, escape sequences included.
 *
 * The lifecycle (rt_session_exec) runs for real against a temporary database and a plan of
 * at most one request to a closed local port (refused at once, so no server is needed):
 * a complete run, a plan source that fails, a foreign database refused with exit 2, and a
 * SIGINT during the --start-at countdown.
 *
 * Output goes to the process's stderr, so each saying runs with descriptor 2 redirected to
 * a temporary file that is read back afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "tool/cli.h"
#include "tool/progress.h"
#include "tool/runopts.h"
#include "tool/runview.h"
#include "tool/session.h"

/* ---- stderr capture ---- */

static FILE *cap_file;
static int cap_saved = -1;

static void capture_start(void)
{
    cap_file = tmpfile();
    assert_non_null(cap_file);
    fflush(stderr);
    cap_saved = dup(2);
    assert_true(cap_saved >= 0);
    assert_true(dup2(fileno(cap_file), 2) >= 0);
}

/* What went to stderr since capture_start, NUL-terminated; caller frees. */
static char *capture_end(void)
{
    fflush(stderr);
    dup2(cap_saved, 2);
    close(cap_saved);
    cap_saved = -1;
    long len = ftell(cap_file);
    assert_true(len >= 0);
    char *s = malloc((size_t)len + 1);
    assert_non_null(s);
    rewind(cap_file);
    size_t got = fread(s, 1, (size_t)len, cap_file);
    s[got] = '\0';
    fclose(cap_file);
    cap_file = NULL;
    return s;
}

static void expect_said(char *got, const char *want)
{
    if (strcmp(got, want) != 0)
        fail_msg("said:\n[%s]\nwanted:\n[%s]", got, want);
    free(got);
}

/* ---- the view ---- */

struct view_fx {
    struct rt_run_opts o;
    struct rt_runview v;
    struct rt_session_view hooks;
};

/* A view of cmd over options with db path db; progress_tty 1 (live) or 0 (plain). */
static void view_setup(struct view_fx *f, const char *cmd, const char *db, int live,
                       int quiet)
{
    assert_int_equal(rt_runopt_init(&f->o), 0);
    free(f->o.db_path);
    f->o.db_path = strdup(db);
    assert_non_null(f->o.db_path);
    f->o.progress_tty = live;
    f->o.quiet = quiet;
    rt_runview_init(&f->v, cmd, &f->o, &f->hooks);
}

static void view_teardown(struct view_fx *f)
{
    rt_runopt_free(&f->o);
}

static struct rt_session_result done_result(const char *status, int sig, int64_t records,
                                            int64_t errors, int64_t elapsed_us,
                                            const char *name)
{
    struct rt_session_result r;
    memset(&r, 0, sizeof r);
    r.status = status;
    r.signal = sig;
    r.records = records;
    r.errors = errors;
    r.rows = records;
    r.elapsed_us = elapsed_us;
    snprintf(r.name, sizeof r.name, "%s", name);
    return r;
}

static void test_summary_complete(void **state)
{
    (void)state;
    struct view_fx f;
    view_setup(&f, "capture", "/tmp/x.db", 0, 0);
    struct rt_session_result r = done_result("complete", 0, 120, 3, 4200000,
                                             "capture-20260101T120000Z");
    capture_start();
    rt_runview_end(&f.v, &r);
    expect_said(capture_end(),
                "revtrace: capture complete: 120 requests in 4.20s (28.6/s wall-clock; analyze rates per second of the schedule), 3 errors or "
                "non-2xx; run 'capture-20260101T120000Z' in /tmp/x.db; see: revtrace analyze "
                "--db /tmp/x.db capture-20260101T120000Z\n");
    view_teardown(&f);
}

static void test_summary_interrupted_quoted(void **state)
{
    (void)state;
    struct view_fx f;
    view_setup(&f, "replay", "/tmp/it's a.db", 1, 0);
    /* Stopped during the countdown: nothing sent, no time elapsed. */
    struct rt_session_result r = done_result("interrupted", SIGTERM, 0, 0, 0, "my run");
    capture_start();
    rt_runview_end(&f.v, &r);
    expect_said(capture_end(),
                "revtrace: replay interrupted (SIGTERM): 0 requests in 0us (0.0/s wall-clock; analyze rates per second of the schedule), 0 errors "
                "or non-2xx; run 'my run' in /tmp/it's a.db; see: revtrace analyze --db "
                "'/tmp/it'\\''s a.db' 'my run'\n");

    r = done_result("interrupted", SIGINT, 7, 7, 1500000, "r1");
    capture_start();
    rt_runview_end(&f.v, &r);
    expect_said(capture_end(),
                "revtrace: replay interrupted (SIGINT): 7 requests in 1.50s (4.7/s wall-clock; analyze rates per second of the schedule), 7 errors "
                "or non-2xx; run 'r1' in /tmp/it's a.db; see: revtrace analyze --db "
                "'/tmp/it'\\''s a.db' r1\n");
    view_teardown(&f);
}

static void test_quiet_says_only_errors(void **state)
{
    (void)state;
    struct view_fx f;
    view_setup(&f, "capture", "t.db", 0, 1);
    assert_null(f.hooks.progress);
    assert_null(f.hooks.countdown);
    assert_int_equal(f.hooks.progress_interval_us, RT_PROGRESS_PLAIN_US);
    struct rt_session_result r = done_result("interrupted", SIGINT, 5, 0, 1000000, "q");
    capture_start();
    rt_runview_end(&f.v, &r);
    expect_said(capture_end(), "");

    /* A storage failure is an error: said at once even with --quiet, and the loop's own
       stall of a second or more is warned of at the end. */
    capture_start();
    f.hooks.storage_fault(f.hooks.ctx, "cannot commit requests: database or disk is full", 12,
                          1000000);
    f.hooks.storage_fault(f.hooks.ctx, "the database file t.db was removed during the run", 0,
                          1000000);
    r.max_stall_us = 1500000;
    rt_runview_end(&f.v, &r);
    r.max_stall_us = 999999;
    rt_runview_end(&f.v, &r);
    expect_said(capture_end(),
                "revtrace: capture: cannot commit requests: database or disk is full; stopping "
                "now, nothing more is recorded (waiting up to 1.00s for 12 requests in "
                "flight)\n"
                "revtrace: capture: the database file t.db was removed during the run; "
                "stopping now, nothing more is recorded\n"
                "revtrace: warning: capture: the send loop itself stalled for 1.50s (the "
                "process was stopped or starved of CPU): requests in flight then were charged "
                "it as service time, those due in it as lag\n");
    r.max_stall_us = 0;

    r.fault = RT_SESSION_FAULT_SETUP;
    r.status = "failed";
    snprintf(r.error, sizeof r.error, "t.db is not a revtrace database");
    capture_start();
    rt_runview_end(&f.v, &r);
    expect_said(capture_end(), "revtrace: t.db is not a revtrace database\n");
    view_teardown(&f);
}

static void test_faults(void **state)
{
    (void)state;
    struct view_fx f;
    view_setup(&f, "capture", "/data/t.db", 0, 0);
    struct rt_session_result r = done_result("failed", 0, 10, 0, 2000000, "cap");
    r.fault = RT_SESSION_FAULT_RUN;
    snprintf(r.error, sizeof r.error, "the plan source failed");
    capture_start();
    rt_runview_end(&f.v, &r);
    expect_said(capture_end(), "revtrace: capture: the plan source failed\n");

    r.fault = RT_SESSION_FAULT_BOOKS;
    r.error[0] = '\0';
    r.rows = 9;
    capture_start();
    rt_runview_end(&f.v, &r);
    expect_said(capture_end(),
                "revtrace: capture: internal error: 10 requests recorded but 9 rows written "
                "to /data/t.db (run cap); the run is marked failed\n");

    /* A failure to store the final status comes last: after the summary, or the fault. */
    snprintf(r.finish_error, sizeof r.finish_error, "cannot finish the run: disk I/O error");
    capture_start();
    rt_runview_end(&f.v, &r);
    expect_said(capture_end(),
                "revtrace: capture: internal error: 10 requests recorded but 9 rows written "
                "to /data/t.db (run cap); the run is marked failed\n"
                "revtrace: cannot finish the run: disk I/O error; the run stays marked 'running'\n");
    r.fault = RT_SESSION_FAULT_NONE;
    r.status = "complete";
    capture_start();
    rt_runview_end(&f.v, &r);
    expect_said(capture_end(),
                "revtrace: capture complete: 10 requests in 2.00s (5.0/s wall-clock; analyze rates per second of the schedule), 0 errors or "
                "non-2xx; run 'cap' in /data/t.db; see: revtrace analyze --db /data/t.db cap\n"
                "revtrace: cannot finish the run: disk I/O error; the run stays marked 'running'\n");
    view_teardown(&f);
}

static struct rt_progress snapshot(int64_t elapsed_us, int64_t inflight)
{
    /* 10/s scheduled and 9/s answered since the start: the view's rates (over its window)
     * are the snapshot's own, so a line can be predicted from the snapshot alone. */
    int64_t sched = elapsed_us / 100000, answered = elapsed_us * 9 / 1000000;
    struct rt_progress p = {
        .elapsed_us = elapsed_us, .duration_us = 60000000, .scheduled = sched, .sent = sched,
        .done = answered, .inflight = inflight, .ok_2xx = answered, .p50_us = 12000,
        .p90_us = 30000, .offered_per_s = 10, .achieved_per_s = 9,
    };
    return p;
}

static void test_progress_live_and_stop_notice(void **state)
{
    (void)state;
    struct view_fx f;
    view_setup(&f, "capture", "t.db", 1, 0);
    assert_int_equal(f.hooks.progress_interval_us, RT_PROGRESS_LIVE_US);
    struct rt_progress p1 = snapshot(1000000, 10), p2 = snapshot(2000000, 7);
    char l1[320], l2[320], want[1200];
    rt_progress_format(l1, sizeof l1, &p1, 1);
    rt_progress_format(l2, sizeof l2, &p2, 1);

    capture_start();
    f.hooks.progress(f.hooks.ctx, &p1, 0);
    f.hooks.progress(f.hooks.ctx, &p2, 1);    /* the first signal: announced once */
    f.hooks.progress(f.hooks.ctx, &p2, 1);
    f.hooks.phase_end(f.hooks.ctx);
    f.hooks.phase_end(f.hooks.ctx);           /* a second end says nothing */
    snprintf(want, sizeof want,
             "\r%s\033[K\nrevtrace: capture: stopping; waiting up to 5.00s for 7 requests in "
             "flight (signal again to abandon them)\n\r%s\033[K\r%s\033[K\n", l1, l2, l2);
    expect_said(capture_end(), want);
    view_teardown(&f);

    /* After a second signal, or with nothing in flight, there is nothing to wait for. */
    view_setup(&f, "capture", "t.db", 1, 0);
    struct rt_progress idle = snapshot(2000000, 0);
    rt_progress_format(l1, sizeof l1, &idle, 1);
    capture_start();
    f.hooks.progress(f.hooks.ctx, &p2, 2);
    f.hooks.progress(f.hooks.ctx, &idle, 1);
    f.hooks.phase_end(f.hooks.ctx);
    snprintf(want, sizeof want, "\r%s\033[K\r%s\033[K\n", l2, l1);
    expect_said(capture_end(), want);
    view_teardown(&f);
}

static void test_progress_plain_every_10s(void **state)
{
    (void)state;
    struct view_fx f;
    view_setup(&f, "replay", "t.db", 0, 0);
    struct rt_progress at[] = { snapshot(5000000, 1), snapshot(10000000, 1),
                                snapshot(12000000, 1), snapshot(31000000, 1),
                                snapshot(39000000, 1), snapshot(40000000, 1) };
    char l10[320], l31[320], l40[320], want[1200];
    rt_progress_format(l10, sizeof l10, &at[1], 0);
    rt_progress_format(l31, sizeof l31, &at[3], 0);
    rt_progress_format(l40, sizeof l40, &at[5], 0);
    capture_start();
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
        f.hooks.progress(f.hooks.ctx, &at[i], 0);
    f.hooks.phase_end(f.hooks.ctx);           /* no live line: nothing to end */
    snprintf(want, sizeof want, "revtrace: replay: %s\nrevtrace: replay: %s\n"
             "revtrace: replay: %s\n", l10, l31, l40);
    expect_said(capture_end(), want);
    view_teardown(&f);
}

static void test_countdown(void **state)
{
    (void)state;
    struct view_fx f;
    view_setup(&f, "replay", "t.db", 1, 0);
    capture_start();
    f.hooks.countdown(f.hooks.ctx, 3);
    f.hooks.countdown(f.hooks.ctx, 3);        /* the same second again: no redraw */
    f.hooks.countdown(f.hooks.ctx, 2);
    f.hooks.countdown(f.hooks.ctx, 1);
    f.hooks.phase_end(f.hooks.ctx);
    expect_said(capture_end(),
                "\rrevtrace: replay: starting in 3 s\033[K\rrevtrace: replay: starting in 2 s"
                "\033[K\rrevtrace: replay: starting in 1 s\033[K\n");
    view_teardown(&f);

    /* Plain: the first second, then every tenth. */
    view_setup(&f, "replay", "t.db", 0, 0);
    capture_start();
    for (int64_t s = 25; s >= 1; s--)
        f.hooks.countdown(f.hooks.ctx, s);
    f.hooks.phase_end(f.hooks.ctx);
    expect_said(capture_end(),
                "revtrace: replay: starting in 25 s\nrevtrace: replay: starting in 20 s\n"
                "revtrace: replay: starting in 10 s\n");
    view_teardown(&f);
}

/* ---- the lifecycle ---- */

struct life_fx {
    char dir[64];
    char db[128];
    struct rt_run_opts o;
    struct rt_session s;
    int plan_n;            /* items the plan hands out before it ends */
    int plan_fail;         /* 1: the plan source fails instead of ending */
    int raise_in_countdown;
    int ticks;
};

static int plan_next(void *ctx, struct rt_plan_item *it, char *err, size_t errlen)
{
    struct life_fx *f = ctx;
    if (f->plan_n > 0) {
        f->plan_n--;
        it->seq = 0;
        it->rev_id = 123;
        it->scheduled_us = 0;
        return 1;
    }
    if (f->plan_fail) {
        snprintf(err, errlen, "the trace file went away");
        return -1;
    }
    return 0;
}

static void on_tick(void *ctx, int64_t secs)
{
    struct life_fx *f = ctx;
    (void)secs;
    f->ticks++;
    if (f->raise_in_countdown && f->ticks == 1)
        raise(SIGINT);
}

static int life_setup(void **state)
{
    struct life_fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/rt-test-session.XXXXXX");
    if (!mkdtemp(f->dir) || rt_runopt_init(&f->o) != 0)
        return -1;
    snprintf(f->db, sizeof f->db, "%s/t.db", f->dir);
    free(f->o.db_path);
    f->o.db_path = strdup(f->db);
    char err[256];
    /* Port 1 on the loopback: nothing listens, the connection is refused at once. */
    if (!f->o.db_path || rt_runopt_finish(&f->o, "http://127.0.0.1:1/x", err, sizeof err))
        return -1;
    f->s.cmd = "capture";
    f->s.opts = &f->o;
    f->s.run.kind = "capture";
    f->s.next = plan_next;
    f->s.next_ctx = f;
    *state = f;
    return 0;
}

static int life_teardown(void **state)
{
    struct life_fx *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    rt_runopt_free(&f->o);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* The status of the database's only run ("" when there is none). */
static void run_status(const char *db, char *buf, size_t len)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    buf[0] = '\0';
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    if (sqlite3_prepare_v2(h, "SELECT status FROM runs", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
}

static void exec(struct life_fx *f, struct rt_session_result *res)
{
    struct rt_session_view view = { .countdown = on_tick, .ctx = f };
    rt_session_exec(&f->s, &view, res);
}

static void test_exec_complete(void **state)
{
    struct life_fx *f = *state;
    struct rt_session_result res;
    char status[32];
    f->plan_n = 1;
    f->o.name = strdup("one");
    capture_start();
    exec(f, &res);
    expect_said(capture_end(), "");            /* the lifecycle says nothing */
    assert_int_equal(res.exit_status, RT_EXIT_OK);
    assert_string_equal(res.status, "complete");
    assert_int_equal(res.fault, RT_SESSION_FAULT_NONE);
    assert_int_equal(res.signal, 0);
    assert_string_equal(res.name, "one");
    assert_int_equal(res.records, 1);
    assert_int_equal(res.errors, 1);           /* refused: a network error */
    assert_int_equal(res.rows, 1);
    assert_true(res.elapsed_us >= 0);
    assert_string_equal(res.error, "");
    assert_string_equal(res.finish_error, "");
    run_status(f->db, status, sizeof status);
    assert_string_equal(status, "complete");
}

static void test_exec_plan_fails(void **state)
{
    struct life_fx *f = *state;
    struct rt_session_result res;
    char status[32];
    f->plan_fail = 1;
    exec(f, &res);
    assert_int_equal(res.exit_status, RT_EXIT_RUNTIME);
    assert_string_equal(res.status, "failed");
    assert_int_equal(res.fault, RT_SESSION_FAULT_RUN);
    assert_non_null(strstr(res.error, "the trace file went away"));
    assert_int_equal(strncmp(res.name, "capture-", 8), 0);   /* the default name */
    run_status(f->db, status, sizeof status);
    assert_string_equal(status, "failed");
}

static void test_exec_foreign_database(void **state)
{
    struct life_fx *f = *state;
    struct rt_session_result res;
    FILE *fp = fopen(f->db, "w");
    assert_non_null(fp);
    fputs("these are not the bytes of a database, nor of anything revtrace wrote\n", fp);
    fclose(fp);
    exec(f, &res);
    assert_int_equal(res.exit_status, RT_EXIT_USAGE);
    assert_string_equal(res.status, "failed");
    assert_int_equal(res.fault, RT_SESSION_FAULT_SETUP);
    assert_non_null(strstr(res.error, f->db));
    assert_int_equal(res.records, 0);
    assert_int_equal(res.rows, -1);
}

static void test_exec_signal_in_countdown(void **state)
{
    struct life_fx *f = *state;
    struct rt_session_result res;
    char status[32];
    f->plan_n = 1;
    f->raise_in_countdown = 1;
    f->s.start_at_unix_us = rt_wall_us() + 3000000;
    exec(f, &res);
    assert_int_equal(f->ticks, 1);
    assert_int_equal(res.exit_status, RT_EXIT_SIGINT);
    assert_string_equal(res.status, "interrupted");
    assert_int_equal(res.signal, SIGINT);
    assert_int_equal(res.fault, RT_SESSION_FAULT_NONE);
    assert_int_equal(res.records, 0);
    assert_int_equal(res.elapsed_us, 0);
    assert_int_equal(f->plan_n, 1);            /* nothing was taken from the plan */
    run_status(f->db, status, sizeof status);
    assert_string_equal(status, "interrupted");
    /* The handlers are the process's again: SIGINT is back to its default. */
    struct sigaction sa;
    sigaction(SIGINT, NULL, &sa);
    assert_ptr_equal(sa.sa_handler, SIG_DFL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_complete),
        cmocka_unit_test(test_summary_interrupted_quoted),
        cmocka_unit_test(test_quiet_says_only_errors),
        cmocka_unit_test(test_faults),
        cmocka_unit_test(test_progress_live_and_stop_notice),
        cmocka_unit_test(test_progress_plain_every_10s),
        cmocka_unit_test(test_countdown),
        cmocka_unit_test_setup_teardown(test_exec_complete, life_setup, life_teardown),
        cmocka_unit_test_setup_teardown(test_exec_plan_fails, life_setup, life_teardown),
        cmocka_unit_test_setup_teardown(test_exec_foreign_database, life_setup,
                                        life_teardown),
        cmocka_unit_test_setup_teardown(test_exec_signal_in_countdown, life_setup,
                                        life_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
