/*
 * out_json.c - everything in one JSON document (jansson), for scripts.  The keys are a
 * public interface documented in docs/analyze.md ("JSON keys"); add keys, never rename.
 * Durations are integer microseconds (keys end in _us), rates per second (_per_s), ratios
 * in [0, 1].  A figure that does not exist (no HTTP-200 answer: no percentile) is null, never
 * 0 and never NaN.
 */
#include "analyze/analyze.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "tool/cli.h"

#define JSON_FORMAT_VERSION 1

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* A distribution: every column, the percentiles nested under percentiles_us by value. */
static json_t *dist_json(const struct an_dist *d)
{
    json_t *o = json_object(), *p = json_object();
    for (const struct an_col *c = an_cols; c < an_cols + AN_NCOLS; c++) {
        struct an_cell v = an_dist_cell(d, c);
        json_t *j = !v.have ? json_null() : v.real ? json_real(v.x) : json_integer(v.i);
        if (c->kind == AN_COL_PCT) {
            char key[16];
            snprintf(key, sizeof key, "%g", rt_stats_pcts[c->pct]);
            json_object_set_new(p, key, j);
        } else {
            json_object_set_new(o, c->key, j);
        }
    }
    json_object_set_new(o, "percentiles_us", p);
    return o;
}

/* What names the run and how it ran: the run's row, for a group its parts. */
static void identity_json(json_t *o, const struct an_report *r, size_t idx)
{
    const struct an_run *run = &r->runs[idx];
    const struct rt_run_info *ri = &run->info;
    json_object_set_new(o, "label", json_string(run->label));
    json_object_set_new(o, "db", json_string(run->db_path));
    /* A merged group has no id, uuid or shard of its own: null, and group_id,
     * merged_runs and part_uuids say what it is. */
    json_object_set_new(o, "id", run->nparts > 1 ? json_null() : json_integer(ri->id));
    json_object_set_new(o, "uuid", str_or_null(ri->uuid));
    json_object_set_new(o, "name", str_or_null(ri->name));
    json_object_set_new(o, "kind", str_or_null(ri->kind));
    json_object_set_new(o, "status", str_or_null(ri->status));
    json_object_set_new(o, "partial", json_boolean(run->partial));
    json_object_set_new(o, "target", str_or_null(ri->target));
    json_object_set_new(o, "group_id", str_or_null(ri->group_id));
    json_object_set_new(o, "merged_runs", json_integer((json_int_t)run->nparts));
    json_object_set_new(o, "parts", str_or_null(run->parts));
    json_t *pu = json_array();
    for (size_t k = 0; k < run->nparts; k++)
        json_array_append_new(pu, str_or_null(run->part_uuids[k]));
    json_object_set_new(o, "part_uuids", pu);
    json_object_set_new(o, "judged", json_boolean(an_is_judged(r, idx)));
    json_object_set_new(o, "source_run_uuid", str_or_null(ri->source_run_uuid));
    json_object_set_new(o, "speed", ri->speed > 0 ? json_real(ri->speed) : json_null());
    json_object_set_new(o, "shard", str_or_null(ri->shard));
    json_object_set_new(o, "started_at", str_or_null(ri->started_at));
    json_object_set_new(o, "finished_at", str_or_null(ri->finished_at));
    json_object_set_new(o, "t0_unix_us", json_integer(ri->t0_unix_us));
    json_object_set_new(o, "tool_version", str_or_null(ri->tool_version));
    json_object_set_new(o, "hostname", str_or_null(ri->hostname));
    json_t *cfg = ri->config_json ? json_loads(ri->config_json, 0, NULL) : NULL;
    json_object_set_new(o, "config", cfg ? cfg : str_or_null(ri->config_json));
}

/* requests, http_status, status_classes, errors. */
static void counts_json(json_t *o, const struct an_run *run)
{
    json_t *req = json_object();
    json_object_set_new(req, "scheduled", json_integer(run->requests));
    json_object_set_new(req, "sent", json_integer(run->sent));
    json_object_set_new(req, "never_sent", json_integer(run->never_sent));
    json_object_set_new(req, "answered", json_integer(run->answered));
    json_object_set_new(req, "ok", json_integer(run->ok));
    json_object_set_new(req, "failed", json_integer(run->failed));
    json_object_set_new(req, "error_ratio", json_real(run->error_ratio));
    json_object_set_new(req, "bytes_in", json_integer(run->bytes_in));
    json_object_set_new(o, "requests", req);

    json_t *st = json_object();
    for (int s = 0; s <= AN_NSTATUS; s++) {
        if (!run->status_n[s])
            continue;
        char key[16];
        snprintf(key, sizeof key, s == AN_NSTATUS ? "other" : "%d", s);
        json_object_set_new(st, key, json_integer(run->status_n[s]));
    }
    json_object_set_new(o, "http_status", st);   /* "status" is the run's status */
    json_t *cls = json_object();
    json_object_set_new(cls, "429", json_integer(run->s429));
    json_object_set_new(cls, "5xx", json_integer(run->s5xx));
    json_object_set_new(cls, "4xx_other", json_integer(run->s4xx));
    json_object_set_new(o, "status_classes", cls);
    json_t *er = json_object();
    for (size_t e = 0; e < run->nerrors; e++)
        json_object_set_new(er, run->errors[e].word, json_integer(run->errors[e].n));
    if (run->errors_other)
        json_object_set_new(er, "other", json_integer(run->errors_other));
    json_object_set_new(o, "errors", er);
    /* Schema 3 notes, only where recorded (older files keep their exact output). */
    json_t *why = json_object();
    for (size_t e = 0; e < run->nerrors; e++)
        if (run->errors[e].detail[0])
            json_object_set_new(why, run->errors[e].word, json_string(run->errors[e].detail));
    if (json_object_size(why))
        json_object_set_new(o, "error_details", why);
    else
        json_decref(why);
    if (run->max_loop_stall_us >= 0)
        json_object_set_new(o, "max_loop_stall_us", json_integer(run->max_loop_stall_us));
    if (run->client_cpu_us >= 0)
        json_object_set_new(o, "client_cpu_us", json_integer(run->client_cpu_us));
}

