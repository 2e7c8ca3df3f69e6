/*
 * test_store.c - the store's open/refuse/migrate rules, the runs table (create, finish, find,
 * list, groups), the batched inserts, the request count and the cursor.
 *
 * Every refusal is checked the way a user would notice a violation: the file's bytes are
 * compared before and after, and no -wal/-shm companion is left behind by a refused open.
 * A connection's settings are read through rt_store_describe; what was written is checked
 * through the store's own reads, and with a separate raw SQLite connection only where the
 * store has no query for it.  Each test works in its own temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/record.h"
#include "core/schema.h"
#include "core/store.h"

struct fx {
    char dir[64];
    char path[128];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/rt-test-db.XXXXXX");
    if (!f || !mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, fp);
    fclose(fp);
    return buf;
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static void companions_absent(const char *path)
{
    char p[200];
    snprintf(p, sizeof p, "%s-wal", path);
    assert_false(exists(p));
    snprintf(p, sizeof p, "%s-journal", path);
    assert_false(exists(p));
}

/* One integer from a query on a separate read-only connection to path. */
static int raw_int(const char *path, const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

static struct rt_store_info describe(struct rt_store *db)
{
    struct rt_store_info si;
    char err[256] = "";
    if (rt_store_describe(db, &si, err, sizeof err) != 0)
        fail_msg("describe: %s", err);
    return si;
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
    sqlite3_close(h);
}

/* Open must fail with code and leave path's bytes exactly as they were. */
static void expect_refused(const char *path, enum rt_store_mode mode, int code, const char *word)
{
    size_t n0, n1;
    unsigned char *before = slurp(path, &n0);
    assert_non_null(before);
    struct rt_store *db = (struct rt_store *)1;
    char err[512] = "";
    assert_int_equal(rt_store_open(path, mode, &db, err, sizeof err), -code);
    assert_null(db);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, word));
    assert_null(strchr(err, '\n'));
    unsigned char *after = slurp(path, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    companions_absent(path);
    free(before);
    free(after);
}

static void test_create_sets_identity(void **state)
{
    struct fx *f = *state;
    struct rt_store *db;
    char err[256];
    assert_int_equal(rt_store_open(f->path, RT_STORE_READWRITE, &db, err, sizeof err), 0);
    struct rt_store_info si = describe(db);
    assert_int_equal(si.application_id, RT_APPLICATION_ID);
    assert_int_equal(si.schema_version, rt_store_schema_version());
    assert_int_equal(si.foreign_keys, 1);
    assert_int_equal(si.synchronous, 1);   /* NORMAL */
    assert_true(si.busy_timeout_ms >= 1000);
    assert_int_equal(si.wal, 1);
    assert_int_equal(si.query_only, 0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master WHERE name IN "
                                      "('runs', 'requests', 'latency')"), 3);
    rt_store_close(db);
    assert_int_equal(rt_store_schema_version(), rt_migrations[rt_migrations_count - 1].version);
}

static void test_reopen_idempotent(void **state)
{
    struct fx *f = *state;
    struct rt_store *db;
    char err[256], uuid[37];
    int64_t id;
    assert_int_equal(rt_store_open(f->path, RT_STORE_READWRITE, &db, err, sizeof err), 0);
    struct rt_run_new rn = { .kind = "capture", .target = "http://x/" };
    assert_int_equal(rt_store_run_create(db, &rn, &id, uuid, err, sizeof err), 0);
    rt_store_close(db);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rt_store_open(f->path, RT_STORE_READWRITE, &db, err, sizeof err), 0);
        assert_int_equal(describe(db).schema_version, rt_store_schema_version());
        struct rt_run_listing *list;
        size_t n;
        assert_int_equal(rt_store_run_list(db, &list, &n, err, sizeof err), 0);
        assert_int_equal(n, 1);
        rt_run_list_free(list, n);
        rt_store_close(db);
    }
    /* Two connections at once (the writer thread opens its own). */
    struct rt_store *db2;
    assert_int_equal(rt_store_open(f->path, RT_STORE_READWRITE, &db, err, sizeof err), 0);
    assert_int_equal(rt_store_open(f->path, RT_STORE_READWRITE, &db2, err, sizeof err), 0);
    rt_store_close(db2);
    rt_store_close(db);
}

