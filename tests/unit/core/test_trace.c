/*
 * test_trace.c - the trace reader: layouts (header or not, CSV/TSV, timed or not), physical
 * line numbers in messages (CRLF, CR, blank lines, quoted newlines), gzip from files and
 * buffers, stdin, large inputs and the refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "core/clock.h"
#include "core/trace.h"

static char err[512];

static int load(const char *text, int need_time, const char *column, struct rt_trace *t)
{
    struct rt_trace_opts o = { column, need_time, NULL };
    return rt_trace_load_buffer("t.csv", text, strlen(text), &o, t, err, sizeof err);
}

/* Loading must fail with exactly this message. */
static void refuse(const char *text, int need_time, const char *column, const char *msg)
{
    struct rt_trace t = { 0 };
    int rc = load(text, need_time, column, &t);
    if (rc == 0)
        fail_msg("accepted %s", text);
    assert_int_equal(rc, -1);
    assert_string_equal(err, msg);
    assert_null(t.rev_id);
}

/* Loading must fail with a message that starts with prefix. */
static void refuse_prefix(const char *text, int need_time, const char *column,
                          const char *prefix)
{
    struct rt_trace t = { 0 };
    assert_int_equal(load(text, need_time, column, &t), -1);
    if (strncmp(err, prefix, strlen(prefix)) != 0)
        fail_msg("message '%s' does not start with '%s'", err, prefix);
}

static int64_t iso(const char *s)
{
    int64_t us;
    assert_int_equal(rt_parse_time_utc(s, &us), 0);
    return us;
}

static void test_headerless_ids(void **state)
{
    (void)state;
    struct rt_trace t;
    assert_int_equal(load("2300000001\n2300000002\n7\n", 0, NULL, &t), 0);
    assert_int_equal(t.n, 3);
    assert_int_equal(t.rev_id[0], 2300000001LL);
    assert_int_equal(t.rev_id[2], 7);
    assert_null(t.t_unix_us);
    assert_int_equal(t.first_line, 1);
    rt_trace_free(&t);
    /* no final newline, leading zeros, surrounding spaces trimmed by the CSV reader */
    assert_int_equal(load("  0042 \n5", 0, NULL, &t), 0);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.rev_id[0], 42);
    assert_int_equal(t.rev_id[1], 5);
    rt_trace_free(&t);
    /* the largest int64 is a valid ID */
    assert_int_equal(load("9223372036854775807\n", 0, NULL, &t), 0);
    assert_int_equal(t.rev_id[0], INT64_MAX);
    rt_trace_free(&t);
}

static void test_header(void **state)
{
    (void)state;
    struct rt_trace t;
    assert_int_equal(load("page,rev_id,user\nFoo,11,a\n\"Bar, baz\",12,b\n", 0, NULL, &t), 0);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.rev_id[0], 11);
    assert_int_equal(t.rev_id[1], 12);
    assert_int_equal(t.first_line, 2);
    assert_null(t.t_unix_us);
    rt_trace_free(&t);
    /* names are case-insensitive; --column picks another one */
    assert_int_equal(load("REV_ID\n3\n", 0, NULL, &t), 0);
    assert_int_equal(t.rev_id[0], 3);
    rt_trace_free(&t);
    assert_int_equal(load("rev_id,parent\n3,2\n5,4\n", 0, "parent", &t), 0);
    assert_int_equal(t.rev_id[0], 2);
    assert_int_equal(t.rev_id[1], 4);
    rt_trace_free(&t);
    /* blank lines before the header: first_line is still physical */
    assert_int_equal(load("\n\nrev_id\n\n9\n", 0, NULL, &t), 0);
    assert_int_equal(t.first_line, 5);
    assert_int_equal(t.rev_id[0], 9);
    rt_trace_free(&t);
    /* a timestamp column is loaded even when not required */
    assert_int_equal(load("rev_id,timestamp\n1,1732449600\n", 0, NULL, &t), 0);
    assert_non_null(t.t_unix_us);
    assert_int_equal(t.t_unix_us[0], 1732449600LL * 1000000);
    rt_trace_free(&t);
}

