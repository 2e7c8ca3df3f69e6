/*
 * test_answer.c - the KServe answer parser: real LiftWing bodies, the 0/1 prediction form,
 * and refusals that must leave the outputs untouched (wrong types, out-of-range, truncated,
 * not NUL-terminated, hostile).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/answer.h"

static int parse(const char *s, int *pred, double *p)
{
    return rt_answer_parse(s, strlen(s), pred, p);
}

static void refuse(const char *s)
{
    int pred = 7;
    double p = -9.0;
    if (parse(s, &pred, &p) != -1)
        fail_msg("accepted: %s", s);
    assert_int_equal(pred, 7);
    assert_true(p == -9.0);
}

static void test_liftwing_body(void **state)
{
    (void)state;
    int pred = -1;
    double p = -1;
    /* as returned by revertrisk-wikidata on LiftWing */
    const char *body = "{\"model_name\": \"revertrisk-wikidata\", \"model_version\": \"1\", "
                       "\"revision_id\": 2300000001, \"output\": {\"prediction\": false, "
                       "\"probabilities\": {\"true\": 0.1234, \"false\": 0.8766}}}";
    assert_int_equal(parse(body, &pred, &p), 0);
    assert_int_equal(pred, 0);
    assert_float_equal(p, 0.1234, 1e-12);
    assert_int_equal(parse("{\"output\":{\"prediction\":true,\"probabilities\":{\"true\":1}}}",
                           &pred, &p),
                     0);
    assert_int_equal(pred, 1);
    assert_float_equal(p, 1.0, 0);
    /* 0/1 integers for the prediction, extra members, whitespace */
    assert_int_equal(parse(" {\"x\":[1,2],\"output\":{\"extra\":null,\"prediction\":1,"
                           "\"probabilities\":{\"false\":0,\"true\":0e0}}}\n",
                           &pred, &p),
                     0);
    assert_int_equal(pred, 1);
    assert_float_equal(p, 0.0, 0);
    assert_int_equal(parse("{\"output\":{\"prediction\":0,\"probabilities\":{\"true\":0.5}}}",
                           &pred, &p),
                     0);
    assert_int_equal(pred, 0);
}

static void test_not_nul_terminated(void **state)
{
    (void)state;
    const char *good = "{\"output\":{\"prediction\":true,\"probabilities\":{\"true\":0.75}}}";
    size_t n = strlen(good);
    char *buf = malloc(n);     /* exactly n bytes: ASan catches any read past the end */
    assert_non_null(buf);
    memcpy(buf, good, n);
    int pred;
    double p;
    assert_int_equal(rt_answer_parse(buf, n, &pred, &p), 0);
    assert_float_equal(p, 0.75, 0);
    /* every strict prefix is refused */
    for (size_t k = 0; k < n; k++) {
        pred = 7;
        assert_int_equal(rt_answer_parse(buf, k, &pred, &p), -1);
        assert_int_equal(pred, 7);
    }
    free(buf);
    assert_int_equal(rt_answer_parse(NULL, 0, &pred, &p), -1);
}

static void test_refusals(void **state)
{
    (void)state;
    refuse("");
    refuse("null");
    refuse("[]");
    refuse("{}");
    refuse("not json");
    refuse("{\"output\":null}");
    refuse("{\"output\":[true,0.5]}");
    refuse("{\"output\":{\"prediction\":true}}");
    refuse("{\"output\":{\"probabilities\":{\"true\":0.5}}}");
    refuse("{\"output\":{\"prediction\":\"true\",\"probabilities\":{\"true\":0.5}}}");
    refuse("{\"output\":{\"prediction\":2,\"probabilities\":{\"true\":0.5}}}");
    refuse("{\"output\":{\"prediction\":-1,\"probabilities\":{\"true\":0.5}}}");
    refuse("{\"output\":{\"prediction\":1.0,\"probabilities\":{\"true\":0.5}}}");
    refuse("{\"output\":{\"prediction\":null,\"probabilities\":{\"true\":0.5}}}");
    refuse("{\"output\":{\"prediction\":true,\"probabilities\":{\"true\":\"0.5\"}}}");
    refuse("{\"output\":{\"prediction\":true,\"probabilities\":{\"true\":1.0000001}}}");
    refuse("{\"output\":{\"prediction\":true,\"probabilities\":{\"true\":-0.1}}}");
    refuse("{\"output\":{\"prediction\":true,\"probabilities\":{\"true\":1e999}}}");
    refuse("{\"output\":{\"prediction\":true,\"probabilities\":[0.5]}}");
    refuse("{\"output\":{\"prediction\":true,\"probabilities\":{\"TRUE\":0.5}}}");
    /* trailing garbage, two documents, duplicate keys */
    refuse("{\"output\":{\"prediction\":true,\"probabilities\":{\"true\":0.5}}} x");
    refuse("{\"output\":{\"prediction\":true,\"probabilities\":{\"true\":0.5}}}{}");
    refuse("{\"output\":{\"prediction\":true,\"prediction\":false,"
           "\"probabilities\":{\"true\":0.5}}}");
    /* error bodies the service or a proxy may send */
    refuse("{\"error\": \"rev_id not found\"}");
    refuse("<html><body>502 Bad Gateway</body></html>");
    refuse("upstream connect error or disconnect/reset before headers");
}

static void test_hostile(void **state)
{
    (void)state;
    /* very deep nesting must fail cleanly, not overflow the stack */
    size_t depth = 100000;
    char *s = malloc(2 * depth + 1);
    assert_non_null(s);
    memset(s, '[', depth);
    memset(s + depth, ']', depth);
    s[2 * depth] = '\0';
    refuse(s);
    free(s);
    /* an embedded NUL inside the buffer */
    static const char nul[] = "{\"output\":{\"prediction\":true,\"probabilities\":"
                              "{\"true\":0.5}}}\0junk";
    int pred;
    double p;
    assert_int_equal(rt_answer_parse(nul, sizeof nul - 1, &pred, &p), -1);
    /* a NUL inside a key */
    static const char nulkey[] = "{\"output\":{\"prediction\":true,\"probabilities\":"
                                 "{\"tr\\u0000ue\":0.5}}}";
    assert_int_equal(rt_answer_parse(nulkey, sizeof nulkey - 1, &pred, &p), -1);
    /* invalid UTF-8 */
    refuse("{\"output\":{\"prediction\":true,\"probabilities\":{\"true\":0.5}},\"x\":\"\xff\"}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_liftwing_body),
        cmocka_unit_test(test_not_nul_terminated),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