static void test_zero_length_is_new(void **state)
{
    struct fx *f = *state;
    FILE *fp = fopen(f->path, "wb");
    fclose(fp);
    struct rt_store *db;
    char err[256];
    /* Read-only: empty is not a database yet, and stays empty. */
    expect_refused(f->path, RT_STORE_READONLY, RT_STORE_ENOENT, "empty");
    assert_int_equal(rt_store_open(f->path, RT_STORE_READWRITE, &db, err, sizeof err), 0);
    assert_int_equal(describe(db).application_id, RT_APPLICATION_ID);
    rt_store_close(db);
}

static void test_refuse_not_sqlite(void **state)
{
    struct fx *f = *state;
    FILE *fp = fopen(f->path, "wb");
    for (int i = 0; i < 500; i++)
        fprintf(fp, "rev_id,timestamp\n%d,1732449600.%d\n", 2000000000 + i, i);
    fclose(fp);
    expect_refused(f->path, RT_STORE_READWRITE, RT_STORE_ENOTOURS, "not an SQLite file");
    expect_refused(f->path, RT_STORE_READONLY, RT_STORE_ENOTOURS, "not an SQLite file");
}

static void test_refuse_short_garbage(void **state)
{
    struct fx *f = *state;
    FILE *fp = fopen(f->path, "wb");
    fputs("hello\n", fp);
    fclose(fp);
    expect_refused(f->path, RT_STORE_READWRITE, RT_STORE_ENOTOURS, "not a revtrace database");
}

static void test_refuse_foreign_sqlite(void **state)
{
    struct fx *f = *state;
    raw_exec(f->path, "CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('keep me');");
    expect_refused(f->path, RT_STORE_READWRITE, RT_STORE_ENOTOURS, "another application");
    expect_refused(f->path, RT_STORE_READONLY, RT_STORE_ENOTOURS, "another application");
    /* Even one with tables called runs/requests. */
    raw_exec(f->path, "CREATE TABLE runs (id INTEGER); CREATE TABLE requests (x);");
    expect_refused(f->path, RT_STORE_READWRITE, RT_STORE_ENOTOURS, "another application");
}

static void test_refuse_foreign_app_id(void **state)
{
    struct fx *f = *state;
    /* Another application's id, even with no tables and in WAL mode. */
    raw_exec(f->path, "PRAGMA application_id = 1234; PRAGMA journal_mode = WAL;");
    expect_refused(f->path, RT_STORE_READWRITE, RT_STORE_ENOTOURS, "0x000004d2");
}

static void test_refuse_newer(void **state)
{
    struct fx *f = *state;
    struct rt_store *db;
    char err[256];
    assert_int_equal(rt_store_open(f->path, RT_STORE_READWRITE, &db, err, sizeof err), 0);
    rt_store_close(db);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", rt_store_schema_version() + 1);
    raw_exec(f->path, sql);
    companions_absent(f->path);
    expect_refused(f->path, RT_STORE_READWRITE, RT_STORE_ENEWER, "newer revtrace");
    expect_refused(f->path, RT_STORE_READONLY, RT_STORE_ENEWER, "newer revtrace");
}

static void test_readonly_missing_not_created(void **state)
{
    struct fx *f = *state;
    struct rt_store *db = NULL;
    char err[256];
    assert_int_equal(rt_store_open(f->path, RT_STORE_READONLY, &db, err, sizeof err),
                     -RT_STORE_ENOENT);
    assert_null(db);
    assert_non_null(strstr(err, f->path));
    assert_false(exists(f->path));
}

