/*
 * replay.c - `revtrace replay URL (--from DB[:RUN] | --trace FILE) [--speed F] [options]`:
 * re-issue a recorded run or a timed trace at a speed factor, as a new run of kind 'replay'.
 *
 * This file only decides WHAT to send: it reads the source, checks it, and hands the engine a
 * plan source (rt_plan_next_fn) built on replay/replayplan.c.  HOW it is sent and recorded is
 * the same code as capture's: rt_runopt_table for the HTTP/storage options and rt_session_run
 * for the store, the writer thread, signals, --start-at countdown, progress and summary.
 *
 * Every input check happens before rt_session_run, so a bad input writes nothing: the source
 * is read twice, once here to validate and count (empty source, a trace whose timestamps go
 * backwards, an empty shard) and once during the run.  A recorded source is opened read-only
 * and read through a store cursor in chunks of RT_SRC_CHUNK rows by seq (the primary key), so
 * memory stays flat in the source's length and no read transaction stays open between
 * chunks (the source may be the very file the replay writes to, whose WAL must be able to
 * checkpoint); a trace file is small enough to hold (rt_trace_load).
 * replay_main reads as the steps: options, source, checks, the run's identity and config,
 * the session; each step returns RT_GO_ON or the exit status to end with.
 * Schedule: the source's *scheduled* times (requests.scheduled_us), not its sent times, so a
 * source that lagged does not pass its lag on.  The replay keeps the source's seq.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "commands.h"
#include "tool/cli.h"
#include "core/clock.h"
#include "core/store.h"
#include "replay/replayplan.h"
#include "tool/runopts.h"
#include "tool/session.h"
#include "core/trace.h"
#include "core/units.h"

#define RT_SRC_CHUNK 1024   /* rows per read: ~0.15 ms, taken in the slack after a send */

enum { O_FROM = 1, O_TRACE, O_SPEED, O_SHARD, O_START_AT, O_LIMIT, O_GROUP, O_COLUMN, O_WIKI };

static const struct rt_opt replay_opts[] = {
    { "from", 0, "DB[:RUN]", O_FROM, "a recorded run (id, uuid, name; default the latest)" },
    { "trace", 0, "FILE", O_TRACE, "a timed trace: CSV/TSV(.gz), timestamp and rev_id; or a "
      "saved EventStreams recentchange capture (SSE or JSON lines)" },
    { "column", 0, "NAME", O_COLUMN, "the trace's rev-ID column (default rev_id)" },
    { "wiki", 0, "NAME", O_WIKI, "an EventStreams capture: the wiki kept (default "
      "wikidatawiki)" },
    { "speed", 0, "F", O_SPEED, "divide the gaps by F (default 1; e.g. 0.5, 2, 5)" },
    { "limit", 0, "N", O_LIMIT, "only the first N requests of the source" },
    { "shard", 0, "I/N", O_SHARD, "only the requests with seq % N == I (I from 0)" },
    { "start-at", 0, "TIME", O_START_AT, "UTC time of scheduled time 0 (waits, counting down)" },
    { "group", 0, "ID", O_GROUP, "the shards' group id (default derived, see docs)" },
    { NULL, 0, NULL, 0, NULL },
};

static const struct rt_opt_table replay_tables[] = {
    { "Source and schedule", replay_opts },
    { "HTTP and storage (as capture)", rt_runopt_table },
    { NULL, NULL },
};

static const struct rt_cmd_spec replay_spec = {
    "replay",
    "URL (--from DB[:RUN] | --trace FILE) [--speed F] [options]",
    "Re-issue a recorded run, or a timed trace file, at a speed factor: request i is sent at\n"
    "(t_i - t_0) / F after the start, with the same rev ID, in the same order.  The times are\n"
    "the source's scheduled times, so a source that lagged does not pass its lag on.  The\n"
    "result is a new run of kind 'replay' in --db, linked to its source.  Several machines\n"
    "share the work with --shard I/N and a common --start-at.",
    replay_tables,
    "  revtrace replay $URL --from revtrace.db:baseline --speed 5 --name x5\n"
    "  revtrace replay $URL --from capture.db --db replays.db --speed 2 --limit 10000\n"
    "  revtrace replay $URL --trace data/wikidata-synthetic-1h.csv.gz --speed 5\n"
    "  revtrace replay $URL --trace rc.sse.gz --speed 5   # a saved recentchange stream\n"
    "  revtrace replay $URL --trace t.csv --shard 0/3 --start-at 2026-01-05T10:00:00Z "
    "--db shard0.db\n",
};

