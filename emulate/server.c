/*
 * server.c - the HTTP side of `revtrace emulate`: libmicrohttpd with an epoll thread pool (one
 * thread: our own epoll loop around MHD_run, tool/mhdloop),
 * the KServe v1 paths, validation with jansson, and delays by suspended connections.
 *
 * A request that must wait (any profile but fast, a stall) is handed to the service model
 * (emulate/emumodel.c) with its connection as the tag and the connection is suspended; one timer
 * thread sleeps on a condition variable until the model's next event, advances the model
 * and resumes the connections it answered.  So waiting costs a few hundred bytes per request
 * and no thread, and ten thousand waiting requests are only ten thousand heap entries.  The
 * fast profile answers in the access handler itself, with no lock on the way.
 */
#include "emulate/emulate.h"
#include "core/grow.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "tool/cli.h"
#include "core/clock.h"
#include "tool/fds.h"
#include "tool/mhdloop.h"

#define MODEL_PREFIX "/v1/models/"
#define NAME_MAX_LEN 200
/* Descriptors made room for up front (tool/fds.c): a few load generators' pools. */
#define EMU_RESERVE_FDS 4096

enum creq_state { C_BODY = 0, C_WAITING, C_DONE };

/* Per-connection request state; owned by MHD's con_cls, freed in request_completed. */
struct creq {
    char *body;             /* owned; the POST body so far */
    size_t len, cap;
    int too_large;
    int state;
    int status;             /* the model's outcome: 200, 502, or 0 = close without answer */
    int huge;
    int64_t rev_id;
    char name[NAME_MAX_LEN + 1];
    struct MHD_Connection *conn;    /* borrowed */
    struct feed_conn *feed;         /* owned: GET /v2/stream/recentchange's state */
};

struct server {
    const struct emu_config *cfg;   /* borrowed */
    /* One daemon per HTTP thread, each driven by its own loop (tool/mhdloop) on its own socket
       bound to the same address with SO_REUSEPORT: the kernel spreads the connections. */
    struct MHD_Daemon *daemons[EMU_MAX_THREADS];
    struct rt_mhd_loop loops[EMU_MAX_THREADS];
    int n_daemons;
    struct emu_faults *faults;
    atomic_uint_fast64_t seq;       /* valid prediction requests so far */

    pthread_mutex_t lock;           /* guards model, stop, wake_us */
    pthread_cond_t cond;
    struct rt_emu_model *model;
    int stop;
    int64_t wake_us;                /* when the timer thread means to wake */
    pthread_t timer;
    int timer_started;

    struct creq **ready;            /* timer thread only: answered, to resume */
    size_t n_ready, cap_ready;

    /* --stream-rate: the feed starts with its first connection (guarded by lock) */
    int feed_started;
    int64_t feed_t0_mono_us, feed_t0_wall_us;
};

/* ---- responses ---- */

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status, const char *buf,
                                size_t len, const char *h1, const char *v1)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)buf, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (h1)
        MHD_add_response_header(r, h1, v1);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* {"error": msg} with an optional extra header. */
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *msg,
                                  const char *h1, const char *v1)
{
    json_t *j = json_pack("{s:s}", "error", msg);
    char buf[512];
    size_t n = j ? json_dumpb(j, buf, sizeof buf, JSON_COMPACT) : 0;
    json_decref(j);
    if (n == 0 || n > sizeof buf) {
        n = 0;
        buf[0] = 0;
    }
    return send_buf(c, status, buf, n, h1, v1);
}

