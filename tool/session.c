/*
 * session.c - one recorded run from start to end, the common body of capture and replay
 * (see session.h).  This file is the lifecycle; tool/runview.c says it.
 *
 * Order matters for "nothing lost, nothing half-written": every input check happens in the
 * command before we are called; here the database is opened (refusing a foreign or newer
 * file with exit 2 before anything is written), the run row is created as 'running', the
 * writer thread takes over the disk, and only then does the engine send.  Whatever happens
 * next, the run ends with a status: 'complete', 'interrupted' (a signal; rows kept) or
 * 'failed' (exit 3).  A kill -9 leaves it 'running' with every row up to the writer's last
 * commit.  The writer is finished in one place (drain), whichever way the run got there.
 *
 * At the end the rows the run holds in the database are counted against the records the
 * engine made; a difference fails the run (exit 3) with a message, even with --quiet.
 *
 * Scheduled time 0 is set a little in the future (RT_SESSION_LEAD_US) so that setting up the
 * engine does not make the first sends late; with --start-at it is that wall-clock time, and
 * the wall and monotonic clocks are read back to back to map one onto the other.
 *
 * Signals: the first SIGINT/SIGTERM sets the stop flag (the engine stops scheduling and
 * waits for in-flight answers up to the deadline); a second one makes it give up on them.
 * The exit status names the first signal (130 or 143); with --quiet it is the only word of it.
 *
 * Storage failure stops the run like a signal, with its own cause: when the writer breaks down
 * (a batch that cannot be written: disk full, I/O error, read-only; or the database file
 * removed), its callback, on the writer thread, sends SIGUSR1 to the thread running the
 * session, whose handler sets the stop flag (scheduling stops at once) and arms alarm() for
 * RT_SESSION_GRACE_S, after which SIGALRM abandons what is still in flight: nothing more can
 * be recorded anyway.  The view is told why at once (from the progress hook the engine calls
 * when it takes the stop); the run ends 'failed', exit 3.  A SIGUSR1 from elsewhere, with the
 * storage sound, does nothing.
 *
 * A SIGBUS (SQLite's -shm file is memory-mapped: made immutable, or its filesystem gone, a
 * write to it faults) cannot be recovered from: the handler writes a message and _exits 3;
 * the run stays 'running' with every row of its last commit.
 *
 * A plan that reads the disk (replay --from: SQLite) runs on a loader thread (core/planfeed)
 * that reads ahead of the engine, so the send thread touches only sockets.  For the same
 * reason the progress display runs on a view thread: the engine's snapshot is copied into a
 * mailbox (a mutex and a condition variable; the latest snapshot wins) and the view thread
 * hands it to the view, so formatting and writing the line never hold up a send.
 *
 * The lifecycle says nothing itself: it hands the view what happens while the run goes and
 * fills a struct rt_session_result at its end, so that the wording has one home and a test.
 */
#include "tool/session.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/planfeed.h"
#include "core/units.h"
#include "core/writer.h"
#include "tool/cli.h"
#include "tool/runview.h"

#define RT_SESSION_LEAD_US 100000
/* Plan items a loader may read ahead of the send thread (plan_on_loader): 16 chunks, 384 KiB,
   some seconds of sending at 20,000/s, so a slow disk read never starves the sender. */
#define RT_SESSION_FEED_ITEMS (16 * RT_PLANFEED_CHUNK)

/* In-flight requests are abandoned this long after the storage failed. */
#define RT_SESSION_GRACE_S 1

/* Written by the handlers, read by every send thread and the view thread: lock-free atomics,
   which a handler may use (a volatile sig_atomic_t is only for the thread it interrupts). */
static atomic_int stop_flag;
static atomic_int first_signal;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the signal handlers need lock-free atomic ints");
static _Atomic int storage_failed;        /* set by the writer thread, then SIGUSR1 */
static char storage_why[256];             /* written before storage_failed is set */
static char bus_message[768];             /* the SIGBUS handler's words, made in advance */

