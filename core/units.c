/*
 * units.c - parsing of durations, rates, sizes, ratios; formatting of durations.
 *
 * strtod does the number; we insist that the whole string is consumed, so "5 s" or "5sx"
 * are refused rather than silently read as 5.
 */
#include "core/units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_number(const char *s, double *v, const char **rest)
{
    char *end;
    if (!s || !*s || isspace((unsigned char)*s))   /* strtod would skip any of them */
        return -1;
    errno = 0;
    *v = strtod(s, &end);
    if (end == s || errno == ERANGE || !isfinite(*v))
        return -1;
    /* strtod accepts hex and "inf"/"nan"; the isfinite check drops the latter. */
    *rest = end;
    return 0;
}

int rt_parse_duration_us(const char *s, int64_t *out_us)
{
    static const struct { const char *suffix; double us; } units[] = {
        { "us", 1.0 }, { "ms", 1e3 }, { "s", 1e6 }, { "m", 60e6 }, { "min", 60e6 },
        { "h", 3600e6 },
    };
    double v;
    const char *rest;
    if (parse_number(s, &v, &rest) != 0 || v < 0)
        return -1;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(rest, units[i].suffix) == 0) {
            double us = v * units[i].us;
            if (us > 9.2e18)
                return -1;
            *out_us = (int64_t)llround(us);
            return 0;
        }
    }
    return -1;
}

int rt_parse_rate_per_s(const char *s, double *out_per_s)
{
    double v;
    const char *rest;
    if (parse_number(s, &v, &rest) != 0 || v < 0)
        return -1;
    double div;
    if (strcmp(rest, "/s") == 0)
        div = 1.0;
    else if (strcmp(rest, "/min") == 0 || strcmp(rest, "/m") == 0)
        div = 60.0;
    else if (strcmp(rest, "/h") == 0)
        div = 3600.0;
    else
        return -1;
    *out_per_s = v / div;
    return 0;
}

int rt_parse_size(const char *s, int64_t *out_bytes)
{
    double v;
    const char *rest;
    if (parse_number(s, &v, &rest) != 0 || v < 0)
        return -1;
    double mul;
    if (*rest == '\0' || strcmp(rest, "B") == 0)
        mul = 1;
    else if (strcmp(rest, "k") == 0 || strcmp(rest, "K") == 0 || strcmp(rest, "KiB") == 0)
        mul = 1024.0;
    else if (strcmp(rest, "M") == 0 || strcmp(rest, "MiB") == 0)
        mul = 1024.0 * 1024;
    else if (strcmp(rest, "G") == 0 || strcmp(rest, "GiB") == 0)
        mul = 1024.0 * 1024 * 1024;
    else
        return -1;
    if (v * mul > 9.2e18)
        return -1;
    *out_bytes = (int64_t)llround(v * mul);
    return 0;
}

int rt_parse_duration_range(const char *s, int64_t *min_us, int64_t *max_us)
{
    const char *dash = s ? strchr(s, '-') : NULL;
    if (!dash) {
        if (rt_parse_duration_us(s, min_us) != 0)
            return -1;
        *max_us = *min_us;
        return 0;
    }
    char left[64];
    size_t n = (size_t)(dash - s);
    if (n == 0 || n >= sizeof left)
        return -1;
    memcpy(left, s, n);
    left[n] = '\0';
    int64_t a, b;
    /* "1-5s": the unit of the right side applies to a bare left side. */
    if (rt_parse_duration_us(dash + 1, &b) != 0)
        return -1;
    char *end;
    double bare = strtod(left, &end);
    if (*end == '\0' && end != left) {
        /* the unit is the right side's trailing letters ("2e3ms" -> "ms", not "e3ms") */
        const char *unit = dash + 1 + strlen(dash + 1);
        while (unit > dash + 1 && ((unit[-1] >= 'a' && unit[-1] <= 'z') ||
                                   (unit[-1] >= 'A' && unit[-1] <= 'Z')))
            unit--;
        char buf[80];
        snprintf(buf, sizeof buf, "%.17g%s", bare, unit);
        if (rt_parse_duration_us(buf, &a) != 0)
            return -1;
    } else if (rt_parse_duration_us(left, &a) != 0) {
        return -1;
    }
    if (a > b)
        return -1;
    *min_us = a;
    *max_us = b;
    return 0;
}

int rt_parse_positive_real(const char *s, double *out)
{
    double v;
    const char *rest;
    if (parse_number(s, &v, &rest) != 0 || *rest || !(v > 0))
        return -1;
    *out = v;
    return 0;
}

int rt_parse_count(const char *s, int64_t *out)
{
    char *end;
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || errno == ERANGE || v < 0)
        return -1;
    *out = v;
    return 0;
}

int rt_parse_ratio(const char *s, double *out)
{
    double v;
    const char *rest;
    if (parse_number(s, &v, &rest) != 0)
        return -1;
    if (strcmp(rest, "%") == 0)
        v /= 100.0;
    else if (*rest)
        return -1;
    if (v < 0 || v > 1)
        return -1;
    *out = v;
    return 0;
}

char *rt_format_duration(char *buf, size_t len, int64_t us)
{
    const char *sign = us < 0 ? "-" : "";
    /* negate in unsigned arithmetic: -INT64_MIN does not fit int64 */
    uint64_t mag = us < 0 ? 0 - (uint64_t)us : (uint64_t)us;
    int64_t a = mag > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)mag;
    if (a < 1000)
        snprintf(buf, len, "%s%lldus", sign, (long long)a);
    else if (a < 1000000)
        snprintf(buf, len, "%s%.1fms", sign, (double)a / 1e3);
    else if (a < 60000000)
        snprintf(buf, len, "%s%.2fs", sign, (double)a / 1e6);
    else if (a < 3600000000LL)
        snprintf(buf, len, "%s%lldm%02llds", sign, (long long)(a / 60000000),
                 (long long)(a / 1000000 % 60));
    else
        snprintf(buf, len, "%s%lldh%02lldm", sign, (long long)(a / 3600000000LL),
                 (long long)(a / 60000000 % 60));
    return buf;
}
