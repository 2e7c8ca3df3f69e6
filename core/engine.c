/*
 * engine.c - the send loop (see engine.h): one thread, one libcurl multi handle, a pool
 * of request slots that grows on demand up to --max-inflight.
 *
 * Each slot owns an easy handle set up once (URL, headers, callbacks, deadline) and reused
 * for every request it carries, so connections stay in the multi's pool and are reused
 * (keep-alive); only the body pointer changes per request.  CURLOPT_PRIVATE points back at
 * the slot.  Slots are made when a send finds none free (a few µs each), never all up front:
 * --max-inflight 100000 for a 3-request run made 100,000 handles (580 MB) before the first
 * send; now it makes as many as were ever in flight at once.
 *
 * curl is driven through its socket interface (curl_multi_socket_action): curl tells us
 * which sockets to watch (an epoll set) and when its own timer is due, and we hand it only
 * the sockets that are ready.  curl_multi_perform would instead look at every transfer in
 * flight on every call (one poll() each), so a loop iteration would cost O(in flight).
 * The loop: send everything that is due while a slot is free and start it at once (curl's
 * timer), then hand curl the ready sockets one at a time, draining finished transfers into
 * records after each and sending again as soon as a send falls due, so a burst of answers
 * never holds a send back for more than one socket's work.  A closed loop instead sends
 * after the whole batch of ready sockets (serve_events): its sends are the answers' own.
 *
 * Waiting (--timing): by default (sleep) the loop sleeps in epoll_wait with a timerfd armed
 * at the next send (timer slack 1 ns), so a run costs CPU in proportion to its requests, not
 * a core.  With --timing precise, when the next send (or curl's timer) is less than
 * PRECISE_SPIN_US away the loop busy-polls (epoll_wait with a zero timeout) instead of
 * sleeping, as every run did before.  Measured on the 2-vCPU KVM guests we run on (cpuidle
 * haltpoll with guest_halt_poll_ns=0): a thread that sleeps lets its vCPU halt, and about
 * one wakeup in 2,000 then comes 1-4.6 ms late, even with timer slack 1 ns and an idle
 * machine; with the vCPU kept busy the worst was 140 µs.  That tail is below the p99 (p99
 * send lag at 2,000/s stays well under 1 ms asleep, see bench/bench.sh) but shows at p99.9;
 * precise buys it back at the price of a core from about 500 sends/s, and takes that core
 * from a server on the same machine.
 *
 * Coalescing (sleep, open loop, no live source): a sleeping loop wakes twice per request at
 * 2,000/s (the send, then its answer), and each wake of a vCPU costs more than the request
 * (perf: 20 % of the CPU in the context switch alone; 2 switches per request against
 * h2load's 0.24, which paces 20 connections at 100/s each and so sends in clusters).  When
 * the last POOL_WINDOW_US sent at COALESCE_MIN_PER_S or faster, a wake for a send is
 * rounded up to the next multiple of COALESCE_US after t0, so the sends due in one such slot
 * go together: never early, at most COALESCE_US late, the lateness recorded as lag like any
 * other.  Measured against nginx at 2,000/s constant (2 vCPUs, same minute): CPU per request
 * 94-97 µs -> 69-74 with a 1,000 µs grid (lag p99 0.6-0.7 ms: sends fall 0 or 500 µs late),
 * 47-57 with 2,000 µs (lag p99 1.6-1.7 ms), 82-85 with 800 µs (lag p99 1.0-1.5 ms: the grid
 * no longer pairs the sends evenly); h2load 20-24.  A lone send at a low rate is never
 * delayed (the rate gate), and an answer's wake sends what is due at once as before.  The gate
 * is 1,500/s, not 1,000/s: a Poisson 1,000/s run sends above 1,000/s in many 250 ms windows,
 * and coalescing there put its send-lag p99 at 1.01 ms, over the 1 ms schedule target.
 *
 * How many out at once (open loop): --max-inflight is the ceiling, not the target.  Below it
 * the engine keeps at most POOL_FLOOR + POOL_HEADROOM x (send rate x median service time)
 * requests out, both measured over the last POOL_WINDOW_US (Little's law: rate x service
 * time is what the server holds; the median, so that a stall of a few ms does not count as
 * a slow server), the cap growing at most twofold per window.  Before the first answers the
 * cap is POOL_FLOOR; while a due send has waited POOL_GROW_WAIT_US for it, it doubles every
 * POOL_GROW_WAIT_US (a server slow from the start, or one that just got slower: 32 to 1,024
 * in 50 ms) until the next window's answers set it.  A send that finds the cap reached
 * waits for an answer, its wait recorded as lag (latency counts from the schedule), but for
 * at most POOL_BURST_WAIT_US: then it goes out anyway, as long as fewer than POOL_BURST x
 * the cap are out (a burst does not raise the cap).  A server that holds every allowed
 * request for a moment (nginx on a 2-vCPU guest: service p99 1.5-3.5 ms at 20,000/s, most
 * sends over 1 ms late had waited for room) is then sent to on schedule, and its stall shows
 * where it happened, in its service time, instead of as the client's lag.  Ten alternating
 * 8 s pairs at 20,000/s against nginx: lag p99 median 1.44 -> 1.06 ms, over 2 ms in 3 -> 2
 * runs, the worst 24.6 -> 2.5 ms (a stall that had doubled the cap to hundreds of slots).
 * Measured against nginx (one worker) at 20,000/s on 2 vCPUs: with every due send allowed a
 * new connection, a server stall of a few ms opened hundreds of connections, the server and
 * the loop then spent more per request across them, and the run never recovered
 * (--max-inflight 1024: p99 lag 476 ms, service p99 234 ms; 400: 126 ms; 100: 6.9 ms; 50:
 * 1.1 ms); it began in the first 250 ms of every fast run, while each new connection cost
 * more than the gap between two sends.
 *
 * No silent re-sends: when a reused keep-alive connection closes (RST, or FIN after a stall)
 * before any byte of the answer, libcurl re-sends the request on a fresh connection ("Connection
 * died, retrying a fresh connect") and reports only the second outcome, so a load tool would
 * double-send and hide the fault.  A CURLOPT_SEEKFUNCTION that fails cannot stop it here:
 * libcurl 7.88 re-sends CURLOPT_POSTFIELDS without rewinding (checked: the seek callback is
 * never called), and switching to a read callback would send headers and body in two
 * send()s.  Instead CURLOPT_PREREQFUNCTION, called each time curl is about to send a request
 * on a connection, refuses the second time for the same request: the transfer fails before
 * anything is re-sent, and the request is recorded with error "reset" (connection closed
 * before the answer), its total time covering the wait for the dead connection.  The cost is
 * that a request sent on a connection the server had just closed as idle also counts as a
 * reset, which is what a client without retries would see.
 *
 * Time: everything is CLOCK_MONOTONIC µs.  sent_us is taken just before the handle is added;
 * curl starts the transfer right after (the timer action that follows the sends); the phase
 * times come from curl, measured from its own start of the transfer.
 *
 * Books: every item taken from the plan ends as exactly one record (sent and finished, or
 * never sent); rt_engine_run checks the two counts at the end and fails the run when they
 * differ, so a bug cannot lose or invent rows silently.
 *
 * Live sources (hooks->live): the plan's next may answer RT_PLAN_WAIT (nothing yet); the
 * engine then asks again when the source's wake descriptor (in the same epoll set as curl's
 * sockets) fires (live_wake).  A recording proxy's item carries its own request (it->req:
 * URL, method, headers, body), which the slot's handle takes for that send only
 * (slot_custom; slot_template sets the load's request back), and its answer (status, header
 * lines, body) goes back to the source through hooks->on_answer just before the record is
 * made; an item the source refused (it->req->refuse) is recorded at once, never sent.  The
 * timing, the records and the books are the one path every request takes: the proxy is not
 * a second forwarder with copies of them.
 *
 * Stopping: *stop >= 1 stops scheduling.  Requests already due but not sent (waiting for a
 * slot) become records with sent_us -1 and error "canceled"; requests due later are not part
 * of the run.  In-flight requests get up to their deadline.  *stop >= 2 (a second signal)
 * aborts them too: they are recorded with error "canceled" and what curl measured so far.
 */
#include "core/engine.h"

#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/grow.h"
#include "core/heap.h"
#include "core/hist.h"
#include "core/rng.h"

#ifndef RT_VERSION
#define RT_VERSION "dev"
#endif

/* Sleeping at a high rate: a send's wake is rounded up to this grid (see the opening comment). */
#define COALESCE_US 1000
#define COALESCE_MIN_PER_S 1500.0   /* the send rate from which wakes are coalesced */
/* --timing precise: busy-poll instead of sleeping when the next event is this close. */
#define PRECISE_SPIN_US 2000
/* The open-loop pool (see the opening comment): requests out at most, beyond Little's. */
#define POOL_FLOOR 32
#define POOL_HEADROOM 4
#define POOL_WINDOW_US 250000
#define POOL_GROW_WAIT_US 50000
#define POOL_BURST_WAIT_US 1000     /* a send waits this long for room, then bursts ... */
#define POOL_BURST 2                /* ... up to this many times the cap */
/* Slots made up front (more on demand, up to --max-inflight). */
#define SLOTS_AHEAD 16
/* Longest sleep when nothing is scheduled (progress, stop flag). */
#define IDLE_US 100000
/* on_socket's mark of a socket left registered after curl let it go. */
#define FD_PARKED (1u << 30)
/* A socket opened by on_open_socket and not yet closed by on_close_socket: its books are
   known to be its own, so on_socket may trust them (see on_socket). */
#define FD_OURS (1u << 29)
/* Ready sockets taken from epoll per call. */
#define MAX_EVENTS 64

