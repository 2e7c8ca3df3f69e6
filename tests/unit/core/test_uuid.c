/*
 * test_uuid.c - run identities: every uuid has the RFC 9562 version-4 text form (8-4-4-4-12
 * lowercase hex, version nibble 4, variant 10xx), is NUL-terminated within 37 bytes, and
 * 10,000 of them are distinct with their random bits spread evenly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/uuid.h"

static int is_lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int hexval(char c)
{
    return c <= '9' ? c - '0' : c - 'a' + 10;
}

/* Fail unless s is a lowercase version-4 UUID. */
static void check_format(const char *s)
{
    if (strlen(s) != 36)
        fail_msg("'%s' is %zu characters, want 36", s, strlen(s));
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                fail_msg("'%s': want '-' at %d", s, i);
        } else if (!is_lower_hex(s[i])) {
            fail_msg("'%s': not lowercase hex at %d", s, i);
        }
    }
    if (s[14] != '4')
        fail_msg("'%s': version nibble is '%c', want 4", s, s[14]);
    if (!strchr("89ab", s[19]))
        fail_msg("'%s': variant nibble is '%c', want 8, 9, a or b", s, s[19]);
}

static void test_format(void **state)
{
    (void)state;
    char buf[40];
    memset(buf, 'Z', sizeof buf);
    char *ret = rt_uuid_v4(buf);
    assert_ptr_equal(ret, buf);
    assert_int_equal(buf[36], '\0');
    assert_int_equal(buf[37], 'Z');          /* writes exactly 37 bytes */
    check_format(buf);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static void test_unique_and_random(void **state)
{
    (void)state;
    enum { N = 10000 };
    char (*ids)[37] = malloc(N * sizeof *ids);
    assert_non_null(ids);
    /* Per hex position (32 digits), how often each of its 4 bits is set. */
    int64_t ones[32][4];
    memset(ones, 0, sizeof ones);
    for (int i = 0; i < N; i++) {
        rt_uuid_v4(ids[i]);
        check_format(ids[i]);
        int d = 0;
        for (int j = 0; j < 36; j++) {
            if (ids[i][j] == '-')
                continue;
            int v = hexval(ids[i][j]);
            for (int b = 0; b < 4; b++)
                ones[d][b] += (v >> b) & 1;
            d++;
        }
    }
    qsort(ids, N, sizeof *ids, cmp_str);
    for (int i = 1; i < N; i++)
        if (strcmp(ids[i - 1], ids[i]) == 0)
            fail_msg("duplicate uuid %s", ids[i]);

    /* The 122 free bits are fair coins: each set in N/2 +- 7 sd (sd = 50) of the uuids
       (a false alarm is ~1e-9 per run; a byte left unfilled is caught).
       The fixed bits: version (digit 12) is 0100, variant (digit 16) is 10xx. */
    for (int d = 0; d < 32; d++)
        for (int b = 0; b < 4; b++) {
            int64_t c = ones[d][b];
            if (d == 12) {
                assert_int_equal(c, b == 2 ? N : 0);
            } else if (d == 16 && b >= 2) {
                assert_int_equal(c, b == 3 ? N : 0);
            } else if (c < N / 2 - 350 || c > N / 2 + 350) {
                fail_msg("hex digit %d bit %d set in %lld of %d uuids", d, b, (long long)c,
                         N);
            }
        }
    free(ids);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_unique_and_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