struct replay_args {
    struct rt_run_opts run;          /* owned */
    const char *from;                /* borrowed from argv */
    const char *trace;
    const char *column;
    const char *wiki;                /* --wiki: an EventStreams capture's wiki */
    const char *group;
    double speed;
    int speed_given;
    int shard_index, shard_count;
    const char *shard_text;
    int64_t start_at_unix_us;        /* 0: now */
    const char *start_at_text;
    int64_t limit;                   /* 0: all */
};

static int apply(void *ctx, int id, const char *arg, char *err, size_t errlen)
{
    struct replay_args *a = ctx;
    if (id >= RT_RUNOPT_FIRST && id < RT_RUNOPT_LAST)
        return rt_runopt_apply(&a->run, id, arg, err, errlen);
    switch (id) {
    case O_FROM:
        a->from = arg;
        return 0;
    case O_TRACE:
        a->trace = arg;
        return 0;
    case O_COLUMN:
        a->column = arg;
        return 0;
    case O_WIKI:
        a->wiki = arg;
        return 0;
    case O_SPEED: {
        /* "5x" reads as 5: people write speeds that way. */
        char buf[64];
        size_t len = strlen(arg);
        if (len > 1 && len < sizeof buf && (arg[len - 1] == 'x' || arg[len - 1] == 'X')) {
            memcpy(buf, arg, len - 1);
            buf[len - 1] = '\0';
            arg = buf;
        }
        if (rt_parse_positive_real(arg, &a->speed) != 0 || !(a->speed > 0) ||
            !isfinite(a->speed)) {
            snprintf(err, errlen, "the speed must be a positive number, e.g. 0.5, 1, 2 or 5");
            return -1;
        }
        a->speed_given = 1;
        return 0;
    }
    case O_LIMIT:
        if (rt_parse_count(arg, &a->limit) != 0 || a->limit <= 0) {
            snprintf(err, errlen, "expected a positive whole number of requests");
            return -1;
        }
        return 0;
    case O_SHARD:
        a->shard_text = arg;
        return rt_replayplan_parse_shard(arg, &a->shard_index, &a->shard_count, err, errlen);
    case O_START_AT:
        if (rt_parse_time_utc(arg, &a->start_at_unix_us) != 0) {
            snprintf(err, errlen, "expected a UTC time such as 2026-01-05T10:00:00Z or Unix "
                     "seconds");
            return -1;
        }
        a->start_at_text = arg;
        return 0;
    case O_GROUP:
        if (!*arg || strlen(arg) > 128) {
            snprintf(err, errlen, "a group id is 1 to 128 characters");
            return -1;
        }
        a->group = arg;
        return 0;
    }
    snprintf(err, errlen, "unknown option");
    return -1;
}

/* ---- the plan source: one iterator over a trace or a recorded run ---------------------- */

struct src_row { int64_t seq, rev_id, t_us; };

struct replay_src {
    struct rt_replayplan plan;
    int clamp_backwards;             /* recorded run: a time earlier than the previous one is
                                        sent right after it (closed-loop sources) */
    int64_t clamped;
    int64_t no_rev;                  /* recorded run: rows without a rev_id, skipped (a
                                        recording proxy's GETs and unreadable bodies) */
    /* trace */
    const struct rt_trace *trace;    /* borrowed */
    size_t pos;
    /* recorded run */
    struct rt_store_cursor *cur;     /* owned, on the source's read-only store */
    int ended;
    const char *what;                /* for messages */
};

/* Pull the next source row: 1, 0 at the end, -1 on error. */
static int src_row(struct replay_src *s, struct src_row *r, char *err, size_t errlen)
{
    if (s->trace) {
        if (s->pos >= s->trace->n)
            return 0;
        r->seq = (int64_t)s->pos;
        r->rev_id = s->trace->rev_id[s->pos];
        r->t_us = s->trace->t_unix_us[s->pos];
        s->pos++;
        return 1;
    }
    struct rt_store_row row;
    char why[512];
    why[0] = '\0';
    int rc;
    while ((rc = rt_store_cursor_next(s->cur, &row, why, sizeof why)) == 1 && row.rev_id <= 0)
        s->no_rev++;
    if (rc < 0) {
        snprintf(err, errlen, "reading %s: %s", s->what, why);
        return -1;
    }
    if (rc == 1) {
        r->seq = row.seq;
        r->rev_id = row.rev_id;
        r->t_us = row.scheduled_us;
    }
    return rc;
}