struct slot {
    CURL *easy;
    struct engine *e;               /* borrowed */
    struct rt_plan_item item;
    int64_t sent_us;                /* after t0 */
    int user;                       /* closed loop: the user sending; -1 open loop */
    char *body;                     /* owned answer buffer, capacity body_cap */
    size_t body_len, body_cap;
    int64_t bytes_in;
    int too_large;
    int attempts;                   /* times curl was about to send this request */
    int retry_blocked;              /* curl tried to send it again: refused (see on_prereq) */
    int local_errno;                /* a socket for it could not be made here (EMFILE...) */
    char *post;                     /* owned request body buffer */
    size_t post_len, post_cap;
    char errbuf[CURL_ERROR_SIZE];   /* libcurl's words for a failure (CURLOPT_ERRORBUFFER) */
    int custom;                     /* the handle holds a live item's request settings */
    char *hdr;                      /* owned; live items: the answer's header lines */
    size_t hdr_len, hdr_cap;
};

/* A closed-loop user waiting for its next send; the heap orders them by (due_us, user). */
struct waiting {
    int64_t due_us;                 /* after t0 */
    int user;
};

struct group;

struct engine {
    const struct rt_http_config *http;
    const struct rt_load *load;
    const struct rt_engine_hooks *hooks;
    int64_t progress_us;            /* the report interval; 0: no reports (no on_progress) */
    int64_t t0;                     /* monotonic µs of scheduled time 0 */
    CURLM *multi;
    struct curl_slist *headers;     /* owned */
    CURLU *url;                     /* owned: the load's URL, parsed once (NULL: curl parses) */
    char *prefix, *suffix;          /* owned; the body template around the rev ID */
    size_t prefix_len, suffix_len;
    struct slot **slots;            /* owned, n_slots made so far, room for slots_cap */
    struct slot **free_slots;       /* owned stack, same room */
    size_t slots_cap;
    int n_free, n_slots, max_slots; /* max_slots: --max-inflight (closed loop: <= users) */
    int64_t spin_us;                /* busy-poll this close to an event (--timing) */
    int pool_cap;                   /* requests out at most now (<= max_slots; see above) */
    int64_t win_start, win_sent;    /* the pool's window: start (after t0), e->sent then */
    struct rt_hist win_service;     /* the service times of the window's answers */
    int64_t cap_grown;              /* after t0: when the pool last doubled (pool_wait) */
    int coalesce;                   /* round send wakes up to COALESCE_US (pool_update) */
    int pwait2;                     /* 1: epoll_pwait2 may be there (sleep_until) */
    uint32_t *fd_ev;                /* owned: per socket, the epoll events on_socket set */
    size_t fd_cap;
    int timer_fd;
    int epoll_fd;
    int64_t curl_due;               /* monotonic µs of curl's timer; INT64_MAX: none */
    int64_t now;                    /* the monotonic µs last read by the loop: once a turn
                                       and once a ready socket, not in every callback (perf:
                                       clock_gettime 3 % of the send thread) */
    int https;                      /* the URL is https: TLS time applies */

    /* the plan */
    struct rt_plan_item pending;    /* open loop: the next item, when have_pending */
    int have_pending, plan_done, plan_failed;
    int plan_waiting;               /* a live source said RT_PLAN_WAIT: pull on its wake fd */
    int64_t taken;                  /* items taken from the plan */
    char plan_err[256];

    /* closed loop: the users waiting for their next send (struct waiting), room reserved
       for every user, so pushes never allocate */
    struct rt_heap waiting;         /* owned */
    struct rt_rng rng;

    /* counters and the live histogram */
    int64_t sent, done, ok_2xx, http_errors, net_errors;
    struct rt_hist hist;
    int64_t last_progress_us, last_progress_sent, last_progress_done;
    int64_t first_sent_us, last_sent_us;   /* after t0, of the first and the latest send */
    int stopping, aborted;
    int64_t turn_us, wake_us;       /* the loop's last turn, and when it meant to wake next */
    int64_t max_stall_us;           /* the longest the loop came back later than meant */

    /* several send threads (load->threads > 1): this engine's share */
    struct group *group;            /* borrowed; NULL: the only engine */
    int max_inflight;               /* its share of --max-inflight */
    int user_base, user_stride;     /* its user j is the load's user base + j x stride */
};

/* ---- closed-loop users ---------------------------------------------------------------- */

static int waiting_less(const void *a, const void *b, void *ctx)
{
    const struct waiting *x = a, *y = b;
    (void)ctx;
    return x->due_us < y->due_us || (x->due_us == y->due_us && x->user < y->user);
}

/* The due time of the first waiting user, INT64_MAX when none waits. */
static int64_t waiting_due(const struct engine *e)
{
    const struct waiting *w = rt_heap_peek(&e->waiting);
    return w ? w->due_us : INT64_MAX;
}

/* Queue user u for a send at due_us (cannot fail: there is room for every user). */
static void waiting_push(struct engine *e, int u, int64_t due_us)
{
    struct waiting w = { .due_us = due_us, .user = u };
    (void)rt_heap_push(&e->waiting, &w);
}

/* ---- the plan ------------------------------------------------------------------------- */

/* Pull one item from the source into *it, applying the load's limits.  1, or 0 at the end. */
static int plan_pull(struct engine *e, struct rt_plan_item *it)
{
    if (e->plan_done)
        return 0;
    if (e->load->max_requests > 0 && e->taken >= e->load->max_requests) {
        e->plan_done = 1;
        return 0;
    }
    it->req = NULL;
    int rc = e->hooks->next(e->hooks->next_ctx, it, e->plan_err, sizeof e->plan_err);
    e->plan_waiting = rc == RT_PLAN_WAIT;
    if (e->plan_waiting)
        return 0;                   /* a live source has nothing yet: not the end */
    if (rc < 0) {
        e->plan_failed = 1;
        e->plan_done = 1;
        return 0;
    }
    if (rc == 0) {
        e->plan_done = 1;
        return 0;
    }
    if (!e->load->closed_loop && e->load->duration_us > 0 &&
        it->scheduled_us >= e->load->duration_us) {
        e->plan_done = 1;
        return 0;
    }
    return 1;
}

/*
 * Closed loop: take the user whose think time ends first and the plan's next rev ID; the
 * request is scheduled at that user's due time.  Returns the user, or -1 when the plan has
 * ended (the user is then retired).
 */
static int user_take(struct engine *e, struct rt_plan_item *it)
{
    struct waiting w;
    rt_heap_pop(&e->waiting, &w);
    if (!plan_pull(e, it))
        return -1;
    it->scheduled_us = w.due_us;
    e->taken++;
    return w.user;
}

static void record_unsent(struct engine *e, const struct rt_plan_item *it, const char *why);

/* The next open-loop item into pending.  A live source's refusals (it->req->refuse) need no
   send: they become records at once. */
static void open_refill(struct engine *e)
{
    while (!e->have_pending && plan_pull(e, &e->pending)) {
        if (!e->pending.req || !e->pending.req->refuse) {
            e->have_pending = 1;
            return;
        }
        e->taken++;
        record_unsent(e, &e->pending, "canceled");   /* the source's word wins */
    }
}

/* The time (after t0) of the next send, or INT64_MAX when nothing more is scheduled. */
static int64_t next_due(const struct engine *e)
{
    if (e->stopping)
        return INT64_MAX;
    if (e->load->closed_loop)
        return !e->plan_done ? waiting_due(e) : INT64_MAX;
    return e->have_pending ? e->pending.scheduled_us : INT64_MAX;
}

/* ---- records -------------------------------------------------------------------------- */

static const char *error_word(CURLcode c, const struct slot *s)
{
    switch (c) {
    case CURLE_OK: return NULL;
    case CURLE_OPERATION_TIMEDOUT: return "deadline";
    case CURLE_COULDNT_RESOLVE_HOST: case CURLE_COULDNT_RESOLVE_PROXY: return "dns";
    /* A connection curl had already sent this request on died, and its silent retry could
       not connect (the server went away): the request was lost in flight, a reset. */
    case CURLE_COULDNT_CONNECT: return s->attempts > 0 ? "reset" : "connect";
    case CURLE_SSL_CONNECT_ERROR: case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM: case CURLE_SSL_CIPHER: case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND: case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED: case CURLE_SSL_CRL_BADFILE: case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH: case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT: case CURLE_USE_SSL_FAILED:
        return "tls";
    case CURLE_GOT_NOTHING: return "reset";
    case CURLE_RECV_ERROR: return s->bytes_in > 0 ? "recv" : "reset";
    case CURLE_SEND_ERROR: return "send";
    case CURLE_WRITE_ERROR: return s->too_large ? "too_large" : "write";
    case CURLE_ABORTED_BY_CALLBACK: return "canceled";
    case CURLE_PARTIAL_FILE: return "partial";
    case CURLE_WEIRD_SERVER_REPLY: case CURLE_UNSUPPORTED_PROTOCOL: return "protocol";
    case CURLE_HTTP2: case CURLE_HTTP2_STREAM: return "http2";
    case CURLE_BAD_CONTENT_ENCODING: return "encoding";
    case CURLE_OUT_OF_MEMORY: return "local";     /* ours, not the server's */
    default: return "http";
    }
}

static int64_t info_us(CURL *h, CURLINFO what)
{
    curl_off_t v = 0;
    if (curl_easy_getinfo(h, what, &v) != CURLE_OK)
        return -1;
    return (int64_t)v;
}

static void emit(struct engine *e, struct rt_record *r)
{
    e->hooks->on_record(e->hooks->record_ctx, r);
    free(r->body);       /* when the hook did not take it */
    free(r->error_detail);
    r->body = NULL;
    r->error_detail = NULL;
}

/* libcurl's words for a failed exchange, kept short; NULL where the word says it all. */
static char *error_detail(const struct slot *s, const char *word, CURLcode code)
{
    if (s->retry_blocked)
        return strdup("the connection closed before the answer; libcurl's re-send refused");
    if (!word || !s->errbuf[0] || strcmp(word, "deadline") == 0 ||
        strcmp(word, "canceled") == 0 || strcmp(word, "too_large") == 0)
        return NULL;
    if (code == CURLE_COULDNT_CONNECT && s->attempts > 0) {   /* a reset (error_word) */
        char d[CURL_ERROR_SIZE + 80];
        snprintf(d, sizeof d, "connection lost after the request was sent; reconnecting: %s",
                 s->errbuf);
        return strndup(d, 200);
    }
    return strndup(s->errbuf, 200);
}

