/*
 * options.c - the command line of `revtrace emulate`: the option table, its handlers and the
 * checks across options, turning argv into a struct emu_config.
 *
 * The one table feeds both getopt_long and --help (tool/cli).  Its three groups (server, model,
 * faults) are also the three handlers: on_opt only routes an option id to its group, each group
 * is a short switch, and a value kind used by several options (a duration, a ratio) is
 * converted by one helper that also writes its "want ..." message.  After parsing,
 * finish_config applies the profile and its overrides.  This file is apart from the main
 * (emulate.c) so that the unit tests can parse argument vectors and look at the configuration.
 */
#include "emulate/emulate.h"

#include <stdlib.h>
#include <string.h>

#include "tool/cli.h"
#include "core/units.h"

/* Ids in three ranges, one per group of the table; on_opt routes by range. */
enum {
    O_LISTEN, O_PORT_FILE, O_THREADS, O_QUIET,
    O_PROFILE, O_DESCRIBE, O_SEED, O_DELAY_MEDIAN, O_DELAY_P90, O_REPLICAS, O_MODEL_VERSION,
    O_START_DELAY, O_GATEWAY_TIMEOUT,
    O_ERROR_RATIO, O_RATE_LIMIT, O_RATE_BURST, O_STALL_RATIO, O_STALL_TIME, O_RESET_RATIO,
    O_HUGE_RATIO, O_HUGE_SIZE, O_MAX_BODY,
    O_STREAM_RATE, O_STREAM_EVENTS, O_STREAM_DROP
};

static const struct rt_opt server_opts[] = {
    { "listen", 'l', "ADDR:PORT", O_LISTEN,
      "address to listen on: IPv4 or [IPv6] (default 127.0.0.1:8080; port 0 picks a "
      "free one)" },
    { "port-file", 0, "FILE", O_PORT_FILE,
      "write the port number there once accepting (atomic rename)" },
    { "threads", 0, "N", O_THREADS, "HTTP threads, each its own event loop (default 2)" },
    { "quiet", 'q', NULL, O_QUIET, "no start-up line on stderr" },
    { NULL, 0, NULL, 0, NULL },
};

static const struct rt_opt model_opts[] = {
    { "profile", 'p', "NAME", O_PROFILE,
      "fast (no added delay), staging (1 replica) or prod (5-15 replicas); default fast" },
    { "describe", 0, NULL, O_DESCRIBE,
      "print every model parameter and the published figure it was fitted to, then exit" },
    { "seed", 0, "N", O_SEED, "seed of every random choice (default 1)" },
    { "delay-median", 0, "D", O_DELAY_MEDIAN,
      "fast profile: add a lognormal delay with this median (e.g. 200ms)" },
    { "delay-p90", 0, "D", O_DELAY_P90, "... and this 90th percentile (default 1.5 x median)" },
    { "replicas", 0, "N|MIN-MAX", O_REPLICAS,
      "staging/prod: override the replica count or autoscaling bounds" },
    { "start-delay", 0, "D", O_START_DELAY, "prod: time for a new replica to become ready" },
    { "gateway-timeout", 0, "D", O_GATEWAY_TIMEOUT,
      "staging/prod: the gateway answers 502 after this (0: never)" },
    { "model-version", 0, "STR", O_MODEL_VERSION, "model_version in answers (default \"1\")" },
    { NULL, 0, NULL, 0, NULL },
};

static const struct rt_opt fault_opts[] = {
    { "error-ratio", 0, "STATUS:R", O_ERROR_RATIO,
      "answer STATUS to a ratio R of requests, e.g. 503:0.01 or 500:2% (repeatable)" },
    { "rate-limit", 0, "RATE", O_RATE_LIMIT,
      "token bucket, e.g. 200000/h; beyond it 429 with Retry-After" },
    { "rate-burst", 0, "N", O_RATE_BURST, "bucket size (default one second of the rate, >= 1)" },
    { "stall-ratio", 0, "R", O_STALL_RATIO,
      "hold a ratio R of requests without answer, then close the connection" },
    { "stall-time", 0, "D", O_STALL_TIME, "how long a stall lasts (default 60s)" },
    { "reset-ratio", 0, "R", O_RESET_RATIO, "reset the connection (RST) for a ratio R" },
    { "huge-ratio", 0, "R", O_HUGE_RATIO, "pad a ratio R of answers to --huge-size" },
    { "huge-size", 0, "SIZE", O_HUGE_SIZE, "size of a huge answer (default 16M)" },
    { "max-body", 0, "SIZE", O_MAX_BODY, "largest request body accepted (default 64k; 413)" },
    { NULL, 0, NULL, 0, NULL },
};

