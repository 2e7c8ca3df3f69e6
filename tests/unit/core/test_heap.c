/*
 * test_heap.c - the shared min-heap: empty behaviour, order against qsort over many random
 * keys (with and without a tie-break), first-in first-out ties with an insertion number,
 * equal keys without a tie-break in exactly the order of heap.c's sift steps (checked
 * against a hand-written reference heap like the emulator's CPU set had), interleaved pushes
 * and pops, elements of odd sizes, growth from nothing and no reallocation after a reserve.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/heap.h"

struct ent {
    int64_t key;
    uint64_t seq;
    uint32_t payload;
};

static int ent_less(const void *a, const void *b, void *ctx)
{
    const struct ent *x = a, *y = b;
    (void)ctx;
    return x->key < y->key || (x->key == y->key && x->seq < y->seq);
}

static int key_less(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    return ((const struct ent *)a)->key < ((const struct ent *)b)->key;
}

static int cmp_ent(const void *a, const void *b)
{
    const struct ent *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* A small deterministic generator (splitmix64), so a failure reproduces. */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void test_heap_empty(void **state)
{
    (void)state;
    struct rt_heap h;
    rt_heap_init(&h, sizeof(struct ent), ent_less, NULL);
    assert_null(rt_heap_peek(&h));
    assert_int_equal(rt_heap_count(&h), 0);
    struct ent e = { .key = 7 };
    assert_int_equal(rt_heap_pop(&h, &e), 0);
    assert_int_equal(e.key, 7);                 /* untouched */
    assert_int_equal(rt_heap_push(&h, &e), 0);
    assert_int_equal(rt_heap_count(&h), 1);
    assert_int_equal(((const struct ent *)rt_heap_peek(&h))->key, 7);
    assert_int_equal(rt_heap_pop(&h, NULL), 1);  /* out may be NULL */
    assert_null(rt_heap_peek(&h));
    rt_heap_free(&h);
    rt_heap_free(&h);                           /* freeing twice is harmless */
    assert_int_equal(rt_heap_push(&h, &e), 0);  /* usable after free */
    rt_heap_free(&h);
}

/* Push n random keys (range: how many distinct keys), pop them all, compare with qsort. */
static void random_against_qsort(size_t n, uint64_t range, uint64_t seed)
{
    struct ent *in = malloc(n * sizeof *in);
    assert_non_null(in);
    struct rt_heap h;
    rt_heap_init(&h, sizeof *in, ent_less, NULL);
    for (size_t i = 0; i < n; i++) {
        in[i].key = (int64_t)(next_u64(&seed) % range) - (int64_t)(range / 2);
        in[i].seq = i;
        in[i].payload = (uint32_t)i;
        assert_int_equal(rt_heap_push(&h, &in[i]), 0);
    }
    qsort(in, n, sizeof *in, cmp_ent);
    for (size_t i = 0; i < n; i++) {
        struct ent e;
        assert_int_equal(rt_heap_pop(&h, &e), 1);
        assert_int_equal(e.key, in[i].key);
        assert_int_equal(e.seq, in[i].seq);      /* ties: first in, first out */
        assert_int_equal(e.payload, in[i].payload);
    }
    assert_int_equal(rt_heap_pop(&h, NULL), 0);
    rt_heap_free(&h);
    free(in);
}

static void test_heap_random_keys(void **state)
{
    (void)state;
    random_against_qsort(100003, UINT64_C(1) << 62, 1);   /* nearly all distinct */
    random_against_qsort(100003, 1000, 2);                /* many ties */
    random_against_qsort(10000, 1, 3);                    /* all equal: pure FIFO */
    for (size_t n = 0; n < 40; n++)                      /* every small shape */
        random_against_qsort(n, 5, 100 + n);
}

/* Interleaved pushes and pops against a sorted array of what should be inside. */
static void test_heap_interleaved(void **state)
{
    (void)state;
    enum { N = 60000 };
    struct ent *model = malloc(N * sizeof *model);
    assert_non_null(model);
    size_t in = 0;
    uint64_t s = 42, seq = 0;
    struct rt_heap h;
    rt_heap_init(&h, sizeof(struct ent), ent_less, NULL);
    for (int step = 0; step < N; step++) {
        /* Two pushes to a pop up to 1,000 inside, then the other way round. */
        if (in == 0 || next_u64(&s) % 3 < (in < 1000 ? 2u : 1u)) {
            struct ent e = { .key = (int64_t)(next_u64(&s) % 500), .seq = seq++ };
            assert_int_equal(rt_heap_push(&h, &e), 0);
            size_t j = in++;                       /* insertion into the sorted model */
            while (j > 0 && cmp_ent(&model[j - 1], &e) > 0) {
                model[j] = model[j - 1];
                j--;
            }
            model[j] = e;
        } else {
            struct ent e;
            assert_int_equal(rt_heap_pop(&h, &e), 1);
            assert_int_equal(e.key, model[0].key);
            assert_int_equal(e.seq, model[0].seq);
            memmove(model, model + 1, --in * sizeof *model);
        }
        assert_int_equal(rt_heap_count(&h), in);
        if (in)
            assert_int_equal(((const struct ent *)rt_heap_peek(&h))->seq, model[0].seq);
    }
    rt_heap_free(&h);
    free(model);
}

/*
 * The reference: the heap the emulator's CPU set used before this module (indices ordered by
 * a double key, no tie-break, hole-moving sifts).  The shared heap must reproduce its pop
 * order exactly, ties included.
 */
