/*
 * out_locust.c - PATH_stats.csv, PATH_stats_history.csv, PATH_failures.csv and
 * PATH_exceptions.csv in locust 2.x's exact layouts (locust/stats.py: StatsCSV's
 * requests_csv_columns, stats_history_csv_columns, failures_columns, exceptions_columns;
 * Python's csv.writer, so minimal quoting and \r\n line ends), so that tooling written for
 * locust results reads ours.
 *
 * What the columns hold, where locust's meaning and ours differ (docs/analyze.md says it too):
 *   - response times are the HTTP-200 latencies from the scheduled send, in ms; Median and
 *     the percentile columns are integers (locust writes int), Average/Min/Max keep decimals;
 *     exact microseconds are in --format csv/json;
 *   - Request Count counts every request, Failure Count the ones not answered HTTP-200;
 *     Requests/s is locust's: the requests that ended by the end of the schedule window, per
 *     second of it (locust drops the requests in flight when it stops; revtrace's own req/s,
 *     in the other formats, counts every request and reads 1-5 % higher closed loop);
 *   - without an HTTP-200 answer there is no response time: the response-time columns say
 *     N/A, as locust's percentile columns do without a sample (never a 0 ms that reads as a
 *     measurement);
 *   - history rows are per --interval (locust: per second), Timestamp is the Unix second at
 *     the end of the interval, User Count is the number of requests in flight then, and the
 *     percentile columns are cumulative, as locust's Aggregated history rows are;
 *   - failures are "HTTP <status>" or the transport error word (deadline, reset, ...).
 * With several runs, run i (1-based) goes to PATH-i_*.csv.
 */
#include "analyze/analyze.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool/cli.h"

static const char *const stats_cols[] = {
    "Type", "Name", "Request Count", "Failure Count", "Median Response Time",
    "Average Response Time", "Min Response Time", "Max Response Time",
    "Average Content Size", "Requests/s", "Failures/s",
};
static const char *const history_cols_head[] = {
    "Timestamp", "User Count", "Type", "Name", "Requests/s", "Failures/s",
};
static const char *const history_cols_tail[] = {
    "Total Request Count", "Total Failure Count", "Total Median Response Time",
    "Total Average Response Time", "Total Min Response Time", "Total Max Response Time",
    "Total Average Content Size",
};
static const char *const failures_cols[] = { "Method", "Name", "Error", "Occurrences" };
static const char *const exceptions_cols[] = { "Count", "Message", "Traceback", "Nodes" };

static void ms_int(struct an_csv *c, int64_t us)
{
    an_csv_fmt(c, "%lld", (long long)llround((double)us / 1e3));
}

static void ms_real(struct an_csv *c, double us)
{
    an_csv_fmt(c, "%.3f", us / 1e3);
}

/* The percentile headers, locust's "50%" .. "100%". */
static void pct_heads(struct an_csv *c)
{
    for (const struct an_col *k = an_cols; k < an_cols + AN_NCOLS; k++)
        if (k->views & AN_VIEW_PCTS)
            an_csv_str(c, k->head);
}

/* The percentile cells in whole ms from pct[] (an_dist.pct, an_bucket.cum_pct), or N/A. */
static void pct_cells(struct an_csv *c, int have, const int64_t *pct)
{
    for (const struct an_col *k = an_cols; k < an_cols + AN_NCOLS; k++) {
        if (!(k->views & AN_VIEW_PCTS))
            continue;
        if (have)
            ms_int(c, pct[k->pct]);
        else
            an_csv_str(c, "N/A");
    }
}

static void stats_row(struct an_csv *c, const struct an_run *run, const char *type,
                      const char *name)
{
    const struct an_dist *d = &run->latency;
    an_csv_str(c, type);
    an_csv_str(c, name);
    an_csv_fmt(c, "%lld", (long long)run->requests);
    an_csv_fmt(c, "%lld", (long long)run->failed);
    if (d->n) {
        ms_int(c, d->pct[AN_P50]);
        ms_real(c, d->s.mean);
        ms_real(c, (double)d->s.min);
        ms_real(c, (double)d->s.max);
    } else {
        for (int k = 0; k < 4; k++)
            an_csv_str(c, "N/A");
    }
    an_csv_fmt(c, "%.6f", run->requests ? (double)run->bytes_in / (double)run->requests : 0.0);
    if (run->have_rate)
        an_csv_fmt(c, "%.6f", run->locust_per_s);
    else
        an_csv_str(c, "N/A");
    an_csv_fmt(c, "%.6f", run->failed_per_s);
    pct_cells(c, d->n > 0, d->pct);
    an_csv_end(c);
}

/* Open PREFIX+suffix for writing; NULL after a message.  The name goes into name[len]. */
static FILE *open_part(const char *path, const char *suffix, char *name, size_t len)
{
    snprintf(name, len, "%s%s", path, suffix);
    FILE *f = fopen(name, "w");
    if (!f)
        rt_msg_error("cannot write %s: %s (check the -o prefix)", name, strerror(errno));
    return f;
}

static int close_part(FILE *f, const char *name)
{
    int bad = fflush(f) != 0 || ferror(f);
    bad |= fclose(f) != 0;
    if (bad) {
        rt_msg_error("cannot write %s: %s", name, strerror(errno));
        return RT_EXIT_RUNTIME;
    }
    return 0;
}

