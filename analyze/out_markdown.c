/*
 * out_markdown.c - the report as GitHub-flavoured Markdown tables, and the table-and-heading
 * writer that out_remarkup.c reuses with Phabricator's dialect (struct an_md_dialect: how to
 * write a heading, escape a cell, open a code block, mark pass/fail).  The content is the
 * text report's, in the order a reviewer reads it: verdicts first, then each run, then the
 * comparison.  Every string that comes from the database (names, targets, error words) goes
 * through the dialect's escaping.
 */
#include "analyze/analyze.h"

#include <stdio.h>
#include <string.h>


static void row_start(FILE *out)
{
    fputs("|", out);
}

static void cell(FILE *out, const struct an_md_dialect *d, const char *s)
{
    fputc(' ', out);
    d->cell(out, s);
    fputs(" |", out);
}

static void cellf(FILE *out, const char *s)
{
    fprintf(out, " %s |", s);
}

/* The header separator: right-aligned numbers where the dialect has alignment (Markdown's
 * "---:"); dashes alone where it does not (Remarkup takes a row as the separator only when
 * every cell is dashes). */
static void sep(FILE *out, const struct an_md_dialect *d, int ncols, int first_left)
{
    fputs("|", out);
    for (int i = 0; i < ncols; i++)
        fputs(i == 0 && first_left ? " --- |" : d->align ? " ---: |" : " --- |", out);
    fputc('\n', out);
}

static void verdicts(FILE *out, const struct an_report *r, const struct an_md_dialect *d)
{
    d->heading(out, 2, r->failed ? "Verdicts: FAIL" : "Verdicts: PASS");
    if (r->nverdicts == 0) {
        d->text(out, "No verdict was asked for.");
        fputs("\n\n", out);
        return;
    }
    fputs("| result | check | measured | run |\n| --- | --- | --- | --- |\n", out);
    for (size_t i = 0; i < r->nverdicts; i++) {
        const struct an_verdict *v = &r->verdicts[i];
        row_start(out);
        cellf(out, v->pass ? d->pass : d->fail);
        cell(out, d, v->what);
        cell(out, d, v->measured);
        cell(out, d, r->runs[v->run].label);
        fputc('\n', out);
    }
    fputc('\n', out);
    /* The runs --judge left out, lest a reader take them for passes. */
    char b[1024];
    size_t used = (size_t)snprintf(b, sizeof b, "Not judged (--judge):");
    int any = 0;
    for (size_t i = 0; i < r->nruns && used < sizeof b; i++) {
        if (an_is_judged(r, i))
            continue;
        used += (size_t)snprintf(b + used, sizeof b - used, "%s %s", any ? "," : "",
                                 r->runs[i].label);
        any = 1;
    }
    if (any) {
        d->text(out, b);
        fputs("\n\n", out);
    }
}

/* The distributions of a run as one table: a row each, the AN_VIEW_TABLE columns. */
static void dist_table(FILE *out, const struct an_run *run, const struct an_md_dialect *d)
{
    struct an_drow rows[AN_NDROWS];
    int ncols = 1;
    an_dist_rows(run, rows);
    d->heading(out, 3, "Response times (ms; exact percentiles by nearest rank)");
    fputs("| |", out);
    for (const struct an_col *c = an_cols; c < an_cols + AN_NCOLS; c++) {
        if (c->views & AN_VIEW_TABLE) {
            fprintf(out, " %s |", c->head);
            ncols++;
        }
    }
    fputc('\n', out);
    sep(out, d, ncols, 1);
    for (size_t k = 0; k < AN_NDROWS; k++) {
        row_start(out);
        cell(out, d, rows[k].label);
        for (const struct an_col *c = an_cols; c < an_cols + AN_NCOLS; c++) {
            char b[32];
            if (c->views & AN_VIEW_TABLE)
                cellf(out, an_fmt_dist_cell(b, sizeof b, rows[k].d, c));
        }
        fputc('\n', out);
    }
    fputc('\n', out);
    if (run->latency.n == 0) {
        d->text(out, "No HTTP-200 answers: there is no latency to take percentiles of.");
        fputs("\n\n", out);
    }
}

static void kv(FILE *out, const struct an_md_dialect *d, const char *k, const char *v)
{
    row_start(out);
    cell(out, d, k);
    cell(out, d, v);
    fputc('\n', out);
}