/* rt_plan_next_fn */
static int src_next(void *ctx, struct rt_plan_item *it, char *err, size_t errlen)
{
    struct replay_src *s = ctx;
    struct src_row r;
    while (!s->ended) {
        int rc = src_row(s, &r, err, errlen);
        if (rc <= 0)
            return rc;
        if (s->clamp_backwards && s->plan.fed > 0 && r.t_us < s->plan.last_src_us) {
            r.t_us = s->plan.last_src_us;
            s->clamped++;
        }
        rc = rt_replayplan_feed(&s->plan, r.seq, r.rev_id, r.t_us, it);
        if (rc == RT_REPLAYPLAN_KEEP)
            return 1;
        if (rc == RT_REPLAYPLAN_END)
            s->ended = 1;
        else if (rc == RT_REPLAYPLAN_EBACK) {
            snprintf(err, errlen, "%s: the time of request %lld goes backwards", s->what,
                     (long long)r.seq);
            return -1;
        }
    }
    return 0;
}

static void src_reset(struct replay_src *s, const struct rt_replayplan_cfg *cfg)
{
    rt_replayplan_init(&s->plan, cfg);
    s->clamped = 0;
    s->no_rev = 0;
    s->pos = 0;
    if (s->cur)
        rt_store_cursor_rewind(s->cur);
    s->ended = 0;
}

/* What the validation pass found. */
struct src_stats {
    int64_t fed;             /* source requests within --limit */
    int64_t kept;            /* of them, this shard's */
    int64_t first_sched_us, last_sched_us;   /* of this shard's */
    int64_t span_src_us;     /* source span within --limit */
    int64_t clamped;
    int64_t no_rev;          /* source rows without a rev_id, skipped */
};

static int src_scan(struct replay_src *s, const struct rt_replayplan_cfg *cfg,
                    struct src_stats *st, char *err, size_t errlen)
{
    struct rt_plan_item it;
    int rc;
    memset(st, 0, sizeof *st);
    src_reset(s, cfg);
    while ((rc = src_next(s, &it, err, errlen)) == 1) {
        if (st->kept == 0)
            st->first_sched_us = it.scheduled_us;
        st->last_sched_us = it.scheduled_us;
        st->kept++;
    }
    if (rc < 0)
        return -1;
    st->fed = s->plan.fed;
    st->span_src_us = s->plan.fed > 0 ? s->plan.last_src_us - s->plan.t0_src_us : 0;
    st->clamped = s->clamped;
    st->no_rev = s->no_rev;
    src_reset(s, cfg);
    return 0;
}

/* ---- --from DB[:RUN] ------------------------------------------------------------------- */

static int is_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/*
 * Split "DB[:RUN]": the whole string when it names a file, else the shortest prefix before a
 * ':' that names a file (so a run name may hold ':', e.g. one with a time in it).
 * *db is a new string (caller frees); *run points into from or is NULL.  -1: no such file.
 */
static int split_from(const char *from, char **db, const char **run)
{
    *run = NULL;
    if (is_file(from)) {
        *db = strdup(from);
        return *db ? 0 : -1;
    }
    for (const char *c = strchr(from, ':'); c; c = strchr(c + 1, ':')) {
        char *p = strndup(from, (size_t)(c - from));
        if (!p)
            return -1;
        if (is_file(p)) {
            *db = p;
            *run = c[1] ? c + 1 : NULL;
            return 0;
        }
        free(p);
    }
    return -1;
}

/* ---- the steps of replay_main ---------------------------------------------------------- */

/* Each step returns RT_GO_ON or the exit status (tool/cli.h). */

/* Everything one replay holds; freed by replay_free. */
struct replay {
    struct replay_args a;
    struct rt_replayplan_cfg cfg;
    struct replay_src src;
    struct rt_trace trace;           /* --trace: owned */
    struct rt_store *srcdb;          /* --from: owned, read-only */
    struct rt_run_info ri;           /* --from: the source run, owned */
    char *src_db_path;               /* --from: owned */
    char source_key[64];             /* the source's identity, for the group id */
    char what[1200];                 /* the source, for messages */
    struct src_stats st;
    char shard[32], group[160];      /* the new run's; empty: none */
    json_t *config;                  /* owned */
};

