/*
 * figures.c - from request rows to numbers: the counts, rates, exact percentiles, phases and
 * time series of one run (or of a group of runs merged into one), in a struct an_run.  No
 * database here: load.c walks the store's cursor and hands each row to an_fig_add, and a
 * test can hand it rows made by hand.
 *
 * Speed is the design constraint (a million requests to a report in well under 2 s): every
 * value goes into a growing int64 array (doubling, so no per-row allocation), error words are
 * interned into a small fixed table, and statuses are counted in a flat array.  Afterwards
 * (an_fig_end) each array is radix-sorted once (analyze/stats.c) and the percentiles are read
 * off by rank.  The time series groups HTTP-200 latencies by interval with a counting sort,
 * then sorts each interval's slice: exact percentiles per interval without a second pass
 * over the rows.
 *
 * Rates (offered, achieved, HTTP-200, failed, req/s) are counts divided by the run's schedule
 * window (rt_stats_schedule_window_us: the realized schedule span, first to last scheduled
 * time, times n / (n - 1)), so they need no sort and no latency enters them; the completion
 * span (first send to last completion) is the fallback when there is no schedule span.
 * Without --interval the series is first counted per second and then folded into an
 * interval that gives the run at least AN_AUTO_POINTS points (an_auto_interval_us).
 *
 * Merged groups (replay shards, --group / --merge-group): every part's times are shifted onto
 * the earliest part's t0 (the shift_us of an_fig_add), so the series and rates describe the
 * whole as one run.  Latencies need no shift.
 */
#include "analyze/analyze.h"
#include "core/grow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const an_phase_names[AN_NPHASES] = {
    "dns", "connect", "tls", "first_byte", "transfer",
};

/* Growing arrays (curl dynbuf style: once growth fails they stop growing and say so, and
 * the caller reports out of memory). */
struct vec {
    int64_t *v;
    size_t n, cap;
    int oom;
};

static void vec_push(struct vec *a, int64_t x)
{
    int64_t *p = a->oom ? NULL : rt_grow(a->v, a->n, &a->cap, sizeof *a->v, 4096);
    if (!p) {
        a->oom = 1;
        return;
    }
    a->v = p;
    a->v[a->n++] = x;
}

struct vec32 {
    uint32_t *v;
    size_t n, cap;
    int oom;
};

static void vec32_push(struct vec32 *a, uint32_t x)
{
    uint32_t *p = a->oom ? NULL : rt_grow(a->v, a->n, &a->cap, sizeof *a->v, 4096);
    if (!p) {
        a->oom = 1;
        return;
    }
    a->v = p;
    a->v[a->n++] = x;
}

/* Everything collected while the rows stream by. */
struct an_fig {
    struct an_run *run;     /* borrowed: where the counts and, at the end, the figures go */
    struct vec lat, svc, lag, ph[AN_NPHASES];
    struct vec ends;        /* when each sent request ended (locust's count, compute_rates) */
    struct vec32 lat_bucket;
    int64_t t_first_sched, t_last_sched, t_first_sent, t_last_done, t_last_event;
    int have_sched, have_sent, have_done;
};

/* Without --interval, rows are first counted per second, then folded (fold_series). */
#define AN_AUTO_BASE_US 1000000

/* ---- series buckets ------------------------------------------------------------------- */

static size_t bucket_of(struct an_run *run, int64_t t_us)
{
    if (t_us < 0)
        t_us = 0;
    int64_t b = t_us / run->interval_us;
    if (b >= AN_MAX_BUCKETS)
        b = AN_MAX_BUCKETS - 1;
    return (size_t)b;
}

/* Make bucket b exist; returns it, or NULL when out of memory. */
static struct an_bucket *bucket_at(struct an_run *run, size_t b)
{
    /* nseries tracks the allocation here; trimmed to the last used bucket at the end. */
    struct an_bucket *p = rt_grow_to(run->series, b, &run->nseries, sizeof *p, 64);
    if (!p)
        return NULL;
    run->series = p;
    return &run->series[b];
}

static void count_error(struct an_run *run, const char *word)
{
    for (size_t i = 0; i < run->nerrors; i++) {
        if (strcmp(run->errors[i].word, word) == 0) {
            run->errors[i].n++;
            return;
        }
    }
    if (run->nerrors < AN_MAX_ERRWORDS) {
        snprintf(run->errors[run->nerrors].word, sizeof run->errors[0].word, "%s", word);
        run->errors[run->nerrors++].n = 1;
    } else {
        run->errors_other++;
    }
}