static void test_readonly_never_writes(void **state)
{
    struct fx *f = *state;
    struct rt_store *db;
    char err[256], uuid[37];
    int64_t id;
    assert_int_equal(rt_store_open(f->path, RT_STORE_READWRITE, &db, err, sizeof err), 0);
    struct rt_run_new rn = { .kind = "capture", .target = "t" };
    assert_int_equal(rt_store_run_create(db, &rn, &id, uuid, err, sizeof err), 0);
    rt_store_close(db);
    assert_int_equal(rt_store_open(f->path, RT_STORE_READONLY, &db, err, sizeof err), 0);
    assert_int_equal(rt_store_run_create(db, &rn, &id, uuid, err, sizeof err), -RT_STORE_EIO);
    assert_int_equal(rt_store_run_finish(db, id, "complete", err, sizeof err), -RT_STORE_EIO);
    struct rt_run_info ri;
    assert_int_equal(rt_store_run_find(db, NULL, &ri, err, sizeof err), 0);
    assert_string_equal(ri.status, "running");
    rt_run_info_free(&ri);
    rt_store_close(db);
}

static void test_readonly_older_version(void **state)
{
    struct fx *f = *state;
    struct rt_store *db;
    char err[256];
    assert_int_equal(rt_store_open(f->path, RT_STORE_READWRITE, &db, err, sizeof err), 0);
    rt_store_close(db);
    /* A version-1 file (as an older revtrace left it) opens read-only, unmigrated. */
    raw_exec(f->path, "PRAGMA user_version = 1");
    size_t n0, n1;
    unsigned char *before = slurp(f->path, &n0);
    assert_int_equal(rt_store_open(f->path, RT_STORE_READONLY, &db, err, sizeof err), 0);
    assert_int_equal(describe(db).schema_version, 1);
    assert_int_equal(describe(db).query_only, 1);
    rt_store_close(db);
    unsigned char *after = slurp(f->path, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    free(before);
    free(after);
}

static void test_runs(void **state)
{
    struct fx *f = *state;
    struct rt_store *db;
    char err[512], u1[37], u2[37], u3[37];
    int64_t id1, id2, id3;
    struct rt_run_info ri;
    assert_int_equal(rt_store_open(f->path, RT_STORE_READWRITE, &db, err, sizeof err), 0);

    /* Empty database: "latest" explains there are none. */
    assert_int_equal(rt_store_run_find(db, NULL, &ri, err, sizeof err), -RT_STORE_ENORUN);
    assert_non_null(strstr(err, "no runs"));

    struct rt_run_new a = { .kind = "capture", .target = "http://127.0.0.1:1/x",
                            .t0_unix_us = 1732449600000000LL, .offered_rate_per_s = 42 };
    assert_int_equal(rt_store_run_create(db, &a, &id1, u1, err, sizeof err), 0);
    struct rt_run_new b = { .name = "base", .kind = "replay", .target = "http://h/",
                            .source_run_uuid = u1, .speed = 2, .shard = "0/2",
                            .group_id = "g1", .config_json = "{\"rate\":42}",
                            .t0_unix_us = 5 };
    assert_int_equal(rt_store_run_create(db, &b, &id2, u2, err, sizeof err), 0);
    assert_int_equal(rt_store_run_create(db, &b, &id3, u3, err, sizeof err), 0);
    assert_true(id1 < id2 && id2 < id3);
    assert_int_equal(strlen(u1), 36);
    assert_int_equal(u1[14], '4');
    assert_non_null(strchr("89ab", u1[19]));
    assert_string_not_equal(u1, u2);

    /* By id: defaults and NULLs. */
    assert_int_equal(rt_store_run_find(db, "1", &ri, err, sizeof err), 0);
    assert_int_equal(ri.id, id1);
    assert_string_equal(ri.uuid, u1);
    assert_string_equal(ri.kind, "capture");
    assert_string_equal(ri.status, "running");
    assert_int_equal(strncmp(ri.name, "capture-", 8), 0);
    assert_int_equal(strlen(ri.name), strlen("capture-20261124T120000Z"));
    assert_int_equal(ri.name[strlen(ri.name) - 1], 'Z');
    assert_null(ri.source_run_uuid);
    assert_null(ri.shard);
    assert_null(ri.group_id);
    assert_null(ri.finished_at);
    assert_string_equal(ri.config_json, "{}");
    assert_string_equal(ri.tool_version, RT_VERSION);
    assert_true(strlen(ri.hostname) > 0);
    assert_int_equal(strlen(ri.started_at), strlen("2026-11-24T12:00:00Z"));
    assert_true(ri.speed == 0);
    assert_true(ri.offered_rate_per_s == 42);
    assert_int_equal(ri.t0_unix_us, 1732449600000000LL);
    rt_run_info_free(&ri);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM runs WHERE id = 1 AND speed IS NULL"
                                      " AND shard IS NULL AND source_run_uuid IS NULL"),
                     1);

    /* By uuid, by name (the latest of that name), latest, uuid prefix. */
    assert_int_equal(rt_store_run_find(db, u2, &ri, err, sizeof err), 0);
    assert_int_equal(ri.id, id2);
    assert_string_equal(ri.source_run_uuid, u1);
    assert_string_equal(ri.shard, "0/2");
    assert_string_equal(ri.group_id, "g1");
    assert_string_equal(ri.config_json, "{\"rate\":42}");
    assert_true(ri.speed == 2);
    assert_true(ri.offered_rate_per_s == 0);
    rt_run_info_free(&ri);
    assert_int_equal(rt_store_run_find(db, "base", &ri, err, sizeof err), 0);
    assert_int_equal(ri.id, id3);
    rt_run_info_free(&ri);
    assert_int_equal(rt_store_run_find(db, NULL, &ri, err, sizeof err), 0);
    assert_int_equal(ri.id, id3);
    rt_run_info_free(&ri);
    assert_int_equal(rt_store_run_find(db, "", &ri, err, sizeof err), 0);
    assert_int_equal(ri.id, id3);
    rt_run_info_free(&ri);
    char prefix[13];
    memcpy(prefix, u1, 12);
    prefix[12] = '\0';
    assert_int_equal(rt_store_run_find(db, prefix, &ri, err, sizeof err), 0);
    assert_int_equal(ri.id, id1);
    rt_run_info_free(&ri);

    /* Missing. */
    assert_int_equal(rt_store_run_find(db, "nope", &ri, err, sizeof err), -RT_STORE_ENORUN);
    assert_non_null(strstr(err, "no run 'nope'"));
    assert_non_null(strstr(err, "--list"));
    assert_non_null(strstr(err, f->path));
    assert_int_equal(rt_store_run_find(db, "99", &ri, err, sizeof err), -RT_STORE_ENORUN);

    /* Finish. */
    assert_int_equal(rt_store_run_finish(db, id1, "complete", err, sizeof err), 0);
    assert_int_equal(rt_store_run_finish(db, id2, "interrupted", err, sizeof err), 0);
    assert_int_equal(rt_store_run_finish(db, 99, "failed", err, sizeof err), -RT_STORE_ENORUN);
    assert_true(rt_store_run_finish(db, id3, "bogus", err, sizeof err) < 0);
    assert_int_equal(rt_store_run_find(db, "1", &ri, err, sizeof err), 0);
    assert_string_equal(ri.status, "complete");
    assert_non_null(ri.finished_at);
    assert_true(strcmp(ri.finished_at, ri.started_at) >= 0);
    rt_run_info_free(&ri);
    assert_int_equal(rt_store_run_find(db, u2, &ri, err, sizeof err), 0);
    assert_string_equal(ri.status, "interrupted");
    rt_run_info_free(&ri);
    rt_store_close(db);
}