static void test_timed_header(void **state)
{
    (void)state;
    struct rt_trace t;
    const char *csv = "timestamp,rev_id\n"
                      "2024-11-24T12:00:00Z,100\n"
                      "2024-11-24T12:00:00.250000Z,101\n"
                      "2024-11-24 11:59:59+00:00,102\n"  /* out of order: kept as is */
                      "1732449600.5,103\n";
    assert_int_equal(load(csv, 1, NULL, &t), 0);
    assert_int_equal(t.n, 4);
    assert_int_equal(t.rev_id[3], 103);
    assert_int_equal(t.t_unix_us[0], iso("2024-11-24T12:00:00Z"));
    assert_int_equal(t.t_unix_us[1] - t.t_unix_us[0], 250000);
    assert_int_equal(t.t_unix_us[2] - t.t_unix_us[0], -1000000);
    assert_int_equal(t.t_unix_us[3], 1732449600500000LL);
    rt_trace_free(&t);
    /* aliases ts and time, TSV */
    assert_int_equal(load("rev_id\tts\n5\t1.5\n", 1, NULL, &t), 0);
    assert_int_equal(t.t_unix_us[0], 1500000);
    rt_trace_free(&t);
    assert_int_equal(load("Time\trev_id\n10\t6\n", 1, NULL, &t), 0);
    assert_int_equal(t.rev_id[0], 6);
    assert_int_equal(t.t_unix_us[0], 10000000);
    rt_trace_free(&t);
}

static void test_timed_headerless(void **state)
{
    (void)state;
    struct rt_trace t;
    /* ISO time first: it is the time, the other column the ID */
    assert_int_equal(load("2024-01-01T00:00:00Z,77\n2024-01-01T00:00:01Z,78\n", 1, NULL, &t),
                     0);
    assert_int_equal(t.rev_id[0], 77);
    assert_int_equal(t.t_unix_us[1] - t.t_unix_us[0], 1000000);
    assert_int_equal(t.first_line, 1);
    rt_trace_free(&t);
    /* Unix seconds with a fraction second */
    assert_int_equal(load("2300000000\t1732449600.125\n", 1, NULL, &t), 0);
    assert_int_equal(t.rev_id[0], 2300000000LL);
    assert_int_equal(t.t_unix_us[0], 1732449600125000LL);
    rt_trace_free(&t);
    /* two integers: rev_id, then Unix seconds */
    assert_int_equal(load("2300000000,1732449600\n2300000001,1732449601\n", 1, NULL, &t), 0);
    assert_int_equal(t.rev_id[1], 2300000001LL);
    assert_int_equal(t.t_unix_us[1], 1732449601LL * 1000000);
    rt_trace_free(&t);
    /* two integers without need_time: the second column is not a time */
    assert_int_equal(load("2300000000,1732449600\n", 0, NULL, &t), 0);
    assert_null(t.t_unix_us);
    rt_trace_free(&t);
    /* an ISO column found without need_time is loaded and checked */
    refuse("5,2024-01-01T00:00:00Z\n6,yesterday\n", 0, NULL,
           "t.csv:2:2: timestamp 'yesterday' is not an ISO-8601 UTC time or Unix seconds");
}

