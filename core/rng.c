/*
 * rng.c - xoshiro256** (Blackman and Vigna's public-domain design), seeded by splitmix64 so
 * that nearby seeds give unrelated streams.
 */
#include "core/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void rt_rng_seed(struct rt_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

uint64_t rt_rng_next(struct rt_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double rt_rng_uniform(struct rt_rng *r)
{
    return (double)(rt_rng_next(r) >> 11) * 0x1.0p-53;
}

double rt_rng_open01(struct rt_rng *r)
{
    return ((double)(rt_rng_next(r) >> 11) + 1.0) * 0x1.0p-53;
}

double rt_rng_exp(struct rt_rng *r, double rate)
{
    return -log(rt_rng_open01(r)) / rate;
}

uint64_t rt_rng_below(struct rt_rng *r, uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = rt_rng_next(r);
    while (x >= limit);
    return x % n;
}
