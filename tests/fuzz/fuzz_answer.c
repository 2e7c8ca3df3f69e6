/*
 * fuzz_answer.c - libFuzzer harness for the answer parser (rt_answer_parse).
 *
 * The input is copied into an exactly-sized heap buffer so that ASan sees any read past len
 * (the parser must not need a NUL).  On success the outputs obey the contract; on failure
 * they are untouched.  Replayed over the saved corpus in every `make check` by
 * tests/unit/core/test_fuzz_corpus.c (RT_FUZZ_NO_MAIN).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/answer.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

static int fuzz_answer_one(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    int pred = 7;
    double p = -5.0;
    int rc = rt_answer_parse(copy, size, &pred, &p);
    if (rc == 0) {
        FUZZ_CHECK(pred == 0 || pred == 1);
        FUZZ_CHECK(isfinite(p) && p >= 0.0 && p <= 1.0);
    } else {
        FUZZ_CHECK(rc == -1 && pred == 7 && p == -5.0);
    }
    free(copy);
    return 0;
}

#ifndef RT_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_answer_one(data, size);
}
#endif
