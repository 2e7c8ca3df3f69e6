/*
 * test_units.c - durations, rates, sizes, ranges, ratios, counts and duration formatting:
 * every suffix, bare numbers refused, and the other refusals (spaces, signs, junk, overflow).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/units.h"

static int64_t dur(const char *s)
{
    int64_t us = -42;
    if (rt_parse_duration_us(s, &us) != 0)
        fail_msg("duration '%s' refused", s);
    return us;
}

static void no_dur(const char *s)
{
    int64_t us = -42;
    if (rt_parse_duration_us(s, &us) == 0)
        fail_msg("duration '%s' accepted as %lld", s, (long long)us);
    assert_int_equal(us, -42);
}

static double rate(const char *s)
{
    double r = -1;
    if (rt_parse_rate_per_s(s, &r) != 0)
        fail_msg("rate '%s' refused", s);
    return r;
}

static void test_durations(void **state)
{
    (void)state;
    assert_int_equal(dur("500ms"), 500000);
    assert_int_equal(dur("5s"), 5000000);
    assert_int_equal(dur("2m"), 120000000);
    assert_int_equal(dur("2min"), 120000000);
    assert_int_equal(dur("1h"), 3600000000LL);
    assert_int_equal(dur("250us"), 250);
    no_dur("1.5");            /* a bare number is refused: "--deadline 500" is ambiguous */
    assert_int_equal(dur("0s"), 0);
    assert_int_equal(dur("0.5ms"), 500);
    assert_int_equal(dur("1.5s"), 1500000);
    assert_int_equal(dur("2562047h"), 2562047LL * 3600000000LL);
    no_dur("");
    no_dur("5 s");
    no_dur(" 5s");
    no_dur("\n5s");
    no_dur("\v5s");
    no_dur("5s ");
    no_dur("-1s");
    no_dur("abc");
    no_dur("1e400s");
    no_dur("s");
    no_dur("5x");
    no_dur("5ss");
    no_dur("5S");
    no_dur("inf");
    no_dur("nan");
    no_dur("3000000000h");   /* beyond int64 microseconds */
    int64_t us;
    assert_int_equal(rt_parse_duration_us(NULL, &us), -1);
}

static void test_rates(void **state)
{
    (void)state;
    double r_bare;
    assert_float_equal(rate("42/s"), 42.0, 0);
    assert_int_equal(rt_parse_rate_per_s("42", &r_bare), -1);   /* a unit is required */
    assert_float_equal(rate("150000/h"), 150000.0 / 3600, 1e-9);
    assert_float_equal(rate("10/min"), 10.0 / 60, 1e-12);
    assert_float_equal(rate("10/m"), 10.0 / 60, 1e-12);
    assert_float_equal(rate("0.5/s"), 0.5, 0);
    double r = -7;
    assert_int_equal(rt_parse_rate_per_s("", &r), -1);
    assert_int_equal(rt_parse_rate_per_s("-1/s", &r), -1);
    assert_int_equal(rt_parse_rate_per_s("5/d", &r), -1);
    assert_int_equal(rt_parse_rate_per_s("5 /s", &r), -1);
    assert_int_equal(rt_parse_rate_per_s("/s", &r), -1);
    assert_int_equal(rt_parse_rate_per_s("1e400/s", &r), -1);
    assert_float_equal(r, -7, 0);
}

static void test_sizes(void **state)
{
    (void)state;
    int64_t b = -1;
    assert_int_equal(rt_parse_size("100", &b), 0);
    assert_int_equal(b, 100);
    assert_int_equal(rt_parse_size("64k", &b), 0);
    assert_int_equal(b, 65536);
    assert_int_equal(rt_parse_size("64K", &b), 0);
    assert_int_equal(b, 65536);
    assert_int_equal(rt_parse_size("1M", &b), 0);
    assert_int_equal(b, 1048576);
    assert_int_equal(rt_parse_size("2G", &b), 0);
    assert_int_equal(b, 2147483648LL);
    assert_int_equal(rt_parse_size("10B", &b), 0);
    assert_int_equal(b, 10);
    assert_int_equal(rt_parse_size("1.5k", &b), 0);
    assert_int_equal(b, 1536);
    b = -1;
    assert_int_equal(rt_parse_size("", &b), -1);
    assert_int_equal(rt_parse_size("-1k", &b), -1);
    assert_int_equal(rt_parse_size("1T", &b), -1);
    assert_int_equal(rt_parse_size("1 k", &b), -1);
    assert_int_equal(rt_parse_size("99999999999G", &b), -1);
    assert_int_equal(b, -1);
}