/* The identity probe goes through a file: URI; names with URI syntax must still work. */
static void test_odd_path_names(void **state)
{
    struct fx *f = *state;
    char p[200], q[200];
    snprintf(p, sizeof p, "%s/a b%%3F?x=1#frag.db", f->dir);
    raw_exec(p, "CREATE TABLE other (x)");
    expect_refused(p, RT_STORE_READWRITE, RT_STORE_ENOTOURS, "another application");
    snprintf(q, sizeof q, "%s/r%%20un ?.db", f->dir);
    struct rt_store *db;
    char err[256];
    assert_int_equal(rt_store_open(q, RT_STORE_READWRITE, &db, err, sizeof err), 0);
    rt_store_close(db);
    assert_int_equal(rt_store_open(q, RT_STORE_READWRITE, &db, err, sizeof err), 0);
    rt_store_close(db);
    assert_int_equal(rt_store_open(q, RT_STORE_READONLY, &db, err, sizeof err), 0);
    assert_int_equal(describe(db).application_id, RT_APPLICATION_ID);
    rt_store_close(db);
    /* Relative names too. */
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(f->dir), 0);
    assert_int_equal(rt_store_open("rel.db", RT_STORE_READWRITE, &db, err, sizeof err), 0);
    rt_store_close(db);
    assert_int_equal(rt_store_open("rel.db", RT_STORE_READONLY, &db, err, sizeof err), 0);
    rt_store_close(db);
    expect_refused("a b%3F?x=1#frag.db", RT_STORE_READONLY, RT_STORE_ENOTOURS,
                   "another application");
    assert_int_equal(chdir(cwd), 0);
}

