/*
 * replayplan.h - the replay schedule: source times in, plan items out (pure, no I/O).
 *
 * A replay re-issues a source (a recorded run, or a timed trace file) at a speed factor F:
 * source request i, whose source time is t_i, is scheduled at round((t_i - t_0) / F)
 * microseconds after the replay's own time 0, with the same rev ID, in the same order.
 * t_0 is the time of the source's first request, whatever the shard: every shard of a
 * sharded replay computes the same schedule and keeps only its own requests
 * (seq % n == i), so shards started on several machines at the same --start-at interleave
 * exactly as one unsharded replay would.  --limit N keeps the first N source requests
 * (before the shard filter: the shards of a limited replay together send those N).
 *
 * The new run keeps the source's seq, so a shard's requests carry their original numbers and
 * the rows of merged shards never collide.  Source times must not go backwards: a timed trace
 * that does is refused (the caller reports the line); see rt_replayplan_feed.
 *
 * Everything here is deterministic arithmetic so that tests can check the schedule to the
 * microsecond; the readers (database, trace file) live in replay/.
 */
#ifndef RT_REPLAYPLAN_H
#define RT_REPLAYPLAN_H

#include <stddef.h>
#include <stdint.h>

#include "core/plan.h"

struct rt_replayplan_cfg {
    double speed;           /* > 0, finite */
    int shard_index;        /* 0 <= shard_index < shard_count */
    int shard_count;        /* 1: not sharded */
    int64_t limit;          /* keep the first `limit` source requests; 0: all */
};

/* Streaming state: feed source requests in source order.  Plain data; no free needed. */
struct rt_replayplan {
    struct rt_replayplan_cfg cfg;
    int64_t t0_src_us;      /* time of the first source request (valid when fed > 0) */
    int64_t last_src_us;    /* time of the previous source request */
    int64_t fed;            /* source requests seen (within the limit) */
    int64_t kept;           /* of them, sent by this shard */
};

/* Result codes of rt_replayplan_feed. */
enum {
    RT_REPLAYPLAN_SKIP = 0,      /* another shard's request: nothing to send */
    RT_REPLAYPLAN_KEEP = 1,      /* *it filled: this shard sends it */
    RT_REPLAYPLAN_END = 2,       /* the limit is reached: stop reading the source */
    RT_REPLAYPLAN_EBACK = -1,    /* t_src_us is earlier than the previous request's */
};

/* Start a plan.  cfg is copied; shard_count < 1 is taken as 1. */
void rt_replayplan_init(struct rt_replayplan *p, const struct rt_replayplan_cfg *cfg);

/*
 * Feed the next source request (seq as the source numbers it, its rev ID, its source time in
 * microseconds on any fixed origin).  Returns RT_REPLAYPLAN_KEEP with *it = { seq, rev_id,
 * scheduled_us }, RT_REPLAYPLAN_SKIP, RT_REPLAYPLAN_END (the request is beyond --limit and
 * is not counted), or RT_REPLAYPLAN_EBACK (p is unchanged; the caller refuses the source).
 */
int rt_replayplan_feed(struct rt_replayplan *p, int64_t seq, int64_t rev_id, int64_t t_src_us,
                       struct rt_plan_item *it);

/* round(dt_us / speed) to the nearest microsecond (halves away from zero). */
int64_t rt_replayplan_scale_us(int64_t dt_us, double speed);

/* Does seq belong to shard index of count?  (seq % count == index; count <= 1: yes.) */
int rt_replayplan_in_shard(int64_t seq, int index, int count);

/*
 * Parse "--shard i/n": integers with 0 <= i < n, 1 <= n <= 100000, nothing else.
 * Returns 0, or -1 with a message saying what is expected.
 */
int rt_replayplan_parse_shard(const char *s, int *index, int *count, char *err, size_t errlen);

/*
 * The first index i >= 1 with t[i] < t[i-1] (times going backwards), or 0 when the n times
 * never decrease.
 */
size_t rt_replayplan_find_backwards(const int64_t *t_us, size_t n);

/*
 * A fingerprint of a timed trace's content (rev IDs and times, not the file's bytes, so the
 * same trace gzipped or not, CSV or TSV, gives the same key): "trace:" and 16 hex digits of
 * a 64-bit FNV-1a hash, into out (at least 24 bytes).  Returns out.
 */
char *rt_replayplan_trace_key(const int64_t *rev_id, const int64_t *t_us, size_t n,
                              char *out, size_t outlen);

/*
 * The group id that the shards of one sharded replay share, derived without coordination
 * from what every shard is given alike: the source key (a run uuid, or rt_replayplan_trace_key),
 * the speed, the shard count, --start-at (0 when none) and --limit.  "g-" and 16 hex digits
 * into out (at least 20 bytes).  Returns out.
 */
char *rt_replayplan_group_id(const char *source_key, double speed, int shard_count,
                             int64_t start_at_unix_us, int64_t limit, char *out,
                             size_t outlen);

#endif
