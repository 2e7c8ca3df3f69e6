/*
 * emumodel.h - the emulator's model of the inference service, as a discrete-event simulation
 * in caller-supplied time (microseconds on any monotonic clock).
 *
 * The model knows nothing of sockets: `revtrace emulate` submits each request at its arrival
 * time with an opaque tag, sleeps until rt_emu_model_next_us(), and calls
 * rt_emu_model_advance(), which reports each request's outcome (HTTP status) through a
 * callback.  Because time is an argument, the same code runs in real time behind the HTTP
 * server and in virtual time in the unit tests and the offline calibration, where a 120 s
 * locust run takes milliseconds.
 *
 * The service (docs/emulate.md explains every parameter and the figure it was fitted to):
 *   gateway -> replica chosen by least in-flight -> FIFO queue (queue-proxy) -> admitted
 *   (at most admit_limit at once) -> upstream wait (MediaWiki API calls; no CPU; longer the
 *   more calls the whole service has in progress) -> CPU work, either run to completion in
 *   arrival order by cpu_fifo servers (the model server's one event loop) or processor-shared
 *   by the replica's CPUs, slowed by contention among the admitted requests -> answer.  The
 *   gateway answers 502 when a request is not answered within gateway_timeout_us (the
 *   replica still finishes it: wasted work), and an overloaded replica drops a connection
 *   (502 after reset_delay_us) with a probability proportional to its in-flight count.  prod
 *   adds a Knative-style autoscaler.
 *
 * Not thread-safe: the caller serialises calls (emulate holds one mutex).
 */
#ifndef RT_EMUMODEL_H
#define RT_EMUMODEL_H

#include <stddef.h>
#include <stdint.h>

enum rt_emu_kind {
    RT_EMU_NONE = 0,    /* fast: no added delay (only holds, for faults) */
    RT_EMU_DELAY = 1,   /* a lognormal delay per request, nothing shared */
    RT_EMU_SERVICE = 2  /* replicas, queues, gateway (staging, prod) */
};

struct rt_emu_params {
    const char *profile;            /* borrowed, static string */
    enum rt_emu_kind kind;

    /* RT_EMU_DELAY: lognormal with this median and 90th percentile. */
    int64_t delay_median_us;
    int64_t delay_p90_us;

    /* Upstream wait = upstream_min_us + lognormal(median, p90 of the excess). */
    int64_t upstream_min_us;
    int64_t upstream_excess_median_us;
    int64_t upstream_excess_p90_us;
    double upstream_retry_ratio;    /* an upstream call that times out and is retried */
    int64_t upstream_retry_us;      /* ... costing this much more */
    double upstream_slowdown;       /* wait x (1 + this * calls already in progress,
                                       service-wide) */

    /* CPU work: lognormal with this mean and coefficient of variation, CPU-microseconds. */
    int64_t cpu_mean_us;
    double cpu_cv;
    double cpus_per_replica;
    int cpu_fifo;                   /* 0: processor sharing over cpus_per_replica; n > 0: run to
                                     * completion, first come first served, n at once */
    int admit_limit;                /* requests inside the model server at once (0: no cap) */
    int contention_knee;            /* admitted requests before contention starts */
    double contention;              /* CPU slowdown per admitted request above the knee */
    int contention_cap;             /* admitted requests beyond this add no more (0: none) */

    /* Gateway. */
    int64_t gateway_timeout_us;     /* 0: none */
    double reset_per_inflight;      /* P(drop) = this * in-flight at the replica */
    int64_t reset_delay_us;

    /* Replicas and autoscaling (min == max: fixed). */
    int replicas_min;
    int replicas_max;
    double target_concurrency;      /* per replica */
    double target_utilization;      /* Knative container-concurrency-target-percentage */
    int64_t stable_window_us;
    int64_t panic_window_us;
    double panic_threshold;         /* panic when desired/ready >= this */
    int64_t tick_us;                /* autoscaler period */
    int64_t replica_start_us;       /* from the decision to a ready replica */
};

/* Fill *p with a named profile ("fast", "staging", "prod").  Returns 0, -1 if unknown. */
int rt_emu_profile(const char *name, struct rt_emu_params *p);

/* Check a parameter set; returns 0 or -1 with a message in err. */
int rt_emu_params_check(const struct rt_emu_params *p, char *err, size_t errlen);

struct rt_emu_model;

/*
 * A new model starting at now_us with every minimum replica ready.  params is copied.
 * Returns NULL (message in err) on invalid params or out of memory.  Free with
 * rt_emu_model_free.
 */
struct rt_emu_model *rt_emu_model_new(const struct rt_emu_params *params, uint64_t seed,
                                      int64_t now_us, char *err, size_t errlen);
/*
 * Free m and everything it owns; NULL is a no-op.  Pending requests get no callback: call
 * rt_emu_model_drain first when their tags' owners wait for one.
 */
void rt_emu_model_free(struct rt_emu_model *m);

/*
 * Outcome callback: the request with this tag is answered at at_us with status (200, 502, or
 * the status given to rt_emu_model_hold).  Called only from rt_emu_model_advance and
 * rt_emu_model_drain, once per tag.
 */
typedef void (*rt_emu_done_fn)(void *ctx, void *tag, int status, int64_t at_us);

/* A request arrives at now_us.  The tag is borrowed until its callback.  0 or -1 (ENOMEM). */
int rt_emu_model_submit(struct rt_emu_model *m, int64_t now_us, void *tag);

/* Answer tag with status after delay_us, outside the service (faults). 0 or -1 (ENOMEM). */
int rt_emu_model_hold(struct rt_emu_model *m, int64_t now_us, int64_t delay_us, int status,
                      void *tag);

/* The time of the next internal event (INT64_MAX when none is pending). */
int64_t rt_emu_model_next_us(const struct rt_emu_model *m);

/* Run every event up to now_us, calling fn for each answer.  Returns the number answered. */
size_t rt_emu_model_advance(struct rt_emu_model *m, int64_t now_us, rt_emu_done_fn fn,
                            void *ctx);

/* Answer every pending tag now with status (shutdown).  Returns the number answered. */
size_t rt_emu_model_drain(struct rt_emu_model *m, int status, rt_emu_done_fn fn, void *ctx);

struct rt_emu_state {
    int replicas_ready;
    int replicas_starting;
    int in_flight;          /* answered-to-be requests in the model (holds excluded) */
    int queued;             /* waiting for admission at replicas */
    int panic;              /* autoscaler in panic mode */
};
/*
 * A snapshot of the model as of its last advance into *st (overwritten), for logs and
 * tests; m is not changed.  Draining replicas (scaled down, finishing their work) count in
 * neither replica field.
 */
void rt_emu_model_state(const struct rt_emu_model *m, struct rt_emu_state *st);

/* Deterministic answer for a rev ID: probability of "true" in [0, 1), 6 decimals. */
double rt_emu_p_true(int64_t rev_id);

/* splitmix64: a well-mixed 64-bit hash, used for seeded deterministic decisions. */
uint64_t rt_emu_mix64(uint64_t x);
/* Uniform in [0, 1) from (seed, stream, n): the n-th decision of one stream. */
double rt_emu_uniform(uint64_t seed, uint64_t stream, uint64_t n);

#endif