/* The KServe v1 answer for one rev ID into buf; returns its length (0 on failure). */
static size_t make_answer(const struct emu_config *cfg, const char *name, int64_t rev_id,
                          char *buf, size_t len)
{
    double p = rt_emu_p_true(rev_id);
    json_t *j = json_pack("{s:s, s:s, s:I, s:{s:b, s:{s:f, s:f}}}",
                          "model_name", name, "model_version", cfg->model_version,
                          "revision_id", (json_int_t)rev_id,
                          "output", "prediction", p > 0.5,
                          "probabilities", "true", p, "false", (1e6 - p * 1e6) / 1e6);
    if (!j)
        return 0;
    size_t n = json_dumpb(j, buf, len, JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(j);
    return n <= len ? n : 0;
}

struct huge_body {
    char json[1024];
    size_t json_len;
    uint64_t pad;       /* spaces before the JSON (valid JSON whitespace) */
};

static ssize_t huge_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct huge_body *h = cls;
    size_t n = 0;
    while (n < max) {
        if (pos + n < h->pad) {
            uint64_t k = h->pad - (pos + n);
            if (k > max - n)
                k = max - n;
            memset(buf + n, ' ', (size_t)k);
            n += (size_t)k;
        } else {
            uint64_t off = pos + n - h->pad;
            if (off >= h->json_len)
                break;
            size_t k = h->json_len - (size_t)off;
            if (k > max - n)
                k = max - n;
            memcpy(buf + n, h->json + off, k);
            n += k;
        }
    }
    return n ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
}

