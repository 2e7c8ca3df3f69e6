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

#endif
