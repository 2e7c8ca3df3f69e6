/*
 * follow.c - following an EventStreams stream as a live plan source (see follow.h).
 *
 * Two threads meet here.  The follow thread owns the curl handles and the SSE parser: it
 * connects, reads, decodes and pushes items into a queue under the lock, then writes the
 * eventfd.  The engine's thread only pops from the queue (rt_follow_next) after draining the
 * eventfd, so it never waits on the network.  curl runs through a multi handle with
 * curl_multi_poll, so rt_follow_free can interrupt a quiet stream at once with
 * curl_multi_wakeup instead of waiting for a timeout.
 *
 * A connection silent for cfg.idle_us (no byte, not even a comment, since it was opened or
 * since its latest byte) counts as dropped: the read loop, which wakes at least once a
 * second, ends it, and it is resumed.
 *
 * Reconnects resume with the SSE parser's last event ID (rt_sse_reset keeps it and drops a
 * half-read event, which the server sends again since its id was not seen), so the items
 * are those of one uninterrupted stream.
 */
#include "core/follow.h"

#include "core/clock.h"
#include "core/http.h"
#include "core/recentchange.h"
#include "core/sse.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#ifndef RT_VERSION
#define RT_VERSION "dev"
#endif

#define RETRY_MIN_US 100000
#define RETRY_MAX_US 5000000
#define MAX_MALFORMED_NOTICES 3
#define QUEUE_MAX (4 * 1024 * 1024)     /* items held for a stalled engine (64 MiB) */

struct qitem {
    int64_t rev_id, sched_us;
};

enum conn_end { C_DROPPED, C_END, C_STOPPED };

struct rt_follow {
    struct rt_follow_config cfg;
    int efd;
    CURLM *multi;
    CURL *easy;
    struct rt_sse *sse;
    pthread_t thread;
    int started;
    atomic_int stop;
    int64_t t0;

    pthread_mutex_t lock;           /* guards the queue, the end state, st */
    pthread_cond_t cond;            /* the backoff wait; signalled on stop */
    struct qitem *q;                /* a ring of q_cap */
    size_t q_head, q_len, q_cap;
    int done, failed;
    char err[1024];
    struct rt_follow_stats st;

    int64_t seq;                    /* consumer thread only */

    /* the follow thread only */
    long status;                    /* the current answer's HTTP status; 0 before it */
    int64_t conn_events;
    int gap_open;
    int64_t drop_mono;
    int64_t last_byte_mono;         /* the connection's start, then its latest byte */
    char why[CURL_ERROR_SIZE + 64];
    char curl_err[CURL_ERROR_SIZE];
};

