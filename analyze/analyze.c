/*
 * analyze.c - `revtrace analyze`: options, which runs to read, and the order of the stages
 * (figures -> verdicts -> comparison -> one output format).
 *
 * Runs are named the way the store finds them (id, uuid, name; the latest when none is
 * given), optionally prefixed by a database file: `FILE:RUN` (or `FILE:` for its latest run,
 * or just `FILE` when it ends in .db), so one command can compare runs kept in several
 * files.  `--db` may be repeated: the first is where bare RUN names are looked up, and with
 * no RUN at all the latest run of every --db file is analyzed.  Groups (replay shards that
 * share runs.group_id, possibly spread over several files) are analyzed as one run with
 * `--group ID` (searched in every --db file) or `--merge-group` (a named run stands for its
 * whole group).
 *
 * With --phab-task the report is also posted to a Phabricator task (phab.c): the Remarkup
 * report as a comment, the HTML report as an attached file.
 *
 * Exit: 0 all verdicts passed, 1 one failed, 2 usage/input error (unknown run, bad option,
 * no Conduit token), 3 runtime failure (database unreadable, output not writable, a Conduit
 * error).
 */
#include "analyze/analyze.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "tool/cli.h"
#include "core/clock.h"
#include "core/units.h"

enum {
    OPT_DB = 1, OPT_LIST, OPT_GROUP, OPT_MERGE_GROUP, OPT_BASELINE, OPT_FORMAT, OPT_OUTPUT,
    OPT_INTERVAL, OPT_SLO, OPT_MIN_RATE, OPT_MAX_ERRORS, OPT_THRESHOLD, OPT_JUDGE,
    OPT_PHAB_TASK, OPT_PHAB_URL, OPT_PHAB_TOKEN_FILE,
};

static const struct rt_opt input_opts[] = {
    { "db", 0, "FILE", OPT_DB,
      "database (default revtrace.db); repeatable, bare RUNs use the first" },
    { "list", 0, NULL, OPT_LIST, "list the runs of each --db, one line each" },
    { "group", 0, "ID", OPT_GROUP,
      "all runs of this group_id in every --db, merged as one run" },
    { "merge-group", 0, NULL, OPT_MERGE_GROUP,
      "a RUN in a group stands for its whole group, merged" },
    { "baseline", 0, "RUN", OPT_BASELINE, "compare against this run (default: the first)" },
    { NULL, 0, NULL, 0, NULL },
};

static const struct rt_opt output_opts[] = {
    { "format", 'f', "FMT", OPT_FORMAT,
      "text, markdown, remarkup, csv, locust, json, html" },
    { "output", 'o', "PATH", OPT_OUTPUT,
      "output file (csv, locust: prefix of PATH_*.csv)" },
    { "interval", 0, "D", OPT_INTERVAL,
      "time-series interval (default: 1s, 2s, 5s, 10s, 30s, 1m... for >= 20 points)" },
    { NULL, 0, NULL, 0, NULL },
};

static const struct rt_opt phab_opts[] = {
    { "phab-task", 0, "T123", OPT_PHAB_TASK,
      "also comment on this Phabricator task: the Remarkup report and the HTML as a file" },
    { "phab-url", 0, "URL", OPT_PHAB_URL, "the Phabricator (default " AN_PHAB_URL ")" },
    { "phab-token-file", 0, "FILE", OPT_PHAB_TOKEN_FILE,
      "Conduit API token on the first line (default: ~/.arcrc, as arc writes it)" },
    { NULL, 0, NULL, 0, NULL },
};

static const struct rt_opt verdict_opts[] = {
    { "slo", 0, "EXPR", OPT_SLO,
      "e.g. p90<=500ms (default), p99.9<2s, mean<=300ms, max<5s; none" },
    { "min-rate", 0, "RATE", OPT_MIN_RATE,
      "HTTP-200 answers per second of the schedule at least RATE, e.g. 150000/h" },
    { "max-errors", 0, "RATIO", OPT_MAX_ERRORS,
      "at most RATIO of the requests failed, e.g. 1%" },
    { "judge", 0, "RUN", OPT_JUDGE,
      "--slo/--min-rate/--max-errors judge only this run (repeatable; default: all)" },
    { "threshold", 0, "PCT", OPT_THRESHOLD,
      "p50/p90/p99/mean/rate within PCT of the baseline (every run)" },
    { NULL, 0, NULL, 0, NULL },
};