/* ---- one row at a time --------------------------------------------------------------- */

struct an_fig *an_fig_begin(struct an_run *run, int64_t interval_us)
{
    struct an_fig *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->run = run;
    run->interval_auto = interval_us <= 0;
    run->interval_us = run->interval_auto ? AN_AUTO_BASE_US : interval_us;
    return f;
}

static int64_t clamp0(int64_t x)
{
    return x < 0 ? 0 : x;
}

/* The run-wide counts of one request: statuses, error words, bytes. */
static void count_outcome(struct an_run *run, const struct rt_store_row *row)
{
    int status = row->status;
    run->requests++;
    run->bytes_in += row->bytes_in;
    run->status_n[status >= 0 && status < AN_NSTATUS ? status : AN_NSTATUS]++;
    if (row->error)
        count_error(run, row->error);
    else if (status != 200)
        run->fail_status_n[status >= 0 && status < AN_NSTATUS ? status : AN_NSTATUS]++;
    if (status == 429)
        run->s429++;
    else if (status >= 500 && status < 600)
        run->s5xx++;
    else if (status >= 400 && status < 500)
        run->s4xx++;
}

/* Phases: libcurl's times are cumulative from the send; report each step. */
static void push_phases(struct an_fig *f, const struct rt_store_row *row)
{
    int64_t dns = row->dns_us, con = row->connect_us, tls = row->tls_us, ttfb = row->ttfb_us;
    if (row->have & RT_STORE_HAVE_DNS)
        vec_push(&f->ph[AN_PH_DNS], clamp0(dns));
    if (row->have & RT_STORE_HAVE_CONNECT)
        vec_push(&f->ph[AN_PH_CONNECT], clamp0(con - dns));
    if ((row->have & RT_STORE_HAVE_TLS) && tls > 0)
        vec_push(&f->ph[AN_PH_TLS], clamp0(tls - con));
    if (row->have & RT_STORE_HAVE_TTFB) {
        int64_t ready = tls > con ? tls : con;
        vec_push(&f->ph[AN_PH_FIRST_BYTE], clamp0(ttfb - ready));
        vec_push(&f->ph[AN_PH_TRANSFER], clamp0(row->total_us - ttfb));
    }
}

/*
 * A sent request: its lag, its send in the series, the first send and last completion.
 * *t_event: when it ended (or was sent, without a total).  0, or -1 when out of memory.
 */
static int note_sent(struct an_fig *f, const struct rt_store_row *row, int64_t sched,
                     int64_t sent, int64_t *t_event)
{
    struct an_run *run = f->run;
    run->sent++;
    vec_push(&f->lag, sent - sched);
    struct an_bucket *b = bucket_at(run, bucket_of(run, sent));
    if (!b)
        return -1;
    b->sent++;
    if (!f->have_sent || sent < f->t_first_sent)
        f->t_first_sent = sent;
    f->have_sent = 1;
    *t_event = sent;
    if (row->have & RT_STORE_HAVE_TOTAL) {
        *t_event = sent + row->total_us;
        vec_push(&f->ends, *t_event);
        if (!f->have_done || *t_event > f->t_last_done)
            f->t_last_done = *t_event;
        f->have_done = 1;
    }
    return 0;
}

/* The end of a request in bucket be (b): answers, HTTP-200 latencies, failures. */
static void note_end(struct an_fig *f, const struct rt_store_row *row, struct an_bucket *b,
                     size_t be, int64_t sched, int64_t sent)
{
    struct an_run *run = f->run;
    int has_sent = (row->have & RT_STORE_HAVE_SENT) != 0;
    int has_total = (row->have & RT_STORE_HAVE_TOTAL) != 0;
    int status = row->status;
    int ok = status == 200 && !row->error;
    if (has_sent)
        b->finished++;
    b->bytes_in += row->bytes_in;
    if (status > 0 && !row->error) {
        run->answered++;
        b->answered++;
    }
    if (status == 429)
        b->s429++;
    else if (status >= 500 && status < 600)
        b->s5xx++;
    if (ok && has_sent && has_total) {
        run->ok++;
        b->ok++;
        vec_push(&f->lat, sent + row->total_us - sched);
        vec32_push(&f->lat_bucket, (uint32_t)be);
        vec_push(&f->svc, row->total_us);
        push_phases(f, row);
    } else if (ok) {
        run->ok++;   /* a 200 without timings: counted, no latency */
    } else {
        run->failed++;
        b->failed++;
    }
}

