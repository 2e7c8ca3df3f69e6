/*
 * recentchange.h - one Wikimedia EventStreams `recentchange` event (its JSON), decoded into
 * what a load test needs: is it an edit of the wiki we follow, its revision ID, its time.
 *
 * The saved-capture reader (core/rctrace.c) and the live follow mode (capture --follow) both
 * use it, so a file and a live stream keep exactly the same events.  Kept: `wiki` equal to the
 * chosen wiki (wikidatawiki by default) and `type` "edit" or "new".  A kept event must carry
 * `revision.new` (a positive integer) and `meta.dt` (ISO-8601 UTC, fractional seconds kept to
 * the microsecond); other events are only classified, not checked further.
 */
#ifndef RT_RECENTCHANGE_H
#define RT_RECENTCHANGE_H

#include <stddef.h>
#include <stdint.h>

#define RT_RC_DEFAULT_WIKI "wikidatawiki"

enum rt_rc_class {
    RT_RC_KEEP = 0,         /* an edit/new of the chosen wiki: rev_id and t_unix_us set */
    RT_RC_OTHER_WIKI = 1,   /* another wiki (or no wiki field) */
    RT_RC_OTHER_TYPE = 2,   /* the chosen wiki, but a log, categorize, ... event */
};

struct rt_rc_event {
    enum rt_rc_class cls;
    int64_t rev_id;         /* revision.new (RT_RC_KEEP only) */
    int64_t t_unix_us;      /* meta.dt (RT_RC_KEEP only) */
};

/*
 * Decode one event's JSON (len bytes, need not be NUL-terminated).  wiki NULL means
 * RT_RC_DEFAULT_WIKI.  Returns 0 with *ev filled, or -1 with what is wrong in err (not
 * JSON, not an object, a kept event without a usable revision.new or meta.dt).
 */
int rt_rc_decode(const char *json, size_t len, const char *wiki, struct rt_rc_event *ev,
                 char *err, size_t errlen);

#endif