static void on_signal(int sig)
{
    if (!atomic_load(&first_signal))
        atomic_store(&first_signal, sig);
    if (atomic_load(&stop_flag) < 2)
        atomic_fetch_add(&stop_flag, 1);
}

/* SIGUSR1 from the writer's callback: stop scheduling now, abandon in-flight soon. */
static void on_storage_signal(int sig)
{
    (void)sig;
    if (!atomic_load(&storage_failed))
        return;
    if (atomic_load(&stop_flag) < 1)
        atomic_store(&stop_flag, 1);
    alarm(RT_SESSION_GRACE_S);
}

static void on_alarm(int sig)
{
    (void)sig;
    if (atomic_load(&storage_failed) && atomic_load(&stop_flag) < 2)
        atomic_store(&stop_flag, 2);
}

static void on_bus(int sig)
{
    (void)sig;
    ssize_t w = write(STDERR_FILENO, bus_message, strlen(bus_message));
    (void)w;
    _exit(RT_EXIT_RUNTIME);
}
/* The progress mailbox between the send thread and the view thread (see the opening
   comment). */
struct mailbox {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct rt_progress snap;            /* guarded by mu */
    int full, closed;                   /* guarded by mu */
    pthread_t thread;
};

/* One run on its way: what rt_session_exec holds and what it has counted so far. */
struct sess {
    struct rt_session *s;                 /* borrowed */
    const struct rt_session_view *view;   /* borrowed */
    struct rt_session_result *res;        /* borrowed: filled as the run goes */
    struct rt_store *db;                     /* owned; NULL until opened */
    struct rt_writer *writer;             /* owned from its start until drained, else NULL */
    int64_t run_id;                       /* -1 until the run row exists */
    int64_t wall_now;                     /* the wall clock when time 0 was chosen */
    int64_t t0_wall, t0_mono;             /* scheduled time 0 on both clocks */
    int64_t end_mono;                     /* the end of sending */
    int64_t cpu0_us;                      /* the process's CPU time as sending began */
    int ran;                              /* 1: the engine ran */
    int engine_rc;                        /* what rt_engine_run returned */
    int64_t done;                         /* requests the engine finished */
    /* Records made and, of them, errors: on_record may run on several send threads at
       once (a closed loop's --threads), so they are counted here, then put in res. */
    _Atomic int_fast64_t records, errors;
    struct sigaction old_int, old_term, old_pipe, old_usr1, old_alrm, old_bus;
    int handlers;                         /* 1: the old_* actions are to be restored */
    pthread_t thread;                     /* the thread running the session (signals) */
    int storage_announced;                /* the view was told of the storage failure */
    struct mailbox box;                   /* progress, when the view shows it */
};

/* CPU time (user + system) the process has used, µs; -1 when unknown. */
static int64_t process_cpu_us(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -1;
    return ((int64_t)ru.ru_utime.tv_sec + (int64_t)ru.ru_stime.tv_sec) * 1000000 +
           (int64_t)ru.ru_utime.tv_usec + (int64_t)ru.ru_stime.tv_usec;
}

static void on_record(void *ctx, struct rt_record *r)
{
    struct sess *x = ctx;
    atomic_fetch_add_explicit(&x->records, 1, memory_order_relaxed);
    if (r->error || r->status < 200 || r->status >= 300)
        atomic_fetch_add_explicit(&x->errors, 1, memory_order_relaxed);
    rt_writer_push(x->writer, r);
}

