/*
 * textchart.c - a run's two key pictures as fixed-width text, for the places that cannot hold
 * the HTML report's SVG (a Phabricator comment, a terminal, an e-mail): the latency
 * distribution (a horizontal histogram with the p50/p90/p99 marks and a line at each SLO
 * limit) and the HTTP-200 rate over time (columns, with a line at --min-rate).
 *
 * The charts are pure ASCII ('#' for HTTP-200, 'x' for failures, '-' for a threshold).
 * Phabricator renders UTF-8 and the Unicode block characters would give eighth-of-a-cell
 * bars, but a monospace font that lacks U+2581..U+2588 falls back to one whose advance
 * differs, so the labels after a bar stop lining up; ASCII keeps every row the same width in
 * every font, terminal and mail reader the report is pasted into.  Every line is at most the
 * width asked for (the Remarkup report asks for 100: a comment's code block then needs no
 * horizontal scroll).
 *
 * The charts read the run's figures only (its sorted latency sample and its time series),
 * like every writer: no database, nothing recomputed that the tables show otherwise.
 */
#include "analyze/analyze.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TC_MAX_BINS 16
#define TC_MAX_EDGES (TC_MAX_BINS + AN_MAX_SLO + 2)
#define TC_RATE_ROWS 10
#define TC_YAXIS 10         /* "  123.45 |" */
#define TC_MAX_COLS 200

/* The tables' rule ("412.3" below 1 s, "1091" from 1 s on), with more decimals below 10 ms
 * so that the edges of sub-millisecond bins stay apart ("0.085", "2.45"). */
static void ms_text(char *b, size_t len, double us)
{
    if (us < 1000)
        snprintf(b, len, "%.3f", us / 1e3);
    else if (us < 10000)
        snprintf(b, len, "%.2f", us / 1e3);
    else
        an_fmt_ms_or_na(b, len, 1, us);
}

/* ---- the latency histogram ------------------------------------------------------------ */

struct hist {
    double edge[TC_MAX_EDGES + 1];  /* bins [edge[k], edge[k+1]); the last one closed */
    int64_t count[TC_MAX_EDGES];
    size_t nbins;
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * Bin edges: log-spaced from the smallest to the largest latency (spread over a decade or
 * more) or evenly spaced (narrower), with each SLO limit inside the range made an edge itself
 * (dropping the regular edge nearest to it), so a threshold line falls between two rows.
 */
static void hist_edges(struct hist *h, const struct an_dist *d, const struct an_criteria *c)
{
    double lo = (double)d->v[0], hi = (double)d->v[d->n - 1];
    size_t n = 0;
    if (lo < 1)
        lo = 1;
    if (hi <= lo) {
        h->edge[n++] = lo;
        h->edge[n++] = lo + 1;
    } else {
        int logs = hi / lo >= 10;
        for (int k = 0; k <= TC_MAX_BINS; k++) {
            double f = (double)k / TC_MAX_BINS;
            h->edge[n++] = logs ? lo * pow(hi / lo, f) : lo + (hi - lo) * f;
        }
        for (size_t s = 0; s < c->nslo; s++) {
            double lim = (double)c->slo[s].limit_us;
            if (lim <= lo || lim >= hi)
                continue;
            size_t best = 1;        /* the nearest inner edge (never the first or last) */
            for (size_t k = 1; k + 1 < n; k++)
                if (fabs(log(h->edge[k] / lim)) < fabs(log(h->edge[best] / lim)))
                    best = k;
            if (h->edge[best] != lim && n < TC_MAX_EDGES + 1) {
                int taken = 0;      /* an earlier limit may already own that edge */
                for (size_t t = 0; t < s; t++)
                    taken |= (double)c->slo[t].limit_us == h->edge[best];
                if (taken)
                    h->edge[n++] = lim;
                else
                    h->edge[best] = lim;
                qsort(h->edge, n, sizeof h->edge[0], cmp_double);
            }
        }
    }
    h->nbins = n - 1;
    memset(h->count, 0, sizeof h->count);
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) {
        double v = (double)d->v[i] < lo ? lo : (double)d->v[i];
        while (k + 1 < h->nbins && v >= h->edge[k + 1])
            k++;
        h->count[k]++;
    }
}

/* The marks of bin k: "<- p50 110.4, p90 182.9" (empty when none falls in it). */
static void bin_marks(char *b, size_t len, const struct hist *h, size_t k,
                      const struct an_dist *d)
{
    static const int pm[] = { AN_P50, AN_P90, AN_P99 };
    size_t used = 0;
    b[0] = '\0';
    for (size_t i = 0; i < sizeof pm / sizeof pm[0] && used < len; i++) {
        double v = (double)d->pct[pm[i]];
        int in = v >= h->edge[k] && (v < h->edge[k + 1] || k + 1 == h->nbins);
        if (k == 0 && v < h->edge[0])
            in = 1;
        if (!in)
            continue;
        char ms[32];
        ms_text(ms, sizeof ms, v);
        used += (size_t)snprintf(b + used, len - used, "%s%s %s", used ? ", " : "<- ",
                                 an_pct_col(pm[i])->name, ms);
    }
}

