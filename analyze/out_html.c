/*
 * out_html.c - one self-contained HTML file: inline CSS, inline SVG charts drawn here, no
 * script, no font, no image, no link to anything outside the file (the only href values are
 * "#anchors"), so it opens offline and from a Phabricator attachment alike.
 *
 * Order, as a reviewer reads: verdicts; a summary row per run; the latency histogram and CDF
 * with every run overlaid (the SLO drawn in); per run, throughput (offered vs achieved) and
 * p50/p90/p99 over time; HTTP status and error breakdown; percentiles and phases; the
 * comparison; the run configuration.  Every string that comes from the database (names,
 * targets, error words, config_json) is escaped (& < > " ') by esc(), including inside
 * attributes; numbers are formatted by us.
 */
#include "analyze/analyze.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const palette[] = {
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
};
#define NPAL (sizeof palette / sizeof palette[0])
/* The throughput chart's failed line: a colour outside the palette and its own dash-dot, so
 * it stays apart from every run's answer line (solid) and HTTP-200 rate line (dotted). */
#define FAILED_COLOR "#7f1d1d"
#define FAILED_DASH "7 3 2 3"
#define RATE_DASH "1 3"

static void esc(FILE *out, const char *s)
{
    if (!s)
        return;
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            fputc(*s, out);
        }
    }
}


/* ---- a minimal SVG plot ------------------------------------------------------------------ */

struct axis {
    double lo, hi;
    int log;
};

struct plot {
    FILE *out;
    int w, h, ml, mr, mt, mb;
    struct axis x, y;
};

static double map(const struct axis *a, double v, double p0, double p1)
{
    double t;
    if (a->log) {
        if (v < a->lo)
            v = a->lo;
        t = (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
    } else {
        t = (v - a->lo) / (a->hi - a->lo);
    }
    if (!isfinite(t))
        t = 0;
    if (t < -0.05)
        t = -0.05;
    if (t > 1.05)
        t = 1.05;
    return p0 + t * (p1 - p0);
}

static double px(const struct plot *p, double v)
{
    return map(&p->x, v, p->ml, p->w - p->mr);
}

static double py(const struct plot *p, double v)
{
    return map(&p->y, v, p->h - p->mb, p->mt);
}

static double nice_step(double range, int want)
{
    double raw = range / want;
    if (!(raw > 0))
        return 1;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

/* Latency tick labels: microseconds shown as ms or s. */
static void us_label(char *buf, size_t len, double us)
{
    if (us >= 1e6)
        snprintf(buf, len, "%gs", us / 1e6);
    else
        snprintf(buf, len, "%gms", us / 1e3);
}

/*
 * Tick values for a log axis over [lo, hi]: the mantissas 1-2-5 of every decade, finer
 * (1-2-3-5-7, then every integer) when the range is too short for 4 ticks, only the decades
 * when it is so wide that 1-2-5 would give more than 16.  Returns the count (<= cap).
 */
static size_t log_ticks(double lo, double hi, double *ticks, size_t cap)
{
    static const double m125[] = { 1, 2, 5 }, m12357[] = { 1, 2, 3, 5, 7 },
                        m_all[] = { 1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9 }, m1[] = { 1 };
    static const struct { const double *m; size_t n; } sets[] = {
        { m125, 3 }, { m12357, 5 }, { m_all, 10 }, { m1, 1 },
    };
    size_t n = 0;
    if (!(lo > 0) || !(hi > lo))
        return 0;
    for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++) {
        n = 0;
        for (double d = pow(10, floor(log10(lo))); d <= hi * 1.0001 && n < cap; d *= 10)
            for (size_t j = 0; j < sets[k].n && n < cap; j++) {
                double v = d * sets[k].m[j];
                if (v >= lo * 0.9999 && v <= hi * 1.0001)
                    ticks[n++] = v;
            }
        if (k == 0 && n > 16) {
            k = 2;   /* too many: the decades alone (sets[3]) next */
            continue;
        }
        if (n >= 4 || k >= 2)
            break;
    }
    return n;
}

static void plot_begin(struct plot *p, const char *title, const char *xlabel,
                       const char *ylabel, int x_is_us)
{
    FILE *out = p->out;
    fprintf(out, "<figure><svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
            "aria-label=\"", p->w, p->h, p->w, p->h);
    esc(out, title);
    fprintf(out, "\">\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"frame\"/>\n",
            p->ml, p->mt, p->w - p->ml - p->mr, p->h - p->mt - p->mb);
    char lab[32];
    /* x ticks */
    if (p->x.log) {
        double ticks[64];
        size_t nt = log_ticks(p->x.lo, p->x.hi, ticks, 64);
        double last_x = -1e9;
        for (size_t t = 0; t < nt; t++) {
            double x = px(p, ticks[t]);
            if (x_is_us)
                us_label(lab, sizeof lab, ticks[t]);
            else
                snprintf(lab, sizeof lab, "%g", ticks[t]);
            fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"grid\"/>",
                    x, p->mt, x, p->h - p->mb);
            /* A label only where it does not run into the previous one. */
            if (x - last_x >= 8.0 * (double)strlen(lab) + 6) {
                fprintf(out, "<text x=\"%.1f\" y=\"%d\" class=\"tx\">%s</text>", x,
                        p->h - p->mb + 14, lab);
                last_x = x;
            }
            fputc('\n', out);
        }
    } else {
        double st = nice_step(p->x.hi - p->x.lo, 6);
        for (double v = ceil(p->x.lo / st) * st; v <= p->x.hi + st * 1e-9; v += st) {
            double x = px(p, v);
            if (x_is_us)
                us_label(lab, sizeof lab, v);
            else
                snprintf(lab, sizeof lab, "%g", v);
            fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"grid\"/>"
                    "<text x=\"%.1f\" y=\"%d\" class=\"tx\">%s</text>\n", x, p->mt, x,
                    p->h - p->mb, x, p->h - p->mb + 14, lab);
        }
    }
    /* y ticks (always linear here) */
    double st = nice_step(p->y.hi - p->y.lo, 5);
    for (double v = ceil(p->y.lo / st) * st; v <= p->y.hi + st * 1e-9; v += st) {
        double y = py(p, v);
        snprintf(lab, sizeof lab, "%g", fabs(v) < st * 1e-9 ? 0 : v);
        fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"grid\"/>"
                "<text x=\"%d\" y=\"%.1f\" class=\"ty\">%s</text>\n", p->ml, y, p->w - p->mr, y,
                p->ml - 4, y + 4, lab);
    }
    fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"xl\">", (p->ml + p->w - p->mr) / 2,
            p->h - 4);
    esc(out, xlabel);
    fprintf(out, "</text><text x=\"12\" y=\"%d\" class=\"yl\" transform=\"rotate(-90 12 %d)\">",
            (p->mt + p->h - p->mb) / 2, (p->mt + p->h - p->mb) / 2);
    esc(out, ylabel);
    fputs("</text>\n", out);
}