/* Drop libcurl's " after N ms" from a reason, so that equal reasons read the same. */
static void drop_elapsed(char *d)
{
    char *p = d ? strstr(d, " after ") : NULL;
    if (!p)
        return;
    size_t n = strspn(p + 7, "0123456789");
    if (n > 0 && strncmp(p + 7 + n, " ms", 3) == 0)
        memmove(p, p + 7 + n + 3, strlen(p + 7 + n + 3) + 1);
}

/* Hand a live item's outcome back to its source (see the opening comment). */
static void answer_live(struct engine *e, const struct rt_plan_item *it,
                        const struct rt_record *r, const struct slot *s)
{
    const struct rt_engine_hooks *hk = e->hooks;
    if (!it->req || it->req->refuse || !hk->on_answer)
        return;
    struct rt_answer a = { .status = r->error ? 0 : r->status };
    if (s && !r->error) {
        a.headers = s->hdr;
        a.headers_len = s->hdr_len;
        a.body = s->body;
        a.body_len = s->body_len;
    }
    hk->on_answer(hk->answer_ctx, it, r, &a);
}

/* A request that was due but never sent: "canceled" (stopped), or "local" (this process
   lacked the memory or a file descriptor to send it); a live source's refusal says its own
   word. */
static void record_unsent(struct engine *e, const struct rt_plan_item *it, const char *why)
{
    if (it->req && it->req->refuse)
        why = it->req->refuse;
    struct rt_record r = {
        .seq = it->seq, .rev_id = it->rev_id, .scheduled_us = it->scheduled_us,
        .sent_us = -1, .dns_us = -1, .connect_us = -1, .tls_us = -1, .ttfb_us = -1,
        .total_us = -1, .status = 0, .error = why, .bytes_in = 0, .prediction = -1,
        .p_true = NAN, .body = NULL, .body_len = 0,
    };
    answer_live(e, it, &r, NULL);
    e->done++;
    e->net_errors++;
    emit(e, &r);
}

static void record_done(struct engine *e, struct slot *s, CURLcode code, int aborted)
{
    CURL *h = s->easy;
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    struct rt_record r = {
        .seq = s->item.seq, .rev_id = s->item.rev_id, .scheduled_us = s->item.scheduled_us,
        .sent_us = s->sent_us, .status = (int)status,
        .error = aborted ? "canceled" : s->retry_blocked ? "reset"
                 : s->local_errno && code != CURLE_OK ? "local" : error_word(code, s),
        .bytes_in = s->bytes_in,
        .prediction = -1, .p_true = NAN, .body = NULL, .body_len = 0,
    };
    int64_t dns = info_us(h, CURLINFO_NAMELOOKUP_TIME_T);
    int64_t con = info_us(h, CURLINFO_CONNECT_TIME_T);
    int64_t tls = info_us(h, CURLINFO_APPCONNECT_TIME_T);
    int64_t ttfb = info_us(h, CURLINFO_STARTTRANSFER_TIME_T);
    int64_t total = info_us(h, CURLINFO_TOTAL_TIME_T);
    if (aborted)
        total = rt_mono_us() - e->t0 - s->sent_us;
    /*
     * curl reports 0 for a phase it did not go through.  A phase skipped on the way to a
     * later one (a reused connection: no lookup, no connect, no handshake) took no time, so
     * it gets the previous phase's cumulative time; a phase never reached is unknown (-1).
     * TLS is unknown (NULL) on plain HTTP, where it does not apply.
     */
    int64_t ph[4] = { dns, con, e->https ? tls : 0, ttfb };
    int64_t reached = -1;
    for (int i = 3; i >= 0 && reached < 0; i--)
        if (ph[i] > 0)
            reached = i;
    int64_t prev = 0;
    for (int i = 0; i < 4; i++) {
        if (i == 2 && !e->https) {
            ph[i] = -1;
            continue;
        }
        if (ph[i] > 0)
            prev = ph[i];
        else if (i < reached)
            ph[i] = prev;
        else
            ph[i] = -1;
    }
    r.dns_us = ph[0];
    r.connect_us = ph[1];
    r.tls_us = ph[2];
    r.ttfb_us = ph[3];
    r.total_us = total >= 0 ? total : -1;
    r.error_detail = aborted ? NULL : error_detail(s, r.error, code);
    drop_elapsed(r.error_detail);
    if (total >= 0 && !aborted)
        rt_hist_add(&e->win_service, total);
    /* The answer is parsed and compressed on the writer thread (perf: jansson's parse was
       10 % of the send thread in a closed loop); the send thread only lends it. */
    int ok_exchange = r.error == NULL;
    int is_2xx = ok_exchange && status >= 200 && status < 300;
    enum rt_keep_bodies kb = e->http->keep_bodies;
    if (s->body_len > 0) {
        r.answer = s->body;
        r.answer_len = s->body_len;
        r.answer_parse = ok_exchange && status == 200;
        r.answer_keep = kb == RT_KEEP_ALL || (kb == RT_KEEP_ERRORS && !is_2xx);
    }

    e->done++;
    if (is_2xx) {
        e->ok_2xx++;
        rt_hist_add(&e->hist, r.sent_us + r.total_us - r.scheduled_us);
    } else if (ok_exchange) {
        e->http_errors++;
    } else {
        e->net_errors++;
    }
    answer_live(e, &s->item, &r, s);
    emit(e, &r);
}

/* ---- slots ---------------------------------------------------------------------------- */

static size_t on_write(char *data, size_t size, size_t nmemb, void *ud)
{
    struct slot *s = ud;
    size_t n = size * nmemb;
    size_t cap_total = (size_t)s->e->http->max_body_bytes;
    s->bytes_in += (int64_t)n;
    if (s->body_len + n > cap_total) {
        s->too_large = 1;
        return 0;     /* CURLE_WRITE_ERROR: recorded as too_large */
    }
    if (s->body_len + n > s->body_cap) {
        size_t c = s->body_cap ? s->body_cap : 1024;
        while (c < s->body_len + n)
            c *= 2;
        if (c > cap_total)
            c = cap_total;
        char *b = realloc(s->body, c);
        if (!b)
            return 0;
        s->body = b;
        s->body_cap = c;
    }
    memcpy(s->body + s->body_len, data, n);
    s->body_len += n;
    return n;
}

/* CURLOPT_HEADERFUNCTION, live items only: keep the answer's header lines (a status line
   starts them afresh: an interim 100 answer's lines are dropped). */
static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    struct slot *s = ud;
    size_t n = size * nmemb;
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        s->hdr_len = 0;
        return n;
    }
    /* an absurd header block, or no memory: CURLE_WRITE_ERROR */
    if (s->hdr_len + n > 65536 ||
        rt_append(&s->hdr, &s->hdr_len, &s->hdr_cap, data, n, 1024) != 0)
        return 0;
    return n;
}

/*
 * CURLOPT_PREREQFUNCTION: called each time curl is about to send the request on a connection.
 * A second call for the same request is libcurl's silent retry (see the opening comment);
 * refuse it, so the request fails and is recorded as "reset".
 */
static int on_prereq(void *ud, char *conn_primary_ip, char *conn_local_ip,
                     int conn_primary_port, int conn_local_port)
{
    struct slot *s = ud;
    (void)conn_primary_ip;
    (void)conn_local_ip;
    (void)conn_primary_port;
    (void)conn_local_port;
    if (++s->attempts == 1)
        return CURL_PREREQFUNC_OK;
    s->retry_blocked = 1;
    return CURL_PREREQFUNC_ABORT;     /* CURLE_ABORTED_BY_CALLBACK; recorded as "reset" */
}

/*
 * CURLOPT_OPENSOCKETFUNCTION: make the socket as curl would, but remember why it could not
 * be made.  Running out of descriptors or memory here is this process's limit, not the
 * server's refusal: curl would report it as CURLE_COULDNT_CONNECT, the record says "local".
 */
static uint32_t *fd_state(struct engine *e, curl_socket_t fd);

static curl_socket_t on_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct slot *s = ud;
    (void)purpose;
    curl_socket_t fd = socket(a->family, a->socktype, a->protocol);
    if (fd == CURL_SOCKET_BAD && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
                                  errno == ENOMEM))
        s->local_errno = errno;
    uint32_t *st = fd == CURL_SOCKET_BAD ? NULL : fd_state(s->e, fd);
    if (st)
        *st = FD_OURS;      /* new: in no epoll set yet */
    return fd;
}

/* CURLOPT_CLOSESOCKETFUNCTION: the socket leaves the epoll set as it closes, and its
   number may come back as anything; forget its books. */
static int on_close_socket(void *ud, curl_socket_t fd)
{
    struct engine *e = ud;
    if (fd >= 0 && (size_t)fd < e->fd_cap)
        e->fd_ev[fd] = 0;
    return close(fd);
}

/* The load's own target on handle c: the URL, parsed once when it could be (CURLOPT_CURLU
   wins over CURLOPT_URL; see setup_curl). */
static CURLcode use_load_url(const struct engine *e, CURL *c)
{
    CURLcode rc = curl_easy_setopt(c, CURLOPT_URL, e->http->url);
    if (rc == CURLE_OK && e->url)
        rc = curl_easy_setopt(c, CURLOPT_CURLU, e->url);
    return rc;
}

