/*
 * figures.c - from database rows to numbers: one run (or a group of runs merged into one)
 * becomes a struct an_run.
 *
 * Speed is the design constraint (a million requests to a report in well under 2 s): each run
 * is read with ONE prepared SELECT in primary-key order (the table is WITHOUT ROWID, so that
 * is a plain b-tree walk), every value goes into a growing int64 array (doubling, so no
 * per-row allocation), error words are interned into a small fixed table, and statuses are
 * counted in a flat array.  Afterwards each array is radix-sorted once (analyze/stats.c) and the
 * percentiles are read off by rank.  The time series groups HTTP-200 latencies by interval
 * with a counting sort, then sorts each interval's slice: exact percentiles per interval
 * without a second pass over the database.
 *
 * Rates (offered, achieved, HTTP-200, failed, req/s) are counts divided by the run's schedule
 * window (rt_stats_schedule_window_us: the realized schedule span, first to last scheduled
 * time, times n / (n - 1)), so they need no sort and no latency enters them; the completion
 * span (first send to last completion) is the fallback when there is no schedule span.
 * Without --interval the series is first counted per second and then folded into an
 * interval that gives the run at least AN_AUTO_POINTS points (an_auto_interval_us).
 *
 * Merged groups (replay shards, --group / --merge-group): every part's times are shifted onto
 * the earliest part's t0 (runs.t0_unix_us is the wall clock of each part's time 0), so the
 * series and rates describe the whole as one run.  Latencies need no shift.
 */
