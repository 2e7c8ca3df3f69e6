/*
 * test_answer.c - the KServe answer parser: real LiftWing bodies, the 0/1 prediction form,
 * and refusals that must leave the outputs untouched (wrong types, out-of-range, truncated,
 * not NUL-terminated, hostile); and the memo, which must give the same result for each of
 * them, remembered or not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/answer.h"

/* One memo for the whole file: every case below also goes through it. */
static struct rt_answer_memo *memo;

/* rt_answer_memo_parse must give rt_answer_parse's result, the first time (the slot is
   filled) and the second (it is remembered), outputs untouched when refused. */
static void same_through_memo(const char *s, size_t len, int rc, int pred, double p)
{
    for (int round = 0; round < 2; round++) {
        int mp = 7;
        double mq = -9.0;
        assert_int_equal(rt_answer_memo_parse(memo, s, len, &mp, &mq), rc);
        assert_int_equal(mp, rc == 0 ? pred : 7);
        assert_true(rc == 0 ? mq == p : mq == -9.0);
    }
}

static int parse(const char *s, int *pred, double *p)
{
    int rc = rt_answer_parse(s, strlen(s), pred, p);
    same_through_memo(s, strlen(s), rc, *pred, *p);
    return rc;
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
    same_through_memo(buf, n, 0, 1, 0.75);
    /* every strict prefix is refused (the memo compares lengths too) */
    for (size_t k = 0; k < n; k++) {
        pred = 7;
        assert_int_equal(rt_answer_parse(buf, k, &pred, &p), -1);
        assert_int_equal(pred, 7);
        same_through_memo(buf, k, -1, 7, -9.0);
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
    same_through_memo(nul, sizeof nul - 1, -1, 7, -9.0);
    /* a NUL inside a key */
    static const char nulkey[] = "{\"output\":{\"prediction\":true,\"probabilities\":"
                                 "{\"tr\\u0000ue\":0.5}}}";
    assert_int_equal(rt_answer_parse(nulkey, sizeof nulkey - 1, &pred, &p), -1);
    same_through_memo(nulkey, sizeof nulkey - 1, -1, 7, -9.0);
    /* invalid UTF-8 */
    refuse("{\"output\":{\"prediction\":true,\"probabilities\":{\"true\":0.5}},\"x\":\"\xff\"}");
}

/* Many different answers, each seen twice in a shuffled order: slots are replaced and CRCs
   may collide, yet every answer gets its own result; an answer too long to be remembered and
   no memo at all give the same. */
static void test_memo_many(void **state)
{
    (void)state;
    enum { N = 3 * RT_ANSWER_MEMO_SLOTS };
    char buf[RT_ANSWER_MEMO_BYTES + 64];
    for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < N; k++) {
            int i = (k * 7919 + pass * 13) % N;
            int n = snprintf(buf, sizeof buf, "{\"revision_id\": %d, \"output\": {\"prediction\""
                             ": %s, \"probabilities\": {\"true\": %d.%04d}}}", 2000000000 + i,
                             i % 3 == 0 ? "true" : "false", i % 5 == 4, i % 5 == 4 ? 0 : i % 10000);
            int pred = 7;
            double p = -9.0;
            int rc = rt_answer_memo_parse(memo, buf, (size_t)n, &pred, &p);
            assert_int_equal(rc, 0);
            assert_int_equal(pred, i % 3 == 0);
            assert_true(p == (i % 5 == 4 ? 1.0 : (double)(i % 10000) / 10000.0));
        }
    }
    /* longer than RT_ANSWER_MEMO_BYTES: parsed, not remembered */
    char big[RT_ANSWER_MEMO_BYTES + 200];
    int n = snprintf(big, sizeof big, "{\"pad\": \"%0*d\", \"output\": {\"prediction\": true, "
                     "\"probabilities\": {\"true\": 0.25}}}", RT_ANSWER_MEMO_BYTES, 0);
    assert_true(n > RT_ANSWER_MEMO_BYTES && (size_t)n < sizeof big);
    same_through_memo(big, (size_t)n, 0, 1, 0.25);
    int pred = 7;
    double p = -9.0;
    assert_int_equal(rt_answer_memo_parse(NULL, big, (size_t)n, &pred, &p), 0);
    assert_true(pred == 1 && p == 0.25);
}

int main(void)
{
    memo = rt_answer_memo_new();
    if (!memo)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memo_many),
        cmocka_unit_test(test_liftwing_body),
        cmocka_unit_test(test_not_nul_terminated),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_hostile),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    rt_answer_memo_free(memo);
    return failed;
}