static int slot_setup(struct engine *e, struct slot *s, char *err, size_t errlen)
{
    const struct rt_http_config *h = e->http;
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(err, errlen, "libcurl: cannot create a transfer handle");
        return -1;
    }
    s->easy = c;
    s->e = e;
    long deadline_ms = (long)((h->deadline_us + 999) / 1000);
    CURLcode rc = CURLE_OK;
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(c, opt, val); } while (0)
    if (rc == CURLE_OK)
        rc = use_load_url(e, c);
    SET(CURLOPT_HTTPHEADER, e->headers);
    SET(CURLOPT_POST, 1L);
    SET(CURLOPT_WRITEFUNCTION, on_write);
    SET(CURLOPT_WRITEDATA, s);
    SET(CURLOPT_PRIVATE, s);
    SET(CURLOPT_PREREQFUNCTION, on_prereq);
    SET(CURLOPT_PREREQDATA, s);
    SET(CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    SET(CURLOPT_OPENSOCKETDATA, s);
    SET(CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
    SET(CURLOPT_CLOSESOCKETDATA, e);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_TIMEOUT_MS, deadline_ms);
    SET(CURLOPT_CONNECTTIMEOUT_MS, deadline_ms);
    SET(CURLOPT_TCP_NODELAY, 1L);
    SET(CURLOPT_SSL_VERIFYPEER, h->insecure ? 0L : 1L);
    SET(CURLOPT_SSL_VERIFYHOST, h->insecure ? 0L : 2L);
    SET(CURLOPT_HTTP_VERSION, h->http2 ? (long)CURL_HTTP_VERSION_2TLS
                                       : (long)CURL_HTTP_VERSION_1_1);
    SET(CURLOPT_ERRORBUFFER, s->errbuf);
    if (h->ca_file)
        SET(CURLOPT_CAINFO, h->ca_file);
    if (h->ca_path)
        SET(CURLOPT_CAPATH, h->ca_path);
    if (h->client_cert)
        SET(CURLOPT_SSLCERT, h->client_cert);
    if (h->client_key)
        SET(CURLOPT_SSLKEY, h->client_key);
    /* The proxy is always said (NULL: none, not libcurl's silent environment lookup).
       Without a proxy the exclusion list is said too (empty): otherwise libcurl 7.88 reads
       no_proxy and NO_PROXY from the environment on every transfer, to exclude hosts from
       a proxy there is none of (two getenv and a list check per request). */
    SET(CURLOPT_PROXY, h->proxy ? h->proxy : "");
    if (h->noproxy || !h->proxy)
        SET(CURLOPT_NOPROXY, h->noproxy ? h->noproxy : "");
#undef SET
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "libcurl: %s", curl_easy_strerror(rc));
        return -1;
    }
    return 0;
}

/* Render the request body for rev_id into the slot's buffer. */
static int render_body(struct engine *e, struct slot *s, int64_t rev_id)
{
    char num[24];
    int nl = snprintf(num, sizeof num, "%lld", (long long)rev_id);
    size_t need = e->prefix_len + (size_t)nl + e->suffix_len + 1;
    if (need > s->post_cap) {
        char *p = realloc(s->post, need);
        if (!p)
            return -1;
        s->post = p;
        s->post_cap = need;
    }
    memcpy(s->post, e->prefix, e->prefix_len);
    memcpy(s->post + e->prefix_len, num, (size_t)nl);
    memcpy(s->post + e->prefix_len + nl, e->suffix, e->suffix_len + 1);
    s->post_len = need - 1;
    return 0;
}

/*
 * A live item's own request on the slot's handle: its URL, method, headers and body, and its
 * answer's headers kept.  slot_template undoes it for a plan item.  Returns 0 or -1.
 */
static int slot_custom(struct slot *s, const struct rt_request *rq)
{
    CURL *c = s->easy;
    CURLcode rc = CURLE_OK;
    int head = strcmp(rq->method, "HEAD") == 0;
    int post = strcmp(rq->method, "POST") == 0;
    s->custom = 1;
    s->hdr_len = 0;
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(c, opt, val); } while (0)
    SET(CURLOPT_CURLU, NULL);      /* it would win over CURLOPT_URL */
    SET(CURLOPT_URL, rq->url);
    SET(CURLOPT_HTTPHEADER, rq->headers);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, s);
    if (head) {
        SET(CURLOPT_NOBODY, 1L);
    } else if (post || rq->body_len > 0) {
        SET(CURLOPT_POST, 1L);
        SET(CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
    } else {
        SET(CURLOPT_HTTPGET, 1L);
    }
    SET(CURLOPT_CUSTOMREQUEST, head || post || strcmp(rq->method, "GET") == 0
                               ? NULL : rq->method);
    return rc == CURLE_OK ? 0 : -1;
}

/* The load's POST for rev_id on the slot's handle (after a live item: set back first). */
static int slot_template(struct engine *e, struct slot *s, int64_t rev_id)
{
    if (s->custom) {
        use_load_url(e, s->easy);
        curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, e->headers);
        curl_easy_setopt(s->easy, CURLOPT_HEADERFUNCTION, NULL);
        curl_easy_setopt(s->easy, CURLOPT_CUSTOMREQUEST, NULL);
        curl_easy_setopt(s->easy, CURLOPT_NOBODY, 0L);
        curl_easy_setopt(s->easy, CURLOPT_POST, 1L);
        s->custom = 0;
    }
    if (render_body(e, s, rev_id) != 0)
        return -1;
    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->post);
    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->post_len);
    return 0;
}

/* A slot made now (the pool grows on demand), or NULL when out of memory or at the cap. */
static struct slot *slot_make(struct engine *e)
{
    if (e->n_slots >= e->max_slots)
        return NULL;
    if ((size_t)e->n_slots == e->slots_cap) {
        size_t cap = e->slots_cap;
        struct slot **v = rt_grow(e->slots, (size_t)e->n_slots, &cap, sizeof *v, SLOTS_AHEAD);
        if (!v)
            return NULL;
        e->slots = v;
        struct slot **f = realloc(e->free_slots, cap * sizeof *f);
        if (!f)
            return NULL;        /* the larger slots array is kept; cap stays for both */
        e->free_slots = f;
        e->slots_cap = cap;
    }
    struct slot *s = calloc(1, sizeof *s);
    char err[128];
    if (!s || slot_setup(e, s, err, sizeof err) != 0) {
        if (s && s->easy)
            curl_easy_cleanup(s->easy);
        free(s);
        return NULL;
    }
    e->slots[e->n_slots++] = s;
    return s;
}

/* 1 when fewer than limit requests are out and a slot is free or one more may be made. */
static int room_below(const struct engine *e, int limit)
{
    return e->n_slots - e->n_free < limit && (e->n_free > 0 || e->n_slots < e->max_slots);
}

/* 1 when a request can be started now: under the pool's cap. */
static int slot_room(const struct engine *e)
{
    return room_below(e, e->pool_cap);
}

/* Open loop at the cap: 1 when a send that has waited POOL_BURST_WAIT_US may still go (under
   POOL_BURST x the cap). */
static int burst_room(const struct engine *e)
{
    return !e->load->closed_loop && room_below(e, POOL_BURST * e->pool_cap);
}

/* The pool's cap binds: a due send that has waited POOL_BURST_WAIT_US goes if burst_room; the
   cap doubles when it has waited POOL_GROW_WAIT_US and the cap did not double in the last
   POOL_GROW_WAIT_US (see the opening comment).  1 when there is room now. */
static int pool_wait(struct engine *e, int64_t now_rel)
{
    if (next_due(e) <= now_rel - POOL_BURST_WAIT_US && burst_room(e))
        return 1;
    if (e->load->closed_loop || e->pool_cap >= e->max_slots ||
        next_due(e) > now_rel - POOL_GROW_WAIT_US || now_rel - e->cap_grown < POOL_GROW_WAIT_US)
        return 0;
    e->pool_cap = 2 * e->pool_cap >= e->max_slots ? e->max_slots : 2 * e->pool_cap;
    e->cap_grown = now_rel;
    return slot_room(e);
}

/* Open loop, once a window: the requests out at most from now on (see the opening comment). */
static void pool_update(struct engine *e, int64_t now_rel)
{
    int64_t dt = now_rel - e->win_start;
    if (e->load->closed_loop || dt < POOL_WINDOW_US)
        return;
    double cap = e->pool_cap;
    double rate = (double)(e->sent - e->win_sent) * 1e6 / (double)dt;
    /* Sends closer together than the grid on average: a wake then usually carries two. */
    e->coalesce = e->spin_us == 0 && !e->hooks->live && rate >= COALESCE_MIN_PER_S;
    if (e->win_service.count > 0) {
        double service_s = (double)rt_hist_quantile(&e->win_service, 0.5) / 1e6;
        cap = POOL_FLOOR + ceil(POOL_HEADROOM * rate * service_s);
    }
    if (cap > 2.0 * e->pool_cap)
        cap = 2.0 * e->pool_cap;
    e->pool_cap = cap >= e->max_slots ? e->max_slots : (int)cap;
    e->win_start = now_rel;
    e->win_sent = e->sent;
    rt_hist_reset(&e->win_service);
}

/* Send item on a free slot now.  Failures to start are records, not engine errors. */
static void start(struct engine *e, const struct rt_plan_item *it, int user)
{
    struct slot *s = e->n_free > 0 ? e->free_slots[--e->n_free] : slot_make(e);
    if (!s) {
        record_unsent(e, it, "local");
        return;
    }
    s->item = *it;
    s->user = user;
    s->body_len = 0;
    s->bytes_in = 0;
    s->too_large = 0;
    s->attempts = 0;
    s->retry_blocked = 0;
    s->errbuf[0] = '\0';
    s->local_errno = 0;
    if ((it->req ? slot_custom(s, it->req) : slot_template(e, s, it->rev_id)) != 0) {
        e->free_slots[e->n_free++] = s;
        record_unsent(e, it, "local");
        return;
    }
    s->sent_us = rt_mono_us() - e->t0;
    if (curl_multi_add_handle(e->multi, s->easy) != CURLM_OK) {
        e->free_slots[e->n_free++] = s;
        record_unsent(e, it, "local");
        return;
    }
    if (e->sent++ == 0)
        e->first_sent_us = s->sent_us;
    e->last_sent_us = s->sent_us;
}

/* A closed-loop user is free again: schedule its next send after its think time. */
static void user_rest(struct engine *e, int u, int64_t now_rel)
{
    const struct rt_load *l = e->load;
    int64_t wait = l->wait_min_us;
    if (l->wait_max_us > l->wait_min_us)
        wait += (int64_t)(rt_rng_uniform(&e->rng) * (double)(l->wait_max_us - l->wait_min_us));
    int64_t due_us = now_rel + wait;
    if (l->duration_us > 0 && due_us >= l->duration_us)
        return;    /* retires */
    waiting_push(e, u, due_us);
}

