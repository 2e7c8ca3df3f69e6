/*
 * proxy.c - the recording proxy (see proxy.h): libmicrohttpd serves the clients, the engine
 * (core/engine.c, as a live source) forwards to UPSTREAM, tool/session records.
 *
 * A request's way: MHD reads it whole on the loop thread (tool/mhdloop, our own loop around
 * MHD_run); the handler stamps its arrival, reads the rev_id from the JSON body if there is
 * one, builds the forwarded request (UPSTREAM's origin + the target as received, the client's
 * headers minus the hop-by-hop ones, its body), suspends the connection and queues a plan
 * item, then writes the eventfd the engine watches.  The engine takes the item (proxy_next),
 * sends it at once and, when the exchange is over, calls proxy_answer on its own thread: the
 * answer becomes an MHD response there (status, headers minus hop-by-hop, body copied) and
 * the connection is resumed; the loop thread queues the response.  The engine then records
 * the row exactly as for any capture, so the timing and records have one home.
 *
 * Admission (under the lock, in arrival order, which is the rows' seq order): from the
 * engine's start until --requests requests were taken, --duration passed or the run ended.
 * A body over --max-body is answered 413 and recorded "request_too_large"; past
 * --max-inflight forwarded requests the answer is 503, recorded "overload"; both are never
 * sent (sent_us NULL).  Requests that come after the run's end, or that were queued but not
 * taken when a signal stopped it, are answered 503 and not recorded: they are not part of it.
 *
 * Nothing of the client's request but its rev_id and its arrival is stored: not its
 * headers, not its path or query (they may carry credentials).
 */
#include "capture/proxy.h"

#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/clock.h"
#include "core/grow.h"
#include "core/units.h"
#include "tool/cli.h"
#include "tool/mhdloop.h"
#include "tool/session.h"

enum preq_state { P_NEW = 0, P_BODY, P_WAITING, P_DONE };

struct proxy;

/* One client request from its arrival to its answer; MHD's con_cls. */
struct preq {
    struct rt_request rq;       /* first: the engine hands &rq back to proxy_answer */
    struct proxy *p;            /* borrowed */
    struct MHD_Connection *conn;
    char *uri;                  /* owned: the request target as received (path?query) */
    char *url;                  /* owned: UPSTREAM's origin + uri */
    char *method;               /* owned */
    struct curl_slist *headers; /* owned */
    char *body;                 /* owned */
    size_t len, cap;
    int too_large;
    enum preq_state state;
    unsigned status;            /* P_DONE: the answer's status */
    struct MHD_Response *resp;  /* P_DONE: the answer, made by proxy_answer */
};

struct proxy {
    struct rt_run_opts *run;            /* borrowed */
    const struct rt_proxy_opts *o;      /* borrowed */
    char *origin;                       /* owned: scheme://authority of UPSTREAM */
    struct MHD_Daemon *daemon;
    struct rt_mhd_loop loop;
    int wake_fd;                        /* the eventfd the engine watches */

    pthread_mutex_t lock;               /* guards everything below */
    struct rt_plan_item *q;             /* owned: queued items, q[head..n) */
    size_t head, n, cap;
    int open;                           /* admitting requests */
    int64_t admitted;                   /* requests taken into the run: the next seq */
    int64_t t0;                         /* monotonic µs of the run's time 0 */
    int inflight;                       /* forwarded, not yet answered */
    int answered;                       /* answered, the answer not yet sent to the client */
    pthread_cond_t sent;                /* signalled when answered drops to 0 */
};

/* The refusals: recorded by the engine with this error word, never sent. */
static const struct rt_request refuse_large = { .refuse = "request_too_large" };
static const struct rt_request refuse_busy = { .refuse = "overload" };

/* ---- headers ---- */

/* Is the header name[0..len) hop-by-hop (RFC 9110 7.6.1), or named in connection (the
   Connection header's value, may be NULL)? */
