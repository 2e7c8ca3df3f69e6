/*
 * engine.h - the send loop: a libcurl multi engine that issues requests at their scheduled
 * times (open loop) or as closed-loop users, measures each one and hands the outcome to a
 * callback.  capture and replay both drive it; neither has its own loop.
 *
 * Open loop: the engine pulls plan items (seq, rev_id, scheduled_us) from a source in order
 * and sends each at t0 + scheduled_us, however slow the server is; when --max-inflight
 * requests are outstanding, sends wait (their lag is recorded, their latency still counts from
 * the scheduled time).  Closed loop (locust-compatible): users start at spawn_rate per second;
 * each sends, waits for the answer, waits uniform(wait_min, wait_max), sends again; the
 * rev IDs still come from the source, the times from the users.
 *
 * The engine never touches the disk: on_record is expected to queue (rt_writer_push).
 * A closed loop may be sent by several threads (rt_load.threads), an engine each.
 */
#ifndef RT_ENGINE_H
#define RT_ENGINE_H

#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/http.h"
#include "core/plan.h"
#include "core/record.h"

struct rt_load {
    int closed_loop;            /* 0: open loop from the plan's schedule */
    int users;                  /* closed loop */
    double spawn_rate_per_s;    /* closed loop: users started per second */
    int64_t wait_min_us, wait_max_us;   /* closed loop think time */
    int64_t duration_us;        /* stop scheduling after this; 0: no limit */
    int64_t max_requests;       /* stop after this many; 0: no limit */
    uint64_t seed;              /* closed loop think times */
    /* Closed loop: send threads, each with its share of the users (user u goes to thread
       u mod threads), its own connections and its share of --max-inflight; the calling
       thread is one of them.  0 or 1: one, the calling thread.  More than users: users.
       With more than one, next is called under a lock from any of them, on_record from
       any of them (possibly at once), on_progress with the sum of their snapshots, one call
       at a time (from the calling thread, then, once its own users are done, from the
       others).  Never more threads than --max-inflight: each has a share of it. */
    int threads;
};

/* A snapshot for the progress line. */
struct rt_progress {
    int64_t elapsed_us;
    int64_t duration_us;        /* 0 when unknown */
    int64_t scheduled, sent, done, inflight;
    int64_t ok_2xx, http_errors, net_errors;  /* done = ok + http (non-2xx) + net errors */
    int64_t p50_us, p90_us;     /* of the 2xx latencies so far (log-bucket estimate) */
    double offered_per_s, achieved_per_s;     /* over the last interval */
    int64_t total_requests;     /* the --requests limit; 0 when there is none */
    int sends_done;             /* 1: nothing more will be sent; offered_per_s is then the
                                   rate over the whole run (first to last send) */
};

/* The upstream's answer to an item sent with its own request (it->req), for on_answer. */
struct rt_answer {
    int status;                 /* the HTTP status; 0: no answer (the record's error says why) */
    const char *headers;        /* the header lines as received ("Name: value\r\n" each,
                                   the status line left out); valid during the call only */
    size_t headers_len;
    const char *body;           /* the answer (up to max_body_bytes); during the call only */
    size_t body_len;
};

struct rt_engine_hooks {
    rt_plan_next_fn next;  void *next_ctx;
    /* A live source (next may return RT_PLAN_WAIT, core/plan.h): live = 1 and live_fd its
       wake descriptor (an eventfd or a pipe's read end, non-blocking), which the engine
       watches in its epoll set and drains (read) before pulling again.  Open loop only.
       With a live source --duration ends the run on the clock, even when no item comes. */
    int live;  int live_fd;
    /* A live source's items with their own request (it->req, the recording proxy): each
       one's outcome, exactly once, just before its record: sent and answered, failed, or
       never sent (r->sent_us -1); refusals (it->req->refuse) aside.  On the send thread;
       must be quick.  NULL: not wanted. */
    void (*on_answer)(void *ctx, const struct rt_plan_item *it, const struct rt_record *r,
                      const struct rt_answer *a);
    void *answer_ctx;
    /* Called for each finished request; may take ownership of r->body.  r->answer is lent
       for the call only (rt_writer_push copies it). */
    void (*on_record)(void *ctx, struct rt_record *r);  void *record_ctx;
    /* Called about every progress_interval_us from the send thread; must be quick.  Without
       on_progress the interval is ignored: nothing wakes the loop for a report. */
    void (*on_progress)(void *ctx, const struct rt_progress *p);  void *progress_ctx;
    int64_t progress_interval_us;
    /* Set asynchronously (signal handler) to stop scheduling; in-flight requests then get
       up to the deadline to finish.  1: stop; due-but-unsent requests become records with
       sent_us -1 and error "canceled".  >= 2 (a second signal): in-flight requests are
       abandoned too, recorded as "canceled".  An atomic, not a volatile sig_atomic_t: with
       several send threads (rt_load.threads) threads other than the handler's read it. */
    atomic_int *stop;
};

struct rt_engine_result {
    int64_t scheduled, sent, done;
    int stopped;                /* 1 when *stop ended the run early */
    int64_t max_stall_us;       /* the longest the send loop came back later than it meant
                                   to (its own stall: SIGSTOP, CPU starvation) */
};

/* The send threads rt_engine_run runs load with: load->threads for a closed loop, at most
   one per user and one per --max-inflight slot; 1 otherwise. */
int rt_engine_send_threads(const struct rt_load *load, const struct rt_http_config *http);

/*
 * Run the load.  t0_mono_us is the monotonic time of scheduled time 0.  Returns 0, or -1
 * when the engine could not be set up or the plan source failed (err says why).  Failed
 * requests are records, not errors.
 */
int rt_engine_run(const struct rt_http_config *http, const struct rt_load *load,
                  const struct rt_engine_hooks *hooks, int64_t t0_mono_us,
                  struct rt_engine_result *res, char *err, size_t errlen);

#endif
