/*
 * synthgen.h - a seeded generator of a synthetic, Wikidata-like timed edit stream (pure: no
 * I/O), for `revtrace synth`.
 *
 * The model: background edits are a non-homogeneous Poisson process whose rate follows a slow
 * diurnal curve (peak around 15:00 UTC, +-30 %) with a ~17-minute wobble (+-8 %), normalised
 * so that the mean over the generated window is the requested rate; on top of it, bot bursts
 * start as a Poisson process, each a few hundred edits (150-600) at a steady pace of 0.4-1.0x
 * the mean rate (at 30,000/h: 3-8 edits per second) with +-50 % jitter per gap.  The share of
 * edits that come from bursts is a parameter (default 12 %).  Revision IDs are synthetic:
 * strictly increasing in time order from first_rev_id, mostly by 1 with an occasional small
 * gap (as on a real wiki, where other namespaces and deletions use numbers too).
 *
 * Same configuration, same output, on any machine: the PRNG is xoshiro256** seeded through
 * splitmix64, and nothing reads the clock.
 */
#ifndef RT_SYNTHGEN_H
#define RT_SYNTHGEN_H

#include <stddef.h>
#include <stdint.h>

struct rt_synth_cfg {
    uint64_t seed;
    double rate_per_s;          /* mean edits per second over the window, > 0 */
    int64_t duration_us;        /* window length; 0: as long as `requests` needs */
    int64_t requests;           /* at most this many edits; 0: all in the window */
    int64_t start_unix_us;      /* time of the window's start */
    int64_t first_rev_id;       /* > 0 */
    double burst_share;         /* in [0, 0.9]: expected share of edits in bot bursts */
};

struct rt_synth_event {
    int64_t t_unix_us;
    int64_t rev_id;
};

/* Defaults: seed 1, 30,000/h, 1 h, start 2025-11-03T14:00:00Z, rev IDs from 2,350,000,000,
   12 % in bursts. */
void rt_synth_cfg_default(struct rt_synth_cfg *c);

/*
 * Generate the stream, sorted by time (ties keep generation order), rev IDs strictly
 * increasing.  On success returns 0 with *out a malloc'd array of *n events (the caller
 * frees it); on bad configuration or out of memory returns -1 with err filled.
 * At least one of duration_us and requests must be positive.
 */
int rt_synth_generate(const struct rt_synth_cfg *c, struct rt_synth_event **out, size_t *n,
                      char *err, size_t errlen);

/* The background rate multiplier at a Unix time (before normalisation); exposed for tests. */
double rt_synth_shape(int64_t t_unix_us, double wobble_phase);

#endif
