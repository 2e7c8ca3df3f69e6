/*
 * test_textchart.c - analyze/textchart.c on hand-made runs: the latency histogram counts
 * every answer once, puts each SLO line exactly on a bin edge and each p50/p90/p99 mark on
 * the row holding the percentile; the rate chart draws the --min-rate line at its row, shows
 * a bucket below it as a gap in the line and failures as 'x', merges buckets so a long run
 * stays within the width; every line of either chart is at most the width asked for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_report.h"

#define WIDTH 100

/* The chart as one string (free it). */
static char *render(int rate, const struct an_run *run, const struct an_criteria *c,
                    int width)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(rate ? an_textchart_rate(f, run, c, width)
                          : an_textchart_latency(f, run, c, width), 0);
    fclose(f);
    return buf;
}

static void assert_width(const char *s, int width)
{
    for (const char *p = s; *p;) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        if (nl - p > width)
            fail_msg("line of %d columns: %.*s", (int)(nl - p), (int)(nl - p), p);
        for (const char *q = p; q < nl; q++)
            assert_true(*q >= ' ' && *q <= '~');
        p = nl + 1;
    }
}

/* The line of s that contains needle (a copy, without its newline). */
static char *line_with(const char *s, const char *needle, char *buf, size_t len)
{
    const char *at = strstr(s, needle);
    if (!at)
        return NULL;
    const char *b = at;
    while (b > s && b[-1] != '\n')
        b--;
    const char *e = strchr(at, '\n');
    snprintf(buf, len, "%.*s", (int)(e - b), b);
    return buf;
}

static void test_histogram(void **state)
{
    (void)state;
    struct an_report r;
    char err[128], ln[256];
    fake_report(&r, 1);
    fake_run(&r.runs[0], 1000, 0, 1000);   /* 1, 2, .. 1000 ms: p50 500, p90 900 ms */
    assert_int_equal(an_slo_parse("p90<=250ms", &r.crit.slo[0], err, sizeof err), 0);
    assert_int_equal(an_slo_parse("p99<5s", &r.crit.slo[1], err, sizeof err), 0);
    r.crit.nslo = 2;
    char *s = render(0, &r.runs[0], &r.crit, WIDTH);
    assert_width(s, WIDTH);
    /* rows "   from - to   count |###": the counts add up to every answer */
    long total = 0;
    int rows = 0;
    for (const char *p = strchr(s, '\n') + 1; *p; p = strchr(p, '\n') + 1) {
        double a, b;
        long n;
        if (sscanf(p, "%lf - %lf %ld |", &a, &b, &n) == 3) {
            total += n;
            rows++;
        }
    }
    assert_int_equal(total, 1000);
    assert_true(rows >= 8);
    /* the 250 ms limit is an edge: the row above ends there, the row below starts there */
    const char *slo = strstr(s, "SLO p90<=250ms (250.0 ms)");
    assert_non_null(slo);
    const char *above = slo;
    while (above > s && above[-1] != '\n')
        above--;
    const char *prev = above - 1;
    while (prev > s && prev[-1] != '\n')
        prev--;
    double a, b;
    long n;
    assert_int_equal(sscanf(prev, "%lf - %lf %ld", &a, &b, &n), 3);
    assert_true(b == 250.0);
    assert_int_equal(sscanf(strchr(slo, '\n') + 1, "%lf - %lf %ld", &a, &b, &n), 3);
    assert_true(a == 250.0);
    /* a limit above every latency is drawn after the last row */
    const char *last = strstr(s, "SLO p99<5s");
    assert_non_null(last);
    assert_int_equal(last[strcspn(last, "\n") + 1], '\0');
    /* each mark on the row holding its percentile */
    assert_non_null(line_with(s, "p50 500.0", ln, sizeof ln));
    assert_int_equal(sscanf(ln, "%lf - %lf", &a, &b), 2);
    assert_true(a <= 500.0 && 500.0 < b);
    assert_non_null(line_with(s, "p90 900.0", ln, sizeof ln));
    assert_int_equal(sscanf(ln, "%lf - %lf", &a, &b), 2);
    assert_true(a <= 900.0 && 900.0 <= b);
    free(s);
    an_report_free(&r);
}

