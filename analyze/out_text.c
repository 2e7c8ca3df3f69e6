/*
 * out_text.c - the terminal report.  The two central tables copy locust's console layout
 * (locust/stats.py: the "Type Name # reqs # fails | Avg Min Max Med | req/s failures/s" table
 * and the "Response time percentiles" table; the name column fitted to the name, see
 * name_width), so a reader can hold a revtrace run beside the published locust runs
 * (data/phab-locust-runs.csv) and read the same columns.  Two
 * differences, both stated in the headings: our percentiles are exact (nearest rank), and the
 * response times are HTTP-200 latencies from the *scheduled* send.  Milliseconds carry one
 * decimal below 1 s, since a local emulator answers in well under a millisecond.
 */
#include "analyze/analyze.h"

#include <stdio.h>
#include <string.h>

#define TYPE_W 8
#define NAME_W_MAX 60   /* keeps a single-run report within 160 columns */

/*
 * locust pads the name column to a fixed STATS_NAME_WIDTH (80 off a terminal), which makes
 * a 175-column table for a 38-character path.  Ours fits the name: the percentile table's
 * name column is the name (at least "Aggregated") plus 4, at most 60 (so a single-run
 * report stays within 160 columns; a longer name overflows its column, as in locust), and
 * the stats table keeps locust's relation (4 narrower), so the columns keep locust's order,
 * headers and separators.
 */
static int name_width(const char *path)
{
    int w = (int)strlen(path);
    if (w < (int)strlen("Aggregated"))
        w = (int)strlen("Aggregated");
    w += 4;
    return w > NAME_W_MAX ? NAME_W_MAX : w;
}

/* A millisecond cell: one decimal below 1000 ms, integer above; "N/A" when absent. */
static const char *ms_cell(char *buf, size_t len, int have, double us)
{
    if (!have)
        snprintf(buf, len, "N/A");
    else if (us < 1e6 && us > -1e6)
        snprintf(buf, len, "%.1f", us / 1e3);
    else
        snprintf(buf, len, "%.0f", us / 1e3);
    return buf;
}

static void dashes(FILE *out, int n)
{
    for (int i = 0; i < n; i++)
        fputc('-', out);
}

static void stats_rule(FILE *out, int nw)
{
    dashes(out, TYPE_W);
    fputc('|', out);
    dashes(out, nw);
    fputs("|-------|-------------|-------|-------|-------|-------|--------|-----------\n", out);
}

/* locust's request statistics table: a POST row and the same figures as Aggregated. */
static void stats_table(FILE *out, const struct an_run *run, const char *path)
{
    int nw = name_width(path) - 4;
    char a[32], mi[32], ma[32], me[32], fails[48];
    fprintf(out, "%-*s %-*s %7s %12s |%7s %7s %7s%7s | %7s %11s\n", TYPE_W, "Type", nw, "Name",
            "# reqs", "# fails", "Avg", "Min", "Max", "Med", "req/s", "failures/s");
    stats_rule(out, nw);
    const struct an_dist *d = &run->latency;
    snprintf(fails, sizeof fails, "%lld(%.2f%%)", (long long)run->failed,
             run->error_ratio * 100.0);
    double rps = run->have_rate ? run->requests_per_s : 0;
    for (int row = 0; row < 2; row++) {
        if (row == 1)
            stats_rule(out, nw);
        fprintf(out, "%-*s %-*s %7lld %12s |%7s %7s %7s%7s | %7.2f %11.2f\n", TYPE_W,
                row == 0 ? "POST" : "", nw, row == 0 ? path : "Aggregated",
                (long long)run->requests, fails, ms_cell(a, sizeof a, d->n > 0, d->s.mean),
                ms_cell(mi, sizeof mi, d->n > 0, (double)d->s.min),
                ms_cell(ma, sizeof ma, d->n > 0, (double)d->s.max),
                ms_cell(me, sizeof me, d->n > 0, (double)d->pct[AN_P50]), rps,
                run->failed_per_s);
    }
}

/* The rule above each row of pct_table: the first percentile column 8 wide, the rest and
 * the count 6, as locust. */
static void pct_rule(FILE *out, int name_w)
{
    dashes(out, TYPE_W);
    fputc('|', out);
    dashes(out, name_w);
    int w = 8;
    for (const struct an_col *c = an_cols; c < an_cols + AN_NCOLS; c++) {
        if (c->views & AN_VIEW_PCTS) {
            fputc('|', out);
            dashes(out, w);
            w = 6;
        }
    }
    fputc('|', out);
    dashes(out, 6);
    fputc('\n', out);
}

