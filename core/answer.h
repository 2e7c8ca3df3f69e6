/*
 * answer.h - reading the service's answer (KServe v1, revertrisk-wikidata):
 *   {"model_name": "...", "model_version": "...", "revision_id": N,
 *    "output": {"prediction": true|false, "probabilities": {"true": P, "false": 1-P}}}
 * with jansson.  Only prediction and probabilities.true are kept.
 */
#ifndef RT_ANSWER_H
#define RT_ANSWER_H

#include <stddef.h>

/*
 * Parse buf[0..len) (not NUL-terminated).  On success returns 0 with *prediction 0/1 and
 * *p_true in [0,1].  Returns -1 (outputs untouched) when the body is not such an answer.
 */
int rt_answer_parse(const char *buf, size_t len, int *prediction, double *p_true);

#endif