static void drain(struct engine *e)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(e->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct slot *s = NULL;
        CURL *h = m->easy_handle;
        CURLcode code = m->data.result;
        curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&s);
        curl_multi_remove_handle(e->multi, h);
        record_done(e, s, code, 0);
        if (s->user >= 0 && !e->stopping)
            user_rest(e, s->user, e->now - e->t0);
        e->free_slots[e->n_free++] = s;
    }
}

/* The second signal: give up on everything in flight. */
static void abort_inflight(struct engine *e)
{
    for (int i = 0; i < e->n_slots; i++) {
        struct slot *s = e->slots[i];
        int free_now = 0;
        for (int j = 0; j < e->n_free && !free_now; j++)
            free_now = e->free_slots[j] == s;
        if (free_now || !s->easy)
            continue;
        curl_multi_remove_handle(e->multi, s->easy);
        record_done(e, s, CURLE_ABORTED_BY_CALLBACK, 1);
        e->free_slots[e->n_free++] = s;
    }
}

static void report_progress(struct engine *e, int64_t now_rel);

/* *stop was set: the requests already due but unsent become canceled records. */
static void begin_stop(struct engine *e, int64_t now_rel)
{
    e->stopping = 1;
    if (!e->load->closed_loop) {
        while (e->have_pending && e->pending.scheduled_us <= now_rel) {
            e->taken++;      /* taken from the plan: counts against --requests */
            record_unsent(e, &e->pending, "canceled");
            e->have_pending = 0;
            open_refill(e);
        }
    } else {
        struct rt_plan_item it;
        while (waiting_due(e) <= now_rel && user_take(e, &it) >= 0)
            record_unsent(e, &it, "canceled");
    }
    e->have_pending = 0;
    e->plan_done = 1;
    report_progress(e, now_rel);     /* at once: the user wants to see the stop taken */
}

static void report_progress(struct engine *e, int64_t now_rel)
{
    const struct rt_engine_hooks *hk = e->hooks;
    if (!hk->on_progress)
        return;
    int64_t dt = now_rel - e->last_progress_us;
    /* Nothing more will be sent: the interval's offered rate would read 0; show the whole
       run's instead (first to last send). */
    int sends_done = e->stopping || (e->plan_done && !e->have_pending);
    double offered = dt > 0 ? (double)(e->sent - e->last_progress_sent) * 1e6 / (double)dt : 0;
    if (sends_done)
        offered = e->sent >= 2 && e->last_sent_us > e->first_sent_us
            ? (double)(e->sent - 1) * 1e6 / (double)(e->last_sent_us - e->first_sent_us) : 0;
    struct rt_progress p = {
        .elapsed_us = now_rel < 0 ? 0 : now_rel,
        .duration_us = e->load->duration_us,
        .scheduled = e->taken, .sent = e->sent, .done = e->done,
        .inflight = e->n_slots - e->n_free,
        .ok_2xx = e->ok_2xx, .http_errors = e->http_errors, .net_errors = e->net_errors,
        .p50_us = rt_hist_quantile(&e->hist, 0.5), .p90_us = rt_hist_quantile(&e->hist, 0.9),
        .offered_per_s = offered,
        .achieved_per_s = dt > 0 ? (double)(e->done - e->last_progress_done) * 1e6 /
                                   (double)dt : 0,
        .total_requests = e->load->max_requests > 0 ? e->load->max_requests : 0,
        .sends_done = sends_done,
    };
    e->last_progress_us = now_rel;
    e->last_progress_sent = e->sent;
    e->last_progress_done = e->done;
    hk->on_progress(hk->progress_ctx, &p);
}

/* Send everything due now while slots are free.  Returns the number started. */
static int send_due(struct engine *e, int64_t *now_rel)
{
    int n = 0;
    while (!e->stopping) {
        if (!slot_room(e) && !pool_wait(e, *now_rel))
            break;
        if (e->load->closed_loop) {
            if (e->plan_done || waiting_due(e) > *now_rel)
                break;
            struct rt_plan_item it;
            int u = user_take(e, &it);
            if (u < 0)
                break;
            start(e, &it, u);
        } else {
            if (!e->have_pending || e->pending.scheduled_us > *now_rel)
                break;
            struct rt_plan_item it = e->pending;
            e->have_pending = 0;
            e->taken++;
            start(e, &it, -1);
            open_refill(e);
        }
        if ((++n & 31) == 0)
            *now_rel = rt_mono_us() - e->t0;
    }
    return n;
}

/*
 * The load's header list: the user's -H lines, then what the service needs that they did not
 * say.  The User-Agent is a list line, not CURLOPT_USERAGENT: with the option, libcurl 7.88
 * prints "User-Agent: %s\r\n" through curl_maprintf and frees it again for every request
 * (callgrind, closed loop against nginx: 2.2K of the send thread's 79.8K instructions per
 * request).  A user's own User-Agent line, or "User-Agent:" to send none, wins as before.
 */