static const struct rt_opt_table tables[] = {
    { "Input", input_opts },
    { "Output", output_opts },
    { "Verdicts (each prints PASS/FAIL; any FAIL exits 1)", verdict_opts },
    { "Phabricator (a Conduit error exits 3)", phab_opts },
    { NULL, NULL },
};

static const struct rt_cmd_spec spec = {
    .name = "analyze",
    .usage = "[--db FILE] [RUN ...] [options]",
    .summary =
        "Figures for recorded runs: requests, HTTP status and error breakdown, offered vs\n"
        "achieved rate, exact (nearest-rank) percentiles of the HTTP-200 latency counted\n"
        "from the scheduled send time (free of coordinated omission) and of the service\n"
        "time, phases, schedule lag, a time series; pass/fail verdicts; several runs side\n"
        "by side.  RUN is an id, uuid or name (default: the latest run), optionally\n"
        "FILE:RUN to read it from another database (FILE: or FILE.db for its latest run).",
    .tables = tables,
    .examples =
        "  revtrace analyze                                  # latest run of revtrace.db\n"
        "  revtrace analyze --slo 'p90<=500ms' --min-rate 150000/h --max-errors 1%\n"
        "  revtrace analyze 3 7 --threshold 10%              # run 7 against run 3\n"
        "  revtrace analyze base x5 --judge x5 --min-rate 150000/h  # judge x5 only\n"
        "  revtrace analyze base.db: new.db: --threshold 10% # latest of two files\n"
        "  revtrace analyze --group shards-1 --db a.db --db b.db\n"
        "  revtrace analyze -f html -o report.html\n"
        "  revtrace analyze -f remarkup | xclip              # paste into Phabricator\n"
        "  revtrace analyze --min-rate 150000/h --phab-task T409388  # comment on the task\n"
        "  revtrace analyze -f locust -o results             # results_stats.csv, ...\n",
};

static const char *const formats[] = {
    "text", "markdown", "remarkup", "csv", "locust", "json", "html",
};

static int push_str(char ***arr, size_t *n, const char *s)
{
    char **p = realloc(*arr, (*n + 1) * sizeof *p);
    if (!p)
        return -1;
    *arr = p;
    if (!(p[*n] = strdup(s)))
        return -1;
    (*n)++;
    return 0;
}

/* --slo: the first one replaces the default p90<=500ms; "none" asks for no SLO. */
static int slo_opt(struct an_opts *o, const char *arg, char *err, size_t errlen)
{
    struct an_criteria *c = &o->crit;
    if (!o->slo_given)
        c->nslo = 0;
    o->slo_given = 1;
    if (strcmp(arg, "none") == 0) {
        o->slo_none = 1;
        return 0;
    }
    if (c->nslo == AN_MAX_SLO) {
        snprintf(err, errlen, "at most %d --slo", AN_MAX_SLO);
        return -1;
    }
    return an_slo_parse(arg, &c->slo[c->nslo++], err, errlen);
}

/* The verdict options (the rest of on_opt): they fill o->crit. */
static int verdict_opt(struct an_opts *o, int id, const char *arg, char *err, size_t errlen)
{
    struct an_criteria *c = &o->crit;
    switch (id) {
    case OPT_SLO:
        return slo_opt(o, arg, err, errlen);
    case OPT_MIN_RATE:
        if (rt_parse_rate_per_s(arg, &c->min_rate_per_s) != 0 || !(c->min_rate_per_s > 0)) {
            snprintf(err, errlen, "expected a positive rate such as 150000/h, 42/s, 2500/min");
            return -1;
        }
        snprintf(c->min_rate_text, sizeof c->min_rate_text, "%s", arg);
        return 0;
    case OPT_MAX_ERRORS:
        if (rt_parse_ratio(arg, &c->max_errors) != 0) {
            snprintf(err, errlen, "expected a ratio such as 1%% or 0.01");
            return -1;
        }
        snprintf(c->max_errors_text, sizeof c->max_errors_text, "%s", arg);
        return 0;
    case OPT_THRESHOLD: {
        double t;
        char *end;
        t = strtod(arg, &end);
        if (end == arg || (strcmp(end, "%") != 0 && *end) || !(t >= 0) || t > 1e6) {
            snprintf(err, errlen, "expected a percentage such as 10%%");
            return -1;
        }
        c->threshold = strcmp(end, "%") == 0 ? t / 100.0 : t;
        snprintf(c->threshold_text, sizeof c->threshold_text, "%s", arg);
        return 0;
    }
    }
    snprintf(err, errlen, "unhandled option");
    return -1;
}

