/*
 * follow.h - `capture URL --follow STREAM_URL`: a capture whose requests come from a live
 * EventStreams stream (core/follow) instead of a workload model.
 */
#ifndef RT_CAPTURE_FOLLOW_H
#define RT_CAPTURE_FOLLOW_H

#include <stdint.h>

#include "tool/runopts.h"

struct capture_follow_opts {
    const char *stream_url;     /* borrowed from argv */
    const char *wiki;           /* NULL: wikidatawiki */
    int fanout;                 /* requests per kept event (>= 1) */
    int64_t duration_us;        /* 0: until the stream ends or a signal */
    int64_t requests;           /* 0: no limit */
    int64_t idle_us;            /* --stream-idle; 0: core/follow's default */
};

/* Record the run (tool/session) and say what the stream gave.  Returns the exit status. */
int capture_follow(struct rt_run_opts *run, const struct capture_follow_opts *o);

#endif
