/*
 * capture.c - `revtrace capture URL --revids FILE [options]`: generate a run from a workload
 * model and record it.
 *
 * This file holds only what is capture's own: the workload options (arrivals, users, stop
 * conditions, the rev-ID pool and its order) and their checks.  The HTTP, storage and output
 * options come from tool/runopts (shared with replay), the schedule from capture/schedule, and
 * the run itself (store, writer, signals, engine, summary) from tool/session.
 *
 * Every input is checked, and the rev-ID file read whole, before the database is opened: a
 * usage or input error exits 2 and leaves the database untouched (not even created).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "tool/cli.h"
#include "core/clock.h"
#include "tool/runopts.h"
#include "capture/proxy.h"
#include "capture/follow.h"
#include "capture/schedule.h"
#include "tool/session.h"
#include "core/trace.h"
#include "core/units.h"

/* --threads at most: each thread's engine holds 4 descriptors besides its sockets (epoll,
   timerfd, libcurl's wake-up socket pair), and 8 of them fit with the database's and the
   process's own in the run's spare descriptors (RT_RUN_FDS). */
#define RT_CAPTURE_MAX_THREADS 8

enum {
    OPT_REVIDS = 1,
    OPT_COLUMN,
    OPT_ORDER,
    OPT_SEED,
    OPT_RATE,
    OPT_ARRIVALS,
    OPT_RAMP,
    OPT_USERS,
    OPT_WAIT,
    OPT_SPAWN_RATE,
    OPT_THREADS,
    OPT_DURATION,
    OPT_REQUESTS,
    OPT_LISTEN,
    OPT_PORT_FILE,
    OPT_FOLLOW,
    OPT_WIKI,
    OPT_FANOUT,
    OPT_STREAM_IDLE,
};

static const struct rt_opt workload_opts[] = {
    { "revids", 0, "FILE", OPT_REVIDS,
      "revision IDs to send: CSV/TSV, optionally .gz, with or without a header (required)" },
    { "column", 0, "NAME", OPT_COLUMN, "the rev-ID column when FILE has a header (rev_id)" },
    { "order", 0, "random|sequential", OPT_ORDER,
      "pick rev IDs at random (with replacement; default) or in file order, wrapping" },
    { "seed", 0, "N", OPT_SEED,
      "seed of arrivals, rev-ID order and think times (default: from the clock; recorded)" },
    { NULL, 0, NULL, 0, NULL },
};

static const struct rt_opt open_opts[] = {
    { "rate", 0, "RATE", OPT_RATE, "arrival rate, e.g. 42/s or 150000/h (with --ramp: the "
      "start rate, default 0)" },
    { "arrivals", 0, "poisson|constant", OPT_ARRIVALS,
      "random (Poisson, default) or evenly spaced arrivals" },
    { "ramp", 0, "STAGES", OPT_RAMP, "rate stages D:R,...: move linearly to R over D "
      "(0s:R is a step), e.g. 30s:10/s,5m:42/s" },
    { NULL, 0, NULL, 0, NULL },
};

static const struct rt_opt closed_opts[] = {
    { "users", 0, "N", OPT_USERS, "N users, each: send, wait for the answer, think, repeat" },
    { "wait", 0, "MIN-MAX", OPT_WAIT, "think time between a user's requests (default 1s-5s)" },
    { "spawn-rate", 0, "S", OPT_SPAWN_RATE,
      "users started per second; user k starts at k/S s (default 1)" },
    { "threads", 0, "N", OPT_THREADS, "send threads, the users dealt out among them (default "
      "1, at most 8); one keeps about 40,000 requests/s going to a fast server: raise it when "
      "analyze shows the client CPU near 100 % of a core" },
    { NULL, 0, NULL, 0, NULL },
};

static const struct rt_opt stop_opts[] = {
    { "duration", 0, "D", OPT_DURATION, "schedule no request after D, e.g. 2m (default: the "
      "ramp's length, else until interrupted)" },
    { "requests", 0, "N", OPT_REQUESTS, "stop after N requests (whichever comes first)" },
    { NULL, 0, NULL, 0, NULL },
};