static int on_opt(void *ctx, int id, const char *arg, char *err, size_t errlen)
{
    struct an_opts *o = ctx;
    switch (id) {
    case OPT_DB:
        return push_str(&o->dbs, &o->ndbs, arg);
    case OPT_LIST:
        o->list = 1;
        return 0;
    case OPT_GROUP:
        if (!*arg) {
            snprintf(err, errlen, "give the group_id (see --list)");
            return -1;
        }
        return push_str(&o->groups, &o->ngroups, arg);
    case OPT_MERGE_GROUP:
        o->merge_group = 1;
        return 0;
    case OPT_JUDGE:
        return push_str(&o->judges, &o->njudges, arg);
    case OPT_BASELINE:
        free(o->baseline);
        o->baseline = strdup(arg);
        return o->baseline ? 0 : -1;
    case OPT_FORMAT:
        for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
            if (strcmp(arg, formats[i]) == 0) {
                o->format = formats[i];
                return 0;
            }
        }
        snprintf(err, errlen, "unknown format; use text, markdown, remarkup, csv, locust, "
                 "json or html");
        return -1;
    case OPT_OUTPUT:
        free(o->out_path);
        o->out_path = strdup(arg);
        return o->out_path ? 0 : -1;
    case OPT_PHAB_TASK:
        if (arg[0] != 'T' || !arg[1] || strspn(arg + 1, "0123456789") != strlen(arg + 1)) {
            snprintf(err, errlen, "expected a task such as T409388");
            return -1;
        }
        free(o->phab_task);
        return (o->phab_task = strdup(arg)) ? 0 : -1;
    case OPT_PHAB_URL:
        if (strncmp(arg, "https://", 8) != 0 && strncmp(arg, "http://", 7) != 0) {
            snprintf(err, errlen, "expected the Phabricator's base URL, e.g. %s", AN_PHAB_URL);
            return -1;
        }
        free(o->phab_url);
        return (o->phab_url = strdup(arg)) ? 0 : -1;
    case OPT_PHAB_TOKEN_FILE:
        free(o->phab_token_file);
        return (o->phab_token_file = strdup(arg)) ? 0 : -1;
    case OPT_INTERVAL:
        if (rt_parse_duration_us(arg, &o->interval_us) != 0 || o->interval_us < 1000) {
            snprintf(err, errlen, "expected a duration of at least 1ms, e.g. 10s or 1m");
            return -1;
        }
        return 0;
    }
    return verdict_opt(o, id, arg, err, errlen);
}

static int is_regular_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/*
 * Split a positional into database and run.  "FILE:RUN" when a prefix up to a ':' names an
 * existing file (run names may contain ':' themselves, e.g. capture-2025-11-24T12:00:00Z, so
 * we do not just split at the first colon), "FILE.db" alone when it is an existing file, else
 * a run in the default database.
 */
static int parse_ref(const char *arg, const char *default_db, struct an_ref *ref,
                     int merge_group)
{
    memset(ref, 0, sizeof *ref);
    ref->merge_group = merge_group;
    for (const char *c = strchr(arg, ':'); c; c = strchr(c + 1, ':')) {
        size_t n = (size_t)(c - arg);
        char *file = strndup(arg, n);
        if (!file)
            return -1;
        if (n > 0 && is_regular_file(file)) {
            ref->db_path = file;
            ref->run = c[1] ? strdup(c + 1) : NULL;
            return c[1] && !ref->run ? -1 : 0;
        }
        free(file);
    }
    size_t len = strlen(arg);
    if (len > 3 && strcmp(arg + len - 3, ".db") == 0 && is_regular_file(arg)) {
        ref->db_path = strdup(arg);
        return ref->db_path ? 0 : -1;
    }
    ref->db_path = strdup(default_db);
    ref->run = strdup(arg);
    return ref->db_path && ref->run ? 0 : -1;
}

