/*
 * test_sse.c - the SSE parser: the WHATWG field rules (comments, one space dropped, data
 * lines joined with "\n", id persisting, events without data not dispatched), CRLF / CR / LF
 * line ends, the BOM, the final event without its blank line, JSON-lines mode, the bounds
 * (line length, event size, NUL) with their line numbers, and chunking: the same input fed
 * whole, byte by byte and at every split point gives the same events.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/sse.h"

/* Events rendered as "type|id|data|line;" so whole streams compare as one string. */
struct log {
    char s[8192];
    size_t n;
    int stop_after;         /* stop (return -7) at this event; 0: never */
    int events;
};

static int on_event(void *ctx, const struct rt_sse_event *ev)
{
    struct log *g = ctx;
    assert_int_equal(strlen(ev->data), ev->data_len);
    int k = snprintf(g->s + g->n, sizeof g->s - g->n, "%s|%s|%s|%zu;", ev->type, ev->id,
                     ev->data, ev->line);
    assert_true(k > 0 && (size_t)k < sizeof g->s - g->n);
    g->n += (size_t)k;
    if (++g->events == g->stop_after)
        return -7;
    return 0;
}

/* Feed text in pieces of step bytes (0: whole, or split once at split when step < 0). */
static int parse(enum rt_sse_mode mode, const char *text, size_t len, size_t max_line,
                 long step, struct log *g, int *finish_rc, char *err, size_t *err_line)
{
    memset(g, 0, sizeof *g);
    struct rt_sse *p = rt_sse_new(mode, max_line, on_event, g);
    assert_non_null(p);
    int rc = 0;
    if (step == 0) {
        rc = rt_sse_feed(p, text, len, err, 256);
    } else if (step < 0) {
        size_t at = (size_t)-step - 1;
        rc = rt_sse_feed(p, text, at, err, 256);
        if (rc == 0)
            rc = rt_sse_feed(p, text + at, len - at, err, 256);
    } else {
        for (size_t i = 0; i < len && rc == 0; i += (size_t)step)
            rc = rt_sse_feed(p, text + i, len - i < (size_t)step ? len - i : (size_t)step, err,
                             256);
    }
    *finish_rc = rc == 0 ? rt_sse_finish(p, NULL, err, 256) : 0;
    *err_line = rt_sse_error_line(p);
    rt_sse_free(p);
    return rc;
}

/* The events of text, checked to be the same however the input is chunked. */
static const char *events_of(enum rt_sse_mode mode, const char *text, int *dropped)
{
    static struct log whole;
    char err[256];
    size_t line;
    size_t len = strlen(text);
    assert_int_equal(parse(mode, text, len, 0, 0, &whole, dropped, err, &line), 0);
    struct log other;
    int d2;
    assert_int_equal(parse(mode, text, len, 0, 1, &other, &d2, err, &line), 0);
    assert_string_equal(other.s, whole.s);
    assert_int_equal(d2, *dropped);
    for (size_t at = 0; at <= len; at++) {
        assert_int_equal(parse(mode, text, len, 0, -(long)at - 1, &other, &d2, err, &line), 0);
        assert_string_equal(other.s, whole.s);
        assert_int_equal(d2, *dropped);
    }
    return whole.s;
}

static void test_fields(void **state)
{
    (void)state;
    int dropped;
    const char *s = events_of(RT_SSE_EVENTS,
                              ":ok\n\n"
                              "event: message\nid: 7\ndata: {\"a\":1}\n\n"
                              ": a comment\ndata:no space\ndata:  two spaces\n\n"
                              "data\n\n"                      /* a field without colon */
                              "retry: 100\nfoo: bar\nevent: x\n\n"  /* no data: nothing */
                              "data: after\n\n",
                              &dropped);
    assert_string_equal(s, "message|7|{\"a\":1}|5;"
                           "|7|no space\n two spaces|8;"
                           "|7||11;"
                           "|7|after|17;");
    assert_int_equal(dropped, 0);
}

static void test_line_ends(void **state)
{
    (void)state;
    int dropped;
    const char *s = events_of(RT_SSE_EVENTS,
                              "id: a\r\ndata: one\r\ndata: two\r\n\r\n"
                              "data: cr\r\rdata: lf\n\n"
                              "data: mixed\r\n\n",
                              &dropped);
    assert_string_equal(s, "|a|one\ntwo|2;|a|cr|5;|a|lf|7;|a|mixed|9;");
}