/*
 * locust's "Response time percentiles" table over one distribution: the percentile columns,
 * then the count; a POST row and the same figures as the Aggregated row.
 */
static void pct_table(FILE *out, const char *title, const struct an_dist *d, const char *path)
{
    const int NAME_W = name_width(path);
    fprintf(out, "%s\n", title);
    fprintf(out, "%-*s %-*s", TYPE_W, "Type", NAME_W, "Name");
    int w = 8;
    for (const struct an_col *c = an_cols; c < an_cols + AN_NCOLS; c++) {
        if (c->views & AN_VIEW_PCTS) {
            fprintf(out, " %*s", w, c->head);
            w = 6;
        }
    }
    fprintf(out, " %6s\n", "# reqs");
    for (int row = 0; row < 2; row++) {
        pct_rule(out, NAME_W);
        fprintf(out, "%-*s %-*s", TYPE_W, row == 0 ? "POST" : "", NAME_W,
                row == 0 ? path : "Aggregated");
        w = 8;
        for (const struct an_col *c = an_cols; c < an_cols + AN_NCOLS; c++) {
            if (!(c->views & AN_VIEW_PCTS))
                continue;
            struct an_cell v = an_dist_cell(d, c);
            char b[32];
            fprintf(out, " %*s", w, ms_cell(b, sizeof b, v.have, v.x));
            w = 6;
        }
        fprintf(out, " %6zu\n", d->n);
    }
    if (d->n == 0)
        fprintf(out, "(no HTTP-200 answers: there is no latency to take percentiles of)\n");
    fputc('\n', out);
}

/* A row of the brief distribution tables (phases, lag): the AN_VIEW_BRIEF columns. */
static void dist_row(FILE *out, const struct an_drow *row)
{
    fprintf(out, "  %-12s", row->key);
    for (const struct an_col *c = an_cols; c < an_cols + AN_NCOLS; c++) {
        if (!(c->views & AN_VIEW_BRIEF))
            continue;
        struct an_cell v = an_dist_cell(row->d, c);
        char b[32];
        if (c->kind == AN_COL_N)
            fprintf(out, " %9lld", (long long)v.i);
        else
            fprintf(out, " %9s", ms_cell(b, sizeof b, v.have, v.x));
    }
    fputc('\n', out);
}

static void dist_header(FILE *out, const char *title)
{
    fprintf(out, "%s\n  %-12s", title, "");
    for (const struct an_col *c = an_cols; c < an_cols + AN_NCOLS; c++)
        if (c->views & AN_VIEW_BRIEF)
            fprintf(out, " %9s", c->name);
    fputc('\n', out);
}