static void replay_free(struct replay *r)
{
    json_decref(r->config);
    rt_store_cursor_close(r->src.cur);
    rt_run_info_free(&r->ri);
    rt_store_close(r->srcdb);
    free(r->src_db_path);
    rt_trace_free(&r->trace);
    rt_runopt_free(&r->a.run);
}

/* Options and arguments, and the checks that need nothing else. */
static int parse_args(struct replay *r, int argc, char **argv)
{
    struct replay_args *a = &r->a;
    char err[1024] = "";
    int first = 0;
    int prc = rt_cli_parse(&replay_spec, argc, argv, apply, a, &first);
    if (prc != 0)
        return prc == 1 ? RT_EXIT_OK : RT_EXIT_USAGE;
    if (first >= argc)
        return rt_msg_usage("replay", "missing the target URL (e.g. "
                            "http://127.0.0.1:8080/v1/models/revertrisk-wikidata:predict)");
    if (argc - first > 1)
        return rt_msg_usage("replay", "unexpected argument '%s' after the URL",
                            argv[first + 1]);
    if (!a->from == !a->trace)
        return rt_msg_usage("replay", a->from ? "give either --from or --trace, not both"
                            : "missing the source: --from DB[:RUN] (a recorded run) or "
                              "--trace FILE (a timed trace)");
    if (a->column && !a->trace)
        return rt_msg_usage("replay", "--column applies to --trace only");
    if (rt_runopt_stdin_free(&a->run, "--trace", a->trace, err, sizeof err) != 0)
        return rt_msg_usage("replay", "%s", err);
    if (a->wiki && !a->trace)
        return rt_msg_usage("replay", "--wiki applies to --trace only (an EventStreams "
                            "capture)");
    if (rt_runopt_finish(&a->run, argv[first], err, sizeof err) != 0)
        return rt_msg_usage("replay", "%s", err);
    if (a->start_at_unix_us != 0 && a->start_at_unix_us <= rt_wall_us()) {
        char now[40];
        return rt_msg_usage("replay", "--start-at %s is in the past (it is now %s UTC); give "
                            "a time a little ahead, the same on every shard",
                            a->start_at_text, rt_iso8601_utc_s(now, sizeof now, rt_wall_us()));
    }
    r->cfg = (struct rt_replayplan_cfg){ a->speed, a->shard_index, a->shard_count, a->limit };
    return RT_GO_ON;
}

/* What an EventStreams capture held: the rows are its kept events. */
static void report_events(const char *path, const struct rt_trace *t, const char *wiki)
{
    rt_msg_info("%s: kept %zu events of %s edit/new, skipped %zu (other wikis %zu, other "
                "types %zu)", path, t->n, wiki ? wiki : "wikidatawiki",
                t->skipped_wiki + t->skipped_type, t->skipped_wiki, t->skipped_type);
    if (t->reordered)
        rt_msg_info("%s: %zu events came after a later meta.dt; the trace is in meta.dt order",
                    path, t->reordered);
    if (t->dropped_last)
        rt_msg_warn("%s: the last event was cut off (no blank line after it) and is left out",
                    path);
}

/* --trace FILE: load it and refuse times that go backwards. */
static int open_trace(struct replay *r)
{
    char err[1024] = "";
    struct rt_trace *t = &r->trace;
    struct rt_trace_opts topts = { r->a.column, 1, r->a.wiki };
    if (rt_trace_load(r->a.trace, &topts, t, err, sizeof err) != 0) {
        rt_msg_error("%s", err);
        return RT_EXIT_USAGE;
    }
    if (!t->events && r->a.wiki)
        return rt_msg_usage("replay", "--wiki applies to an EventStreams capture, and %s is "
                            "a CSV/TSV trace", r->a.trace);
    if (t->events)
        report_events(r->a.trace, t, r->a.wiki);
    size_t back = rt_replayplan_find_backwards(t->t_unix_us, t->n);
    if (back) {
        char t1[40], t2[40];
        rt_msg_error("%s:%zu: timestamp %s is earlier than the previous row's (%s); a "
                     "replay keeps the trace's order, so its times must not go backwards: "
                     "sort the file by timestamp first (e.g. sort -t, -k1,1)",
                     r->a.trace, t->first_line + back,
                     rt_iso8601_utc(t1, sizeof t1, t->t_unix_us[back]),
                     rt_iso8601_utc(t2, sizeof t2, t->t_unix_us[back - 1]));
        return RT_EXIT_USAGE;
    }
    r->src.trace = t;
    rt_replayplan_trace_key(t->rev_id, t->t_unix_us, t->n, r->source_key,
                            sizeof r->source_key);
    snprintf(r->what, sizeof r->what, "%s", r->a.trace);
    return RT_GO_ON;
}