static void test_bom_and_final_event(void **state)
{
    (void)state;
    int dropped;
    const char *s = events_of(RT_SSE_EVENTS, "\xef\xbb\xbf" "data: x\n\ndata: cut", &dropped);
    assert_string_equal(s, "||x|1;");
    assert_int_equal(dropped, 1);          /* the last event had no blank line: not sent */
    s = events_of(RT_SSE_EVENTS, "data: x\n\nid: 3\n", &dropped);
    assert_string_equal(s, "||x|1;");
    assert_int_equal(dropped, 0);          /* no data pending: nothing dropped */
    s = events_of(RT_SSE_EVENTS, "\xef\xbb" "data: y\n\n", &dropped);
    assert_string_equal(s, "");            /* "\xef\xbb" is not a BOM: the field is unknown */
}

static void test_lines_mode(void **state)
{
    (void)state;
    int dropped;
    const char *s = events_of(RT_SSE_LINES, "{\"a\":1}\r\n\n  \n{\"b\":2}\n{\"c\":3}", &dropped);
    assert_string_equal(s, "||{\"a\":1}|1;||{\"b\":2}|4;||{\"c\":3}|5;");
    assert_int_equal(dropped, 0);          /* the last line needs no line end */
}

static void test_bounds(void **state)
{
    (void)state;
    struct log g;
    int fin;
    char err[256];
    size_t line;
    const char *nul = "data: a\n\ndata: b\0c\n\n";
    assert_int_equal(parse(RT_SSE_EVENTS, nul, 20, 0, 1, &g, &fin, err, &line), -1);
    assert_string_equal(err, "a NUL byte");
    assert_int_equal(line, 3);
    assert_string_equal(g.s, "||a|1;");   /* the events before it were dispatched */

    const char *longl = "data: 0123456789\n\ndata: 01234567890\n\n";
    assert_int_equal(parse(RT_SSE_EVENTS, longl, strlen(longl), 16, 1, &g, &fin, err, &line),
                     -1);
    assert_string_equal(err, "a line longer than 16 bytes");
    assert_int_equal(line, 3);
    assert_int_equal(parse(RT_SSE_EVENTS, longl, strlen(longl), 16, 0, &g, &fin, err, &line),
                     -1);
    assert_int_equal(line, 3);

    const char *big = "data: 0123456\ndata: 0123456\ndata: 0123\n\n";   /* 8 + 8 + 5 > 16 */
    assert_int_equal(parse(RT_SSE_EVENTS, big, strlen(big), 16, 0, &g, &fin, err, &line), -1);
    assert_string_equal(err, "an event's data is over 16 bytes");
    assert_int_equal(line, 3);
}

static void test_stop_and_reset(void **state)
{
    (void)state;
    struct log g;
    memset(&g, 0, sizeof g);
    g.stop_after = 1;
    char err[256];
    struct rt_sse *p = rt_sse_new(RT_SSE_EVENTS, 0, on_event, &g);
    assert_non_null(p);
    assert_int_equal(rt_sse_feed(p, "id: 5\ndata: a\n\ndata: b\n\n", 24, err, sizeof err),
                     -7);
    assert_int_equal(rt_sse_feed(p, "data: c\n\n", 9, err, sizeof err), -1);
    assert_string_equal(rt_sse_last_id(p), "5");
    /* a reconnect: the half-read event is gone, the last ID stays */
    rt_sse_reset(p);
    g.stop_after = 0;
    assert_int_equal(rt_sse_feed(p, "data: half", 10, err, sizeof err), 0);
    rt_sse_reset(p);
    assert_int_equal(rt_sse_feed(p, "data: d\n\n", 9, err, sizeof err), 0);
    assert_string_equal(g.s, "|5|a|2;|5|d|4;");
    assert_string_equal(rt_sse_last_id(p), "5");
    rt_sse_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_line_ends),
        cmocka_unit_test(test_bom_and_final_event),
        cmocka_unit_test(test_lines_mode),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_stop_and_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