static void polyline(const struct plot *p, const double *xs, const double *ys, size_t n,
                     const char *color, const char *dash, double width)
{
    if (n == 0)
        return;
    if (n == 1) {   /* one interval: a line of one point would not show */
        fprintf(p->out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n",
                px(p, xs[0]), py(p, ys[0]), color);
        return;
    }
    fprintf(p->out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s%s%s "
            "points=\"", color, width, dash ? " stroke-dasharray=\"" : "", dash ? dash : "",
            dash ? "\"" : "");
    for (size_t i = 0; i < n; i++)
        fprintf(p->out, "%s%.1f,%.1f", i ? " " : "", px(p, xs[i]), py(p, ys[i]));
    fputs("\"/>\n", p->out);
}

struct legend_item {
    const char *label;     /* escaped on output */
    const char *color;
    const char *dash;
};

static void plot_end(struct plot *p, const struct legend_item *items, size_t n)
{
    fputs("</svg>\n<figcaption>", p->out);
    for (size_t i = 0; i < n; i++) {
        fprintf(p->out, "<span class=\"key\"><svg width=\"26\" height=\"10\"><line x1=\"0\" "
                "y1=\"5\" x2=\"26\" y2=\"5\" stroke=\"%s\" stroke-width=\"2.5\"%s%s%s/></svg> ",
                items[i].color, items[i].dash ? " stroke-dasharray=\"" : "",
                items[i].dash ? items[i].dash : "", items[i].dash ? "\"" : "");
        esc(p->out, items[i].label);
        fputs("</span>", p->out);
    }
    fputs("</figcaption></figure>\n", p->out);
}

/* ---- charts ------------------------------------------------------------------------------- */

/*
 * The latency axis shared by the histogram and the CDF, so that the two charts line up: the
 * histogram's bin edges (which cover every run's HTTP-200 latencies) widened to show every
 * latency SLO limit with some room on both sides.  Returns 0, or -1 when no run has a latency.
 */
static int latency_axis(const struct an_report *r, const int64_t *edges, size_t ne,
                        struct axis *x)
{
    if (ne < 2)
        return -1;
    double lo = edges[0] < 1 ? 1 : (double)edges[0], hi = (double)edges[ne - 1];
    const struct an_criteria *c = &r->crit;
    for (size_t k = 0; k < c->nslo; k++) {
        double lim = (double)c->slo[k].limit_us;
        if (lim <= 0)
            continue;
        if (lim / 1.25 < lo)
            lo = lim / 1.25;
        if (lim * 1.25 > hi)
            hi = lim * 1.25;
    }
    if (hi < lo * 1.5) {
        lo /= 1.25;
        hi *= 1.25;
    }
    *x = (struct axis){ lo < 1 ? 1 : lo, hi, 1 };
    return 0;
}

/* Every latency SLO as a dashed vertical line at its limit; with the CDF (cdf = 1), a
 * percentile SLO also gets its horizontal line, so the check reads off the crossing. */