static void notice(struct rt_follow *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void notice(struct rt_follow *f, const char *fmt, ...)
{
    if (!f->cfg.notice)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    f->cfg.notice(f->cfg.notice_ctx, msg);
}

static void wake_engine(struct rt_follow *f)
{
    uint64_t one = 1;
    ssize_t w;
    do
        w = write(f->efd, &one, sizeof one);
    while (w < 0 && errno == EINTR);
}

/* Queue fanout items for one kept event (under the lock). */
static void push_items(struct rt_follow *f, int64_t rev_id, int64_t sched_us)
{
    for (int i = 0; i < f->cfg.fanout; i++) {
        if (f->q_len == f->q_cap) {
            size_t cap = f->q_cap ? f->q_cap * 2 : 1024;
            struct qitem *q = cap <= QUEUE_MAX ? malloc(cap * sizeof *q) : NULL;
            if (!q) {
                f->failed = 1;
                snprintf(f->err, sizeof f->err, "the stream's queue is full (%zu requests "
                         "waiting to be sent)", f->q_len);
                return;
            }
            for (size_t k = 0; k < f->q_len; k++)   /* unroll the ring */
                q[k] = f->q[(f->q_head + k) % f->q_cap];
            free(f->q);
            f->q = q;
            f->q_cap = cap;
            f->q_head = 0;
        }
        f->q[(f->q_head + f->q_len) % f->q_cap] = (struct qitem){ rev_id, sched_us };
        f->q_len++;
        f->st.items++;
    }
}

/* One SSE event of the stream (the follow thread). */
static int on_event(void *ctx, const struct rt_sse_event *ev)
{
    struct rt_follow *f = ctx;
    struct rt_rc_event rc;
    char err[256];
    int ok = rt_rc_decode(ev->data, ev->data_len, f->cfg.wiki, &rc, err, sizeof err) == 0;
    int64_t sched = rt_mono_us() - f->t0;
    f->conn_events++;
    pthread_mutex_lock(&f->lock);
    f->st.events++;
    if (!ok && ++f->st.malformed <= MAX_MALFORMED_NOTICES) {
        pthread_mutex_unlock(&f->lock);
        notice(f, "skipping a malformed event (id %s): %s", ev->id[0] ? ev->id : "none", err);
        return 0;
    }
    if (ok && rc.cls == RT_RC_OTHER_WIKI)
        f->st.skipped_wiki++;
    else if (ok && rc.cls == RT_RC_OTHER_TYPE)
        f->st.skipped_type++;
    else if (ok) {
        f->st.kept++;
        push_items(f, rc.rev_id, sched > 0 ? sched : 0);
    }
    pthread_mutex_unlock(&f->lock);
    if (ok && rc.cls == RT_RC_KEEP)
        wake_engine(f);
    return 0;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *ud)
{
    struct rt_follow *f = ud;
    size_t n = size * nmemb;
    f->last_byte_mono = rt_mono_us();
    if (f->status == 0) {
        curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &f->status);
        pthread_mutex_lock(&f->lock);
        f->st.connects += f->status == 200;
        pthread_mutex_unlock(&f->lock);
    }
    if (f->status != 200)
        return n;                               /* an error page: not a stream */
    if (f->gap_open) {
        int64_t gap = rt_mono_us() - f->drop_mono;
        f->gap_open = 0;
        pthread_mutex_lock(&f->lock);
        f->st.drops++;
        f->st.gap_us_total += gap;
        if (gap > f->st.gap_us_max)
            f->st.gap_us_max = gap;
        pthread_mutex_unlock(&f->lock);
        notice(f, "the stream is back after %.3f s, resuming after event id %s",
               (double)gap / 1e6, rt_sse_last_id(f->sse)[0] ? rt_sse_last_id(f->sse)
                                                             : "(none: from the stream's now)");
    }
    char err[128];
    if (rt_sse_feed(f->sse, data, n, err, sizeof err) != 0) {
        snprintf(f->why, sizeof f->why, "line %zu of the stream: %s",
                 rt_sse_error_line(f->sse), err);
        return 0;                               /* abort this connection */
    }
    return n;
}

/* How long a connection may stay silent. */
static int64_t idle_us(const struct rt_follow *f)
{
    return f->cfg.idle_us > 0 ? f->cfg.idle_us : RT_FOLLOW_IDLE_US;
}

/* The handle for one connection, resuming after the last event ID when there is one. */
static struct curl_slist *prepare(struct rt_follow *f)
{
    CURL *h = f->easy;
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, f->cfg.url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, f->curl_err);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "revtrace/" RT_VERSION " (capture --follow)");
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, f->cfg.insecure ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, f->cfg.insecure ? 0L : 2L);
    struct curl_slist *hdr = curl_slist_append(NULL, "Accept: text/event-stream");
    const char *last = rt_sse_last_id(f->sse);
    if (hdr && last[0]) {
        char line[1024];
        snprintf(line, sizeof line, "Last-Event-ID: %s", last);
        rt_http_header_add(&hdr, line);     /* without it, the stream resumes from now */
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    return hdr;
}