static void test_line_numbers(void **state)
{
    (void)state;
    /* CRLF and blank lines */
    refuse("rev_id\r\n1\r\n\r\n2\r\nabc\r\n", 0, NULL,
           "t.csv:5:1: rev_id 'abc' is not a positive integer");
    /* old Mac CR only */
    refuse("1\r2\r\rx\r", 0, NULL, "t.csv:4:1: rev_id 'x' is not a positive integer");
    /* mixed, with spaces-only lines */
    refuse("1\n   \r\n2\n\t\nq\n", 0, NULL, "t.csv:5:1: rev_id 'q' is not a positive integer");
    /* a quoted field spanning lines: the next row's line is physical */
    refuse("rev_id,comment\n1,\"two\nlines\"\n2,\"x\r\ny\r\nz\"\nbad,c\n", 0, NULL,
           "t.csv:7:1: rev_id 'bad' is not a positive integer");
    /* the column is the 1-based field number */
    refuse("a,b,rev_id\n1,2,3\n1,2,-3\n", 0, NULL,
           "t.csv:3:3: rev_id '-3' is not a positive integer");
    /* a UTF-8 BOM does not hide the header */
    struct rt_trace t;
    assert_int_equal(load("\xef\xbb\xbfrev_id\n8\n", 0, NULL, &t), 0);
    assert_int_equal(t.rev_id[0], 8);
    rt_trace_free(&t);
}

static void test_bad_ids(void **state)
{
    (void)state;
    refuse("1\n0\n", 0, NULL, "t.csv:2:1: rev_id '0' is not a positive integer");
    refuse("1\n1.5\n", 0, NULL, "t.csv:2:1: rev_id '1.5' is not a positive integer");
    refuse("1\n+4\n", 0, NULL, "t.csv:2:1: rev_id '+4' is not a positive integer");
    refuse("1\n9223372036854775808\n", 0, NULL,
           "t.csv:2:1: rev_id '9223372036854775808' is not a positive integer");
    refuse("1\n\" 2\"\n", 0, NULL, "t.csv:2:1: rev_id ' 2' is not a positive integer");
    /* long values are cut, control bytes shown as '?' */
    refuse("1\n123456789012345678901234567890123456789012345678901234567890\n", 0, NULL,
           "t.csv:2:1: rev_id '1234567890123456789012345678901234567890...' is not a "
           "positive integer");
    static const char nul[] = "1\n\"1\0002\"\n";
    struct rt_trace t;
    struct rt_trace_opts o = { NULL, 0, NULL };
    assert_int_equal(rt_trace_load_buffer("n", nul, sizeof nul - 1, &o, &t, err, sizeof err),
                     -1);
    assert_string_equal(err, "n:2:1: rev_id '1?2' is not a positive integer");
    /* a short row */
    refuse("a,rev_id\n1,2\n3\n", 0, NULL, "t.csv:3:2: missing rev_id (the row has 1 column)");
    refuse("rev_id,timestamp\n1,2\n3,\n", 1, NULL,
           "t.csv:3:2: missing timestamp (the row has 2 columns)");
    /* an all-empty row is a blank line */
    assert_int_equal(load("rev_id,x\n,,\n4,\n", 0, NULL, &t), 0);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.first_line, 3);
    rt_trace_free(&t);
}