static enum MHD_Result send_answer(struct server *s, struct creq *r)
{
    char buf[1024];
    size_t n = make_answer(s->cfg, r->name, r->rev_id, buf, sizeof buf);
    if (n == 0)
        return send_error(r->conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "answer too large",
                          NULL, NULL);
    if (!r->huge)
        return send_buf(r->conn, MHD_HTTP_OK, buf, n, NULL, NULL);
    struct huge_body *h = malloc(sizeof *h);
    if (!h)
        return MHD_NO;
    memcpy(h->json, buf, n);
    h->json_len = n;
    uint64_t total = (uint64_t)s->cfg->huge_bytes > n ? (uint64_t)s->cfg->huge_bytes : n;
    h->pad = total - n;
    struct MHD_Response *resp =
        MHD_create_response_from_callback(total, 64 * 1024, huge_reader, h, free);
    if (!resp) {
        free(h);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Close the connection with an RST rather than a FIN: linger 0, then let MHD close it. */
static enum MHD_Result reset_connection(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci) {
        struct linger lg = { 1, 0 };
        (void)setsockopt(ci->connect_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    return MHD_NO;
}

/* The outcome the model gave, once the connection is resumed. */
static enum MHD_Result send_outcome(struct server *s, struct creq *r)
{
    switch (r->status) {
    case 200:
        return send_answer(s, r);
    case 0:
        return MHD_NO;      /* a stall ends with a plain close (FIN), no answer */
    case 502:
        return send_error(r->conn, 502, "upstream connect error or disconnect/reset before "
                          "headers (emulated gateway)", NULL, NULL);
    default:
        return send_error(r->conn, (unsigned)r->status, "emulated", NULL, NULL);
    }
}

/* ---- the timer thread ---- */

/* Wake every HTTP loop after a batch of resumes: MHD_run must see them (tool/mhdloop). */
static void wake_loop(struct server *s)
{
    for (int i = 0; i < s->cfg->threads; i++)
        rt_mhd_loop_wake(&s->loops[i]);
}

static void on_done(void *ctx, void *tag, int status, int64_t at_us)
{
    struct server *s = ctx;
    struct creq *r = tag;
    (void)at_us;
    r->status = status;
    r->state = C_DONE;
    struct creq **v = rt_grow(s->ready, s->n_ready, &s->cap_ready, sizeof *v, 256);
    if (!v) {           /* cannot happen in practice; resume at once under the lock */
        MHD_resume_connection(r->conn);
        wake_loop(s);
        return;
    }
    s->ready = v;
    s->ready[s->n_ready++] = r;
}

static void abs_timespec(int64_t mono_us, struct timespec *ts)
{
    ts->tv_sec = (time_t)(mono_us / 1000000);
    ts->tv_nsec = (long)(mono_us % 1000000) * 1000;
}

static void *timer_main(void *arg)
{
    struct server *s = arg;
    rt_clock_tight_timers();
    pthread_mutex_lock(&s->lock);
    while (!s->stop) {
        int64_t now = rt_mono_us();
        rt_emu_model_advance(s->model, now, on_done, s);
        if (s->n_ready) {
            size_t n = s->n_ready;
            struct creq **v = s->ready;
            s->ready = NULL;
            s->n_ready = s->cap_ready = 0;
            pthread_mutex_unlock(&s->lock);
            for (size_t i = 0; i < n; i++)
                MHD_resume_connection(v[i]->conn);
            wake_loop(s);
            free(v);
            pthread_mutex_lock(&s->lock);
            continue;
        }
        int64_t next = rt_emu_model_next_us(s->model);
        s->wake_us = next;
        if (next == INT64_MAX) {
            pthread_cond_wait(&s->cond, &s->lock);
        } else {
            struct timespec ts;
            abs_timespec(next, &ts);
            pthread_cond_timedwait(&s->cond, &s->lock, &ts);
        }
        s->wake_us = 0;
    }
    /* Shutdown: every waiting connection is closed without an answer. */
    rt_emu_model_drain(s->model, 0, on_done, s);
    pthread_mutex_unlock(&s->lock);
    for (size_t i = 0; i < s->n_ready; i++)
        MHD_resume_connection(s->ready[i]->conn);
    s->n_ready = 0;
    wake_loop(s);
    return NULL;
}

/*
 * Hand r to the model (hold_us < 0: a service request; else a hold with status) and suspend
 * its connection; the timer thread resumes it.  0, or -1 (out of memory, or the server is
 * stopping: nothing would resume it) with nothing done.
 */
static int suspend_in_model(struct server *s, struct creq *r, int64_t hold_us, int status)
{
    int64_t now = rt_mono_us();
    pthread_mutex_lock(&s->lock);
    int rc = s->stop ? -1
             : hold_us < 0 ? rt_emu_model_submit(s->model, now, r)
                           : rt_emu_model_hold(s->model, now, hold_us, status, r);
    if (rc != 0) {
        pthread_mutex_unlock(&s->lock);
        return -1;
    }
    r->state = C_WAITING;
    /* Suspend under the lock: the timer thread cannot resume before the suspension. */
    MHD_suspend_connection(r->conn);
    int64_t next = rt_emu_model_next_us(s->model);
    if (s->wake_us == 0 || next < s->wake_us)
        pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

static enum MHD_Result wait_in_model(struct server *s, struct creq *r, int64_t hold_us,
                                     int status)
{
    if (suspend_in_model(s, r, hold_us, status) != 0)
        return send_error(r->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "emulator out of memory",
                          NULL, NULL);
    return MHD_YES;
}

/* ---- GET /v2/stream/recentchange (--stream-rate; the events come from stream.c) ---- */

/*
 * One stream connection.  MHD pulls the body through feed_reader; when the next event is not
 * due yet, the reader parks the connection in the model as a hold until it is (the timer
 * thread resumes it, as it resumes delayed answers) and returns 0: no thread sleeps, and one
 * timer serves every stream and every delayed request.
 */
struct feed_conn {
    struct server *s;               /* borrowed */
    struct creq *r;                 /* borrowed: the owner */
    struct emu_feed_pos pos;        /* the next event to send */
    int64_t sent;                   /* events sent on this connection */
    char buf[4096];                 /* the frame being sent */
    size_t off, len;
};

/* The next event's frame into fc->buf when it is due; 1 done, 0 not due, -1 too large. */
static int feed_fill(struct feed_conn *fc, int64_t *wait_us)
{
    struct server *s = fc->s;
    int64_t due = s->feed_t0_mono_us + fc->pos.t_us, now = rt_mono_us();
    if (due > now) {
        *wait_us = due - now;
        return 0;
    }
    fc->len = emu_feed_format(&fc->pos, s->feed_t0_wall_us, fc->buf, sizeof fc->buf);
    fc->off = 0;
    fc->sent++;
    emu_feed_next(s->cfg, &fc->pos);
    return fc->len ? 1 : -1;
}

/*
 * --stream-drop-after: cut the connection mid-stream (the chunked body never ends, so the
 * client sees a broken transfer).  The shutdown makes the cut immediate: MHD alone would only
 * close the socket at its next wake-up, up to the connection timeout later.
 */
static ssize_t feed_cut(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci)
        (void)shutdown(ci->connect_fd, SHUT_RDWR);
    return MHD_CONTENT_READER_END_WITH_ERROR;
}

static ssize_t feed_reader(void *cls, uint64_t at, char *buf, size_t max)
{
    struct feed_conn *fc = cls;
    const struct emu_config *cfg = fc->s->cfg;
    size_t n = 0;
    (void)at;
    for (;;) {
        if (fc->off < fc->len) {
            size_t k = fc->len - fc->off < max - n ? fc->len - fc->off : max - n;
            memcpy(buf + n, fc->buf + fc->off, k);
            fc->off += k;
            n += k;
            if (n == max)
                return (ssize_t)n;
            continue;
        }
        if (fc->r->state == C_DONE && fc->r->status == 0)
            return n ? (ssize_t)n : MHD_CONTENT_READER_END_WITH_ERROR;  /* shutting down */
        if (cfg->stream_drop_after && fc->sent >= cfg->stream_drop_after)
            return n ? (ssize_t)n : feed_cut(fc->r->conn);
        if (emu_feed_ended(cfg, &fc->pos))
            return n ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
        int64_t wait_us = 0;
        int got = feed_fill(fc, &wait_us);
        if (got < 0)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (got > 0)
            continue;
        if (n)
            return (ssize_t)n;
        if (suspend_in_model(fc->s, fc->r, wait_us, 200) != 0)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        return 0;
    }
}

/*
 * Where a new connection starts: after Last-Event-ID when given (the events since come at
 * once), else live (the first event not yet due).  The feed's clock starts with its first
 * connection, so a client started right after the emulator gets the feed from event 1.
 */
static void feed_position(struct server *s, struct MHD_Connection *c, struct emu_feed_pos *p)
{
    pthread_mutex_lock(&s->lock);
    if (!s->feed_started) {
        s->feed_started = 1;
        s->feed_t0_mono_us = rt_mono_us();
        s->feed_t0_wall_us = rt_wall_us();
    }
    pthread_mutex_unlock(&s->lock);
    emu_feed_start(s->cfg, p);
    const char *last = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
    uint64_t k = 0;
    int resume = last && emu_feed_parse_id(last, &k) == 0;
    int64_t now = rt_mono_us() - s->feed_t0_mono_us;
    /* Only events already due are walked: an id from the future starts live. */
    while (!emu_feed_ended(s->cfg, p) && (resume ? p->k <= k && p->t_us <= now
                                                 : p->t_us < now))
        emu_feed_next(s->cfg, p);
}

static enum MHD_Result start_feed(struct server *s, struct creq *r, const char *method)
{
    if (strcmp(method, "GET") != 0)
        return send_error(r->conn, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET for the stream",
                          MHD_HTTP_HEADER_ALLOW, "GET");
    struct feed_conn *fc = calloc(1, sizeof *fc);
    if (!fc)
        return MHD_NO;
    r->feed = fc;
    fc->s = s;
    fc->r = r;
    feed_position(s, r->conn, &fc->pos);
    if (emu_feed_ended(s->cfg, &fc->pos))   /* SSE: 204 tells a client to stop reconnecting */
        return send_buf(r->conn, MHD_HTTP_NO_CONTENT, "", 0, NULL, NULL);
    memcpy(fc->buf, ":ok\n\n", 5);
    fc->len = 5;
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 2048, feed_reader, fc, NULL);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream; "
                            "charset=utf-8");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    enum MHD_Result ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ---- request handling ---- */

/* Validate the body; on success sets r->rev_id, else writes the 400 message to msg. */
static int parse_body(struct creq *r, char *msg, size_t msglen)
{
    json_error_t jerr;
    json_t *j = json_loadb(r->body ? r->body : "", r->len, 0, &jerr);
    int rc = -1;
    if (!j) {
        snprintf(msg, msglen, "malformed JSON: %s", jerr.text);
        return -1;
    }
    json_t *v = json_is_object(j) ? json_object_get(j, "rev_id") : NULL;
    if (!json_is_object(j))
        snprintf(msg, msglen, "the body must be a JSON object with rev_id");
    else if (!v)
        snprintf(msg, msglen, "missing rev_id");
    else if (!json_is_integer(v))
        snprintf(msg, msglen, "rev_id must be an integer");
    else if (json_integer_value(v) <= 0)
        snprintf(msg, msglen, "rev_id must be a positive integer");
    else {
        r->rev_id = (int64_t)json_integer_value(v);
        rc = 0;
    }
    json_decref(j);
    return rc;
}

static enum MHD_Result predict(struct server *s, struct creq *r)
{
    const struct emu_config *cfg = s->cfg;
    char msg[256];
    if (r->too_large) {
        snprintf(msg, sizeof msg, "request body larger than %lld bytes",
                 (long long)cfg->max_body_bytes);
        return send_error(r->conn, MHD_HTTP_CONTENT_TOO_LARGE, msg, NULL, NULL);
    }
    if (parse_body(r, msg, sizeof msg) != 0)
        return send_error(r->conn, MHD_HTTP_BAD_REQUEST, msg, NULL, NULL);

    uint64_t n = atomic_fetch_add(&s->seq, 1);
    int status = 0, retry_s = 0;
    switch (emu_faults_decide(s->faults, n, rt_mono_us(), &status, &retry_s)) {
    case EMU_FAULT_RESET:
        return reset_connection(r->conn);
    case EMU_FAULT_STALL:
        return wait_in_model(s, r, cfg->stall_us, 0);
    case EMU_FAULT_RATE_LIMIT: {
        char ra[24];
        snprintf(ra, sizeof ra, "%d", retry_s);
        return send_error(r->conn, MHD_HTTP_TOO_MANY_REQUESTS, "rate limit exceeded",
                          MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    case EMU_FAULT_ERROR:
        snprintf(msg, sizeof msg, "emulated error %d", status);
        return send_error(r->conn, (unsigned)status, msg, NULL, NULL);
    case EMU_FAULT_HUGE:
        r->huge = 1;
        break;
    case EMU_FAULT_NONE:
        break;
    }
    if (cfg->params.kind == RT_EMU_NONE)
        return send_answer(s, r);
    return wait_in_model(s, r, -1, 0);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version,
                              const char *upload_data, size_t *upload_size, void **con_cls)
{
    struct server *s = cls;
    struct creq *r = *con_cls;
    (void)version;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->conn = c;
        *con_cls = r;
        return MHD_YES;
    }
    if (r->state == C_DONE)
        return send_outcome(s, r);
    if (r->state == C_WAITING)
        return MHD_YES;     /* a spurious call while suspended */
    if (*upload_size) {
        size_t add = *upload_size;
        *upload_size = 0;
        if (r->too_large)
            return MHD_YES;
        if ((int64_t)(r->len + add) > s->cfg->max_body_bytes) {
            r->too_large = 1;
            free(r->body);
            r->body = NULL;
            r->len = r->cap = 0;
            return MHD_YES;
        }
        if (rt_append(&r->body, &r->len, &r->cap, upload_data, add, 256) != 0)
            return MHD_NO;
        return MHD_YES;
    }

    /* The whole request is here: route it. */
    if (s->cfg->stream_rate_per_s > 0 && strcmp(url, "/v2/stream/recentchange") == 0)
        return start_feed(s, r, method);
    if (strncmp(url, MODEL_PREFIX, strlen(MODEL_PREFIX)) != 0)
        return send_error(c, MHD_HTTP_NOT_FOUND, "not found; the paths are "
                          "POST /v1/models/NAME:predict and GET /v1/models/NAME", NULL, NULL);
    const char *rest = url + strlen(MODEL_PREFIX);
    const char *colon = strchr(rest, ':');
    size_t name_len = colon ? (size_t)(colon - rest) : strlen(rest);
    if (name_len == 0 || name_len > NAME_MAX_LEN || memchr(rest, '/', name_len))
        return send_error(c, MHD_HTTP_NOT_FOUND, "no such model", NULL, NULL);
    memcpy(r->name, rest, name_len);
    r->name[name_len] = 0;
    int is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (colon) {
        if (strcmp(colon + 1, "predict") != 0)
            return send_error(c, MHD_HTTP_NOT_FOUND, "unknown verb; use :predict", NULL, NULL);
        if (strcmp(method, "POST") != 0)
            return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST for :predict",
                              MHD_HTTP_HEADER_ALLOW, "POST");
        return predict(s, r);
    }
    if (!is_get)
        return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET for model readiness",
                          MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    json_t *j = json_pack("{s:s, s:b}", "name", r->name, "ready", 1);
    char buf[512];
    size_t n = j ? json_dumpb(j, buf, sizeof buf, JSON_COMPACT) : 0;
    json_decref(j);
    if (n == 0 || n > sizeof buf)
        return MHD_NO;
    return send_buf(c, MHD_HTTP_OK, buf, n, NULL, NULL);
}

static void request_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    struct creq *r = *con_cls;
    (void)cls;
    (void)c;
    (void)toe;
    if (r) {
        free(r->body);
        free(r->feed);
        free(r);
        *con_cls = NULL;
    }
}

/* ---- start, stop ---- */

/* Everything server_stop looks at, so that it can run after a failure at any later step. */
static void server_init(struct server *s, const struct emu_config *cfg)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < EMU_MAX_THREADS; i++)
        rt_mhd_loop_init(&s->loops[i]);
    s->cfg = cfg;
    atomic_init(&s->seq, 0);
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cond, &ca);
    pthread_condattr_destroy(&ca);
}