static int hop_by_hop(const char *name, size_t len, const char *connection)
{
    static const char *const hop[] = { "connection", "keep-alive", "te", "trailer",
                                       "transfer-encoding", "upgrade" };
    for (size_t i = 0; i < sizeof hop / sizeof hop[0]; i++)
        if (strlen(hop[i]) == len && strncasecmp(name, hop[i], len) == 0)
            return 1;
    if (len >= 6 && strncasecmp(name, "proxy-", 6) == 0)
        return 1;
    for (const char *c = connection; c && *c;) {
        c += strspn(c, " \t,");
        size_t k = strcspn(c, " \t,");
        if (k == len && strncasecmp(c, name, len) == 0)
            return 1;
        c += k;
    }
    return 0;
}

static int name_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

/* Append "name: value" to *l.  0, or -1 when out of memory. */
static int add_line(struct curl_slist **l, const char *name, size_t nlen, const char *value)
{
    char buf[8192];
    char *line = buf;
    size_t need = nlen + strlen(value) + 3;
    if (need > sizeof buf && !(line = malloc(need)))
        return -1;
    memcpy(line, name, nlen);
    memcpy(line + nlen, ": ", 2);
    memcpy(line + nlen + 2, value, need - nlen - 2);   /* with the NUL */
    int rc = rt_http_header_add(l, line);
    if (line != buf)
        free(line);
    return rc;
}

struct hdr_walk {
    struct preq *r;
    const char *connection;     /* the client's Connection header, or NULL */
    int has_ct, has_accept, has_ua, failed;
};

/* MHD_KeyValueIterator over the client's headers: keep what goes upstream. */
static enum MHD_Result keep_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    struct hdr_walk *w = cls;
    const struct rt_http_config *h = &w->r->p->run->http;
    size_t len = strlen(key);
    (void)kind;
    if (hop_by_hop(key, len, w->connection) || name_is(key, len, "host") ||
        name_is(key, len, "content-length") || name_is(key, len, "expect"))
        return MHD_YES;
    for (size_t i = 0; i < h->n_headers; i++)   /* an -H header replaces the client's */
        if (rt_http_header_is(h->headers[i], key))
            return MHD_YES;
    w->has_ct |= name_is(key, len, "content-type");
    w->has_accept |= name_is(key, len, "accept");
    w->has_ua |= name_is(key, len, "user-agent");
    if (add_line(&w->r->headers, key, len, value ? value : "") != 0)
        w->failed = 1;
    return MHD_YES;
}

/*
 * The headers to send upstream: the client's minus hop-by-hop, Host, Content-Length and
 * Expect; the -H ones; Host from --host (else curl's, UPSTREAM's).  curl would add a
 * Content-Type, an Accept and a User-Agent of its own: an empty "Name:" line stops each one
 * the client did not send.  0, or -1 when out of memory.
 */
static int forward_headers(struct preq *r)
{
    const struct rt_http_config *h = &r->p->run->http;
    struct hdr_walk w = { .r = r };
    w.connection = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Connection");
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, keep_header, &w);
    for (size_t i = 0; i < h->n_headers && !w.failed; i++)
        w.failed = rt_http_header_add(&r->headers, h->headers[i]) != 0;
    static const char *const stop_ct = "Content-Type:", *const stop_acc = "Accept:",
                             *const stop_ua = "User-Agent:";
    const char *extra[] = { "Expect:", w.has_ct ? NULL : stop_ct,
                            w.has_accept ? NULL : stop_acc, w.has_ua ? NULL : stop_ua };
    for (size_t i = 0; i < sizeof extra / sizeof extra[0] && !w.failed; i++)
        if (extra[i])
            w.failed = rt_http_header_add(&r->headers, extra[i]) != 0;
    if (h->host && !w.failed)
        w.failed = add_line(&r->headers, "Host", 4, h->host) != 0;
    return w.failed ? -1 : 0;
}

/* A header line split in place: its name (nlen bytes, NUL-terminated) and trimmed value. */
struct field { const char *name, *value; size_t nlen; };

/*
 * The upstream's header block split into fields, once: in place in a copy of the block, on the
 * stack when block and fields fit (LiftWing's few short lines always do), so the engine's
 * thread allocates nothing per answer; larger blocks (the engine bounds them at 64 KiB) go to
 * the heap.
 */
