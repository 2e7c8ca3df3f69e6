/*
 * session.c - one recorded run from start to end, the common body of capture and replay
 * (see session.h).
 *
 * Order matters for "nothing lost, nothing half-written": every input check happens in the
 * command before we are called; here the database is opened (refusing a foreign or newer
 * file with exit 2 before anything is written), the run row is created as 'running', the
 * writer thread takes over the disk, and only then does the engine send.  Whatever happens
 * next, the run ends with a status: 'complete', 'interrupted' (a signal; rows kept) or
 * 'failed' (exit 3).  A kill -9 leaves it 'running' with every row up to the writer's last
 * commit.
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
 */
#include "tool/session.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool/cli.h"
#include "core/clock.h"
#include "tool/progress.h"
#include "core/units.h"
#include "core/writer.h"

#define RT_SESSION_LEAD_US 100000
#define RT_PROGRESS_LIVE_US 250000
#define RT_PROGRESS_PLAIN_US 10000000

static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t first_signal;

static void on_signal(int sig)
{
    if (!first_signal)
        first_signal = sig;
    if (stop_flag < 2)
        stop_flag = stop_flag + 1;
}

struct sess_ctx {
    struct rt_session *s;
    struct rt_writer *writer;          /* borrowed */
    int live;                          /* progress as a redrawn line */
    int quiet;
    int line_drawn;
    int64_t next_plain_us;             /* plain lines: the next one is due at this elapsed */
    int stop_announced;
    int64_t records, errors;
};

static void on_record(void *ctx, struct rt_record *r)
{
    struct sess_ctx *c = ctx;
    c->records++;
    if (r->error || r->status < 200 || r->status >= 300)
        c->errors++;
    rt_writer_push(c->writer, r);
}

static void end_line(struct sess_ctx *c)
{
    if (c->line_drawn) {
        fputc('\n', stderr);
        c->line_drawn = 0;
    }
}

static void on_progress(void *ctx, const struct rt_progress *p)
{
    struct sess_ctx *c = ctx;
    char line[320];
    if (c->quiet)
        return;
    if (stop_flag && !c->stop_announced && p->inflight > 0 && stop_flag < 2) {
        char dl[32];
        end_line(c);
        rt_format_duration(dl, sizeof dl, c->s->opts->http.deadline_us);
        fprintf(stderr, "revtrace: %s: stopping; waiting up to %s for %lld requests in flight "
                "(signal again to abandon them)\n", c->s->cmd, dl, (long long)p->inflight);
        c->stop_announced = 1;
    }
    if (c->live) {
        rt_progress_format(line, sizeof line, p, 1);
        fprintf(stderr, "\r%s\033[K", line);
        c->line_drawn = 1;
    } else if (p->elapsed_us >= c->next_plain_us) {
        /* Every RT_PROGRESS_PLAIN_US; the engine's final report is left to the summary. */
        while (c->next_plain_us <= p->elapsed_us)
            c->next_plain_us += RT_PROGRESS_PLAIN_US;
        rt_progress_format(line, sizeof line, p, 0);
        fprintf(stderr, "revtrace: %s: %s\n", c->s->cmd, line);
    }
    fflush(stderr);
}