int an_fig_add(struct an_fig *f, const struct rt_store_row *row, int64_t shift_us)
{
    struct an_run *run = f->run;
    int64_t sched = row->scheduled_us + shift_us;
    int has_sent = (row->have & RT_STORE_HAVE_SENT) != 0;
    int64_t sent = has_sent ? row->sent_us + shift_us : 0;

    count_outcome(run, row);
    if (!f->have_sched || sched < f->t_first_sched)
        f->t_first_sched = sched;
    if (!f->have_sched || sched > f->t_last_sched)
        f->t_last_sched = sched;
    f->have_sched = 1;
    struct an_bucket *bs = bucket_at(run, bucket_of(run, sched));
    if (!bs)
        return -1;
    bs->scheduled++;

    int64_t t_event = sched;
    if (has_sent) {
        if (note_sent(f, row, sched, sent, &t_event) != 0)
            return -1;
    } else {
        run->never_sent++;
    }
    if (t_event > f->t_last_event)
        f->t_last_event = t_event;
    if (sched > f->t_last_event)
        f->t_last_event = sched;

    size_t be = bucket_of(run, t_event);
    struct an_bucket *b = bucket_at(run, be);
    if (!b)
        return -1;
    note_end(f, row, b, be, sched, sent);
    return 0;
}

/* ---- after the rows: sort, rank, series ------------------------------------------------ */

static void dist_from_vec(struct an_dist *d, struct vec *a, int keep)
{
    d->v = a->v;
    d->n = a->n;
    a->v = NULL;
    a->n = a->cap = 0;
    rt_stats_sort_i64(d->v, d->n);
    rt_stats_summarize(d->v, d->n, &d->s);
    for (int p = 0; p < RT_STATS_NPCTS; p++)
        if (rt_stats_percentile(d->v, d->n, rt_stats_pcts[p], &d->pct[p]) != 0)
            d->pct[p] = 0;
    if (!keep) {
        free(d->v);
        d->v = NULL;
    }
}

/*
 * Per-interval latency percentiles, and cumulative ones for locust's history.  lat[i] was
 * completed in interval bucket[i]; a counting sort groups them by interval.
 */
static int series_latency(struct an_run *run, const int64_t *lat, const uint32_t *bucket,
                          size_t n, const int64_t *sorted_all, int cumulative)
{
    size_t nb = run->nseries;
    size_t *start = calloc(nb + 1, sizeof *start);
    int64_t *grouped = malloc((n ? n : 1) * sizeof *grouped);
    struct rt_rankset rs = { 0 };
    int rc = -1;
    if (!start || !grouped || (cumulative && rt_rankset_init(&rs, sorted_all, n) != 0))
        goto out;
    for (size_t i = 0; i < n; i++)
        start[bucket[i] + 1]++;
    for (size_t b = 0; b < nb; b++)
        start[b + 1] += start[b];
    for (size_t i = 0; i < n; i++)
        grouped[start[bucket[i]]++] = lat[i];
    /* start[b] now holds the end of bucket b; rebuild the starts on the way. */
    size_t begin = 0;
    int64_t cum_req = 0, cum_fail = 0, cum_sent = 0, cum_fin = 0, cum_bytes = 0;
    long double cum_sum = 0;
    int64_t cum_min = 0, cum_max = 0;
    size_t cum_n = 0;
    for (size_t b = 0; b < nb; b++) {
        struct an_bucket *k = &run->series[b];
        size_t end = start[b];
        size_t m = end - begin;
        int64_t *s = grouped + begin;
        rt_stats_sort_i64(s, m);
        k->lat_n = m;
        if (m) {
            struct rt_summary sm;
            rt_stats_summarize(s, m, &sm);
            k->lat_mean = sm.mean;
            k->lat_max = sm.max;
            rt_stats_percentile(s, m, rt_stats_pcts[AN_P50], &k->lat_p50);
            rt_stats_percentile(s, m, rt_stats_pcts[AN_P90], &k->lat_p90);
            rt_stats_percentile(s, m, rt_stats_pcts[AN_P99], &k->lat_p99);
            if (cum_n == 0 || sm.min < cum_min)
                cum_min = sm.min;
            if (cum_n == 0 || sm.max > cum_max)
                cum_max = sm.max;
            cum_sum += (long double)sm.sum;
            cum_n += m;
            /* The rank set costs a binary search and a tree walk per value: only for
             * the formats that show cumulative percentiles. */
            for (size_t i = 0; cumulative && i < m; i++)
                rt_rankset_add(&rs, s[i]);
        }
        cum_req += k->ok + k->failed;   /* every request that ended here */
        cum_fail += k->failed;
        cum_bytes += k->bytes_in;
        k->cum_bytes_in = cum_bytes;
        cum_sent += k->sent;
        cum_fin += k->finished;
        k->cum_requests = cum_req;
        k->cum_failed = cum_fail;
        k->inflight = cum_sent - cum_fin;
        k->cum_n = cum_n;
        if (cum_n) {
            for (int p = 0; cumulative && p < RT_STATS_NPCTS; p++)
                rt_rankset_percentile(&rs, rt_stats_pcts[p], &k->cum_pct[p]);
            k->cum_min = cum_min;
            k->cum_max = cum_max;
            k->cum_mean = (double)(cum_sum / (long double)cum_n);
        }
        begin = end;
    }
    rc = 0;
out:
    rt_rankset_free(&rs);
    free(start);
    free(grouped);
    return rc;
}

