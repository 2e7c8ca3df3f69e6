/*
 * replayplan.c - the replay schedule (see replayplan.h): scale source gaps by 1/F, filter a
 * shard, stop at --limit, and the deterministic keys that let independent shards agree.
 *
 * Scaling divides the offset from t_0 (never accumulates scaled gaps), so rounding errors do
 * not add up over a long trace: every scheduled time is within half a microsecond of the
 * exact (t_i - t_0) / F.  Doubles hold offsets exactly up to 2^53 us (285 years).
 */
#include "replay/replayplan.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rt_replayplan_init(struct rt_replayplan *p, const struct rt_replayplan_cfg *cfg)
{
    memset(p, 0, sizeof *p);
    p->cfg = *cfg;
    if (p->cfg.shard_count < 1) {
        p->cfg.shard_count = 1;
        p->cfg.shard_index = 0;
    }
    if (p->cfg.limit < 0)
        p->cfg.limit = 0;
}

int64_t rt_replayplan_scale_us(int64_t dt_us, double speed)
{
    return (int64_t)llround((double)dt_us / speed);
}

int rt_replayplan_in_shard(int64_t seq, int index, int count)
{
    if (count <= 1)
        return 1;
    int64_t r = seq % count;
    if (r < 0)
        r += count;
    return r == index;
}

int rt_replayplan_feed(struct rt_replayplan *p, int64_t seq, int64_t rev_id, int64_t t_src_us,
                       struct rt_plan_item *it)
{
    if (p->cfg.limit > 0 && p->fed >= p->cfg.limit)
        return RT_REPLAYPLAN_END;
    if (p->fed == 0) {
        p->t0_src_us = t_src_us;
    } else if (t_src_us < p->last_src_us) {
        return RT_REPLAYPLAN_EBACK;
    }
    p->last_src_us = t_src_us;
    p->fed++;
    if (!rt_replayplan_in_shard(seq, p->cfg.shard_index, p->cfg.shard_count))
        return RT_REPLAYPLAN_SKIP;
    p->kept++;
    it->seq = seq;
    it->rev_id = rev_id;
    it->scheduled_us = rt_replayplan_scale_us(t_src_us - p->t0_src_us, p->cfg.speed);
    return RT_REPLAYPLAN_KEEP;
}

static int parse_int(const char *s, const char **end, long *out)
{
    char *e;
    if (*s < '0' || *s > '9')
        return -1;               /* no sign, no space */
    errno = 0;
    long v = strtol(s, &e, 10);
    if (errno != 0 || e == s)
        return -1;
    *out = v;
    *end = e;
    return 0;
}

int rt_replayplan_parse_shard(const char *s, int *index, int *count, char *err, size_t errlen)
{
    const char *rest;
    long i, n;
    if (!s || parse_int(s, &rest, &i) != 0 || *rest != '/' ||
        parse_int(rest + 1, &rest, &n) != 0 || *rest != '\0') {
        snprintf(err, errlen, "expected INDEX/COUNT such as 0/3 (shard INDEX of COUNT, "
                 "INDEX counting from 0)");
        return -1;
    }
    if (n < 1 || n > 100000) {
        snprintf(err, errlen, "the shard count must be between 1 and 100000");
        return -1;
    }
    if (i >= n) {
        snprintf(err, errlen, "the shard index counts from 0 and must be below the count "
                 "(0/%ld .. %ld/%ld)", n, n - 1, n);
        return -1;
    }
    *index = (int)i;
    *count = (int)n;
    return 0;
}

size_t rt_replayplan_find_backwards(const int64_t *t_us, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (t_us[i] < t_us[i - 1])
            return i;
    return 0;
}

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv_bytes(uint64_t h, const void *buf, size_t len)
{
    const unsigned char *b = buf;
    for (size_t i = 0; i < len; i++) {
        h ^= b[i];
        h *= FNV_PRIME;
    }
    return h;
}

/* Little-endian bytes, so the key is the same on any host. */
static uint64_t fnv_i64(uint64_t h, int64_t v)
{
    unsigned char b[8];
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(u >> (8 * i));
    return fnv_bytes(h, b, sizeof b);
}

char *rt_replayplan_trace_key(const int64_t *rev_id, const int64_t *t_us, size_t n,
                              char *out, size_t outlen)
{
    uint64_t h = fnv_i64(FNV_OFFSET, (int64_t)n);
    for (size_t i = 0; i < n; i++) {
        h = fnv_i64(h, rev_id[i]);
        h = fnv_i64(h, t_us ? t_us[i] : 0);
    }
    snprintf(out, outlen, "trace:%016llx", (unsigned long long)h);
    return out;
}

char *rt_replayplan_group_id(const char *source_key, double speed, int shard_count,
                             int64_t start_at_unix_us, int64_t limit, char *out,
                             size_t outlen)
{
    char text[512];
    /* %.17g round-trips a double, so equal speeds give equal text on every machine. */
    snprintf(text, sizeof text, "%s|speed=%.17g|n=%d|start=%lld|limit=%lld",
             source_key ? source_key : "", speed, shard_count, (long long)start_at_unix_us,
             (long long)limit);
    uint64_t h = fnv_bytes(FNV_OFFSET, text, strlen(text));
    snprintf(out, outlen, "g-%016llx", (unsigned long long)h);
    return out;
}
