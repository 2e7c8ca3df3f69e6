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

/*
 * The same parse, remembered: an answer byte-for-byte equal to one parsed recently gets that
 * one's result without parsing again.  The service answers the same rev ID with the same
 * bytes (the model is deterministic), and a load test draws its rev IDs from a pool, so most
 * answers of a run have been seen before; jansson's parse is 40K instructions (callgrind), a
 * lookup a CRC of the bytes and a comparison.  Remembered: answers of up to
 * RT_ANSWER_MEMO_BYTES, the last one seen in each of RT_ANSWER_MEMO_SLOTS slots (by the CRC).
 * The result is rt_answer_parse's, always.  One memo per thread (not locked).
 */
#define RT_ANSWER_MEMO_SLOTS 8192
#define RT_ANSWER_MEMO_BYTES 256
struct rt_answer_memo;
/* NULL when out of memory (rt_answer_memo_parse then parses every answer). */
struct rt_answer_memo *rt_answer_memo_new(void);
void rt_answer_memo_free(struct rt_answer_memo *m);
/* rt_answer_parse(buf, len, prediction, p_true) through the memo m (may be NULL). */
int rt_answer_memo_parse(struct rt_answer_memo *m, const char *buf, size_t len,
                         int *prediction, double *p_true);

#endif