static const struct rt_opt stream_opts[] = {
    { "stream-rate", 0, "R", O_STREAM_RATE,
      "also serve GET /v2/stream/recentchange: a synthetic EventStreams feed of R wikidatawiki "
      "edits per second (Poisson, with some other-wiki and log events; Last-Event-ID resumes)" },
    { "stream-events", 0, "N", O_STREAM_EVENTS, "end the feed after its N-th edit (then 204)" },
    { "stream-drop-after", 0, "N", O_STREAM_DROP,
      "cut each stream connection after N events (to test reconnects)" },
    { NULL, 0, NULL, 0, NULL },
};

static const struct rt_opt_table tables[] = {
    { "Server", server_opts },
    { "Model", model_opts },
    { "Faults (deterministic per request number with --seed)", fault_opts },
    { "Event stream", stream_opts },
    { NULL, NULL },
};

static const struct rt_cmd_spec spec = {
    "emulate",
    "[--listen ADDR:PORT] [--profile fast|staging|prod] [options]",
    "A local stand-in for the LiftWing revertrisk-wikidata service: POST\n"
    "/v1/models/NAME:predict with {\"rev_id\": N} answers a deterministic prediction per rev ID;\n"
    "GET /v1/models/NAME is readiness.  staging and prod model the real service (upstream\n"
    "wait, CPU on 2-CPU replicas, queueing, gateway 502s, Knative autoscaling for prod),\n"
    "calibrated on the published locust runs; waits are timers, not threads.  SIGINT or\n"
    "SIGTERM stop it (exit 0).  docs/emulate.md explains the model.",
    tables,
    "  revtrace emulate &                                    # fast, on 127.0.0.1:8080\n"
    "  revtrace emulate --profile prod --listen 127.0.0.1:9000\n"
    "  revtrace emulate --profile staging --describe\n"
    "  revtrace emulate --delay-median 200ms --delay-p90 450ms --seed 7\n"
    "  revtrace emulate --error-ratio 503:1% --rate-limit 200000/h --reset-ratio 0.001\n"
    "  revtrace emulate --stream-rate 20     # + GET /v2/stream/recentchange, 20 edits/s\n",
};

/* What parsing needs beyond cfg: overrides are applied after the profile is known. */
struct parse_ctx {
    struct emu_config *cfg;                     /* borrowed; filled in place */
    int64_t delay_median_us, delay_p90_us;      /* -1: not given */
    int replicas_min, replicas_max;             /* 0: not given */
    int64_t start_delay_us, gateway_timeout_us; /* -1: not given */
};

static int want_duration(const char *arg, int64_t *out_us, const char *example, char *err,
                         size_t errlen)
{
    if (rt_parse_duration_us(arg, out_us) == 0)
        return 0;
    return rt_opt_fail(err, errlen, "want a duration such as %s", example);
}

static int want_ratio(const char *arg, double *out, char *err, size_t errlen)
{
    if (rt_parse_ratio(arg, out) == 0)
        return 0;
    return rt_opt_fail(err, errlen, "want a ratio in [0, 1] such as 0.01 or 1%%");
}

/* N or MIN-MAX, 1 <= MIN <= MAX <= 64. */
static int parse_replicas(struct parse_ctx *px, const char *arg, char *err, size_t errlen)
{
    char *end;
    long a = strtol(arg, &end, 10), b = a;
    if (*end == '-')
        b = strtol(end + 1, &end, 10);
    if (*end || a < 1 || b < a || b > 64)
        return rt_opt_fail(err, errlen, "want N or MIN-MAX within 1-64");
    px->replicas_min = (int)a;
    px->replicas_max = (int)b;
    return 0;
}

