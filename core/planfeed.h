/*
 * planfeed.h - a plan source read ahead on its own thread, so the send thread never waits for
 * the source's I/O (replay's SQLite reads): the writer's design (core/writer.c) in reverse.
 *
 * A loader thread pulls items from any rt_plan_next_fn into fixed chunks of RT_PLANFEED_CHUNK
 * items and queues them; rt_planfeed_next is itself an rt_plan_next_fn that the engine calls
 * in place of the source.  It takes the feed's lock once per chunk, never per item, and waits
 * (on a condition variable, not spinning) only when no item is ready.  The source's end or
 * error reaches the consumer exactly where it happened in the stream, after every item pulled
 * before it.
 */
#ifndef RT_PLANFEED_H
#define RT_PLANFEED_H

#include <stddef.h>

#include "core/plan.h"

/* Items per chunk: the unit of hand-over and of the read-ahead bound. */
#define RT_PLANFEED_CHUNK 1024

struct rt_planfeed;

/*
 * Start a loader thread that pulls items from next(ctx) ahead of the consumer, at most
 * capacity items (rounded to whole chunks) buffered.  0 and *out, or -1 with err.
 *
 * capacity is rounded up to whole chunks, and to at least two (one the consumer reads while
 * the loader fills the other): the loader is never more than that many items ahead of what
 * rt_planfeed_next has returned, and the feed's memory is fixed at start.  From here until
 * rt_planfeed_stop returns, next(ctx) is called on the loader thread only: nobody else may
 * touch ctx.  Signals are blocked on the loader thread.  Free *out with rt_planfeed_stop.
 */
int rt_planfeed_start(rt_plan_next_fn next, void *ctx, size_t capacity,
                      struct rt_planfeed **out, char *err, size_t errlen);

/*
 * An rt_plan_next_fn over the feed (ctx is the struct rt_planfeed *): 1 item, 0 end,
 * -1 the source's error (its message copied into err).  Called from one consumer thread.
 *
 * The items come in the source's order, none lost or repeated.  Once it has returned 0 or
 * -1, every later call returns the same (and the same message).
 */
int rt_planfeed_next(void *feed, struct rt_plan_item *it, char *err, size_t errlen);

/*
 * Stop the loader (even mid-source), join it and free the feed; NULL is a no-op.
 *
 * The loader stops before its next call to the source, so this waits for at most one call in
 * progress.  Afterwards ctx is the caller's again; the source may have been pulled up to the
 * capacity beyond what the consumer took (items that are dropped here).  Call it from the
 * consumer thread, never while another thread is inside rt_planfeed_next: it frees the
 * lock and the condition variables such a caller would be waiting on.
 */
void rt_planfeed_stop(struct rt_planfeed *f);

#endif