struct fields {
    char *buf;
    struct field *f;
    size_t n;
    char stack_buf[4096];
    struct field stack_f[64];
};

/* Split hdr[0..len) (curl's "Name: value\r\n" lines) into fs.  0, or -1 out of memory. */
static int fields_split(struct fields *fs, const char *hdr, size_t len)
{
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += hdr[i] == '\n';
    fs->n = 0;
    fs->buf = len < sizeof fs->stack_buf ? fs->stack_buf : malloc(len + 1);
    size_t stack_n = sizeof fs->stack_f / sizeof fs->stack_f[0];
    fs->f = lines <= stack_n ? fs->stack_f : malloc(lines * sizeof *fs->f);
    if (!fs->buf || !fs->f)
        return -1;
    memcpy(fs->buf, hdr, len);
    fs->buf[len] = 0;
    for (char *p = fs->buf, *end = fs->buf + len; p < end;) {
        char *eol = memchr(p, '\n', (size_t)(end - p));
        char *next = eol ? eol + 1 : end, *ve = eol ? eol : end;
        char *colon = memchr(p, ':', (size_t)(ve - p));
        if (colon && colon > p) {
            char *v = colon + 1;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            *colon = 0;
            *ve = 0;
            fs->f[fs->n++] = (struct field){ .name = p, .value = v,
                                             .nlen = (size_t)(colon - p) };
        }
        p = next;
    }
    return 0;
}

static void fields_free(struct fields *fs)
{
    if (fs->buf != fs->stack_buf)
        free(fs->buf);
    if (fs->f != fs->stack_f)
        free(fs->f);
}

/* The upstream's Content-Length (digits only), or -1 when it gave none. */
static int64_t fields_length(const struct fields *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        if (!name_is(fs->f[i].name, fs->f[i].nlen, "content-length"))
            continue;
        const char *v = fs->f[i].value;
        int64_t len = 0;
        for (; *v >= '0' && *v <= '9' && len <= (INT64_MAX - 9) / 10; v++)
            len = len * 10 + (*v - '0');
        return v > fs->f[i].value && !*v ? len : -1;
    }
    return -1;
}

/*
 * The tokens of every Connection field, joined by commas into conn (cap bytes), so that one
 * hop_by_hop scan per header line covers them all.  Tokens past cap (no real value is near
 * it) are left out: each line's scan stays bounded whatever the upstream sends.
 */
static void connection_tokens(const struct fields *fs, char *conn, size_t cap)
{
    size_t used = 0;
    conn[0] = 0;
    for (size_t i = 0; i < fs->n; i++) {
        if (!name_is(fs->f[i].name, fs->f[i].nlen, "connection"))
            continue;
        for (const char *t = fs->f[i].value; *t;) {
            t += strspn(t, " \t,");
            size_t k = strcspn(t, " \t,");
            if (k > 0 && used + k + 2 <= cap) {
                conn[used++] = ',';
                memcpy(conn + used, t, k);
                used += k;
                conn[used] = 0;
            }
            t += k;
        }
    }
}

/* The upstream's header fields onto resp, minus hop-by-hop and Content-Length (MHD's, from
   the response's size). */
static void answer_headers(struct MHD_Response *resp, const struct fields *fs)
{
    char conn[4096];
    connection_tokens(fs, conn, sizeof conn);
    for (size_t i = 0; i < fs->n; i++)
        if (!hop_by_hop(fs->f[i].name, fs->f[i].nlen, conn) &&
            !name_is(fs->f[i].name, fs->f[i].nlen, "content-length"))
            MHD_add_response_header(resp, fs->f[i].name, fs->f[i].value);
}

/* A HEAD answer's body reader: MHD sends no body for HEAD, so it is never called; if it
   were, the connection ends rather than send bytes the upstream never gave. */
static ssize_t no_body(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)cls;
    (void)pos;
    (void)buf;
    (void)max;
    return MHD_CONTENT_READER_END_WITH_ERROR;
}

/* ---- the engine's side: the live source ---- */

