/* grow.c - see grow.h. */
#include "core/grow.h"

#include <stdint.h>
#include <stdlib.h>

void *rt_grow(void *v, size_t n, size_t *cap, size_t elem, size_t initial)
{
    if (n < *cap)
        return v;
    size_t c = *cap ? *cap * 2 : initial;
    if (c <= *cap || elem == 0 || c > SIZE_MAX / elem)
        return NULL;
    void *p = realloc(v, c * elem);
    if (!p)
        return NULL;
    *cap = c;
    return p;
}