/*
 * Connections enforce foreign keys; the insert path turns the per-row probe off only after
 * checking the run itself, so requests of a run that does not exist are refused up front.
 */
static void test_foreign_key_enforced(void **state)
{
    struct fx *f = *state;
    struct rt_store *db;
    char err[256];
    assert_int_equal(rt_store_open(f->path, RT_STORE_READWRITE, &db, err, sizeof err), 0);
    assert_int_equal(describe(db).foreign_keys, 1);
    assert_int_equal(rt_store_insert_prepare(db, 42, err, sizeof err), -RT_STORE_ENORUN);
    assert_non_null(strstr(err, "holds no run 42"));
    assert_non_null(strstr(err, f->path));
    assert_int_equal(describe(db).foreign_keys, 1);
    rt_store_close(db);
}

/* A fresh READWRITE store holding one run; returns its id. */
static int64_t new_run(const char *path, struct rt_store **db, const char *name,
                       const char *group)
{
    char err[256], uuid[37];
    int64_t id;
    struct rt_run_new rn = { .name = name, .kind = "capture", .target = "http://x/",
                             .group_id = group };
    if (!*db)
        assert_int_equal(rt_store_open(path, RT_STORE_READWRITE, db, err, sizeof err), 0);
    assert_int_equal(rt_store_run_create(*db, &rn, &id, uuid, err, sizeof err), 0);
    return id;
}

/* Record i of a deterministic mix: NULL phases, errors, failures. */
static void make_record(int64_t seq, struct rt_record *r)
{
    memset(r, 0, sizeof *r);
    r->seq = seq;
    r->rev_id = 1000 + seq;
    r->scheduled_us = seq * 10;
    r->sent_us = seq % 7 == 0 ? -1 : seq * 10 + 1;
    r->dns_us = seq % 3 == 0 ? -1 : 2;
    r->connect_us = seq % 3 == 0 ? -1 : 3;
    r->tls_us = -1;
    r->ttfb_us = seq % 3 == 0 ? -1 : 40 + seq;
    r->total_us = seq % 7 == 0 ? -1 : 50 + seq;
    r->status = seq % 5 == 0 ? 503 : 200;
    r->error = seq % 7 == 0 ? "connect" : NULL;
    r->bytes_in = seq % 7 == 0 ? 0 : 100 + seq;
    r->prediction = -1;
    r->p_true = NAN;
}