static void test_layout_errors(void **state)
{
    (void)state;
    refuse("", 0, NULL, "t.csv: no revision IDs");
    refuse("\n\r\n  \n", 0, NULL, "t.csv: no revision IDs");
    refuse("rev_id\n", 0, NULL, "t.csv: no revision IDs");
    refuse("rev_id,timestamp\n\n", 1, NULL, "t.csv: no revision IDs");
    refuse("page,revision\nFoo,1\n", 0, NULL,
           "t.csv:1: no column 'rev_id' in the header line (columns: 'page', 'revision'); "
           "name the rev-ID column, or start a headerless file with a revision ID");
    refuse("abc\n", 0, NULL,
           "t.csv:1: no column 'rev_id' in the header line (columns: 'abc'); name the rev-ID "
           "column, or start a headerless file with a revision ID");
    refuse("rev_id,x\n1,2\n", 0, "rev", "t.csv:1: no column 'rev' in the header line "
           "(columns: 'rev_id', 'x'); name the rev-ID column, or start a headerless file with "
           "a revision ID");
    refuse("rev_id,page\n1,Foo\n", 1, NULL,
           "t.csv:1: no timestamp column in the header line (columns: 'rev_id', 'page'); a "
           "timed trace needs a 'timestamp' column (ISO-8601 UTC or Unix seconds)");
    refuse("12\n13\n", 1, NULL,
           "t.csv:1: cannot tell which column is the timestamp (found 1 column: '12'); add a "
           "header line with 'rev_id' and 'timestamp'");
    refuse("12,1,2\n", 1, NULL,
           "t.csv:1: cannot tell which column is the timestamp (found 3 columns: '12', '1', "
           "'2'); add a header line with 'rev_id' and 'timestamp'");
    refuse("12\n", 0, "page_rev",
           "t.csv:1: column 'page_rev' requested but the file has no header line (its first "
           "field is a number)");
    refuse_prefix("rev_id,timestamp\n1,2024-02-30T00:00:00Z\n", 1, NULL, "t.csv:2:2: timestamp");
    refuse_prefix("rev_id,timestamp\n1,-5\n", 1, NULL, "t.csv:2:2: timestamp '-5'");
}

/* gzip-compress text (optionally as two concatenated members) into a malloc'd buffer. */
static unsigned char *gz(const char *text, size_t *len, int two_members)
{
    size_t n = strlen(text), cap = n + 1024;
    unsigned char *out = malloc(cap);
    assert_non_null(out);
    size_t half = two_members ? n / 2 : n, o = 0;
    for (int m = 0; m < (two_members ? 2 : 1); m++) {
        z_stream zs = { 0 };
        assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
                         Z_OK);
        zs.next_in = (unsigned char *)text + (m ? half : 0);
        zs.avail_in = (uInt)(m ? n - half : half);
        zs.next_out = out + o;
        zs.avail_out = (uInt)(cap - o);
        assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
        o += zs.total_out;
        deflateEnd(&zs);
    }
    *len = o;
    return out;
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void test_gzip(void **state)
{
    (void)state;
    const char *text = "rev_id\ttimestamp\n1\t2024-01-01T00:00:00Z\n2\t2024-01-01T00:00:01Z\n";
    struct rt_trace_opts o = { NULL, 1, NULL };
    struct rt_trace t;
    for (int two = 0; two <= 1; two++) {
        size_t n;
        unsigned char *z = gz(text, &n, two);
        assert_int_equal(rt_trace_load_buffer("z", z, n, &o, &t, err, sizeof err), 0);
        assert_int_equal(t.n, 2);
        assert_int_equal(t.rev_id[1], 2);
        assert_int_equal(t.t_unix_us[1] - t.t_unix_us[0], 1000000);
        rt_trace_free(&t);
        /* the same through a file whose name does not say gzip */
        char path[] = "/tmp/rt-test-trace-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
        write_file(path, z, n);
        assert_int_equal(rt_trace_load(path, &o, &t, err, sizeof err), 0);
        assert_int_equal(t.n, 2);
        rt_trace_free(&t);
        /* truncated and corrupted */
        assert_int_equal(rt_trace_load_buffer("z", z, n - 5, &o, &t, err, sizeof err), -1);
        assert_string_equal(err, "z: truncated gzip data");
        z[n / 2] ^= 0x55;
        z[n / 2 + 1] ^= 0x55;
        assert_int_equal(rt_trace_load_buffer("z", z, n, &o, &t, err, sizeof err), -1);
        assert_true(strncmp(err, "z: ", 3) == 0);
        unlink(path);
        free(z);
    }
    /* line numbers inside gzip data */
    size_t n;
    unsigned char *z = gz("rev_id\n1\n\nx\n", &n, 0);
    assert_int_equal(rt_trace_load_buffer("g.gz", z, n, NULL, &t, err, sizeof err), -1);
    assert_string_equal(err, "g.gz:4:1: rev_id 'x' is not a positive integer");
    free(z);
}

