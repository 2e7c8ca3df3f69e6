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

/*
 * Pull the next item: return 1 (filled), 0 (no more), or -1 (error, message in err).
 * A live source (one whose items arrive while the run goes, e.g. capture --follow) may also
 * return RT_PLAN_WAIT: no item yet, more may come.  It then has a wake descriptor that
 * becomes readable when an item (or the end) is ready, and the caller pulls again after
 * draining it (core/engine.h: rt_engine_hooks.live_fd).  Never return it without one.
 * The engine clears it->req before each call.
 */
#define RT_PLAN_WAIT 2
typedef int (*rt_plan_next_fn)(void *ctx, struct rt_plan_item *it, char *err, size_t errlen);

#endif
