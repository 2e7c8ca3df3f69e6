/*
 * record.h - one request's outcome, as the engine measured it and the store keeps it.
 * Plain data shared by engine.c (producer) and writer.c (consumer).
 */
#ifndef RT_RECORD_H
#define RT_RECORD_H

#include <stddef.h>
#include <stdint.h>

struct rt_record {
    int64_t seq;            /* 0-based scheduling order */
    int64_t rev_id;
    int64_t scheduled_us;   /* after t0 */
    int64_t sent_us;        /* after t0; -1: never sent */
    /* Time from the send to the end of each phase (curl's cumulative timers); -1 unknown. */
    int64_t dns_us, connect_us, tls_us, ttfb_us, total_us;
    int status;             /* HTTP status, 0 when none */
    const char *error;      /* NULL or a static word: deadline, dns, connect, tls, reset, ... */
    int64_t bytes_in;
    int prediction;         /* 0/1, -1 when the answer did not parse */
    double p_true;          /* NaN when unknown */
    unsigned char *body;    /* owned: zlib-compressed answer, NULL when not kept */
    size_t body_len;
    char *error_detail;     /* owned: libcurl's words for a failed exchange, NULL: none */
    /* The raw answer as the engine hands it over: borrowed, valid only while on_record runs
       (rt_writer_push copies it).  The writer thread, not the sender, parses it into
       prediction and p_true (answer_parse) and compresses it into body (answer_keep). */
    const char *answer;     /* NULL: none */
    size_t answer_len;
    int answer_parse;       /* 1: an HTTP 200 answer: read prediction and p_true from it */
    int answer_keep;        /* 1: keep it (--keep-bodies) */
};

#endif