static void ref_free(struct an_ref *ref)
{
    free(ref->db_path);
    free(ref->run);
    free(ref->group);
    memset(ref, 0, sizeof *ref);
}

static void opts_free(struct an_opts *o)
{
    for (size_t i = 0; i < o->ndbs; i++)
        free(o->dbs[i]);
    free(o->dbs);
    for (size_t i = 0; i < o->ngroups; i++)
        free(o->groups[i]);
    free(o->groups);
    for (size_t i = 0; i < o->njudges; i++)
        free(o->judges[i]);
    free(o->judges);
    free(o->baseline);
    free(o->out_path);
    free(o->phab_task);
    free(o->phab_url);
    free(o->phab_token_file);
    memset(o->phab_token, 0, sizeof o->phab_token);
}

/*
 * Mark the runs --judge names in r->judged.  Each ref is resolved like a positional RUN (its
 * database's run by id, uuid or name) and matched against the analyzed runs; a merged group
 * matches any of its parts.  A ref that names no analyzed run is a usage error: a verdict
 * silently judging nothing would read as a pass.  Returns 0 or RT_EXIT_* after a message.
 */
static int resolve_judges(struct an_report *r, const struct an_opts *o)
{
    r->judged = calloc(r->nruns ? r->nruns : 1, sizeof *r->judged);
    if (!r->judged) {
        rt_msg_error("out of memory");
        return RT_EXIT_RUNTIME;
    }
    if (o->njudges == 0) {
        for (size_t i = 0; i < r->nruns; i++)
            r->judged[i] = 1;
        return 0;
    }
    for (size_t j = 0; j < o->njudges; j++) {
        struct an_ref ref;
        struct rt_store *db = NULL;
        struct rt_run_info ri;
        char err[1024] = "";
        if (parse_ref(o->judges[j], o->dbs[0], &ref, 0) != 0) {
            ref_free(&ref);
            rt_msg_error("out of memory");
            return RT_EXIT_RUNTIME;
        }
        int rc = rt_store_open(ref.db_path, RT_STORE_READONLY, &db, err, sizeof err);
        if (rc == 0) {
            rc = rt_store_run_find(db, ref.run, &ri, err, sizeof err);
            rt_store_close(db);
        }
        rc = rt_exit_for_store(rc);
        if (rc) {
            if (rc == RT_EXIT_USAGE)
                rt_msg_usage(AN_CMD, "--judge %s: %s", o->judges[j], err);
            else
                rt_msg_error("--judge %s: %s", o->judges[j], err);
            ref_free(&ref);
            return rc;
        }
        int found = 0;
        for (size_t i = 0; i < r->nruns; i++) {
            const struct an_run *run = &r->runs[i];
            for (size_t p = 0; p < run->nparts; p++) {
                if (run->part_ids[p] == ri.id && an_same_file(run->part_dbs[p], ref.db_path)) {
                    r->judged[i] = 1;
                    found = 1;
                }
            }
        }
        if (!found)
            rt_msg_usage(AN_CMD, "--judge %s: run %s #%lld of %s is not among the runs "
                         "analyzed; name it as a RUN too (or --judge one of the RUNs given)",
                         o->judges[j], ri.name ? ri.name : "?", (long long)ri.id, ref.db_path);
        rt_run_info_free(&ri);
        ref_free(&ref);
        if (!found)
            return RT_EXIT_USAGE;
    }
    return 0;
}

static int same_run(const struct an_run *a, const struct an_run *b)
{
    return a->info.id == b->info.id && a->nparts == b->nparts &&
           an_same_file(a->db_path, b->db_path);
}

