/*
 * clock.h - time: the monotonic clock that all scheduling uses, the wall clock read once per
 * run for t0, and ISO-8601 UTC conversions.
 */
#ifndef RT_CLOCK_H
#define RT_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in microseconds. */
int64_t rt_mono_us(void);
/* CLOCK_REALTIME in microseconds since the Unix epoch. */
int64_t rt_wall_us(void);
/* Sleep until the monotonic time target_us (absolute; returns early on a signal). */
void rt_sleep_until_us(int64_t target_us);
/* Ask the kernel for 1 ns timer slack on this thread (Linux; no-op elsewhere). */
void rt_clock_tight_timers(void);

/* "2026-11-24T12:00:00.123456Z" into buf (at least 32 bytes). Returns buf. */
char *rt_iso8601_utc(char *buf, size_t len, int64_t unix_us);
/* Seconds precision: "2026-11-24T12:00:00Z". */
char *rt_iso8601_utc_s(char *buf, size_t len, int64_t unix_us);

/*
 * Parse a UTC time: ISO-8601 "YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+00:00]" (a space may replace
 * the T) or Unix seconds with an optional fraction ("1732449600.25").  Returns 0 or -1.
 */
int rt_parse_time_utc(const char *s, int64_t *unix_us);

#endif
