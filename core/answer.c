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
