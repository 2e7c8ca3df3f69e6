/*
 * load.c - which runs make up a reference, and their rows from the store into figures.c.
 *
 * A reference is one run (by id, uuid or name; the latest when none is given), or a group:
 * every run sharing a group_id, searched in several database files (replay shards run on
 * several machines each write their own).  The parts are found first, each database opened
 * read-only only for as long as a lookup takes; then the merged run is described (the first
 * part names it, the earliest t0 is its time 0, the most alarming status is its status);
 * then each part's rows are walked once with a streaming store cursor, one read transaction
 * per part, and handed to an_fig_add with the part's shift onto the merged time 0.
 *
 * Exit statuses: a reference that names nothing is RT_EXIT_USAGE, a database that cannot be
 * read RT_EXIT_RUNTIME (rt_exit_for_store); a part that opened a moment ago and fails now is
 * always RT_EXIT_RUNTIME.
 */
#include "analyze/analyze.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tool/cli.h"

/* One run of the reference: a database file and its row. */
struct part {
    char *db_path;          /* owned */
    struct rt_run_info info;/* owned; moved into an_run.info for the first part */
    int64_t id;             /* info.id, kept after the move */
    int64_t shift_us;       /* its t0 after the merged run's t0 */
};

struct parts {
    struct part *v;         /* owned */
    size_t n;
};

static void parts_free(struct parts *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        free(ps->v[i].db_path);
        rt_run_info_free(&ps->v[i].info);
    }
    free(ps->v);
    memset(ps, 0, sizeof *ps);
}

int an_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (strcmp(a, b) == 0)
        return 1;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/*
 * Append run *info of db_path unless it is there already; takes *info (zeroes it) either
 * way.  Returns 0, or -1 when out of memory (*info is then still the caller's).
 */
static int add_part(struct parts *ps, const char *db_path, struct rt_run_info *info)
{
    for (size_t i = 0; i < ps->n; i++) {
        if (ps->v[i].info.id == info->id && an_same_file(ps->v[i].db_path, db_path)) {
            rt_run_info_free(info);
            return 0;
        }
    }
    char *path = strdup(db_path);
    struct part *p = path ? realloc(ps->v, (ps->n + 1) * sizeof *p) : NULL;
    if (!p) {
        free(path);
        return -1;
    }
    ps->v = p;
    p[ps->n].db_path = path;
    p[ps->n].info = *info;
    p[ps->n].id = info->id;
    p[ps->n].shift_us = 0;
    memset(info, 0, sizeof *info);
    ps->n++;
    return 0;
}

/* Every run of group gid in the database at path, appended to ps.  0 or RT_EXIT_*. */
static int collect_group(const char *path, const char *gid, struct parts *ps, char *err,
                         size_t errlen)
{
    struct rt_store *db = NULL;
    struct rt_run_info *runs = NULL;
    size_t n = 0;
    int rc = rt_store_open(path, RT_STORE_READONLY, &db, err, errlen);
    if (rc == 0)
        rc = rt_store_group_runs(db, gid, &runs, &n, err, errlen);
    rt_store_close(db);
    if (rc)
        return rt_exit_for_store(rc);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (add_part(ps, path, &runs[i]) != 0) {
            snprintf(err, errlen, "out of memory");
            rc = RT_EXIT_RUNTIME;
        }
    }
    rt_run_infos_free(runs, n);   /* what add_part did not take */
    return rc;
}

/* The group gid in path (when not NULL) and in every dbs[i]; "group GID" into *label. */
static int collect_groups(const char *path, const char *gid, char *const *dbs, size_t ndbs,
                          struct parts *ps, char **label, char *err, size_t errlen)
{
    int rc = path ? collect_group(path, gid, ps, err, errlen) : 0;
    for (size_t i = 0; rc == 0 && i < ndbs; i++) {
        int seen = path && an_same_file(path, dbs[i]);
        for (size_t k = 0; !seen && k < i; k++)
            seen = an_same_file(dbs[k], dbs[i]);
        if (!seen)
            rc = collect_group(dbs[i], gid, ps, err, errlen);
    }
    if (rc)
        return rc;
    if (ps->n == 0) {
        snprintf(err, errlen, "no run of group '%s' in %s%s; list the runs with: "
                 "revtrace analyze --db FILE --list", gid, ndbs ? dbs[0] : "?",
                 ndbs > 1 ? " and the other --db files" : "");
        return RT_EXIT_USAGE;
    }
    size_t ll = strlen(gid) + 16;
    *label = malloc(ll);
    if (*label)
        snprintf(*label, ll, "group %s", gid);
    return 0;
}

