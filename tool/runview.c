/*
 * runview.c - the words of a recorded run (see runview.h): the view hooks the session calls
 * while the run goes, and the end (errors, summary).
 *
 * The summary names the run and the database and ends with the analyze command to paste;
 * its path and name are quoted for a POSIX shell only when they need it.  A signal shows
 * twice: the stop notice when it is taken (with requests still in flight) and the summary's
 * "interrupted (SIGINT)"; with --quiet only the exit status tells of it.
 */
#include "tool/runview.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tool/cli.h"
#include "tool/progress.h"
#include "core/units.h"

static void on_countdown(void *ctx, int64_t secs)
{
    struct rt_runview *v = ctx;
    /* Live: every second; plain: the first, then every tenth. */
    if (secs == v->countdown_shown ||
        !(v->live || v->countdown_shown < 0 || secs % 10 == 0))
        return;
    if (v->live)
        rt_msg_live(v->cmd, "starting in %lld s", (long long)secs);
    else
        rt_msg_status(v->cmd, "starting in %lld s", (long long)secs);
    v->countdown_shown = secs;
}

static void on_progress(void *ctx, const struct rt_progress *snap, int stopping)
{
    struct rt_runview *v = ctx;
    char line[320];
    struct rt_progress smoothed = *snap, *p = &smoothed;
    rt_rate_window_apply(&v->rates, p);
    /* After the first signal only: after a second one nothing is awaited any more. */
    if (stopping == 1 && !v->stop_announced && p->inflight > 0) {
        char dl[32];
        rt_format_duration(dl, sizeof dl, v->deadline_us);
        rt_msg_status(v->cmd, "stopping; waiting up to %s for %lld requests in flight "
                      "(signal again to abandon them)", dl, (long long)p->inflight);
        v->stop_announced = 1;
    }
    if (v->live) {
        rt_progress_format(line, sizeof line, p, 1);
        rt_msg_live(NULL, "%s", line);
    } else if (p->elapsed_us >= v->next_plain_us) {
        /* Every RT_PROGRESS_PLAIN_US; the engine's final report is left to the summary. */
        while (v->next_plain_us <= p->elapsed_us)
            v->next_plain_us += RT_PROGRESS_PLAIN_US;
        rt_progress_format(line, sizeof line, p, 0);
        rt_msg_status(v->cmd, "%s", line);
    }
}

static void on_storage_fault(void *ctx, const char *why, int64_t inflight, int64_t grace_us)
{
    struct rt_runview *v = ctx;
    char g[32];
    rt_format_duration(g, sizeof g, grace_us);
    if (inflight > 0)
        rt_msg_error("%s: %s; stopping now, nothing more is recorded (waiting up to %s for "
                     "%lld requests in flight)", v->cmd, why, g, (long long)inflight);
    else
        rt_msg_error("%s: %s; stopping now, nothing more is recorded", v->cmd, why);
}

/* Say the loop's own stall when it is this long (runs.max_loop_stall_us always has it). */
#define RT_RUNVIEW_STALL_WARN_US 1000000

static void on_phase_end(void *ctx)
{
    (void)ctx;
    rt_msg_live_end();
}

void rt_runview_init(struct rt_runview *v, const char *cmd, const struct rt_run_opts *o,
                     struct rt_session_view *hooks)
{
    memset(v, 0, sizeof *v);
    v->cmd = cmd;
    v->db_path = o->db_path;
    v->deadline_us = o->http.deadline_us;
    v->live = o->progress_tty >= 0 ? o->progress_tty : isatty(STDERR_FILENO);
    v->quiet = o->quiet;
    v->next_plain_us = RT_PROGRESS_PLAIN_US;
    v->countdown_shown = -1;
    rt_rate_window_init(&v->rates);
    char proxy[600];
    rt_runopt_proxy_line(o, proxy, sizeof proxy);
    if (proxy[0] && !v->quiet)
        rt_msg_info("%s: sending %s", cmd, proxy);
    memset(hooks, 0, sizeof *hooks);
    hooks->countdown = v->quiet ? NULL : on_countdown;
    hooks->progress = v->quiet ? NULL : on_progress;
    hooks->storage_fault = on_storage_fault;     /* an error: said even with --quiet */
    hooks->phase_end = on_phase_end;
    hooks->ctx = v;
    hooks->progress_interval_us = v->live ? RT_PROGRESS_LIVE_US : RT_PROGRESS_PLAIN_US;
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

static void say_summary(const struct rt_runview *v, const struct rt_session_result *res)
{
    double secs = (double)res->elapsed_us / 1e6;
    char dbw[600], nw[600], el[32];
    shell_word(dbw, sizeof dbw, v->db_path);
    shell_word(nw, sizeof nw, res->name);
    rt_format_duration(el, sizeof el, res->elapsed_us);
    const char *sig = !res->signal ? "" : res->signal == SIGTERM ? " (SIGTERM)" : " (SIGINT)";
    /* The rate here is over the wall time, the last answers' wait included; analyze's rates
     * are per second of the schedule window, so the two are named apart. */
    rt_msg_info("%s %s%s: %lld requests in %s (%.1f/s wall-clock; analyze rates per second "
                "of the schedule), %lld errors or non-2xx; run '%s' in %s; see: revtrace "
                "analyze --db %s %s",
                v->cmd, res->status, sig, (long long)res->records, el,
                secs > 0 ? (double)res->records / secs : 0.0, (long long)res->errors,
                res->name, v->db_path, dbw, nw);
}

void rt_runview_end(const struct rt_runview *v, const struct rt_session_result *res)
{
    switch (res->fault) {
    case RT_SESSION_FAULT_SETUP:
        rt_msg_error("%s", res->error);
        break;
    case RT_SESSION_FAULT_RUN:
        rt_msg_error("%s: %s", v->cmd, res->error);
        break;
    case RT_SESSION_FAULT_BOOKS:
        rt_msg_error("%s: internal error: %lld requests recorded but %lld rows written to %s "
                     "(run %s); the run is marked failed", v->cmd, (long long)res->records,
                     (long long)res->rows, v->db_path, res->name);
        break;
    case RT_SESSION_FAULT_NONE:
        if (!v->quiet)     /* --quiet: the exit status alone tells of a signal */
            say_summary(v, res);
        break;
    }
    if (res->max_stall_us >= RT_RUNVIEW_STALL_WARN_US) {
        char st[32];
        rt_format_duration(st, sizeof st, res->max_stall_us);
        rt_msg_warn("%s: the send loop itself stalled for %s (the process was stopped or "
                    "starved of CPU): requests in flight then were charged it as service "
                    "time, those due in it as lag", v->cmd, st);
    }
    if (res->finish_error[0])
        rt_msg_error("%s; the run stays marked 'running'", res->finish_error);
}
