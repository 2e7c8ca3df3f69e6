/*
 * test_stream.c - the synthetic recentchange feed: the same events for the same seed (what
 * makes Last-Event-ID resumable), Wikidata edits at the configured Poisson rate with distinct
 * increasing rev IDs, about one other-wiki and one other-type event per ten edits, the end
 * of a --stream-events feed, frames that the SSE parser and the recentchange decoder (the
 * readers revtrace itself uses) take as the same event, and Last-Event-ID parsing.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/recentchange.h"
#include "core/sse.h"
#include "emulate/emulate.h"

static void config(struct emu_config *c, double rate, int64_t events)
{
    memset(c, 0, sizeof *c);
    c->seed = 7;
    c->stream_rate_per_s = rate;
    c->stream_events = events;
}

static void test_rate_and_ids(void **state)
{
    (void)state;
    struct emu_config c;
    config(&c, 200, 0);
    struct emu_feed_pos p, q;
    emu_feed_start(&c, &p);
    assert_int_equal(p.k, 1);
    assert_int_equal(p.kind, EMU_FEED_EDIT);
    int64_t last_rev = 0, last_t = 0, edits = 0, wiki = 0, type = 0;
    for (int i = 0; i < 20000; i++) {
        assert_true(p.t_us >= last_t);
        last_t = p.t_us;
        if (p.kind == EMU_FEED_EDIT) {
            assert_true(p.rev_id > last_rev);
            last_rev = p.rev_id;
            edits++;
            assert_int_equal(p.edits, edits);
        } else {
            wiki += p.kind == EMU_FEED_OTHER_WIKI;
            type += p.kind == EMU_FEED_OTHER_TYPE;
        }
        emu_feed_next(&c, &p);
    }
    /* 200 edits per second: the mean gap within 3 % over ~16,000 edits */
    double per_s = (double)edits / ((double)last_t / 1e6);
    assert_true(fabs(per_s - 200) < 6);
    /* one in ten of each kind after an edit */
    assert_true(wiki > edits / 14 && wiki < edits / 7);
    assert_true(type > edits / 14 && type < edits / 7);
    /* the same seed walks the same feed */
    emu_feed_start(&c, &q);
    emu_feed_start(&c, &p);
    for (int i = 0; i < 1000; i++) {
        emu_feed_next(&c, &p);
        emu_feed_next(&c, &q);
    }
    assert_int_equal(p.k, q.k);
    assert_int_equal(p.rev_id, q.rev_id);
    assert_int_equal(p.t_us, q.t_us);
}

static void test_end(void **state)
{
    (void)state;
    struct emu_config c;
    config(&c, 50, 5);
    struct emu_feed_pos p;
    emu_feed_start(&c, &p);
    int64_t edits = 0;
    while (!emu_feed_ended(&c, &p)) {
        edits += p.kind == EMU_FEED_EDIT;
        emu_feed_next(&c, &p);
    }
    assert_int_equal(edits, 5);
    assert_int_equal(p.kind, EMU_FEED_EDIT);    /* the end is the 6th edit, not an extra */
}

struct got {
    int n;
    struct rt_rc_event ev;
    char id[256];
};

static int on_event(void *ctx, const struct rt_sse_event *ev)
{
    struct got *g = ctx;
    char err[256];
    assert_int_equal(rt_rc_decode(ev->data, ev->data_len, NULL, &g->ev, err, sizeof err), 0);
    assert_string_equal(ev->type, "message");
    snprintf(g->id, sizeof g->id, "%s", ev->id);
    g->n++;
    return 0;
}

static void test_frames(void **state)
{
    (void)state;
    struct emu_config c;
    config(&c, 10, 0);
    struct emu_feed_pos p;
    emu_feed_start(&c, &p);
    int64_t t0_wall;
    assert_int_equal(rt_parse_time_utc("2026-12-01T15:00:00Z", &t0_wall), 0);
    int seen[3] = { 0, 0, 0 };
    for (int i = 0; i < 200; i++) {
        char buf[4096];
        size_t n = emu_feed_format(&p, t0_wall, buf, sizeof buf);
        assert_true(n > 0);
        struct got g;
        memset(&g, 0, sizeof g);
        struct rt_sse *sse = rt_sse_new(RT_SSE_EVENTS, 0, on_event, &g);
        char err[256];
        assert_int_equal(rt_sse_feed(sse, buf, n, err, sizeof err), 0);
        assert_int_equal(rt_sse_finish(sse, NULL, err, sizeof err), 0);
        rt_sse_free(sse);
        assert_int_equal(g.n, 1);
        uint64_t k;
        assert_int_equal(emu_feed_parse_id(g.id, &k), 0);
        assert_int_equal(k, p.k);
        if (p.kind == EMU_FEED_EDIT) {
            assert_int_equal(g.ev.cls, RT_RC_KEEP);
            assert_int_equal(g.ev.rev_id, p.rev_id);
            /* meta.dt is the event's time, to the millisecond */
            assert_int_equal(g.ev.t_unix_us, (t0_wall + p.t_us) / 1000 * 1000);
        } else {
            assert_int_equal(g.ev.cls, p.kind == EMU_FEED_OTHER_WIKI ? RT_RC_OTHER_WIKI
                                                                      : RT_RC_OTHER_TYPE);
        }
        seen[p.kind]++;
        emu_feed_next(&c, &p);
    }
    assert_true(seen[0] && seen[1] && seen[2]);
    assert_int_equal(emu_feed_format(&p, t0_wall, (char[64]){ 0 }, 64), 0);
}

static void test_last_event_id(void **state)
{
    (void)state;
    uint64_t k = 0;
    assert_int_equal(emu_feed_parse_id("[{\"topic\":\"t\",\"partition\":0,\"offset\":42}]", &k),
                     0);
    assert_int_equal(k, 42);
    assert_int_equal(emu_feed_parse_id("17", &k), 0);
    assert_int_equal(k, 17);
    assert_int_equal(emu_feed_parse_id("17x", &k), -1);
    assert_int_equal(emu_feed_parse_id("", &k), -1);
    assert_int_equal(emu_feed_parse_id("[{\"timestamp\":1}]", &k), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_and_ids),
        cmocka_unit_test(test_end),
        cmocka_unit_test(test_frames),
        cmocka_unit_test(test_last_event_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