static void run_header(FILE *out, const struct an_run *run)
{
    const struct rt_run_info *ri = &run->info;
    fprintf(out, "Run %s (%s, %s)%s\n", run->label, ri->kind ? ri->kind : "?",
            ri->status ? ri->status : "?",
            run->partial ? "  ** PARTIAL: the run is not complete; figures cover what was "
                           "recorded **" : "");
    if (run->nparts > 1) {
        /* The group, not its first part: no uuid or shard of its own. */
        fprintf(out, "  group      %s: %zu parts merged: %s\n", run->group_id, run->nparts,
                run->parts ? run->parts : "");
        fprintf(out, "  part uuids");
        for (size_t k = 0; k < run->nparts; k++)
            fprintf(out, "%s%s", k ? ", " : " ", run->part_uuids[k] ? run->part_uuids[k] : "?");
        fputc('\n', out);
        fprintf(out, "  database   %s (first part)\n", run->db_path);
    } else {
        fprintf(out, "  database   %s  (uuid %s)\n", run->db_path, ri->uuid ? ri->uuid : "?");
    }
    fprintf(out, "  target     %s\n", ri->target ? ri->target : "?");
    fprintf(out, "  started    %s   finished %s\n", ri->started_at ? ri->started_at : "?",
            ri->finished_at ? ri->finished_at : "-");
    if (ri->source_run_uuid)
        fprintf(out, "  replay of  %s at speed %gx%s%s\n", ri->source_run_uuid, ri->speed,
                ri->shard ? ", shard " : "", ri->shard ? ri->shard : "");
    fprintf(out, "  requests   %lld scheduled, %lld sent, %lld answered, %lld HTTP-200, "
            "%lld failed (%.2f%%)\n", (long long)run->requests, (long long)run->sent,
            (long long)run->answered, (long long)run->ok, (long long)run->failed,
            run->error_ratio * 100.0);
    fprintf(out, "  status    ");
    for (int s = 0; s <= AN_NSTATUS; s++)
        if (run->status_n[s])
            fprintf(out, " %s%d: %lld", s == AN_NSTATUS ? ">" : "", s == AN_NSTATUS ? 599 : s,
                    (long long)run->status_n[s]);
    fprintf(out, "   (429: %lld, 5xx: %lld, 4xx other: %lld; 0 = no HTTP answer)\n",
            (long long)run->s429, (long long)run->s5xx, (long long)run->s4xx);
    if (run->nerrors || run->errors_other) {
        fprintf(out, "  errors    ");
        for (size_t e = 0; e < run->nerrors; e++)
            fprintf(out, " %s: %lld", run->errors[e].word, (long long)run->errors[e].n);
        if (run->errors_other)
            fprintf(out, " other: %lld", (long long)run->errors_other);
        fputc('\n', out);
        for (size_t e = 0; e < run->nerrors; e++)
            if (run->errors[e].detail[0])
                fprintf(out, "  why        %s: %s (%lld of %lld)\n", run->errors[e].word,
                        run->errors[e].detail, (long long)run->errors[e].detail_n,
                        (long long)run->errors[e].n);
    }
    if (run->offered_per_s > 0)
        fprintf(out, "  offered    %.2f/s = %.0f/h (%s)\n", run->offered_per_s,
                run->offered_per_s * 3600.0,
                run->offered_from_run ? "the run's target rate"
                : run->rate_from_schedule ? "scheduled requests / schedule window"
                                          : "requests / completion span");
    else
        fprintf(out, "  offered    n/a (a single request without a completion)\n");
    if (run->have_rate)
        fprintf(out, "  achieved   %.2f/s = %.0f/h answered; HTTP-200 %.2f/s = %.0f/h  "
                "(per second of the %s, %.1f s)\n",
                run->achieved_per_s, run->achieved_per_s * 3600.0, run->ok_per_s,
                run->ok_per_s * 3600.0,
                run->rate_from_schedule ? "schedule window" : "completion span",
                run->window_s);
    else
        fprintf(out, "  achieved   n/a (no schedule span and no completed request)\n");
    if (run->have_rate && run->target_per_s <= 0)   /* closed loop: locust's count beside */
        fprintf(out, "  req/s      %.2f/s every request; locust-style %.2f/s (the %lld that "
                "ended within the window: locust drops those in flight at the stop)\n",
                run->requests_per_s, run->locust_per_s, (long long)run->locust_requests);
    if (run->duration_s > 0)
        fprintf(out, "  completion span %.1f s (first send to last completion)\n",
                run->duration_s);
    if (run->max_loop_stall_us >= 0)
        fprintf(out, "  loop stall %.1f ms at most (the load generator's own: in-flight "
                "requests are charged it as service time)\n",
                (double)run->max_loop_stall_us / 1000.0);
    char cpu[192];
    if (an_fmt_client_cpu(cpu, sizeof cpu, run)[0])
        fprintf(out, "  client %s (revtrace's own user + system time; near 100 %% of a core "
                "per send thread, the tool itself was the limit)\n", cpu);
    fputc('\n', out);
}

static void series_table(FILE *out, const struct an_run *run)
{
    if (run->nseries == 0)
        return;
    double iv = (double)run->interval_us / 1e6;
    fprintf(out, "Time series (%gs intervals after t0; offered by schedule, the rest by "
            "completion; HTTP-200 latency in ms)\n", iv);
    fprintf(out, "  %8s %10s %10s %8s %8s %6s %6s %9s %9s %9s %9s\n", "t(s)", "offered/s",
            "achieved/s", "ok", "failed", "429", "5xx", "p50", "p90", "p99", "max");
    for (size_t b = 0; b < run->nseries; b++) {
        const struct an_bucket *k = &run->series[b];
        char c[4][32];
        int h = k->lat_n > 0;
        fprintf(out, "  %8.0f %10.2f %10.2f %8lld %8lld %6lld %6lld %9s %9s %9s %9s\n",
                (double)b * iv, (double)k->scheduled / iv, (double)k->answered / iv,
                (long long)k->ok, (long long)k->failed, (long long)k->s429,
                (long long)k->s5xx, ms_cell(c[0], 32, h, (double)k->lat_p50),
                ms_cell(c[1], 32, h, (double)k->lat_p90),
                ms_cell(c[2], 32, h, (double)k->lat_p99),
                ms_cell(c[3], 32, h, (double)k->lat_max));
    }
    fputc('\n', out);
}