/* The engine's hook, on the send thread: post the snapshot, never wait for the terminal. */
static void on_progress(void *ctx, const struct rt_progress *p)
{
    struct mailbox *b = &((struct sess *)ctx)->box;
    pthread_mutex_lock(&b->mu);
    b->snap = *p;
    b->full = 1;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

/* Say a storage failure once (even with --quiet: it is an error), then the progress.  Also
   the engine's progress callback without a view thread (--quiet, or none could start): the
   view is then called on the send thread. */
static void show(void *ctx, const struct rt_progress *p)
{
    struct sess *x = ctx;
    if (!x->storage_announced && atomic_load(&storage_failed)) {
        x->storage_announced = 1;
        if (x->view->storage_fault)
            x->view->storage_fault(x->view->ctx, storage_why, p->inflight,
                                   RT_SESSION_GRACE_S * 1000000LL);
    }
    /* The signal notice is for a signal's stop only. */
    if (x->view->progress)
        x->view->progress(x->view->ctx, p,
                          atomic_load(&first_signal) ? atomic_load(&stop_flag) : 0);
}

/* The view thread: show each snapshot posted, until the mailbox is closed and empty. */
static void *view_main(void *arg)
{
    prctl(PR_SET_NAME, "rt-view");   /* top -H, perf --comm */
    struct sess *x = arg;
    struct mailbox *b = &x->box;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (!b->full && !b->closed)
            pthread_cond_wait(&b->cv, &b->mu);
        if (!b->full)
            break;
        struct rt_progress p = b->snap;
        b->full = 0;
        pthread_mutex_unlock(&b->mu);
        show(x, &p);
        pthread_mutex_lock(&b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

/* Start the view thread (signals stay with the send loop).  0, or -1: progress is then shown
   from the send thread as before. */
static int view_start(struct sess *x)
{
    struct mailbox *b = &x->box;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    b->full = b->closed = 0;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&b->thread, NULL, view_main, x);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&b->cv);
        pthread_mutex_destroy(&b->mu);
        return -1;
    }
    return 0;
}

/* After the engine: the last snapshot is shown, then the thread ends. */
static void view_stop(struct sess *x)
{
    struct mailbox *b = &x->box;
    pthread_mutex_lock(&b->mu);
    b->closed = 1;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->thread, NULL);
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
}

/* The writer's callback (on its thread): the storage failed for good; stop the run. */
static void on_storage_fail(void *ctx, const char *why)
{
    struct sess *x = ctx;
    snprintf(storage_why, sizeof storage_why, "%s", why);
    atomic_store(&storage_failed, 1);
    pthread_kill(x->thread, SIGUSR1);
}

static void phase_end(struct sess *x)
{
    if (x->view->phase_end)
        x->view->phase_end(x->view->ctx);
}

/* Wait for the wall-clock time t_unix_us, ticking the view's countdown; 0, or -1 when a
   signal came. */
static int countdown(struct sess *x, int64_t t_unix_us)
{
    for (;;) {
        if (atomic_load(&stop_flag))
            return -1;
        int64_t left = t_unix_us - rt_wall_us();
        if (left <= RT_SESSION_LEAD_US)
            return 0;
        if (x->view->countdown)
            x->view->countdown(x->view->ctx, (left + 999999) / 1000000);
        /* Sleep to the next whole second before the start, or to the start's lead. */
        int64_t step = left - RT_SESSION_LEAD_US;
        if (step > 1000000)
            step = (left - RT_SESSION_LEAD_US) % 1000000;
        if (step <= 0)
            step = 1000000;
        rt_sleep_until_us(rt_mono_us() + step);
    }
}

/* The rows of run run_id in the requests table, or -1 when they cannot be counted. */
static int64_t count_rows(struct rt_store *db, int64_t run_id)
{
    int64_t n = -1;
    if (rt_store_count_requests(db, run_id, &n, NULL, 0) != 0)
        return -1;
    return n;
}

static void default_name(char *buf, size_t len, const char *kind, int64_t unix_us)
{
    char iso[40];
    rt_iso8601_utc_s(iso, sizeof iso, unix_us);     /* 2026-11-24T12:00:00Z */
    char compact[40];
    size_t k = 0;
    for (const char *p = iso; *p && k + 1 < sizeof compact; p++)
        if (*p != '-' && *p != ':')
            compact[k++] = *p;
    compact[k] = '\0';
    snprintf(buf, len, "%s-%s", kind, compact);
}

