/*
 * units.h - durations, rates and sizes, parsed and formatted in one place (as wrk's units.c).
 *
 * Durations: a number with us, ms, s, m (or min), h (e.g. "500ms", "1.5s", "2m").  Rates:
 * "N/s", "N/min", "N/h" (also "N/m").  A bare number is refused for both: "--deadline 500"
 * would otherwise silently mean 500 seconds.
 * Sizes: bytes with optional k, M, G (powers of 1024), e.g. "64k".
 * All parsers return 0, or -1 for malformed, negative, non-finite or overflowing input.
 *
 * Shared rules: the whole string must be consumed (no leading or trailing space); the
 * number is strtod's (except for counts), so "1.5", "1e3", a leading '+' and hex are
 * accepted, and a '-' is refused as negative; suffixes are case-sensitive and follow the
 * number with no space.  The output is written only on success, so a default set before the
 * call survives a refusal.  Strings are borrowed and not kept.
 */
#ifndef RT_UNITS_H
#define RT_UNITS_H

#include <stddef.h>
#include <stdint.h>

/*
 * A duration into microseconds, rounded to the nearest: suffix us, ms, s, m or min, h
 * ("500ms", "1.5s", "2min").  A unit is required: a bare number ("5", even "0") is refused.
 * 0 is accepted ("0s").  Refused above about 292,000 years (int64 microseconds).
 */
int rt_parse_duration_us(const char *s, int64_t *out_us);
/*
 * A rate into events per second: suffix /s, /min (or /m), /h ("50/s", "120/min").  A unit
 * is required: a bare number is refused.  0 is accepted ("0/s"); callers that need a
 * positive rate check it themselves.
 */
int rt_parse_rate_per_s(const char *s, double *out_per_s);
/*
 * A size into bytes, rounded to the nearest: a bare number or suffix B is bytes; k, K or
 * KiB, M or MiB, G or GiB are powers of 1024 ("64k" = 65536, "1.5M").  No decimal (kB, MB)
 * units.  Refused at or above about 8 EiB.
 */
int rt_parse_size(const char *s, int64_t *out_bytes);
/*
 * A duration range "MIN-MAX" with each side a duration as above ("1s-5s", "500ms-2s"); a bare
 * left side takes the right side's unit ("1-5s" = 1s-5s).  A single duration gives
 * min == max.  Refused when min > max or either side is refused.
 */
int rt_parse_duration_range(const char *s, int64_t *min_us, int64_t *max_us);
/* A strictly positive finite real number without a unit, e.g. a speed factor ("0.5", "2"). */
int rt_parse_positive_real(const char *s, double *out);
/* A non-negative decimal integer that fits int64, digits only (no sign, no unit, no "1e3"). */
int rt_parse_count(const char *s, int64_t *out);
/* A ratio: a bare fraction or a percentage ("0.01", "1%" -> 0.01); must lie in [0, 1]. */
int rt_parse_ratio(const char *s, double *out);

/*
 * Human duration: "850us", "12.3ms", "4.20s", "3m05s", "1h02m" (minutes and hours are
 * truncated, not rounded); negative values get a "-".  Writes at most len bytes into buf,
 * truncating (24 bytes always suffice).  Returns buf.
 */
char *rt_format_duration(char *buf, size_t len, int64_t us);

#endif
