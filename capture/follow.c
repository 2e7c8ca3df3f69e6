/*
 * follow.c - capture --follow: the run's plan is core/follow, a live source that turns each
 * kept event of the stream into --fanout requests at its arrival; tool/session records it
 * like any capture (kind 'capture', scheduled_us = arrival), so it replays like any other.
 * The stream's notices (a drop, the resume) are said as they happen, and a summary line of
 * what the stream gave follows the run's.
 */
#include "capture/follow.h"

#include <jansson.h>

#include "core/follow.h"
#include "core/recentchange.h"
#include "tool/cli.h"
#include "tool/session.h"

static void on_notice(void *ctx, const char *msg)
{
    (void)ctx;
    rt_msg_status("capture", "%s", msg);
}

static json_t *follow_json(const struct capture_follow_opts *o)
{
    json_t *c = json_object();
    json_object_set_new(c, "command", json_string("capture"));
    json_object_set_new(c, "model", json_string("follow"));
    json_object_set_new(c, "follow", json_string(o->stream_url));
    json_object_set_new(c, "wiki", json_string(o->wiki ? o->wiki : RT_RC_DEFAULT_WIKI));
    json_object_set_new(c, "fanout", json_integer(o->fanout));
    json_object_set_new(c, "stream_idle_us",
                        json_integer(o->idle_us > 0 ? o->idle_us : RT_FOLLOW_IDLE_US));
    json_object_set_new(c, "duration_us", o->duration_us ? json_integer(o->duration_us)
                                                         : json_null());
    json_object_set_new(c, "requests", o->requests ? json_integer(o->requests) : json_null());
    return c;
}

static void say_stats(const struct capture_follow_opts *o, const struct rt_follow_stats *st)
{
    rt_msg_info("followed %s: %lld events, kept %lld %s edit/new (%lld requests, fanout %d), "
                "skipped %lld (other wikis %lld, other types %lld, malformed %lld); %lld "
                "drop%s resumed (gap total %.3f s, longest %.3f s)%s",
                o->stream_url, (long long)st->events, (long long)st->kept,
                o->wiki ? o->wiki : RT_RC_DEFAULT_WIKI, (long long)st->items, o->fanout,
                (long long)(st->skipped_wiki + st->skipped_type + st->malformed),
                (long long)st->skipped_wiki, (long long)st->skipped_type,
                (long long)st->malformed, (long long)st->drops, st->drops == 1 ? "" : "s",
                (double)st->gap_us_total / 1e6, (double)st->gap_us_max / 1e6,
                st->ended ? "; the stream ended" : "");
}

int capture_follow(struct rt_run_opts *run, const struct capture_follow_opts *o)
{
    struct rt_follow_config fc = {
        .url = o->stream_url, .wiki = o->wiki, .fanout = o->fanout,
        .insecure = run->http.insecure, .notice = on_notice, .idle_us = o->idle_us,
    };
    struct rt_follow *f = NULL;
    char err[512];
    if (rt_follow_new(&fc, &f, err, sizeof err) != 0) {
        rt_msg_error("%s", err);
        return RT_EXIT_RUNTIME;
    }
    json_t *config = follow_json(o);
    struct rt_session s = { 0 };
    s.cmd = "capture";
    s.opts = run;
    s.run.name = run->name;
    s.run.kind = "capture";
    s.run.target = run->http.url;
    s.config = config;
    s.load.duration_us = o->duration_us;
    s.load.max_requests = o->requests;
    s.next = rt_follow_next;
    s.next_ctx = f;
    s.live_start = rt_follow_start;
    int rc = rt_session_run(&s);
    rt_follow_stop(f);
    struct rt_follow_stats st;
    rt_follow_get_stats(f, &st);
    say_stats(o, &st);
    rt_follow_free(f);
    json_decref(config);
    return rc;
}