/* The plan's next item: a queued request, RT_PLAN_WAIT, or 0 once the run is over. */
static int proxy_next(void *ctx, struct rt_plan_item *it, char *err, size_t errlen)
{
    struct proxy *p = ctx;
    int rc = RT_PLAN_WAIT;
    (void)err;
    (void)errlen;
    pthread_mutex_lock(&p->lock);
    if (p->head < p->n) {
        *it = p->q[p->head++];
        it->scheduled_us -= p->t0;      /* queued with the monotonic arrival time */
        if (p->head == p->n)
            p->head = p->n = 0;
        rc = 1;
    } else if (p->open && p->o->duration_us > 0 &&
               rt_mono_us() - p->t0 >= p->o->duration_us) {
        p->open = 0;
    }
    if (rc != 1 && !p->open)
        rc = 0;
    pthread_mutex_unlock(&p->lock);
    return rc;
}

/* The session's live_start: the run counts from t0; admit requests, start serving, and give
   the engine the descriptor to watch.  0, or -1 with err. */
static int proxy_start(void *ctx, int64_t t0_mono_us, int *wake_fd, char *err, size_t errlen)
{
    struct proxy *p = ctx;
    int rc = 0;
    pthread_mutex_lock(&p->lock);
    p->t0 = t0_mono_us;
    p->open = 1;
    pthread_mutex_unlock(&p->lock);
    /* The signals stay with the engine's thread, which they are meant to wake. */
    sigset_t sigs, old;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, &old);
    if (rt_mhd_loop_start(&p->loop, p->daemon) != 0) {
        snprintf(err, errlen, "cannot start the proxy's HTTP thread");
        rc = -1;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    *wake_fd = p->wake_fd;
    return rc;
}

/* A JSON error answer of our own (the upstream gave none). */
static struct MHD_Response *error_response(const char *msg)
{
    char buf[256];
    int n = snprintf(buf, sizeof buf, "{\"error\":\"%s\"}", msg);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer((size_t)n, buf, MHD_RESPMEM_MUST_COPY);
    if (resp)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    return resp;
}

/* Hand r its answer and resume its connection (any thread; the caller counted it in
   p->answered, under the lock). */
static void finish(struct proxy *p, struct preq *r, unsigned status, struct MHD_Response *resp)
{
    r->status = status;
    r->resp = resp;
    r->state = P_DONE;
    MHD_resume_connection(r->conn);
    rt_mhd_loop_wake(&p->loop);
}

/* The status we answer when the upstream gave none: the record's error word decides. */
static unsigned failure_status(const char *error, const char **msg)
{
    if (error && strcmp(error, "deadline") == 0) {
        *msg = "upstream: no answer within the deadline";
        return MHD_HTTP_GATEWAY_TIMEOUT;
    }
    if (error && strcmp(error, "canceled") == 0) {
        *msg = "the recording proxy is stopping";
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    }
    if (error && strcmp(error, "too_large") == 0) {
        *msg = "upstream: the answer is larger than --max-body";
        return MHD_HTTP_BAD_GATEWAY;
    }
    *msg = "upstream: no valid answer";
    return MHD_HTTP_BAD_GATEWAY;
}

/* The engine's on_answer: the upstream's answer (or our error) back to the client. */
static void proxy_answer(void *ctx, const struct rt_plan_item *it, const struct rt_record *rec,
                         const struct rt_answer *a)
{
    struct proxy *p = ctx;
    struct preq *r = (struct preq *)(void *)it->req;   /* rq is its first member */
    struct MHD_Response *resp;
    unsigned status;
    if (a->status > 0) {
        status = (unsigned)a->status;
        struct fields fs;
        if (fields_split(&fs, a->headers ? a->headers : "", a->headers_len) != 0) {
            status = MHD_HTTP_BAD_GATEWAY;
            resp = error_response("the recording proxy is out of memory");
        } else {
            /* HEAD: the size a GET would have, as the upstream said it (MHD sends no body). */
            int64_t head_len = strcmp(r->method, "HEAD") == 0 ? fields_length(&fs) : -1;
            if (head_len >= 0)
                resp = MHD_create_response_from_callback((uint64_t)head_len, 4096, no_body,
                                                         NULL, NULL);
            else
                resp = MHD_create_response_from_buffer(a->body_len,
                                                       (void *)(a->body ? a->body : ""),
                                                       MHD_RESPMEM_MUST_COPY);
            if (resp)
                answer_headers(resp, &fs);
        }
        fields_free(&fs);
    } else {
        const char *msg;
        status = failure_status(rec->error, &msg);
        resp = error_response(msg);
    }
    pthread_mutex_lock(&p->lock);
    p->inflight--;
    p->answered++;
    pthread_mutex_unlock(&p->lock);
    finish(p, r, status, resp);
}