static int write_report(const struct an_report *r, const struct an_opts *o)
{
    const char *f = o->format;
    if (strcmp(f, "csv") == 0)
        return an_out_csv(r, o->out_path);
    if (strcmp(f, "locust") == 0)
        return an_out_locust(r, o->out_path);
    FILE *out = stdout;
    if (o->out_path) {
        out = fopen(o->out_path, "w");
        if (!out) {
            rt_msg_error("cannot write %s: %s (check the -o path)", o->out_path, strerror(errno));
            return RT_EXIT_RUNTIME;
        }
    }
    int rc;
    if (strcmp(f, "markdown") == 0)
        rc = an_out_markdown(r, out);
    else if (strcmp(f, "remarkup") == 0)
        rc = an_out_remarkup(r, out);
    else if (strcmp(f, "json") == 0)
        rc = an_out_json(r, out);
    else if (strcmp(f, "html") == 0)
        rc = an_out_html(r, out);
    else
        rc = an_out_text(r, out);
    if (fflush(out) != 0 || ferror(out)) {
        rt_msg_error("cannot write %s: %s", o->out_path ? o->out_path : "stdout", strerror(errno));
        rc = RT_EXIT_RUNTIME;
    }
    if (out != stdout)
        fclose(out);
    return rc;
}

/* With -o, stdout is free: one line per verdict, so a CI log shows the outcome. */
static void print_verdict_lines(const struct an_report *r)
{
    for (size_t i = 0; i < r->nverdicts; i++)
        an_print_verdict_line(stdout, r, &r->verdicts[i]);
}

static int out_of_memory(void)
{
    rt_msg_error("out of memory");
    return RT_EXIT_RUNTIME;
}

static void opts_init(struct an_opts *o)
{
    char err[256];
    memset(o, 0, sizeof *o);
    o->format = "text";
    o->interval_us = 0;   /* chosen per run from its span (an_auto_interval_us) */
    o->crit.max_errors = -1;
    o->crit.threshold = -1;
    if (an_slo_parse("p90<=500ms", &o->crit.slo[0], err, sizeof err) == 0)
        o->crit.nslo = 1;
}

/* What the parser cannot check option by option.  0, or RT_EXIT_* after a message. */
static int opts_check(struct an_opts *o)
{
    if (o->slo_none && o->crit.nslo > 0)
        return rt_msg_usage(AN_CMD, "--slo none cannot be combined with other --slo");
    if (o->ndbs == 0 && push_str(&o->dbs, &o->ndbs, "revtrace.db") != 0)
        return out_of_memory();
    if (strcmp(o->format, "locust") == 0 && (!o->out_path || strcmp(o->out_path, "-") == 0))
        return rt_msg_usage(AN_CMD, "--format locust is four files (PREFIX_stats.csv, "
                            "PREFIX_stats_history.csv, PREFIX_failures.csv, "
                            "PREFIX_exceptions.csv), not one stream: "
                            "give their prefix with -o PREFIX (e.g. -o results)");
    if ((o->phab_url || o->phab_token_file) && !o->phab_task)
        return rt_msg_usage(AN_CMD, "--phab-url and --phab-token-file go with --phab-task T123");
    if (o->phab_task) {
        /* The token before any work: a missing one is the user's to fix, not a lost run. */
        char err[1024] = "";
        int rc = an_phab_token(o->phab_url ? o->phab_url : AN_PHAB_URL, o->phab_token_file,
                               o->phab_token, sizeof o->phab_token, err, sizeof err);
        if (rc == RT_EXIT_USAGE)
            return rt_msg_usage(AN_CMD, "%s", err);
        if (rc) {
            rt_msg_error("%s", err);
            return rc;
        }
    }
    return 0;
}

/* --list: the runs of every --db.  0, or RT_EXIT_* after a message. */
static int list_runs(const struct an_opts *o)
{
    char err[1024] = "";
    for (size_t i = 0; i < o->ndbs; i++) {
        int rc = an_list_runs(o->dbs[i], o->ndbs > 1, stdout, err, sizeof err);
        if (rc) {
            rt_msg_error("%s", err);
            return rc;
        }
    }
    return 0;
}

/*
 * Which runs: the positionals argv[first..argc), then every --group, or with neither the
 * latest run of every --db.  *refs (owned by the caller, free each with ref_free, then the
 * array) gets room for all; *nrefs counts the filled ones, even on failure.  0, or -1 out
 * of memory.
 */
