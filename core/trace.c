/*
 * trace.c - loading revision-ID lists and timed traces (libcsv + zlib).
 *
 * One streaming path serves files, stdin and memory buffers: raw bytes go through an optional
 * gzip inflater (chosen by the magic bytes 1f 8b, never by the name) into a libcsv parser whose
 * callbacks convert each field as it arrives, so nothing but the two result arrays is held in
 * memory and a million-row file loads in a few tens of milliseconds.
 *
 * Input is bounded before it reaches the parser: a NUL byte (a binary file, /dev/zero) or a
 * physical line over RT_TRACE_LINE_MAX stops the load at once with FILE:LINE, since libcsv
 * would otherwise grow one field without end.
 *
 * libcsv runs with CSV_REPALL_NL so that every unquoted CR and LF reaches the end-of-row
 * callback; that is how we count physical lines (blank lines included, CRLF counted once,
 * newlines inside quoted fields added when the row ends).  Until the first line is complete
 * the bytes are held back so that the delimiter (a tab in the first line means TSV) is
 * decided the same way whatever the chunking of the input.
 *
 * The first non-blank row is kept whole: it decides whether there is a header (its first field
 * is neither an integer nor a timestamp) and which columns hold the rev ID and the time.  After
 * that each field is converted in the field callback and the first error stops the load;
 * libcsv cannot be interrupted from a callback, so later callbacks are ignored and the read
 * loop stops after the current chunk.  Rows are kept in file order: sorting and monotonicity
 * are replay's business.
 */
#include "core/trace.h"

#include "core/clock.h"
#include "core/rctrace.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK_BYTES (256 * 1024)
#define HEAD_MAX_BYTES (64 * 1024)  /* delimiter decided at the first newline or here */
#define SHOW_MAX 40                 /* characters of a bad value quoted in a message */
#define RT_TRACE_LINE_MAX (1024 * 1024)  /* longest physical line accepted */

/* One field of the first row, copied (libcsv reuses its buffer). */
struct field {
    char *s;                        /* owned, NUL-terminated */
    size_t len;
};

struct loader {
    const char *name;               /* borrowed, for messages */
    const struct rt_trace_opts *opts; /* borrowed, never NULL */
    char *err;                      /* borrowed, caller's buffer */
    size_t errlen;
    int failed;                     /* an error is in err; ignore further callbacks */

    struct csv_parser csv;
    int csv_ready;
    unsigned char *head;            /* owned: bytes held back before the delimiter is known */
    size_t head_len, head_cap;
    int delim_known;
    int bom_checked;

    /* physical lines */
    size_t line;                    /* line on which the current row starts (1-based) */
    size_t row_nl;                  /* newlines inside quoted fields of the current row */
    int cr_pending;                 /* last row ended with a CR: a following LF is the same EOL */

    /* current row */
    size_t col;                     /* fields seen so far in the row */
    int row_nonblank;
    int have_rev, have_time;
    int64_t rev, t_us;

    /* first non-blank row, kept until the columns are decided */
    int layout_known;
    int has_header;
    struct field *first;            /* owned */
    size_t first_n, first_cap;

    size_t rev_col;                 /* 0-based */
    size_t time_col;                /* 0-based; SIZE_MAX when none */

    /* results */
    int64_t *rev_id;                /* owned until handed to the caller */
    int64_t *t_us_arr;              /* owned; NULL without a time column */
    size_t n, cap;
    size_t first_line;

    /* the bounds on the text (bound_text) */
    size_t phys_line;               /* 1-based line of the next byte, counting LF */
    size_t phys_len;                /* bytes since the last line end */

    /* gzip */
    int gz_mode;                    /* -1 undecided, 0 plain, 1 gzip */
    int gz_ready;
    int gz_ended;                   /* the last member ended; more input starts a new one */
    int gz_started;                 /* input consumed since the last member began */
    z_stream zs;
    unsigned char *gz_out;          /* owned, CHUNK_BYTES */

    struct rt_rctrace *rc;          /* owned: an EventStreams capture, read there instead */
};

