/*
 * present.c - small formatting helpers every output format shares, so that "412.3 ms" or
 * "+12.0%" read the same in text, markdown, remarkup and HTML.
 */
#include "analyze/analyze.h"

#include <csv.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* One rule for every ms figure: one decimal while the figure, rounded to a tenth, is
 * below 1000 ms (999.96 ms reads "1000", not "1000.0"), whole ms from there on. */
static char *fmt_ms(char *buf, size_t len, double us)
{
    double ms = us / 1e3;
    if (fabs(round(ms * 10) / 10) < 1000)
        snprintf(buf, len, "%.1f", ms);
    else
        snprintf(buf, len, "%.0f", ms);
    return buf;
}

char *an_fmt_ms(char *buf, size_t len, int64_t us)
{
    return fmt_ms(buf, len, (double)us);
}

char *an_fmt_ms_or_na(char *buf, size_t len, int have, double us)
{
    if (!have)
        snprintf(buf, len, "n/a");
    else
        fmt_ms(buf, len, us);
    return buf;
}

void an_print_verdict_line(FILE *out, const struct an_report *r, const struct an_verdict *v)
{
    fprintf(out, "  %s  %-34s %s  [run: %s]\n", v->pass ? "PASS" : "FAIL", v->what,
            v->measured, r->runs[v->run].label);
}

char *an_fmt_dist_cell(char *buf, size_t len, const struct an_dist *d, const struct an_col *c)
{
    struct an_cell v = an_dist_cell(d, c);
    if (c->kind == AN_COL_N)
        snprintf(buf, len, "%lld", (long long)v.i);
    else
        an_fmt_ms_or_na(buf, len, v.have, v.x);
    return buf;
}

char *an_fmt_value(char *buf, size_t len, int unit, double v)
{
    switch (unit) {
    case AN_U_US: {
        char ms[32];
        an_fmt_ms(ms, sizeof ms, (int64_t)llround(v));
        snprintf(buf, len, "%s ms", ms);
        break;
    }
    case AN_U_PER_S:
        snprintf(buf, len, "%.2f/s", v);
        break;
    case AN_U_RATIO:
        snprintf(buf, len, "%.2f%%", v * 100.0);
        break;
    default:
        snprintf(buf, len, "%.0f", v);
        break;
    }
    return buf;
}

char *an_fmt_delta(char *buf, size_t len, double base, double v)
{
    if (base == v)
        snprintf(buf, len, "=");
    else if (base == 0)
        snprintf(buf, len, "n/a");
    else
        snprintf(buf, len, "%+.1f%%", (v - base) / fabs(base) * 100.0);
    return buf;
}

char *an_fmt_client_cpu(char *buf, size_t len, const struct an_run *run)
{
    buf[0] = '\0';
    if (run->client_cpu_us < 0)
        return buf;
    size_t used = (size_t)snprintf(buf, len, "CPU %.2f s", (double)run->client_cpu_us / 1e6);
    if (run->duration_s > 0 && used < len)
        used += (size_t)snprintf(buf + used, len - used, " = %.1f %% of a core",
                                 (double)run->client_cpu_us / 1e4 / run->duration_s);
    if (run->sent > 0 && used < len)
        snprintf(buf + used, len - used, ", %.3f ms per request sent",
                 (double)run->client_cpu_us / 1000.0 / (double)run->sent);
    return buf;
}

char *an_fmt_client_cost(char *buf, size_t len, const struct an_run *run)
{
    char cpu[192];
    an_fmt_client_cpu(cpu, sizeof cpu, run);
    if (run->max_loop_stall_us < 0)
        snprintf(buf, len, "%s", cpu);
    else
        snprintf(buf, len, "loop stall %.1f ms at most%s%s",
                 (double)run->max_loop_stall_us / 1000.0, cpu[0] ? "; " : "", cpu);
    return buf;
}

char *an_target_path(char *buf, size_t len, const char *url)
{
    const char *p = url ? strstr(url, "://") : NULL;
    if (p) {
        p = strchr(p + 3, '/');
        if (!p)
            p = "/";
    } else {
        p = url && *url ? url : "/";
    }
    snprintf(buf, len, "%s", p);
    return buf;
}

const char *an_vkind_name(enum an_vkind k)
{
    switch (k) {
    case AN_V_SLO:
        return "slo";
    case AN_V_RATE:
        return "rate";
    case AN_V_ERRORS:
        return "errors";
    case AN_V_REGRESSION:
        return "regression";
    }
    return "?";
}

int an_dist_metric(const struct an_dist *d, enum an_metric m, double pct, double *out_us)
{
    if (d->n == 0)
        return -1;
    switch (m) {
    case AN_M_MEAN:
        *out_us = d->s.mean;
        return 0;
    case AN_M_MAX:
        *out_us = (double)d->s.max;
        return 0;
    case AN_M_MIN:
        *out_us = (double)d->s.min;
        return 0;
    case AN_M_PCT:
        for (int p = 0; p < RT_STATS_NPCTS; p++) {
            if (fabs(rt_stats_pcts[p] - pct) < 1e-9) {
                *out_us = (double)d->pct[p];
                return 0;
            }
        }
        if (d->v) {
            int64_t v;
            if (rt_stats_percentile(d->v, d->n, pct, &v) != 0)
                return -1;
            *out_us = (double)v;
            return 0;
        }
        return -1;
    }
    return -1;
}

size_t an_hist_edges(const struct an_report *r, int64_t *edges, size_t cap)
{
    int any = 0;
    int64_t lo = 0, hi = 0;
    for (size_t i = 0; i < r->nruns; i++) {
        const struct an_dist *d = &r->runs[i].latency;
        if (d->n == 0)
            continue;
        if (!any || d->s.min < lo)
            lo = d->s.min;
        if (!any || d->s.max > hi)
            hi = d->s.max;
        any = 1;
    }
    if (!any)
        return 0;
    return rt_stats_edges_log(lo, hi, 20, edges, cap);
}

void an_csv_str(struct an_csv *c, const char *s)
{
    if (c->col++)
        fputc(',', c->f);
    if (!s)
        return;
    if (strpbrk(s, ",\"\r\n"))
        csv_fwrite(c->f, s, strlen(s));
    else
        fputs(s, c->f);
}

void an_csv_fmt(struct an_csv *c, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    an_csv_str(c, buf);
}

void an_csv_end(struct an_csv *c)
{
    fputs(c->crlf ? "\r\n" : "\n", c->f);
    c->col = 0;
}