/* The brief table of the rows of one kind (the phases, or the lag). */
static void dist_table(FILE *out, const char *title, const struct an_drow *rows,
                       enum an_drow_kind kind)
{
    dist_header(out, title);
    for (size_t k = 0; k < AN_NDROWS; k++)
        if (rows[k].kind == kind)
            dist_row(out, &rows[k]);
    fputc('\n', out);
}

static void one_run(FILE *out, const struct an_run *run)
{
    static const char *const pct_titles[] = {
        [AN_D_LATENCY] = "Response time percentiles (exact, nearest rank; HTTP-200 latency "
                         "from the scheduled send to the answer, ms)",
        [AN_D_SERVICE] = "Service time percentiles (exact, nearest rank; HTTP-200, from the "
                         "actual send, ms)",
    };
    char path[512];
    struct an_drow rows[AN_NDROWS];
    an_target_path(path, sizeof path, run->info.target);
    an_dist_rows(run, rows);
    run_header(out, run);
    stats_table(out, run, path);
    fputc('\n', out);
    /* locust's percentile tables for the response times, brief tables for the rest */
    for (size_t k = 0; k < AN_NDROWS; k++)
        if (rows[k].kind == AN_D_LATENCY || rows[k].kind == AN_D_SERVICE)
            pct_table(out, pct_titles[rows[k].kind], rows[k].d, path);
    dist_table(out, "Phases of HTTP-200 requests (ms; first_byte = connection ready to first "
               "byte)", rows, AN_D_PHASE);
    dist_table(out, "Schedule lag (actual send - scheduled send, ms; every sent request)",
               rows, AN_D_LAG);
    series_table(out, run);
}

static void compare_table(FILE *out, const struct an_report *r)
{
    fprintf(out, "Comparison (deltas against the baseline: %s)\n",
            r->runs[r->baseline].label);
    /* A column is as wide as its run's label (at least 20), never cutting the label. */
    fprintf(out, "  %-16s", "figure");
    for (size_t i = 0; i < r->nruns; i++) {
        fprintf(out, " %20s", r->runs[i].label);
        if (i != r->baseline)
            fprintf(out, " %8s", "delta");
    }
    fputc('\n', out);
    for (size_t k = 0; k < r->ncmp; k++) {
        const struct an_cmp_row *c = &r->cmp[k];
        fprintf(out, "  %-16s", c->name);
        for (size_t i = 0; i < r->nruns; i++) {
            char v[48], d[32];
            int w = (int)strlen(r->runs[i].label);
            fprintf(out, " %*s", w > 20 ? w : 20,
                    c->have[i] ? an_fmt_value(v, sizeof v, c->unit, c->v[i]) : "n/a");
            if (i != r->baseline)
                fprintf(out, " %8s", c->have[i] && c->have[r->baseline]
                        ? an_fmt_delta(d, sizeof d, c->v[r->baseline], c->v[i]) : "");
        }
        fputc('\n', out);
    }
    fputc('\n', out);
}

int an_out_text(const struct an_report *r, FILE *out)
{
    for (size_t i = 0; i < r->nruns; i++)
        one_run(out, &r->runs[i]);
    if (r->nruns >= 2)
        compare_table(out, r);
    if (r->nverdicts) {
        fprintf(out, "Verdicts\n");
        for (size_t i = 0; i < r->nverdicts; i++)
            an_print_verdict_line(out, r, &r->verdicts[i]);
        int any = 0;
        for (size_t i = 0; i < r->nruns; i++) {
            if (an_is_judged(r, i))
                continue;
            fprintf(out, "%s%s", any ? ", " : "  not judged (--judge): ", r->runs[i].label);
            any = 1;
        }
        if (any)
            fputc('\n', out);
        fprintf(out, "Result: %s\n", r->failed ? "FAIL" : "PASS");
    }
    return 0;
}
