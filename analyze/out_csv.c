/*
 * out_csv.c - the report as six tidy CSV tables, one row per run (or per run and figure,
 * interval, bin), for spreadsheets and pandas:
 *   stats        counts, rates, latency summary, one row per run
 *   breakdown    HTTP statuses and error words with their counts
 *   percentiles  latency, service, lag and each phase: n, mean, min, p50 .. p100, max
 *   series       the --interval time series
 *   histogram    HTTP-200 latency bins (shared log-spaced edges) with the cumulative ratio
 *   verdicts     one row per verdict, with the run it judged
 * With -o PATH each goes to PATH_<table>.csv; on stdout they follow one another, each with
 * its own header row, separated by one empty line.  Durations are integer microseconds
 * (columns end in _us); a figure that does not exist is an empty field.
 */
#include "analyze/analyze.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool/cli.h"

static void run_cols(struct an_csv *c, const struct an_report *r, size_t i)
{
    an_csv_fmt(c, "%zu", i);
    an_csv_str(c, r->runs[i].label);
}

/* A cell of a distribution: integer microseconds (or the count), a mean with one decimal,
 * empty when the figure does not exist. */
static void dist_cell(struct an_csv *c, struct an_cell v)
{
    if (!v.have)
        an_csv_str(c, NULL);
    else if (v.real)
        an_csv_fmt(c, "%.1f", v.x);
    else
        an_csv_fmt(c, "%lld", (long long)v.i);
}

/* A rate per second of the window, empty without one. */
static void rate_cell(struct an_csv *c, int have, double per_s)
{
    if (have)
        an_csv_fmt(c, "%.6f", per_s);
    else
        an_csv_str(c, NULL);
}

/* The stats table's distribution columns, the header's names when run is NULL: latency's
 * brief columns, service's brief percentiles, lag's p99. */
static void stats_dists(struct an_csv *c, const struct an_run *run)
{
    static const struct {
        const char *prefix;
        size_t off;
        int pcts_only;      /* 1: only the percentiles of the brief view */
        int pct;            /* >= 0: this percentile alone */
    } spec[] = {
        { "latency", offsetof(struct an_run, latency), 0, -1 },
        { "service", offsetof(struct an_run, service), 1, -1 },
        { "lag", offsetof(struct an_run, lag), 1, AN_P99 },
    };
    for (size_t s = 0; s < sizeof spec / sizeof spec[0]; s++) {
        for (const struct an_col *k = an_cols; k < an_cols + AN_NCOLS; k++) {
            if (!(k->views & AN_VIEW_BRIEF) || (spec[s].pcts_only && k->kind != AN_COL_PCT) ||
                (spec[s].pct >= 0 && k->pct != spec[s].pct))
                continue;
            if (!run)
                an_csv_fmt(c, "%s_%s", spec[s].prefix, k->key);
            else
                dist_cell(c, an_dist_cell((const void *)((const char *)run + spec[s].off), k));
        }
    }
}

/* The stats table's header: what names the run, its counts, its rates, then latency_<col>
 * for the brief columns, the service percentiles, lag p99 and the window. */
static void stats_header(struct an_csv *c)
{
    static const char *const head[] = {
        "run", "label", "db", "id", "uuid", "name", "kind", "status", "partial", "target",
        "group_id", "merged_runs", "started_at", "finished_at", "requests", "sent",
        "never_sent", "answered", "ok", "failed", "error_ratio", "status_429", "status_5xx",
        "status_4xx_other", "offered_per_s", "achieved_per_s", "ok_per_s", "failed_per_s",
        "duration_s",
    };
    static const char *const tail[] = {
        "rate_window_from_us", "rate_window_to_us", "rate_window", "window_s",
        "completion_span_s", "target_per_s", "requests_per_s", "judged",
        "locust_requests_per_s",
    };
    for (size_t k = 0; k < sizeof head / sizeof head[0]; k++)
        an_csv_str(c, head[k]);
    stats_dists(c, NULL);
    for (size_t k = 0; k < sizeof tail / sizeof tail[0]; k++)
        an_csv_str(c, tail[k]);
    an_csv_end(c);
}

/* The stats row up to duration_s: who the run is, its counts and its rates. */
static void stats_counts(struct an_csv *c, const struct an_report *r, size_t i)
{
    const struct an_run *run = &r->runs[i];
    const struct rt_run_info *ri = &run->info;
    run_cols(c, r, i);
    an_csv_str(c, run->db_path);
    if (run->nparts > 1)
        an_csv_str(c, NULL);        /* a merged group has no id of its own (json: null) */
    else
        an_csv_fmt(c, "%lld", (long long)ri->id);
    an_csv_str(c, ri->uuid);
    an_csv_str(c, ri->name);
    an_csv_str(c, ri->kind);
    an_csv_str(c, ri->status);
    an_csv_fmt(c, "%d", run->partial);
    an_csv_str(c, ri->target);
    an_csv_str(c, ri->group_id);
    an_csv_fmt(c, "%zu", run->nparts);
    an_csv_str(c, ri->started_at);
    an_csv_str(c, ri->finished_at);
    an_csv_fmt(c, "%lld", (long long)run->requests);
    an_csv_fmt(c, "%lld", (long long)run->sent);
    an_csv_fmt(c, "%lld", (long long)run->never_sent);
    an_csv_fmt(c, "%lld", (long long)run->answered);
    an_csv_fmt(c, "%lld", (long long)run->ok);
    an_csv_fmt(c, "%lld", (long long)run->failed);
    an_csv_fmt(c, "%.6f", run->error_ratio);
    an_csv_fmt(c, "%lld", (long long)run->s429);
    an_csv_fmt(c, "%lld", (long long)run->s5xx);
    an_csv_fmt(c, "%lld", (long long)run->s4xx);
    rate_cell(c, run->offered_per_s > 0, run->offered_per_s);
    rate_cell(c, run->have_rate, run->achieved_per_s);
    rate_cell(c, run->have_rate, run->ok_per_s);
    rate_cell(c, run->have_rate, run->failed_per_s);
    rate_cell(c, run->duration_s > 0, run->duration_s);
}