/* Refuse a foreign or newer file with exit 2 before anything is written. */
static int open_store(struct sess *x)
{
    struct rt_session_result *res = x->res;
    int orc = rt_store_open(x->s->opts->db_path, RT_STORE_READWRITE, &x->db, res->error,
                         sizeof res->error);
    if (orc != 0) {
        res->fault = RT_SESSION_FAULT_SETUP;
        res->exit_status = rt_exit_for_store(orc);
        return -1;
    }
    return 0;
}

/* The run's config_json: the command's options and the shared ones.  Caller frees; NULL
   when out of memory. */
static char *config_text(struct rt_session *s)
{
    json_t *own_config = NULL;
    json_t *config = s->config;
    if (!config)
        config = own_config = json_object();
    rt_runopt_to_json(s->opts, config);
    char *text = config ? json_dumps(config, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(own_config);
    return text;
}

/* Choose scheduled time 0 and the run's name, and create the run row as 'running'. */
static int create_run(struct sess *x)
{
    struct rt_session *s = x->s;
    struct rt_run_opts *o = s->opts;
    struct rt_session_result *res = x->res;
    char *config = config_text(s);
    if (!config) {
        snprintf(res->error, sizeof res->error, "out of memory");
        res->fault = RT_SESSION_FAULT_SETUP;
        return -1;
    }

    /* Scheduled time 0, on both clocks. */
    int64_t wall_now = rt_wall_us(), mono_now = rt_mono_us();
    x->wall_now = wall_now;
    x->t0_wall = wall_now + (s->live_start ? 0 : RT_SESSION_LEAD_US);
    if (s->start_at_unix_us > x->t0_wall)
        x->t0_wall = s->start_at_unix_us;
    x->t0_mono = mono_now + (x->t0_wall - wall_now);

    if (o->name)
        snprintf(res->name, sizeof res->name, "%s", o->name);
    else
        default_name(res->name, sizeof res->name, s->run.kind, wall_now);
    struct rt_run_new rn = s->run;
    rn.name = res->name;
    rn.target = rn.target ? rn.target : o->http.url;
    char *target_redacted = rt_url_redact(rn.target);
    if (target_redacted)
        rn.target = target_redacted;
    rn.config_json = config;
    rn.t0_unix_us = x->t0_wall;
    char uuid[37] = "";
    int crc = rt_store_run_create(x->db, &rn, &x->run_id, uuid, res->error, sizeof res->error);
    free(target_redacted);
    free(config);
    if (crc != 0) {
        res->fault = RT_SESSION_FAULT_SETUP;
        x->run_id = -1;
        return -1;
    }
    return 0;
}

static int start_writer(struct sess *x)
{
    struct rt_session_result *res = x->res;
    if (rt_writer_start(x->s->opts->db_path, x->run_id, 0, on_storage_fail, x, &x->writer,
                        res->error, sizeof res->error) != 0) {
        res->fault = RT_SESSION_FAULT_SETUP;
        return -1;
    }
    return 0;
}

static void install_handlers(struct sess *x)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);     /* one handler at a time: no count lost between */
    sigaddset(&sa.sa_mask, SIGTERM);    /* a SIGINT and a SIGTERM arriving together */
    sigaddset(&sa.sa_mask, SIGUSR1);    /* and the storage's stop */
    sigaddset(&sa.sa_mask, SIGALRM);
    sa.sa_flags = 0;        /* no SA_RESTART: a signal should cut the poll short */
    sigaction(SIGINT, &sa, &x->old_int);
    sigaction(SIGTERM, &sa, &x->old_term);
    sa.sa_handler = on_storage_signal;
    sigaction(SIGUSR1, &sa, &x->old_usr1);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, &x->old_alrm);
    snprintf(bus_message, sizeof bus_message, "revtrace: %s: bus error (SIGBUS) on a "
             "memory-mapped file, most likely the database's shared-memory file %s-shm "
             "(made immutable, or its filesystem gone); the run stays 'running' with the "
             "rows of its last commit\n", x->s->cmd, x->s->opts->db_path);
    sa.sa_handler = on_bus;
    sigaction(SIGBUS, &sa, &x->old_bus);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &x->old_pipe);
    x->handlers = 1;
}