/* --from DB[:RUN]: open the database read-only, find the run, open a cursor on it. */
static int open_recorded(struct replay *r)
{
    char err[1024] = "";
    const char *run_ref = NULL;
    if (split_from(r->a.from, &r->src_db_path, &run_ref) != 0)
        return rt_msg_usage("replay", "--from %s: no such database file (the form is "
                            "DB[:RUN], e.g. revtrace.db:baseline)", r->a.from);
    int drc = rt_store_open(r->src_db_path, RT_STORE_READONLY, &r->srcdb, err, sizeof err);
    if (drc != 0) {
        rt_msg_error("--from %s: %s", r->src_db_path, err);
        return rt_exit_for_store(drc);
    }
    int frc = rt_store_run_find(r->srcdb, run_ref, &r->ri, err, sizeof err);
    if (frc != 0) {
        rt_msg_error("--from %s: %s", r->a.from, err);
        return rt_exit_for_store(frc);   /* no such run: 2; a read error: 3 */
    }
    snprintf(r->what, sizeof r->what, "run '%s' (id %lld) of %s", r->ri.name,
             (long long)r->ri.id, r->src_db_path);
    /* From seq 0 in chunks: the source's seqs are 0-based; no read transaction stays open
     * while the replay sends. */
    if (rt_store_cursor_open(r->srcdb, r->ri.id, 0, RT_STORE_COLS_PLAN, RT_SRC_CHUNK,
                             &r->src.cur, err, sizeof err) != 0) {
        rt_msg_error("--from %s: cannot read its requests: %s", r->src_db_path, err);
        return RT_EXIT_RUNTIME;
    }
    r->src.clamp_backwards = 1;
    snprintf(r->source_key, sizeof r->source_key, "%s", r->ri.uuid);
    return RT_GO_ON;
}

/* The validation pass: an empty source or shard is refused; oddities are warned about. */
static int check_source(struct replay *r)
{
    char err[1024] = "";
    struct src_stats *st = &r->st;
    r->src.what = r->what;
    if (src_scan(&r->src, &r->cfg, st, err, sizeof err) != 0) {
        rt_msg_error("%s", err);
        return r->a.trace ? RT_EXIT_USAGE : RT_EXIT_RUNTIME;
    }
    if (st->no_rev > 0)
        rt_msg_warn("%lld requests of %s carry no rev_id (a recording proxy's readiness "
                    "checks or unreadable bodies): skipped", (long long)st->no_rev, r->what);
    if (st->fed == 0) {
        rt_msg_error("%s has no requests: nothing to replay (revtrace analyze --db %s --list "
                     "shows the runs and their sizes)", r->what,
                     r->src_db_path ? r->src_db_path : "DB");
        return RT_EXIT_USAGE;
    }
    if (st->kept == 0) {
        rt_msg_error("shard %s has no requests: %s has %lld within the limit, fewer than the "
                     "shard count; use fewer shards", r->a.shard_text, r->what,
                     (long long)st->fed);
        return RT_EXIT_USAGE;
    }
    if (!r->a.trace && r->ri.status && strcmp(r->ri.status, "complete") != 0)
        rt_msg_warn("the source run '%s' is %s, not complete: replaying the %lld requests it "
                    "recorded", r->ri.name, r->ri.status, (long long)st->fed);
    if (st->clamped > 0)
        rt_msg_warn("%lld requests of %s were scheduled before the request preceding them "
                    "(a closed-loop run); each is sent right after its predecessor, keeping "
                    "the order", (long long)st->clamped, r->what);
    return RT_GO_ON;
}

