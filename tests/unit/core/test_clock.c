/*
 * test_clock.c - ISO-8601 UTC formatting and parsing (round trips, fractions, zones, the
 * space separator, leap years, calendar checks), Unix seconds, and the clocks' basic sanity.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/clock.h"

static int64_t t(const char *s)
{
    int64_t us = -42;
    if (rt_parse_time_utc(s, &us) != 0)
        fail_msg("time '%s' refused", s);
    return us;
}

static void no_t(const char *s)
{
    int64_t us = -42;
    if (rt_parse_time_utc(s, &us) == 0)
        fail_msg("time '%s' accepted as %lld", s, (long long)us);
    assert_int_equal(us, -42);
}

static void test_iso_parse(void **state)
{
    (void)state;
    const int64_t base = 1732449600LL * 1000000;    /* 2024-11-24T12:00:00Z */
    assert_int_equal(t("2024-11-24T12:00:00Z"), base);
    assert_int_equal(t("2024-11-24T12:00:00"), base);
    assert_int_equal(t("2024-11-24 12:00:00"), base);
    assert_int_equal(t("2024-11-24t12:00:00z"), base);
    assert_int_equal(t("2024-11-24T12:00:00+00:00"), base);
    assert_int_equal(t("2024-11-24T12:00:00+0000"), base);
    assert_int_equal(t("2024-11-24T12:00:00.5Z"), base + 500000);
    assert_int_equal(t("2024-11-24T12:00:00,25Z"), base + 250000);
    assert_int_equal(t("2024-11-24T12:00:00.123456Z"), base + 123456);
    assert_int_equal(t("2024-11-24T12:00:00.123456789Z"), base + 123456);  /* ns truncated */
    assert_int_equal(t("2024-11-24 12:00:00.000001+00:00"), base + 1);
    assert_int_equal(t("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(t("2000-03-01T00:00:00Z"), 951868800LL * 1000000);
    /* leap years: 2024 and 2000 have Feb 29, 2023 and 2100 do not */
    assert_int_equal(t("2024-03-01T00:00:00Z") - t("2024-02-28T00:00:00Z"), 2 * 86400000000LL);
    assert_int_equal(t("2023-03-01T00:00:00Z") - t("2023-02-28T00:00:00Z"), 86400000000LL);
    assert_int_equal(t("2000-02-29T00:00:00Z"), 951782400LL * 1000000);
    t("2024-02-29T23:59:59Z");
    no_t("2023-02-29T00:00:00Z");
    no_t("2100-02-29T00:00:00Z");
    no_t("2024-02-30T00:00:00Z");
    no_t("2024-04-31T00:00:00Z");
    no_t("2024-13-01T00:00:00Z");
    no_t("2024-00-10T00:00:00Z");
    no_t("2024-01-00T00:00:00Z");
    no_t("2024-01-01T24:00:00Z");
    no_t("2024-01-01T00:60:00Z");
    no_t("2024-01-01T00:00:61Z");
    no_t("2024-01-01");
    no_t("2024-01-01T");
    no_t("2024-01-01T00:00");
    no_t("2024-1-01T00:00:00Z");
    no_t("2024-01-01X00:00:00Z");
    no_t("2024-01-01T00:00:00.Z");
    no_t("2024-01-01T00:00:00.1234567890Z");
    no_t("2024-01-01T00:00:00+01:00");
    no_t("2024-01-01T00:00:00-00:00x");
    no_t("2024-01-01T00:00:00ZZ");
    no_t("2024-01-01T00:00:00Z ");
    no_t(" 2024-01-01T00:00:00Z");
}

static void test_unix_parse(void **state)
{
    (void)state;
    assert_int_equal(t("1732449600"), 1732449600LL * 1000000);
    assert_int_equal(t("1732449600.25"), 1732449600250000LL);
    assert_int_equal(t("1732449600.000001"), 1732449600000001LL);
    assert_int_equal(t("1732449600.1234567"), 1732449600123456LL);
    assert_int_equal(t("0"), 0);
    assert_int_equal(t("1.5"), 1500000);
    no_t("");
    no_t(".");
    no_t(".5");
    no_t("-1");
    no_t("+1");
    no_t("1e9");
    no_t("1.2.3");
    no_t("12x");
    no_t("1 ");
    no_t("abc");
    no_t("1234567890123");       /* more than 12 digits of seconds */
    no_t("1.1234567890");        /* more than 9 fraction digits */
    assert_int_equal(rt_parse_time_utc(NULL, &(int64_t){ 0 }), -1);
}

static void test_format_round_trip(void **state)
{
    (void)state;
    char b[40];
    assert_string_equal(rt_iso8601_utc(b, sizeof b, 1732449600123456LL),
                        "2024-11-24T12:00:00.123456Z");
    assert_string_equal(rt_iso8601_utc_s(b, sizeof b, 1732449600999999LL),
                        "2024-11-24T12:00:00Z");
    assert_string_equal(rt_iso8601_utc(b, sizeof b, 0), "1970-01-01T00:00:00.000000Z");
    assert_string_equal(rt_iso8601_utc_s(b, sizeof b, 951782400LL * 1000000),
                        "2000-02-29T00:00:00Z");
    /* every day boundary for ~4 years and odd microseconds parse back to the same value */
    for (int64_t us = 1700000000LL * 1000000; us < 1830000000LL * 1000000;
         us += 86399999937LL) {
        int64_t back;
        assert_int_equal(rt_parse_time_utc(rt_iso8601_utc(b, sizeof b, us), &back), 0);
        assert_int_equal(back, us);
        assert_int_equal(rt_parse_time_utc(rt_iso8601_utc_s(b, sizeof b, us), &back), 0);
        assert_int_equal(back, us / 1000000 * 1000000);
    }
}

static void test_clocks(void **state)
{
    (void)state;
    int64_t a = rt_mono_us();
    int64_t w = rt_wall_us();
    assert_true(w > 1700000000LL * 1000000);     /* after Nov 2023 */
    rt_clock_tight_timers();
    rt_sleep_until_us(a + 2000);
    assert_true(rt_mono_us() >= a + 2000);
    rt_sleep_until_us(a);                       /* in the past: returns at once */
    assert_true(rt_mono_us() >= a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso_parse),
        cmocka_unit_test(test_unix_parse),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