#include "analyze/analyze.h"
#include "core/grow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tool/cli.h"

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
struct acc {
    struct vec lat, svc, lag, ph[AN_NPHASES];
    struct vec32 lat_bucket;
    int64_t t_first_sched, t_last_sched, t_first_sent, t_last_done, t_last_event;
    int have_sched, have_sent, have_done;
    int oom;
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
    if (b >= run->nseries) {
        size_t n = run->nseries ? run->nseries : 64;
        while (n <= b)
            n *= 2;
        struct an_bucket *p = realloc(run->series, n * sizeof *p);
        if (!p)
            return NULL;
        memset(p + run->nseries, 0, (n - run->nseries) * sizeof *p);
        run->series = p;
        /* nseries tracks the allocation here; trimmed to the last used bucket at the end. */
        run->nseries = n;
    }
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

/* ---- reading one part ------------------------------------------------------------------ */

static const char ROWS_SQL[] =
    "SELECT scheduled_us, sent_us, dns_us, connect_us, tls_us, ttfb_us, total_us, status,"
    " error, bytes_in FROM requests WHERE run_id = ?1 ORDER BY seq";

static int64_t clamp0(int64_t x)
{
    return x < 0 ? 0 : x;
}

static int read_part(sqlite3 *h, int64_t run_id, int64_t shift_us, struct an_run *run,
                     struct acc *a, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(h, ROWS_SQL, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot read requests: %s", sqlite3_errmsg(h));
        return RT_EXIT_RUNTIME;
    }
    sqlite3_bind_int64(st, 1, run_id);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t sched = sqlite3_column_int64(st, 0) + shift_us;
        int has_sent = sqlite3_column_type(st, 1) != SQLITE_NULL;
        int has_total = sqlite3_column_type(st, 6) != SQLITE_NULL;
        int64_t sent = has_sent ? sqlite3_column_int64(st, 1) + shift_us : 0;
        int64_t total = has_total ? sqlite3_column_int64(st, 6) : 0;
        int status = sqlite3_column_int(st, 7);
        const char *error = (const char *)sqlite3_column_text(st, 8);
        int64_t bytes = sqlite3_column_int64(st, 9);

        run->requests++;
        run->bytes_in += bytes;
        run->status_n[status >= 0 && status < AN_NSTATUS ? status : AN_NSTATUS]++;
        if (error)
            count_error(run, error);
        else if (status != 200)
            run->fail_status_n[status >= 0 && status < AN_NSTATUS ? status : AN_NSTATUS]++;
        if (status == 429)
            run->s429++;
        else if (status >= 500 && status < 600)
            run->s5xx++;
        else if (status >= 400 && status < 500)
            run->s4xx++;

        if (!a->have_sched || sched < a->t_first_sched)
            a->t_first_sched = sched;
        if (!a->have_sched || sched > a->t_last_sched)
            a->t_last_sched = sched;
        a->have_sched = 1;

        struct an_bucket *bs = bucket_at(run, bucket_of(run, sched));
        if (!bs)
            goto oom;
        bs->scheduled++;

        int answered = status > 0 && !error;
        int ok = status == 200 && !error;
        int64_t t_event = sched;
        if (has_sent) {
            run->sent++;
            vec_push(&a->lag, sent - sched);
            struct an_bucket *b = bucket_at(run, bucket_of(run, sent));
            if (!b)
                goto oom;
            b->sent++;
            if (!a->have_sent || sent < a->t_first_sent)
                a->t_first_sent = sent;
            a->have_sent = 1;
            t_event = sent;
            if (has_total) {
                t_event = sent + total;
                if (!a->have_done || t_event > a->t_last_done)
                    a->t_last_done = t_event;
                a->have_done = 1;
            }
        } else {
            run->never_sent++;
        }

        if (t_event > a->t_last_event)
            a->t_last_event = t_event;
        if (sched > a->t_last_event)
            a->t_last_event = sched;

        size_t be = bucket_of(run, t_event);
        struct an_bucket *b = bucket_at(run, be);
        if (!b)
            goto oom;
        if (has_sent)
            b->finished++;
        b->bytes_in += bytes;
        if (answered) {
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
            vec_push(&a->lat, sent + total - sched);
            vec32_push(&a->lat_bucket, (uint32_t)be);
            vec_push(&a->svc, total);
            /* Phases: libcurl's times are cumulative from the send; report each step. */
            int64_t dns = sqlite3_column_int64(st, 2), con = sqlite3_column_int64(st, 3);
            int64_t tls = sqlite3_column_int64(st, 4), ttfb = sqlite3_column_int64(st, 5);
            if (sqlite3_column_type(st, 2) != SQLITE_NULL)
                vec_push(&a->ph[AN_PH_DNS], clamp0(dns));
            if (sqlite3_column_type(st, 3) != SQLITE_NULL)
                vec_push(&a->ph[AN_PH_CONNECT], clamp0(con - dns));
            if (sqlite3_column_type(st, 4) != SQLITE_NULL && tls > 0)
                vec_push(&a->ph[AN_PH_TLS], clamp0(tls - con));
            if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
                int64_t ready = tls > con ? tls : con;
                vec_push(&a->ph[AN_PH_FIRST_BYTE], clamp0(ttfb - ready));
                vec_push(&a->ph[AN_PH_TRANSFER], clamp0(total - ttfb));
            }
        } else {
            if (ok)
                run->ok++;   /* a 200 without timings: counted, no latency */
            else {
                run->failed++;
                b->failed++;
            }
        }
    }
    if (src != SQLITE_DONE) {
        snprintf(err, errlen, "cannot read requests: %s", sqlite3_errmsg(h));
        rc = RT_EXIT_RUNTIME;
    }
    sqlite3_finalize(st);
    return rc;
oom:
    sqlite3_finalize(st);
    snprintf(err, errlen, "out of memory reading the requests");
    return RT_EXIT_RUNTIME;
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
            rt_stats_percentile(s, m, 50, &k->lat_p50);
            rt_stats_percentile(s, m, 90, &k->lat_p90);
            rt_stats_percentile(s, m, 99, &k->lat_p99);
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
static void fold_series(struct an_run *run, struct acc *a)
{
    int64_t iv = an_auto_interval_us(a->t_last_event);
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
    for (size_t i = 0; i < a->lat_bucket.n; i++)
        a->lat_bucket.v[i] = (uint32_t)(a->lat_bucket.v[i] / m);
}