static json_t *real_if(int have, double v)
{
    return have ? json_real(v) : json_null();
}

/* The rates, per second of the window; null where there is no window. */
static json_t *rate_json(const struct an_run *run)
{
    json_t *rate = json_object();
    int d = run->have_rate;
    json_object_set_new(rate, "offered_per_s", real_if(run->offered_per_s > 0,
                                                       run->offered_per_s));
    json_object_set_new(rate, "offered_source", run->offered_per_s > 0
                        ? json_string(run->offered_from_run ? "run"
                                      : run->rate_from_schedule ? "schedule"
                                                                : "completion_span")
                        : json_null());
    json_object_set_new(rate, "target_per_s", real_if(run->target_per_s > 0,
                                                      run->target_per_s));
    json_object_set_new(rate, "window", d ? json_string(run->rate_from_schedule
                                                        ? "schedule" : "completion_span")
                                          : json_null());
    json_object_set_new(rate, "window_s", real_if(d, run->window_s));
    json_object_set_new(rate, "achieved_per_s", real_if(d, run->achieved_per_s));
    json_object_set_new(rate, "ok_per_s", real_if(d, run->ok_per_s));
    json_object_set_new(rate, "failed_per_s", real_if(d, run->failed_per_s));
    json_object_set_new(rate, "requests_per_s", real_if(d, run->requests_per_s));
    json_object_set_new(rate, "locust_requests_per_s", real_if(d, run->locust_per_s));
    json_object_set_new(rate, "window_from_us", d ? json_integer(run->rate_from_us) : json_null());
    json_object_set_new(rate, "window_to_us", d ? json_integer(run->rate_to_us) : json_null());
    json_object_set_new(rate, "duration_s", real_if(run->duration_s > 0, run->duration_s));
    json_object_set_new(rate, "completion_span_s", real_if(run->duration_s > 0,
                                                           run->duration_s));
    return rate;
}

/* latency, service, lag at the top, the phases under "phases". */
static void dists_json(json_t *o, const struct an_run *run)
{
    struct an_drow rows[AN_NDROWS];
    json_t *ph = json_object();
    an_dist_rows(run, rows);
    for (size_t k = 0; k < AN_NDROWS; k++)
        json_object_set_new(rows[k].kind == AN_D_PHASE ? ph : o, rows[k].key,
                            dist_json(rows[k].d));
    json_object_set_new(o, "phases", ph);
}

static json_t *histogram_json(const struct an_run *run, const int64_t *edges, size_t nedges)
{
    json_t *hist = json_object();
    json_t *je = json_array(), *jc = json_array();
    if (nedges >= 2 && run->latency.n && run->latency.v) {
        uint64_t counts[256];
        rt_stats_histogram(run->latency.v, run->latency.n, edges, nedges, counts);
        for (size_t k = 0; k < nedges; k++)
            json_array_append_new(je, json_integer(edges[k]));
        for (size_t k = 0; k + 1 < nedges; k++)
            json_array_append_new(jc, json_integer((json_int_t)counts[k]));
    }
    json_object_set_new(hist, "edges_us", je);
    json_object_set_new(hist, "counts", jc);
    return hist;
}