/*
 * The model, the fault injector, the loops' wake-up pipes and the timer thread.  Returns 0,
 * or -1 after saying why.
 */
static int start_model(struct server *s)
{
    const struct emu_config *cfg = s->cfg;
    char err[256];
    s->faults = emu_faults_new(cfg);
    s->model = rt_emu_model_new(&cfg->params, cfg->seed, rt_mono_us(), err, sizeof err);
    if (!s->faults || !s->model) {
        rt_msg_error("cannot set up the model: %s", s->model ? "out of memory" : err);
        return -1;
    }
    /* Before the timer thread, which wakes the loop. */
    for (int i = 0; i < cfg->threads; i++)
        if (rt_mhd_loop_open(&s->loops[i]) != 0) {
            rt_msg_error("cannot set up the HTTP loop: %s", strerror(errno));
            return -1;
        }
    if (pthread_create(&s->timer, NULL, timer_main, s) != 0) {
        rt_msg_error("cannot start the timer thread");
        return -1;
    }
    s->timer_started = 1;
    return 0;
}

/* One daemon on addr (port already fixed unless it is the first), with no thread of its own. */
static struct MHD_Daemon *start_daemon(struct server *s, const struct sockaddr *addr)
{
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO;
    if (s->cfg->listen.family == AF_INET6)
        flags |= MHD_USE_IPv6;
    return MHD_start_daemon(
        flags, 0, NULL, NULL, handle, s,
        MHD_OPTION_SOCK_ADDR, addr,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)(s->cfg->threads > 1),
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)20000,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)4096,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)6144,
        MHD_OPTION_NOTIFY_COMPLETED, request_completed, s,
        MHD_OPTION_END);
}

