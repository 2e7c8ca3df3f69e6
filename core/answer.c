/*
 * answer.c - the service's answer body (KServe v1 revertrisk-wikidata) with jansson.
 *
 * The body comes from a server under test, so it is untrusted: any bytes, any size (the
 * caller bounds the size).  json_loadb parses exactly len bytes (no NUL needed), rejects
 * embedded NULs and limits nesting depth, and we only look up two members by name, so a
 * hostile body costs one parse and can only fail.  prediction may be a JSON boolean or the
 * integers 0/1 (some model servers serialise numpy bools that way); probabilities.true
 * must be a finite number in [0, 1].
 */
#include "core/answer.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int rt_answer_parse(const char *buf, size_t len, int *prediction, double *p_true)
{
    if (!buf || len == 0)
        return -1;
    json_error_t jerr;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return -1;
    int rc = -1;
    int pred;
    json_t *output = json_object_get(root, "output");   /* NULL unless an object member */
    json_t *jp = json_object_get(output, "prediction");
    json_t *probs = json_object_get(output, "probabilities");
    json_t *jt = json_object_get(probs, "true");
    if (!jp || !jt)
        goto done;
    if (json_is_boolean(jp))
        pred = json_is_true(jp);
    else if (json_is_integer(jp) &&
             (json_integer_value(jp) == 0 || json_integer_value(jp) == 1))
        pred = (int)json_integer_value(jp);
    else
        goto done;
    if (!json_is_number(jt))
        goto done;
    double p = json_number_value(jt);
    if (!isfinite(p) || p < 0.0 || p > 1.0)
        goto done;
    *prediction = pred;
    *p_true = p;
    rc = 0;
done:
    json_decref(root);
    return rc;
}

/* One remembered answer: its bytes (len 0: empty slot), their CRC and the parse's result. */
struct memo_slot {
    uint32_t crc;
    uint16_t len;
    int8_t rc, prediction;
    double p_true;
    char bytes[RT_ANSWER_MEMO_BYTES];
};

struct rt_answer_memo {
    struct memo_slot slot[RT_ANSWER_MEMO_SLOTS];
};

struct rt_answer_memo *rt_answer_memo_new(void)
{
    return calloc(1, sizeof(struct rt_answer_memo));   /* pages are touched as slots fill */
}

void rt_answer_memo_free(struct rt_answer_memo *m)
{
    free(m);
}

int rt_answer_memo_parse(struct rt_answer_memo *m, const char *buf, size_t len,
                         int *prediction, double *p_true)
{
    if (!m || !buf || len == 0 || len > RT_ANSWER_MEMO_BYTES)
        return rt_answer_parse(buf, len, prediction, p_true);
    uint32_t crc = (uint32_t)crc32(0L, (const Bytef *)buf, (uInt)len);
    struct memo_slot *s = &m->slot[crc & (RT_ANSWER_MEMO_SLOTS - 1)];
    if (s->len != len || s->crc != crc || memcmp(s->bytes, buf, len) != 0) {
        int pred = -1;
        double p = NAN;
        s->rc = (int8_t)rt_answer_parse(buf, len, &pred, &p);
        s->prediction = (int8_t)pred;
        s->p_true = p;
        s->crc = crc;
        s->len = (uint16_t)len;
        memcpy(s->bytes, buf, len);
    }
    if (s->rc != 0)
        return -1;
    *prediction = s->prediction;
    *p_true = s->p_true;
    return 0;
}
