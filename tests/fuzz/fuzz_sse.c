/*
 * fuzz_sse.c - libFuzzer harness for the SSE parser (core/sse.c) and the recentchange
 * decoder behind it.
 *
 * Each input is parsed twice in both modes: whole, and split at a point taken from its first
 * byte (and then byte by byte for short inputs).  The contract: the same events (count and a
 * running hash of data, type and id) whatever the chunking, or the same error at the same
 * line; every event's data has no NUL and is at most max_line bytes.  Events are also handed
 * to rt_rc_decode, which must either fill a kept event with a positive rev ID or say why not.
 * test_fuzz_corpus.c replays the saved corpus (tests/fuzz/corpus/sse/) in every make check.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/recentchange.h"
#include "core/sse.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)
#define FUZZ_MAX_LINE 512

struct fuzz_sse_sum {
    size_t events;
    uint64_t hash;
};

static uint64_t fuzz_sse_mix(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return (h ^ 0xff) * 1099511628211ull;
}

static int fuzz_sse_on_event(void *ctx, const struct rt_sse_event *ev)
{
    struct fuzz_sse_sum *sum = ctx;
    FUZZ_CHECK(ev->data_len <= FUZZ_MAX_LINE && strlen(ev->data) == ev->data_len);
    FUZZ_CHECK(ev->line >= 1);
    sum->events++;
    sum->hash = fuzz_sse_mix(sum->hash, ev->data, ev->data_len);
    sum->hash = fuzz_sse_mix(sum->hash, ev->type, strlen(ev->type));
    sum->hash = fuzz_sse_mix(sum->hash, ev->id, strlen(ev->id));
    struct rt_rc_event rc;
    char err[256];
    err[0] = '\0';
    if (rt_rc_decode(ev->data, ev->data_len, NULL, &rc, err, sizeof err) == 0) {
        if (rc.cls == RT_RC_KEEP)
            FUZZ_CHECK(rc.rev_id > 0);
    } else {
        FUZZ_CHECK(err[0] != '\0');
    }
    return 0;
}

/* Parse data in pieces of at most step bytes (0: whole); returns the result code. */
static int fuzz_sse_run(enum rt_sse_mode mode, const uint8_t *data, size_t size, size_t step,
                        struct fuzz_sse_sum *sum, size_t *err_line)
{
    memset(sum, 0, sizeof *sum);
    struct rt_sse *p = rt_sse_new(mode, FUZZ_MAX_LINE, fuzz_sse_on_event, sum);
    FUZZ_CHECK(p != NULL);
    char err[256];
    int rc = 0;
    size_t off = 0;
    while (rc == 0 && off < size) {
        size_t n = step && size - off > step ? step : size - off;
        rc = rt_sse_feed(p, data + off, n, err, sizeof err);
        off += n;
    }
    if (rc == 0)
        rc = rt_sse_finish(p, NULL, err, sizeof err) < 0 ? -1 : 0;
    *err_line = rc ? rt_sse_error_line(p) : 0;
    rt_sse_free(p);
    return rc;
}

static int fuzz_sse_one(const uint8_t *data, size_t size)
{
    for (int mode = RT_SSE_EVENTS; mode <= RT_SSE_LINES; mode++) {
        struct fuzz_sse_sum whole, split;
        size_t l1, l2;
        int r1 = fuzz_sse_run((enum rt_sse_mode)mode, data, size, 0, &whole, &l1);
        size_t step = size ? (size_t)data[0] % 7 + 1 : 1;
        if (size < 256)
            step = 1;
        int r2 = fuzz_sse_run((enum rt_sse_mode)mode, data, size, step, &split, &l2);
        FUZZ_CHECK(r1 == r2 && l1 == l2);
        FUZZ_CHECK(whole.events == split.events && whole.hash == split.hash);
    }
    return 0;
}

#ifndef RT_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_sse_one(data, size);
}
#endif