int64_t an_auto_interval_us(int64_t span_us)
{
    static const int64_t nice_s[] = {
        1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 43200, 86400,
    };
    int64_t want = span_us / AN_AUTO_POINTS;   /* the longest interval giving enough points */
    int64_t best = 1000000;
    for (size_t i = 0; i < sizeof nice_s / sizeof nice_s[0]; i++)
        if (nice_s[i] * 1000000 <= want)
            best = nice_s[i] * 1000000;
    if (best == 86400 * INT64_C(1000000) && want > best)
        best = want / (86400 * INT64_C(1000000)) * (86400 * INT64_C(1000000));
    return best;
}

/*
 * Without --interval the rows were counted per second (AN_AUTO_BASE_US); now that the span
 * is known, fold them into an_auto_interval_us's interval, a whole number of seconds.
 */
static void fold_series(struct an_run *run, struct an_fig *f)
{
    int64_t iv = an_auto_interval_us(f->t_last_event);
    size_t m = (size_t)(iv / AN_AUTO_BASE_US);
    run->interval_us = iv;
    if (m <= 1)
        return;
    size_t nb = (run->nseries + m - 1) / m;
    for (size_t j = 0; j < nb; j++) {
        struct an_bucket sum;
        memset(&sum, 0, sizeof sum);
        for (size_t i = j * m; i < (j + 1) * m && i < run->nseries; i++) {
            const struct an_bucket *k = &run->series[i];
            sum.scheduled += k->scheduled;
            sum.sent += k->sent;
            sum.answered += k->answered;
            sum.ok += k->ok;
            sum.failed += k->failed;
            sum.s429 += k->s429;
            sum.s5xx += k->s5xx;
            sum.finished += k->finished;
            sum.bytes_in += k->bytes_in;
        }
        run->series[j] = sum;   /* j <= j * m: folded buckets are not read again */
    }
    run->nseries = nb;
    for (size_t i = 0; i < f->lat_bucket.n; i++)
        f->lat_bucket.v[i] = (uint32_t)(f->lat_bucket.v[i] / m);
}

/*
 * Rates per second of the schedule window (rt_stats_schedule_window_us), else of the
 * completion span; none when neither exists.  The offered rate is the scheduled count over
 * the same window; without one, the run's recorded target rate stands in.
 */