/* ---- the client's side: MHD ---- */

/* The rev_id of a JSON body {"rev_id": N}, N > 0; 0 when there is none. */
static int64_t body_rev_id(const struct preq *r)
{
    if (r->len == 0 || r->too_large)
        return 0;
    json_t *j = json_loadb(r->body, r->len, 0, NULL);
    json_t *v = json_is_object(j) ? json_object_get(j, "rev_id") : NULL;
    int64_t id = json_is_integer(v) && json_integer_value(v) > 0
        ? (int64_t)json_integer_value(v) : 0;
    json_decref(j);
    return id;
}

/* The forwarded request: URL, method, headers, body.  0, or -1 when out of memory. */
static int build_request(struct preq *r, const char *method)
{
    size_t n = strlen(r->p->origin) + strlen(r->uri) + 1;
    r->url = malloc(n);
    r->method = strdup(method);
    if (!r->url || !r->method || forward_headers(r) != 0)
        return -1;
    snprintf(r->url, n, "%s%s", r->p->origin, r->uri);
    r->rq.url = r->url;
    r->rq.method = r->method;
    r->rq.headers = r->headers;
    r->rq.body = r->body;
    r->rq.body_len = r->len;
    return 0;
}

/* Queue it for the engine (under the lock).  0, or -1 when out of memory. */
static int enqueue(struct proxy *p, const struct rt_plan_item *it)
{
    if (p->n == p->cap) {
        struct rt_plan_item *q = rt_grow(p->q, p->n, &p->cap, sizeof *q, 64);
        if (!q)
            return -1;
        p->q = q;
    }
    p->q[p->n++] = *it;
    return 0;
}