/* STATUS:RATIO, appended to cfg->errors. */
static int parse_error_rule(struct emu_config *cfg, const char *arg, char *err, size_t errlen)
{
    char *end;
    double d;
    long st = strtol(arg, &end, 10);
    if (*end != ':' || st < 100 || st > 599 || rt_parse_ratio(end + 1, &d) != 0)
        return rt_opt_fail(err, errlen, "want STATUS:RATIO such as 503:0.01");
    if (cfg->n_errors == EMU_MAX_ERROR_RULES)
        return rt_opt_fail(err, errlen, "at most %d --error-ratio rules", EMU_MAX_ERROR_RULES);
    cfg->errors[cfg->n_errors].status = (int)st;
    cfg->errors[cfg->n_errors++].ratio = d;
    return 0;
}

static int on_opt(void *vctx, int id, const char *arg, char *err, size_t errlen)
{
    struct parse_ctx *px = vctx;
    struct emu_config *cfg = px->cfg;
    int64_t v;
    double d;
    switch (id) {
    case O_LISTEN:
        return rt_listen_parse(arg, &cfg->listen, err, errlen);
    case O_PORT_FILE:
        cfg->port_file = arg;
        return 0;
    case O_THREADS:
        if (rt_parse_count(arg, &v) != 0 || v < 1 || v > EMU_MAX_THREADS)
            return rt_opt_fail(err, errlen, "want a number from 1 to 64");
        cfg->threads = (int)v;
        return 0;
    case O_QUIET:
        cfg->quiet = 1;
        return 0;
    case O_PROFILE:
        if (rt_emu_profile(arg, &cfg->params) != 0)
            return rt_opt_fail(err, errlen, "want fast, staging or prod");
        return 0;
    case O_DESCRIBE:
        cfg->describe = 1;
        return 0;
    case O_SEED:
        if (rt_parse_count(arg, &v) != 0)
            return rt_opt_fail(err, errlen, "want a non-negative integer");
        cfg->seed = (uint64_t)v;
        return 0;
    case O_DELAY_MEDIAN:
        return want_duration(arg, &px->delay_median_us, "200ms", err, errlen);
    case O_DELAY_P90:
        return want_duration(arg, &px->delay_p90_us, "450ms", err, errlen);
    case O_REPLICAS:
        return parse_replicas(px, arg, err, errlen);
    case O_START_DELAY:
        return want_duration(arg, &px->start_delay_us, "30s", err, errlen);
    case O_GATEWAY_TIMEOUT:
        return want_duration(arg, &px->gateway_timeout_us, "45s", err, errlen);
    case O_MODEL_VERSION:
        cfg->model_version = arg;
        return 0;
    case O_ERROR_RATIO:
        return parse_error_rule(cfg, arg, err, errlen);
    case O_RATE_LIMIT:
        if (rt_parse_rate_per_s(arg, &d) != 0 || d <= 0)
            return rt_opt_fail(err, errlen, "want a positive rate such as 200000/h");
        cfg->rate_limit_per_s = d;
        return 0;
    case O_RATE_BURST:
        if (rt_parse_count(arg, &v) != 0 || v < 1)
            return rt_opt_fail(err, errlen, "want a positive integer");
        cfg->rate_burst = (double)v;
        return 0;
    case O_STALL_RATIO:
        return want_ratio(arg, &cfg->stall_ratio, err, errlen);
    case O_RESET_RATIO:
        return want_ratio(arg, &cfg->reset_ratio, err, errlen);
    case O_HUGE_RATIO:
        return want_ratio(arg, &cfg->huge_ratio, err, errlen);
    case O_STALL_TIME:
        return want_duration(arg, &cfg->stall_us, "60s", err, errlen);
    case O_HUGE_SIZE:
        if (rt_parse_size(arg, &cfg->huge_bytes) != 0)
            return rt_opt_fail(err, errlen, "want a size such as 16M");
        return 0;
    case O_STREAM_RATE:
        /* a bare number is per second here: the feed's rate has one natural unit */
        if ((rt_parse_positive_real(arg, &d) != 0 && rt_parse_rate_per_s(arg, &d) != 0) ||
            !(d > 0) || d > 1e6)
            return rt_opt_fail(err, errlen, "want a rate such as 200 (per second) or 50/s");
        cfg->stream_rate_per_s = d;
        return 0;
    case O_STREAM_EVENTS:
        if (rt_parse_count(arg, &cfg->stream_events) != 0 || cfg->stream_events < 1)
            return rt_opt_fail(err, errlen, "want a positive number of events");
        return 0;
    case O_STREAM_DROP:
        if (rt_parse_count(arg, &cfg->stream_drop_after) != 0 || cfg->stream_drop_after < 1)
            return rt_opt_fail(err, errlen, "want a positive number of events");
        return 0;
    case O_MAX_BODY:
        if (rt_parse_size(arg, &cfg->max_body_bytes) != 0 || cfg->max_body_bytes < 16)
            return rt_opt_fail(err, errlen, "want a size of at least 16 bytes, e.g. 64k");
        return 0;
    }
    return rt_opt_fail(err, errlen, "unhandled option");
}