static void fail(struct loader *L, size_t line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail(struct loader *L, size_t line, size_t col, const char *fmt, ...)
{
    if (L->failed)
        return;
    L->failed = 1;
    if (!L->err || L->errlen == 0)
        return;
    int k;
    if (line && col)
        k = snprintf(L->err, L->errlen, "%s:%zu:%zu: ", L->name, line, col);
    else if (line)
        k = snprintf(L->err, L->errlen, "%s:%zu: ", L->name, line);
    else
        k = snprintf(L->err, L->errlen, "%s: ", L->name);
    if (k < 0 || (size_t)k >= L->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(L->err + k, L->errlen - (size_t)k, fmt, ap);
    va_end(ap);
}

/* A printable, bounded copy of a field for messages (non-printable bytes become '?'). */
static const char *show(char *buf, size_t cap, const char *s, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 4 < cap; i++) {
        if (i == SHOW_MAX) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        unsigned char c = (unsigned char)s[i];
        buf[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    buf[o] = '\0';
    return buf;
}

/* Positive decimal integer that fits int64: digits only, no sign, no spaces. */
static int parse_rev(const char *s, size_t len, int64_t *out)
{
    if (len == 0 || len > 19)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v == 0 || v > (uint64_t)INT64_MAX)
        return -1;
    *out = (int64_t)v;
    return 0;
}

static int parse_time(const char *s, size_t len, int64_t *out)
{
    if (len == 0 || memchr(s, '\0', len))
        return -1;
    return rt_parse_time_utc(s, out);
}

/* A time that cannot be a rev ID: ISO-8601 or Unix seconds with a fraction. */
static int time_like(const char *s, size_t len)
{
    int64_t t;
    if (parse_time(s, len, &t) != 0)
        return 0;
    return memchr(s, '.', len) || memchr(s, '-', len) || memchr(s, ':', len);
}

static int is_time_name(const char *s)
{
    return strcasecmp(s, "timestamp") == 0 || strcasecmp(s, "ts") == 0 ||
           strcasecmp(s, "time") == 0;
}

/* "a, b, c" (shown safely, bounded) into buf. */
static void list_columns(const struct loader *L, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < L->first_n && o + 8 < cap; i++) {
        char one[64];
        int k = snprintf(buf + o, cap - o, "%s'%s'", i ? ", " : "",
                         show(one, sizeof one, L->first[i].s, L->first[i].len));
        if (k < 0 || (size_t)k >= cap - o) {
            buf[o] = '\0';
            snprintf(buf + o, cap - o, ", ...");
            return;
        }
        o += (size_t)k;
        if (i == 15 && L->first_n > 16) {
            snprintf(buf + o, cap - o, ", ... (%zu columns)", L->first_n);
            return;
        }
    }
}

static int push(struct loader *L, int64_t rev, int64_t t_us)
{
    if (L->n == L->cap) {
        size_t cap = L->cap ? L->cap * 2 : 1024;
        if (cap < L->cap || cap > SIZE_MAX / sizeof(int64_t)) {
            fail(L, 0, 0, "too many rows");
            return -1;
        }
        int64_t *r = realloc(L->rev_id, cap * sizeof *r);
        if (!r) {
            fail(L, 0, 0, "out of memory after %zu rows", L->n);
            return -1;
        }
        L->rev_id = r;
        if (L->time_col != SIZE_MAX) {
            int64_t *t = realloc(L->t_us_arr, cap * sizeof *t);
            if (!t) {
                fail(L, 0, 0, "out of memory after %zu rows", L->n);
                return -1;
            }
            L->t_us_arr = t;
        }
        L->cap = cap;
    }
    L->rev_id[L->n] = rev;
    if (L->t_us_arr)
        L->t_us_arr[L->n] = t_us;
    L->n++;
    return 0;
}

/* Convert one data field at 0-based column col of the row starting on line. */
static void data_field(struct loader *L, size_t col, const char *s, size_t len)
{
    char buf[64];
    if (col == L->rev_col && len > 0) {
        if (parse_rev(s, len, &L->rev) != 0) {
            fail(L, L->line, col + 1, "rev_id '%s' is not a positive integer",
                 show(buf, sizeof buf, s, len));
            return;
        }
        L->have_rev = 1;
    } else if (col == L->time_col && len > 0) {
        if (parse_time(s, len, &L->t_us) != 0) {
            fail(L, L->line, col + 1,
                 "timestamp '%s' is not an ISO-8601 UTC time or Unix seconds",
                 show(buf, sizeof buf, s, len));
            return;
        }
        L->have_time = 1;
    }
}

/* End of a non-blank data row: both wanted columns must have been present. */
static void data_row_end(struct loader *L)
{
    if (!L->have_rev) {
        fail(L, L->line, L->rev_col + 1, "missing rev_id (the row has %zu column%s)", L->col,
             L->col == 1 ? "" : "s");
        return;
    }
    if (L->time_col != SIZE_MAX && !L->have_time) {
        fail(L, L->line, L->time_col + 1, "missing timestamp (the row has %zu column%s)",
             L->col, L->col == 1 ? "" : "s");
        return;
    }
    if (L->n == 0)
        L->first_line = L->line;
    push(L, L->rev, L->t_us);
}

/*
 * The first non-blank row is complete: decide header or not, and the columns.
 * Headerless: rev ID in the first column that is not time-like; the time in the first
 * time-like column, or, for a timed trace with exactly two integer columns, the second.
 */
static void decide_layout(struct loader *L)
{
    const char *want = L->opts->column ? L->opts->column : "rev_id";
    int64_t v;
    const struct field *f0 = &L->first[0];
    int header = parse_rev(f0->s, f0->len, &v) != 0 && !time_like(f0->s, f0->len);
    char cols[512];

    L->has_header = header;

    L->rev_col = SIZE_MAX;
    L->time_col = SIZE_MAX;
    L->layout_known = 1;
    if (header) {
        for (size_t i = 0; i < L->first_n; i++) {
            if (L->rev_col == SIZE_MAX && strcasecmp(L->first[i].s, want) == 0)
                L->rev_col = i;
            else if (L->time_col == SIZE_MAX && is_time_name(L->first[i].s))
                L->time_col = i;
        }
        list_columns(L, cols, sizeof cols);
        if (L->rev_col == SIZE_MAX) {
            fail(L, L->line, 0,
                 "no column '%s' in the header line (columns: %s); name the rev-ID column, "
                 "or start a headerless file with a revision ID",
                 want, cols);
            return;
        }
        if (L->opts->need_time && L->time_col == SIZE_MAX) {
            fail(L, L->line, 0,
                 "no timestamp column in the header line (columns: %s); a timed trace needs "
                 "a 'timestamp' column (ISO-8601 UTC or Unix seconds)",
                 cols);
            return;
        }
        return;
    }

    if (L->opts->column) {
        fail(L, L->line, 0,
             "column '%s' requested but the file has no header line (its first field is a "
             "number)",
             L->opts->column);
        return;
    }
    for (size_t i = 0; i < L->first_n; i++) {
        if (time_like(L->first[i].s, L->first[i].len)) {
            if (L->time_col == SIZE_MAX)
                L->time_col = i;
        } else if (L->rev_col == SIZE_MAX) {
            L->rev_col = i;
        }
    }
    if (L->rev_col == SIZE_MAX) {
        L->rev_col = 0;     /* every field looks like a time: report the first as a bad ID */
        L->time_col = SIZE_MAX;
    }
    if (L->time_col == SIZE_MAX && L->opts->need_time) {
        if (L->first_n == 2) {
            L->time_col = L->rev_col == 0 ? 1 : 0;   /* two integers: rev_id, Unix seconds */
        } else {
            list_columns(L, cols, sizeof cols);
            fail(L, L->line, 0,
                 "cannot tell which column is the timestamp (found %zu column%s: %s); add a "
                 "header line with 'rev_id' and 'timestamp'",
                 L->first_n, L->first_n == 1 ? "" : "s", cols);
        }
    }
}

static void free_first(struct loader *L)
{
    for (size_t i = 0; i < L->first_n; i++)
        free(L->first[i].s);
    free(L->first);
    L->first = NULL;
    L->first_n = L->first_cap = 0;
}

static void count_newlines(struct loader *L, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n' || (s[i] == '\r' && (i + 1 == len || s[i + 1] != '\n')))
            L->row_nl++;
    }
}

