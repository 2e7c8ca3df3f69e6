/*
 * http.h - what every request of a load shares: target, deadline, in-flight cap, headers,
 * body template, TLS and body-keeping settings.  Plain configuration, parsed by the tool
 * layer (tool/runopts.c) and read by the engine.
 */
#ifndef RT_HTTP_H
#define RT_HTTP_H

#include <stddef.h>
#include <stdint.h>

enum rt_keep_bodies { RT_KEEP_ERRORS = 0, RT_KEEP_ALL = 1, RT_KEEP_NONE = 2 };

/* HTTP options shared by capture and replay (tool/runopts.h is the command-line side). */
struct rt_http_config {
    char *url;                  /* owned */
    int64_t deadline_us;        /* per request, default 5 s; later answers: error "deadline" */
    int max_inflight;           /* default 1024 */
    char **headers;             /* owned, n_headers "Name: value" strings */
    size_t n_headers;
    char *host;                 /* owned; Host header override, NULL: from the URL */
    char *body_template;        /* owned; one %d (or %lld) for the rev ID; default
                                   {"rev_id": %d} */
    int insecure;               /* 1: do not verify TLS */
    int http2;                  /* 1: allow HTTP/2 (ALPN) */
    enum rt_keep_bodies keep_bodies;
    int64_t max_body_bytes;     /* answers beyond this are cut: error "too_large"; default 1 MiB */
    int timing_precise;         /* 1: busy-poll the last 2 ms before each send (--timing
                                   precise); 0: sleep until the send (default) */
};

/* Defaults into a zeroed config (deadline 5 s, max-inflight 1024, template, 1 MiB cap). */
int rt_http_config_init(struct rt_http_config *c);
void rt_http_config_free(struct rt_http_config *c);

/*
 * Check a --body template: exactly one %d (or %lld) for the rev ID; %% is a literal %; no
 * other conversion.  Returns 0, or -1 with err.
 */
int rt_body_template_check(const char *tmpl, char *err, size_t errlen);
/*
 * Split a checked template around its placeholder, with %% unescaped: *prefix and *suffix
 * are new strings the caller frees.  Returns 0, or -1 (invalid template or out of memory).
 */
int rt_body_template_split(const char *tmpl, char **prefix, char **suffix);

#endif