/* ---- saved EventStreams recentchange captures (core/rctrace.c) ---- */

#define RC_EV(wiki, type, rev, dt)                                                          \
    "{\"$schema\":\"/mediawiki/recentchange/1.0.0\",\"meta\":{\"dt\":\"" dt "\","            \
    "\"domain\":\"www.wikidata.org\"},\"type\":\"" type "\",\"wiki\":\"" wiki "\","          \
    "\"revision\":{\"old\":1,\"new\":" #rev "}}"

/* Mixed wikis and types, a split data: field, comments, CRLF, an event cut at the end. */
static const char rc_sse[] =
    ":ok\r\n\r\n"
    "event: message\r\nid: [{\"offset\":1}]\r\n"
    "data: {\"$schema\":\"/mediawiki/recentchange/1.0.0\",\"meta\":{\"dt\":\r\n"
    "data: \"2026-12-01T15:04:05.123Z\"},\"type\":\"edit\",\"wiki\":\"wikidatawiki\",\r\n"
    "data: \"revision\":{\"old\":1,\"new\":501}}\r\n\r\n"                      /* line 3 */
    "event: message\nid: [{\"offset\":2}]\n"
    "data: " RC_EV("enwiki", "edit", 9, "2026-12-01T15:04:05.200Z") "\n\n"
    ": keep-alive\n"
    "data: " RC_EV("wikidatawiki", "log", 9, "2026-12-01T15:04:05.300Z") "\n\n"
    "data: " RC_EV("wikidatawiki", "new", 502, "2026-12-01T15:04:06.623Z") "\n\n"  /* 15 */
    "data: " RC_EV("commonswiki", "categorize", 9, "2026-12-01T15:04:06.700Z") "\n\n"
    "data: " RC_EV("wikidatawiki", "edit", 503, "2026-12-01T15:04:06.500Z") "\n\n"  /* 19 */
    "data: " RC_EV("wikidatawiki", "edit", 504, "2026-12-01T15:04:07Z") "\n";

static void check_rc_rows(const struct rt_trace *t)
{
    /* 503 came after a later meta.dt: the rows are in meta.dt order, stably */
    static const int64_t rev[] = { 501, 503, 502 };
    static const char *const dt[] = { "2026-12-01T15:04:05.123Z", "2026-12-01T15:04:06.500Z",
                                      "2026-12-01T15:04:06.623Z" };
    assert_true(t->events);
    assert_int_equal(t->n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(t->rev_id[i], rev[i]);
        assert_int_equal(t->t_unix_us[i], iso(dt[i]));
    }
    assert_int_equal(t->skipped_wiki, 2);
    assert_int_equal(t->skipped_type, 1);
    assert_int_equal(t->reordered, 1);
    assert_int_equal(t->dropped_last, 1);
    assert_int_equal(t->first_line, 5);
}

static void test_eventstreams(void **state)
{
    (void)state;
    struct rt_trace t;
    assert_int_equal(load(rc_sse, 1, NULL, &t), 0);
    check_rc_rows(&t);
    rt_trace_free(&t);
    size_t n;
    unsigned char *z = gz(rc_sse, &n, 0);
    struct rt_trace_opts o = { NULL, 1, NULL };
    assert_int_equal(rt_trace_load_buffer("rc.gz", z, n, &o, &t, err, sizeof err), 0);
    check_rc_rows(&t);
    rt_trace_free(&t);
    free(z);

    /* JSON lines, gzip or not; --wiki chooses another wiki */
    const char *jl = RC_EV("enwiki", "new", 8, "2026-12-01T15:00:00.5Z") "\n"
                     RC_EV("wikidatawiki", "edit", 7, "2026-12-01T15:00:00Z") "\n\n"
                     RC_EV("enwiki", "edit", 9, "2026-12-01T15:00:01Z");
    assert_int_equal(load(jl, 1, NULL, &t), 0);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.rev_id[0], 7);
    assert_int_equal(t.dropped_last, 0);
    rt_trace_free(&t);
    o.wiki = "enwiki";
    z = gz(jl, &n, 0);
    assert_int_equal(rt_trace_load_buffer("jl.gz", z, n, &o, &t, err, sizeof err), 0);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.rev_id[0], 8);
    assert_int_equal(t.rev_id[1], 9);
    assert_int_equal(t.t_unix_us[1] - t.t_unix_us[0], 500000);
    assert_int_equal(t.skipped_wiki, 1);
    rt_trace_free(&t);
    free(z);
}