static void on_field(void *data, size_t len, void *user)
{
    struct loader *L = user;
    const char *s = data ? data : "";
    if (L->failed)
        return;
    L->cr_pending = 0;
    if (len)
        L->row_nonblank = 1;
    if (memchr(s, '\n', len) || memchr(s, '\r', len))
        count_newlines(L, s, len);
    size_t col = L->col++;
    if (L->layout_known) {
        data_field(L, col, s, len);
        return;
    }
    if (L->first_n == L->first_cap) {
        size_t cap = L->first_cap ? L->first_cap * 2 : 8;
        struct field *f = realloc(L->first, cap * sizeof *f);
        if (!f) {
            fail(L, 0, 0, "out of memory");
            return;
        }
        L->first = f;
        L->first_cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy) {
        fail(L, 0, 0, "out of memory");
        return;
    }
    memcpy(copy, s, len);
    copy[len] = '\0';
    L->first[L->first_n].s = copy;
    L->first[L->first_n].len = len;
    L->first_n++;
}

static void on_row(int c, void *user)
{
    struct loader *L = user;
    if (L->failed)
        return;
    if (c == '\n' && L->cr_pending && L->col == 0) {
        L->cr_pending = 0;          /* the LF of a CRLF */
        return;
    }
    L->cr_pending = (c == '\r');
    if (L->row_nonblank) {
        if (!L->layout_known) {
            decide_layout(L);
            if (!L->failed && !L->has_header) {
                /* headerless: the first row is data */
                for (size_t i = 0; i < L->first_n && !L->failed; i++)
                    data_field(L, i, L->first[i].s, L->first[i].len);
                if (!L->failed)
                    data_row_end(L);
            }
            free_first(L);
        } else {
            data_row_end(L);
        }
    } else if (!L->layout_known) {
        free_first(L);              /* a blank row (",,,") before the first real one */
    }
    L->line += L->row_nl + 1;
    L->row_nl = 0;
    L->col = 0;
    L->row_nonblank = 0;
    L->have_rev = L->have_time = 0;
}

