/*
 * emumodel.c - the service model behind `revtrace emulate` (see emumodel.h for the picture).
 *
 * One binary heap of timed events (holds, end of an upstream wait, gateway timeouts, drops,
 * autoscaler ticks, replicas becoming ready) and, per replica, processor sharing done with
 * "virtual time": every job in a replica's CPU set receives CPU at the same rate, so the
 * replica keeps one clock vtime (CPU-microseconds received by each job so far) and each job
 * finishes when vtime reaches its entry vtime plus its demand.  A per-replica heap on that
 * finish value makes every event O(log n), which keeps tens of thousands of waiting requests
 * cheap.  Both are core/heap.h heaps, each with a total order: events tie-break on their
 * insertion number (first in, first out), the CPU sets on the request index.  Requests live in one
 * growable pool addressed by index; events carry (index, generation) so an event for a
 * request that has since ended is recognised and skipped.
 */
#include "emulate/emumodel.h"
#include "core/heap.h"
#include "core/rng.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EMU_MAX_REPLICAS 64
#define NIL UINT32_MAX

enum ev_kind { EV_HOLD, EV_UPSTREAM, EV_CPU_DONE, EV_GW_TIMEOUT, EV_TICK, EV_READY };
enum loc { L_NONE, L_HOLD, L_QUEUE, L_UPSTREAM, L_CPUQ, L_CPU };
enum rep_state { R_OFF, R_STARTING, R_READY, R_DRAINING };

struct event {
    int64_t t_us;
    uint64_t order;     /* insertion order: ties run first-in first-out */
    uint32_t idx;       /* request index, or replica index for EV_READY */
    uint32_t gen;
    int kind;
};

struct mreq {
    void *tag;          /* borrowed from the caller */
    uint32_t gen;
    uint32_t prev, next;    /* queue links, or free-list link */
    int loc;
    int answered;
    int replica;
    int status;         /* for holds */
    double finish_v;    /* CPU: replica vtime at which it completes */
};

struct replica {
    int state;
    uint32_t qhead, qtail;
    int queued;
    int admitted;       /* upstream + CPU */
    uint32_t chead, ctail;  /* cpu_fifo: waiting for the CPU (FIFO) */
    int cpu_busy;       /* cpu_fifo: requests computing */
    struct rt_heap cpu; /* request indices (uint32_t) by finish_v; owned */
    double vtime;       /* CPU-us received by each job in the CPU set */
    int64_t vt_last_us;
};

struct rt_emu_model {
    struct rt_emu_params p;
    struct rt_rng rng;
    uint64_t order;

    struct rt_heap ev;  /* struct event by (t_us, order); owned */

    struct mreq *req;   /* pool, owned */
    uint32_t n_req, free_head;

    struct replica rep[EMU_MAX_REPLICAS];
    int n_rep;          /* slots in use (replicas_max) */
    int rr;             /* round-robin start for ties */

    /* Autoscaler: concurrency integral and per-tick averages (ring). */
    int in_flight;
    int n_upstream;     /* requests in their upstream wait, all replicas */
    double conc_integral;
    int64_t conc_last_us;
    int64_t last_tick_us;
    double *samples;    /* owned, n_samples_cap entries */
    int n_samples_cap, n_samples, sample_pos;
    int panic;
    int64_t panic_last_cond_us;
    int desired;
};

/* ---- random numbers: core/rng.h's xoshiro256**; stateless hashes for per-request faults ---- */

uint64_t rt_emu_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

double rt_emu_uniform(uint64_t seed, uint64_t stream, uint64_t n)
{
    uint64_t h = rt_emu_mix64(rt_emu_mix64(seed ^ rt_emu_mix64(stream)) + n);
    return (double)(h >> 11) * 0x1.0p-53;
}

double rt_emu_p_true(int64_t rev_id)
{
    uint64_t h = rt_emu_mix64((uint64_t)rev_id ^ 0x5265765472616365ULL);
    return (double)(h % 1000000) / 1e6;
}

static double rng_unit(struct rt_emu_model *m)
{
    return rt_rng_uniform(&m->rng);
}

