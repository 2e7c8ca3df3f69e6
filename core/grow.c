/* grow.c - see grow.h. */
#include "core/grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

void *rt_grow_to(void *v, size_t i, size_t *cap, size_t elem, size_t initial)
{
    if (i < *cap)
        return v;
    size_t c = *cap ? *cap : initial;
    while (c <= i) {
        if (c == 0 || c > SIZE_MAX / 2)
            return NULL;
        c *= 2;
    }
    if (elem == 0 || c > SIZE_MAX / elem)
        return NULL;
    char *p = realloc(v, c * elem);
    if (!p)
        return NULL;
    memset(p + *cap * elem, 0, (c - *cap) * elem);
    *cap = c;
    return p;
}

int rt_append(char **buf, size_t *len, size_t *cap, const void *data, size_t n,
              size_t initial)
{
    if (n > SIZE_MAX - *len)
        return -1;
    if (*len + n > *cap) {
        size_t c = *cap ? *cap : initial;
        while (c < *len + n) {
            if (c > SIZE_MAX / 2)
                return -1;
            c *= 2;
        }
        char *b = realloc(*buf, c);
        if (!b)
            return -1;
        *buf = b;
        *cap = c;
    }
    if (n > 0)          /* data may be NULL when there is nothing to append */
        memcpy(*buf + *len, data, n);
    *len += n;
    return 0;
}