/* The run's heading and its facts as a two-column table. */
static void run_facts(FILE *out, const struct an_run *run, const struct an_md_dialect *d)
{
    const struct rt_run_info *ri = &run->info;
    char title[512], b[256];
    snprintf(title, sizeof title, "Run %s (%s, %s)", run->label, ri->kind ? ri->kind : "?",
             ri->status ? ri->status : "?");
    d->heading(out, 2, title);
    if (run->partial) {
        d->text(out, "Partial: the run is not complete; the figures cover what was recorded.");
        fputs("\n\n", out);
    }
    fputs("| | |\n| --- | --- |\n", out);
    kv(out, d, "target", ri->target ? ri->target : "?");
    kv(out, d, "database", run->db_path);
    if (run->nparts > 1) {
        snprintf(b, sizeof b, "%s, %zu parts merged", run->group_id, run->nparts);
        kv(out, d, "group", b);
        kv(out, d, "merged runs", run->parts ? run->parts : "");
        size_t used = 0;
        b[0] = '\0';
        for (size_t k = 0; k < run->nparts && used < sizeof b; k++)
            used += (size_t)snprintf(b + used, sizeof b - used, "%s%s", k ? ", " : "",
                                     run->part_uuids[k] ? run->part_uuids[k] : "?");
        kv(out, d, "part uuids", b);
    } else {
        kv(out, d, "uuid", ri->uuid ? ri->uuid : "?");
    }
    kv(out, d, "started", ri->started_at ? ri->started_at : "?");
    kv(out, d, "finished", ri->finished_at ? ri->finished_at : "-");
    snprintf(b, sizeof b, "%lld scheduled, %lld sent, %lld answered, %lld HTTP-200",
             (long long)run->requests, (long long)run->sent, (long long)run->answered,
             (long long)run->ok);
    kv(out, d, "requests", b);
    snprintf(b, sizeof b, "%lld (%.2f%%): 429 %lld, 5xx %lld, other 4xx %lld",
             (long long)run->failed, run->error_ratio * 100, (long long)run->s429,
             (long long)run->s5xx, (long long)run->s4xx);
    kv(out, d, "failed", b);
    if (run->offered_per_s > 0)
        snprintf(b, sizeof b, "%.2f/s = %.0f/h", run->offered_per_s,
                 run->offered_per_s * 3600);
    else
        snprintf(b, sizeof b, "n/a");
    kv(out, d, "offered rate", b);
    if (run->have_rate)
        snprintf(b, sizeof b, "%.2f/s = %.0f/h answers (HTTP-200: %.2f/s = %.0f/h), per "
                 "second of the %s (%.1f s)", run->achieved_per_s, run->achieved_per_s * 3600,
                 run->ok_per_s, run->ok_per_s * 3600,
                 run->rate_from_schedule ? "schedule window" : "completion span",
                 run->window_s);
    else
        snprintf(b, sizeof b, "n/a");
    kv(out, d, "achieved rate", b);
    if (run->duration_s > 0) {
        snprintf(b, sizeof b, "%.1f s (first send to last completion)", run->duration_s);
        kv(out, d, "completion span", b);
    }
    if (an_fmt_client_cost(b, sizeof b, run)[0])
        kv(out, d, "load generator", b);
    fputc('\n', out);
}

static void status_table(FILE *out, const struct an_run *run, const struct an_md_dialect *d)
{
    char b[256];
    d->heading(out, 3, "HTTP status and errors");
    fputs("| status or error | count |\n", out);
    sep(out, d, 2, 1);
    for (int s = 0; s <= AN_NSTATUS; s++) {
        if (!run->status_n[s])
            continue;
        if (s == AN_NSTATUS)
            snprintf(b, sizeof b, "HTTP other");
        else if (s == 0)
            snprintf(b, sizeof b, "no HTTP answer (0)");
        else
            snprintf(b, sizeof b, "HTTP %d", s);
        row_start(out);
        cell(out, d, b);
        fprintf(out, " %lld |\n", (long long)run->status_n[s]);
    }
    for (size_t e = 0; e < run->nerrors; e++) {
        snprintf(b, sizeof b, "error %s", run->errors[e].word);
        row_start(out);
        cell(out, d, b);
        fprintf(out, " %lld |\n", (long long)run->errors[e].n);
    }
    if (run->errors_other) {
        row_start(out);
        cell(out, d, "error other");
        fprintf(out, " %lld |\n", (long long)run->errors_other);
    }
    fputc('\n', out);
}

