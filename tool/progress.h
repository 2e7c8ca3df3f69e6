/*
 * progress.h - what the user sees while a run is going: the progress line's text, from the
 * engine's snapshot (struct rt_progress; its live p50/p90 come from core/hist.h).
 */
#ifndef RT_PROGRESS_H
#define RT_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "core/engine.h"

/*
 * The progress text for p into buf (no newline, no \r).  live: the compact form redrawn on a
 * terminal; else the periodic log-line form.  Returns buf.
 */
char *rt_progress_format(char *buf, size_t len, const struct rt_progress *p, int live);

/*
 * The rates a person can read: the engine's snapshot rates are over its last reporting
 * interval (a quarter second live), so a constant 10/s reads 8.0 and 12.0 in turn.  A
 * rate window keeps the recent snapshots and gives the rates over the last
 * RT_RATE_WINDOW_US (since the start while the run is younger):
 *   offered  = requests scheduled per second;
 *   achieved = HTTP answers (any status) per second, what analyze calls achieved: requests
 *              canceled at a stop and transport errors are not answers, so abandoning the
 *              requests in flight (a second Ctrl-C) cannot show as a burst of "achieved".
 * Once every send is done the offered rate stays the engine's whole-run figure.
 */
#define RT_RATE_WINDOW_US 5000000
#define RT_RATE_SAMPLES 64
struct rt_rate_window {
    struct { int64_t t_us, scheduled, answered; } s[RT_RATE_SAMPLES];
    size_t n;               /* samples kept (the oldest dropped first) */
    size_t next;            /* where the next one goes */
};
/* An empty window: its first sample is the start (time 0, nothing counted). */
void rt_rate_window_init(struct rt_rate_window *w);
/* Add snapshot p to w and set p's offered_per_s and achieved_per_s to w's rates. */
void rt_rate_window_apply(struct rt_rate_window *w, struct rt_progress *p);

#endif