/*
 * The parts of a reference: its group (ref->group, or the named run's own with
 * --merge-group) or the one run.  *label is set for a group.  Returns 0 or RT_EXIT_*.
 */
static int find_parts(const struct an_ref *ref, char *const *dbs, size_t ndbs,
                      struct parts *ps, char **label, char *err, size_t errlen)
{
    struct rt_store *db = NULL;
    struct rt_run_info ri;
    if (ref->group)
        return collect_groups(ref->db_path, ref->group, dbs, ndbs, ps, label, err, errlen);
    int rc = rt_store_open(ref->db_path, RT_STORE_READONLY, &db, err, errlen);
    if (rc == 0) {
        rc = rt_store_run_find(db, ref->run, &ri, err, errlen);
        rt_store_close(db);
    }
    if (rc)
        return rt_exit_for_store(rc);
    if (ref->merge_group && ri.group_id && *ri.group_id) {
        rc = collect_groups(ref->db_path, ri.group_id, dbs, ndbs, ps, label, err, errlen);
        rt_run_info_free(&ri);
        return rc;
    }
    if (add_part(ps, ref->db_path, &ri) != 0) {
        rt_run_info_free(&ri);
        snprintf(err, errlen, "out of memory");
        return RT_EXIT_RUNTIME;
    }
    return 0;
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

/*
 * The merged run's time 0 (the earliest part's), each part's shift onto it, its status (the
 * most alarming) and offered rate (the parts' sum, when every part has one).  Moves
 * ps->v[0].info into run->info.  Returns 0 or -1 when out of memory.
 */
static int merge_info(struct an_run *run, struct parts *ps)
{
    int64_t t0 = ps->v[0].info.t0_unix_us;
    size_t worst = 0;
    double offered_sum = 0;
    int all_offered = 1;
    for (size_t i = 0; i < ps->n; i++) {
        const struct rt_run_info *in = &ps->v[i].info;
        if (in->t0_unix_us < t0)
            t0 = in->t0_unix_us;
        if (status_rank(in->status) > status_rank(ps->v[worst].info.status))
            worst = i;
        if (in->offered_rate_per_s > 0)
            offered_sum += in->offered_rate_per_s;
        else
            all_offered = 0;
    }
    for (size_t i = 0; i < ps->n; i++)
        ps->v[i].shift_us = ps->v[i].info.t0_unix_us - t0;
    run->db_path = strdup(ps->v[0].db_path);
    run->info = ps->v[0].info;
    memset(&ps->v[0].info, 0, sizeof ps->v[0].info);
    if (worst != 0) {
        free(run->info.status);
        run->info.status = xstrdup(ps->v[worst].info.status);
    }
    run->info.t0_unix_us = t0;
    run->nparts = ps->n;
    if (all_offered && offered_sum > 0) {
        run->target_per_s = offered_sum;
        run->offered_per_s = offered_sum;   /* replaced by the schedule's, when it has one */
        run->offered_from_run = 1;
    }
    run->partial = run->info.status && (strcmp(run->info.status, "running") == 0 ||
                                        strcmp(run->info.status, "interrupted") == 0);
    return run->db_path ? 0 : -1;
}


/* A merged run started with its first part and finished with its last: started_at is the
 * parts' earliest, finished_at their latest, or none while any part has none (a shard still
 * running or interrupted).  ISO-8601 UTC strings order as the times do.  0, or -1 out of
 * memory. */
static int merge_times(struct rt_run_info *ri, const struct parts *ps)
{
    const char *first = ri->started_at, *last = ri->finished_at;
    for (size_t i = 1; i < ps->n; i++) {
        const struct rt_run_info *p = &ps->v[i].info;
        if (p->started_at && (!first || strcmp(p->started_at, first) < 0))
            first = p->started_at;
        if (!p->finished_at)
            last = NULL;
        else if (last && strcmp(p->finished_at, last) > 0)
            last = p->finished_at;
    }
    char *s = xstrdup(first), *f = xstrdup(last);
    if ((first && !s) || (last && !f)) {
        free(s);
        free(f);
        return -1;
    }
    free(ri->started_at);
    free(ri->finished_at);
    ri->started_at = s;
    ri->finished_at = f;
    return 0;
}

/*
 * How reports name the parts: the label ("name #id" unless a group's), "a.db#3, b.db#1"
 * for merged runs, each part's file, id and uuid, and a merged run's group id (it has no
 * uuid or shard of its own).  Returns 0 or -1 when out of memory.
 */
static int name_parts(struct an_run *run, const struct parts *ps)
{
    if (!run->label) {
        const char *nm = run->info.name ? run->info.name : "?";
        size_t ll = strlen(nm) + 32;
        run->label = malloc(ll);
        if (run->label)
            snprintf(run->label, ll, "%s #%lld", nm, (long long)run->info.id);
    }
    if (ps->n > 1) {
        size_t cap = 1, used = 0;
        for (size_t i = 0; i < ps->n; i++)
            cap += strlen(ps->v[i].db_path) + 32;
        run->parts = malloc(cap);
        if (run->parts) {
            run->parts[0] = '\0';
            for (size_t i = 0; i < ps->n; i++)
                used += (size_t)snprintf(run->parts + used, cap - used, "%s%s#%lld",
                                         i ? ", " : "", ps->v[i].db_path,
                                         (long long)ps->v[i].id);
        }
    }
    run->part_dbs = calloc(ps->n, sizeof *run->part_dbs);
    run->part_ids = calloc(ps->n, sizeof *run->part_ids);
    run->part_uuids = calloc(ps->n, sizeof *run->part_uuids);
    int oom = !run->part_dbs || !run->part_ids || !run->part_uuids;
    for (size_t i = 0; !oom && i < ps->n; i++) {
        /* ps->v[0].info moved into run->info: its uuid is there */
        const char *u = i == 0 ? run->info.uuid : ps->v[i].info.uuid;
        run->part_ids[i] = ps->v[i].id;
        run->part_dbs[i] = strdup(ps->v[i].db_path);
        run->part_uuids[i] = xstrdup(u);
        oom = !run->part_dbs[i] || (u && !run->part_uuids[i]);
    }
    if (ps->n > 1 && !oom) {
        /* A merged run is the group, not its first part: no uuid, id or shard of its own
         * (reports name the group, its part count and the parts' uuids instead). */
        run->group_id = xstrdup(run->info.group_id ? run->info.group_id : "?");
        oom = !run->group_id;
        free(run->info.uuid);
        run->info.uuid = NULL;
        free(run->info.shard);
        run->info.shard = NULL;
        oom = merge_times(&run->info, ps) != 0;
    }
    return !run->label || oom ? -1 : 0;
}

/* A part's notes (error reasons, the loop's stall) into run, after its rows were counted. */
static int read_notes(struct rt_store *db, const struct part *p, struct an_run *run,
                      char *err, size_t errlen)
{
    struct rt_run_notes notes;
    char why[512] = "";
    if (rt_store_run_notes(db, p->id, &notes, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s", why);
        return RT_EXIT_RUNTIME;
    }
    if (notes.max_loop_stall_us > run->max_loop_stall_us)
        run->max_loop_stall_us = notes.max_loop_stall_us;
    if (notes.client_cpu_us >= 0)   /* each part ran in its own process: their sum */
        run->client_cpu_us = (run->client_cpu_us > 0 ? run->client_cpu_us : 0) +
                             notes.client_cpu_us;
    for (size_t i = 0; i < notes.nerrors; i++) {
        for (size_t e = 0; e < run->nerrors; e++) {
            struct an_errcount *c = &run->errors[e];
            if (strcmp(c->word, notes.errors[i].word) == 0 && !c->detail[0]) {
                snprintf(c->detail, sizeof c->detail, "%s", notes.errors[i].detail);
                c->detail_n = notes.errors[i].n;
            }
        }
    }
    rt_run_notes_free(&notes);
    return 0;
}

/* Walk one part's rows into fig.  0 or RT_EXIT_RUNTIME with err filled. */
static int read_part(struct rt_store *db, const struct part *p, struct an_fig *fig, char *err,
                     size_t errlen)
{
    struct rt_store_cursor *cur = NULL;
    struct rt_store_row row;
    char why[512] = "";
    int rc = rt_store_cursor_open(db, p->id, RT_STORE_ALL_SEQ, RT_STORE_COLS_OUTCOME, 0, &cur,
                                  why, sizeof why);
    while (rc == 0 && (rc = rt_store_cursor_next(cur, &row, why, sizeof why)) == 1) {
        rc = 0;
        if (an_fig_add(fig, &row, p->shift_us) != 0) {
            snprintf(err, errlen, "out of memory reading the requests");
            rc = RT_EXIT_RUNTIME;
        }
    }
    if (rc < 0) {
        snprintf(err, errlen, "cannot read requests: %s", why);
        rc = RT_EXIT_RUNTIME;
    }
    rt_store_cursor_close(cur);
    return rc;
}

/*
 * Walk every part's rows into fig, opening each database once for the parts it holds in a
 * row.  0 or RT_EXIT_RUNTIME with err filled: every database opened a moment ago, so a
 * failure now is the runtime's.
 */
static int read_parts(const struct parts *ps, struct an_fig *fig, struct an_run *run,
                      char *err, size_t errlen)
{
    struct rt_store *db = NULL;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < ps->n; i++) {
        if (!db || strcmp(ps->v[i].db_path, ps->v[i - 1].db_path) != 0) {
            rt_store_close(db);
            db = NULL;
            if (rt_store_open(ps->v[i].db_path, RT_STORE_READONLY, &db, err, errlen) != 0)
                rc = RT_EXIT_RUNTIME;
        }
        if (rc == 0)
            rc = read_part(db, &ps->v[i], fig, err, errlen);
        if (rc == 0)
            rc = read_notes(db, &ps->v[i], run, err, errlen);
    }
    rt_store_close(db);
    return rc;
}

int an_run_load(const struct an_ref *ref, char *const *dbs, size_t ndbs, int64_t interval_us,
                int flags, struct an_run *run, char *err, size_t errlen)
{
    struct parts ps = { NULL, 0 };
    struct an_fig *fig = NULL;
    memset(run, 0, sizeof *run);
    run->max_loop_stall_us = -1;
    run->client_cpu_us = -1;
    int rc = find_parts(ref, dbs, ndbs, &ps, &run->label, err, errlen);
    if (rc)
        goto out;
    if (merge_info(run, &ps) != 0 || name_parts(run, &ps) != 0 ||
        !(fig = an_fig_begin(run, interval_us))) {
        snprintf(err, errlen, "out of memory");
        rc = RT_EXIT_RUNTIME;
        goto out;
    }
    rc = read_parts(&ps, fig, run, err, errlen);
    if (rc == 0 && an_fig_end(fig, flags) != 0) {
        snprintf(err, errlen, "out of memory computing the figures");
        rc = RT_EXIT_RUNTIME;
    }
out:
    an_fig_free(fig);
    parts_free(&ps);
    if (rc)
        an_run_free(run);
    return rc;
}

/* ---- --list ------------------------------------------------------------------------------ */

int an_list_runs(const char *db_path, int with_path, FILE *out, char *err, size_t errlen)
{
    struct rt_store *db = NULL;
    struct rt_run_listing *runs = NULL;
    size_t n = 0;
    int rc = rt_store_open(db_path, RT_STORE_READONLY, &db, err, errlen);
    if (rc == 0)
        rc = rt_store_run_list(db, &runs, &n, err, errlen);
    rt_store_close(db);
    if (rc)
        return rt_exit_for_store(rc);
    an_out_list(out, with_path ? db_path : NULL, runs, n);
    rt_run_list_free(runs, n);
    return 0;
}