static void slo_marks(const struct plot *p, const struct an_report *r, int cdf)
{
    const struct an_criteria *c = &r->crit;
    for (size_t k = 0; k < c->nslo; k++) {
        const struct an_slo *s = &c->slo[k];
        double x = px(p, (double)s->limit_us);
        double ytop = cdf && s->metric == AN_M_PCT ? py(p, s->pct) : (double)p->mt;
        fprintf(p->out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" class=\"slo\"/>",
                x, p->h - p->mb, x, ytop);
        if (cdf && s->metric == AN_M_PCT)
            fprintf(p->out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    "class=\"slo\"/>", p->ml, ytop, x, ytop);
        fprintf(p->out, "<text x=\"%.1f\" y=\"%.1f\" class=\"slot\">", x + 4,
                ytop + 12 + 12 * (double)k);
        esc(p->out, s->text);
        fputs("</text>\n", p->out);
    }
}

static void chart_histogram(FILE *out, const struct an_report *r, const int64_t *edges,
                            size_t ne, const struct axis *xa)
{
    uint64_t counts[256];
    double ymax = 0;
    static double xs[520], ys[520];
    for (size_t i = 0; i < r->nruns; i++) {
        const struct an_dist *d = &r->runs[i].latency;
        if (!d->n || !d->v)
            continue;
        rt_stats_histogram(d->v, d->n, edges, ne, counts);
        for (size_t b = 0; b + 1 < ne; b++)
            if (100.0 * (double)counts[b] / (double)d->n > ymax)
                ymax = 100.0 * (double)counts[b] / (double)d->n;
    }
    struct plot p = { out, 760, 300, 56, 16, 12, 40, *xa,
                      { 0, ymax > 0 ? ymax * 1.08 : 1, 0 } };
    plot_begin(&p, "Latency histogram", "HTTP-200 latency (log scale; 20 bins per power of ten)",
               "% of answers in the bin", 1);
    struct legend_item items[NPAL + 1];
    size_t ni = 0;
    for (size_t i = 0; i < r->nruns; i++) {
        const struct an_dist *d = &r->runs[i].latency;
        if (!d->n || !d->v)
            continue;
        rt_stats_histogram(d->v, d->n, edges, ne, counts);
        size_t k = 0;
        xs[k] = edges[0] < 1 ? 1 : (double)edges[0];
        ys[k++] = 0;
        for (size_t b = 0; b + 1 < ne; b++) {
            double y = 100.0 * (double)counts[b] / (double)d->n;
            xs[k] = edges[b] < 1 ? 1 : (double)edges[b];
            ys[k++] = y;
            xs[k] = (double)edges[b + 1];
            ys[k++] = y;
        }
        xs[k] = (double)edges[ne - 1];
        ys[k++] = 0;
        polyline(&p, xs, ys, k, palette[i % NPAL], NULL, 2);
        if (ni < NPAL)
            items[ni++] = (struct legend_item){ r->runs[i].label, palette[i % NPAL], NULL };
    }
    slo_marks(&p, r, 0);
    if (r->crit.nslo)
        items[ni++] = (struct legend_item){ "SLO limit", "#555", "4 3" };
    plot_end(&p, items, ni);
}

/*
 * The empirical CDF, drawn exactly as a step function from the sorted latencies: at each
 * distinct value v the curve rises from the share below v to the share at or below v.  Steps
 * are computed in pixels and a point is written only when it moves by a quarter pixel, so a
 * million values still make a path of a few thousand points, and the path only ever goes
 * right or up.
 */
static void cdf_path(const struct plot *p, const struct an_dist *d, const char *color)
{
    FILE *out = p->out;
    double lx = -1, ly = -1;
    size_t npts = 0;
    fprintf(out, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" d=\"", color);
    for (size_t i = 0; i < d->n;) {
        size_t j = i;
        while (j < d->n && d->v[j] == d->v[i])
            j++;
        double x = px(p, d->v[i] < 1 ? 1 : (double)d->v[i]);
        double y0 = py(p, 100.0 * (double)i / (double)d->n);
        double y1 = py(p, 100.0 * (double)j / (double)d->n);
        if (npts == 0) {
            fprintf(out, "M%.2f,%.2f", x, y0);
            lx = x;
            ly = y0;
            npts++;
        }
        if (fabs(x - lx) >= 0.25) {   /* horizontal run to this value, at the old height */
            fprintf(out, "H%.2f", x);
            lx = x;
            npts++;
        }
        if (fabs(y1 - ly) >= 0.25 || j == d->n) {
            fprintf(out, "V%.2f", y1);
            ly = y1;
            npts++;
        }
        i = j;
    }
    fputs("\"/>\n", out);
}

static void chart_cdf(FILE *out, const struct an_report *r, const struct axis *xa)
{
    struct plot p = { out, 760, 300, 56, 16, 12, 40, *xa, { 0, 100, 0 } };
    plot_begin(&p, "Latency CDF", "HTTP-200 latency (log scale)", "% of answers at or below",
               1);
    struct legend_item items[NPAL + 1];
    size_t ni = 0;
    for (size_t i = 0; i < r->nruns; i++) {
        const struct an_dist *d = &r->runs[i].latency;
        if (!d->n || !d->v)
            continue;
        cdf_path(&p, d, palette[i % NPAL]);
        if (ni < NPAL)
            items[ni++] = (struct legend_item){ r->runs[i].label, palette[i % NPAL], NULL };
    }
    slo_marks(&p, r, 1);
    if (r->crit.nslo)
        items[ni++] = (struct legend_item){ "SLO", "#555", "4 3" };
    plot_end(&p, items, ni);
}