static void csv_feed(struct loader *L, const unsigned char *p, size_t len)
{
    if (L->failed || len == 0)
        return;
    if (csv_parse(&L->csv, p, len, on_field, on_row, L) != len && !L->failed)
        fail(L, L->line, 0, "%s", csv_strerror(csv_error(&L->csv)));
}

/* The text goes to the EventStreams reader (core/rctrace.c), not to libcsv. */
static void rc_feed(struct loader *L, const unsigned char *p, size_t len)
{
    char msg[512];
    size_t line = 0;
    if (rt_rctrace_feed(L->rc, p, len, &line, msg, sizeof msg) != 0)
        fail(L, line, 0, "%s", msg);
}

/* The text, head included, goes to the reader the head chose: EventStreams or libcsv. */
static void parse_feed(struct loader *L, const unsigned char *p, size_t len)
{
    if (L->rc)
        rc_feed(L, p, len);
    else
        csv_feed(L, p, len);
}

/* Decide the delimiter from the held-back head (or that it is an EventStreams capture),
   then parse it. */
static void flush_head(struct loader *L)
{
    const unsigned char *p = L->head;
    size_t len = L->head_len;
    enum rt_rctrace_kind kind = rt_rctrace_sniff(p, len);
    if (kind != RT_RCTRACE_NONE) {
        L->rc = rt_rctrace_new(kind, L->opts->wiki);
        if (!L->rc)
            fail(L, 0, 0, "out of memory");
    }
    const unsigned char *nl = memchr(p, '\n', len);
    const unsigned char *cr = memchr(p, '\r', len);
    size_t first = nl ? (size_t)(nl - p) : len;
    if (cr && (size_t)(cr - p) < first)
        first = (size_t)(cr - p);
    if (memchr(p, '\t', first))
        csv_set_delim(&L->csv, CSV_TAB);
    L->delim_known = 1;
    parse_feed(L, p, len);
    free(L->head);
    L->head = NULL;
    L->head_len = L->head_cap = 0;
}

/*
 * Refuse a NUL byte or a line over RT_TRACE_LINE_MAX (LF ends a line; a lone CR too, for
 * a line that would otherwise be too long).  Counts lines across chunks.
 */
static void bound_text(struct loader *L, const unsigned char *p, size_t len)
{
    const unsigned char *nul = memchr(p, '\0', len);
    const unsigned char *q = p, *end = nul ? nul : p + len;
    while (q < end && !L->failed) {
        const unsigned char *nl = memchr(q, '\n', (size_t)(end - q));
        const unsigned char *stop = nl ? nl : end;
        size_t seg = (size_t)(stop - q);
        if (L->phys_len + seg > RT_TRACE_LINE_MAX) {
            const unsigned char *cr = stop;      /* the last CR of the segment, if any */
            while (cr > q && *--cr != '\r') {
            }
            if (*cr != '\r')
                cr = NULL;
            if (!cr || (size_t)(stop - cr - 1) > RT_TRACE_LINE_MAX)
                fail(L, L->phys_line, 0, "a line over %d MiB: not a list of revision IDs",
                     RT_TRACE_LINE_MAX >> 20);
            L->phys_len = (size_t)(stop - cr - 1);
        } else {
            L->phys_len += seg;
        }
        if (nl) {
            L->phys_line++;
            L->phys_len = 0;
        }
        q = stop + (nl != NULL);
    }
    if (nul)
        fail(L, L->phys_line, 0, "a NUL byte: this is not a text file");
}