static void series_table(FILE *out, const struct an_run *run, const struct an_md_dialect *d)
{
    if (!run->nseries)
        return;
    char b[256];
    snprintf(b, sizeof b, "Time series (%gs intervals; HTTP-200 latency in ms)",
             (double)run->interval_us / 1e6);
    d->heading(out, 3, b);
    fputs("| t (s) | offered/s | achieved/s | ok | failed | 429 | 5xx | p50 | p90 | p99 |\n",
          out);
    sep(out, d, 10, 0);
    double iv = (double)run->interval_us / 1e6;
    for (size_t k = 0; k < run->nseries; k++) {
        const struct an_bucket *x = &run->series[k];
        char c[3][32];
        an_fmt_ms_or_na(c[0], 32, x->lat_n > 0, (double)x->lat_p50);
        an_fmt_ms_or_na(c[1], 32, x->lat_n > 0, (double)x->lat_p90);
        an_fmt_ms_or_na(c[2], 32, x->lat_n > 0, (double)x->lat_p99);
        fprintf(out, "| %.0f | %.2f | %.2f | %lld | %lld | %lld | %lld | %s | %s | %s |\n",
                (double)k * iv, (double)x->scheduled / iv, (double)x->answered / iv,
                (long long)x->ok, (long long)x->failed, (long long)x->s429,
                (long long)x->s5xx, c[0], c[1], c[2]);
    }
    fputc('\n', out);
}

static void one_run(FILE *out, const struct an_report *r, const struct an_run *run,
                    const struct an_md_dialect *d)
{
    run_facts(out, run, d);
    dist_table(out, run, d);
    status_table(out, run, d);
    if (d->run_extra)
        d->run_extra(out, r, run);
    series_table(out, run, d);
}

static void comparison(FILE *out, const struct an_report *r, const struct an_md_dialect *d)
{
    char b[512];
    snprintf(b, sizeof b, "Comparison (baseline: %s)", r->runs[r->baseline].label);
    d->heading(out, 2, b);
    fputs("| figure |", out);
    int ncols = 1;
    for (size_t i = 0; i < r->nruns; i++) {
        cell(out, d, r->runs[i].label);
        ncols++;
        if (i != r->baseline) {
            fputs(" delta |", out);
            ncols++;
        }
    }
    fputc('\n', out);
    sep(out, d, ncols, 1);
    for (size_t k = 0; k < r->ncmp; k++) {
        const struct an_cmp_row *c = &r->cmp[k];
        row_start(out);
        cell(out, d, c->name);
        for (size_t i = 0; i < r->nruns; i++) {
            char v[48], dl[32];
            cellf(out, c->have[i] ? an_fmt_value(v, sizeof v, c->unit, c->v[i]) : "n/a");
            if (i != r->baseline)
                cellf(out, c->have[i] && c->have[r->baseline]
                      ? an_fmt_delta(dl, sizeof dl, c->v[r->baseline], c->v[i]) : "");
        }
        fputc('\n', out);
    }
    fputc('\n', out);
}

int an_out_md_common(const struct an_report *r, FILE *out, const struct an_md_dialect *d)
{
    d->heading(out, 1, "revtrace load-test analysis");
    char b[256];
    snprintf(b, sizeof b, "Generated %s by revtrace %s. Latency counts from the scheduled "
             "send time (free of coordinated omission); percentiles are exact, by nearest "
             "rank.", r->generated_at, RT_VERSION);
    d->text(out, b);
    fputs("\n\n", out);
    verdicts(out, r, d);
    for (size_t i = 0; i < r->nruns; i++)
        one_run(out, r, &r->runs[i], d);
    if (r->nruns >= 2)
        comparison(out, r, d);
    return 0;
}

/* ---- the Markdown dialect ------------------------------------------------------------- */

static void md_escape(FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n' || c == '\r' || c == '\t')
            fputc(' ', out);
        else if (strchr("\\`*_[]<>|~", c))
            fprintf(out, "\\%c", c);
        else if (c == '&')
            fputs("&amp;", out);
        else
            fputc(c, out);
    }
}

static void md_heading(FILE *out, int level, const char *text)
{
    for (int i = 0; i < level; i++)
        fputc('#', out);
    fputc(' ', out);
    md_escape(out, text);
    fputs("\n\n", out);
}

static void md_cell(FILE *out, const char *text)
{
    md_escape(out, text);
}

static void md_text(FILE *out, const char *text)
{
    md_escape(out, text);
}

static const struct an_md_dialect markdown = {
    .heading = md_heading,
    .cell = md_cell,
    .text = md_text,
    .pass = "**PASS**",
    .fail = "**FAIL**",
    .align = 1,
};

int an_out_markdown(const struct an_report *r, FILE *out)
{
    return an_out_md_common(r, out, &markdown);
}