/* Profile plus overrides into cfg->params; returns 0 or a usage exit status. */
static int finish_config(struct parse_ctx *px)
{
    struct emu_config *cfg = px->cfg;
    struct rt_emu_params *p = &cfg->params;
    char err[256];
    int have_delay = px->delay_median_us >= 0 || px->delay_p90_us >= 0;
    if (have_delay) {
        if (p->kind != RT_EMU_NONE)
            return rt_msg_usage("emulate", "--delay-median/--delay-p90 go with --profile fast; "
                                "staging and prod have their own calibrated delays");
        if (px->delay_median_us < 0)
            return rt_msg_usage("emulate", "--delay-p90 needs --delay-median");
        p->kind = RT_EMU_DELAY;
        p->delay_median_us = px->delay_median_us;
        p->delay_p90_us = px->delay_p90_us >= 0 ? px->delay_p90_us
                                                : px->delay_median_us * 3 / 2;
        if (p->delay_p90_us < p->delay_median_us)
            return rt_msg_usage("emulate", "--delay-p90 (%lld us) is below --delay-median "
                                "(%lld us)", (long long)p->delay_p90_us,
                                (long long)p->delay_median_us);
    }
    if (p->kind != RT_EMU_SERVICE &&
        (px->replicas_min || px->start_delay_us >= 0 || px->gateway_timeout_us >= 0))
        return rt_msg_usage("emulate", "--replicas, --start-delay and --gateway-timeout "
                            "apply to --profile staging or prod");
    if (px->replicas_min) {
        p->replicas_min = px->replicas_min;
        p->replicas_max = px->replicas_max;
    }
    if (px->start_delay_us >= 0)
        p->replica_start_us = px->start_delay_us;
    if (px->gateway_timeout_us >= 0)
        p->gateway_timeout_us = px->gateway_timeout_us;
    if (rt_emu_params_check(p, err, sizeof err) != 0)
        return rt_msg_usage("emulate", "%s", err);
    double sum = 0;
    for (int i = 0; i < cfg->n_errors; i++)
        sum += cfg->errors[i].ratio;
    if (sum > 1.0 + 1e-9)
        return rt_msg_usage("emulate", "the --error-ratio ratios add up to %.3f, more than 1",
                            sum);
    if (!(cfg->stream_rate_per_s > 0) && (cfg->stream_events || cfg->stream_drop_after))
        return rt_msg_usage("emulate", "--stream-events and --stream-drop-after go with "
                            "--stream-rate");
    if (cfg->rate_limit_per_s > 0 && cfg->rate_burst == 0)
        cfg->rate_burst = cfg->rate_limit_per_s < 1 ? 1 : cfg->rate_limit_per_s;
    return 0;
}

int emu_config_parse(struct emu_config *cfg, int argc, char **argv)
{
    memset(cfg, 0, sizeof *cfg);
    char lerr[128];
    if (rt_listen_parse("127.0.0.1:8080", &cfg->listen, lerr, sizeof lerr) != 0)
        return rt_msg_usage("emulate", "%s", lerr);     /* cannot happen */
    cfg->seed = 1;
    cfg->threads = 2;
    cfg->model_version = "1";
    cfg->max_body_bytes = 64 * 1024;
    cfg->stall_us = 60000000;
    cfg->huge_bytes = 16 * 1024 * 1024;
    rt_emu_profile("fast", &cfg->params);
    struct parse_ctx px = { cfg, -1, -1, 0, 0, -1, -1 };
    int first = 0;
    int rc = rt_cli_parse(&spec, argc, argv, on_opt, &px, &first);
    if (rc != 0)
        return rc;
    if (first < argc)
        return rt_msg_usage("emulate", "unexpected argument '%s'", argv[first]);
    return finish_config(&px);
}
