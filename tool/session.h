/*
 * session.h - one recorded load run from start to end, shared by capture and replay.
 *
 * Two halves.  rt_session_exec is the run's lifecycle: open the store, create the run, start
 * the writer thread, install SIGINT/SIGTERM handlers, wait for --start-at, drive the engine,
 * drain the writer, check the books and mark the run complete, interrupted or failed.  It
 * says nothing: while the run goes it calls the hooks of a view (a countdown tick, a
 * progress snapshot, the end of a live phase), and at the end it reports what happened in a
 * struct rt_session_result.  tool/runview words both (the progress line, the countdown, the
 * stop notice, the errors and the summary).  rt_session_run, what the commands call, is the
 * two together.
 */
#ifndef RT_SESSION_H
#define RT_SESSION_H

#include <jansson.h>
#include <stdint.h>

#include "core/store.h"
#include "core/engine.h"
#include "tool/runopts.h"

struct rt_session {
    const char *cmd;                  /* "capture" | "replay", for messages */
    struct rt_run_opts *opts;         /* borrowed */
    struct rt_run_new run;            /* kind, target, source, speed, shard, group; the
                                         config_json and t0 are filled by the session */
    json_t *config;                   /* borrowed; command-specific options already in it;
                                         the shared ones are added by the session */
    struct rt_load load;
    rt_plan_next_fn next;             /* the plan */
    void *next_ctx;
    int plan_on_loader;               /* 1: call next on a loader thread (core/planfeed) that
                                         reads ahead, for a plan that reads the disk, so the
                                         send thread touches only sockets */
    int64_t start_at_unix_us;         /* 0: now */
    /* A live source (next may return RT_PLAN_WAIT, core/plan.h), e.g. capture --follow: when
       set, called with next_ctx and the monotonic time of scheduled time 0 right before the
       engine starts; it starts the source and gives its wake fd.  0, or -1 with err (the
       run then fails).  The caller stops the source after the session.  Scheduled time 0
       of a live run is the session's start, with no lead: its items are stamped as they
       come, so none is stamped before time 0. */
    int (*live_start)(void *next_ctx, int64_t t0_mono_us, int *wake_fd, char *err,
                      size_t errlen);
    /* A live source whose items carry their own request (it->req, the recording proxy):
       called with next_ctx for each one's outcome (core/engine.h, rt_engine_hooks). */
    void (*on_answer)(void *next_ctx, const struct rt_plan_item *it, const struct rt_record *r,
                      const struct rt_answer *a);
};

/* Where a run failed; it decides how the error is worded. */
enum rt_session_fault {
    RT_SESSION_FAULT_NONE = 0,
    RT_SESSION_FAULT_SETUP,           /* store, run row or writer: error is the message */
    RT_SESSION_FAULT_RUN,             /* the engine, or draining the writer: error is what
                                         went wrong in the command's run */
    RT_SESSION_FAULT_BOOKS,           /* rows on disk differ from the records made: records
                                         and rows say it, error is "" */
};

/* What a run came to: everything needed to say it, filled by rt_session_exec. */
struct rt_session_result {
    int exit_status;                  /* 0, 2 (a foreign or newer database), 3, 130, 143 */
    const char *status;               /* static: the status the run was marked with,
                                         "complete", "interrupted" or "failed" ("failed"
                                         also when no run row was made) */
    int signal;                       /* the first SIGINT/SIGTERM of an interrupted run,
                                         else 0 */
    enum rt_session_fault fault;
    char error[512];                  /* the fault's text, no prefix; "" without one */
    char finish_error[256];           /* non-empty: marking the run's final status failed
                                         (exit 3 unless a signal's status stands) */
    char name[256];                   /* the run's name; "" before it has one */
    int64_t records;                  /* records the engine made */
    int64_t errors;                   /* of them: network errors and non-2xx answers */
    int64_t rows;                     /* the run's rows on disk at the end; -1 when they
                                         were not (or could not be) counted */
    int64_t elapsed_us;               /* scheduled time 0 to the end of sending; >= 0 */
    int64_t max_stall_us;             /* the send loop's longest stall (engine); 0 when it
                                         did not run */
    int64_t client_cpu_us;            /* CPU time (user + system) of the process from the
                                         first send until every record was committed; -1
                                         when the engine did not run */
};

/*
 * How a run reports while it goes.  Every hook may be NULL.  countdown and phase_end are
 * called on the thread that called rt_session_exec; progress on a view thread of the session
 * while the engine sends (one call at a time, never at once with another hook; a snapshot
 * the view has not taken yet is replaced by a newer one).
 */
struct rt_session_view {
    /* Waiting for --start-at: whole seconds left, rounded up; about once a second, and a
       value may come more than once. */
    void (*countdown)(void *ctx, int64_t secs_left);
    /* An engine snapshot.  stopping: 0, 1 after the first SIGINT/SIGTERM (in-flight answers
       are awaited), 2 after the second (they are abandoned); 0 when the stop is the
       storage's (storage_fault). */
    void (*progress)(void *ctx, const struct rt_progress *p, int stopping);
    /* The storage failed for good (why: the writer's error): the run stops at once and
       in-flight requests are abandoned after grace_us; said once, even with --quiet. */
    void (*storage_fault)(void *ctx, const char *why, int64_t inflight, int64_t grace_us);
    /* A live phase (the countdown, the sending) is over; nothing is said until the end. */
    void (*phase_end)(void *ctx);
    void *ctx;                        /* handed to every hook; borrowed */
    int64_t progress_interval_us;     /* how often progress is wanted (the engine's pace) */
};

/*
 * The lifecycle of one run of s (see above), reporting through view (borrowed; its hooks
 * may be NULL) and into *res (overwritten).  Writes nothing to the terminal.  The signal
 * handlers it installs are those of the process, restored before it returns.
 */
void rt_session_exec(struct rt_session *s, const struct rt_session_view *view,
                     struct rt_session_result *res);

/* Run s and say it (tool/runview).  Returns the process exit status: 0, 2, 3, 130 or 143. */
int rt_session_run(struct rt_session *s);

#endif
