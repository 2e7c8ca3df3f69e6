/*
 * plan.h - the unit of a load plan: which request to send, and when.  Schedules (capture),
 * replayed traces (replay) and the engine share only this: plain data and one callback type,
 * no HTTP and no storage, so the arithmetic that makes a plan does not depend on the engine.
 */
#ifndef RT_PLAN_H
#define RT_PLAN_H

#include <stddef.h>
#include <stdint.h>

struct rt_request;              /* core/http.h */

struct rt_plan_item {
    int64_t seq;
    int64_t rev_id;             /* 0: none (a proxied request that carried no rev_id) */
    int64_t scheduled_us;       /* after t0; ignored in closed loop */
    /* NULL (every plan but a live one): the load's POST for rev_id.  Else a live source's
       request, sent as it is (core/http.h); borrowed until the engine's on_answer for it. */
    const struct rt_request *req;
};

/* What a live source's next returns when it has nothing now but may have later: the engine
   then waits on the source's wake descriptor (struct rt_engine_live). */
#define RT_PLAN_LATER 2

/* Pull the next item: return 1 (filled), 0 (no more), RT_PLAN_LATER (live sources only), or
   -1 (error, message in err).  The engine clears it->req before each call. */
typedef int (*rt_plan_next_fn)(void *ctx, struct rt_plan_item *it, char *err, size_t errlen);

#endif