/* One connection, read until it ends: why it ended (the reason of a drop in f->why). */
static enum conn_end connect_once(struct rt_follow *f)
{
    rt_sse_reset(f->sse);
    f->status = 0;
    f->conn_events = 0;
    f->why[0] = f->curl_err[0] = '\0';
    struct curl_slist *hdr = prepare(f);
    CURLcode res = CURLE_OK;
    int running = 1, idle = 0;
    f->last_byte_mono = rt_mono_us();
    curl_multi_add_handle(f->multi, f->easy);
    while (running && !atomic_load(&f->stop)) {
        curl_multi_perform(f->multi, &running);
        int64_t left = f->last_byte_mono + idle_us(f) - rt_mono_us();
        if (running && left <= 0) {
            idle = 1;                           /* silent too long: dropped */
            break;
        }
        if (running)
            curl_multi_poll(f->multi, NULL, 0, left < 1000000 ? (int)(left / 1000) + 1 : 1000,
                            NULL);
    }
    int left;
    CURLMsg *m;
    while ((m = curl_multi_info_read(f->multi, &left)) != NULL)
        if (m->msg == CURLMSG_DONE)
            res = m->data.result;
    curl_multi_remove_handle(f->multi, f->easy);
    curl_slist_free_all(hdr);
    if (atomic_load(&f->stop))
        return C_STOPPED;
    if (f->status == 0)
        curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &f->status);
    if (f->status == 204)
        return C_END;
    if (f->why[0])
        return C_DROPPED;
    if (idle)
        snprintf(f->why, sizeof f->why, "no data for %.1f s", (double)idle_us(f) / 1e6);
    else if (res != CURLE_OK)
        snprintf(f->why, sizeof f->why, "%s", f->curl_err[0] ? f->curl_err
                                                            : curl_easy_strerror(res));
    else if (f->status != 200)
        snprintf(f->why, sizeof f->why, "HTTP %ld", f->status);
    else
        snprintf(f->why, sizeof f->why, "the server closed it");
    return C_DROPPED;
}

/* Wait us or until stopped; 1 when stopped. */
static int backoff_wait(struct rt_follow *f, int64_t us)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ns = (int64_t)ts.tv_nsec + us * 1000;
    ts.tv_sec += (time_t)(ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    pthread_mutex_lock(&f->lock);
    while (!atomic_load(&f->stop) &&
           pthread_cond_timedwait(&f->cond, &f->lock, &ts) != ETIMEDOUT)
        ;
    pthread_mutex_unlock(&f->lock);
    return atomic_load(&f->stop);
}

/* The end of the source: done (and maybe failed with msg), the engine woken to see it. */
static void finish(struct rt_follow *f, const char *msg)
{
    pthread_mutex_lock(&f->lock);
    f->done = 1;
    if (msg && !f->failed) {
        f->failed = 1;
        snprintf(f->err, sizeof f->err, "%s", msg);
    }
    pthread_mutex_unlock(&f->lock);
    wake_engine(f);
}

static void *follow_main(void *arg)
{
    prctl(PR_SET_NAME, "rt-follow");   /* top -H, perf --comm */
    struct rt_follow *f = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    int fails = 0, max = f->cfg.max_retries > 0 ? f->cfg.max_retries : 8;
    for (;;) {
        enum conn_end end = connect_once(f);
        if (end == C_STOPPED)
            break;
        if (end == C_END) {
            pthread_mutex_lock(&f->lock);
            f->st.ended = 1;
            pthread_mutex_unlock(&f->lock);
            notice(f, "the stream has ended (HTTP 204 from the server)");
            break;
        }
        fails = f->conn_events > 0 ? 1 : fails + 1;
        if (fails > max) {
            char msg[1024];
            snprintf(msg, sizeof msg, "following %s: gave up after %d retries (last: %s)",
                     f->cfg.url, max, f->why);
            finish(f, msg);
            return NULL;
        }
        int64_t delay = RETRY_MIN_US << (fails - 1 < 6 ? fails - 1 : 6);
        if (delay > RETRY_MAX_US)
            delay = RETRY_MAX_US;
        if (!f->gap_open) {
            f->gap_open = 1;
            f->drop_mono = rt_mono_us();
        }
        notice(f, "%s (%s); reconnecting in %.1f s with Last-Event-ID %s (attempt %d of %d)",
               f->status == 200 ? "the stream dropped" : "cannot read the stream", f->why,
               (double)delay / 1e6,
               rt_sse_last_id(f->sse)[0] ? rt_sse_last_id(f->sse) : "(none)", fails, max);
        if (backoff_wait(f, delay))
            break;
    }
    finish(f, NULL);
    return NULL;
}