/* A threshold line across the chart: "------ label ------", exactly width columns. */
static void threshold_line(FILE *out, const char *label, int width)
{
    int n = (int)strlen(label) + 2;
    int left = 26;
    if (left + n > width)
        left = width - n > 0 ? width - n : 0;
    for (int i = 0; i < left; i++)
        fputc('-', out);
    fprintf(out, " %.*s ", width - 2 > 0 ? width - 2 : 0, label);
    for (int i = left + n; i < width; i++)
        fputc('-', out);
    fputc('\n', out);
}

/* The SLO lines that belong right below bin k (the limits equal to its upper edge, or for
 * the last bin every limit above the range; limits below the range go before bin 0). */
static void slo_lines(FILE *out, const struct hist *h, long k, const struct an_criteria *c,
                      int width)
{
    for (size_t s = 0; s < c->nslo; s++) {
        double lim = (double)c->slo[s].limit_us;
        int here;
        if (k < 0)
            here = lim <= h->edge[0];
        else if ((size_t)k + 1 == h->nbins)
            here = lim >= h->edge[h->nbins];
        else
            here = lim > h->edge[0] && lim == h->edge[k + 1];
        if (!here)
            continue;
        char ms[32], lab[128];
        ms_text(ms, sizeof ms, lim);
        snprintf(lab, sizeof lab, "SLO %s (%s ms)", c->slo[s].text, ms);
        threshold_line(out, lab, width);
    }
}

int an_textchart_latency(FILE *out, const struct an_run *run, const struct an_criteria *crit,
                         int width)
{
    const struct an_dist *d = &run->latency;
    if (d->n == 0 || !d->v) {
        fputs("Latency distribution: no HTTP-200 answers.\n", out);
        return 0;
    }
    struct hist h;
    hist_edges(&h, d, crit);
    char marks[TC_MAX_EDGES][96];
    int64_t top = 1;
    int mw = 0;
    for (size_t k = 0; k < h.nbins; k++) {
        bin_marks(marks[k], sizeof marks[k], &h, k, d);
        if ((int)strlen(marks[k]) > mw)
            mw = (int)strlen(marks[k]);
        if (h.count[k] > top)
            top = h.count[k];
    }
    /* "  1234.5 -   1234.5 1234567 |" then the bar, then " " and the marks */
    int barw = width - 29 - (mw ? mw + 1 : 0);
    if (barw < 10)
        barw = 10;
    fprintf(out, "Latency distribution (HTTP-200, ms from the scheduled send; %zu answers)\n",
            d->n);
    fprintf(out, "%8s - %-8s %7s |\n", "from", "to", "count");
    slo_lines(out, &h, -1, crit, width < 29 + barw ? 29 + barw : width);
    for (size_t k = 0; k < h.nbins; k++) {
        char a[32], b[32];
        ms_text(a, sizeof a, h.edge[k]);
        ms_text(b, sizeof b, h.edge[k + 1]);
        int len = (int)llround((double)h.count[k] * barw / (double)top);
        if (len == 0 && h.count[k] > 0)
            len = 1;
        fprintf(out, "%8s - %-8s %7lld |", a, b, (long long)h.count[k]);
        for (int i = 0; i < len; i++)
            fputc('#', out);
        if (marks[k][0])
            fprintf(out, "%*s %s", barw - len, "", marks[k]);
        fputc('\n', out);
        slo_lines(out, &h, (long)k, crit, width);
    }
    return 0;
}

/* ---- the rate over time ---------------------------------------------------------------- */

/* The largest of 1, 2, 2.5, 5 x 10^k at or above v (an axis top). */
static double nice_ceil(double v)
{
    if (v <= 0)
        return 1;
    double p = pow(10, floor(log10(v)));
    static const double steps[] = { 1, 2, 2.5, 5, 10 };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (steps[i] * p >= v * (1 - 1e-12))
            return steps[i] * p;
    return 10 * p;
}

/* Column c's rates: the buckets [c*per, (c+1)*per) averaged over their span. */
static void column_rates(const struct an_run *run, size_t c, size_t per, double *ok,
                         double *failed)
{
    int64_t o = 0, f = 0;
    size_t from = c * per, n = 0;
    for (size_t k = from; k < from + per && k < run->nseries; k++, n++) {
        o += run->series[k].ok;
        f += run->series[k].failed;
    }
    double span = (double)(n ? n : 1) * (double)run->interval_us / 1e6;
    *ok = (double)o / span;
    *failed = (double)f / span;
}