static int make_refs(const struct an_opts *o, int argc, char **argv, int first,
                     struct an_ref **refs, size_t *nrefs)
{
    size_t want = (size_t)(argc - first) + o->ngroups + o->ndbs + 1;
    struct an_ref *v = *refs = calloc(want, sizeof *v);
    if (!v)
        return -1;
    for (int i = first; i < argc; i++)
        if (parse_ref(argv[i], o->dbs[0], &v[(*nrefs)++], o->merge_group) != 0)
            return -1;
    for (size_t g = 0; g < o->ngroups; g++) {
        struct an_ref *ref = &v[(*nrefs)++];
        ref->group = strdup(o->groups[g]);
        if (!ref->group)
            return -1;
    }
    if (*nrefs == 0) {
        for (size_t i = 0; i < o->ndbs; i++) {
            struct an_ref *ref = &v[(*nrefs)++];
            ref->db_path = strdup(o->dbs[i]);
            ref->merge_group = o->merge_group;
            if (!ref->db_path)
                return -1;
        }
    }
    return 0;
}

/*
 * --baseline: load it, and unless it is among the runs already loaded put it in front.
 * Sets r->baseline.  0, or RT_EXIT_* after a message.
 */
static int load_baseline(struct an_report *r, const struct an_opts *o, int load_flags)
{
    struct an_ref bref;
    struct an_run brun;
    char err[1024] = "";
    if (parse_ref(o->baseline, o->dbs[0], &bref, o->merge_group) != 0) {
        ref_free(&bref);
        return out_of_memory();
    }
    int rc = an_run_load(&bref, o->dbs, o->merge_group ? o->ndbs : 0, o->interval_us,
                         load_flags, &brun, err, sizeof err);
    ref_free(&bref);
    if (rc) {
        rt_msg_error("--baseline: %s", err);
        return rc;
    }
    size_t k;
    for (k = 0; k < r->nruns && !same_run(&r->runs[k], &brun); k++)
        ;
    if (k < r->nruns) {
        an_run_free(&brun);
    } else {
        /* Not among the runs named: it leads the comparison. */
        memmove(&r->runs[1], &r->runs[0], r->nruns * sizeof *r->runs);
        r->runs[0] = brun;
        r->nruns++;
        k = 0;
    }
    r->baseline = k;
    return 0;
}

/* Load every ref, then the baseline, into r->runs.  0, or RT_EXIT_* after a message. */
static int load_runs(struct an_report *r, const struct an_opts *o, const struct an_ref *refs,
                     size_t nrefs)
{
    char err[1024] = "";
    /* One thread reads: connection mutexes would cost ~10% of a million-row read.  Must
     * precede SQLite's initialisation; harmless (SQLITE_MISUSE) if it is too late. */
    rt_store_unshared_connections();
    int load_flags = strcmp(o->format, "locust") == 0 ? AN_LOAD_CUMULATIVE : 0;
    r->runs = calloc(nrefs + 1, sizeof *r->runs);
    if (!r->runs)
        return out_of_memory();
    for (size_t i = 0; i < nrefs; i++) {
        int rc = an_run_load(&refs[i], o->dbs,
                             refs[i].group || refs[i].merge_group ? o->ndbs : 0,
                             o->interval_us, load_flags, &r->runs[r->nruns], err, sizeof err);
        if (rc) {
            rt_msg_error("%s", err);
            return rc;
        }
        r->nruns++;
    }
    return o->baseline ? load_baseline(r, o, load_flags) : 0;
}

/* Say on stderr what a reader of the report should not miss. */
static void warn_runs(const struct an_report *r)
{
    for (size_t i = 0; i < r->nruns; i++) {
        const struct an_run *run = &r->runs[i];
        if (run->partial)
            rt_msg_warn("run %s is %s: its figures cover what was recorded so far",
                        run->label, run->info.status);
        if (run->latency.n == 0)
            rt_msg_warn("run %s has no HTTP-200 answers (%lld requests): no latency "
                        "percentiles", run->label, (long long)run->requests);
    }
    if (r->crit.threshold >= 0 && r->nruns < 2)
        rt_msg_warn("--threshold %s: only one run (%s), nothing to compare it with; name a "
                    "second RUN or --baseline RUN", r->crit.threshold_text, r->runs[0].label);
}