/* PREFIX_stats.csv: the endpoint row and the Aggregated row (the same figures). */
static void write_stats(struct an_csv *c, const struct an_run *run, const char *path)
{
    for (size_t k = 0; k < sizeof stats_cols / sizeof stats_cols[0]; k++)
        an_csv_str(c, stats_cols[k]);
    pct_heads(c);
    an_csv_end(c);
    stats_row(c, run, "POST", path);
    stats_row(c, run, "", "Aggregated");
}

/* PREFIX_stats_history.csv: a row per interval, the percentiles and totals cumulative. */
static void write_history(struct an_csv *c, const struct an_run *run, const char *path)
{
    (void)path;   /* the rows are all "Aggregated" */
    for (size_t k = 0; k < sizeof history_cols_head / sizeof history_cols_head[0]; k++)
        an_csv_str(c, history_cols_head[k]);
    pct_heads(c);
    for (size_t k = 0; k < sizeof history_cols_tail / sizeof history_cols_tail[0]; k++)
        an_csv_str(c, history_cols_tail[k]);
    an_csv_end(c);
    double iv = (double)run->interval_us / 1e6;
    for (size_t b = 0; b < run->nseries; b++) {
        const struct an_bucket *k = &run->series[b];
        long long ts = (long long)((run->info.t0_unix_us +
                                    (int64_t)(b + 1) * run->interval_us) / 1000000);
        an_csv_fmt(c, "%lld", ts);
        an_csv_fmt(c, "%lld", (long long)k->inflight);
        an_csv_str(c, "");
        an_csv_str(c, "Aggregated");
        an_csv_fmt(c, "%.6f", (double)(k->ok + k->failed) / iv);
        an_csv_fmt(c, "%.6f", (double)k->failed / iv);
        pct_cells(c, k->cum_n > 0, k->cum_pct);
        an_csv_fmt(c, "%lld", (long long)k->cum_requests);
        an_csv_fmt(c, "%lld", (long long)k->cum_failed);
        if (k->cum_n) {
            ms_int(c, k->cum_pct[AN_P50]);
            ms_real(c, k->cum_mean);
            ms_real(c, (double)k->cum_min);
            ms_real(c, (double)k->cum_max);
        } else {
            for (int x = 0; x < 4; x++)
                an_csv_str(c, "N/A");
        }
        an_csv_fmt(c, "%.6f", k->cum_requests ? (double)k->cum_bytes_in /
                                                    (double)k->cum_requests : 0.0);
        an_csv_end(c);
    }
}

static void failure_row(struct an_csv *c, const char *path, const char *error, int64_t n)
{
    an_csv_str(c, "POST");
    an_csv_str(c, path);
    an_csv_str(c, error);
    an_csv_fmt(c, "%lld", (long long)n);
    an_csv_end(c);
}

/* PREFIX_failures.csv: failures without an error word by HTTP status, then the words. */
static void write_failures(struct an_csv *c, const struct an_run *run, const char *path)
{
    for (size_t k = 0; k < sizeof failures_cols / sizeof failures_cols[0]; k++)
        an_csv_str(c, failures_cols[k]);
    an_csv_end(c);
    for (int s = 0; s <= AN_NSTATUS; s++) {
        if (!run->fail_status_n[s])
            continue;
        char what[32];
        if (s == AN_NSTATUS)
            snprintf(what, sizeof what, "HTTP status outside 0-599");
        else if (s == 0)
            snprintf(what, sizeof what, "no HTTP status");
        else
            snprintf(what, sizeof what, "HTTP %d", s);
        failure_row(c, path, what, run->fail_status_n[s]);
    }
    for (size_t e = 0; e < run->nerrors; e++)
        failure_row(c, path, run->errors[e].word, run->errors[e].n);
    if (run->errors_other)
        failure_row(c, path, "other", run->errors_other);
}

/* PREFIX_exceptions.csv: locust's exceptions are those raised in its Python users; a
 * revtrace run has no user code to raise one, so the file is the header alone (as locust
 * writes it for a run without exceptions).  Failed requests are in the failures file. */
static void write_exceptions(struct an_csv *c, const struct an_run *run, const char *path)
{
    (void)run;
    (void)path;
    for (size_t k = 0; k < sizeof exceptions_cols / sizeof exceptions_cols[0]; k++)
        an_csv_str(c, exceptions_cols[k]);
    an_csv_end(c);
}

/* The four files of one run.  0, or RT_EXIT_RUNTIME after a message. */
static int write_run(const struct an_run *run, const char *prefix)
{
    static const struct {
        const char *suffix;
        void (*write)(struct an_csv *c, const struct an_run *run, const char *path);
    } files[] = {
        { "_stats.csv", write_stats },
        { "_stats_history.csv", write_history },
        { "_failures.csv", write_failures },
        { "_exceptions.csv", write_exceptions },
    };
    char name[4096], path[512];
    an_target_path(path, sizeof path, run->info.target);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        FILE *f = open_part(prefix, files[i].suffix, name, sizeof name);
        if (!f)
            return RT_EXIT_RUNTIME;
        struct an_csv c = { f, 0, 1 };
        files[i].write(&c, run, path);
        int rc = close_part(f, name);
        if (rc)
            return rc;
    }
    return 0;
}

int an_out_locust(const struct an_report *r, const char *path)
{
    for (size_t i = 0; i < r->nruns; i++) {
        char prefix[4096];
        if (r->nruns == 1)
            snprintf(prefix, sizeof prefix, "%s", path);
        else
            snprintf(prefix, sizeof prefix, "%s-%zu", path, i + 1);
        int rc = write_run(&r->runs[i], prefix);
        if (rc)
            return rc;
    }
    return 0;
}
