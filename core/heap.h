/*
 * heap.h - the one binary min-heap: the engine's waiting users, the emulator model's timed
 * events and its per-replica CPU sets.
 *
 * Elements are stored by value (elem bytes each) in one array, ordered by the caller's less()
 * callback, so each user keeps its own key and its own tie-break: a time plus an insertion
 * number (first in, first out), a time plus a user number, a finish value plus a request
 * index.  Every user gives a total order, so the pop order is the sorted order whatever the
 * sift steps; equal elements (a less() that is not total) leave in an unspecified order.
 *
 * The struct is public so it can be embedded (one per replica, no allocation of its own);
 * its fields belong to this module.  Memory: the array grows by doubling only when a push
 * finds it full; after rt_heap_reserve(h, n) pushes up to n elements never allocate.  Not
 * thread-safe.
 */
#ifndef RT_HEAP_H
#define RT_HEAP_H

#include <stddef.h>

/* Strict weak order: nonzero when a comes before b.  ctx is the heap's ctx. */
typedef int (*rt_heap_less_fn)(const void *a, const void *b, void *ctx);

struct rt_heap {
    unsigned char *v;           /* owned: cap elements, the first n in use */
    size_t n, cap;
    size_t elem;                /* bytes per element */
    rt_heap_less_fn less;
    void *ctx;                  /* borrowed, passed to less() */
};

/* An empty heap of elem-byte elements ordered by less(a, b, ctx).  Allocates nothing. */
void rt_heap_init(struct rt_heap *h, size_t elem, rt_heap_less_fn less, void *ctx);

/* Make room for n elements in all.  0, or -1 when out of memory (the heap is unchanged). */
int rt_heap_reserve(struct rt_heap *h, size_t n);

/* Copy *x into the heap (x must not point into it).  0, or -1 when out of memory (the heap
 * is then unchanged). */
int rt_heap_push(struct rt_heap *h, const void *x);

/* Remove the least element, copying it to *out unless out is NULL.  1, or 0 when empty. */
int rt_heap_pop(struct rt_heap *h, void *out);

/* The least element, valid until the next push or pop; NULL when empty. */
static inline const void *rt_heap_peek(const struct rt_heap *h)
{
    return h->n ? h->v : NULL;
}

static inline size_t rt_heap_count(const struct rt_heap *h)
{
    return h->n;
}

/* Free the array; the heap is left empty and usable (a push allocates again). */
void rt_heap_free(struct rt_heap *h);

#endif
