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
    char *ca_file, *ca_path;    /* owned; CA bundle / directory; NULL: libcurl's default */
    char *client_cert;          /* owned; client certificate (PEM), NULL: none */
    char *client_key;           /* owned; its private key, NULL: in client_cert */
    char *proxy;                /* owned; proxy URL, NULL: none (the tool decides, from
                                   --proxy or the environment, and says it) */
    char *noproxy;              /* owned; hosts not to proxy (CURLOPT_NOPROXY), NULL */
    int http2;                  /* 1: allow HTTP/2 (ALPN) */
    enum rt_keep_bodies keep_bodies;
    int64_t max_body_bytes;     /* answers beyond this are cut: error "too_large"; default 1 MiB */
    int timing_precise;         /* 1: busy-poll the last 2 ms before each send (--timing
                                   precise); 0: sleep until the send (default) */
};

/*
 * libcurl's built-in trust store (CURLINFO_CAINFO / CURLINFO_CAPATH), what verifies a server
 * when no CA file or directory is given: new strings the caller frees, NULL where libcurl
 * has none (or is too old to say).
 */
void rt_http_default_trust(char **ca_file, char **ca_path);

struct curl_slist;

/*
 * One request given whole instead of made from the body template: what the recording proxy
 * forwards.  Borrowed by the engine from the plan item until its on_answer.
 */
struct rt_request {
    const char *url;            /* the whole URL to send to */
    const char *method;         /* "GET", "POST", ... */
    struct curl_slist *headers; /* every header to send, in curl's form */
    const char *body;           /* may be NULL when body_len is 0 */
    size_t body_len;
    /* Non-NULL: do not send; record the item at once with this error word (sent_us NULL),
       e.g. the proxy's "overload".  No on_answer for it. */
    const char *refuse;
};

/* Does header line h (curl's form: "Name: value", or "Name:" to send none) name the header
   name, in any case? */
int rt_http_header_is(const char *h, const char *name);
/* Append line to the header list *l; on failure *l is kept whole (curl_slist_append gives
   NULL then).  0, or -1 when out of memory. */
int rt_http_header_add(struct curl_slist **l, const char *line);

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
