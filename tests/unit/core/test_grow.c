/*
 * test_grow.c - rt_append: bytes appended across many calls come out whole and in order, the
 * capacity starts at `initial` and doubles (never shrinks, always holds len), a zero-length
 * append changes nothing, and an append that would overflow size_t fails leaving the buffer
 * as it was.  rt_grow_to: an index far past the end is covered in one step, the new elements
 * are zero and the old ones kept, and an index that cannot be covered fails unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/grow.h"

static void test_append_in_order(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    char piece[40];
    size_t want = 0;
    for (int i = 0; i < 500; i++) {
        int n = snprintf(piece, sizeof piece, "<%d>", i);
        assert_int_equal(rt_append(&buf, &len, &cap, piece, (size_t)n, 16), 0);
        want += (size_t)n;
        assert_int_equal(len, want);
        assert_true(cap >= len);
        assert_int_equal(cap & (cap - 1), 0);      /* 16 doubled: a power of two */
    }
    size_t pos = 0;
    for (int i = 0; i < 500; i++) {
        int n = snprintf(piece, sizeof piece, "<%d>", i);
        assert_memory_equal(buf + pos, piece, (size_t)n);
        pos += (size_t)n;
    }
    free(buf);
}

static void test_first_capacity_and_empty(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    assert_int_equal(rt_append(&buf, &len, &cap, "abc", 3, 100), 0);
    assert_int_equal(cap, 100);
    assert_int_equal(rt_append(&buf, &len, &cap, "", 0, 100), 0);
    assert_int_equal(len, 3);
    assert_int_equal(cap, 100);
    assert_memory_equal(buf, "abc", 3);
    free(buf);
}

static void test_overflow_fails_unchanged(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    assert_int_equal(rt_append(&buf, &len, &cap, "xy", 2, 8), 0);
    char *before = buf;
    assert_int_equal(rt_append(&buf, &len, &cap, "z", SIZE_MAX - 1, 8), -1);
    assert_ptr_equal(buf, before);
    assert_int_equal(len, 2);
    assert_int_equal(cap, 8);
    free(buf);
}

static void test_grow_to_index(void **state)
{
    (void)state;
    size_t cap = 0;
    unsigned *v = rt_grow_to(NULL, 4, &cap, sizeof *v, 4);
    assert_non_null(v);
    assert_int_equal(cap, 8);                        /* 4 does not hold index 4: doubled */
    for (size_t i = 0; i < cap; i++)
        assert_int_equal(v[i], 0);
    v[3] = 7;
    assert_ptr_equal(rt_grow_to(v, 7, &cap, sizeof *v, 4), v);   /* in range: as it was */
    unsigned *w = rt_grow_to(v, 1000, &cap, sizeof *w, 4);       /* far past the end */
    assert_non_null(w);
    assert_int_equal(cap, 1024);
    assert_int_equal(w[3], 7);
    for (size_t i = 8; i < cap; i++)
        assert_int_equal(w[i], 0);
    size_t before = cap;
    assert_null(rt_grow_to(w, SIZE_MAX - 1, &cap, sizeof *w, 4));
    assert_int_equal(cap, before);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_in_order),
        cmocka_unit_test(test_first_capacity_and_empty),
        cmocka_unit_test(test_overflow_fails_unchanged),
        cmocka_unit_test(test_grow_to_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