/* The stats row from latency_n on: the distributions (the same columns as stats_header),
 * the window and what follows. */
static void stats_figures(struct an_csv *c, const struct an_report *r, size_t i)
{
    const struct an_run *run = &r->runs[i];
    stats_dists(c, run);
    if (run->have_rate) {
        an_csv_fmt(c, "%lld", (long long)run->rate_from_us);
        an_csv_fmt(c, "%lld", (long long)run->rate_to_us);
        an_csv_str(c, run->rate_from_schedule ? "schedule" : "completion_span");
        an_csv_fmt(c, "%.6f", run->window_s);
    } else {
        for (int k = 0; k < 4; k++)
            an_csv_str(c, NULL);
    }
    rate_cell(c, run->duration_s > 0, run->duration_s);
    rate_cell(c, run->target_per_s > 0, run->target_per_s);
    rate_cell(c, run->have_rate, run->requests_per_s);
    an_csv_fmt(c, "%d", an_is_judged(r, i));
    rate_cell(c, run->have_rate, run->locust_per_s);
}

static void t_stats(struct an_csv *c, const struct an_report *r)
{
    stats_header(c);
    for (size_t i = 0; i < r->nruns; i++) {
        stats_counts(c, r, i);
        stats_figures(c, r, i);
        an_csv_end(c);
    }
}

static void t_breakdown(struct an_csv *c, const struct an_report *r)
{
    an_csv_str(c, "run");
    an_csv_str(c, "label");
    an_csv_str(c, "kind");
    an_csv_str(c, "key");
    an_csv_str(c, "count");
    an_csv_end(c);
    for (size_t i = 0; i < r->nruns; i++) {
        const struct an_run *run = &r->runs[i];
        for (int s = 0; s <= AN_NSTATUS; s++) {
            if (!run->status_n[s])
                continue;
            run_cols(c, r, i);
            an_csv_str(c, "status");
            if (s == AN_NSTATUS)
                an_csv_str(c, "other");
            else
                an_csv_fmt(c, "%d", s);
            an_csv_fmt(c, "%lld", (long long)run->status_n[s]);
            an_csv_end(c);
        }
        for (size_t e = 0; e <= run->nerrors; e++) {
            if (e == run->nerrors && !run->errors_other)
                break;
            run_cols(c, r, i);
            an_csv_str(c, "error");
            an_csv_str(c, e < run->nerrors ? run->errors[e].word : "other");
            an_csv_fmt(c, "%lld", (long long)(e < run->nerrors ? run->errors[e].n
                                                               : run->errors_other));
            an_csv_end(c);
        }
    }
}

/* Every distribution of every run, a row each, every column. */
static void t_percentiles(struct an_csv *c, const struct an_report *r)
{
    an_csv_str(c, "run");
    an_csv_str(c, "label");
    an_csv_str(c, "metric");
    for (const struct an_col *k = an_cols; k < an_cols + AN_NCOLS; k++)
        an_csv_str(c, k->key);
    an_csv_end(c);
    for (size_t i = 0; i < r->nruns; i++) {
        struct an_drow rows[AN_NDROWS];
        an_dist_rows(&r->runs[i], rows);
        for (size_t d = 0; d < AN_NDROWS; d++) {
            run_cols(c, r, i);
            an_csv_str(c, rows[d].key);
            for (const struct an_col *k = an_cols; k < an_cols + AN_NCOLS; k++)
                dist_cell(c, an_dist_cell(rows[d].d, k));
            an_csv_end(c);
        }
    }
}