static const struct rt_opt proxy_opts[] = {
    { "listen", 0, "ADDR:PORT", OPT_LISTEN, "be a recording proxy: forward every request "
      "received on ADDR:PORT to URL's origin and record it (no --revids; port 0 picks one)" },
    { "port-file", 0, "FILE", OPT_PORT_FILE, "with --listen: write the port listened on to "
      "FILE" },
    { NULL, 0, NULL, 0, NULL },
};

static const struct rt_opt follow_opts[] = {
    { "follow", 0, "STREAM_URL", OPT_FOLLOW, "instead of --revids: one request per edit of "
      "an EventStreams recentchange stream as it arrives (reconnects with Last-Event-ID)" },
    { "wiki", 0, "NAME", OPT_WIKI, "the wiki followed (default wikidatawiki)" },
    { "fanout", 0, "K", OPT_FANOUT, "K requests per edit (default 1)" },
    { "stream-idle", 0, "D", OPT_STREAM_IDLE, "a stream connection silent for D is dropped "
      "and resumed (default 60s)" },
    { NULL, 0, NULL, 0, NULL },
};

static const struct rt_opt_table capture_tables[] = {
    { "Workload", workload_opts },
    { "Live follow (instead of a workload)", follow_opts },
    { "Open loop (default)", open_opts },
    { "Closed loop (locust-like)", closed_opts },
    { "Stop", stop_opts },
    { "Recording proxy", proxy_opts },
    { "HTTP, storage and output (shared with replay)", rt_runopt_table },
    { NULL, NULL },
};

static const struct rt_cmd_spec capture_spec = {
    .name = "capture",
    .usage = "URL (--revids FILE | --follow STREAM_URL) [options]\n"
             "       revtrace capture UPSTREAM --listen ADDR:PORT [options]",
    .summary =
        "Send POST requests with {\"rev_id\": N} bodies to URL on a workload model's schedule\n"
        "and record every request's timing, status and answer into SQLite (--db).  Open loop\n"
        "(default): arrivals at --rate, fixed in advance from --seed; a slow server never\n"
        "slows the schedule, late sends are recorded as lag.  Closed loop: --users, like\n"
        "locust.  Ctrl-C stops cleanly: in-flight answers are awaited (a second Ctrl-C\n"
        "abandons them), the run is kept and marked interrupted.  With --listen: a recording\n"
        "proxy; the consumer's own requests are forwarded to UPSTREAM and recorded (kind proxy).",
    .tables = capture_tables,
    .examples =
        "  revtrace capture http://127.0.0.1:8080/v1/models/revertrisk-wikidata:predict \\\n"
        "      --revids data/revids.csv --rate 42/s --duration 10m\n"
        "  revtrace capture URL --revids ids.csv.gz --ramp 1m:10/s,10m:60/s --arrivals constant\n"
        "  revtrace capture URL --revids ids.csv --users 20 --wait 1s-5s --spawn-rate 2 \\\n"
        "      --duration 120s --name locust-like\n"
        "  revtrace capture https://api.wikimedia.org/service/lw/inference/v1/models/"
        "revertrisk-wikidata:predict \\\n"
        "      --revids ids.csv --rate 1/s --requests 100 -H @auth.txt   "
        "# the token in a file, not in argv\n"
        "  revtrace capture URL --follow https://stream.wikimedia.org/v2/stream/recentchange "
        "\\\n      --duration 1h --name live-edits\n"

        "  revtrace capture http://127.0.0.1:8080 --listen 127.0.0.1:8081 --duration 1h\n",
};