static void test_eventstreams_errors(void **state)
{
    (void)state;
    refuse(":ok\n\ndata: " RC_EV("enwiki", "edit", 1, "2026-12-01T15:00:00Z") "\n\n", 1, NULL,
           "t.csv: an EventStreams capture without any wikidatawiki edit/new event (1 of "
           "other wikis, 0 of other types)");
    refuse(":ok\n\nid: 1\ndata: {\"wiki\":\n\ndata: {}\n\n", 1, NULL,
           "t.csv:4: not JSON (unexpected token near end of file)");
    refuse("{\"wiki\":\"enwiki\"}\n[1]\n", 1, NULL,
           "t.csv:2: the event is not a JSON object");
    refuse("data: {\"wiki\":\"enwiki\"}\n\n\ndata: {\"wiki\":\"wikidatawiki\",\"type\":\"edit\","
           "\"revision\":{\"old\":4},\"meta\":{\"dt\":\"2026-12-01T15:00:00Z\"}}\n\n", 1, NULL,
           "t.csv:4: a kept event (wikidatawiki, edit) without a positive revision.new");
    refuse("data: " RC_EV("wikidatawiki", "edit", 5, "1764601200") "\n\n", 1, NULL,
           "t.csv:1: revision 5: meta.dt is missing or not an ISO-8601 UTC time");
    static const char nul[] = "data: [1]\n\ndata: \0\n\n";
    struct rt_trace t;
    struct rt_trace_opts o = { NULL, 1, NULL };
    assert_int_equal(rt_trace_load_buffer("n", nul, sizeof nul - 1, &o, &t, err, sizeof err),
                     -1);
    assert_string_equal(err, "n:1: the event is not a JSON object");
    static const char nul2[] = "data: " RC_EV("enwiki", "edit", 1, "x") "\n\ndata: \0\n\n";
    assert_int_equal(rt_trace_load_buffer("n", nul2, sizeof nul2 - 1, &o, &t, err, sizeof err),
                     -1);
    assert_string_equal(err, "n:3: a NUL byte");
}

static void test_files_and_stdin(void **state)
{
    (void)state;
    struct rt_trace t;
    assert_int_equal(rt_trace_load("/nonexistent/ids.csv", NULL, &t, err, sizeof err), -1);
    assert_string_equal(err, "/nonexistent/ids.csv: cannot open: No such file or directory");
    assert_int_equal(rt_trace_load("/tmp", NULL, &t, err, sizeof err), -1);
    assert_string_equal(err, "/tmp: read error: Is a directory");

    char path[] = "/tmp/rt-test-trace-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_file(path, "rev_id\n31\n32\n", 13);
    int saved = dup(0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(dup2(fileno(f), 0), 0);
    int rc = rt_trace_load("-", NULL, &t, err, sizeof err);
    dup2(saved, 0);
    close(saved);
    fclose(f);
    assert_int_equal(rc, 0);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.rev_id[1], 32);
    rt_trace_free(&t);
    write_file(path, "rev_id\n31\nfoo\n", 14);
    assert_int_equal(rt_trace_load(path, NULL, &t, err, sizeof err), -1);
    char want[128];
    snprintf(want, sizeof want, "%s:3:1: rev_id 'foo' is not a positive integer", path);
    assert_string_equal(err, want);
    unlink(path);
    /* a tiny error buffer truncates but never overflows; NULL err is allowed */
    char tiny[8];
    assert_int_equal(rt_trace_load_buffer("abcdefghij", "x\n", 2, NULL, &t, tiny, sizeof tiny),
                     -1);
    assert_string_equal(tiny, "abcdefg");
    assert_int_equal(rt_trace_load_buffer("f", "x\n", 2, NULL, &t, NULL, 0), -1);
}