static void wake_engine(struct proxy *p)
{
    uint64_t one = 1;
    ssize_t w = write(p->wake_fd, &one, sizeof one);
    (void)w;    /* EAGAIN: the counter is already non-zero, the engine will look */
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
    struct MHD_Response *resp = error_response(msg);
    if (!resp)
        return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/*
 * The whole request is here: admit it into the run (see the opening comment) and forward it,
 * or refuse it.  The connection is suspended under the lock, before the engine can take it.
 */
static enum MHD_Result admit(struct proxy *p, struct preq *r, const char *method)
{
    int64_t now = rt_mono_us();
    struct rt_plan_item it = { .rev_id = body_rev_id(r), .scheduled_us = now };
    int built = !r->too_large && build_request(r, method) == 0;
    pthread_mutex_lock(&p->lock);
    if (p->open && p->o->duration_us > 0 && now - p->t0 >= p->o->duration_us)
        p->open = 0;
    if (!p->open) {
        pthread_mutex_unlock(&p->lock);
        return send_error(r->conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                          "the recording run is over");
    }
    it.req = r->too_large ? &refuse_large
           : p->inflight >= p->run->http.max_inflight ? &refuse_busy : &r->rq;
    if (!built && it.req == &r->rq) {
        pthread_mutex_unlock(&p->lock);
        return MHD_NO;      /* out of memory: close */
    }
    it.seq = p->admitted;
    if (enqueue(p, &it) != 0) {
        pthread_mutex_unlock(&p->lock);
        return MHD_NO;
    }
    p->admitted++;
    if (p->o->requests > 0 && p->admitted >= p->o->requests)
        p->open = 0;
    if (it.req == &r->rq) {
        p->inflight++;
        r->state = P_WAITING;
        MHD_suspend_connection(r->conn);
    }
    pthread_mutex_unlock(&p->lock);
    wake_engine(p);
    if (it.req == &refuse_large)
        return send_error(r->conn, MHD_HTTP_CONTENT_TOO_LARGE,
                          "request body larger than --max-body");
    if (it.req == &refuse_busy)
        return send_error(r->conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                          "the recording proxy is at --max-inflight");
    return MHD_YES;
}

/* Take a piece of the request body (beyond --max-body it is dropped: 413 at the end). */
static int take_body(struct preq *r, const char *data, size_t n)
{
    if (r->too_large)
        return 0;
    if ((int64_t)(r->len + n) > r->p->run->http.max_body_bytes) {
        r->too_large = 1;
        return 0;
    }
    return rt_append(&r->body, &r->len, &r->cap, data, n, 512);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version,
                              const char *upload_data, size_t *upload_size, void **con_cls)
{
    struct proxy *p = cls;
    struct preq *r = *con_cls;
    (void)url;
    (void)version;
    if (!r)
        return MHD_NO;      /* the URI log callback could not allocate it */
    if (r->state == P_NEW) {
        r->state = P_BODY;
        r->conn = c;
        return MHD_YES;
    }
    if (r->state == P_DONE) {
        if (!r->resp)
            return MHD_NO;
        enum MHD_Result ret = MHD_queue_response(c, r->status, r->resp);
        MHD_destroy_response(r->resp);
        r->resp = NULL;
        return ret;
    }
    if (r->state == P_WAITING)
        return MHD_YES;
    if (*upload_size) {
        int rc = take_body(r, upload_data, *upload_size);
        *upload_size = 0;
        return rc == 0 ? MHD_YES : MHD_NO;
    }
    return admit(p, r, method);
}

/* MHD_OPTION_URI_LOG_CALLBACK: the request target exactly as received (MHD would decode the
   path it hands the handler); its return value becomes con_cls. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    struct preq *r = calloc(1, sizeof *r);
    (void)c;
    if (!r)
        return NULL;
    r->p = cls;
    if (!(r->uri = strdup(uri))) {
        free(r);
        return NULL;
    }
    return r;
}

static void request_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    struct proxy *p = cls;
    struct preq *r = *con_cls;
    (void)c;
    (void)toe;
    if (!r)
        return;
    if (r->state == P_DONE) {   /* its answer is sent (or the client is gone) */
        pthread_mutex_lock(&p->lock);
        if (--p->answered == 0)
            pthread_cond_signal(&p->sent);
        pthread_mutex_unlock(&p->lock);
    }
    if (r->resp)
        MHD_destroy_response(r->resp);
    curl_slist_free_all(r->headers);
    free(r->uri);
    free(r->url);
    free(r->method);
    free(r->body);
    free(r);
    *con_cls = NULL;
}

/* ---- start, stop ---- */

/* scheme://authority of the upstream URL (its path and query are the client's). */
static char *origin_of(const char *url)
{
    const char *a = strstr(url, "://");
    if (!a)
        return NULL;
    a += 3;
    size_t n = (size_t)(a - url) + strcspn(a, "/?#");
    char *o = malloc(n + 1);
    if (o) {
        memcpy(o, url, n);
        o[n] = 0;
    }
    return o;
}

/* The daemon on the --listen address (served once the engine starts), the port file and the
   start line.  0, or the exit status after saying why. */
static int proxy_listen(struct proxy *p)
{
    const struct rt_proxy_opts *o = p->o;
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO;
    if (o->listen.family == AF_INET6)
        flags |= MHD_USE_IPv6;
    p->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, handle, p,
        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&o->listen.sa,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)20000,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)4096,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, p,
        MHD_OPTION_NOTIFY_COMPLETED, request_completed, p,
        MHD_OPTION_END);
    if (!p->daemon) {
        rt_msg_error("capture: cannot listen on %s port %d (address in use, or not allowed?); "
                     "pick another with --listen ADDR:PORT", o->listen.host, o->listen.port);
        return RT_EXIT_RUNTIME;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(p->daemon, MHD_DAEMON_INFO_BIND_PORT);
    int port = di ? (int)di->port : o->listen.port;
    char err[4400], url[64];
    if (o->port_file && rt_listen_write_port_file(o->port_file, port, err, sizeof err) != 0) {
        rt_msg_error("capture: %s", err);
        return RT_EXIT_RUNTIME;
    }
    if (!p->run->quiet) {
        char *up = rt_url_redact(p->origin);
        rt_msg_status("capture", "listening on %s, forwarding to %s",
                      rt_listen_url(&o->listen, port, url, sizeof url),
                      up ? up : "the upstream");
        free(up);
    }
    return 0;
}