static json_t *series_json(const struct an_run *run)
{
    json_t *ser = json_object();
    json_object_set_new(ser, "interval_us", json_integer(run->interval_us));
    json_t *rows = json_array();
    for (size_t b = 0; b < run->nseries; b++) {
        const struct an_bucket *k = &run->series[b];
        json_t *row = json_object();
        int h = k->lat_n > 0;
        json_object_set_new(row, "t_us", json_integer((json_int_t)b * run->interval_us));
        json_object_set_new(row, "scheduled", json_integer(k->scheduled));
        json_object_set_new(row, "sent", json_integer(k->sent));
        json_object_set_new(row, "answered", json_integer(k->answered));
        json_object_set_new(row, "ok", json_integer(k->ok));
        json_object_set_new(row, "failed", json_integer(k->failed));
        json_object_set_new(row, "status_429", json_integer(k->s429));
        json_object_set_new(row, "status_5xx", json_integer(k->s5xx));
        json_object_set_new(row, "inflight", json_integer(k->inflight));
        json_object_set_new(row, "latency_n", json_integer((json_int_t)k->lat_n));
        json_object_set_new(row, "latency_mean_us", real_if(h, k->lat_mean));
        json_object_set_new(row, "latency_p50_us", h ? json_integer(k->lat_p50) : json_null());
        json_object_set_new(row, "latency_p90_us", h ? json_integer(k->lat_p90) : json_null());
        json_object_set_new(row, "latency_p99_us", h ? json_integer(k->lat_p99) : json_null());
        json_object_set_new(row, "latency_max_us", h ? json_integer(k->lat_max) : json_null());
        json_array_append_new(rows, row);
    }
    json_object_set_new(ser, "rows", rows);
    return ser;
}

static json_t *run_json(const struct an_report *r, size_t idx, const int64_t *edges,
                        size_t nedges)
{
    const struct an_run *run = &r->runs[idx];
    json_t *o = json_object();
    identity_json(o, r, idx);
    counts_json(o, run);
    json_object_set_new(o, "rate", rate_json(run));
    dists_json(o, run);
    json_object_set_new(o, "histogram", histogram_json(run, edges, nedges));
    json_object_set_new(o, "series", series_json(run));
    return o;
}

/* One row per comparison figure: its values and its deltas relative to the baseline. */
static json_t *comparison_json(const struct an_report *r)
{
    static const char *const units[] = { "count", "us", "per_s", "ratio" };
    json_t *cmp = json_array();
    for (size_t k = 0; k < r->ncmp; k++) {
        const struct an_cmp_row *c = &r->cmp[k];
        json_t *row = json_object(), *vals = json_array(), *deltas = json_array();
        json_object_set_new(row, "figure", json_string(c->name));
        json_object_set_new(row, "key", json_string(c->key));
        json_object_set_new(row, "unit", json_string(units[c->unit]));
        json_object_set_new(row, "regression_checked", json_boolean(c->checked));
        double base = c->v[r->baseline];
        for (size_t i = 0; i < r->nruns; i++) {
            json_array_append_new(vals, c->have[i] ? json_real(c->v[i]) : json_null());
            int ok = c->have[i] && c->have[r->baseline] && base != 0;
            json_array_append_new(deltas, ok ? json_real((c->v[i] - base) / (base < 0 ? -base
                                                                                : base))
                                             : json_null());
        }
        json_object_set_new(row, "values", vals);
        json_object_set_new(row, "relative_deltas", deltas);
        json_array_append_new(cmp, row);
    }
    return cmp;
}

static json_t *verdicts_json(const struct an_report *r)
{
    json_t *ver = json_array();
    for (size_t i = 0; i < r->nverdicts; i++) {
        const struct an_verdict *v = &r->verdicts[i];
        json_t *o = json_object();
        json_object_set_new(o, "run", json_integer((json_int_t)v->run));
        json_object_set_new(o, "run_label", json_string(r->runs[v->run].label));
        json_object_set_new(o, "kind", json_string(an_vkind_name(v->kind)));
        json_object_set_new(o, "what", json_string(v->what));
        json_object_set_new(o, "measured", json_string(v->measured));
        json_object_set_new(o, "pass", json_boolean(v->pass));
        json_array_append_new(ver, o);
    }
    return ver;
}

int an_out_json(const struct an_report *r, FILE *out)
{
    json_t *root = json_object();
    json_object_set_new(root, "format", json_string("revtrace-analyze"));
    json_object_set_new(root, "format_version", json_integer(JSON_FORMAT_VERSION));
    json_object_set_new(root, "tool_version", json_string(RT_VERSION));
    json_object_set_new(root, "generated_at", json_string(r->generated_at));
    json_object_set_new(root, "latency_definition",
                        json_string("HTTP-200 answers, sent_us + total_us - scheduled_us; "
                                    "percentiles exact by nearest rank"));
    json_t *pcts = json_array();
    for (int k = 0; k < RT_STATS_NPCTS; k++)
        json_array_append_new(pcts, json_real(rt_stats_pcts[k]));
    json_object_set_new(root, "percentiles", pcts);

    int64_t edges[256];
    size_t nedges = an_hist_edges(r, edges, 256);
    json_t *runs = json_array();
    for (size_t i = 0; i < r->nruns; i++)
        json_array_append_new(runs, run_json(r, i, edges, nedges));
    json_object_set_new(root, "runs", runs);

    json_object_set_new(root, "baseline", json_integer((json_int_t)r->baseline));
    json_object_set_new(root, "comparison", comparison_json(r));
    json_object_set_new(root, "verdicts", verdicts_json(r));
    json_object_set_new(root, "result", json_string(r->failed ? "fail" : "pass"));

    int rc = json_dumpf(root, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    fputc('\n', out);
    json_decref(root);
    if (rc != 0) {
        rt_msg_error("cannot write the JSON report");
        return RT_EXIT_RUNTIME;
    }
    return 0;
}