/* Decompressed text arrives here. */
static void text_feed(struct loader *L, const unsigned char *p, size_t len)
{
    if (L->failed || len == 0)
        return;
    bound_text(L, p, len);
    if (L->failed)
        return;
    if (L->delim_known) {
        parse_feed(L, p, len);
        return;
    }
    if (L->head_len + len > L->head_cap) {
        size_t cap = L->head_cap ? L->head_cap : 4096;
        while (cap < L->head_len + len)
            cap *= 2;
        unsigned char *h = realloc(L->head, cap);
        if (!h) {
            fail(L, 0, 0, "out of memory");
            return;
        }
        L->head = h;
        L->head_cap = cap;
    }
    memcpy(L->head + L->head_len, p, len);
    L->head_len += len;
    if (!L->bom_checked && L->head_len >= 3) {
        L->bom_checked = 1;
        if (memcmp(L->head, "\xef\xbb\xbf", 3) == 0) {   /* UTF-8 BOM from spreadsheets */
            memmove(L->head, L->head + 3, L->head_len - 3);
            L->head_len -= 3;
        }
    }
    if (memchr(L->head, '\n', L->head_len) || memchr(L->head, '\r', L->head_len) ||
        L->head_len >= HEAD_MAX_BYTES)
        flush_head(L);
}

/* Raw input (maybe gzip) arrives here; the first call decides the mode from its bytes. */
static void raw_feed(struct loader *L, const unsigned char *p, size_t len)
{
    if (L->failed || len == 0)
        return;
    if (L->gz_mode < 0)
        L->gz_mode = len >= 2 && p[0] == 0x1f && p[1] == 0x8b;
    if (!L->gz_mode) {
        text_feed(L, p, len);
        return;
    }
    if (!L->gz_ready) {
        memset(&L->zs, 0, sizeof L->zs);
        if (inflateInit2(&L->zs, 15 + 16) != Z_OK) {
            fail(L, 0, 0, "cannot start the gzip decoder");
            return;
        }
        L->gz_ready = 1;
        L->gz_out = malloc(CHUNK_BYTES);
        if (!L->gz_out) {
            fail(L, 0, 0, "out of memory");
            return;
        }
    }
    unsigned char *out = L->gz_out;
    L->zs.next_in = (unsigned char *)p;
    L->zs.avail_in = (uInt)len;
    int more = 0;
    while ((L->zs.avail_in > 0 || more) && !L->failed) {
        if (L->gz_ended) {
            /* concatenated members, as gzip(1) writes with -c >> */
            if (inflateReset(&L->zs) != Z_OK) {
                fail(L, 0, 0, "gzip decoder reset failed");
                return;
            }
            L->gz_ended = 0;
        }
        L->gz_started = 1;
        L->zs.next_out = out;
        L->zs.avail_out = CHUNK_BYTES;
        int r = inflate(&L->zs, Z_NO_FLUSH);
        size_t got = CHUNK_BYTES - L->zs.avail_out;
        if (r == Z_STREAM_END) {
            L->gz_ended = 1;
            L->gz_started = 0;
        } else if (r != Z_OK && r != Z_BUF_ERROR) {
            fail(L, 0, 0, "corrupt gzip data (%s)", L->zs.msg ? L->zs.msg : "inflate failed");
            return;
        }
        text_feed(L, out, got);
        more = L->zs.avail_out == 0 && !L->gz_ended;
        if (r == Z_BUF_ERROR && got == 0)
            break;
    }
}