/* The run's identity (shard, group) and its config_json: what it replays, and how. */
static int build_config(struct replay *r)
{
    const struct replay_args *a = &r->a;
    const struct src_stats *st = &r->st;
    if (a->shard_count > 1)
        snprintf(r->shard, sizeof r->shard, "%d/%d", a->shard_index, a->shard_count);
    if (a->group)
        snprintf(r->group, sizeof r->group, "%s", a->group);
    else if (a->shard_count > 1)
        rt_replayplan_group_id(r->source_key, a->speed, a->shard_count, a->start_at_unix_us,
                               a->limit, r->group, sizeof r->group);
    json_t *c = r->config = json_object();
    if (!c) {
        rt_msg_error("out of memory");
        return RT_EXIT_RUNTIME;
    }
    json_object_set_new(c, "command", json_string("replay"));
    if (a->trace) {
        json_object_set_new(c, "trace", json_string(a->trace));
        json_object_set_new(c, "trace_key", json_string(r->source_key));
        if (a->column)
            json_object_set_new(c, "column", json_string(a->column));
        if (r->trace.events) {
            json_object_set_new(c, "trace_format", json_string("eventstreams"));
            json_object_set_new(c, "wiki", json_string(a->wiki ? a->wiki : "wikidatawiki"));
            json_object_set_new(c, "skipped_events", json_integer((json_int_t)(
                r->trace.skipped_wiki + r->trace.skipped_type)));
        }
    } else {
        json_object_set_new(c, "from", json_string(r->src_db_path));
        json_object_set_new(c, "source_run", json_string(r->ri.name));
        json_object_set_new(c, "source_run_id", json_integer(r->ri.id));
        json_object_set_new(c, "source_run_uuid", json_string(r->ri.uuid));
        json_object_set_new(c, "source_status", json_string(r->ri.status));
    }
    json_object_set_new(c, "speed", json_real(a->speed));
    json_object_set_new(c, "limit", a->limit ? json_integer(a->limit) : json_null());
    json_object_set_new(c, "shard", r->shard[0] ? json_string(r->shard) : json_null());
    json_object_set_new(c, "group", r->group[0] ? json_string(r->group) : json_null());
    json_object_set_new(c, "start_at", a->start_at_text ? json_string(a->start_at_text)
                                                        : json_null());
    json_object_set_new(c, "source_requests", json_integer(st->fed));
    json_object_set_new(c, "source_span_us", json_integer(st->span_src_us));
    json_object_set_new(c, "requests", json_integer(st->kept));
    json_object_set_new(c, "schedule_span_us",
                        json_integer(st->last_sched_us - st->first_sched_us));
    if (st->clamped)
        json_object_set_new(c, "clamped", json_integer(st->clamped));
    if (st->no_rev)
        json_object_set_new(c, "skipped_no_rev_id", json_integer(st->no_rev));
    return RT_GO_ON;
}

/* Send and record: a new run of kind replay, linked to its source, fed by the plan. */
static int run_session(struct replay *r)
{
    const struct src_stats *st = &r->st;
    double span_s = (double)(st->last_sched_us - st->first_sched_us) / 1e6;
    struct rt_session s;
    memset(&s, 0, sizeof s);
    s.cmd = "replay";
    s.opts = &r->a.run;
    s.run.name = r->a.run.name;
    s.run.kind = "replay";
    s.run.target = r->a.run.http.url;
    s.run.source_run_uuid = r->a.trace ? NULL : r->ri.uuid;
    s.run.speed = r->a.speed;
    s.run.shard = r->shard[0] ? r->shard : NULL;
    s.run.group_id = r->group[0] ? r->group : NULL;
    s.run.offered_rate_per_s = span_s > 0 ? (double)(st->kept - 1) / span_s : 0;
    s.config = r->config;
    s.load.closed_loop = 0;
    s.load.duration_us = st->last_sched_us + 1;   /* the progress line's total; cuts nothing */
    s.next = src_next;
    s.next_ctx = &r->src;
    s.plan_on_loader = !r->a.trace;   /* a recorded run is read from SQLite in chunks */
    s.start_at_unix_us = r->a.start_at_unix_us;
    return rt_session_run(&s);
}

/* ---- main ------------------------------------------------------------------------------ */

int replay_main(int argc, char **argv)
{
    struct replay r;
    memset(&r, 0, sizeof r);
    r.a.speed = 1.0;
    r.a.shard_count = 1;
    if (rt_runopt_init(&r.a.run) != 0) {
        rt_msg_error("out of memory");
        return RT_EXIT_RUNTIME;
    }
    int rc = parse_args(&r, argc, argv);
    if (rc == RT_GO_ON)
        rc = r.a.trace ? open_trace(&r) : open_recorded(&r);
    if (rc == RT_GO_ON)
        rc = check_source(&r);
    if (rc == RT_GO_ON)
        rc = build_config(&r);
    if (rc == RT_GO_ON)
        rc = run_session(&r);
    replay_free(&r);
    return rc;
}