/*
 * Rates per second of the schedule window (rt_stats_schedule_window_us), else of the
 * completion span; none when neither exists.  The offered rate is the scheduled count over
 * the same window; without one, the run's recorded target rate stands in.
 */
static void compute_rates(struct an_run *run, const struct acc *a)
{
    double w_us = 0;
    int64_t from = 0;
    if (a->have_sched && rt_stats_schedule_window_us(a->t_first_sched, a->t_last_sched,
                                                     (uint64_t)run->requests, &w_us) == 0) {
        run->rate_from_schedule = 1;
        from = a->t_first_sched;
    } else if (a->have_sent && a->have_done && a->t_last_done > a->t_first_sent) {
        w_us = (double)(a->t_last_done - a->t_first_sent);
        from = a->t_first_sent;
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
    }
    /* else: offered_per_s keeps the run's target (set by the loader), if any. */
}

static int finish_figures(struct an_run *run, struct acc *a, int cumulative)
{
    if (a->lat.oom || a->svc.oom || a->lag.oom || a->lat_bucket.oom)
        return -1;
    for (int p = 0; p < AN_NPHASES; p++)
        if (a->ph[p].oom)
            return -1;
    if (run->interval_auto)
        fold_series(run, a);

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
    lat_copy.v = malloc((a->lat.n ? a->lat.n : 1) * sizeof *lat_copy.v);
    if (!lat_copy.v)
        return -1;
    if (a->lat.n)
        memcpy(lat_copy.v, a->lat.v, a->lat.n * sizeof *lat_copy.v);
    lat_copy.n = a->lat.n;

    dist_from_vec(&run->latency, &a->lat, 1);
    int rc = series_latency(run, lat_copy.v, a->lat_bucket.v, lat_copy.n, run->latency.v,
                            cumulative);
    free(lat_copy.v);
    free(a->lat_bucket.v);
    a->lat_bucket.v = NULL;
    if (rc)
        return -1;
    dist_from_vec(&run->service, &a->svc, 0);
    dist_from_vec(&run->lag, &a->lag, 0);
    for (int p = 0; p < AN_NPHASES; p++)
        dist_from_vec(&run->phase[p], &a->ph[p], 0);

    run->error_ratio = run->requests ? (double)run->failed / (double)run->requests : 0;
    if (a->have_sent && a->have_done && a->t_last_done > a->t_first_sent)
        run->duration_s = (double)(a->t_last_done - a->t_first_sent) / 1e6;
    compute_rates(run, a);
    return 0;
}

static void acc_free(struct acc *a)
{
    free(a->lat.v);
    free(a->svc.v);
    free(a->lag.v);
    for (int p = 0; p < AN_NPHASES; p++)
        free(a->ph[p].v);
    free(a->lat_bucket.v);
}

/* ---- which runs make up a reference ---------------------------------------------------- */

struct part {
    char *db_path;          /* owned */
    struct rt_run_info info;/* owned */
};

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (strcmp(a, b) == 0)
        return 1;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static int add_part(struct part **parts, size_t *n, const char *db_path,
                    struct rt_run_info *info)
{
    for (size_t i = 0; i < *n; i++) {
        if ((*parts)[i].info.id == info->id && same_file((*parts)[i].db_path, db_path)) {
            rt_run_info_free(info);
            return 0;
        }
    }
    struct part *p = realloc(*parts, (*n + 1) * sizeof *p);
    if (!p)
        return -1;
    *parts = p;
    p[*n].db_path = strdup(db_path);
    p[*n].info = *info;
    memset(info, 0, sizeof *info);
    if (!p[*n].db_path)
        return -1;
    (*n)++;
    return 0;
}

