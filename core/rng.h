/*
 * rng.h - the one pseudo-random generator every seeded part of revtrace uses (schedules,
 * synthetic traces, the emulator's model and faults): xoshiro256** seeded through
 * splitmix64.  Small, fast, and the same sequence for the same seed on every machine, which
 * is what "the schedule is fixed in advance from --seed" needs.
 */
#ifndef RT_RNG_H
#define RT_RNG_H

#include <stdint.h>

/*
 * The generator's whole state, a plain value owned by the caller (no allocation, nothing to
 * free; a copy replays the same stream).  Not thread-safe: one per thread or a lock.  The stream
 * for a seed is part of revtrace's output contract (same --seed, same schedule, on every
 * machine and version): tests/unit/core/test_rng.c pins it.
 */
struct rt_rng { uint64_t s[4]; };

/* (Re)start r at the stream of seed; any 64-bit seed, 0 included, gives a good stream. */
void rt_rng_seed(struct rt_rng *r, uint64_t seed);
/* The next 64 uniformly distributed bits. */
uint64_t rt_rng_next(struct rt_rng *r);
/* Uniform in [0, 1), a multiple of 2^-53 (the top 53 bits of one draw). */
double rt_rng_uniform(struct rt_rng *r);
/* Uniform in (0, 1], a multiple of 2^-53: never 0, so log() of it is finite. */
double rt_rng_open01(struct rt_rng *r);
/*
 * Exponential with rate events per unit (rate > 0, finite; the result is in 1/rate's unit),
 * mean 1/rate, e.g. the gap to the next Poisson arrival in seconds for rate_per_s.  One
 * draw; finite and >= 0 (at most about 36.7/rate).
 */
double rt_rng_exp(struct rt_rng *r, double rate);
/* Uniform integer in [0, n); n > 0 (n == 0 divides by zero).  Exact (rejection sampling). */
uint64_t rt_rng_below(struct rt_rng *r, uint64_t n);

#endif