/* A threshold across the plot at y, labelled at its right end ("--min-rate 150000/h"). */
static void threshold(const struct plot *p, double y, const char *label)
{
    fprintf(p->out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"slo\"/>"
            "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"slot\">", p->ml, y,
            p->w - p->mr, y, p->w - p->mr - 4, y - 4);
    esc(p->out, label);
    fputs("</text>\n", p->out);
}

/* crit: the criteria when the run is judged (its --min-rate is drawn), else NULL. */
static void chart_throughput(FILE *out, const struct an_run *run, const char *color,
                             const struct an_criteria *crit)
{
    double min_rate_per_s = crit ? crit->min_rate_per_s : 0;
    if (run->nseries == 0)
        return;
    double iv = (double)run->interval_us / 1e6, ymax = 0;
    size_t n = run->nseries;
    double *xs = malloc(n * sizeof *xs), *y1 = malloc(n * sizeof *y1),
           *y2 = malloc(n * sizeof *y2), *y3 = malloc(n * sizeof *y3);
    if (!xs || !y1 || !y2 || !y3)
        goto out;
    for (size_t b = 0; b < n; b++) {
        const struct an_bucket *k = &run->series[b];
        xs[b] = ((double)b + 0.5) * iv;
        y1[b] = (double)k->scheduled / iv;
        y2[b] = (double)k->answered / iv;
        y3[b] = (double)k->failed / iv;
        double m = y1[b] > y2[b] ? y1[b] : y2[b];
        if (m > ymax)
            ymax = m;
    }
    /* The --min-rate line, unless it would squash a run that is far below it anyway. */
    int rate_line = min_rate_per_s > 0 && min_rate_per_s <= 1.5 * ymax;
    if (rate_line && min_rate_per_s > ymax)
        ymax = min_rate_per_s;
    struct plot p = { out, 760, 240, 56, 16, 12, 40,
                      { 0, (double)n * iv, 0 }, { 0, ymax > 0 ? ymax * 1.1 : 1, 0 } };
    char xl[96];
    snprintf(xl, sizeof xl, "seconds after the run's scheduled start (%gs intervals)", iv);
    plot_begin(&p, "Throughput over time", xl, "requests/s", 0);
    struct legend_item items[5] = {
        { "offered (scheduled)", "#888", "5 3" },
        { "answers (by completion)", color, NULL },
        { "failed", FAILED_COLOR, FAILED_DASH },
    };
    size_t ni = 3;
    if (run->have_rate) {   /* the window the rates are measured over */
        double x0 = px(&p, (double)run->rate_from_us / 1e6);
        double x1 = px(&p, (double)run->rate_to_us / 1e6);
        fprintf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                "class=\"win\"/>\n", x0, p.mt, x1 - x0, p.h - p.mt - p.mb);
        double y = py(&p, run->ok_per_s);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                "stroke-width=\"1.5\" stroke-dasharray=\"" RATE_DASH "\"/>\n", x0, y, x1, y,
                color);
        items[ni++] = (struct legend_item){
            run->rate_from_schedule ? "HTTP-200 rate over the schedule window (shaded)"
                                    : "HTTP-200 rate over the completion span (shaded)",
            color, RATE_DASH };
    }
    char rl[96];
    if (min_rate_per_s > 0) {
        size_t tl = strlen(crit->min_rate_text);
        char per_s[32] = "";    /* the value per second, unless the text already is */
        if (tl < 2 || strcmp(crit->min_rate_text + tl - 2, "/s") != 0)
            snprintf(per_s, sizeof per_s, " (%.2f/s)", min_rate_per_s);
        snprintf(rl, sizeof rl, "--min-rate %s%s%s", crit->min_rate_text, per_s,
                 rate_line ? "" : ": above this chart");
        if (rate_line)
            threshold(&p, py(&p, min_rate_per_s), rl);
        items[ni++] = (struct legend_item){ rl, "#555", "4 3" };
    }
    polyline(&p, xs, y1, n, "#888", "5 3", 1.5);
    polyline(&p, xs, y2, n, color, NULL, 2);
    polyline(&p, xs, y3, n, FAILED_COLOR, FAILED_DASH, 1.5);
    plot_end(&p, items, ni);
out:
    free(xs);
    free(y1);
    free(y2);
    free(y3);
}

