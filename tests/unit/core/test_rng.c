/*
 * test_rng.c - the seeded generator: the stream is pinned for two seeds (a schedule made
 * from --seed must be the same on every machine and every version), reproducible and
 * seed-dependent, and each derived draw keeps its range (uniform in [0, 1), open01 in
 * (0, 1], below in [0, n)) and its distribution (chi-square for below, the mean and a tail
 * for exp).
 *
 * Every statistical check uses a fixed seed, so it cannot flake: its bounds are generous
 * (several standard deviations) only so that a correct change of seed would also pass.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/rng.h"

static void test_known_stream(void **state)
{
    (void)state;
    /* xoshiro256** seeded by splitmix64, computed independently (Python, 64-bit masks). */
    static const uint64_t seed0[] = { 0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL,
                                      0x1a5f849d4933e6e0ULL, 0x6aa594f1262d2d2cULL };
    static const uint64_t seed42[] = { 0x15780b2e0c2ec716ULL, 0x6104d9866d113a7eULL,
                                       0xae17533239e499a1ULL, 0xecb8ad4703b360a1ULL };
    struct rt_rng r;
    rt_rng_seed(&r, 0);
    for (int i = 0; i < 4; i++)
        assert_true(rt_rng_next(&r) == seed0[i]);
    rt_rng_seed(&r, 42);
    for (int i = 0; i < 4; i++)
        assert_true(rt_rng_next(&r) == seed42[i]);
}

static void test_same_seed_same_sequence(void **state)
{
    (void)state;
    struct rt_rng a, b;
    rt_rng_seed(&a, 12345);
    rt_rng_seed(&b, 12345);
    for (int i = 0; i < 10000; i++)
        assert_true(rt_rng_next(&a) == rt_rng_next(&b));
    /* Reseeding restarts the stream, whatever was drawn before. */
    rt_rng_seed(&a, 7);
    uint64_t first[8];
    for (int i = 0; i < 8; i++)
        first[i] = rt_rng_next(&a);
    for (int i = 0; i < 1000; i++)
        (void)rt_rng_next(&a);
    rt_rng_seed(&a, 7);
    for (int i = 0; i < 8; i++)
        assert_true(rt_rng_next(&a) == first[i]);
}

static void test_different_seeds_differ(void **state)
{
    (void)state;
    /* Nearby seeds (splitmix64 spreads them) and extreme ones give unrelated streams. */
    static const uint64_t seeds[] = { 0, 1, 2, 3, 42, 43, UINT64_MAX, UINT64_MAX - 1 };
    enum { NS = sizeof seeds / sizeof seeds[0], N = 64 };
    uint64_t v[NS][N];
    for (size_t s = 0; s < NS; s++) {
        struct rt_rng r;
        rt_rng_seed(&r, seeds[s]);
        for (int i = 0; i < N; i++)
            v[s][i] = rt_rng_next(&r);
    }
    for (size_t a = 0; a < NS; a++)
        for (size_t b = a + 1; b < NS; b++) {
            int same = 0;
            for (int i = 0; i < N; i++)
                same += v[a][i] == v[b][i];
            if (same != 0)
                fail_msg("seeds %zu and %zu share %d of %d draws", a, b, same, N);
        }
    /* Not stuck: no repeated value within one stream either. */
    for (size_t s = 0; s < NS; s++)
        for (int i = 0; i < N; i++)
            for (int j = i + 1; j < N; j++)
                assert_true(v[s][i] != v[s][j]);
}

static void test_uniform_range(void **state)
{
    (void)state;
    struct rt_rng r;
    rt_rng_seed(&r, 2024);
    double lo = 1, hi = 0, sum = 0;
    enum { N = 200000 };
    for (int i = 0; i < N; i++) {
        double u = rt_rng_uniform(&r);
        assert_true(u >= 0.0 && u < 1.0);
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
        sum += u;
    }
    assert_true(lo < 1e-4);
    assert_true(hi > 1 - 1e-4);
    /* mean 1/2, sd of the mean sqrt(1/12/N) ~ 0.00065: 0.005 is > 7 sd */
    assert_true(fabs(sum / N - 0.5) < 0.005);
}

static void test_open01_range(void **state)
{
    (void)state;
    struct rt_rng r;
    rt_rng_seed(&r, 99);
    double sum = 0;
    enum { N = 200000 };
    for (int i = 0; i < N; i++) {
        double u = rt_rng_open01(&r);
        assert_true(u > 0.0 && u <= 1.0);
        assert_true(isfinite(log(u)));
        sum += u;
    }
    assert_true(fabs(sum / N - 0.5) < 0.005);

    /* The ends, with a state that makes rt_rng_next return 0 and then UINT64_MAX:
       xoshiro's output is rotl(s[1] * 5, 7) * 9, so s[1] == 0 gives 0. */
    struct rt_rng z = { { 1, 0, 0, 0 } };
    struct rt_rng z2 = z;
    assert_true(rt_rng_next(&z2) == 0);
    assert_true(rt_rng_open01(&z) == 0x1p-53);          /* the smallest value, not 0 */
    assert_true(rt_rng_open01(&z) <= 1.0);
    z = (struct rt_rng){ { 1, 0, 0, 0 } };
    assert_true(rt_rng_uniform(&z) == 0.0);              /* uniform can be exactly 0 */
}

