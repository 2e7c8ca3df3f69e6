/*
 * heap.c - see heap.h.  Both sifts move a hole rather than swapping, so each step is one
 * memcpy; the element being placed is read from where it already is (the caller's copy on
 * push, the vacated last slot on pop), so no scratch space is needed.
 *   push: the hole starts at the end and moves up while the new element is less than its
 *         parent.
 *   pop:  the last element fills the hole at the root, which moves down to the smaller child
 *         (the right one only when it is less than the left) while that child is less than
 *         the moving element.
 * These are the steps of the heaps this module replaced; test_heap pins them (equal keys
 * leave as those heaps let them), though every user now gives a total order.
 */
#include "core/heap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"

/* The initial capacity when a push finds the heap without storage. */
#define HEAP_INITIAL 16

#define AT(h, i) ((h)->v + (i) * (h)->elem)

void rt_heap_init(struct rt_heap *h, size_t elem, rt_heap_less_fn less, void *ctx)
{
    h->v = NULL;
    h->n = h->cap = 0;
    h->elem = elem;
    h->less = less;
    h->ctx = ctx;
}

int rt_heap_reserve(struct rt_heap *h, size_t n)
{
    if (n <= h->cap)
        return 0;
    if (h->elem == 0 || n > SIZE_MAX / h->elem)
        return -1;
    unsigned char *v = realloc(h->v, n * h->elem);
    if (!v)
        return -1;
    h->v = v;
    h->cap = n;
    return 0;
}

int rt_heap_push(struct rt_heap *h, const void *x)
{
    unsigned char *v = rt_grow(h->v, h->n, &h->cap, h->elem, HEAP_INITIAL);
    if (!v)
        return -1;
    h->v = v;
    size_t i = h->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!h->less(x, AT(h, parent), h->ctx))
            break;
        memcpy(AT(h, i), AT(h, parent), h->elem);
        i = parent;
    }
    memcpy(AT(h, i), x, h->elem);
    return 0;
}

int rt_heap_pop(struct rt_heap *h, void *out)
{
    if (h->n == 0)
        return 0;
    if (out)
        memcpy(out, AT(h, 0), h->elem);
    size_t n = --h->n;
    if (n == 0)
        return 1;
    /* The last element, now just past the end: no step below writes there. */
    const unsigned char *x = AT(h, n);
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && h->less(AT(h, c + 1), AT(h, c), h->ctx))
            c++;
        if (!h->less(AT(h, c), x, h->ctx))
            break;
        memcpy(AT(h, i), AT(h, c), h->elem);
        i = c;
    }
    memcpy(AT(h, i), x, h->elem);
    return 1;
}

void rt_heap_free(struct rt_heap *h)
{
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}