/* One writer's output in memory.  *text owned (free); 0 or RT_EXIT_RUNTIME. */
static int render(const struct an_report *r, int (*writer)(const struct an_report *, FILE *),
                  char **text, size_t *len)
{
    *text = NULL;
    FILE *f = open_memstream(text, len);
    if (!f)
        return out_of_memory();
    int rc = writer(r, f);
    if (fclose(f) != 0 && rc == 0)
        rc = out_of_memory();
    return rc;
}

/* --phab-task: comment on the task with the Remarkup report, the HTML attached; print the
 * task's URL.  0, or RT_EXIT_RUNTIME after a message. */
static int post_to_task(const struct an_report *r, const struct an_opts *o)
{
    char *html = NULL, *remarkup = NULL, name[96], url[2048], err[2048] = "";
    size_t hlen = 0, rlen = 0;
    long long fid = 0;
    int rc = render(r, an_out_html, &html, &hlen);
    if (rc == 0)
        rc = render(r, an_out_remarkup, &remarkup, &rlen);
    snprintf(name, sizeof name, "revtrace-%s-%s.html", o->phab_task, r->generated_at);
    for (char *c = name; *c; c++)
        *c = *c == ':' ? '-' : *c;
    struct an_phab_post pp = {
        .url = o->phab_url ? o->phab_url : AN_PHAB_URL, .token = o->phab_token,
        .task = o->phab_task, .html = html, .html_len = hlen, .file_name = name,
        .remarkup = remarkup,
    };
    if (rc == 0 && (rc = an_phab_post(&pp, &fid, url, sizeof url, err, sizeof err)) != 0)
        rt_msg_error("%s", err);
    if (rc == 0) {
        rt_msg_info("posted the report to %s (the HTML as F%lld)", o->phab_task, fid);
        printf("%s\n", url);
    }
    free(html);
    free(remarkup);
    return rc;
}

/* Judge, compare, write; the exit status (RT_EXIT_VERDICT when a verdict failed). */
static int judge_and_write(struct an_report *r, const struct an_opts *o)
{
    int rc = resolve_judges(r, o);
    if (rc)
        return rc;
    rt_iso8601_utc_s(r->generated_at, sizeof r->generated_at, rt_wall_us());
    if (an_verdicts_eval(r) != 0 || an_compare_build(r) != 0)
        return out_of_memory();
    rc = write_report(r, o);
    if (rc == 0 && o->out_path)
        print_verdict_lines(r);
    if (rc == 0 && o->phab_task)
        rc = post_to_task(r, o);
    if (rc == 0 && r->failed)
        rc = RT_EXIT_VERDICT;
    return rc;
}

int analyze_main(int argc, char **argv)
{
    struct an_opts o;
    struct an_report r;
    struct an_ref *refs = NULL;
    size_t nrefs = 0;
    int rc, first = 0;
    opts_init(&o);
    memset(&r, 0, sizeof r);

    int prc = rt_cli_parse(&spec, argc, argv, on_opt, &o, &first);
    if (prc != 0) {
        rc = prc == 1 ? RT_EXIT_OK : RT_EXIT_USAGE;   /* 1: --help was printed */
        goto out;
    }
    if ((rc = opts_check(&o)) != 0)
        goto out;
    if (o.list) {
        rc = list_runs(&o);
        goto out;
    }
    if (make_refs(&o, argc, argv, first, &refs, &nrefs) != 0) {
        rc = out_of_memory();
        goto out;
    }
    if ((rc = load_runs(&r, &o, refs, nrefs)) != 0)
        goto out;
    r.crit = o.crit;   /* what the writers present of the options lives in the report */
    warn_runs(&r);
    rc = judge_and_write(&r, &o);
out:
    for (size_t i = 0; i < nrefs; i++)
        ref_free(&refs[i]);
    free(refs);
    an_report_free(&r);
    opts_free(&o);
    return rc;
}