static void restore_handlers(struct sess *x)
{
    if (x->handlers) {
        sigaction(SIGINT, &x->old_int, NULL);
        sigaction(SIGTERM, &x->old_term, NULL);
        sigaction(SIGPIPE, &x->old_pipe, NULL);
        alarm(0);
        sigaction(SIGUSR1, &x->old_usr1, NULL);
        sigaction(SIGALRM, &x->old_alrm, NULL);
        sigaction(SIGBUS, &x->old_bus, NULL);
        x->handlers = 0;
    }
}

/* With --start-at: wait for it, counting down.  0 to go on, -1 when a signal came first. */
static int wait_start(struct sess *x)
{
    if (x->s->start_at_unix_us <= x->wall_now + RT_SESSION_LEAD_US)
        return 0;
    int rc = countdown(x, x->t0_wall);
    phase_end(x);
    if (rc == 0)    /* Re-map the clocks right before the start: the countdown slept. */
        x->t0_mono = rt_mono_us() + (x->t0_wall - rt_wall_us());
    return rc;
}

/* Send the plan: the engine runs until the plan ends or a signal stops it. */
static void drive(struct sess *x)
{
    struct rt_session *s = x->s;
    const struct rt_session_view *v = x->view;
    struct rt_engine_hooks hooks = {
        .next = s->next, .next_ctx = s->next_ctx,
        .on_record = on_record, .record_ctx = x,
        .on_progress = show, .progress_ctx = x,  /* also tells a storage fault */
        .progress_interval_us = v->progress_interval_us,
        .stop = &stop_flag,
        .on_answer = s->on_answer, .answer_ctx = s->next_ctx,
    };
    struct rt_planfeed *feed = NULL;
    if (s->live_start) {
        hooks.live = 1;
        if (s->live_start(s->next_ctx, x->t0_mono, &hooks.live_fd, x->res->error,
                          sizeof x->res->error) != 0) {
            x->engine_rc = -1;
            return;
        }
    }
    if (s->plan_on_loader) {
        if (rt_planfeed_start(s->next, s->next_ctx, RT_SESSION_FEED_ITEMS, &feed,
                              x->res->error, sizeof x->res->error) != 0) {
            x->engine_rc = -1;
            return;
        }
        hooks.next = rt_planfeed_next;
        hooks.next_ctx = feed;
    }
    int viewing = v->progress && view_start(x) == 0;
    if (viewing)
        hooks.on_progress = on_progress;     /* posted to the view thread */
    struct rt_engine_result er;
    memset(&er, 0, sizeof er);
    x->cpu0_us = process_cpu_us();
    x->engine_rc = rt_engine_run(&s->opts->http, &s->load, &hooks, x->t0_mono, &er,
                                 x->res->error, sizeof x->res->error);
    x->end_mono = rt_mono_us();
    if (viewing)
        view_stop(x);
    rt_planfeed_stop(feed);
    x->done = er.done;
    x->res->records = atomic_load(&x->records);
    x->res->errors = atomic_load(&x->errors);
    x->res->max_stall_us = er.max_stall_us;
    x->ran = 1;
    phase_end(x);
}

/* Finish the writer: every queued record is committed.  The one place the writer is
   finished; its error goes after the engine's (a run fault either way). */