struct ref {
    uint32_t v[4096];
    int n;
    const double *key;
};

static void ref_push(struct ref *r, uint32_t idx)
{
    double f = r->key[idx];
    int i = r->n++;
    while (i > 0) {
        int parent = (i - 1) / 2;
        if (r->key[r->v[parent]] <= f)
            break;
        r->v[i] = r->v[parent];
        i = parent;
    }
    r->v[i] = idx;
}

static uint32_t ref_pop(struct ref *r)
{
    uint32_t top = r->v[0];
    uint32_t x = r->v[--r->n];
    int i = 0, n = r->n;
    double f = r->key[x];
    for (;;) {
        int c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && r->key[r->v[c + 1]] < r->key[r->v[c]])
            c++;
        if (r->key[r->v[c]] >= f)
            break;
        r->v[i] = r->v[c];
        i = c;
    }
    if (n)
        r->v[i] = x;
    return top;
}

static int idx_less(const void *a, const void *b, void *ctx)
{
    const double *key = ctx;
    return key[*(const uint32_t *)a] < key[*(const uint32_t *)b];
}

static void test_heap_ties_follow_the_documented_steps(void **state)
{
    (void)state;
    static double key[4096];
    static struct ref r;
    uint64_t s = 7;
    for (int i = 0; i < 4096; i++)
        key[i] = (double)(next_u64(&s) % 6);     /* six keys: ties everywhere */
    r.key = key;
    r.n = 0;
    struct rt_heap h;
    rt_heap_init(&h, sizeof(uint32_t), idx_less, key);
    uint32_t next_idx = 0;
    int fifo_violations = 0;
    for (int step = 0; step < 20000; step++) {
        int push = r.n == 0 || (next_idx < 4096 && next_u64(&s) % 5 < 3);
        if (push && next_idx < 4096) {
            ref_push(&r, next_idx);
            assert_int_equal(rt_heap_push(&h, &next_idx), 0);
            next_idx++;
        } else if (r.n > 0) {
            uint32_t got = UINT32_MAX, want = ref_pop(&r);
            assert_int_equal(rt_heap_pop(&h, &got), 1);
            assert_int_equal(got, want);
            if (r.n > 0 && key[r.v[0]] == key[want] && r.v[0] < want)
                fifo_violations++;
        }
        assert_int_equal(rt_heap_count(&h), (size_t)r.n);
    }
    /* The test is only worth something if ties did come out in a non-FIFO order. */
    assert_true(fifo_violations > 0);
    rt_heap_free(&h);
}

/* Elements of an odd size are copied whole. */
struct odd {
    char tag[3];
};

static int odd_less(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    return memcmp(a, b, 3) < 0;
}

static void test_heap_odd_element_size(void **state)
{
    (void)state;
    struct rt_heap h;
    rt_heap_init(&h, sizeof(struct odd), odd_less, NULL);
    const char *words[] = { "kiw", "app", "fig", "bay", "zed", "ash", "elm" };
    for (size_t i = 0; i < 7; i++) {
        struct odd o;
        memcpy(o.tag, words[i], 3);
        assert_int_equal(rt_heap_push(&h, &o), 0);
    }
    const char *sorted[] = { "app", "ash", "bay", "elm", "fig", "kiw", "zed" };
    for (size_t i = 0; i < 7; i++) {
        struct odd o;
        assert_int_equal(rt_heap_pop(&h, &o), 1);
        assert_memory_equal(o.tag, sorted[i], 3);
    }
    rt_heap_free(&h);
}

/* Growth from nothing keeps every element; after a reserve, pushes do not reallocate. */
static void test_heap_growth_and_reserve(void **state)
{
    (void)state;
    struct rt_heap h;
    rt_heap_init(&h, sizeof(struct ent), key_less, NULL);
    for (int64_t i = 50000; i > 0; i--) {
        struct ent e = { .key = i };
        assert_int_equal(rt_heap_push(&h, &e), 0);
    }
    for (int64_t i = 1; i <= 50000; i++) {
        struct ent e;
        assert_int_equal(rt_heap_pop(&h, &e), 1);
        assert_int_equal(e.key, i);
    }
    rt_heap_free(&h);

    assert_int_equal(rt_heap_reserve(&h, 1000), 0);
    const void *storage = h.v;
    assert_int_equal(rt_heap_reserve(&h, 10), 0);        /* never shrinks */
    assert_ptr_equal(h.v, storage);
    uint64_t s = 9;
    for (int round = 0; round < 5; round++) {
        while (rt_heap_count(&h) < 1000) {
            struct ent e = { .key = (int64_t)(next_u64(&s) % 100) };
            assert_int_equal(rt_heap_push(&h, &e), 0);
        }
        for (int i = 0; i < 700; i++)
            assert_int_equal(rt_heap_pop(&h, NULL), 1);
    }
    assert_ptr_equal(h.v, storage);
    assert_int_equal(rt_heap_reserve(&h, SIZE_MAX), -1); /* overflow: refused, unchanged */
    assert_ptr_equal(h.v, storage);
    assert_int_equal(rt_heap_count(&h), 300);
    rt_heap_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heap_empty),
        cmocka_unit_test(test_heap_random_keys),
        cmocka_unit_test(test_heap_interleaved),
        cmocka_unit_test(test_heap_ties_follow_the_documented_steps),
        cmocka_unit_test(test_heap_odd_element_size),
        cmocka_unit_test(test_heap_growth_and_reserve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
