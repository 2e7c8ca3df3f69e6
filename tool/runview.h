/*
 * runview.h - what the user is told about a recorded run (tool/session): the countdown to
 * --start-at, the progress line (redrawn in place on a terminal, a log line every 10 s
 * otherwise), the notice that a stop was taken, and at the end the errors and the one-line
 * summary.  --quiet leaves the errors alone; the exit status tells of a signal.
 *
 * The session decides what happens and reports it (the view hooks, struct
 * rt_session_result); this module only words it, through the rt_msg_* helpers of tool/cli.
 */
#ifndef RT_RUNVIEW_H
#define RT_RUNVIEW_H

#include <stdint.h>

#include "tool/runopts.h"
#include "tool/progress.h"
#include "tool/session.h"

/* Progress pace: the live line's redraw, the plain log line's period. */
#define RT_PROGRESS_LIVE_US 250000
#define RT_PROGRESS_PLAIN_US 10000000

struct rt_runview {
    const char *cmd;                  /* "capture" | "replay"; borrowed */
    const char *db_path;              /* borrowed (the run options') */
    int64_t deadline_us;              /* the wait the stop notice announces */
    int live;                         /* progress as a redrawn line */
    int quiet;
    int64_t next_plain_us;            /* plain lines: the next one is due at this elapsed */
    int64_t countdown_shown;          /* the countdown's last second said; -1: none yet */
    int stop_announced;
    struct rt_rate_window rates;      /* the progress line's rates (tool/progress.h) */
};

/*
 * Set v up to say a run of cmd (borrowed) with the options o (borrowed; both must outlive
 * v), and fill *hooks with v's hooks for rt_session_exec.  The progress is a live line when
 * o->progress_tty says so, or (auto) when stderr is a terminal; --quiet installs no
 * progress or countdown hook.
 */
void rt_runview_init(struct rt_runview *v, const char *cmd, const struct rt_run_opts *o,
                     struct rt_session_view *hooks);

/*
 * Say how the run ended: the fault's error, else (unless --quiet) the summary line; then
 * the failure to store the run's final status, if any.  On stderr.
 */
void rt_runview_end(const struct rt_runview *v, const struct rt_session_result *res);

#endif