int rt_follow_new(const struct rt_follow_config *cfg, struct rt_follow **out, char *err,
                  size_t errlen)
{
    *out = NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "libcurl: global initialisation failed");
        return -1;
    }
    struct rt_follow *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    f->cfg = *cfg;
    if (f->cfg.fanout < 1)
        f->cfg.fanout = 1;
    f->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->cond, NULL);
    atomic_init(&f->stop, 0);
    f->multi = curl_multi_init();
    f->easy = curl_easy_init();
    f->sse = rt_sse_new(RT_SSE_EVENTS, 0, on_event, f);
    if (f->efd < 0 || !f->multi || !f->easy || !f->sse) {
        snprintf(err, errlen, "cannot set up the stream reader: %s",
                 f->efd < 0 ? strerror(errno) : "out of memory");
        rt_follow_free(f);
        return -1;
    }
    *out = f;
    return 0;
}

int rt_follow_start(void *ctx, int64_t t0_mono_us, int *wake_fd, char *err, size_t errlen)
{
    struct rt_follow *f = ctx;
    f->t0 = t0_mono_us;
    if (pthread_create(&f->thread, NULL, follow_main, f) != 0) {
        snprintf(err, errlen, "cannot start the stream reader thread");
        return -1;
    }
    f->started = 1;
    *wake_fd = f->efd;
    return 0;
}

int rt_follow_next(void *ctx, struct rt_plan_item *it, char *err, size_t errlen)
{
    struct rt_follow *f = ctx;
    int rc = RT_PLAN_WAIT;
    pthread_mutex_lock(&f->lock);
    if (f->q_len > 0) {
        struct qitem q = f->q[f->q_head];
        f->q_head = (f->q_head + 1) % f->q_cap;
        f->q_len--;
        it->seq = f->seq++;
        it->rev_id = q.rev_id;
        it->scheduled_us = q.sched_us;
        rc = 1;
    } else if (f->failed) {
        snprintf(err, errlen, "%s", f->err);
        rc = -1;
    } else if (f->done) {
        rc = 0;
    }
    pthread_mutex_unlock(&f->lock);
    return rc;
}

void rt_follow_get_stats(struct rt_follow *f, struct rt_follow_stats *out)
{
    pthread_mutex_lock(&f->lock);
    *out = f->st;
    pthread_mutex_unlock(&f->lock);
}

void rt_follow_stop(struct rt_follow *f)
{
    if (!f->started)
        return;
    atomic_store(&f->stop, 1);
    curl_multi_wakeup(f->multi);
    pthread_mutex_lock(&f->lock);
    pthread_cond_signal(&f->cond);
    pthread_mutex_unlock(&f->lock);
    pthread_join(f->thread, NULL);
    f->started = 0;
}

void rt_follow_free(struct rt_follow *f)
{
    if (!f)
        return;
    rt_follow_stop(f);
    if (f->easy)
        curl_easy_cleanup(f->easy);
    if (f->multi)
        curl_multi_cleanup(f->multi);
    rt_sse_free(f->sse);
    if (f->efd >= 0)
        close(f->efd);
    pthread_cond_destroy(&f->cond);
    pthread_mutex_destroy(&f->lock);
    free(f->q);
    free(f);
}
