/*
 * test_fuzz_corpus.c - replays every saved fuzz input (seeds and fixed crashers) through every
 * parser in every `make check`, as SQLite's fuzzcheck does, so a crash found once stays
 * fixed in the release, ASan and UBSan builds even where clang/libFuzzer is not installed.
 *
 * The harness functions are the libFuzzer harnesses themselves, included with their
 * LLVMFuzzerTestOneInput left out, so the invariants checked are the same.  The corpus is
 * tests/fuzz/corpus/{trace,answer,sse}/ relative to the current directory (the tests run from
 * the repository root) or $RT_FUZZ_CORPUS; a missing corpus is a failure, not a skip.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#define RT_FUZZ_NO_MAIN
#include "tests/fuzz/fuzz_answer.c"
#include "tests/fuzz/fuzz_sse.c"
#include "tests/fuzz/fuzz_trace.c"

static const char *corpus_root(void)
{
    const char *env = getenv("RT_FUZZ_CORPUS");
    return env && *env ? env : "tests/fuzz/corpus";
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n < cap)
            break;
        uint8_t *b = realloc(buf, cap * 2);
        if (!b) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = b;
        cap *= 2;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Every regular file of root/sub through both harnesses; returns how many. */
static size_t replay_dir(const char *sub)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", corpus_root(), sub);
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("fuzz corpus %s not found (run the tests from the repository root, or set "
                 "RT_FUZZ_CORPUS)",
                 dir);
    size_t files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        size_t len = 0;
        uint8_t *buf = read_all(path, &len);
        if (!buf)
            fail_msg("cannot read %s", path);
        /* a crash or an abort() here names no file; print it first */
        print_message("replay %s (%zu bytes)\n", path, len);
        fuzz_trace_one(buf, len);
        fuzz_answer_one(buf, len);
        fuzz_sse_one(buf, len);
        free(buf);
        files++;
    }
    closedir(d);
    return files;
}

static void test_trace_corpus(void **state)
{
    (void)state;
    assert_true(replay_dir("trace") >= 5);
}

static void test_answer_corpus(void **state)
{
    (void)state;
    assert_true(replay_dir("answer") >= 3);
}

static void test_sse_corpus(void **state)
{
    (void)state;
    assert_true(replay_dir("sse") >= 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_corpus),
        cmocka_unit_test(test_answer_corpus),
        cmocka_unit_test(test_sse_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