/*
 * The HTTP side: --threads daemons, each on its own socket bound to cfg's address (the first
 * picks the port when it is 0, the others share it through SO_REUSEPORT), each driven by our
 * own loop thread (tool/mhdloop explains why not MHD's internal epoll threads: its pool
 * stalls with 256 simultaneously ready keep-alive connections).  Returns 0, or -1 after
 * saying why.
 */
static int start_http(struct server *s)
{
    const struct emu_config *cfg = s->cfg;
    struct sockaddr_storage addr = cfg->listen.sa;
    for (int i = 0; i < cfg->threads; i++) {
        s->daemons[i] = start_daemon(s, (const struct sockaddr *)&addr);
        if (!s->daemons[i]) {
            char url[96];
            rt_msg_error("cannot listen on %s (address in use, or not allowed?); pick another "
                         "with --listen ADDR:PORT",
                         rt_listen_url(&cfg->listen, cfg->listen.port, url, sizeof url) + 7);
            return -1;
        }
        s->n_daemons = i + 1;
        if (i == 0) {       /* the others bind the port the first one got */
            const union MHD_DaemonInfo *di =
                MHD_get_daemon_info(s->daemons[0], MHD_DAEMON_INFO_BIND_PORT);
            in_port_t port = htons(di ? di->port : (uint16_t)cfg->listen.port);
            if (addr.ss_family == AF_INET6)
                ((struct sockaddr_in6 *)&addr)->sin6_port = port;
            else
                ((struct sockaddr_in *)&addr)->sin_port = port;
        }
        if (rt_mhd_loop_start(&s->loops[i], s->daemons[i]) != 0) {
            rt_msg_error("cannot start the HTTP loop thread");
            return -1;
        }
    }
    return 0;
}

