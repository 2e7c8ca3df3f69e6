/*
 * fuzz_trace.c - libFuzzer harness for the trace reader (rt_trace_load_buffer).
 *
 * Each input is loaded three ways (plain, timed, with a named column) and the result is held
 * to the contract: on success n > 0, every rev ID positive, times present exactly when asked
 * for; on failure a non-empty message that starts with the file name and no memory.  The
 * same function runs in every `make check` over the saved corpus (tests/unit/
 * test_fuzz_corpus.c includes this file with RT_FUZZ_NO_MAIN), as SQLite's fuzzcheck does.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

static int fuzz_trace_one(const uint8_t *data, size_t size)
{
    static const struct rt_trace_opts opts[] = {
        { NULL, 0, NULL }, { NULL, 1, NULL }, { "ts", 0, NULL }, { NULL, 1, "enwiki" },
    };
    for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++) {
        struct rt_trace t;
        char err[256];
        memset(&t, 0xa5, sizeof t);
        int rc = rt_trace_load_buffer("fuzz", data, size, &opts[k], &t, err, sizeof err);
        if (rc == 0) {
            FUZZ_CHECK(t.n > 0 && t.rev_id != NULL && t.first_line >= 1);
            if (opts[k].need_time)
                FUZZ_CHECK(t.t_unix_us != NULL);
            for (size_t i = 0; i < t.n; i++)
                FUZZ_CHECK(t.rev_id[i] > 0);
            rt_trace_free(&t);
            FUZZ_CHECK(t.rev_id == NULL && t.n == 0);
        } else {
            FUZZ_CHECK(rc == -1);
            FUZZ_CHECK(strlen(err) > 6 && strncmp(err, "fuzz:", 5) == 0);
        }
    }
    return 0;
}

#ifndef RT_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_trace_one(data, size);
}
#endif