/* Insert records first .. first+n-1 of run id in one batch; returns rows inserted. */
static int64_t insert(struct rt_store *db, int64_t first, size_t n)
{
    char err[256] = "";
    struct rt_record *recs = calloc(n, sizeof *recs);
    for (size_t i = 0; i < n; i++)
        make_record(first + (int64_t)i, &recs[i]);
    assert_int_equal(rt_store_insert_begin(db, err, sizeof err), 0);
    int64_t got = rt_store_insert_rows(db, recs, n, err, sizeof err);
    assert_int_equal(rt_store_insert_commit(db, err, sizeof err), 0);
    free(recs);
    return got;
}

/* Walk a cursor to its end, checking every row against make_record; returns the count. */
static int64_t walk(struct rt_store_cursor *c, int64_t first_seq)
{
    struct rt_store_row row;
    char err[256] = "";
    int64_t n = 0, prev = first_seq - 1;
    int rc;
    while ((rc = rt_store_cursor_next(c, &row, err, sizeof err)) == 1) {
        struct rt_record r;
        make_record(row.seq, &r);
        assert_true(row.seq > prev);
        prev = row.seq;
        assert_int_equal(row.rev_id, r.rev_id);
        assert_int_equal(row.scheduled_us, r.scheduled_us);
        assert_int_equal(!!(row.have & RT_STORE_HAVE_SENT), r.sent_us >= 0);
        assert_int_equal(row.sent_us, r.sent_us >= 0 ? r.sent_us : 0);
        assert_int_equal(!!(row.have & RT_STORE_HAVE_DNS), r.dns_us >= 0);
        assert_int_equal(!!(row.have & RT_STORE_HAVE_TTFB), r.ttfb_us >= 0);
        assert_int_equal(row.ttfb_us, r.ttfb_us >= 0 ? r.ttfb_us : 0);
        assert_int_equal(row.have & RT_STORE_HAVE_TLS, 0);
        assert_int_equal(!!(row.have & RT_STORE_HAVE_TOTAL), r.total_us >= 0);
        assert_int_equal(row.status, r.status);
        if (r.error)
            assert_string_equal(row.error, r.error);
        else
            assert_null(row.error);
        assert_int_equal(row.bytes_in, r.bytes_in);
        n++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(rt_store_cursor_next(c, &row, err, sizeof err), 0);   /* stays ended */
    return n;
}

static void test_list_and_groups(void **state)
{
    struct fx *f = *state;
    struct rt_store *db = NULL;
    char err[256];
    struct rt_run_listing *list;
    struct rt_run_info *runs;
    size_t n;
    assert_int_equal(rt_store_open(f->path, RT_STORE_READWRITE, &db, err, sizeof err), 0);
    assert_int_equal(rt_store_run_list(db, &list, &n, err, sizeof err), 0);
    assert_int_equal(n, 0);
    assert_null(list);
    int64_t a = new_run(f->path, &db, "a", "g1");
    int64_t b = new_run(f->path, &db, "b", NULL);
    int64_t c = new_run(f->path, &db, "c", "g1");
    assert_int_equal(rt_store_insert_prepare(db, b, err, sizeof err), 0);
    assert_int_equal(insert(db, 0, 40), 40);

    assert_int_equal(rt_store_run_list(db, &list, &n, err, sizeof err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(list[0].info.id, a);
    assert_string_equal(list[0].info.name, "a");
    assert_string_equal(list[0].info.group_id, "g1");
    assert_int_equal(list[0].requests, 0);
    assert_int_equal(list[1].info.id, b);
    assert_null(list[1].info.group_id);
    assert_int_equal(list[1].requests, 40);
    assert_string_equal(list[2].info.status, "running");
    rt_run_list_free(list, n);

    assert_int_equal(rt_store_group_runs(db, "g1", &runs, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(runs[0].id, a);
    assert_int_equal(runs[1].id, c);
    assert_string_equal(runs[1].name, "c");
    rt_run_infos_free(runs, n);
    assert_int_equal(rt_store_group_runs(db, "nope", &runs, &n, err, sizeof err), 0);
    assert_int_equal(n, 0);
    assert_null(runs);
    rt_store_close(db);
}

static void test_insert_count_cursor(void **state)
{
    struct fx *f = *state;
    struct rt_store *db = NULL, *ro = NULL;
    struct rt_store_cursor *cur;
    char err[256] = "";
    int64_t id = new_run(f->path, &db, "r", NULL);
    int64_t other = new_run(f->path, &db, "o", NULL);
    assert_int_equal(rt_store_insert_rows(db, NULL, 0, err, sizeof err), -RT_STORE_EIO);
    assert_int_equal(rt_store_insert_prepare(db, id, err, sizeof err), 0);
    /* Two whole groups, then a tail row by row; then a batch in one group with a duplicate. */
    assert_int_equal(insert(db, 0, 2 * RT_STORE_INSERT_ROWS + 5), 2 * RT_STORE_INSERT_ROWS + 5);
    int64_t n = -1;
    assert_int_equal(rt_store_count_requests(db, id, &n, err, sizeof err), 0);
    assert_int_equal(n, 2 * RT_STORE_INSERT_ROWS + 5);
    assert_int_equal(rt_store_count_requests(db, other, &n, err, sizeof err), 0);
    assert_int_equal(n, 0);

    struct rt_record recs[RT_STORE_INSERT_ROWS];
    for (int i = 0; i < RT_STORE_INSERT_ROWS; i++)
        make_record(100 + (i == 7 ? 6 : i), &recs[i]);   /* seq 106 twice */
    err[0] = '\0';
    assert_int_equal(rt_store_insert_begin(db, err, sizeof err), 0);
    assert_int_equal(rt_store_insert_rows(db, recs, RT_STORE_INSERT_ROWS, err, sizeof err),
                     RT_STORE_INSERT_ROWS - 1);
    assert_non_null(strstr(err, "seq 106"));
    assert_int_equal(rt_store_insert_commit(db, err, sizeof err), 0);
    int64_t total = 2 * RT_STORE_INSERT_ROWS + 5 + RT_STORE_INSERT_ROWS - 1;
    assert_int_equal(rt_store_count_requests(db, id, &n, err, sizeof err), 0);
    assert_int_equal(n, total);

    /* Read back on a read-only store: streamed, chunked (chunk edges inside and at the end),
     * from a seq, and again after a rewind. */
    assert_int_equal(rt_store_open(f->path, RT_STORE_READONLY, &ro, err, sizeof err), 0);
    int chunks[] = { 0, 1, 16, RT_STORE_INSERT_ROWS, 1000 };
    for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
        assert_int_equal(rt_store_cursor_open(ro, id, RT_STORE_ALL_SEQ, RT_STORE_COLS_ALL,
                                              chunks[k], &cur, err, sizeof err), 0);
        assert_int_equal(walk(cur, 0), total);
        rt_store_cursor_rewind(cur);
        assert_int_equal(walk(cur, 0), total);
        rt_store_cursor_close(cur);
        assert_int_equal(rt_store_cursor_open(ro, id, 100, RT_STORE_COLS_ALL, chunks[k], &cur,
                                              err, sizeof err), 0);
        assert_int_equal(walk(cur, 100), RT_STORE_INSERT_ROWS - 1);
        rt_store_cursor_close(cur);
        assert_int_equal(rt_store_cursor_open(ro, other, 0, RT_STORE_COLS_ALL, chunks[k], &cur,
                                              err, sizeof err), 0);
        assert_int_equal(walk(cur, 0), 0);
        rt_store_cursor_close(cur);
    }
    /* Column subsets: what was not asked for reads as 0. */
    struct rt_store_row row;
    assert_int_equal(rt_store_cursor_open(ro, id, 1, RT_STORE_COLS_OUTCOME, 0, &cur, err,
                                          sizeof err), 0);
    assert_int_equal(rt_store_cursor_next(cur, &row, err, sizeof err), 1);
    assert_int_equal(row.seq, 0);
    assert_int_equal(row.rev_id, 0);
    assert_int_equal(row.scheduled_us, 10);
    assert_int_equal(row.sent_us, 11);
    assert_true(row.have & RT_STORE_HAVE_SENT);
    assert_int_equal(row.total_us, 51);
    assert_int_equal(row.status, 200);
    assert_int_equal(row.bytes_in, 101);
    rt_store_cursor_close(cur);
    assert_int_equal(rt_store_cursor_open(ro, id, 1, RT_STORE_COLS_PLAN, 8, &cur, err,
                                          sizeof err), 0);
    assert_int_equal(rt_store_cursor_next(cur, &row, err, sizeof err), 1);
    assert_int_equal(row.seq, 1);
    assert_int_equal(row.rev_id, 1001);
    assert_int_equal(row.scheduled_us, 10);
    assert_int_equal(row.sent_us, 0);
    assert_int_equal(row.have, 0);
    assert_int_equal(row.status, 0);
    assert_null(row.error);
    rt_store_cursor_close(cur);
    rt_store_close(ro);
    rt_store_close(db);
}

/*
 * A streamed cursor reads one snapshot; a chunked one holds no read transaction between
 * chunks, so it sees rows committed after it started (at seqs it has not reached yet).
 */
static void test_cursor_transactions(void **state)
{
    struct fx *f = *state;
    struct rt_store *db = NULL, *ro = NULL;
    struct rt_store_cursor *cs, *cc;
    struct rt_store_row row;
    char err[256] = "";
    int64_t id = new_run(f->path, &db, "r", NULL);
    assert_int_equal(rt_store_insert_prepare(db, id, err, sizeof err), 0);
    assert_int_equal(insert(db, 0, 10), 10);
    assert_int_equal(rt_store_open(f->path, RT_STORE_READONLY, &ro, err, sizeof err), 0);
    assert_int_equal(rt_store_cursor_open(ro, id, RT_STORE_ALL_SEQ, RT_STORE_COLS_ALL, 0, &cs,
                                          err, sizeof err), 0);
    assert_int_equal(rt_store_cursor_next(cs, &row, err, sizeof err), 1);
    rt_store_cursor_close(cs);
    struct rt_store *ro2 = NULL;
    assert_int_equal(rt_store_open(f->path, RT_STORE_READONLY, &ro2, err, sizeof err), 0);
    assert_int_equal(rt_store_cursor_open(ro2, id, RT_STORE_ALL_SEQ, RT_STORE_COLS_ALL, 0, &cs,
                                          err, sizeof err), 0);
    assert_int_equal(rt_store_cursor_open(ro, id, RT_STORE_ALL_SEQ, RT_STORE_COLS_ALL, 4, &cc,
                                          err, sizeof err), 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(rt_store_cursor_next(cs, &row, err, sizeof err), 1);
        assert_int_equal(rt_store_cursor_next(cc, &row, err, sizeof err), 1);
    }
    assert_int_equal(insert(db, 10, 3), 3);
    assert_int_equal(walk(cs, 5), 5);       /* its snapshot: rows 5 .. 9 */
    assert_int_equal(walk(cc, 5), 8);       /* rows 5 .. 12 */
    rt_store_cursor_close(cs);
    rt_store_cursor_close(cc);
    rt_store_close(ro2);
    rt_store_close(ro);
    rt_store_close(db);
}

static void test_versions(void **state)
{
    (void)state;
    const char *v = rt_store_sqlite_version();
    assert_non_null(v);
    assert_int_equal(strncmp(v, "3.", 2), 0);
    /* SQLite is initialised by now (earlier tests opened stores): too late. */
    assert_int_equal(rt_store_unshared_connections(), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_sets_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_length_is_new, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuse_not_sqlite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuse_short_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuse_foreign_sqlite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuse_foreign_app_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuse_newer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly_missing_not_created, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly_never_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly_older_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_odd_path_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_key_enforced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_and_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insert_count_cursor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cursor_transactions, setup, teardown),
        cmocka_unit_test(test_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