/* Every run of group gid in the database at path, appended to parts. */
static int collect_group(const char *path, const char *gid, struct part **parts, size_t *n,
                         char *err, size_t errlen)
{
    struct rt_db *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = rt_db_open(path, RT_DB_READONLY, &db, err, errlen);
    if (rc)
        return rc == -RT_DB_EIO ? RT_EXIT_RUNTIME : RT_EXIT_USAGE;
    sqlite3 *h = rt_db_handle(db);
    if (sqlite3_prepare_v2(h, "SELECT id FROM runs WHERE group_id = ?1 ORDER BY id", -1, &st,
                           NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot read runs: %s", path, sqlite3_errmsg(h));
        rc = RT_EXIT_RUNTIME;
        goto out;
    }
    sqlite3_bind_text(st, 1, gid, -1, SQLITE_STATIC);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        char ref[32];
        snprintf(ref, sizeof ref, "%lld", (long long)sqlite3_column_int64(st, 0));
        struct rt_run_info ri;
        if (rt_db_run_find(db, ref, &ri, err, errlen) != 0) {
            rc = RT_EXIT_RUNTIME;
            goto out;
        }
        if (add_part(parts, n, path, &ri) != 0) {
            rt_run_info_free(&ri);
            snprintf(err, errlen, "out of memory");
            rc = RT_EXIT_RUNTIME;
            goto out;
        }
    }
    if (src != SQLITE_DONE) {
        snprintf(err, errlen, "%s: cannot read runs: %s", path, sqlite3_errmsg(h));
        rc = RT_EXIT_RUNTIME;
    }
out:
    sqlite3_finalize(st);
    rt_db_close(db);
    return rc;
}

static int status_rank(const char *s)
{
    /* The merged status is the most alarming of the parts. */
    if (!s)
        return 0;
    if (strcmp(s, "failed") == 0)
        return 3;
    if (strcmp(s, "running") == 0)
        return 2;
    if (strcmp(s, "interrupted") == 0)
        return 1;
    return 0;
}

static char *xstrdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

