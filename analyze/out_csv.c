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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool/cli.h"

static void run_cols(struct an_csv *c, const struct an_report *r, size_t i)
{
    an_csv_fmt(c, "%zu", i);
    an_csv_str(c, r->runs[i].label);
}

static void t_stats(struct an_csv *c, const struct an_report *r)
{
    static const char *const hdr[] = {
        "run", "label", "db", "id", "uuid", "name", "kind", "status", "partial", "target",
        "group_id", "merged_runs", "started_at", "finished_at", "requests", "sent",
        "never_sent", "answered", "ok", "failed", "error_ratio", "status_429", "status_5xx",
        "status_4xx_other", "offered_per_s", "achieved_per_s", "ok_per_s", "failed_per_s",
        "duration_s", "latency_n", "latency_mean_us", "latency_min_us", "latency_p50_us",
        "latency_p90_us", "latency_p99_us", "latency_max_us", "service_p50_us",
        "service_p90_us", "service_p99_us", "lag_p99_us", "rate_window_from_us",
        "rate_window_to_us", "rate_window", "window_s", "completion_span_s", "target_per_s",
        "requests_per_s", "judged",
    };
    for (size_t k = 0; k < sizeof hdr / sizeof hdr[0]; k++)
        an_csv_str(c, hdr[k]);
    an_csv_end(c);
    for (size_t i = 0; i < r->nruns; i++) {
        const struct an_run *run = &r->runs[i];
        const struct rt_run_info *ri = &run->info;
        run_cols(c, r, i);
        an_csv_str(c, run->db_path);
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
        if (run->offered_per_s > 0)
            an_csv_fmt(c, "%.6f", run->offered_per_s);
        else
            an_csv_str(c, NULL);
        if (run->have_rate) {
            an_csv_fmt(c, "%.6f", run->achieved_per_s);
            an_csv_fmt(c, "%.6f", run->ok_per_s);
            an_csv_fmt(c, "%.6f", run->failed_per_s);
        } else {
            for (int k = 0; k < 3; k++)
                an_csv_str(c, NULL);
        }
        if (run->duration_s > 0)
            an_csv_fmt(c, "%.6f", run->duration_s);
        else
            an_csv_str(c, NULL);
        const struct an_dist *l = &run->latency;
        an_csv_fmt(c, "%zu", l->n);
        if (l->n) {
            an_csv_fmt(c, "%.1f", l->s.mean);
            an_csv_fmt(c, "%lld", (long long)l->s.min);
            an_csv_fmt(c, "%lld", (long long)l->pct[0]);
            an_csv_fmt(c, "%lld", (long long)l->pct[4]);
            an_csv_fmt(c, "%lld", (long long)l->pct[7]);
            an_csv_fmt(c, "%lld", (long long)l->s.max);
        } else {
            for (int k = 0; k < 6; k++)
                an_csv_str(c, NULL);
        }
        const struct an_dist *s = &run->service;
        for (int k = 0; k < 3; k++) {
            static const int idx[3] = { 0, 4, 7 };
            if (s->n)
                an_csv_fmt(c, "%lld", (long long)s->pct[idx[k]]);
            else
                an_csv_str(c, NULL);
        }
        if (run->lag.n)
            an_csv_fmt(c, "%lld", (long long)run->lag.pct[7]);
        else
            an_csv_str(c, NULL);
        if (run->have_rate) {
            an_csv_fmt(c, "%lld", (long long)run->rate_from_us);
            an_csv_fmt(c, "%lld", (long long)run->rate_to_us);
            an_csv_str(c, run->rate_from_schedule ? "schedule" : "completion_span");
            an_csv_fmt(c, "%.6f", run->window_s);
        } else {
            for (int k = 0; k < 4; k++)
                an_csv_str(c, NULL);
        }
        if (run->duration_s > 0)
            an_csv_fmt(c, "%.6f", run->duration_s);
        else
            an_csv_str(c, NULL);
        if (run->target_per_s > 0)
            an_csv_fmt(c, "%.6f", run->target_per_s);
        else
            an_csv_str(c, NULL);
        if (run->have_rate)
            an_csv_fmt(c, "%.6f", run->requests_per_s);
        else
            an_csv_str(c, NULL);
        an_csv_fmt(c, "%d", an_is_judged(r, i));
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

static void dist_row(struct an_csv *c, const struct an_report *r, size_t i, const char *metric,
                     const struct an_dist *d)
{
    run_cols(c, r, i);
    an_csv_str(c, metric);
    an_csv_fmt(c, "%zu", d->n);
    if (d->n) {
        an_csv_fmt(c, "%.1f", d->s.mean);
        an_csv_fmt(c, "%lld", (long long)d->s.min);
        for (int p = 0; p < RT_STATS_NPCTS; p++)
            an_csv_fmt(c, "%lld", (long long)d->pct[p]);
        an_csv_fmt(c, "%lld", (long long)d->s.max);
    } else {
        for (int p = 0; p < RT_STATS_NPCTS + 3; p++)
            an_csv_str(c, NULL);
    }
    an_csv_end(c);
}

static void t_percentiles(struct an_csv *c, const struct an_report *r)
{
    an_csv_str(c, "run");
    an_csv_str(c, "label");
    an_csv_str(c, "metric");
    an_csv_str(c, "n");
    an_csv_str(c, "mean_us");
    an_csv_str(c, "min_us");
    for (int p = 0; p < RT_STATS_NPCTS; p++)
        an_csv_fmt(c, "p%g_us", rt_stats_pcts[p]);
    an_csv_str(c, "max_us");
    an_csv_end(c);
    for (size_t i = 0; i < r->nruns; i++) {
        const struct an_run *run = &r->runs[i];
        dist_row(c, r, i, "latency", &run->latency);
        dist_row(c, r, i, "service", &run->service);
        dist_row(c, r, i, "lag", &run->lag);
        for (int p = 0; p < AN_NPHASES; p++)
            dist_row(c, r, i, an_phase_names[p], &run->phase[p]);
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
