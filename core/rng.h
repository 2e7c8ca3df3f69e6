/*
 * rng.h - the one pseudo-random generator every seeded part of revtrace uses (schedules,
 * synthetic traces, the emulator's model and faults): xoshiro256** seeded through
 * splitmix64.  Small, fast, and the same sequence for the same seed on every machine, which
 * is what "the schedule is fixed in advance from --seed" needs.
 */
#ifndef RT_RNG_H
#define RT_RNG_H

#include <stdint.h>

struct rt_rng { uint64_t s[4]; };

void rt_rng_seed(struct rt_rng *r, uint64_t seed);
uint64_t rt_rng_next(struct rt_rng *r);
/* Uniform in [0, 1). */
double rt_rng_uniform(struct rt_rng *r);
/* Uniform in (0, 1]: never 0, so log() of it is finite. */
double rt_rng_open01(struct rt_rng *r);
/* Exponential with the given rate (mean 1/rate). */
double rt_rng_exp(struct rt_rng *r, double rate);
/* Uniform integer in [0, n); n > 0.  Exact (rejection sampling). */
uint64_t rt_rng_below(struct rt_rng *r, uint64_t n);

#endif