/* Sub-millisecond latencies (10 us .. 1 ms): every row's range reads differently. */
static void test_histogram_small(void **state)
{
    (void)state;
    struct an_report r;
    fake_report(&r, 1);
    fake_run(&r.runs[0], 100, 0, 10);
    char *s = render(0, &r.runs[0], &r.crit, WIDTH);
    assert_width(s, WIDTH);
    char prev[64] = "";
    int rows = 0;
    for (const char *p = strchr(s, '\n') + 1; *p; p = strchr(p, '\n') + 1) {
        char a[32], b[32];
        if (sscanf(p, "%31s - %31s", a, b) != 2 || !strchr(a, '.'))
            continue;
        char range[64];
        snprintf(range, sizeof range, "%s-%s", a, b);
        assert_string_not_equal(range, prev);
        assert_string_not_equal(a, b);
        snprintf(prev, sizeof prev, "%s", range);
        rows++;
    }
    assert_true(rows >= 8);
    free(s);
    an_report_free(&r);
}

static void test_histogram_empty(void **state)
{
    (void)state;
    struct an_report r;
    fake_report(&r, 1);
    fake_run(&r.runs[0], 10, 10, 1000);
    char *s = render(0, &r.runs[0], &r.crit, WIDTH);
    assert_string_equal(s, "Latency distribution: no HTTP-200 answers.\n");
    free(s);
    an_report_free(&r);
}

/* n one-second buckets of `ok` HTTP-200 answers each. */
static void fake_series(struct an_run *run, size_t n, int64_t ok)
{
    run->series = calloc(n, sizeof *run->series);
    assert_non_null(run->series);
    run->nseries = n;
    run->interval_us = 1000000;
    for (size_t k = 0; k < n; k++)
        run->series[k].ok = ok;
}

static void test_rate(void **state)
{
    (void)state;
    struct an_report r;
    char ln[256];
    fake_report(&r, 1);
    fake_run(&r.runs[0], 100, 0, 1000);
    fake_series(&r.runs[0], 10, 10);
    r.runs[0].series[5].ok = 2;         /* bucket 5: 2 answers and 4 failures */
    r.runs[0].series[5].failed = 4;
    r.crit.min_rate_per_s = 8;
    snprintf(r.crit.min_rate_text, sizeof r.crit.min_rate_text, "28800/h");
    char *s = render(1, &r.runs[0], &r.crit, WIDTH);
    assert_width(s, WIDTH);
    assert_non_null(line_with(s, "min-rate 28800/h", ln, sizeof ln));
    /* "       8 |" then one cell group per bucket: bucket 5 is below the line */
    assert_int_equal(strncmp(ln, "       8 |", 10), 0);
    const char *plot = ln + 10;
    size_t cw = strspn(plot, "#") / 5;   /* buckets 0 .. 4 reach the line */
    assert_true(cw >= 1 && cw <= 3);
    assert_int_equal(plot[5 * cw], '-');
    assert_int_equal(plot[6 * cw], '#');
    assert_non_null(line_with(s, "       5 |", ln, sizeof ln));   /* the x above the # */
    assert_int_equal(ln[10 + 5 * cw], 'x');
    assert_non_null(strstr(s, "0s"));
    free(s);
    an_report_free(&r);
}

static void test_rate_long_run(void **state)
{
    (void)state;
    struct an_report r;
    fake_report(&r, 1);
    fake_run(&r.runs[0], 100, 0, 1000);
    fake_series(&r.runs[0], 5000, 3);
    char *s = render(1, &r.runs[0], &r.crit, WIDTH);
    assert_width(s, WIDTH);
    assert_non_null(strstr(s, "(per second, 56 s columns;"));
    free(s);
    s = render(1, &r.runs[0], &r.crit, 80);
    assert_width(s, 80);
    free(s);
    an_report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_histogram_small),
        cmocka_unit_test(test_histogram_empty),
        cmocka_unit_test(test_rate),
        cmocka_unit_test(test_rate_long_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