static void test_below_bounds(void **state)
{
    (void)state;
    struct rt_rng r;
    rt_rng_seed(&r, 5);
    for (int i = 0; i < 1000; i++)
        assert_true(rt_rng_below(&r, 1) == 0);
    int seen[2] = { 0, 0 };
    for (int i = 0; i < 1000; i++) {
        uint64_t x = rt_rng_below(&r, 2);
        assert_true(x < 2);
        seen[x]++;
    }
    assert_true(seen[0] > 0 && seen[1] > 0);
    /* Large n, including ones where rejection matters (just above 2^63) and the maximum. */
    static const uint64_t ns[] = { 3, 7, 1000, 1ULL << 32, (1ULL << 63) + 1, UINT64_MAX };
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        uint64_t max = 0;
        for (int i = 0; i < 20000; i++) {
            uint64_t x = rt_rng_below(&r, ns[k]);
            assert_true(x < ns[k]);
            max = x > max ? x : max;
        }
        /* Reaches the top of the range: above 99 % of n (for small n, the top itself). */
        if (ns[k] <= 1000)
            assert_true(max == ns[k] - 1);
        else
            assert_true((double)max > 0.99 * (double)ns[k]);
    }
}

static void test_below_uniform_chi_square(void **state)
{
    (void)state;
    struct rt_rng r;
    rt_rng_seed(&r, 31337);
    /* 10 bins, 100000 draws: chi-square with 9 degrees of freedom has mean 9, sd ~4.2;
       P(> 40) is about 5e-6.  Deterministic seed, so this is a fixed number. */
    enum { K = 10, N = 100000 };
    int64_t count[K] = { 0 };
    for (int i = 0; i < N; i++)
        count[rt_rng_below(&r, K)]++;
    double chi2 = 0, e = (double)N / K;
    for (int k = 0; k < K; k++)
        chi2 += ((double)count[k] - e) * ((double)count[k] - e) / e;
    if (chi2 > 40)
        fail_msg("chi-square %.1f over %d bins", chi2, K);

    /* A bin count that does not divide 2^64 (bias would show without rejection). */
    enum { K2 = 37 };
    int64_t c2[K2] = { 0 };
    for (int i = 0; i < N; i++)
        c2[rt_rng_below(&r, K2)]++;
    chi2 = 0;
    e = (double)N / K2;
    for (int k = 0; k < K2; k++)
        chi2 += ((double)c2[k] - e) * ((double)c2[k] - e) / e;
    /* 36 degrees of freedom: mean 36, sd 8.5. */
    if (chi2 > 90)
        fail_msg("chi-square %.1f over %d bins", chi2, K2);
}

static void test_exp_mean(void **state)
{
    (void)state;
    static const double rates[] = { 0.5, 1.0, 50.0, 2000.0 };
    for (size_t k = 0; k < sizeof rates / sizeof rates[0]; k++) {
        struct rt_rng r;
        rt_rng_seed(&r, 1000 + k);
        enum { N = 200000 };
        double sum = 0, max = 0;
        int64_t above_mean = 0;
        for (int i = 0; i < N; i++) {
            double x = rt_rng_exp(&r, rates[k]);
            assert_true(isfinite(x) && x >= 0);
            sum += x;
            above_mean += x > 1.0 / rates[k];
            max = x > max ? x : max;
        }
        /* Mean 1/rate, sd of the mean (1/rate)/sqrt(N) ~ 0.22 %: allow 2 %. */
        double mean = sum / N;
        if (fabs(mean * rates[k] - 1.0) > 0.02)
            fail_msg("rate %g: mean %g, want %g", rates[k], mean, 1.0 / rates[k]);
        /* P(X > mean) = 1/e = 0.368 (sd 0.001): a shape check, not only the mean. */
        double frac = (double)above_mean / N;
        if (fabs(frac - exp(-1.0)) > 0.01)
            fail_msg("rate %g: %.4f above the mean, want 0.368", rates[k], frac);
        /* The tail exists: the maximum of N draws is about ln(N)/rate ~ 12/rate. */
        assert_true(max * rates[k] > 8);
    }
}

static void test_exp_deterministic(void **state)
{
    (void)state;
    struct rt_rng a, b;
    rt_rng_seed(&a, 77);
    rt_rng_seed(&b, 77);
    for (int i = 0; i < 1000; i++) {
        double x = rt_rng_exp(&a, 3.0), y = rt_rng_exp(&b, 3.0);
        assert_memory_equal(&x, &y, sizeof x);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_stream),
        cmocka_unit_test(test_same_seed_same_sequence),
        cmocka_unit_test(test_different_seeds_differ),
        cmocka_unit_test(test_uniform_range),
        cmocka_unit_test(test_open01_range),
        cmocka_unit_test(test_below_bounds),
        cmocka_unit_test(test_below_uniform_chi_square),
        cmocka_unit_test(test_exp_mean),
        cmocka_unit_test(test_exp_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