/* A big file in several read chunks, TSV, with the header line longer than nothing: the file
 * and buffer paths, plain and gzip, must agree row for row. */
static void test_large(void **state)
{
    (void)state;
    const size_t rows = 300000;
    size_t cap = rows * 40 + 64, o = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    o += (size_t)snprintf(text + o, cap - o, "rev_id\ttimestamp\r\n");
    for (size_t i = 0; i < rows; i++)
        o += (size_t)snprintf(text + o, cap - o, "%zu\t%zu.%06zu\r\n", 2300000000 + i,
                              1732449600 + i / 1000, (i % 1000) * 1000);
    struct rt_trace_opts opt = { NULL, 1, NULL };
    struct rt_trace a, b, c;
    assert_int_equal(rt_trace_load_buffer("big", text, o, &opt, &a, err, sizeof err), 0);
    assert_int_equal(a.n, rows);
    assert_int_equal(a.rev_id[rows - 1], 2300000000 + rows - 1);
    assert_int_equal(a.t_unix_us[rows - 1] - a.t_unix_us[0], (int64_t)(rows - 1) * 1000);

    char path[] = "/tmp/rt-test-trace-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_file(path, text, o);
    assert_int_equal(rt_trace_load(path, &opt, &b, err, sizeof err), 0);
    size_t zn;
    text[o] = '\0';
    unsigned char *z = gz(text, &zn, 0);
    write_file(path, z, zn);
    assert_int_equal(rt_trace_load(path, &opt, &c, err, sizeof err), 0);
    assert_int_equal(b.n, rows);
    assert_int_equal(c.n, rows);
    assert_memory_equal(a.rev_id, b.rev_id, rows * sizeof(int64_t));
    assert_memory_equal(a.t_unix_us, c.t_unix_us, rows * sizeof(int64_t));
    rt_trace_free(&a);
    rt_trace_free(&b);
    rt_trace_free(&c);
    /* an error far down a gzip file still names the physical line */
    memcpy(text + o - 9, "x", 1);
    z = (free(z), gz(text, &zn, 0));
    write_file(path, z, zn);
    assert_int_equal(rt_trace_load(path, &opt, &c, err, sizeof err), -1);
    char want[64];
    snprintf(want, sizeof want, ":%zu:2: timestamp", rows + 1);
    assert_non_null(strstr(err, want));
    unlink(path);
    free(z);
    free(text);
}

/* The bundled sample: 30 Wikidata-like IDs with a header (the tests run from the repo root). */
static void test_bundled_sample(void **state)
{
    (void)state;
    struct rt_trace t;
    if (rt_trace_load("data/revids.csv", NULL, &t, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(t.n, 30);
    assert_int_equal(t.first_line, 2);
    for (size_t i = 0; i < t.n; i++)
        assert_in_range(t.rev_id[i], 2200000000LL, 2400000000LL);
    rt_trace_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headerless_ids),  cmocka_unit_test(test_header),
        cmocka_unit_test(test_timed_header),    cmocka_unit_test(test_timed_headerless),
        cmocka_unit_test(test_line_numbers),    cmocka_unit_test(test_bad_ids),
        cmocka_unit_test(test_layout_errors),   cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_files_and_stdin), cmocka_unit_test(test_large),
        cmocka_unit_test(test_bundled_sample),  cmocka_unit_test(test_eventstreams),
        cmocka_unit_test(test_eventstreams_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