static int build_headers(struct engine *e, char *err, size_t errlen)
{
    const struct rt_http_config *h = e->http;
    int has_ct = 0, has_expect = 0, has_ua = 0;
    struct curl_slist *l = NULL;
    for (size_t i = 0; i < h->n_headers; i++) {
        has_ct |= rt_http_header_is(h->headers[i], "content-type");
        has_expect |= rt_http_header_is(h->headers[i], "expect");
        has_ua |= rt_http_header_is(h->headers[i], "user-agent");
        if (rt_http_header_add(&l, h->headers[i]) != 0)
            goto oom;
    }
    if (!has_ua && rt_http_header_add(&l, "User-Agent: revtrace/" RT_VERSION) != 0)
        goto oom;
    if (!has_ct && rt_http_header_add(&l, "Content-Type: application/json") != 0)
        goto oom;
    /* No 100-continue round trip: the bodies are small and the server is known. */
    if (!has_expect && rt_http_header_add(&l, "Expect:") != 0)
        goto oom;
    if (h->host) {
        size_t n = strlen(h->host) + 8;
        char *hh = malloc(n);
        if (!hh)
            goto oom;
        snprintf(hh, n, "Host: %s", h->host);
        int rc = rt_http_header_add(&l, hh);
        free(hh);
        if (rc != 0)
            goto oom;
    }
    e->headers = l;
    return 0;
oom:
    curl_slist_free_all(l);
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* The epoll registration of fd as on_socket left it (0: none known), growing the table; NULL
   when it cannot grow (on_socket then keeps no books). */
static uint32_t *fd_state(struct engine *e, curl_socket_t fd)
{
    if (fd < 0)
        return NULL;
    uint32_t *v = rt_grow_to(e->fd_ev, (size_t)fd, &e->fd_cap, sizeof *v, 256);
    if (!v)
        return NULL;
    e->fd_ev = v;
    return &e->fd_ev[fd];
}

/*
 * CURLMOPT_SOCKETFUNCTION: keep the epoll set in step with what curl wants to watch.
 *
 * curl gives up watching a keep-alive connection after each answer (CURL_POLL_REMOVE) and
 * asks again for the next request: deleting and adding it each time cost four epoll_ctl per
 * request (a MOD that failed, ADD, MOD to IN, DEL; perf: 3.6 % of the send thread in a closed
 * loop).  Instead a removed socket stays registered for EPOLLIN, "parked", and fd_ev keeps
 * what each socket is registered for, so a request whose socket curl wants back for IN costs
 * no epoll_ctl at all (perf stat, closed loop: 0.00 per request).  An event on a parked
 * socket (the server closed an idle connection) is not curl's business: serve_events deletes
 * it then.  A socket curl closes leaves the epoll set by itself and on_close_socket forgets
 * its books, so a new one that gets the same number is added; a socket not opened through
 * on_open_socket (the resolver's) is told to the kernel on every watch (MOD, or ADD when
 * the MOD finds it gone).
 */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct engine *e = userp;
    (void)easy;
    (void)socketp;
    uint32_t *st = fd_state(e, fd);
    uint32_t want = what == CURL_POLL_REMOVE ? EPOLLIN
                    : ((what & CURL_POLL_IN) ? EPOLLIN : 0u) |
                      ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
    if (!st && what == CURL_POLL_REMOVE) {
        epoll_ctl(e->epoll_fd, EPOLL_CTL_DEL, fd, NULL);   /* EBADF once closed: fine */
        return 0;
    }
    uint32_t ours = st ? *st & FD_OURS : 0;
    uint32_t have = st ? *st & ~(FD_PARKED | FD_OURS) : 0;
    if (st)
        *st = want | ours | (what == CURL_POLL_REMOVE ? FD_PARKED : 0u);
    /* The books of a socket we opened are its own (on_open_socket and on_close_socket keep
       them), so a watch that changes nothing costs nothing: a parked keep-alive socket taken
       back for the next answer stays as it is, no syscall (perf, closed loop: one epoll_ctl
       per request before).  Any other socket (the resolver's socketpair) may have been
       closed and its number reused unseen, so there only a removal trusts the books. */
    if ((what == CURL_POLL_REMOVE || ours) && have == want)
        return 0;
    struct epoll_event ev = { .events = want, .data.fd = fd };
    if (have) {
        if (epoll_ctl(e->epoll_fd, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT)
            epoll_ctl(e->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
    } else if (epoll_ctl(e->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0 && errno == EEXIST) {
        epoll_ctl(e->epoll_fd, EPOLL_CTL_MOD, fd, &ev);
    }
    return 0;
}

/* An event on a socket curl no longer watches (parked by on_socket): forget it.  1 when
   fd was parked. */
static int unpark(struct engine *e, int fd)
{
    if (fd < 0 || (size_t)fd >= e->fd_cap || !(e->fd_ev[fd] & FD_PARKED))
        return 0;
    epoll_ctl(e->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
    e->fd_ev[fd] &= FD_OURS;
    return 1;
}

/* CURLMOPT_TIMERFUNCTION: remember when curl wants CURL_SOCKET_TIMEOUT (-1: never). */
static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct engine *e = userp;
    (void)multi;
    e->curl_due = timeout_ms < 0 ? INT64_MAX : e->now + (int64_t)timeout_ms * 1000;
    return 0;
}

/* Run curl's timer action when it is due (starts just-added transfers, deadlines). */
static void curl_timer_check(struct engine *e)
{
    if (e->curl_due == INT64_MAX || e->now < e->curl_due)
        return;
    int running = 0;
    e->curl_due = INT64_MAX;
    curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    drain(e);
}

/* When a send due at due can go: then, with room; at the cap, POOL_BURST_WAIT_US later when
   a burst may go (pool_wait); INT64_MAX when none can (nothing due, or no room).  due is on
   either clock (after t0, or monotonic). */
static int64_t room_due(const struct engine *e, int64_t due)
{
    if (due == INT64_MAX || slot_room(e))
        return due;
    return burst_room(e) ? due + POOL_BURST_WAIT_US : INT64_MAX;
}

/* The time (after t0) from which a send is waiting. */
static int64_t send_wait(const struct engine *e)
{
    return room_due(e, next_due(e));
}

/* Send what is due, then start it at once. */
static void send_now(struct engine *e)
{
    e->now = rt_mono_us();
    int64_t now_rel = e->now - e->t0;
    if (send_wait(e) <= now_rel && send_due(e, &now_rel) > 0)
        curl_timer_check(e);
}

/*
 * A live source's wake fd is readable: drain it first (so a later item writes it again),
 * then pull what has come and send it at once.  Its items are scheduled at their arrival,
 * so they are due now.
 */
static void live_wake(struct engine *e)
{
    char buf[64];
    while (read(e->hooks->live_fd, buf, sizeof buf) > 0)
        ;
    if (e->plan_waiting && !e->have_pending) {
        e->plan_waiting = 0;
        open_refill(e);
    }
    send_now(e);
}

/*
 * Hand curl the n ready sockets in evs.  Open loop: sends that fall due in between go out
 * between two sockets.  Closed loop: the users the batch's answers freed send together after
 * the last socket, all started by one timer action (as wrk does: read what is ready, then
 * write), instead of one timer action and one send between two sockets.  Measured against
 * nginx (--users 50, no think time, 2 vCPUs): see the commit that made it.
 */
static void serve_events(struct engine *e, const struct epoll_event *evs, int n)
{
    int batch = e->load->closed_loop;
    for (int i = 0; i < n; i++) {
        int fd = evs[i].data.fd;
        if (fd == e->timer_fd) {
            uint64_t ticks;
            ssize_t rr = read(e->timer_fd, &ticks, sizeof ticks);
            (void)rr;
            continue;
        }
        if (e->hooks->live && fd == e->hooks->live_fd) {
            live_wake(e);
            continue;
        }
        if (unpark(e, fd))
            continue;
        int mask = 0;
        if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP))
            mask |= CURL_CSELECT_IN;
        if (evs[i].events & EPOLLOUT)
            mask |= CURL_CSELECT_OUT;
        if (evs[i].events & EPOLLERR)
            mask |= CURL_CSELECT_ERR;
        int running = 0;
        curl_multi_socket_action(e->multi, fd, mask, &running);
        if (batch)
            e->now = rt_mono_us();      /* the freed users' due time (drain, user_rest) */
        drain(e);
        if (!batch)
            send_now(e);
    }
    if (batch && n > 0)
        send_now(e);
}

/* Hand curl the ready sockets, waiting up to timeout_ms for one when there are none (0: just
   look). */
static void serve_sockets(struct engine *e, int timeout_ms)
{
    struct epoll_event evs[MAX_EVENTS];
    serve_events(e, evs, epoll_wait(e->epoll_fd, evs, MAX_EVENTS, timeout_ms));
}

/*
 * --timing precise: watch the sockets busily until the monotonic time wake_abs or until one is
 * served.  The kernel says when the time has come (the timerfd, armed at wake_abs, turns
 * ready), so a turn of the spin reads no clock: it is one epoll_wait with a zero timeout.
 */
static void spin_until(struct engine *e, int64_t wake_abs, int64_t now)
{
    struct itimerspec its = {
        .it_value = { .tv_sec = wake_abs / 1000000,
                      .tv_nsec = (long)(wake_abs % 1000000) * 1000 },
    };
    if (wake_abs <= now || e->timer_fd < 0 ||
        timerfd_settime(e->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) != 0) {
        serve_sockets(e, 0);
        return;
    }
    struct epoll_event evs[MAX_EVENTS];
    int n;
    while ((n = epoll_wait(e->epoll_fd, evs, MAX_EVENTS, 0)) == 0)
        ;
    serve_events(e, evs, n);
}

/* Sleep until the monotonic time wake_abs - spin_us or until a socket is ready (now: the
   monotonic time).  epoll_pwait2 takes the timeout in nanoseconds (Linux 5.11): one system
   call per wait; on an older kernel the timerfd ends the wait (two more per wait). */
static void sleep_until(struct engine *e, int64_t wake_abs, int64_t now)
{
    int64_t arm = wake_abs - e->spin_us;
    int64_t left = arm - now;
    if (left <= 0) {
        spin_until(e, wake_abs, now);     /* --timing precise: the last stretch, busily */
        return;
    }
    if (e->pwait2) {
        struct epoll_event evs[MAX_EVENTS];
        struct timespec ts = { .tv_sec = left / 1000000,
                               .tv_nsec = (long)(left % 1000000) * 1000 };
        int n = epoll_pwait2(e->epoll_fd, evs, MAX_EVENTS, &ts, NULL);
        if (n >= 0 || errno != ENOSYS) {
            serve_events(e, evs, n);
            return;
        }
        e->pwait2 = 0;
    }
    struct itimerspec its = {
        .it_value = { .tv_sec = arm / 1000000, .tv_nsec = (long)(arm % 1000000) * 1000 },
    };
    int use_timer = e->timer_fd >= 0 &&
                    timerfd_settime(e->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) == 0;
    /* Without the timer, epoll's millisecond timeout rounded down (then busy-polled). */
    int64_t ms = use_timer ? left / 1000 + 1 : left / 1000;
    if (ms > IDLE_US / 1000)
        ms = IDLE_US / 1000;
    serve_sockets(e, (int)ms);
}

static void engine_free(struct engine *e)
{
    if (e->slots) {
        for (int i = 0; i < e->n_slots; i++) {
            struct slot *s = e->slots[i];
            if (s->easy) {
                if (e->multi)
                    curl_multi_remove_handle(e->multi, s->easy);
                curl_easy_cleanup(s->easy);
            }
            free(s->body);
            free(s->post);
            free(s->hdr);
            free(s);
        }
    }
    if (e->multi)
        curl_multi_cleanup(e->multi);
    curl_url_cleanup(e->url);          /* after every handle that points to it */
    if (e->epoll_fd >= 0)
        close(e->epoll_fd);     /* after curl: cleanup still calls on_socket */
    curl_slist_free_all(e->headers);
    free(e->slots);
    free(e->free_slots);
    free(e->fd_ev);
    rt_heap_free(&e->waiting);
    free(e->prefix);
    free(e->suffix);
    if (e->timer_fd >= 0)
        close(e->timer_fd);
}

/* The multi handle, driven through its socket interface, and the epoll set it fills. */
static int setup_curl(struct engine *e, char *err, size_t errlen)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "libcurl: global initialisation failed");
        return -1;
    }
    e->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (e->epoll_fd < 0) {
        snprintf(err, errlen, "epoll: %s", strerror(errno));
        return -1;
    }
    /*
     * The URL parsed once, handed to every transfer (CURLOPT_CURLU).  Given only the string
     * (CURLOPT_URL), libcurl 7.88 parses it and prints it back for every request
     * (curl_url_set, and curl_url_get's formatting through curl_maprintf): callgrind, closed
     * loop against nginx, the send thread's instructions per request went from 93K to 78.5K
     * with the parsed handle (libcurl then only duplicates it).  The flags are those libcurl
     * uses for CURLOPT_URL; a URL it refuses is left to CURLOPT_URL, so each request fails
     * as before.
     */
    e->url = curl_url();
    if (e->url && curl_url_set(e->url, CURLUPART_URL, e->http->url,
                               CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
        curl_url_cleanup(e->url);
        e->url = NULL;
    }
    e->multi = curl_multi_init();
    if (!e->multi) {
        snprintf(err, errlen, "libcurl: cannot create the multi handle");
        return -1;
    }
    curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
    curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
    long maxc = e->max_inflight;
    curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, maxc);
    curl_multi_setopt(e->multi, CURLMOPT_MAX_HOST_CONNECTIONS, maxc);
    curl_multi_setopt(e->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, maxc);
    return 0;
}

/* The first few slots, all free; the rest are made when a send finds none free. */
static int setup_slots(struct engine *e, char *err, size_t errlen)
{
    e->max_slots = e->max_inflight;
    if (e->load->closed_loop && e->load->users < e->max_slots)
        e->max_slots = e->load->users;     /* a user has at most one request out */
    /* Open loop: the floor until answers say how slow the server is. */
    e->pool_cap = e->load->closed_loop || e->max_slots < POOL_FLOOR ? e->max_slots
                                                                      : POOL_FLOOR;
    int ahead = e->max_slots < SLOTS_AHEAD ? e->max_slots : SLOTS_AHEAD;
    for (int i = 0; i < ahead; i++) {
        struct slot *s = slot_make(e);
        if (!s) {
            snprintf(err, errlen, "libcurl: cannot create a transfer handle (out of memory)");
            return -1;
        }
        e->free_slots[e->n_free++] = s;
    }
    return 0;
}

/* The timerfd that ends a sleep (sleep_until); without it, epoll's millisecond timeout.
   A live source's wake fd joins the same epoll set. */