/* crit: the criteria when the run is judged (its latency SLOs are drawn), else NULL. */
static void chart_latency_time(FILE *out, const struct an_run *run,
                               const struct an_criteria *crit)
{
    if (run->nseries == 0 || run->latency.n == 0)
        return;
    double iv = (double)run->interval_us / 1e6, ymax = 0;
    size_t n = run->nseries, m = 0;
    double *xs = malloc(n * sizeof *xs), *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b),
           *c = malloc(n * sizeof *c);
    if (!xs || !a || !b || !c)
        goto out;
    for (size_t i = 0; i < n; i++) {
        const struct an_bucket *k = &run->series[i];
        if (!k->lat_n)
            continue;
        xs[m] = ((double)i + 0.5) * iv;
        a[m] = (double)k->lat_p50 / 1e3;
        b[m] = (double)k->lat_p90 / 1e3;
        c[m] = (double)k->lat_p99 / 1e3;
        if (c[m] > ymax)
            ymax = c[m];
        m++;
    }
    /* The SLO limits, unless one would squash the curves (then the legend says so). */
    double top = ymax;
    for (size_t k = 0; crit && k < crit->nslo; k++) {
        double lim = (double)crit->slo[k].limit_us / 1e3;
        if (lim > top && lim <= 1.5 * ymax)
            top = lim;
    }
    struct plot p = { out, 760, 240, 56, 16, 12, 40,
                      { 0, (double)n * iv, 0 }, { 0, top > 0 ? top * 1.1 : 1, 0 } };
    char xl[96];
    snprintf(xl, sizeof xl, "seconds after the run's scheduled start (by completion, %gs "
             "intervals)", iv);
    plot_begin(&p, "Latency over time", xl, "HTTP-200 latency, ms", 0);
    struct legend_item items[4] = {
        { "p50", "#2ca02c", NULL }, { "p90", "#ff7f0e", NULL }, { "p99", "#d62728", NULL },
    };
    size_t ni = 3;
    char sl[160] = "";
    for (size_t k = 0; crit && k < crit->nslo; k++) {
        double lim = (double)crit->slo[k].limit_us / 1e3;
        char lab[96];
        snprintf(lab, sizeof lab, "SLO %s%s", crit->slo[k].text,
                 lim <= top ? "" : " (above this chart)");
        if (lim <= top)
            threshold(&p, py(&p, lim), lab);
        size_t used = strlen(sl);
        snprintf(sl + used, sizeof sl - used, "%s%s", used ? "; " : "", lab);
    }
    if (sl[0])
        items[ni++] = (struct legend_item){ sl, "#555", "4 3" };
    polyline(&p, xs, a, m, "#2ca02c", NULL, 2);
    polyline(&p, xs, b, m, "#ff7f0e", NULL, 2);
    polyline(&p, xs, c, m, "#d62728", NULL, 2);
    plot_end(&p, items, ni);
out:
    free(xs);
    free(a);
    free(b);
    free(c);
}

/* ---- tables ------------------------------------------------------------------------------- */