static void loader_init(struct loader *L, const char *name, const struct rt_trace_opts *opts,
                        char *err, size_t errlen)
{
    static const struct rt_trace_opts defaults = { NULL, 0, NULL };
    memset(L, 0, sizeof *L);
    L->name = name ? name : "-";
    L->opts = opts ? opts : &defaults;
    L->err = err;
    L->errlen = errlen;
    L->line = 1;
    L->phys_line = 1;
    L->gz_mode = -1;
    L->rev_col = SIZE_MAX;
    L->time_col = SIZE_MAX;
    if (err && errlen)
        err[0] = '\0';
    if (csv_init(&L->csv, CSV_APPEND_NULL | CSV_REPALL_NL) != 0) {
        fail(L, 0, 0, "cannot start the CSV parser");
        return;
    }
    L->csv_ready = 1;
}

static void rc_finish(struct loader *L, struct rt_trace *out)
{
    char msg[512];
    size_t line = 0;
    if (rt_rctrace_finish(L->rc, out, &line, msg, sizeof msg) != 0)
        fail(L, line, 0, "%s", msg);
}

/* End of input: flush everything, check it, hand the arrays over or free them. */
static int loader_finish(struct loader *L, struct rt_trace *out)
{
    if (!L->failed && L->gz_mode == 1 && L->gz_started && !L->gz_ended)
        fail(L, 0, 0, "truncated gzip data");
    if (!L->failed && !L->delim_known && L->head_len)
        flush_head(L);
    if (L->rc) {
        if (!L->failed)
            rc_finish(L, out);
    } else if (!L->failed && L->csv_ready) {
        csv_fini(&L->csv, on_field, on_row, L);
    }
    if (!L->failed && L->n == 0 && !L->rc)
        fail(L, 0, 0, "no revision IDs");
    if (L->csv_ready)
        csv_free(&L->csv);
    if (L->gz_ready)
        inflateEnd(&L->zs);
    free(L->gz_out);
    free(L->head);
    free_first(L);
    rt_rctrace_free(L->rc);
    if (L->failed) {
        free(L->rev_id);
        free(L->t_us_arr);
        return -1;
    }
    if (L->rc)
        return 0;                   /* *out filled by rc_finish */
    memset(out, 0, sizeof *out);
    out->rev_id = L->rev_id;
    out->t_unix_us = L->t_us_arr;
    out->n = L->n;
    out->first_line = L->first_line;
    return 0;
}

int rt_trace_load_buffer(const char *name, const void *buf, size_t len,
                         const struct rt_trace_opts *opts, struct rt_trace *out, char *err,
                         size_t errlen)
{
    struct loader L;
    loader_init(&L, name, opts, err, errlen);
    const unsigned char *p = buf;
    /* chunks keep inflate's uInt counts in range */
    while (len > 0 && !L.failed) {
        size_t n = len < CHUNK_BYTES ? len : CHUNK_BYTES;
        raw_feed(&L, p, n);
        p += n;
        len -= n;
    }
    return loader_finish(&L, out);
}

/* read() until cap bytes or end of file; -1 on error. */
static ssize_t read_full(int fd, unsigned char *buf, size_t cap)
{
    size_t got = 0;
    while (got < cap) {
        ssize_t r = read(fd, buf + got, cap - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int rt_trace_load(const char *path, const struct rt_trace_opts *opts, struct rt_trace *out,
                  char *err, size_t errlen)
{
    int is_stdin = path && strcmp(path, "-") == 0;
    struct loader L;
    loader_init(&L, is_stdin ? "<stdin>" : path, opts, err, errlen);
    unsigned char *buf = NULL;
    int fd = -1;
    if (L.failed)
        goto done;
    if (!path) {
        fail(&L, 0, 0, "no file name");
        goto done;
    }
    fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fail(&L, 0, 0, "cannot open: %s", strerror(errno));
        goto done;
    }
    buf = malloc(CHUNK_BYTES);
    if (!buf) {
        fail(&L, 0, 0, "out of memory");
        goto done;
    }
    for (;;) {
        ssize_t r = read_full(fd, buf, CHUNK_BYTES);
        if (r < 0) {
            fail(&L, 0, 0, "read error: %s", strerror(errno));
            break;
        }
        raw_feed(&L, buf, (size_t)r);
        if (r < CHUNK_BYTES || L.failed)
            break;
    }
done:
    if (fd >= 0 && !is_stdin)
        close(fd);
    free(buf);
    return loader_finish(&L, out);
}

void rt_trace_free(struct rt_trace *t)
{
    if (!t)
        return;
    free(t->rev_id);
    free(t->t_unix_us);
    memset(t, 0, sizeof *t);
}
