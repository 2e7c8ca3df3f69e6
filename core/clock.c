/*
 * clock.c - monotonic and wall clocks, ISO-8601 UTC.
 *
 * Dates are converted with our own days-from-civil arithmetic rather than timegm(), which is
 * not POSIX and depends on the TZ environment on some libcs.
 */
#include "core/clock.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

int64_t rt_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t rt_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void rt_sleep_until_us(int64_t target_us)
{
    struct timespec ts = { .tv_sec = target_us / 1000000,
                           .tv_nsec = (long)(target_us % 1000000) * 1000 };
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

void rt_clock_tight_timers(void)
{
#ifdef __linux__
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
#endif
}

/* Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

static void split(int64_t unix_us, int *y, unsigned *mo, unsigned *d, int *h, int *mi, int *s,
                  int64_t *frac)
{
    int64_t secs = unix_us / 1000000, f = unix_us % 1000000;
    if (f < 0) {
        f += 1000000;
        secs--;
    }
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    civil_from_days(days, y, mo, d);
    *h = (int)(rem / 3600);
    *mi = (int)(rem / 60 % 60);
    *s = (int)(rem % 60);
    *frac = f;
}

char *rt_iso8601_utc(char *buf, size_t len, int64_t unix_us)
{
    int y, h, mi, s;
    unsigned mo, d;
    int64_t f;
    split(unix_us, &y, &mo, &d, &h, &mi, &s, &f);
    snprintf(buf, len, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ", y, mo, d, h, mi, s,
             (long long)f);
    return buf;
}

char *rt_iso8601_utc_s(char *buf, size_t len, int64_t unix_us)
{
    int y, h, mi, s;
    unsigned mo, d;
    int64_t f;
    split(unix_us, &y, &mo, &d, &h, &mi, &s, &f);
    snprintf(buf, len, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, mo, d, h, mi, s);
    return buf;
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int parse_fraction(const char **p, int64_t *us)
{
    /* Up to 9 digits are accepted; we keep microseconds, rounding toward zero. */
    int64_t v = 0;
    int n = 0;
    while (isdigit((unsigned char)**p)) {
        if (n < 6)
            v = v * 10 + (**p - '0');
        n++;
        (*p)++;
        if (n > 9)
            return -1;
    }
    if (n == 0)
        return -1;
    for (int i = n; i < 6; i++)
        v *= 10;
    *us = v;
    return 0;
}

int rt_parse_time_utc(const char *s, int64_t *unix_us)
{
    if (!s || !*s)
        return -1;
    const char *p = s;
    /* Unix seconds: digits, optional fraction, nothing else. */
    if (strchr(s, '-') == NULL || (isdigit((unsigned char)s[0]) && !strchr(s, ':') &&
                                   strspn(s, "0123456789.") == strlen(s))) {
        if (strspn(s, "0123456789.") != strlen(s))
            return -1;
        int64_t secs = 0, frac = 0;
        int n = 0;
        while (isdigit((unsigned char)*p)) {
            if (++n > 12)
                return -1;
            secs = secs * 10 + (*p++ - '0');
        }
        if (n == 0)
            return -1;
        if (*p == '.') {
            p++;
            if (*p && parse_fraction(&p, &frac) != 0)
                return -1;
        }
        if (*p)
            return -1;
        *unix_us = secs * 1000000 + frac;
        return 0;
    }
    int y, mo, d, h, mi, sec;
    int64_t frac = 0;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d))
        return -1;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' ||
        digits(&p, 2, &sec))
        return -1;
    if (*p == '.' || *p == ',') {
        p++;
        if (parse_fraction(&p, &frac) != 0)
            return -1;
    }
    if (*p == 'Z' || *p == 'z')
        p++;
    else if (strcmp(p, "+00:00") == 0 || strcmp(p, "+0000") == 0)
        p += strlen(p);
    if (*p)
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        sec > 60)
        return -1;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    *unix_us = ((days * 86400) + h * 3600 + mi * 60 + sec) * 1000000 + frac;
    return 0;
}
