/*
 * grow.h - the one growing-array step every module uses: double the capacity (or start at
 * `initial`) when an array of n used elements is full.  Kept as a function rather than a
 * macro so overflow is checked in one place.
 */
#ifndef RT_GROW_H
#define RT_GROW_H

#include <stddef.h>

/*
 * Return an array with room for at least n + 1 elements of elem bytes: v itself when
 * n < *cap, else v reallocated to twice *cap (initial when *cap is 0) with *cap updated.
 * Returns NULL on overflow or allocation failure; v is then still valid and owned by the
 * caller, and *cap unchanged.
 */
void *rt_grow(void *v, size_t n, size_t *cap, size_t elem, size_t initial);

/*
 * Return an array indexable at i: v itself when i < *cap, else v reallocated to the first
 * doubling of *cap (from initial) above i, the new elements zeroed, with *cap updated.
 * Returns NULL on overflow or allocation failure; v is then still valid and owned by the
 * caller, and *cap unchanged.  For tables indexed by a number (a descriptor, a time bucket).
 */
void *rt_grow_to(void *v, size_t i, size_t *cap, size_t elem, size_t initial);

/*
 * Append data[0..n) to the byte buffer *buf of *len used and *cap allocated bytes, doubling
 * the capacity (from initial) as needed.  Returns 0, or -1 on overflow or allocation failure
 * (the buffer is then unchanged and still the caller's).
 */
int rt_append(char **buf, size_t *len, size_t *cap, const void *data, size_t n,
              size_t initial);

#endif