static int setup_timer(struct engine *e, char *err, size_t errlen)
{
    if (e->hooks->live) {
        struct epoll_event lev = { .events = EPOLLIN, .data.fd = e->hooks->live_fd };
        if (e->load->closed_loop || epoll_ctl(e->epoll_fd, EPOLL_CTL_ADD, e->hooks->live_fd,
                                              &lev) != 0) {
            snprintf(err, errlen, "a live source needs open loop and a pollable wake fd");
            return -1;
        }
    }
    e->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (e->timer_fd >= 0) {
        struct epoll_event tev = { .events = EPOLLIN, .data.fd = e->timer_fd };
        if (epoll_ctl(e->epoll_fd, EPOLL_CTL_ADD, e->timer_fd, &tev) != 0) {
            close(e->timer_fd);
            e->timer_fd = -1;
        }
    }
    return 0;
}

/* The first sends: every closed-loop user at its spawn time, or the plan's first item. */
static int setup_plan(struct engine *e, char *err, size_t errlen)
{
    const struct rt_load *load = e->load;
    if (!load->closed_loop) {
        open_refill(e);
        return 0;
    }
    if (rt_heap_reserve(&e->waiting, (size_t)load->users) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    rt_rng_seed(&e->rng, load->seed ^ 0x55736572734c6f6fULL);
    for (int u = 0; u < load->users; u++) {
        /* the load's user number (one of several engines: base + u x stride) sets the
           spawn time, so the users start at the load's spawn rate whoever sends for them */
        double g = (double)e->user_base + (double)u * (double)e->user_stride;
        int64_t due_us = load->spawn_rate_per_s > 0 ? llround(g * 1e6 / load->spawn_rate_per_s)
                                                    : 0;
        if (load->duration_us > 0 && due_us >= load->duration_us)
            continue;
        waiting_push(e, u, due_us);
    }
    return 0;
}

/* Everything the loop needs, made before the first send.  0, or -1 with err. */
static int engine_setup(struct engine *e, char *err, size_t errlen)
{
    if (e->load->closed_loop && e->load->users < 1) {
        snprintf(err, errlen, "closed loop needs at least one user");
        return -1;
    }
    if (rt_body_template_split(e->http->body_template, &e->prefix, &e->suffix) != 0) {
        snprintf(err, errlen, "the body template needs exactly one %%d");
        return -1;
    }
    e->prefix_len = strlen(e->prefix);
    e->suffix_len = strlen(e->suffix);
    if (build_headers(e, err, errlen) != 0 || setup_curl(e, err, errlen) != 0 ||
        setup_slots(e, err, errlen) != 0 || setup_timer(e, err, errlen) != 0)
        return -1;
    rt_clock_tight_timers();
    return setup_plan(e, err, errlen);
}

/* Act on *stop: the first signal stops scheduling, the second abandons what is in flight. */
static int group_halt(const struct group *g);

static void check_stop(struct engine *e, int64_t now_rel)
{
    int level = e->hooks->stop ? atomic_load_explicit(e->hooks->stop, memory_order_relaxed) : 0;
    int halt = e->group ? group_halt(e->group) : 0;    /* another thread could not start */
    if (halt > level)
        level = halt;
    if (level && !e->stopping)
        begin_stop(e, now_rel);
    if (level >= 2 && !e->aborted) {
        e->aborted = 1;
        abort_inflight(e);
    }
    /* A live source may send nothing for a while: --duration ends it on the clock. */
    if (e->hooks->live && e->load->duration_us > 0 && now_rel >= e->load->duration_us &&
        !e->have_pending)
        e->plan_done = 1;
}

/* 1 when the run is over: nothing in flight and nothing more to send. */
static int run_over(struct engine *e)
{
    int inflight = e->n_slots - e->n_free;
    if (e->load->closed_loop && !e->stopping && rt_heap_count(&e->waiting) == 0 &&
        inflight == 0)
        e->plan_done = 1;   /* every user retired */
    return inflight == 0 && (e->plan_done || e->stopping) &&
           (e->load->closed_loop || !e->have_pending);
}

/* The monotonic time to sleep until: the next send, curl's timer or the next progress
   report, and at most IDLE_US from now (the monotonic time). */
static int64_t next_wake(const struct engine *e, int64_t now)
{
    int64_t due = next_due(e);
    if (e->coalesce && due != INT64_MAX)
        due = (due + COALESCE_US - 1) / COALESCE_US * COALESCE_US;
    int64_t wake = due != INT64_MAX ? e->t0 + due : INT64_MAX;
    /* At the cap only a finished transfer can help, and its socket wakes the loop.  With
       --timing precise the sockets are watched busily while a send is overdue, so the
       answer that frees a slot is taken at once. */
    if (wake > now + e->spin_us)
        wake = room_due(e, wake);
    if (e->curl_due < wake)
        wake = e->curl_due;
    int64_t idle = now + IDLE_US;
    if (e->progress_us > 0) {
        int64_t pr = e->t0 + e->last_progress_us + e->progress_us;
        if (pr < idle)
            idle = pr;
    }
    return wake > idle ? idle : wake;
}

/*
 * A loop turn: how much later than meant did the loop come back (after the previous turn's
 * work, or after the wake it slept for)?  The longest is the run's max loop stall: the time
 * the tool itself did not run (SIGSTOP, a starved or descheduled CPU).
 */
static void note_turn(struct engine *e)
{
    int64_t now = e->now;
    int64_t meant = e->wake_us > e->turn_us ? e->wake_us : e->turn_us;
    if (e->turn_us > 0 && now - meant > e->max_stall_us)
        e->max_stall_us = now - meant;
    e->turn_us = now;
    e->wake_us = 0;
}

/* The send loop (see the opening comment): until everything taken has a record. */
static void run_loop(struct engine *e)
{
    for (;;) {
        e->now = rt_mono_us();
        note_turn(e);
        int64_t now_rel = e->now - e->t0;
        check_stop(e, now_rel);
        pool_update(e, now_rel);
        send_due(e, &now_rel);
        e->now = now_rel + e->t0;
        curl_timer_check(e);
        e->now = rt_mono_us();
        now_rel = e->now - e->t0;
        if (e->progress_us > 0 && now_rel - e->last_progress_us >= e->progress_us)
            report_progress(e, now_rel);
        if (run_over(e))
            break;
        int64_t now = now_rel + e->t0;
        e->wake_us = next_wake(e, now);
        sleep_until(e, e->wake_us, now);
    }
}

/* After the loop: the last progress report, then the books and the plan's outcome. */
static int run_finish(struct engine *e, char *err, size_t errlen)
{
    report_progress(e, rt_mono_us() - e->t0);
    /* Every item taken from the plan ends as exactly one record; anything else is a bug
       that would silently lose (or invent) rows: fail the run instead. */
    if (e->done != e->taken) {
        snprintf(err, errlen, "internal error: %lld requests were taken from the plan but "
                 "%lld were recorded", (long long)e->taken, (long long)e->done);
        return -1;
    }
    if (e->plan_failed) {
        snprintf(err, errlen, "%s", e->plan_err[0] ? e->plan_err : "the plan source failed");
        return -1;
    }
    return 0;
}

/* A fresh engine for load and hooks (both borrowed), not yet set up. */
static struct engine *engine_new(const struct rt_http_config *http, const struct rt_load *load,
                                 const struct rt_engine_hooks *hooks, int64_t t0_mono_us)
{
    struct engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->http = http;
    e->load = load;
    e->hooks = hooks;
    /* A report deadline without a listener would never move (report_progress returns
       before advancing it) and, once passed, would keep the loop from ever sleeping. */
    e->progress_us = hooks->on_progress ? hooks->progress_interval_us : 0;
    e->t0 = t0_mono_us;
    e->timer_fd = -1;
    e->epoll_fd = -1;
    e->curl_due = INT64_MAX;
    e->now = rt_mono_us();
    rt_heap_init(&e->waiting, sizeof(struct waiting), waiting_less, NULL);
    e->https = strncasecmp(http->url, "https:", 6) == 0;
    e->spin_us = http->timing_precise ? PRECISE_SPIN_US : 0;
    e->pwait2 = 1;
    e->max_inflight = http->max_inflight;
    e->user_stride = 1;
    return e;
}

/* Add what engine e did to *res (several engines: their sum, the longest stall). */
static void add_result(struct rt_engine_result *res, const struct engine *e)
{
    res->scheduled += e->taken;
    res->sent += e->sent;
    res->done += e->done;
    res->stopped |= e->stopping && e->hooks->stop && atomic_load(e->hooks->stop);
    if (e->max_stall_us > res->max_stall_us)
        res->max_stall_us = e->max_stall_us;
}

static void engine_delete(struct engine *e)
{
    if (e) {
        engine_free(e);
        free(e);
    }
}

/* ---- several send threads (closed loop) ----------------------------------------------- */

/*
 * load->threads > 1: one send loop does not keep up with a fast server (closed loop against
 * nginx on 2 vCPUs: about 20 µs of the send thread per request, most of it inside libcurl;
 * see docs/capture.md).  Then the users are dealt out to that many engines, user u to engine
 * u mod threads, each with its own thread, multi handle, connections and share of
 * --max-inflight; the calling thread runs engine 0 and keeps the signals.  They share:
 *
 *   - the plan, pulled one item at a time under the group's lock (the sequence numbers stay
 *     one series, and --requests counts the whole run);
 *   - the progress: every engine posts its snapshot and its live histogram, engine 0 hands
 *     the caller the sum (the median and p90 of the histograms merged; after engine 0 is
 *     done, the others do), and once all are done the whole run's last snapshot;
 *   - a failure of the plan's source: every engine then sees it;
 *   - the stop: *stop is read by every loop (a loop sleeps at most IDLE_US, so a stop is
 *     taken within that), and halt tells them all to abandon the run when one could not
 *     start.
 */
struct member {
    struct engine *e;
    struct rt_load load;            /* the engine's share */
    struct rt_engine_hooks hooks;   /* the caller's, with the plan and progress the group's */
    struct group *g;
    int index;
    pthread_t thread;
    int started;
    int rc;
    char err[256];
    /* under the group's mu: its latest progress, with its live histogram */
    struct rt_progress snap;
    struct rt_hist hist;
    int posted;                     /* 1: snap and hist are set */
};

struct group {
    int n;
    const struct rt_load *load;             /* the caller's */
    const struct rt_engine_hooks *hooks;    /* the caller's */
    pthread_mutex_t mu;                     /* the plan and the snapshots */
    int64_t handed;                         /* items handed out (--requests) */
    int plan_failed;                        /* the source failed: every engine sees it */
    char plan_err[256];
    struct rt_hist *merged;                 /* group_sum's scratch */
    _Atomic int halt;
    _Atomic int zero_done;                  /* engine 0's loop is over: others report */
    pthread_mutex_t report_mu;              /* one on_progress call at a time */
    int64_t last_report_us;                 /* under report_mu */
    struct member *m;                       /* n */
};

static int group_halt(const struct group *g)
{
    return atomic_load(&g->halt);
}

/* The plan, one item at a time for whichever engine asks (an rt_plan_next_fn). */
static int group_next(void *ctx, struct rt_plan_item *it, char *err, size_t errlen)
{
    struct group *g = ctx;
    int rc = 0;
    pthread_mutex_lock(&g->mu);
    if (g->plan_failed) {
        snprintf(err, errlen, "%s", g->plan_err);    /* the same failure for every engine */
        rc = -1;
    } else if (g->load->max_requests <= 0 || g->handed < g->load->max_requests) {
        rc = g->hooks->next(g->hooks->next_ctx, it, err, errlen);
        if (rc == 1)
            g->handed++;
        if (rc < 0) {
            g->plan_failed = 1;
            snprintf(g->plan_err, sizeof g->plan_err, "%s", err);
        }
    }
    pthread_mutex_unlock(&g->mu);
    return rc;
}

/* The sum of the snapshots posted so far (under g->mu); the median and p90 of all the
   engines' 2xx answers, from their histograms merged. */
static void group_sum(struct group *g, struct rt_progress *out)
{
    memset(out, 0, sizeof *out);
    out->duration_us = g->load->duration_us;
    out->total_requests = g->load->max_requests > 0 ? g->load->max_requests : 0;
    out->sends_done = 1;
    rt_hist_reset(g->merged);
    for (int k = 0; k < g->n; k++) {
        const struct rt_progress *p = &g->m[k].snap;
        if (!g->m[k].posted) {
            out->sends_done = 0;
            continue;
        }
        if (p->elapsed_us > out->elapsed_us)
            out->elapsed_us = p->elapsed_us;
        out->scheduled += p->scheduled;
        out->sent += p->sent;
        out->done += p->done;
        out->inflight += p->inflight;
        out->ok_2xx += p->ok_2xx;
        out->http_errors += p->http_errors;
        out->net_errors += p->net_errors;
        out->offered_per_s += p->offered_per_s;
        out->achieved_per_s += p->achieved_per_s;
        out->sends_done &= p->sends_done;
        rt_hist_merge(g->merged, &g->m[k].hist);
    }
    out->p50_us = rt_hist_quantile(g->merged, 0.5);
    out->p90_us = rt_hist_quantile(g->merged, 0.9);
}

/* An engine's progress hook: post its snapshot.  Engine 0 (the caller's thread) reports the
   sum; once its own users are done, the others do, at most about once an interval between
   them, so the line does not freeze while they finish. */
static void group_progress(void *ctx, const struct rt_progress *p)
{
    struct member *m = ctx;
    struct group *g = m->g;
    int reporter = m->index == 0 || atomic_load(&g->zero_done);
    struct rt_progress sum;
    pthread_mutex_lock(&g->mu);
    m->snap = *p;
    m->hist = m->e->hist;                /* this engine's thread: the hist is at rest */
    m->posted = 1;
    if (reporter)
        group_sum(g, &sum);
    pthread_mutex_unlock(&g->mu);
    if (!reporter)
        return;
    pthread_mutex_lock(&g->report_mu);
    if (m->index == 0 ||
        sum.elapsed_us - g->last_report_us >= g->hooks->progress_interval_us / 2) {
        g->last_report_us = sum.elapsed_us;
        g->hooks->on_progress(g->hooks->progress_ctx, &sum);
    }
    pthread_mutex_unlock(&g->report_mu);
}

static void *member_main(void *arg)
{
    struct member *m = arg;
    char name[16];
    snprintf(name, sizeof name, "rt-send-%d", m->index);
    prctl(PR_SET_NAME, name);      /* top -H, perf --comm */
    rt_clock_tight_timers();       /* the slack is per thread */
    run_loop(m->e);
    m->rc = run_finish(m->e, m->err, sizeof m->err);
    return NULL;
}

/* Member k's share of the load: its users (u mod n == k), think times of its own seed. */
static void member_share(struct group *g, struct member *m, int k, int64_t t0_mono_us,
                         const struct rt_http_config *http)
{
    const struct rt_load *l = g->load;
    m->g = g;
    m->index = k;
    m->load = *l;
    m->load.threads = 1;
    m->load.users = (l->users - k + g->n - 1) / g->n;
    m->load.max_requests = 0;                    /* the group counts the whole run */
    m->load.seed = l->seed + (uint64_t)k * 0x9e3779b97f4a7c15ULL;
    m->hooks = *g->hooks;
    m->hooks.next = group_next;
    m->hooks.next_ctx = g;
    if (g->hooks->on_progress) {
        m->hooks.on_progress = group_progress;
        m->hooks.progress_ctx = m;
    }
    m->e = engine_new(http, &m->load, &m->hooks, t0_mono_us);
    if (m->e) {
        m->e->group = g;
        /* --max-inflight shared out, so the whole run never has more out */
        m->e->max_inflight = http->max_inflight / g->n + (k < http->max_inflight % g->n);
        m->e->user_base = k;
        m->e->user_stride = g->n;
    }
}

static void group_free(struct group *g)
{
    for (int k = 0; g->m && k < g->n; k++)
        engine_delete(g->m[k].e);
    free(g->m);
    free(g->merged);
    pthread_mutex_destroy(&g->report_mu);
    pthread_mutex_destroy(&g->mu);
}

/* Run the engines of the group; the caller's thread runs engine 0.  0, or -1 with err. */
static int group_run(struct group *g, char *err, size_t errlen)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);    /* the signals stay with the caller */
    int rc = 0;
    for (int k = 1; k < g->n && rc == 0; k++) {
        int prc = pthread_create(&g->m[k].thread, NULL, member_main, &g->m[k]);
        if (prc != 0) {
            snprintf(err, errlen, "cannot start send thread %d of %d: %s", k + 1, g->n,
                     strerror(prc));
            atomic_store(&g->halt, 2);           /* the ones started abandon the run */
            rc = -1;
        } else {
            g->m[k].started = 1;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc == 0) {
        run_loop(g->m[0].e);
        g->m[0].rc = run_finish(g->m[0].e, g->m[0].err, sizeof g->m[0].err);
        atomic_store(&g->zero_done, 1);
    }
    for (int k = 1; k < g->n; k++)
        if (g->m[k].started)
            pthread_join(g->m[k].thread, NULL);
    for (int k = 0; k < g->n && rc == 0; k++) {
        if (g->m[k].rc != 0 && (k == 0 || g->m[k].started)) {
            snprintf(err, errlen, "%s", g->m[k].err);
            rc = -1;
        }
    }
    /* The whole run's last word: every engine's final snapshot is in. */
    if (g->hooks->on_progress) {
        struct rt_progress sum;
        pthread_mutex_lock(&g->mu);
        group_sum(g, &sum);
        pthread_mutex_unlock(&g->mu);
        g->hooks->on_progress(g->hooks->progress_ctx, &sum);
    }
    return rc;
}