static void compute_rates(struct an_run *run, const struct an_fig *f)
{
    double w_us = 0;
    int64_t from = 0;
    if (f->have_sched && rt_stats_schedule_window_us(f->t_first_sched, f->t_last_sched,
                                                     (uint64_t)run->requests, &w_us) == 0) {
        run->rate_from_schedule = 1;
        from = f->t_first_sched;
    } else if (f->have_sent && f->have_done && f->t_last_done > f->t_first_sent) {
        w_us = (double)(f->t_last_done - f->t_first_sent);
        from = f->t_first_sent;
    }
    if (w_us > 0) {
        double w = w_us / 1e6;
        run->have_rate = 1;
        run->window_s = w;
        run->rate_from_us = from;
        run->rate_to_us = from + (int64_t)(w_us + 0.5);
        run->requests_per_s = (double)run->requests / w;
        run->achieved_per_s = (double)run->answered / w;
        run->ok_per_s = (double)run->ok / w;
        run->failed_per_s = (double)run->failed / w;
        run->offered_per_s = (double)run->requests / w;
        run->offered_from_run = 0;
        /* locust's count: what ended by the window's end (the stop); a request still in
         * flight then is dropped, as locust drops it when it stops its users. */
        run->locust_requests = 0;
        for (size_t i = 0; i < f->ends.n; i++)
            run->locust_requests += f->ends.v[i] <= run->rate_to_us;
        run->locust_per_s = (double)run->locust_requests / w;
    }
    /* else: offered_per_s keeps the run's target (set by the loader), if any. */
}

int an_fig_end(struct an_fig *f, int flags)
{
    struct an_run *run = f->run;
    int cumulative = flags & AN_LOAD_CUMULATIVE;
    if (f->lat.oom || f->svc.oom || f->lag.oom || f->lat_bucket.oom || f->ends.oom)
        return -1;
    for (int p = 0; p < AN_NPHASES; p++)
        if (f->ph[p].oom)
            return -1;
    if (run->interval_auto)
        fold_series(run, f);

    /* Trim the series to the last interval that saw anything. */
    size_t used = 0;
    for (size_t b = 0; b < run->nseries; b++) {
        const struct an_bucket *k = &run->series[b];
        if (k->scheduled || k->sent || k->finished || k->answered || k->failed)
            used = b + 1;
    }
    run->nseries = used;

    /* The series needs the latencies in arrival order; sorting happens after. */
    struct vec lat_copy = { 0 };
    lat_copy.v = malloc((f->lat.n ? f->lat.n : 1) * sizeof *lat_copy.v);
    if (!lat_copy.v)
        return -1;
    if (f->lat.n)
        memcpy(lat_copy.v, f->lat.v, f->lat.n * sizeof *lat_copy.v);
    lat_copy.n = f->lat.n;

    dist_from_vec(&run->latency, &f->lat, 1);
    int rc = series_latency(run, lat_copy.v, f->lat_bucket.v, lat_copy.n, run->latency.v,
                            cumulative);
    free(lat_copy.v);
    free(f->lat_bucket.v);
    f->lat_bucket.v = NULL;
    if (rc)
        return -1;
    dist_from_vec(&run->service, &f->svc, 0);
    dist_from_vec(&run->lag, &f->lag, 0);
    for (int p = 0; p < AN_NPHASES; p++)
        dist_from_vec(&run->phase[p], &f->ph[p], 0);

    run->error_ratio = run->requests ? (double)run->failed / (double)run->requests : 0;
    if (f->have_sent && f->have_done && f->t_last_done > f->t_first_sent)
        run->duration_s = (double)(f->t_last_done - f->t_first_sent) / 1e6;
    compute_rates(run, f);
    return 0;
}

void an_fig_free(struct an_fig *f)
{
    if (!f)
        return;
    free(f->lat.v);
    free(f->svc.v);
    free(f->lag.v);
    for (int p = 0; p < AN_NPHASES; p++)
        free(f->ph[p].v);
    free(f->lat_bucket.v);
    free(f->ends.v);
    free(f);
}

void an_run_free(struct an_run *run)
{
    if (!run)
        return;
    free(run->label);
    free(run->db_path);
    free(run->parts);
    for (size_t i = 0; i < run->nparts; i++) {
        if (run->part_dbs)
            free(run->part_dbs[i]);
        if (run->part_uuids)
            free(run->part_uuids[i]);
    }
    free(run->part_dbs);
    free(run->part_ids);
    free(run->part_uuids);
    free(run->group_id);
    rt_run_info_free(&run->info);
    free(run->latency.v);
    free(run->service.v);
    free(run->lag.v);
    for (int p = 0; p < AN_NPHASES; p++)
        free(run->phase[p].v);
    free(run->series);
    memset(run, 0, sizeof *run);
}