/* The port actually bound, into --port-file, then the start-up line.  Returns 0 or -1. */
static int announce(const struct server *s)
{
    const struct emu_config *cfg = s->cfg;
    char err[4400];
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemons[0], MHD_DAEMON_INFO_BIND_PORT);
    int port = di ? (int)di->port : cfg->listen.port;
    if (cfg->port_file && rt_listen_write_port_file(cfg->port_file, port, err, sizeof err) != 0) {
        rt_msg_error("%s", err);
        return -1;
    }
    char url[96];
    if (!cfg->quiet)
        fprintf(stderr, "revtrace emulate: listening on %s (profile %s)\n",
                rt_listen_url(&cfg->listen, port, url, sizeof url), cfg->params.profile);
    return 0;
}

/*
 * Undo whatever server_init and the start functions did: the timer thread first (its shutdown
 * drain resumes every waiting connection), then the loop thread, then the daemon.
 */
static void server_stop(struct server *s)
{
    if (s->timer_started) {
        pthread_mutex_lock(&s->lock);
        s->stop = 1;
        pthread_cond_signal(&s->cond);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->timer, NULL);
    }
    /* The timer thread is gone; MHD_stop_daemon closes what its last resumes left. */
    for (int i = 0; i < EMU_MAX_THREADS; i++)
        rt_mhd_loop_stop(&s->loops[i]);
    for (int i = 0; i < s->n_daemons; i++)
        MHD_stop_daemon(s->daemons[i]);
    free(s->ready);
    rt_emu_model_free(s->model);
    emu_faults_free(s->faults);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
}

int emu_server_run(const struct emu_config *cfg)
{
    struct server s;
    int rc = RT_EXIT_RUNTIME;
    server_init(&s, cfg);

    /* Signals are taken by sigwait in this thread; every other thread inherits the mask. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    rt_raise_nofile();
    rt_reserve_fds(EMU_RESERVE_FDS);    /* before the HTTP threads (tool/fds.c) */

    if (start_model(&s) != 0 || start_http(&s) != 0 || announce(&s) != 0)
        goto out;
    int sig = 0;
    while (sigwait(&sigs, &sig) != 0)
        ;
    rc = RT_EXIT_OK;
out:
    server_stop(&s);
    return rc;
}
