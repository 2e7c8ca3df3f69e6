/*
 * session.h - one recorded load run from start to end, shared by capture and replay:
 * open the store, create the run, start the writer thread, install SIGINT/SIGTERM handlers,
 * wait for --start-at (with a countdown), drive the engine with a progress line, drain the
 * writer, mark the run complete or interrupted, and print the final one-line summary.
 *
 * Like cli.c, this module talks to the user (stderr); it is the common body of two commands.
 */
#ifndef RT_SESSION_H
#define RT_SESSION_H

#include <jansson.h>

#include "core/store.h"
#include "core/engine.h"
#include "tool/runopts.h"

struct rt_session {
    const char *cmd;                  /* "capture" | "replay", for messages */
    struct rt_run_opts *opts;         /* borrowed */
    struct rt_run_new run;            /* kind, target, source, speed, shard, group; the
                                         config_json and t0 are filled by rt_session_run */
    json_t *config;                   /* borrowed; command-specific options already in it;
                                         the shared ones are added by rt_session_run */
    struct rt_load load;
    rt_plan_next_fn next;             /* the plan */
    void *next_ctx;
    int64_t start_at_unix_us;         /* 0: now */
};

/* Run it.  Returns the process exit status: 0, 3 (runtime), 130 or 143. */
int rt_session_run(struct rt_session *s);

#endif
