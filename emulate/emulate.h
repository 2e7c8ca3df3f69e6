/*
 * emulate.h - the pieces of `revtrace emulate`: options (options.c), the HTTP server
 * (server.c), the fault injector (faults.c) and the parameter description (describe.c); the
 * main is emulate.c.  The service model itself is emulate/emumodel.c, apart from the server, so
 * that it can be unit-tested in virtual time.
 */
#ifndef RT_EMULATE_H
#define RT_EMULATE_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "core/rng.h"
#include "emulate/emumodel.h"
#include "tool/listen.h"

#define EMU_MAX_ERROR_RULES 16

struct emu_error_rule {
    int status;
    double ratio;
};

/* Every option of the command, after parsing. */
struct emu_config {
    struct rt_listen_addr listen;   /* --listen: IPv4 or [IPv6], port 0 for any free one */
    const char *port_file;          /* borrowed from argv; NULL: none */
    struct rt_emu_params params;    /* the profile, with overrides applied */
    uint64_t seed;
#define EMU_MAX_THREADS 64          /* the most --threads takes */
    int threads;                    /* HTTP threads: daemons, each with its own loop */
    const char *model_version;      /* borrowed */
    int64_t max_body_bytes;         /* request bodies beyond: 413 */
    int describe;

    /* Faults. */
    struct emu_error_rule errors[EMU_MAX_ERROR_RULES];
    int n_errors;
    double rate_limit_per_s;        /* 0: none */
    double rate_burst;              /* bucket size */
    double stall_ratio;
    int64_t stall_us;               /* how long a stalled request is held before the close */
    double reset_ratio;
    double huge_ratio;
    int64_t huge_bytes;
    int quiet;

    /* The synthetic EventStreams feed (GET /v2/stream/recentchange; stream.c). */
    double stream_rate_per_s;       /* wikidatawiki edits per second; 0: no feed */
    int64_t stream_events;          /* end the feed after this many edits; 0: endless */
    int64_t stream_drop_after;      /* cut each connection after this many events; 0: never */
};

/* ---- options.c ---- */

/*
 * Fill *cfg from `revtrace emulate` arguments (argv[0] is "emulate"): the defaults, every
 * option, the checks across options, and the profile's parameters with the overrides.  The
 * strings in cfg are borrowed from argv.  Returns 0 to go on, 1 after printing --help (exit 0),
 * or 2 after printing a usage message (exit 2).
 */
int emu_config_parse(struct emu_config *cfg, int argc, char **argv);

/* ---- faults.c ---- */

enum emu_fault {
    EMU_FAULT_NONE = 0,
    EMU_FAULT_RESET,        /* close the connection without an answer (RST) */
    EMU_FAULT_STALL,        /* hold stall_us, then close without an answer */
    EMU_FAULT_RATE_LIMIT,   /* 429 with Retry-After */
    EMU_FAULT_ERROR,        /* the status in *status */
    EMU_FAULT_HUGE          /* a normal answer padded to huge_bytes */
};

struct emu_faults;

/* Owned by the caller; cfg is borrowed for the injector's life. NULL on out of memory. */
struct emu_faults *emu_faults_new(const struct emu_config *cfg);
void emu_faults_free(struct emu_faults *f);
/*
 * The fault for the n-th valid prediction request (n counts from 0, in arrival order).
 * Deterministic for (seed, n) except the rate limit, which follows the monotonic clock.
 * Sets *status for EMU_FAULT_ERROR and *retry_after_s for EMU_FAULT_RATE_LIMIT.
 * Thread-safe.
 */
enum emu_fault emu_faults_decide(struct emu_faults *f, uint64_t n, int64_t now_us,
                                 int *status, int *retry_after_s);

/* ---- server.c ---- */

/* Run the server until SIGINT/SIGTERM.  Returns an exit status. */
int emu_server_run(const struct emu_config *cfg);

/* ---- stream.c ---- */

enum emu_feed_kind { EMU_FEED_EDIT = 0, EMU_FEED_OTHER_WIKI, EMU_FEED_OTHER_TYPE };

/* One event of the feed, and the state that draws the next one (a plain value). */
struct emu_feed_pos {
    uint64_t k;                 /* its number from 1: the offset in its SSE id */
    int64_t t_us;               /* its time after the feed's start */
    enum emu_feed_kind kind;
    int64_t rev_id;             /* the last Wikidata edit's revision.new (this one's if an edit) */
    int64_t edits;              /* Wikidata edits up to and including this event */
    struct rt_rng rng;
};

/* *p = the feed's first event (always an edit). */
void emu_feed_start(const struct emu_config *cfg, struct emu_feed_pos *p);
/* *p = the event after it. */
void emu_feed_next(const struct emu_config *cfg, struct emu_feed_pos *p);
/* 1 when *p is past the end of a --stream-events feed (it must not be sent). */
int emu_feed_ended(const struct emu_config *cfg, const struct emu_feed_pos *p);
/* The event's SSE frame (event:, id:, data:, blank line) into buf; its length, 0 if cap is
   too small.  t0_wall_us: the wall clock of the feed's start (for meta.dt). */
size_t emu_feed_format(const struct emu_feed_pos *p, int64_t t0_wall_us, char *buf,
                       size_t cap);
/* The event number in a Last-Event-ID (our id's "offset", or a bare number).  0 or -1. */
int emu_feed_parse_id(const char *last_event_id, uint64_t *k);

/* ---- describe.c ---- */

/* Print every model parameter with the figure it was fitted to. */
void emu_describe(const struct emu_config *cfg, FILE *out);

#endif