struct capture_args {
    struct rt_run_opts run;
    const char *revids, *column, *ramp_text;
    enum rt_order order;
    uint64_t seed;
    int have_seed;
    double rate_per_s;
    int have_rate;
    enum rt_arrivals arrivals;
    struct rt_ramp_stage *stages;   /* owned */
    size_t n_stages;
    int64_t users;
    int64_t wait_min_us, wait_max_us;
    double spawn_rate_per_s;
    int have_wait, have_spawn;
    int64_t threads;                /* --threads; 0: not given (one) */
    int64_t duration_us, requests;
    struct rt_proxy_opts proxy;
    int have_listen;
    const char *follow, *wiki;      /* --follow: a live stream instead of a workload */
    int64_t fanout;
    int64_t stream_idle_us;         /* --stream-idle; 0: not given */
};

/* --ramp: the stages, each rate at most 10,000,000/s. */
static int set_ramp(struct capture_args *a, const char *arg, char *err, size_t errlen)
{
    free(a->stages);
    a->stages = NULL;
    if (rt_ramp_parse(arg, &a->stages, &a->n_stages, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < a->n_stages; i++)
        if (a->stages[i].rate_per_s > 10e6)
            return rt_opt_fail(err, errlen, "stage %zu: rate above 10,000,000/s", i + 1);
    a->ramp_text = arg;
    return 0;
}

/* The load model's options: open loop (--rate, --arrivals, --ramp), closed loop (--users,
   --wait, --spawn-rate). */
static int apply_model(struct capture_args *a, int id, const char *arg, char *err,
                       size_t errlen)
{
    static const struct rt_opt_word arrivals[] = {
        { "poisson", RT_ARRIVALS_POISSON }, { "constant", RT_ARRIVALS_CONSTANT }, { NULL, 0 },
    };
    int64_t v;
    int k;
    switch (id) {
    case OPT_RATE:
        if (rt_parse_rate_per_s(arg, &a->rate_per_s) != 0 || a->rate_per_s > 10e6)
            return rt_opt_fail(err, errlen, "give a rate such as 42/s, 2500/min or 150000/h");
        a->have_rate = 1;
        return 0;
    case OPT_ARRIVALS:
        if (rt_opt_choose(arg, arrivals, &k, err, errlen) != 0)
            return -1;
        a->arrivals = (enum rt_arrivals)k;
        return 0;
    case OPT_RAMP:
        return set_ramp(a, arg, err, errlen);
    case OPT_USERS:
        if (rt_parse_count(arg, &v) != 0 || v < 1 || v > 1000000)
            return rt_opt_fail(err, errlen, "give a whole number of users from 1 to 1000000");
        a->users = v;
        return 0;
    case OPT_WAIT:
        if (rt_parse_duration_range(arg, &a->wait_min_us, &a->wait_max_us) != 0)
            return rt_opt_fail(err, errlen, "give MIN-MAX durations such as 1s-5s "
                               "(or one duration)");
        a->have_wait = 1;
        return 0;
    case OPT_SPAWN_RATE:
        /* locust takes a bare number of users per second; so do we, or a rate with a unit */
        if ((rt_parse_positive_real(arg, &a->spawn_rate_per_s) != 0 &&
             rt_parse_rate_per_s(arg, &a->spawn_rate_per_s) != 0) ||
            !(a->spawn_rate_per_s > 0))
            return rt_opt_fail(err, errlen, "give users per second above 0, e.g. 2 or 2/s");
        a->have_spawn = 1;
        return 0;
    case OPT_THREADS:
        if (rt_parse_count(arg, &v) != 0 || v < 1 || v > RT_CAPTURE_MAX_THREADS)
            return rt_opt_fail(err, errlen, "give a whole number of threads from 1 to %d",
                               RT_CAPTURE_MAX_THREADS);
        a->threads = v;
        return 0;
    default:
        return rt_opt_fail(err, errlen, "internal error: unknown option %d", id);
    }
}

/* The option handler: the rev-ID pool and the stop conditions here, the load model in
   apply_model, the shared options in tool/runopts. */
static int apply(void *ctx, int id, const char *arg, char *err, size_t errlen)
{
    static const struct rt_opt_word orders[] = {
        { "random", RT_ORDER_RANDOM }, { "sequential", RT_ORDER_SEQUENTIAL }, { NULL, 0 },
    };
    struct capture_args *a = ctx;
    int64_t v;
    int k;
    if (id >= RT_RUNOPT_FIRST && id < RT_RUNOPT_LAST)
        return rt_runopt_apply(&a->run, id, arg, err, errlen);
    switch (id) {
    case OPT_REVIDS:
        a->revids = arg;
        return 0;
    case OPT_COLUMN:
        if (!*arg)
            return rt_opt_fail(err, errlen, "give a column name");
        a->column = arg;
        return 0;
    case OPT_ORDER:
        if (rt_opt_choose(arg, orders, &k, err, errlen) != 0)
            return -1;
        a->order = (enum rt_order)k;
        return 0;
    case OPT_SEED:
        if (rt_parse_count(arg, &v) != 0)
            return rt_opt_fail(err, errlen, "give a non-negative whole number");
        a->seed = (uint64_t)v;
        a->have_seed = 1;
        return 0;
    case OPT_DURATION:
        if (rt_parse_duration_us(arg, &a->duration_us) != 0 || a->duration_us <= 0)
            return rt_opt_fail(err, errlen, "give a duration above 0 such as 30s, 10m or 1h");
        return 0;
    case OPT_REQUESTS:
        if (rt_parse_count(arg, &a->requests) != 0 || a->requests < 1)
            return rt_opt_fail(err, errlen, "give a whole number of requests, at least 1");
        return 0;
    case OPT_LISTEN:
        a->have_listen = 1;
        return rt_listen_parse(arg, &a->proxy.listen, err, errlen);
    case OPT_PORT_FILE:
        if (!*arg)
            return rt_opt_fail(err, errlen, "give a file name");
        a->proxy.port_file = arg;
        return 0;
    case OPT_FOLLOW:
        a->follow = arg;
        return 0;
    case OPT_WIKI:
        if (!*arg)
            return rt_opt_fail(err, errlen, "give a wiki name such as wikidatawiki");
        a->wiki = arg;
        return 0;
    case OPT_STREAM_IDLE:
        if (rt_parse_duration_us(arg, &a->stream_idle_us) != 0 ||
            a->stream_idle_us < 1000000 || a->stream_idle_us > 86400000000LL)
            return rt_opt_fail(err, errlen, "give a duration from 1s to 24h, e.g. 60s");
        return 0;
    case OPT_FANOUT:
        if (rt_parse_count(arg, &a->fanout) != 0 || a->fanout < 1 || a->fanout > 1000)
            return rt_opt_fail(err, errlen, "give a whole number from 1 to 1000");
        return 0;
    default:
        return apply_model(a, id, arg, err, errlen);
    }
}

/* Open loop: an arrival rate or a ramp was given (else --users, closed loop). */
static int open_loop(const struct capture_args *a)
{
    return a->have_rate || a->n_stages > 0;
}

/* The mean offered rate of an open-loop schedule over its length (for runs.offered_rate). */
static double mean_rate(const struct capture_args *a)
{
    if (a->n_stages == 0)
        return a->rate_per_s;
    double area = 0, t = 0, r = a->rate_per_s;
    double end = a->duration_us > 0 ? (double)a->duration_us / 1e6 : INFINITY;
    for (size_t i = 0; i < a->n_stages && t < end; i++) {
        double d = (double)a->stages[i].duration_us / 1e6;
        double r1 = a->stages[i].rate_per_s;
        if (t + d > end) {   /* cut inside the stage */
            double f = (end - t) / d;
            r1 = r + (r1 - r) * f;
            d = end - t;
        }
        area += (r + r1) / 2 * d;
        t += d;
        r = r1;
    }
    if (isfinite(end) && end > t) {
        area += r * (end - t);
        t = end;
    }
    return t > 0 ? area / t : r;
}

static json_t *workload_json(const struct capture_args *a, size_t pool)
{
    json_t *o = json_object();
    json_object_set_new(o, "command", json_string("capture"));
    json_object_set_new(o, "revids", json_string(a->revids));
    json_object_set_new(o, "column", a->column ? json_string(a->column) : json_null());
    json_object_set_new(o, "pool_size", json_integer((json_int_t)pool));
    json_object_set_new(o, "order", json_string(a->order == RT_ORDER_RANDOM ? "random"
                                                                           : "sequential"));
    json_object_set_new(o, "seed", json_integer((json_int_t)a->seed));
    json_object_set_new(o, "duration_us", a->duration_us ? json_integer(a->duration_us)
                                                         : json_null());
    json_object_set_new(o, "requests", a->requests ? json_integer(a->requests) : json_null());
    if (a->users > 0) {
        json_object_set_new(o, "model", json_string("closed"));
        json_object_set_new(o, "users", json_integer(a->users));
        json_object_set_new(o, "wait_min_us", json_integer(a->wait_min_us));
        json_object_set_new(o, "wait_max_us", json_integer(a->wait_max_us));
        json_object_set_new(o, "spawn_rate_per_s", json_real(a->spawn_rate_per_s));
    } else {
        json_object_set_new(o, "model", json_string("open"));
        json_object_set_new(o, "arrivals", json_string(a->arrivals == RT_ARRIVALS_POISSON
                                                       ? "poisson" : "constant"));
        json_object_set_new(o, "rate_per_s", a->have_rate ? json_real(a->rate_per_s)
                                                          : json_null());
        json_object_set_new(o, "ramp", a->ramp_text ? json_string(a->ramp_text)
                                                    : json_null());
    }
    return o;
}

/* The steps of capture_main; each returns RT_GO_ON or the exit status. */

/* --follow: the stream is the workload, so none of the workload model's options apply. */
static int check_follow(const struct capture_args *a)
{
    if (a->revids || a->column || a->have_seed || a->order != RT_ORDER_RANDOM)
        return rt_msg_usage("capture", "--follow takes its rev IDs from the stream: drop "
                            "--revids, --column, --order and --seed");
    if (a->have_rate || a->n_stages || a->users || a->have_wait || a->have_spawn ||
        a->threads || a->arrivals != RT_ARRIVALS_POISSON)
        return rt_msg_usage("capture", "--follow sends as the events arrive: drop --rate, "
                            "--ramp, --arrivals, --users, --wait, --spawn-rate and --threads");
    return RT_GO_ON;
}

/* capture --follow: the rest is capture/follow.c. */
static int follow(struct capture_args *a)
{
    struct capture_follow_opts o = {
        .stream_url = a->follow, .wiki = a->wiki, .fanout = a->fanout ? (int)a->fanout : 1,
        .duration_us = a->duration_us, .requests = a->requests,
        .idle_us = a->stream_idle_us,
    };
    return capture_follow(&a->run, &o);
}

/* The command line and the URL; --help ends here, with 0. */
static int parse_args(struct capture_args *a, int argc, char **argv)
{
    char err[1024] = "";
    int first = 0;
    int prc = rt_cli_parse(&capture_spec, argc, argv, apply, a, &first);
    if (prc == 1)
        return RT_EXIT_OK;
    if (prc != 0)
        return RT_EXIT_USAGE;
    if (first >= argc)
        return rt_msg_usage("capture", "give the URL to send to, e.g. "
                            "http://127.0.0.1:8080/v1/models/revertrisk-wikidata:predict");
    if (argc - first > 1)
        return rt_msg_usage("capture", "one URL only; '%s' is extra", argv[first + 1]);
    if (rt_runopt_finish(&a->run, argv[first], err, sizeof err) != 0)
        return rt_msg_usage("capture", "%s", err);
    if (a->have_listen && a->follow)
        return rt_msg_usage("capture", "choose --listen (a recording proxy) or --follow, "
                            "not both");
    if (a->have_listen)
        return RT_GO_ON;
    if (a->proxy.port_file)
        return rt_msg_usage("capture", "--port-file goes with --listen (the recording proxy)");
    if (a->follow)
        return check_follow(a);
    if (a->wiki || a->fanout || a->stream_idle_us)
        return rt_msg_usage("capture", "--wiki, --fanout and --stream-idle go with --follow "
                            "STREAM_URL");
    if (!a->revids)
        return rt_msg_usage("capture", "give the revision IDs to send with --revids FILE "
                            "(one per line, or a CSV with a rev_id column), follow a "
                            "stream with --follow STREAM_URL, or be a recording proxy with "
                            "--listen ADDR:PORT");
    if (rt_runopt_stdin_free(&a->run, "--revids", a->revids, err, sizeof err) != 0)
        return rt_msg_usage("capture", "%s", err);
    return RT_GO_ON;
}

/* The recording proxy: the traffic is the clients', so no workload options. */
static int check_proxy(const struct capture_args *a)
{
    if (a->revids || a->column || a->have_seed || open_loop(a) || a->users > 0 ||
        a->have_wait || a->have_spawn || a->threads || a->arrivals != RT_ARRIVALS_POISSON ||
        a->order != RT_ORDER_RANDOM || a->wiki || a->fanout || a->stream_idle_us)
        return rt_msg_usage("capture", "--listen records the clients' own requests: it takes "
                            "no --revids, rate, users or order options (only --duration and "
                            "--requests end it)");
    return RT_GO_ON;
}

/* One load model, its options only, and something to send. */
static int check_model(const struct capture_args *a)
{
    if (a->have_listen)
        return check_proxy(a);
    int open = open_loop(a);
    if (open && a->users > 0)
        return rt_msg_usage("capture", "choose open loop (--rate/--ramp) or closed loop "
                            "(--users), not both");
    if (!open && a->users == 0)
        return rt_msg_usage("capture", "give an arrival rate (--rate 42/s) or a number of "
                            "users (--users 20)");
    if (!open && a->arrivals != RT_ARRIVALS_POISSON)
        return rt_msg_usage("capture", "--arrivals applies to open loop (--rate) only");
    if (open && (a->have_wait || a->have_spawn))
        return rt_msg_usage("capture", "--wait and --spawn-rate apply to closed loop "
                            "(--users) only");
    if (open && a->threads)
        return rt_msg_usage("capture", "--threads applies to closed loop (--users) only: an "
                            "open-loop schedule is sent by one thread, which keeps up with "
                            "20,000 requests/s (docs/capture.md)");
    if (open && a->n_stages == 0 && !(a->rate_per_s > 0))
        return rt_msg_usage("capture", "--rate must be above 0");
    if (a->n_stages > 0) {
        int any = a->rate_per_s > 0;
        for (size_t i = 0; i < a->n_stages; i++)
            any |= a->stages[i].rate_per_s > 0;
        if (!any)
            return rt_msg_usage("capture", "--ramp: every rate is 0; nothing would be sent");
    }
    return RT_GO_ON;
}

/* The rev-ID pool, read whole before the database is touched. */
static int load_pool(const struct capture_args *a, struct rt_trace *trace)
{
    char err[1024] = "";
    struct rt_trace_opts topts = { .column = a->column, .need_time = 0 };
    if (rt_trace_load(a->revids, &topts, trace, err, sizeof err) == 0)
        return RT_GO_ON;
    rt_msg_error("%s", err);
    if (strstr(err, "column") != NULL)
        rt_msg_error("capture: nothing was sent or written; fix the file (or pick the "
                     "column with --column) and run again");
    else
        rt_msg_error("capture: nothing was sent or written; fix the file and run again");
    return RT_EXIT_USAGE;
}

/* The arrival schedule (sc is filled; it borrows from a and trace). */
static int make_schedule(const struct capture_args *a, const struct rt_trace *trace,
                         struct rt_schedule_config *sc, struct rt_schedule **sched)
{
    char err[1024] = "";
    memset(sc, 0, sizeof *sc);
    sc->arrivals = a->arrivals;
    sc->rate_per_s = a->rate_per_s;
    sc->stages = a->stages;
    sc->n_stages = a->n_stages;
    sc->duration_us = a->duration_us;
    sc->max_requests = a->requests;
    sc->seed = a->seed;
    sc->order = a->order;
    sc->pool = trace->rev_id;
    sc->n_pool = trace->n;
    sc->untimed = !open_loop(a);
    if (rt_schedule_new(sc, sched, err, sizeof err) != 0)
        return rt_msg_usage("capture", "%s", err);
    return RT_GO_ON;
}

/* Record the run (tool/session does the rest); returns its exit status. */
static int record(struct capture_args *a, const struct rt_schedule_config *sc,
                  struct rt_schedule *sched)
{
    int open = open_loop(a);
    json_t *config = workload_json(a, sc->n_pool);
    struct rt_session s;
    memset(&s, 0, sizeof s);
    s.cmd = "capture";
    s.opts = &a->run;
    s.run.name = a->run.name;
    s.run.kind = "capture";
    s.run.target = a->run.http.url;
    s.run.offered_rate_per_s = open ? mean_rate(a) : 0;
    s.config = config;
    s.load.closed_loop = !open;
    s.load.users = (int)a->users;
    s.load.spawn_rate_per_s = a->spawn_rate_per_s;
    s.load.wait_min_us = a->wait_min_us;
    s.load.wait_max_us = a->wait_max_us;
    s.load.duration_us = a->duration_us ? a->duration_us
                                        : (open ? rt_schedule_ramp_us(sc) : 0);
    s.load.max_requests = a->requests;
    s.load.seed = a->seed;
    s.load.threads = a->threads > 0 ? (int)a->threads : 1;
    if (!open)      /* the threads the engine will run (core/engine.h), as the run's record */
        json_object_set_new(config, "threads",
                            json_integer(rt_engine_send_threads(&s.load, &a->run.http)));
    s.next = rt_schedule_plan_next;
    s.next_ctx = sched;
    int rc = rt_session_run(&s);
    json_decref(config);
    return rc;
}

int capture_main(int argc, char **argv)
{
    struct capture_args a;
    struct rt_trace trace;
    struct rt_schedule_config sc;
    struct rt_schedule *sched = NULL;

    memset(&a, 0, sizeof a);
    memset(&trace, 0, sizeof trace);
    a.wait_min_us = 1000000;
    a.wait_max_us = 5000000;
    a.spawn_rate_per_s = 1;
    if (rt_runopt_init(&a.run) != 0) {
        rt_msg_error("out of memory");
        return RT_EXIT_RUNTIME;
    }
    int rc = parse_args(&a, argc, argv);
    if (rc == RT_GO_ON && a.follow)
        rc = follow(&a);
    if (rc == RT_GO_ON)
        rc = check_model(&a);
    if (rc == RT_GO_ON && a.have_listen) {
        a.proxy.duration_us = a.duration_us;
        a.proxy.requests = a.requests;
        json_t *config = json_object();
        rc = config ? rt_proxy_run(&a.run, &a.proxy, config) : RT_EXIT_RUNTIME;
        json_decref(config);
    }
    if (rc == RT_GO_ON && !a.have_seed) {
        a.seed = (uint64_t)rt_wall_us() ^ ((uint64_t)getpid() << 32);
        a.seed &= 0x7fffffffffffffffULL;   /* stays an int64 in config_json */
    }
    if (rc == RT_GO_ON)
        rc = load_pool(&a, &trace);
    if (rc == RT_GO_ON)
        rc = make_schedule(&a, &trace, &sc, &sched);
    if (rc == RT_GO_ON)
        rc = record(&a, &sc, sched);

    rt_schedule_free(sched);
    rt_trace_free(&trace);
    free(a.stages);
    rt_runopt_free(&a.run);
    return rc;
}