static void test_ranges(void **state)
{
    (void)state;
    int64_t lo = -1, hi = -1;
    assert_int_equal(rt_parse_duration_range("1s-5s", &lo, &hi), 0);
    assert_int_equal(lo, 1000000);
    assert_int_equal(hi, 5000000);
    assert_int_equal(rt_parse_duration_range("1-5s", &lo, &hi), 0);
    assert_int_equal(lo, 1000000);
    assert_int_equal(hi, 5000000);
    assert_int_equal(rt_parse_duration_range("100-250ms", &lo, &hi), 0);
    assert_int_equal(lo, 100000);
    assert_int_equal(hi, 250000);
    assert_int_equal(rt_parse_duration_range("1.5-2.5ms", &lo, &hi), 0);
    assert_int_equal(lo, 1500);
    assert_int_equal(hi, 2500);
    assert_int_equal(rt_parse_duration_range("500ms-1m", &lo, &hi), 0);
    assert_int_equal(lo, 500000);
    assert_int_equal(hi, 60000000);
    assert_int_equal(rt_parse_duration_range("3s", &lo, &hi), 0);
    assert_int_equal(lo, 3000000);
    assert_int_equal(hi, 3000000);
    assert_int_equal(rt_parse_duration_range("1-5", &lo, &hi), -1);  /* no unit at all */
    assert_int_equal(rt_parse_duration_range("1-5s", &lo, &hi), 0);  /* the right's unit */
    assert_int_equal(lo, 1000000);
    assert_int_equal(hi, 5000000);
    /* the unit of the right side is its suffix, even after an exponent */
    assert_int_equal(rt_parse_duration_range("1-2e3ms", &lo, &hi), 0);
    assert_int_equal(lo, 1000);
    assert_int_equal(hi, 2000000);
    lo = hi = -1;
    assert_int_equal(rt_parse_duration_range("5s-1s", &lo, &hi), -1);
    assert_int_equal(rt_parse_duration_range("-5s", &lo, &hi), -1);
    assert_int_equal(rt_parse_duration_range("1s-", &lo, &hi), -1);
    assert_int_equal(rt_parse_duration_range("1s--5s", &lo, &hi), -1);
    assert_int_equal(rt_parse_duration_range("1s-5x", &lo, &hi), -1);
    assert_int_equal(rt_parse_duration_range("", &lo, &hi), -1);
    assert_int_equal(rt_parse_duration_range(NULL, &lo, &hi), -1);
    assert_int_equal(lo, -1);
    assert_int_equal(hi, -1);
}

static void test_ratios_counts_reals(void **state)
{
    (void)state;
    double v = -1;
    assert_int_equal(rt_parse_ratio("1%", &v), 0);
    assert_float_equal(v, 0.01, 1e-15);
    assert_int_equal(rt_parse_ratio("0.01", &v), 0);
    assert_float_equal(v, 0.01, 0);
    assert_int_equal(rt_parse_ratio("100%", &v), 0);
    assert_float_equal(v, 1.0, 0);
    assert_int_equal(rt_parse_ratio("0", &v), 0);
    assert_float_equal(v, 0.0, 0);
    v = -1;
    assert_int_equal(rt_parse_ratio("101%", &v), -1);
    assert_int_equal(rt_parse_ratio("1.5", &v), -1);
    assert_int_equal(rt_parse_ratio("-0.1", &v), -1);
    assert_int_equal(rt_parse_ratio("1 %", &v), -1);
    assert_int_equal(rt_parse_ratio("", &v), -1);
    assert_float_equal(v, -1, 0);

    assert_int_equal(rt_parse_positive_real("2", &v), 0);
    assert_float_equal(v, 2.0, 0);
    assert_int_equal(rt_parse_positive_real("0.5", &v), 0);
    assert_int_equal(rt_parse_positive_real("0", &v), -1);
    assert_int_equal(rt_parse_positive_real("-2", &v), -1);
    assert_int_equal(rt_parse_positive_real("2x", &v), -1);
    assert_int_equal(rt_parse_positive_real("inf", &v), -1);

    int64_t c = -1;
    assert_int_equal(rt_parse_count("0", &c), 0);
    assert_int_equal(c, 0);
    assert_int_equal(rt_parse_count("9223372036854775807", &c), 0);
    assert_int_equal(c, INT64_MAX);
    assert_int_equal(rt_parse_count("9223372036854775808", &c), -1);
    assert_int_equal(rt_parse_count("-1", &c), -1);
    assert_int_equal(rt_parse_count("+1", &c), -1);
    assert_int_equal(rt_parse_count(" 1", &c), -1);
    assert_int_equal(rt_parse_count("1.0", &c), -1);
    assert_int_equal(rt_parse_count("", &c), -1);
    assert_int_equal(c, INT64_MAX);
}

static void test_format(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(rt_format_duration(b, sizeof b, 850), "850us");
    assert_string_equal(rt_format_duration(b, sizeof b, 12300), "12.3ms");
    assert_string_equal(rt_format_duration(b, sizeof b, 4200000), "4.20s");
    assert_string_equal(rt_format_duration(b, sizeof b, 185000000), "3m05s");
    assert_string_equal(rt_format_duration(b, sizeof b, 3720000000LL), "1h02m");
    assert_string_equal(rt_format_duration(b, sizeof b, -1500), "-1.5ms");
    assert_string_equal(rt_format_duration(b, sizeof b, 0), "0us");
    /* the extreme value must not overflow on negation */
    rt_format_duration(b, sizeof b, INT64_MIN);
    assert_int_equal(b[0], '-');
    /* round trip through the parser for the simple forms */
    int64_t us;
    assert_int_equal(rt_parse_duration_us(rt_format_duration(b, sizeof b, 850), &us), 0);
    assert_int_equal(us, 850);
    assert_int_equal(rt_parse_duration_us(rt_format_duration(b, sizeof b, 4200000), &us), 0);
    assert_int_equal(us, 4200000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations), cmocka_unit_test(test_rates),
        cmocka_unit_test(test_sizes),     cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_ratios_counts_reals), cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