/* Wait for the wall-clock time t_unix_us with a countdown; 0, or -1 when a signal came. */
static int countdown(struct sess_ctx *c, int64_t t_unix_us)
{
    int64_t last_shown = -1;
    for (;;) {
        if (stop_flag)
            return -1;
        int64_t left = t_unix_us - rt_wall_us();
        if (left <= RT_SESSION_LEAD_US)
            return 0;
        int64_t secs = (left + 999999) / 1000000;
        if (!c->quiet && secs != last_shown &&
            (c->live || last_shown < 0 || secs % 10 == 0)) {
            if (c->live) {
                fprintf(stderr, "\rrevtrace: %s: starting in %lld s\033[K", c->s->cmd,
                        (long long)secs);
                c->line_drawn = 1;
            } else {
                fprintf(stderr, "revtrace: %s: starting in %lld s\n", c->s->cmd,
                        (long long)secs);
            }
            fflush(stderr);
            last_shown = secs;
        }
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

/* Quote a string for a POSIX shell only when it needs it (for the printed analyze command). */
static void shell_word(char *buf, size_t len, const char *w)
{
    if (w[0] && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                          "-_./:=+@%,") == strlen(w)) {
        snprintf(buf, len, "%s", w);
        return;
    }
    size_t k = 0;
    if (k + 1 < len)
        buf[k++] = '\'';
    for (const char *p = w; *p && k + 5 < len; p++) {
        if (*p == '\'') {
            memcpy(buf + k, "'\\''", 4);
            k += 4;
        } else {
            buf[k++] = *p;
        }
    }
    if (k + 1 < len)
        buf[k++] = '\'';
    buf[k] = '\0';
}

int rt_session_run(struct rt_session *s)
{
    struct rt_run_opts *o = s->opts;
    struct rt_store *db = NULL;
    struct rt_writer *writer = NULL;
    json_t *own_config = NULL;
    char *config_text = NULL;
    char err[512] = "";
    int64_t run_id = -1;
    char uuid[37] = "";
    char name[256];
    int rc = RT_EXIT_RUNTIME;
    const char *status = "failed";
    struct sigaction sa, old_int, old_term, old_pipe;
    int handlers = 0;
    int64_t end_mono = 0;
    struct sess_ctx c = { .s = s, .quiet = o->quiet, .next_plain_us = RT_PROGRESS_PLAIN_US };

    c.live = o->progress_tty >= 0 ? o->progress_tty : isatty(STDERR_FILENO);
    stop_flag = 0;
    first_signal = 0;

    int orc = rt_store_open(o->db_path, RT_STORE_READWRITE, &db, err, sizeof err);
    if (orc != 0) {
        rt_msg_error("%s", err);
        return rt_exit_for_store(orc);
    }

    json_t *config = s->config;
    if (!config)
        config = own_config = json_object();
    rt_runopt_to_json(o, config);
    config_text = config ? json_dumps(config, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (!config_text) {
        rt_msg_error("out of memory");
        goto out;
    }

    /* Scheduled time 0, on both clocks. */
    int64_t wall_now = rt_wall_us(), mono_now = rt_mono_us();
    int64_t t0_wall = wall_now + RT_SESSION_LEAD_US;
    if (s->start_at_unix_us > t0_wall)
        t0_wall = s->start_at_unix_us;
    int64_t t0_mono = mono_now + (t0_wall - wall_now);

    if (o->name)
        snprintf(name, sizeof name, "%s", o->name);
    else
        default_name(name, sizeof name, s->run.kind, wall_now);
    struct rt_run_new rn = s->run;
    rn.name = name;
    rn.target = rn.target ? rn.target : o->http.url;
    char *target_redacted = rt_url_redact(rn.target);
    if (target_redacted)
        rn.target = target_redacted;
    rn.config_json = config_text;
    rn.t0_unix_us = t0_wall;
    int crc = rt_store_run_create(db, &rn, &run_id, uuid, err, sizeof err);
    free(target_redacted);
    if (crc != 0) {
        rt_msg_error("%s", err);
        run_id = -1;
        goto out;
    }
    if (rt_writer_start(o->db_path, run_id, 0, &writer, err, sizeof err) != 0) {
        rt_msg_error("%s", err);
        goto out;
    }
    c.writer = writer;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;        /* no SA_RESTART: a signal should cut the poll short */
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &old_pipe);
    handlers = 1;

    if (s->start_at_unix_us > wall_now + RT_SESSION_LEAD_US) {
        if (countdown(&c, t0_wall) != 0)
            goto stopped;
        end_line(&c);
        /* Re-map the clocks right before the start: the countdown slept for a while. */
        t0_mono = rt_mono_us() + (t0_wall - rt_wall_us());
    }

    struct rt_engine_hooks hooks = {
        .next = s->next, .next_ctx = s->next_ctx,
        .on_record = on_record, .record_ctx = &c,
        .on_progress = o->quiet ? NULL : on_progress, .progress_ctx = &c,
        .progress_interval_us = c.live ? RT_PROGRESS_LIVE_US : RT_PROGRESS_PLAIN_US,
        .stop = &stop_flag,
    };
    struct rt_engine_result res;
    memset(&res, 0, sizeof res);
    int erc = rt_engine_run(&o->http, &s->load, &hooks, t0_mono, &res, err, sizeof err);
    end_mono = rt_mono_us();
    end_line(&c);
    int wrc = rt_writer_finish(writer, err[0] ? err + strlen(err) : err,
                               sizeof err - strlen(err));
    writer = NULL;
    if (erc != 0 || wrc != 0) {
        rt_msg_error("%s: %s", s->cmd, err);
        goto out;
    }
    /* The last word on "nothing lost": the rows on disk are the records the engine made. */
    int64_t rows = count_rows(db, run_id);
    if (rows != c.records || c.records != res.done) {
        rt_msg_error("%s: internal error: %lld requests recorded but %lld rows written to %s "
                     "(run %s); the run is marked failed", s->cmd, (long long)c.records,
                     (long long)rows, o->db_path, name);
        goto out;
    }

stopped:
    if (writer) {
        end_line(&c);
        if (rt_writer_finish(writer, err, sizeof err) != 0) {
            writer = NULL;
            rt_msg_error("%s: %s", s->cmd, err);
            goto out;
        }
        writer = NULL;
        end_mono = rt_mono_us();
    }
    status = stop_flag ? "interrupted" : "complete";
    rc = !stop_flag ? RT_EXIT_OK : first_signal == SIGTERM ? RT_EXIT_SIGTERM : RT_EXIT_SIGINT;
    if (!o->quiet) {     /* --quiet: the exit status alone tells of a signal */
        double secs = (double)(end_mono - t0_mono) / 1e6;
        if (secs <= 0)
            secs = 0;
        char dbw[600], nw[600], el[32];
        shell_word(dbw, sizeof dbw, o->db_path);
        shell_word(nw, sizeof nw, name);
        rt_format_duration(el, sizeof el, end_mono > t0_mono ? end_mono - t0_mono : 0);
        fprintf(stderr,
                "revtrace: %s %s%s: %lld requests in %s (%.1f/s), %lld errors or non-2xx; "
                "run '%s' in %s; see: revtrace analyze --db %s %s\n",
                s->cmd, status, stop_flag ? (first_signal == SIGTERM ? " (SIGTERM)"
                                                                     : " (SIGINT)") : "",
                (long long)c.records, el, secs > 0 ? (double)c.records / secs : 0.0,
                (long long)c.errors, name, o->db_path, dbw, nw);
    }

out:
    if (writer) {
        char e2[256];
        rt_writer_finish(writer, e2, sizeof e2);
    }
    if (handlers) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        sigaction(SIGPIPE, &old_pipe, NULL);
    }
    if (db && run_id >= 0) {
        char e3[256];
        if (rt_store_run_finish(db, run_id, status, e3, sizeof e3) != 0) {
            rt_msg_error("%s", e3);
            if (rc == RT_EXIT_OK)
                rc = RT_EXIT_RUNTIME;
        }
    }
    if (db)
        rt_store_close(db);
    free(config_text);
    json_decref(own_config);
    return rc;
}
