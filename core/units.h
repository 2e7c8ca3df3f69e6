/*
 * units.h - durations, rates and sizes, parsed and formatted in one place (as wrk's units.c).
 *
 * Durations: a number with us, ms, s, m (or min), h (e.g. "500ms", "1.5s", "2m").  Rates:
 * "N/s", "N/min", "N/h" (also "N/m").  A bare number is refused for both: "--deadline 500"
 * would otherwise silently mean 500 seconds.
 * Sizes: bytes with optional k, M, G (powers of 1024), e.g. "64k".
 * All parsers return 0, or -1 for malformed, negative, non-finite or overflowing input.
 */
#ifndef RT_UNITS_H
#define RT_UNITS_H

#include <stddef.h>
#include <stdint.h>

int rt_parse_duration_us(const char *s, int64_t *out_us);
int rt_parse_rate_per_s(const char *s, double *out_per_s);
int rt_parse_size(const char *s, int64_t *out_bytes);
/* A duration range "1s-5s" (or a single duration, min == max). */
int rt_parse_duration_range(const char *s, int64_t *min_us, int64_t *max_us);
/* A strictly positive finite real number, e.g. a speed factor. */
int rt_parse_positive_real(const char *s, double *out);
/* A non-negative integer that fits int64. */
int rt_parse_count(const char *s, int64_t *out);
/* A ratio: "0.01", "1%" -> 0.01; must lie in [0, 1]. */
int rt_parse_ratio(const char *s, double *out);

/* Human duration: "850us", "12.3ms", "4.20s", "3m05s", "1h02m". Returns buf. */
char *rt_format_duration(char *buf, size_t len, int64_t us);

#endif