static int run_threads(const struct rt_http_config *http, const struct rt_load *load,
                       const struct rt_engine_hooks *hooks, int64_t t0_mono_us,
                       struct rt_engine_result *res, char *err, size_t errlen)
{
    struct group g = { .load = load, .hooks = hooks, .n = rt_engine_send_threads(load, http) };
    pthread_mutex_init(&g.mu, NULL);
    pthread_mutex_init(&g.report_mu, NULL);
    g.m = calloc((size_t)g.n, sizeof *g.m);
    g.merged = calloc(1, sizeof *g.merged);
    int rc = g.m && g.merged ? 0 : -1;
    if (rc != 0)
        snprintf(err, errlen, "out of memory");
    for (int k = 0; k < g.n && rc == 0; k++) {
        member_share(&g, &g.m[k], k, t0_mono_us, http);
        if (!g.m[k].e) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        } else {
            rc = engine_setup(g.m[k].e, err, errlen);
        }
    }
    if (rc == 0)
        rc = group_run(&g, err, errlen);
    if (res) {
        memset(res, 0, sizeof *res);
        for (int k = 0; g.m && k < g.n; k++)
            if (g.m[k].e)
                add_result(res, g.m[k].e);
    }
    group_free(&g);
    return rc;
}

int rt_engine_send_threads(const struct rt_load *load, const struct rt_http_config *http)
{
    int n = load->closed_loop && load->threads > 1 ? load->threads : 1;
    if (n > load->users)
        n = load->users;
    if (n > http->max_inflight)
        n = http->max_inflight;        /* each engine has at least one slot */
    return n > 1 ? n : 1;
}

int rt_engine_run(const struct rt_http_config *http, const struct rt_load *load,
                  const struct rt_engine_hooks *hooks, int64_t t0_mono_us,
                  struct rt_engine_result *res, char *err, size_t errlen)
{
    if (rt_engine_send_threads(load, http) > 1 && !hooks->live)
        return run_threads(http, load, hooks, t0_mono_us, res, err, errlen);
    struct engine *e = engine_new(http, load, hooks, t0_mono_us);
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = -1;
    if (engine_setup(e, err, errlen) == 0) {
        run_loop(e);
        rc = run_finish(e, err, errlen);
    }
    if (res) {
        memset(res, 0, sizeof *res);
        add_result(res, e);
    }
    engine_delete(e);
    return rc;
}