static void t_series(struct an_csv *c, const struct an_report *r)
{
    static const char *const hdr[] = {
        "run", "label", "t_s", "scheduled", "sent", "answered", "ok", "failed", "status_429",
        "status_5xx", "inflight", "offered_per_s", "achieved_per_s", "latency_n",
        "latency_mean_us", "latency_p50_us", "latency_p90_us", "latency_p99_us",
        "latency_max_us",
    };
    for (size_t k = 0; k < sizeof hdr / sizeof hdr[0]; k++)
        an_csv_str(c, hdr[k]);
    an_csv_end(c);
    for (size_t i = 0; i < r->nruns; i++) {
        const struct an_run *run = &r->runs[i];
        double iv = (double)run->interval_us / 1e6;
        for (size_t b = 0; b < run->nseries; b++) {
            const struct an_bucket *k = &run->series[b];
            run_cols(c, r, i);
            an_csv_fmt(c, "%g", (double)b * iv);
            an_csv_fmt(c, "%lld", (long long)k->scheduled);
            an_csv_fmt(c, "%lld", (long long)k->sent);
            an_csv_fmt(c, "%lld", (long long)k->answered);
            an_csv_fmt(c, "%lld", (long long)k->ok);
            an_csv_fmt(c, "%lld", (long long)k->failed);
            an_csv_fmt(c, "%lld", (long long)k->s429);
            an_csv_fmt(c, "%lld", (long long)k->s5xx);
            an_csv_fmt(c, "%lld", (long long)k->inflight);
            an_csv_fmt(c, "%.6f", (double)k->scheduled / iv);
            an_csv_fmt(c, "%.6f", (double)k->answered / iv);
            an_csv_fmt(c, "%zu", k->lat_n);
            if (k->lat_n) {
                an_csv_fmt(c, "%.1f", k->lat_mean);
                an_csv_fmt(c, "%lld", (long long)k->lat_p50);
                an_csv_fmt(c, "%lld", (long long)k->lat_p90);
                an_csv_fmt(c, "%lld", (long long)k->lat_p99);
                an_csv_fmt(c, "%lld", (long long)k->lat_max);
            } else {
                for (int x = 0; x < 5; x++)
                    an_csv_str(c, NULL);
            }
            an_csv_end(c);
        }
    }
}

static void t_histogram(struct an_csv *c, const struct an_report *r)
{
    an_csv_str(c, "run");
    an_csv_str(c, "label");
    an_csv_str(c, "bin_lo_us");
    an_csv_str(c, "bin_hi_us");
    an_csv_str(c, "count");
    an_csv_str(c, "cumulative_ratio");
    an_csv_end(c);
    int64_t edges[256];
    uint64_t counts[256];
    size_t ne = an_hist_edges(r, edges, 256);
    for (size_t i = 0; ne >= 2 && i < r->nruns; i++) {
        const struct an_dist *d = &r->runs[i].latency;
        if (!d->n || !d->v)
            continue;
        rt_stats_histogram(d->v, d->n, edges, ne, counts);
        uint64_t cum = 0;
        for (size_t b = 0; b + 1 < ne; b++) {
            cum += counts[b];
            run_cols(c, r, i);
            an_csv_fmt(c, "%lld", (long long)edges[b]);
            an_csv_fmt(c, "%lld", (long long)edges[b + 1]);
            an_csv_fmt(c, "%llu", (unsigned long long)counts[b]);
            an_csv_fmt(c, "%.6f", (double)cum / (double)d->n);
            an_csv_end(c);
        }
    }
}

static void t_verdicts(struct an_csv *c, const struct an_report *r)
{
    static const char *const hdr[] = { "run", "label", "kind", "what", "measured", "pass" };
    for (size_t k = 0; k < sizeof hdr / sizeof hdr[0]; k++)
        an_csv_str(c, hdr[k]);
    an_csv_end(c);
    for (size_t i = 0; i < r->nverdicts; i++) {
        const struct an_verdict *v = &r->verdicts[i];
        run_cols(c, r, v->run);
        an_csv_str(c, an_vkind_name(v->kind));
        an_csv_str(c, v->what);
        an_csv_str(c, v->measured);
        an_csv_fmt(c, "%d", v->pass);
        an_csv_end(c);
    }
}

static const struct {
    const char *name;
    void (*write)(struct an_csv *, const struct an_report *);
} tabs[] = {
    { "stats", t_stats }, { "breakdown", t_breakdown }, { "percentiles", t_percentiles },
    { "series", t_series }, { "histogram", t_histogram }, { "verdicts", t_verdicts },
};

int an_out_csv(const struct an_report *r, const char *path)
{
    for (size_t t = 0; t < sizeof tabs / sizeof tabs[0]; t++) {
        FILE *f = stdout;
        char *name = NULL;
        if (path) {
            size_t n = strlen(path) + 32;
            name = malloc(n);
            if (!name) {
                rt_msg_error("out of memory");
                return RT_EXIT_RUNTIME;
            }
            snprintf(name, n, "%s_%s.csv", path, tabs[t].name);
            f = fopen(name, "w");
            if (!f) {
                rt_msg_error("cannot write %s: %s (check the -o prefix)", name,
                             strerror(errno));
                free(name);
                return RT_EXIT_RUNTIME;
            }
        } else if (t > 0) {
            fputc('\n', f);
        }
        struct an_csv c = { f, 0, 0 };
        tabs[t].write(&c, r);
        int bad = fflush(f) != 0 || ferror(f);
        if (f != stdout)
            bad |= fclose(f) != 0;
        if (bad) {
            rt_msg_error("cannot write %s: %s", name ? name : "stdout", strerror(errno));
            free(name);
            return RT_EXIT_RUNTIME;
        }
        free(name);
    }
    return 0;
}