static void verdicts(FILE *out, const struct an_report *r)
{
    fprintf(out, "<section id=\"verdicts\"><h2>Verdicts: <span class=\"%s\">%s</span></h2>\n",
            r->failed ? "fail" : "pass", r->failed ? "FAIL" : "PASS");
    if (!r->nverdicts) {
        fputs("<p>No verdict was asked for.</p></section>\n", out);
        return;
    }
    fputs("<table><tr><th>result</th><th>check</th><th>measured</th><th>run</th></tr>\n", out);
    for (size_t i = 0; i < r->nverdicts; i++) {
        const struct an_verdict *v = &r->verdicts[i];
        fprintf(out, "<tr><td class=\"%s\">%s</td><td>", v->pass ? "pass" : "fail",
                v->pass ? "PASS" : "FAIL");
        esc(out, v->what);
        fputs("</td><td>", out);
        esc(out, v->measured);
        fputs("</td><td>", out);
        esc(out, r->runs[v->run].label);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
    /* Say which runs --judge left unjudged, lest a reader take them for passes. */
    int any = 0;
    for (size_t i = 0; i < r->nruns; i++) {
        if (an_is_judged(r, i))
            continue;
        fputs(any ? ", " : "<p class=\"meta\">Not judged (--judge): ", out);
        esc(out, r->runs[i].label);
        any = 1;
    }
    if (any)
        fputs(".</p>\n", out);
    fputs("</section>\n", out);
}

/* The summary's latency columns: the brief view's percentiles and max. */
static int summary_col(const struct an_col *c)
{
    return (c->views & AN_VIEW_BRIEF) && (c->kind == AN_COL_PCT || c->kind == AN_COL_MAX);
}

static void summary(FILE *out, const struct an_report *r)
{
    fputs("<section id=\"summary\"><h2>Summary</h2><table class=\"sum\"><tr><th>run</th>"
          "<th>status</th><th>requests</th><th>failed</th><th>offered/h</th><th>achieved/h</th>"
          "<th>HTTP-200/h</th>", out);
    for (const struct an_col *c = an_cols; c < an_cols + AN_NCOLS; c++)
        if (summary_col(c))
            fprintf(out, "<th>%s ms</th>", c->name);
    fputs("<th>verdicts</th></tr>\n", out);
    for (size_t i = 0; i < r->nruns; i++) {
        const struct an_run *run = &r->runs[i];
        const struct an_dist *d = &run->latency;
        fprintf(out, "<tr><td><span class=\"sw\" style=\"background:%s\"></span><a "
                "href=\"#run%zu\">", palette[i % NPAL], i);
        esc(out, run->label);
        fputs("</a></td><td>", out);
        esc(out, run->info.status);
        if (run->partial)
            fputs(" <span class=\"fail\">(partial)</span>", out);
        fprintf(out, "</td><td>%lld</td><td>%lld (%.2f%%)</td>", (long long)run->requests,
                (long long)run->failed, run->error_ratio * 100);
        /* Per hour, the unit of the capacity question; per second in each run's section. */
        if (run->offered_per_s > 0)
            fprintf(out, "<td>%.0f</td>", run->offered_per_s * 3600);
        else
            fputs("<td>n/a</td>", out);
        if (run->have_rate)
            fprintf(out, "<td>%.0f</td><td>%.0f</td>", run->achieved_per_s * 3600,
                    run->ok_per_s * 3600);
        else
            fputs("<td>n/a</td><td>n/a</td>", out);
        for (const struct an_col *c = an_cols; c < an_cols + AN_NCOLS; c++) {
            char b[32];
            if (summary_col(c))
                fprintf(out, "<td>%s</td>", an_fmt_dist_cell(b, sizeof b, d, c));
        }
        size_t nv = 0, nfail = 0;
        for (size_t k = 0; k < r->nverdicts; k++)
            if (r->verdicts[k].run == i) {
                nv++;
                nfail += !r->verdicts[k].pass;
            }
        if (nv == 0)
            fprintf(out, "<td>%s</td></tr>\n",
                    !an_is_judged(r, i) ? "not judged" : "none");
        else if (nfail == 0)
            fprintf(out, "<td class=\"pass\">PASS (%zu)</td></tr>\n", nv);
        else
            fprintf(out, "<td class=\"fail\">FAIL %zu of %zu</td></tr>\n", nfail, nv);
    }
    fputs("</table>\n", out);
    for (size_t i = 0; i < r->nruns; i++)
        if (r->runs[i].latency.n == 0) {
            fputs("<p class=\"fail\">", out);
            esc(out, r->runs[i].label);
            fputs(": no HTTP-200 answers, so no latency percentiles.</p>\n", out);
        }
    fputs("</section>\n", out);
}

/* The distributions of a run as one table: a row each, the AN_VIEW_TABLE columns. */
static void dist_table(FILE *out, const struct an_run *run)
{
    struct an_drow rows[AN_NDROWS];
    an_dist_rows(run, rows);
    fputs("<h3>Percentiles and phases (ms; exact, nearest rank)</h3><table><tr><th></th>",
          out);
    for (const struct an_col *c = an_cols; c < an_cols + AN_NCOLS; c++) {
        if (c->views & AN_VIEW_TABLE) {
            fputs("<th>", out);
            esc(out, c->head);
            fputs("</th>", out);
        }
    }
    fputs("</tr>\n", out);
    for (size_t k = 0; k < AN_NDROWS; k++) {
        fputs("<tr><td>", out);
        esc(out, rows[k].label);
        fputs("</td>", out);
        for (const struct an_col *c = an_cols; c < an_cols + AN_NCOLS; c++) {
            char b[32];
            if (c->views & AN_VIEW_TABLE)
                fprintf(out, "<td>%s</td>", an_fmt_dist_cell(b, sizeof b, rows[k].d, c));
        }
        fputs("</tr>\n", out);
    }
    fputs("</table>\n", out);
}

static void run_section(FILE *out, const struct an_report *r, size_t i)
{
    const struct an_run *run = &r->runs[i];
    const struct rt_run_info *ri = &run->info;
    fprintf(out, "<section id=\"run%zu\"><h2><span class=\"sw\" style=\"background:%s\">"
            "</span>", i, palette[i % NPAL]);
    esc(out, run->label);
    fputs("</h2>\n", out);
    if (run->nparts > 1) {
        fprintf(out, "<p>Group <b>");
        esc(out, run->group_id);
        fprintf(out, "</b>, %zu parts merged into one run:", run->nparts);
        for (size_t k = 0; k < run->nparts; k++) {
            fputs(k ? ", " : " ", out);
            esc(out, run->part_uuids[k] ? run->part_uuids[k] : "?");
        }
        fputs(".</p>\n", out);
    }
    if (run->partial) {
        fputs("<p class=\"fail\">This run is ", out);
        esc(out, ri->status);
        fputs(": the figures cover what was recorded so far.</p>\n", out);
    }
    fputs("<p>", out);
    if (run->offered_per_s > 0)
        fprintf(out, "Offered %.2f/s (%.0f/h); ", run->offered_per_s,
                run->offered_per_s * 3600);
    if (run->have_rate && run->rate_from_schedule)
        fprintf(out, "achieved %.2f/s (%.0f/h) answers, HTTP-200 %.2f/s (%.0f/h): per second "
                "of the %.1f s schedule (%.1f&ndash;%.1f s; every request ends in its answer "
                "or a deadline error, so this is the rate the service sustained).",
                run->achieved_per_s, run->achieved_per_s * 3600, run->ok_per_s,
                run->ok_per_s * 3600, run->window_s, (double)run->rate_from_us / 1e6,
                (double)run->rate_to_us / 1e6);
    else if (run->have_rate)
        fprintf(out, "achieved %.2f/s (%.0f/h) answers, HTTP-200 %.2f/s (%.0f/h): per second "
                "of the completion span %.1f&ndash;%.1f s (no schedule span to measure "
                "over).", run->achieved_per_s, run->achieved_per_s * 3600, run->ok_per_s,
                run->ok_per_s * 3600, (double)run->rate_from_us / 1e6,
                (double)run->rate_to_us / 1e6);
    if (run->duration_s > 0)
        fprintf(out, " Completion span (first send to last answer) %.1f s.", run->duration_s);
    char cost[256];
    if (an_fmt_client_cost(cost, sizeof cost, run)[0]) {
        fputs(" The load generator's own: ", out);
        esc(out, cost);
        fputc('.', out);
    }
    fputs("</p>\n", out);
    chart_throughput(out, run, palette[i % NPAL], an_is_judged(r, i) ? &r->crit : NULL);
    chart_latency_time(out, run, an_is_judged(r, i) ? &r->crit : NULL);

    fputs("<h3>HTTP status and errors</h3><table><tr><th>status or error</th><th>count</th>"
          "<th>share</th></tr>\n", out);
    for (int s = 0; s <= AN_NSTATUS; s++) {
        if (!run->status_n[s])
            continue;
        double share = run->requests ? 100.0 * (double)run->status_n[s] / (double)run->requests
                                     : 0;
        const char *cls = s == 200 ? "" : " class=\"fail\"";
        if (s == AN_NSTATUS)
            fprintf(out, "<tr><td%s>HTTP other</td>", cls);
        else if (s == 0)
            fprintf(out, "<tr><td%s>no HTTP answer</td>", cls);
        else
            fprintf(out, "<tr><td%s>HTTP %d%s</td>", cls, s,
                    s == 429 ? " (rate limited)" : s >= 500 ? " (server error)" : "");
        fprintf(out, "<td>%lld</td><td>%.2f%%</td></tr>\n", (long long)run->status_n[s],
                share);
    }
    for (size_t e = 0; e <= run->nerrors; e++) {
        if (e == run->nerrors && !run->errors_other)
            break;
        int64_t n = e < run->nerrors ? run->errors[e].n : run->errors_other;
        fputs("<tr><td class=\"fail\">error ", out);
        esc(out, e < run->nerrors ? run->errors[e].word : "other");
        fprintf(out, "</td><td>%lld</td><td>%.2f%%</td></tr>\n", (long long)n,
                run->requests ? 100.0 * (double)n / (double)run->requests : 0);
    }
    fputs("</table>\n", out);

    dist_table(out, run);
    fputs("</section>\n", out);
}

static void comparison(FILE *out, const struct an_report *r)
{
    if (r->nruns < 2)
        return;
    fputs("<section id=\"comparison\"><h2>Comparison</h2><p>Deltas against the baseline, ",
          out);
    esc(out, r->runs[r->baseline].label);
    fputs(".</p><table><tr><th>figure</th>", out);
    for (size_t i = 0; i < r->nruns; i++) {
        fputs("<th>", out);
        esc(out, r->runs[i].label);
        fputs("</th>", out);
        if (i != r->baseline)
            fputs("<th>delta</th>", out);
    }
    fputs("</tr>\n", out);
    for (size_t k = 0; k < r->ncmp; k++) {
        const struct an_cmp_row *c = &r->cmp[k];
        fputs("<tr><td>", out);
        esc(out, c->name);
        fputs("</td>", out);
        for (size_t i = 0; i < r->nruns; i++) {
            char v[48], d[32];
            fprintf(out, "<td>%s</td>", c->have[i] ? an_fmt_value(v, sizeof v, c->unit, c->v[i])
                                                   : "n/a");
            if (i != r->baseline) {
                const char *cls = "";
                if (c->have[i] && c->have[r->baseline] && c->worse_when_higher >= 0 &&
                    c->v[i] != c->v[r->baseline]) {
                    int higher = c->v[i] > c->v[r->baseline];
                    cls = (higher == (c->worse_when_higher == 1)) ? " class=\"fail\""
                                                                  : " class=\"pass\"";
                }
                fprintf(out, "<td%s>%s</td>", cls, c->have[i] && c->have[r->baseline]
                        ? an_fmt_delta(d, sizeof d, c->v[r->baseline], c->v[i]) : "");
            }
        }
        fputs("</tr>\n", out);
    }
    fputs("</table></section>\n", out);
}

static void kv(FILE *out, const char *k, const char *v)
{
    fputs("<tr><th>", out);
    esc(out, k);
    fputs("</th><td>", out);
    esc(out, v ? v : "");
    fputs("</td></tr>\n", out);
}

static void config(FILE *out, const struct an_report *r)
{
    fputs("<section id=\"config\"><h2>Run configuration</h2>\n", out);
    for (size_t i = 0; i < r->nruns; i++) {
        const struct an_run *run = &r->runs[i];
        const struct rt_run_info *ri = &run->info;
        char b[64];
        fputs("<h3>", out);
        esc(out, run->label);
        fputs("</h3><table class=\"kv\">\n", out);
        kv(out, "database", run->db_path);
        if (run->nparts > 1) {
            /* The group, not its first part: its parts' uuids, no id or shard of its own. */
            kv(out, "group", run->group_id);
            snprintf(b, sizeof b, "%zu", run->nparts);
            kv(out, "parts", b);
            for (size_t k = 0; k < run->nparts; k++) {
                char h[32];
                snprintf(h, sizeof h, "part %zu uuid", k + 1);
                kv(out, h, run->part_uuids[k]);
            }
        } else {
            snprintf(b, sizeof b, "%lld", (long long)ri->id);
            kv(out, "id", b);
            kv(out, "uuid", ri->uuid);
        }
        kv(out, run->nparts > 1 ? "first part's name" : "name", ri->name);
        kv(out, "kind", ri->kind);
        kv(out, "status", ri->status);
        kv(out, "target", ri->target);
        kv(out, "started", ri->started_at);
        kv(out, "finished", ri->finished_at ? ri->finished_at : "-");
        if (ri->source_run_uuid)
            kv(out, "replay of", ri->source_run_uuid);
        if (ri->speed > 0) {
            snprintf(b, sizeof b, "%g", ri->speed);
            kv(out, "speed", b);
        }
        if (ri->shard)
            kv(out, "shard", ri->shard);
        if (ri->group_id && run->nparts <= 1)
            kv(out, "group", ri->group_id);
        if (run->parts)
            kv(out, "merged runs", run->parts);
        kv(out, "tool version", ri->tool_version);
        kv(out, "host", ri->hostname);
        fputs("</table>\n<pre class=\"cfg\">", out);
        /* Indented, one option a line, when it parses (it always should); else as stored. */
        json_t *cfg = ri->config_json ? json_loads(ri->config_json, 0, NULL) : NULL;
        char *pretty = cfg ? json_dumps(cfg, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
        esc(out, pretty ? pretty : ri->config_json);
        free(pretty);
        json_decref(cfg);
        fputs("</pre>\n", out);
    }
    fputs("</section>\n", out);
}

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222}"
    "table.sum td,table.sum th{white-space:nowrap}"
    "h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ddd;padding-bottom:2px;"
    "margin-top:28px}h3{font-size:15px}"
    "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 7px;"
    "text-align:right}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}"
    "table.kv td,table.kv th{text-align:left}"
    ".pass{color:#1a7f37;font-weight:600}.fail{color:#c62828;font-weight:600}"
    ".sw{display:inline-block;width:10px;height:10px;margin-right:6px}"
    "figure{margin:10px 0}figcaption{font-size:12px;color:#444}.key{margin-right:14px}"
    "svg text{font:11px system-ui,sans-serif;fill:#333}.tx{text-anchor:middle}"
    ".ty{text-anchor:end}.xl{text-anchor:middle}.yl{text-anchor:middle}"
    ".frame{fill:none;stroke:#999}.grid{stroke:#eee}"
    ".slo{stroke:#555;stroke-dasharray:4 3}.slot{fill:#555}.win{fill:#000;fill-opacity:.04}"
    "pre.cfg{background:#f7f7f7;padding:8px;white-space:pre-wrap;word-break:break-all}"
    ".meta{color:#666}";

int an_out_html(const struct an_report *r, FILE *out)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<title>revtrace analysis", out);
    if (r->nruns == 1) {
        fputs(": ", out);
        esc(out, r->runs[0].label);
    }
    fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", css);
    fputs("<h1>revtrace load-test analysis</h1>\n<p class=\"meta\">Generated ", out);
    esc(out, r->generated_at);
    fputs(" by revtrace " RT_VERSION ". Latency counts from the scheduled send time (free of "
          "coordinated omission); percentiles are exact, by nearest rank, over HTTP-200 "
          "answers.</p>\n", out);
    verdicts(out, r);
    summary(out, r);
    fputs("<section id=\"latency\"><h2>Latency distribution</h2>\n", out);
    {
        int64_t edges[256];
        size_t ne = an_hist_edges(r, edges, 256);
        struct axis xa;
        if (latency_axis(r, edges, ne, &xa) != 0) {
            fputs("<p class=\"none\">No HTTP-200 answers in any run: no latency histogram "
                  "or CDF.</p>\n", out);
        } else {
            chart_histogram(out, r, edges, ne, &xa);
            chart_cdf(out, r, &xa);
        }
    }
    fputs("</section>\n", out);
    for (size_t i = 0; i < r->nruns; i++)
        run_section(out, r, i);
    comparison(out, r);
    config(out, r);
    fputs("</body>\n</html>\n", out);
    return 0;
}