/* The x axis under the plot: a tick every kb columns (1, 2, 5, 10, 20, 50 ... buckets, the
 * first at least 8 characters apart), labelled with the column's start in seconds. */
static void time_axis(FILE *out, size_t ncols, int cw, size_t per, double iv_s)
{
    int plotw = (int)ncols * cw;
    size_t kb = 1;
    for (size_t m = 1; (int)kb * cw < 8; m *= 10)
        kb = 2 * m * (size_t)cw >= 8 ? 2 * m : 5 * m * (size_t)cw >= 8 ? 5 * m : 10 * m;
    fprintf(out, "%*s+", TC_YAXIS - 1, "");
    for (int i = 0; i < plotw; i++)
        fputc(i > 0 && (size_t)(i / cw) % kb == 0 && i % cw == 0 ? '+' : '-', out);
    fputc('\n', out);
    char line[TC_MAX_COLS * 3 + 64];
    memset(line, ' ', sizeof line);
    int end = 0;
    for (size_t c = 0; c < ncols; c += kb) {
        char t[32];
        int n = snprintf(t, sizeof t, "%gs", (double)c * (double)per * iv_s);
        int at = TC_YAXIS + (int)c * cw;
        if (at < end + 1 || at + n > TC_YAXIS + plotw + 4 || at + n >= (int)sizeof line)
            continue;
        memcpy(line + at, t, (size_t)n);
        end = at + n;
    }
    fprintf(out, "%.*s\n", end, line);
}

int an_textchart_rate(FILE *out, const struct an_run *run, const struct an_criteria *crit,
                      int width)
{
    if (!run->nseries || run->interval_us <= 0) {
        fputs("Rate over time: no time series.\n", out);
        return 0;
    }
    double iv_s = (double)run->interval_us / 1e6;
    char label[96] = "";
    if (crit->min_rate_per_s > 0)
        snprintf(label, sizeof label, " min-rate %s", crit->min_rate_text);
    int room = width - TC_YAXIS - (int)strlen(label);
    if (room > TC_MAX_COLS)
        room = TC_MAX_COLS;
    if (room < 10)
        room = 10;
    size_t per = (run->nseries + (size_t)room - 1) / (size_t)room;
    size_t ncols = (run->nseries + per - 1) / per;
    int cw = (int)((size_t)room / ncols);
    if (cw > 3)
        cw = 3;
    double ok[TC_MAX_COLS], failed[TC_MAX_COLS], top = crit->min_rate_per_s;
    for (size_t c = 0; c < ncols; c++) {
        column_rates(run, c, per, &ok[c], &failed[c]);
        if (ok[c] + failed[c] > top)
            top = ok[c] + failed[c];
    }
    top = nice_ceil(top);
    /* Row r (0 at the bottom) stands for the level (r + 1) * step: a cell is filled when the
     * column's rate rounds to that level or above.  The --min-rate row is the one nearest
     * the limit; there a cell is filled only when the rate meets the limit itself, so a bar
     * that touches the line passed. */
    double step = top / TC_RATE_ROWS;
    int line_row = -1;
    if (crit->min_rate_per_s > 0) {
        line_row = (int)lround(crit->min_rate_per_s / step) - 1;
        line_row = line_row < 0 ? 0 : line_row >= TC_RATE_ROWS ? TC_RATE_ROWS - 1 : line_row;
    }
    fprintf(out, "Rate over time (per second, %g s columns; # HTTP-200, x failed)\n",
            (double)per * iv_s);
    for (int r = TC_RATE_ROWS - 1; r >= 0; r--) {
        double level = r == line_row ? crit->min_rate_per_s : (r + 0.5) * step;
        char row[TC_MAX_COLS * 3 + 1];
        size_t n = 0;
        for (size_t c = 0; c < ncols; c++) {
            char ch = ok[c] >= level ? '#' : ok[c] + failed[c] >= level ? 'x'
                      : r == line_row ? '-' : ' ';
            for (int i = 0; i < cw; i++)
                row[n++] = ch;
        }
        while (n > 0 && row[n - 1] == ' ')
            n--;
        if (r == line_row)
            fprintf(out, "%8.5g |%.*s%s\n", crit->min_rate_per_s, (int)n, row, label);
        else if (r == TC_RATE_ROWS - 1 || r % 5 == 4)
            fprintf(out, "%8.5g |%.*s\n", (r + 1) * step, (int)n, row);
        else
            fprintf(out, "%8s |%.*s\n", "", (int)n, row);
    }
    time_axis(out, ncols, cw, per, iv_s);
    return 0;
}
