/*
 * follow.h - a live plan source that follows a Wikimedia EventStreams `recentchange` stream
 * (capture --follow): one request per kept event as it arrives.
 *
 * A thread of its own reads the stream with libcurl (so the send thread touches only its
 * sockets), parses it with core/sse and keeps events with core/recentchange (the same rules
 * as a saved capture read by replay --trace).  Each kept event becomes `fanout` plan items
 * with its rev ID, scheduled at its arrival (monotonic time since scheduled time 0), queued
 * for the engine; an eventfd tells the engine that items are there (core/plan.h's
 * RT_PLAN_WAIT protocol).  A stream that drops (an error, or the server closing it) is
 * reconnected with Last-Event-ID, after a backoff that doubles from 100 ms to 5 s, so events
 * are neither lost nor repeated; after max_retries connections in a row that deliver no
 * event the source fails.  A 204 answer (the SSE "stop reconnecting") ends it normally.
 * Malformed events are skipped and counted.  Messages (a drop, a reconnect) go to the
 * notice callback, on the follow thread; core/ prints nothing.
 */
#ifndef RT_FOLLOW_H
#define RT_FOLLOW_H

#include <stddef.h>
#include <stdint.h>

#include "core/plan.h"

struct rt_follow_config {
    const char *url;            /* the stream (borrowed for the source's life) */
    const char *wiki;           /* kept wiki; NULL: wikidatawiki */
    int fanout;                 /* requests per kept event, >= 1 */
    int max_retries;            /* failed connections in a row before giving up; 0: 8 */
    int insecure;               /* 1: do not verify the stream's TLS certificate */
    /* A connection that brings no byte for this long is dropped and resumed like any
       other drop (a stalled server or proxy that keeps the socket open would otherwise
       hold the run forever).  0: RT_FOLLOW_IDLE_US. */
    int64_t idle_us;
    /* Called on the follow thread with a one-line message (no prefix, no newline). */
    void (*notice)(void *ctx, const char *msg);
    void *notice_ctx;
};

#define RT_FOLLOW_IDLE_US 60000000    /* the recentchange stream carries events every second */

struct rt_follow_stats {
    int64_t events;             /* events read */
    int64_t kept;               /* of them kept (edit/new of the wiki) */
    int64_t skipped_wiki, skipped_type, malformed;
    int64_t items;              /* plan items made (kept x fanout) */
    int64_t connects;           /* successful connections (the first included) */
    int64_t drops;              /* drops resumed (the stream came back after them) */
    int64_t gap_us_total, gap_us_max;   /* from a drop to the resumed stream's first byte */
    int ended;                  /* 1: the server said 204 (no more events) */
};

struct rt_follow;

/* A source for cfg (copied; the strings borrowed), not started.  0 and *out, or -1 with err.
   Free with rt_follow_free. */
int rt_follow_new(const struct rt_follow_config *cfg, struct rt_follow **out, char *err,
                  size_t errlen);

/*
 * Start reading (the signature of rt_session.live_start): items are scheduled at their
 * arrival minus t0_mono_us (0 for events that come before it).  *wake_fd is the eventfd the
 * engine watches.  0, or -1 with err.
 */
int rt_follow_start(void *f, int64_t t0_mono_us, int *wake_fd, char *err, size_t errlen);

/* The rt_plan_next_fn (ctx is the struct rt_follow *): 1, RT_PLAN_WAIT, 0 at the stream's
   end, -1 when it failed (err says why).  seq counts from 0. */
int rt_follow_next(void *f, struct rt_plan_item *it, char *err, size_t errlen);

/* A snapshot of the counters (thread-safe). */
void rt_follow_get_stats(struct rt_follow *f, struct rt_follow_stats *out);

/* Stop the thread (closing the stream) and join it; the counters are final after it.
   Safe to call twice. */
void rt_follow_stop(struct rt_follow *f);

/* rt_follow_stop, then free f; NULL is a no-op. */
void rt_follow_free(struct rt_follow *f);

#endif