/*
 * After the run: answer what was queued but not taken (503, not recorded), let the HTTP
 * thread send every answer given (up to 2 s: a client may have gone), then stop serving.
 */
static void proxy_close(struct proxy *p)
{
    pthread_mutex_lock(&p->lock);
    p->open = 0;
    for (size_t i = p->head; i < p->n; i++) {
        const struct rt_request *rq = p->q[i].req;
        if (rq && !rq->refuse) {
            p->answered++;
            finish(p, (struct preq *)(void *)rq, MHD_HTTP_SERVICE_UNAVAILABLE,
                   error_response("the recording run is over"));
        }
    }
    p->head = p->n = 0;
    int64_t until = rt_mono_us() + 2000000;
    struct timespec ts = { .tv_sec = (time_t)(until / 1000000),
                           .tv_nsec = (long)(until % 1000000) * 1000 };
    while (p->loop.started && p->answered > 0)
        if (pthread_cond_timedwait(&p->sent, &p->lock, &ts) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&p->lock);
    rt_mhd_loop_stop(&p->loop);
    if (p->daemon)
        MHD_stop_daemon(p->daemon);
    if (p->wake_fd >= 0)
        close(p->wake_fd);
    free(p->q);
    free(p->origin);
    pthread_cond_destroy(&p->sent);
    pthread_mutex_destroy(&p->lock);
}

static json_t *proxy_json(const struct proxy *p, json_t *config)
{
    const struct rt_proxy_opts *o = p->o;
    char listen[96];
    snprintf(listen, sizeof listen, o->listen.family == AF_INET6 ? "[%s]:%d" : "%s:%d",
             o->listen.host, o->listen.port);
    json_object_set_new(config, "command", json_string("capture"));
    json_object_set_new(config, "model", json_string("proxy"));
    json_object_set_new(config, "listen", json_string(listen));
    json_object_set_new(config, "duration_us", o->duration_us ? json_integer(o->duration_us)
                                                              : json_null());
    json_object_set_new(config, "requests", o->requests ? json_integer(o->requests)
                                                        : json_null());
    return config;
}

/* The run itself: a session whose plan is the live queue. */
static int proxy_record(struct proxy *p, json_t *config)
{
    struct rt_session s;
    memset(&s, 0, sizeof s);
    s.cmd = "capture";
    s.opts = p->run;
    s.run.name = p->run->name;
    s.run.kind = "proxy";
    s.run.target = p->run->http.url;
    s.config = proxy_json(p, config);
    s.load.duration_us = p->o->duration_us;
    s.load.max_requests = p->o->requests;
    s.next = proxy_next;
    s.next_ctx = p;
    s.live_start = proxy_start;
    s.on_answer = proxy_answer;
    return rt_session_run(&s);
}

int rt_proxy_run(struct rt_run_opts *run, const struct rt_proxy_opts *o, json_t *config)
{
    struct proxy p;
    memset(&p, 0, sizeof p);
    p.run = run;
    p.o = o;
    rt_mhd_loop_init(&p.loop);
    pthread_mutex_init(&p.lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p.sent, &ca);
    pthread_condattr_destroy(&ca);
    p.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    p.origin = origin_of(run->http.url);
    int rc = RT_EXIT_RUNTIME;
    if (p.wake_fd < 0 || !p.origin || rt_mhd_loop_open(&p.loop) != 0)
        rt_msg_error("capture: cannot set up the proxy: %s", strerror(errno));
    else if ((rc = proxy_listen(&p)) == 0)
        rc = proxy_record(&p, config);
    proxy_close(&p);
    return rc;
}