static void drain(struct sess *x)
{
    struct rt_session_result *res = x->res;
    size_t used = strlen(res->error);
    int wrc = rt_writer_finish(x->writer, res->error + used, sizeof res->error - used);
    x->writer = NULL;
    /* The run's own cost: from the first send until the last record was committed. */
    int64_t cpu = process_cpu_us();
    res->client_cpu_us = x->ran && x->cpu0_us >= 0 && cpu >= x->cpu0_us ? cpu - x->cpu0_us : -1;
    if (!x->ran)
        x->end_mono = rt_mono_us();
    if (x->engine_rc != 0 || wrc != 0)
        res->fault = RT_SESSION_FAULT_RUN;
}

/* The last word on "nothing lost": the rows on disk are the records the engine made. */
static void check_books(struct sess *x)
{
    struct rt_session_result *res = x->res;
    res->rows = count_rows(x->db, x->run_id);
    if (res->rows != res->records || res->records != x->done)
        res->fault = RT_SESSION_FAULT_BOOKS;
}

/* The run's final status and exit status, once it did not fail. */
static void settle(struct sess *x)
{
    struct rt_session_result *res = x->res;
    if (res->fault != RT_SESSION_FAULT_NONE)
        return;
    int64_t elapsed = x->end_mono - x->t0_mono;
    res->elapsed_us = elapsed > 0 ? elapsed : 0;
    if (!atomic_load(&stop_flag)) {
        res->status = "complete";
        res->exit_status = RT_EXIT_OK;
        return;
    }
    res->status = "interrupted";
    res->signal = atomic_load(&first_signal);
    res->exit_status = res->signal == SIGTERM ? RT_EXIT_SIGTERM : RT_EXIT_SIGINT;
}

/* Restore the signal handlers, store the run's final status, close the store. */
static void close_run(struct sess *x)
{
    struct rt_session_result *res = x->res;
    restore_handlers(x);
    /* The run's own cost, for analyze; a failure here shows in the status write below. */
    if (x->db && x->run_id >= 0 && x->ran)
        (void)rt_store_run_set_cost(x->db, x->run_id, res->max_stall_us, res->client_cpu_us,
                                    NULL, 0);
    if (x->db && x->run_id >= 0) {
        if (rt_store_run_finish(x->db, x->run_id, res->status, res->finish_error,
                             sizeof res->finish_error) != 0) {
            if (res->exit_status == RT_EXIT_OK)
                res->exit_status = RT_EXIT_RUNTIME;
        }
    }
    if (x->db)
        rt_store_close(x->db);
    x->db = NULL;
}

void rt_session_exec(struct rt_session *s, const struct rt_session_view *view,
                     struct rt_session_result *res)
{
    struct sess x = { .s = s, .view = view, .res = res, .run_id = -1 };
    memset(res, 0, sizeof *res);
    res->status = "failed";
    res->exit_status = RT_EXIT_RUNTIME;
    res->rows = -1;
    res->client_cpu_us = -1;
    atomic_store(&stop_flag, 0);
    atomic_store(&first_signal, 0);
    atomic_store(&storage_failed, 0);
    x.thread = pthread_self();

    if (open_store(&x) == 0 && create_run(&x) == 0) {
        install_handlers(&x);       /* before the writer: its failure is a SIGUSR1 */
        if (start_writer(&x) == 0) {
            if (wait_start(&x) == 0)
                drive(&x);
            drain(&x);
            if (x.ran && res->fault == RT_SESSION_FAULT_NONE)
                check_books(&x);
            settle(&x);
        }
    }
    close_run(&x);
}

int rt_session_run(struct rt_session *s)
{
    struct rt_runview v;
    struct rt_session_view view;
    struct rt_session_result res;
    rt_runview_init(&v, s->cmd, s->opts, &view);
    rt_session_exec(s, &view, &res);
    rt_runview_end(&v, &res);
    return res.exit_status;
}