int an_run_load(const struct an_ref *ref, char *const *dbs, size_t ndbs, int64_t interval_us,
                int flags, struct an_run *run, char *err, size_t errlen)
{
    struct part *parts = NULL;
    size_t nparts = 0;
    struct acc a;
    int rc = 0;
    const char *gid = ref->group;
    memset(run, 0, sizeof *run);
    memset(&a, 0, sizeof a);
    run->interval_auto = interval_us <= 0;
    run->interval_us = run->interval_auto ? AN_AUTO_BASE_US : interval_us;

    if (!gid) {
        struct rt_db *db = NULL;
        struct rt_run_info ri;
        rc = rt_db_open(ref->db_path, RT_DB_READONLY, &db, err, errlen);
        if (rc) {
            rc = rc == -RT_DB_EIO ? RT_EXIT_RUNTIME : RT_EXIT_USAGE;
            goto out;
        }
        rc = rt_db_run_find(db, ref->run, &ri, err, errlen);
        rt_db_close(db);
        if (rc) {
            rc = rc == -RT_DB_ENORUN ? RT_EXIT_USAGE : RT_EXIT_RUNTIME;
            goto out;
        }
        if (ref->merge_group && ri.group_id && *ri.group_id) {
            gid = ri.group_id;   /* borrowed until ri is freed below */
            char *g = strdup(gid);
            rt_run_info_free(&ri);
            if (!g) {
                snprintf(err, errlen, "out of memory");
                rc = RT_EXIT_RUNTIME;
                goto out;
            }
            rc = collect_group(ref->db_path, g, &parts, &nparts, err, errlen);
            for (size_t i = 0; rc == 0 && i < ndbs; i++)
                rc = collect_group(dbs[i], g, &parts, &nparts, err, errlen);
            run->label = NULL;
            if (rc == 0 && nparts > 0) {
                size_t ll = strlen(g) + 16;
                run->label = malloc(ll);
                if (run->label)
                    snprintf(run->label, ll, "group %s", g);
            }
            free(g);
            gid = NULL;
            if (rc)
                goto out;
        } else if (add_part(&parts, &nparts, ref->db_path, &ri) != 0) {
            rt_run_info_free(&ri);
            snprintf(err, errlen, "out of memory");
            rc = RT_EXIT_RUNTIME;
            goto out;
        }
    } else {
        if (ref->db_path)
            rc = collect_group(ref->db_path, gid, &parts, &nparts, err, errlen);
        for (size_t i = 0; rc == 0 && i < ndbs; i++)
            rc = collect_group(dbs[i], gid, &parts, &nparts, err, errlen);
        if (rc)
            goto out;
        if (nparts == 0) {
            snprintf(err, errlen, "no run of group '%s' in %s%s; list the runs with: "
                     "revtrace analyze --db FILE --list", gid, ndbs ? dbs[0] : "?",
                     ndbs > 1 ? " and the other --db files" : "");
            rc = RT_EXIT_USAGE;
            goto out;
        }
        size_t ll = strlen(gid) + 16;
        run->label = malloc(ll);
        if (run->label)
            snprintf(run->label, ll, "group %s", gid);
    }

    /* The first part names the run; the earliest t0 is the merged time 0. */
    int64_t t0 = parts[0].info.t0_unix_us;
    int64_t *shift = calloc(nparts, sizeof *shift);
    int64_t *ids = calloc(nparts, sizeof *ids);
    if (!shift || !ids) {
        free(shift);
        free(ids);
        snprintf(err, errlen, "out of memory");
        rc = RT_EXIT_RUNTIME;
        goto out;
    }
    int worst = 0;
    double offered_sum = 0;
    int all_offered = 1;
    for (size_t i = 0; i < nparts; i++) {
        if (parts[i].info.t0_unix_us < t0)
            t0 = parts[i].info.t0_unix_us;
        if (status_rank(parts[i].info.status) > status_rank(parts[worst].info.status))
            worst = (int)i;
        if (parts[i].info.offered_rate_per_s > 0)
            offered_sum += parts[i].info.offered_rate_per_s;
        else
            all_offered = 0;
    }
    for (size_t i = 0; i < nparts; i++) {
        shift[i] = parts[i].info.t0_unix_us - t0;
        ids[i] = parts[i].info.id;
    }
    run->db_path = strdup(parts[0].db_path);
    run->info = parts[0].info;
    memset(&parts[0].info, 0, sizeof parts[0].info);
    if (worst != 0) {
        free(run->info.status);
        run->info.status = xstrdup(parts[worst].info.status);
    }
    run->info.t0_unix_us = t0;
    run->nparts = nparts;
    if (all_offered && offered_sum > 0) {
        run->target_per_s = offered_sum;
        run->offered_per_s = offered_sum;   /* replaced by the schedule's, when it has one */
        run->offered_from_run = 1;
    }
    run->partial = run->info.status && (strcmp(run->info.status, "running") == 0 ||
                                        strcmp(run->info.status, "interrupted") == 0);
    if (!run->label) {
        const char *nm = run->info.name ? run->info.name : "?";
        size_t ll = strlen(nm) + 32;
        run->label = malloc(ll);
        if (run->label)
            snprintf(run->label, ll, "%s #%lld", nm, (long long)run->info.id);
    }
    if (nparts > 1) {
        size_t cap = 1, used = 0;
        for (size_t i = 0; i < nparts; i++)
            cap += strlen(parts[i].db_path) + 32;
        run->parts = malloc(cap);
        if (run->parts) {
            run->parts[0] = '\0';
            for (size_t i = 0; i < nparts; i++) {
                used += (size_t)snprintf(run->parts + used, cap - used, "%s%s#%lld",
                                         i ? ", " : "", parts[i].db_path,
                                         (long long)ids[i]);
            }
        }
    }
    run->part_dbs = calloc(nparts, sizeof *run->part_dbs);
    run->part_ids = calloc(nparts, sizeof *run->part_ids);
    run->part_uuids = calloc(nparts, sizeof *run->part_uuids);
    int oom = !run->part_dbs || !run->part_ids || !run->part_uuids;
    for (size_t i = 0; !oom && i < nparts; i++) {
        /* parts[0].info moved into run->info above: its uuid is there */
        const char *u = i == 0 ? run->info.uuid : parts[i].info.uuid;
        run->part_ids[i] = ids[i];
        run->part_dbs[i] = strdup(parts[i].db_path);
        run->part_uuids[i] = xstrdup(u);
        oom = !run->part_dbs[i] || (u && !run->part_uuids[i]);
    }
    if (nparts > 1 && !oom) {
        /* A merged run is the group, not its first part: no uuid, id or shard of its own
         * (reports name the group, its part count and the parts' uuids instead). */
        run->group_id = xstrdup(run->info.group_id ? run->info.group_id : "?");
        oom = !run->group_id;
        free(run->info.uuid);
        run->info.uuid = NULL;
        free(run->info.shard);
        run->info.shard = NULL;
    }
    if (!run->db_path || !run->label || oom) {
        snprintf(err, errlen, "out of memory");
        rc = RT_EXIT_RUNTIME;
        goto out_shift;
    }

    for (size_t i = 0; i < nparts; i++) {
        struct rt_db *db = NULL;
        rc = rt_db_open(parts[i].db_path, RT_DB_READONLY, &db, err, errlen);
        if (rc) {
            rc = RT_EXIT_RUNTIME;
            goto out_shift;
        }
        rc = read_part(rt_db_handle(db), ids[i], shift[i], run, &a, err, errlen);
        rt_db_close(db);
        if (rc)
            goto out_shift;
    }
    if (finish_figures(run, &a, flags & AN_LOAD_CUMULATIVE) != 0) {
        snprintf(err, errlen, "out of memory computing the figures");
        rc = RT_EXIT_RUNTIME;
    }
out_shift:
    free(shift);
    free(ids);
out:
    acc_free(&a);
    for (size_t i = 0; i < nparts; i++) {
        free(parts[i].db_path);
        rt_run_info_free(&parts[i].info);
    }
    free(parts);
    if (rc)
        an_run_free(run);
    return rc;
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

/* ---- --list ------------------------------------------------------------------------------ */

int an_list_runs(const char *db_path, int with_path, FILE *out, char *err, size_t errlen)
{
    struct rt_db *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = rt_db_open(db_path, RT_DB_READONLY, &db, err, errlen);
    if (rc)
        return rc == -RT_DB_EIO ? RT_EXIT_RUNTIME : RT_EXIT_USAGE;
    sqlite3 *h = rt_db_handle(db);
    static const char sql[] =
        "SELECT r.id, r.name, r.kind, r.status, r.started_at,"
        " (SELECT count(*) FROM requests q WHERE q.run_id = r.id), r.target, r.group_id"
        " FROM runs r ORDER BY r.id";
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot list runs: %s", db_path, sqlite3_errmsg(h));
        rc = RT_EXIT_RUNTIME;
        goto out;
    }
    if (with_path)
        fprintf(out, "# %s\n", db_path);
    fprintf(out, "%-5s %-32s %-8s %-11s %-20s %9s  %s\n", "id", "name", "kind", "status",
            "started", "requests", "target");
    int src, any = 0;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        const char *g = (const char *)sqlite3_column_text(st, 7);
        fprintf(out, "%-5lld %-32s %-8s %-11s %-20s %9lld  %s%s%s\n",
                (long long)sqlite3_column_int64(st, 0),
                (const char *)sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
                sqlite3_column_text(st, 3), sqlite3_column_text(st, 4),
                (long long)sqlite3_column_int64(st, 5), sqlite3_column_text(st, 6),
                g ? "  group=" : "", g ? g : "");
        any = 1;
    }
    if (src != SQLITE_DONE) {
        snprintf(err, errlen, "%s: cannot list runs: %s", db_path, sqlite3_errmsg(h));
        rc = RT_EXIT_RUNTIME;
        goto out;
    }
    if (!any)
        fprintf(out, "(no runs yet)\n");
out:
    sqlite3_finalize(st);
    rt_db_close(db);
    return rc;
}