static double rng_normal(struct rt_emu_model *m)
{
    double u1 = rng_unit(m), u2 = rng_unit(m);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Lognormal with the given median and 90th percentile (p90 >= median). */
static double lognormal_med_p90(struct rt_emu_model *m, double median, double p90)
{
    if (median <= 0)
        return 0;
    double sigma = p90 > median ? log(p90 / median) / 1.2815515655446004 : 0;
    return median * exp(sigma * rng_normal(m));
}

/* Lognormal with the given mean and coefficient of variation. */
static double lognormal_mean_cv(struct rt_emu_model *m, double mean, double cv)
{
    if (mean <= 0)
        return 0;
    double s2 = log(1 + cv * cv);
    return exp(log(mean) - s2 / 2 + sqrt(s2) * rng_normal(m));
}

/* ---- profiles ---- */

int rt_emu_profile(const char *name, struct rt_emu_params *p)
{
    memset(p, 0, sizeof *p);
    p->replicas_min = p->replicas_max = 1;
    p->cpus_per_replica = 2;
    p->target_concurrency = 3;
    p->target_utilization = 0.7;
    p->stable_window_us = 60000000;
    p->panic_window_us = 6000000;
    p->panic_threshold = 2.0;
    p->tick_us = 2000000;
    if (strcmp(name, "fast") == 0) {
        p->profile = "fast";
        p->kind = RT_EMU_NONE;
        return 0;
    }
    if (strcmp(name, "staging") != 0 && strcmp(name, "prod") != 0)
        return -1;
    p->kind = RT_EMU_SERVICE;
    /* Fitted to the 2-user staging run: min 397, median 580, p90 750 ms (see docs). */
    p->upstream_min_us = 370000;
    p->upstream_excess_median_us = 140000;
    p->upstream_excess_p90_us = 300000;
    p->upstream_retry_ratio = 1.0 / 3000;
    p->upstream_retry_us = 10000000;
    /* prod 100 users: median 670 ms at 25 requests/s against 580 ms unloaded. */
    p->upstream_slowdown = 0.015;
    /* One event loop, synchronous predict: 1 / 14.6 requests/s = 68 ms per request. */
    p->cpu_fifo = 1;
    p->cpu_mean_us = 66000;
    p->cpu_cv = 0.3;
    p->admit_limit = 80;
    p->contention_knee = 55;
    p->contention = 0.02;
    p->gateway_timeout_us = 45000000;
    p->reset_per_inflight = 4e-5;
    p->reset_delay_us = 60000;
    p->replica_start_us = 120000000;
    if (strcmp(name, "staging") == 0) {
        p->profile = "staging";
    } else {
        p->profile = "prod";
        p->replicas_min = 5;
        p->replicas_max = 15;
    }
    return 0;
}

int rt_emu_params_check(const struct rt_emu_params *p, char *err, size_t errlen)
{
    const char *why = NULL;
    if (p->kind == RT_EMU_DELAY && (p->delay_median_us < 0 || p->delay_p90_us < p->delay_median_us))
        why = "the delay's p90 must be at least its median";
    else if (p->kind == RT_EMU_SERVICE) {
        if (p->replicas_min < 1 || p->replicas_max < p->replicas_min ||
            p->replicas_max > EMU_MAX_REPLICAS)
            why = "replicas must satisfy 1 <= min <= max <= 64";
        else if (!(p->cpus_per_replica > 0))
            why = "CPUs per replica must be positive";
        else if (p->upstream_excess_p90_us < p->upstream_excess_median_us)
            why = "the upstream wait's p90 must be at least its median";
        else if (p->replicas_max > p->replicas_min &&
                 (!(p->target_concurrency > 0) || !(p->target_utilization > 0) ||
                  p->tick_us <= 0 || p->stable_window_us < p->tick_us ||
                  p->panic_window_us < p->tick_us))
            why = "autoscaling needs a positive target, tick and windows of at least a tick";
    }
    if (why) {
        if (err && errlen)
            snprintf(err, errlen, "%s", why);
        return -1;
    }
    return 0;
}

/* ---- event heap ---- */

static int ev_less(const void *a, const void *b, void *ctx)
{
    const struct event *x = a, *y = b;
    (void)ctx;
    return x->t_us < y->t_us || (x->t_us == y->t_us && x->order < y->order);
}

static int ev_push(struct rt_emu_model *m, int64_t t_us, int kind, uint32_t idx, uint32_t gen)
{
    struct event x = { t_us, m->order, idx, gen, kind };
    if (rt_heap_push(&m->ev, &x) != 0)
        return -1;
    m->order++;
    return 0;
}

static int64_t ev_next_us(const struct rt_emu_model *m)
{
    const struct event *top = rt_heap_peek(&m->ev);
    return top ? top->t_us : INT64_MAX;
}

/* ---- request pool ---- */

static uint32_t req_alloc(struct rt_emu_model *m, void *tag)
{
    if (m->free_head == NIL) {
        uint32_t n = m->n_req ? m->n_req * 2 : 1024;
        struct mreq *r = realloc(m->req, (size_t)n * sizeof *r);
        if (!r)
            return NIL;
        for (uint32_t i = m->n_req; i < n; i++) {
            r[i].gen = 0;
            r[i].loc = L_NONE;
            r[i].next = i + 1 < n ? i + 1 : NIL;
        }
        m->req = r;
        m->free_head = m->n_req;
        m->n_req = n;
    }
    uint32_t i = m->free_head;
    struct mreq *r = &m->req[i];
    m->free_head = r->next;
    r->tag = tag;
    r->prev = r->next = NIL;
    r->loc = L_NONE;
    r->answered = 0;
    r->replica = -1;
    r->status = 0;
    r->finish_v = 0;
    return i;
}

static void req_free(struct rt_emu_model *m, uint32_t i)
{
    struct mreq *r = &m->req[i];
    r->gen++;
    r->loc = L_NONE;
    r->tag = NULL;
    r->next = m->free_head;
    m->free_head = i;
}

static void answer(struct rt_emu_model *m, uint32_t i, int status, int64_t t_us,
                   rt_emu_done_fn fn, void *ctx, size_t *count)
{
    struct mreq *r = &m->req[i];
    if (r->answered)
        return;
    r->answered = 1;
    (*count)++;
    fn(ctx, r->tag, status, t_us);
}

/* ---- replicas: concurrency bookkeeping, CPU sharing ---- */

static void conc_update(struct rt_emu_model *m, int64_t t_us)
{
    if (t_us > m->conc_last_us) {
        m->conc_integral += (double)m->in_flight * (double)(t_us - m->conc_last_us);
        m->conc_last_us = t_us;
    }
}

/* The contention slowdown of CPU work at the replica now (>= 1). */
static double contention_factor(const struct rt_emu_model *m, const struct replica *rp)
{
    int a = rp->admitted;
    if (m->p.contention_cap > 0 && a > m->p.contention_cap)
        a = m->p.contention_cap;
    int over = a - m->p.contention_knee;
    return over > 0 ? 1.0 + m->p.contention * over : 1.0;
}

/* CPU rate (CPU-us per us) each job of the replica's CPU set receives now. */
static double cpu_rate(const struct rt_emu_model *m, const struct replica *rp)
{
    size_t n_cpu = rt_heap_count(&rp->cpu);
    if (n_cpu == 0)
        return 0;
    double share = m->p.cpus_per_replica / (double)n_cpu;
    if (share > 1)
        share = 1;
    return share / contention_factor(m, rp);
}

static void rep_sync(struct rt_emu_model *m, struct replica *rp, int64_t t_us)
{
    if (t_us > rp->vt_last_us) {
        rp->vtime += cpu_rate(m, rp) * (double)(t_us - rp->vt_last_us);
        rp->vt_last_us = t_us;
    }
}

static void sync_all(struct rt_emu_model *m, int64_t t_us)
{
    for (int k = 0; k < m->n_rep; k++)
        rep_sync(m, &m->rep[k], t_us);
    conc_update(m, t_us);
}

static int64_t rep_next_us(const struct rt_emu_model *m, const struct replica *rp)
{
    const uint32_t *top = rt_heap_peek(&rp->cpu);
    if (!top)
        return INT64_MAX;
    double left = m->req[*top].finish_v - rp->vtime;
    if (left <= 0)
        return rp->vt_last_us;
    double dt = ceil(left / cpu_rate(m, rp));
    if (dt > 9e18)
        return INT64_MAX;
    return rp->vt_last_us + (int64_t)dt;
}

/* The CPU sets' order: finish value, then request index, a total order (ctx is the model,
   whose pool may move). */
static int cpu_less(const void *a, const void *b, void *ctx)
{
    const struct rt_emu_model *m = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return m->req[x].finish_v < m->req[y].finish_v ||
           (m->req[x].finish_v == m->req[y].finish_v && x < y);
}

/* An upstream wait starting now: the unloaded sample, stretched by the calls already in
 * progress at the shared upstream, plus the rare timeout-and-retry. */
static int64_t upstream_sample_us(struct rt_emu_model *m)
{
    double us = (double)m->p.upstream_min_us +
                lognormal_med_p90(m, (double)m->p.upstream_excess_median_us,
                                  (double)m->p.upstream_excess_p90_us);
    us *= 1.0 + m->p.upstream_slowdown * m->n_upstream;
    if (m->p.upstream_retry_ratio > 0 && rng_unit(m) < m->p.upstream_retry_ratio)
        us += (double)m->p.upstream_retry_us;
    return (int64_t)llround(us);
}

/* Start request idx's upstream wait at its replica now. */
static int start_upstream(struct rt_emu_model *m, uint32_t idx, int64_t t_us)
{
    m->req[idx].loc = L_UPSTREAM;
    int64_t wait_us = upstream_sample_us(m);
    m->n_upstream++;
    return ev_push(m, t_us + wait_us, EV_UPSTREAM, idx, m->req[idx].gen);
}

/* Admit request idx at replica k: its upstream wait starts now. */
static int admit(struct rt_emu_model *m, int k, uint32_t idx, int64_t t_us)
{
    struct replica *rp = &m->rep[k];
    rep_sync(m, rp, t_us);
    rp->admitted++;
    return start_upstream(m, idx, t_us);
}

static void queue_remove(struct rt_emu_model *m, struct replica *rp, uint32_t idx)
{
    struct mreq *r = &m->req[idx];
    if (r->prev != NIL)
        m->req[r->prev].next = r->next;
    else
        rp->qhead = r->next;
    if (r->next != NIL)
        m->req[r->next].prev = r->prev;
    else
        rp->qtail = r->prev;
    r->prev = r->next = NIL;
    rp->queued--;
}

static void admit_from_queue(struct rt_emu_model *m, int k, int64_t t_us)
{
    struct replica *rp = &m->rep[k];
    while (rp->qhead != NIL && (m->p.admit_limit <= 0 || rp->admitted < m->p.admit_limit)) {
        uint32_t idx = rp->qhead;
        queue_remove(m, rp, idx);
        (void)admit(m, k, idx, t_us);
    }
}

static int rep_inflight(const struct replica *rp) { return rp->queued + rp->admitted; }

/* The ready replica with the fewest requests in flight; ties rotate. */
static int route(struct rt_emu_model *m)
{
    int best = -1, best_n = 0;
    for (int j = 0; j < m->n_rep; j++) {
        int k = (m->rr + j) % m->n_rep;
        if (m->rep[k].state != R_READY)
            continue;
        int n = rep_inflight(&m->rep[k]);
        if (best < 0 || n < best_n) {
            best = k;
            best_n = n;
        }
    }
    m->rr = (m->rr + 1) % (m->n_rep ? m->n_rep : 1);
    return best;
}

/* ---- autoscaler (Knative KPA, simplified) ---- */

static double window_avg(const struct rt_emu_model *m, int64_t window_us)
{
    int n = (int)(window_us / m->p.tick_us);
    if (n < 1)
        n = 1;
    if (n > m->n_samples)
        n = m->n_samples;
    if (n == 0)
        return 0;
    double s = 0;
    for (int j = 0; j < n; j++) {
        int pos = (m->sample_pos - 1 - j + m->n_samples_cap) % m->n_samples_cap;
        s += m->samples[pos];
    }
    return s / n;
}

static void autoscale_tick(struct rt_emu_model *m, int64_t t_us)
{
    double dt = (double)(t_us - m->last_tick_us);
    double avg = dt > 0 ? m->conc_integral / dt : m->in_flight;
    m->conc_integral = 0;
    m->last_tick_us = t_us;
    m->samples[m->sample_pos] = avg;
    m->sample_pos = (m->sample_pos + 1) % m->n_samples_cap;
    if (m->n_samples < m->n_samples_cap)
        m->n_samples++;

    double per_pod = m->p.target_concurrency * m->p.target_utilization;
    double stable = window_avg(m, m->p.stable_window_us);
    double panicw = window_avg(m, m->p.panic_window_us);
    int want_stable = (int)ceil(stable / per_pod - 1e-9);
    int want_panic = (int)ceil(panicw / per_pod - 1e-9);
    int ready = 0, current = 0;
    for (int k = 0; k < m->n_rep; k++) {
        if (m->rep[k].state == R_READY)
            ready++;
        if (m->rep[k].state == R_READY || m->rep[k].state == R_STARTING)
            current++;
    }
    if (ready < 1)
        ready = 1;
    if ((double)want_panic / ready >= m->p.panic_threshold) {
        if (!m->panic)
            m->panic = 1;
        m->panic_last_cond_us = t_us;
    } else if (m->panic && t_us - m->panic_last_cond_us >= m->p.stable_window_us) {
        m->panic = 0;
    }
    int want = want_stable;
    if (m->panic) {
        want = want_panic > m->desired ? want_panic : m->desired;
    }
    if (want < m->p.replicas_min)
        want = m->p.replicas_min;
    if (want > m->p.replicas_max)
        want = m->p.replicas_max;
    m->desired = want;

    for (int k = 0; k < m->n_rep && current < want; k++) {
        struct replica *rp = &m->rep[k];
        if (rp->state == R_OFF || (rp->state == R_DRAINING)) {
            if (rp->state == R_DRAINING) {
                rp->state = R_READY;        /* still warm: reuse at once */
            } else {
                rp->state = R_STARTING;
                (void)ev_push(m, t_us + m->p.replica_start_us, EV_READY, (uint32_t)k, 0);
            }
            current++;
        }
    }
    while (current > want) {
        int pick = -1;
        for (int k = 0; k < m->n_rep; k++)
            if (m->rep[k].state == R_STARTING) {
                pick = k;
                break;
            }
        if (pick < 0)
            for (int k = 0; k < m->n_rep; k++)
                if (m->rep[k].state == R_READY &&
                    (pick < 0 || rep_inflight(&m->rep[k]) < rep_inflight(&m->rep[pick])))
                    pick = k;
        if (pick < 0)
            break;
        m->rep[pick].state = m->rep[pick].state == R_STARTING ? R_OFF : R_DRAINING;
        current--;
    }
}

/* ---- public API ---- */

struct rt_emu_model *rt_emu_model_new(const struct rt_emu_params *params, uint64_t seed,
                                      int64_t now_us, char *err, size_t errlen)
{
    if (rt_emu_params_check(params, err, errlen) != 0)
        return NULL;
    struct rt_emu_model *m = calloc(1, sizeof *m);
    if (!m)
        goto oom;
    m->p = *params;
    rt_heap_init(&m->ev, sizeof(struct event), ev_less, NULL);
    for (int k = 0; k < EMU_MAX_REPLICAS; k++)
        rt_heap_init(&m->rep[k].cpu, sizeof(uint32_t), cpu_less, m);
    if (rt_heap_reserve(&m->ev, 1024) != 0)
        goto oom;
    for (int j = 0; j < 4; j++)
        m->rng.s[j] = rt_emu_mix64(seed + 0x1234567ULL * (uint64_t)(j + 1));
    m->free_head = NIL;
    m->conc_last_us = now_us;
    m->last_tick_us = now_us;
    if (m->p.kind == RT_EMU_SERVICE) {
        m->n_rep = m->p.replicas_max;
        for (int k = 0; k < m->n_rep; k++) {
            m->rep[k].state = k < m->p.replicas_min ? R_READY : R_OFF;
            m->rep[k].qhead = m->rep[k].qtail = NIL;
            m->rep[k].chead = m->rep[k].ctail = NIL;
            m->rep[k].vt_last_us = now_us;
        }
        m->desired = m->p.replicas_min;
        if (m->p.replicas_max > m->p.replicas_min) {
            m->n_samples_cap = (int)(m->p.stable_window_us / m->p.tick_us) + 1;
            m->samples = calloc((size_t)m->n_samples_cap, sizeof *m->samples);
            if (!m->samples || ev_push(m, now_us + m->p.tick_us, EV_TICK, 0, 0) != 0)
                goto oom;
        }
    }
    return m;
oom:
    rt_emu_model_free(m);
    if (err && errlen)
        snprintf(err, errlen, "out of memory");
    return NULL;
}

void rt_emu_model_free(struct rt_emu_model *m)
{
    if (!m)
        return;
    for (int k = 0; k < EMU_MAX_REPLICAS; k++)
        rt_heap_free(&m->rep[k].cpu);
    free(m->samples);
    rt_heap_free(&m->ev);
    free(m->req);
    free(m);
}

int rt_emu_model_hold(struct rt_emu_model *m, int64_t now_us, int64_t delay_us, int status,
                      void *tag)
{
    uint32_t i = req_alloc(m, tag);
    if (i == NIL)
        return -1;
    m->req[i].loc = L_HOLD;
    m->req[i].status = status;
    if (ev_push(m, now_us + (delay_us > 0 ? delay_us : 0), EV_HOLD, i, m->req[i].gen) != 0) {
        req_free(m, i);
        return -1;
    }
    return 0;
}

int rt_emu_model_submit(struct rt_emu_model *m, int64_t now_us, void *tag)
{
    if (m->p.kind == RT_EMU_NONE)
        return rt_emu_model_hold(m, now_us, 0, 200, tag);
    if (m->p.kind == RT_EMU_DELAY) {
        double d = lognormal_med_p90(m, (double)m->p.delay_median_us, (double)m->p.delay_p90_us);
        return rt_emu_model_hold(m, now_us, (int64_t)d, 200, tag);
    }
    sync_all(m, now_us);
    int k = route(m);
    if (k < 0)
        return rt_emu_model_hold(m, now_us, m->p.reset_delay_us, 502, tag);
    struct replica *rp = &m->rep[k];
    double u = rng_unit(m);
    if (u < m->p.reset_per_inflight * rep_inflight(rp))
        return rt_emu_model_hold(m, now_us, m->p.reset_delay_us, 502, tag);
    uint32_t i = req_alloc(m, tag);
    if (i == NIL)
        return -1;
    struct mreq *r = &m->req[i];
    r->replica = k;
    m->in_flight++;
    if (m->p.gateway_timeout_us > 0 &&
        ev_push(m, now_us + m->p.gateway_timeout_us, EV_GW_TIMEOUT, i, r->gen) != 0) {
        m->in_flight--;         /* undo: the request never entered the replica */
        req_free(m, i);
        return -1;
    }
    if (m->p.admit_limit <= 0 || rp->admitted < m->p.admit_limit)
        return admit(m, k, i, now_us);
    r->loc = L_QUEUE;
    r->prev = rp->qtail;
    r->next = NIL;
    if (rp->qtail != NIL)
        m->req[rp->qtail].next = i;
    else
        rp->qhead = i;
    rp->qtail = i;
    rp->queued++;
    return 0;
}

static int64_t cpu_next_us(const struct rt_emu_model *m, int *k_out)
{
    int64_t t_cpu = INT64_MAX;
    *k_out = -1;
    for (int k = 0; k < m->n_rep; k++) {
        int64_t c = rep_next_us(m, &m->rep[k]);
        if (c < t_cpu) {
            t_cpu = c;
            *k_out = k;
        }
    }
    return t_cpu;
}

int64_t rt_emu_model_next_us(const struct rt_emu_model *m)
{
    int k;
    int64_t e = ev_next_us(m), c = cpu_next_us(m, &k);
    return e < c ? e : c;
}

/* A request leaves its replica (finished or given up): free the slot, admit the next. */
static void leave_replica(struct rt_emu_model *m, uint32_t idx, int64_t t_us)
{
    int k = m->req[idx].replica;
    struct replica *rp = &m->rep[k];
    rp->admitted--;
    m->in_flight--;
    req_free(m, idx);
    admit_from_queue(m, k, t_us);
    if (rp->state == R_DRAINING && rep_inflight(rp) == 0)
        rp->state = R_OFF;
}

/* cpu_fifo: start the CPU work of waiting requests while a CPU slot is free.  The
 * contention slowdown is the one at the start (the work runs to completion). */
static void cpu_fifo_start(struct rt_emu_model *m, int k, int64_t t_us)
{
    struct replica *rp = &m->rep[k];
    while (rp->chead != NIL && rp->cpu_busy < m->p.cpu_fifo) {
        uint32_t idx = rp->chead;
        struct mreq *r = &m->req[idx];
        rp->chead = r->next;
        if (rp->chead == NIL)
            rp->ctail = NIL;
        r->next = NIL;
        r->loc = L_CPU;
        rp->cpu_busy++;
        double us = r->finish_v * contention_factor(m, rp);
        (void)ev_push(m, t_us + (int64_t)llround(us), EV_CPU_DONE, idx, r->gen);
    }
}

/* The end of request idx's upstream wait at t_us: its CPU work is drawn and queued (cpu_fifo)
 * or joins the replica's processor-shared set. */
static void upstream_done(struct rt_emu_model *m, uint32_t idx, int64_t t_us,
                          rt_emu_done_fn fn, void *ctx, size_t *count)
{
    struct mreq *r = &m->req[idx];
    struct replica *rp = &m->rep[r->replica];
    double demand = lognormal_mean_cv(m, (double)m->p.cpu_mean_us, m->p.cpu_cv);
    m->n_upstream--;
    if (m->p.cpu_fifo > 0) {
        r->finish_v = demand;
        r->loc = L_CPUQ;
        r->next = NIL;
        if (rp->ctail != NIL)
            m->req[rp->ctail].next = idx;
        else
            rp->chead = idx;
        rp->ctail = idx;
        cpu_fifo_start(m, r->replica, t_us);
        return;
    }
    r->loc = L_CPU;
    r->finish_v = rp->vtime + demand;
    if (rt_heap_push(&rp->cpu, &idx) != 0) {      /* out of memory: answer now */
        answer(m, idx, 200, t_us, fn, ctx, count);
        leave_replica(m, idx, t_us);
    }
}

/* The earliest CPU completion over the replicas (INT64_MAX when none); its replica in *k. */

size_t rt_emu_model_advance(struct rt_emu_model *m, int64_t now_us, rt_emu_done_fn fn,
                            void *ctx)
{
    size_t count = 0;
    for (;;) {
        int64_t t_ev = ev_next_us(m);
        int k_cpu;
        int64_t t_cpu = cpu_next_us(m, &k_cpu);
        int64_t t = t_ev < t_cpu ? t_ev : t_cpu;
        if (t > now_us || t == INT64_MAX)
            break;
        sync_all(m, t);
        if (t_cpu <= t_ev) {
            struct replica *rp = &m->rep[k_cpu];
            uint32_t idx;
            rt_heap_pop(&rp->cpu, &idx);
            answer(m, idx, 200, t, fn, ctx, &count);
            leave_replica(m, idx, t);
            continue;
        }
        struct event e;
        rt_heap_pop(&m->ev, &e);
        if (e.kind == EV_TICK) {
            autoscale_tick(m, t);
            (void)ev_push(m, t + m->p.tick_us, EV_TICK, 0, 0);
            continue;
        }
        if (e.kind == EV_READY) {
            if (m->rep[e.idx].state == R_STARTING) {
                m->rep[e.idx].state = R_READY;
                m->rep[e.idx].vt_last_us = t;
            }
            continue;
        }
        struct mreq *r = &m->req[e.idx];
        if (r->gen != e.gen || r->loc == L_NONE)
            continue;               /* the request has ended since */
        switch (e.kind) {
        case EV_HOLD:
            answer(m, e.idx, r->status, t, fn, ctx, &count);
            req_free(m, e.idx);
            break;
        case EV_UPSTREAM:
            upstream_done(m, e.idx, t, fn, ctx, &count);
            break;
        case EV_CPU_DONE: {
            int k = r->replica;
            m->rep[k].cpu_busy--;
            answer(m, e.idx, 200, t, fn, ctx, &count);
            leave_replica(m, e.idx, t);
            cpu_fifo_start(m, k, t);
            break;
        }
        case EV_GW_TIMEOUT:
            answer(m, e.idx, 502, t, fn, ctx, &count);
            if (r->loc == L_QUEUE) {
                /* The queue-proxy drops a request whose client went away; the model server
                 * (below) does not notice and finishes what it started. */
                struct replica *rp = &m->rep[r->replica];
                queue_remove(m, rp, e.idx);
                m->in_flight--;
                req_free(m, e.idx);
            }
            break;
        default:
            break;
        }
    }
    sync_all(m, now_us);
    return count;
}

size_t rt_emu_model_drain(struct rt_emu_model *m, int status, rt_emu_done_fn fn, void *ctx)
{
    size_t count = 0;
    for (uint32_t i = 0; i < m->n_req; i++)
        if (m->req[i].loc != L_NONE && !m->req[i].answered)
            answer(m, i, status, m->conc_last_us, fn, ctx, &count);
    return count;
}

void rt_emu_model_state(const struct rt_emu_model *m, struct rt_emu_state *st)
{
    memset(st, 0, sizeof *st);
    for (int k = 0; k < m->n_rep; k++) {
        if (m->rep[k].state == R_READY)
            st->replicas_ready++;
        if (m->rep[k].state == R_STARTING)
            st->replicas_starting++;
        st->queued += m->rep[k].queued;
    }
    st->in_flight = m->in_flight;
    st->panic = m->panic;
}
