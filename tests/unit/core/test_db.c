/*
 * test_db.c - the store's open/refuse/migrate rules and the runs table.
 *
 * Every refusal is checked the way a user would notice a violation: the file's bytes are
 * compared before and after, and no -wal/-shm companion is left behind by a refused open.
 * Each test works in its own temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/db.h"
#include "core/schema.h"

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

static int pragma_int(sqlite3 *h, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
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
static void expect_refused(const char *path, enum rt_db_mode mode, int code, const char *word)
{
    size_t n0, n1;
    unsigned char *before = slurp(path, &n0);
    assert_non_null(before);
    struct rt_db *db = (struct rt_db *)1;
    char err[512] = "";
    assert_int_equal(rt_db_open(path, mode, &db, err, sizeof err), -code);
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
    struct rt_db *db;
    char err[256];
    assert_int_equal(rt_db_open(f->path, RT_DB_READWRITE, &db, err, sizeof err), 0);
    sqlite3 *h = rt_db_handle(db);
    assert_int_equal(pragma_int(h, "PRAGMA application_id"), RT_APPLICATION_ID);
    assert_int_equal(pragma_int(h, "PRAGMA user_version"), rt_db_schema_version());
    assert_int_equal(pragma_int(h, "PRAGMA foreign_keys"), 1);
    assert_int_equal(pragma_int(h, "PRAGMA synchronous"), 1);   /* NORMAL */
    assert_true(pragma_int(h, "PRAGMA busy_timeout") >= 1000);
    assert_int_equal(pragma_int(h, "SELECT count(*) FROM sqlite_master WHERE name IN "
                                   "('runs', 'requests', 'latency')"), 3);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    rt_db_close(db);
    assert_int_equal(rt_db_schema_version(), rt_migrations[rt_migrations_count - 1].version);
}

static void test_reopen_idempotent(void **state)
{
    struct fx *f = *state;
    struct rt_db *db;
    char err[256], uuid[37];
    int64_t id;
    assert_int_equal(rt_db_open(f->path, RT_DB_READWRITE, &db, err, sizeof err), 0);
    struct rt_run_new rn = { .kind = "capture", .target = "http://x/" };
    assert_int_equal(rt_db_run_create(db, &rn, &id, uuid, err, sizeof err), 0);
    rt_db_close(db);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rt_db_open(f->path, RT_DB_READWRITE, &db, err, sizeof err), 0);
        sqlite3 *h = rt_db_handle(db);
        assert_int_equal(pragma_int(h, "PRAGMA user_version"), rt_db_schema_version());
        assert_int_equal(pragma_int(h, "SELECT count(*) FROM runs"), 1);
        rt_db_close(db);
    }
    /* Two connections at once (the writer thread opens its own). */
    struct rt_db *db2;
    assert_int_equal(rt_db_open(f->path, RT_DB_READWRITE, &db, err, sizeof err), 0);
    assert_int_equal(rt_db_open(f->path, RT_DB_READWRITE, &db2, err, sizeof err), 0);
    rt_db_close(db2);
    rt_db_close(db);
}

static void test_zero_length_is_new(void **state)
{
    struct fx *f = *state;
    FILE *fp = fopen(f->path, "wb");
    fclose(fp);
    struct rt_db *db;
    char err[256];
    /* Read-only: empty is not a database yet, and stays empty. */
    expect_refused(f->path, RT_DB_READONLY, RT_DB_ENOENT, "empty");
    assert_int_equal(rt_db_open(f->path, RT_DB_READWRITE, &db, err, sizeof err), 0);
    assert_int_equal(pragma_int(rt_db_handle(db), "PRAGMA application_id"), RT_APPLICATION_ID);
    rt_db_close(db);
}

static void test_refuse_not_sqlite(void **state)
{
    struct fx *f = *state;
    FILE *fp = fopen(f->path, "wb");
    for (int i = 0; i < 500; i++)
        fprintf(fp, "rev_id,timestamp\n%d,1732449600.%d\n", 2000000000 + i, i);
    fclose(fp);
    expect_refused(f->path, RT_DB_READWRITE, RT_DB_ENOTOURS, "not an SQLite file");
    expect_refused(f->path, RT_DB_READONLY, RT_DB_ENOTOURS, "not an SQLite file");
}

static void test_refuse_short_garbage(void **state)
{
    struct fx *f = *state;
    FILE *fp = fopen(f->path, "wb");
    fputs("hello\n", fp);
    fclose(fp);
    expect_refused(f->path, RT_DB_READWRITE, RT_DB_ENOTOURS, "not a revtrace database");
}

static void test_refuse_foreign_sqlite(void **state)
{
    struct fx *f = *state;
    raw_exec(f->path, "CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('keep me');");
    expect_refused(f->path, RT_DB_READWRITE, RT_DB_ENOTOURS, "another application");
    expect_refused(f->path, RT_DB_READONLY, RT_DB_ENOTOURS, "another application");
    /* Even one with tables called runs/requests. */
    raw_exec(f->path, "CREATE TABLE runs (id INTEGER); CREATE TABLE requests (x);");
    expect_refused(f->path, RT_DB_READWRITE, RT_DB_ENOTOURS, "another application");
}

static void test_refuse_foreign_app_id(void **state)
{
    struct fx *f = *state;
    /* Another application's id, even with no tables and in WAL mode. */
    raw_exec(f->path, "PRAGMA application_id = 1234; PRAGMA journal_mode = WAL;");
    expect_refused(f->path, RT_DB_READWRITE, RT_DB_ENOTOURS, "0x000004d2");
}

static void test_refuse_newer(void **state)
{
    struct fx *f = *state;
    struct rt_db *db;
    char err[256];
    assert_int_equal(rt_db_open(f->path, RT_DB_READWRITE, &db, err, sizeof err), 0);
    rt_db_close(db);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", rt_db_schema_version() + 1);
    raw_exec(f->path, sql);
    companions_absent(f->path);
    expect_refused(f->path, RT_DB_READWRITE, RT_DB_ENEWER, "newer revtrace");
    expect_refused(f->path, RT_DB_READONLY, RT_DB_ENEWER, "newer revtrace");
}

static void test_readonly_missing_not_created(void **state)
{
    struct fx *f = *state;
    struct rt_db *db = NULL;
    char err[256];
    assert_int_equal(rt_db_open(f->path, RT_DB_READONLY, &db, err, sizeof err), -RT_DB_ENOENT);
    assert_null(db);
    assert_non_null(strstr(err, f->path));
    assert_false(exists(f->path));
}

static void test_readonly_never_writes(void **state)
{
    struct fx *f = *state;
    struct rt_db *db;
    char err[256], uuid[37];
    int64_t id;
    assert_int_equal(rt_db_open(f->path, RT_DB_READWRITE, &db, err, sizeof err), 0);
    struct rt_run_new rn = { .kind = "capture", .target = "t" };
    assert_int_equal(rt_db_run_create(db, &rn, &id, uuid, err, sizeof err), 0);
    rt_db_close(db);
    assert_int_equal(rt_db_open(f->path, RT_DB_READONLY, &db, err, sizeof err), 0);
    assert_int_equal(rt_db_run_create(db, &rn, &id, uuid, err, sizeof err), -RT_DB_EIO);
    assert_int_equal(rt_db_run_finish(db, id, "complete", err, sizeof err), -RT_DB_EIO);
    struct rt_run_info ri;
    assert_int_equal(rt_db_run_find(db, NULL, &ri, err, sizeof err), 0);
    assert_string_equal(ri.status, "running");
    rt_run_info_free(&ri);
    rt_db_close(db);
}

static void test_readonly_older_version(void **state)
{
    struct fx *f = *state;
    struct rt_db *db;
    char err[256];
    assert_int_equal(rt_db_open(f->path, RT_DB_READWRITE, &db, err, sizeof err), 0);
    rt_db_close(db);
    /* A version-1 file (as an older revtrace left it) opens read-only, unmigrated. */
    raw_exec(f->path, "PRAGMA user_version = 1");
    size_t n0, n1;
    unsigned char *before = slurp(f->path, &n0);
    assert_int_equal(rt_db_open(f->path, RT_DB_READONLY, &db, err, sizeof err), 0);
    assert_int_equal(pragma_int(rt_db_handle(db), "PRAGMA user_version"), 1);
    rt_db_close(db);
    unsigned char *after = slurp(f->path, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    free(before);
    free(after);
}

static void test_runs(void **state)
{
    struct fx *f = *state;
    struct rt_db *db;
    char err[512], u1[37], u2[37], u3[37];
    int64_t id1, id2, id3;
    struct rt_run_info ri;
    assert_int_equal(rt_db_open(f->path, RT_DB_READWRITE, &db, err, sizeof err), 0);

    /* Empty database: "latest" explains there are none. */
    assert_int_equal(rt_db_run_find(db, NULL, &ri, err, sizeof err), -RT_DB_ENORUN);
    assert_non_null(strstr(err, "no runs"));

    struct rt_run_new a = { .kind = "capture", .target = "http://127.0.0.1:1/x",
                            .t0_unix_us = 1732449600000000LL, .offered_rate_per_s = 42 };
    assert_int_equal(rt_db_run_create(db, &a, &id1, u1, err, sizeof err), 0);
    struct rt_run_new b = { .name = "base", .kind = "replay", .target = "http://h/",
                            .source_run_uuid = u1, .speed = 2, .shard = "0/2",
                            .group_id = "g1", .config_json = "{\"rate\":42}",
                            .t0_unix_us = 5 };
    assert_int_equal(rt_db_run_create(db, &b, &id2, u2, err, sizeof err), 0);
    assert_int_equal(rt_db_run_create(db, &b, &id3, u3, err, sizeof err), 0);
    assert_true(id1 < id2 && id2 < id3);
    assert_int_equal(strlen(u1), 36);
    assert_int_equal(u1[14], '4');
    assert_non_null(strchr("89ab", u1[19]));
    assert_string_not_equal(u1, u2);

    /* By id: defaults and NULLs. */
    assert_int_equal(rt_db_run_find(db, "1", &ri, err, sizeof err), 0);
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
    assert_int_equal(pragma_int(rt_db_handle(db),
                                "SELECT count(*) FROM runs WHERE id = 1 AND speed IS NULL"
                                " AND shard IS NULL AND source_run_uuid IS NULL"),
                     1);

    /* By uuid, by name (the latest of that name), latest, uuid prefix. */
    assert_int_equal(rt_db_run_find(db, u2, &ri, err, sizeof err), 0);
    assert_int_equal(ri.id, id2);
    assert_string_equal(ri.source_run_uuid, u1);
    assert_string_equal(ri.shard, "0/2");
    assert_string_equal(ri.group_id, "g1");
    assert_string_equal(ri.config_json, "{\"rate\":42}");
    assert_true(ri.speed == 2);
    assert_true(ri.offered_rate_per_s == 0);
    rt_run_info_free(&ri);
    assert_int_equal(rt_db_run_find(db, "base", &ri, err, sizeof err), 0);
    assert_int_equal(ri.id, id3);
    rt_run_info_free(&ri);
    assert_int_equal(rt_db_run_find(db, NULL, &ri, err, sizeof err), 0);
    assert_int_equal(ri.id, id3);
    rt_run_info_free(&ri);
    assert_int_equal(rt_db_run_find(db, "", &ri, err, sizeof err), 0);
    assert_int_equal(ri.id, id3);
    rt_run_info_free(&ri);
    char prefix[13];
    memcpy(prefix, u1, 12);
    prefix[12] = '\0';
    assert_int_equal(rt_db_run_find(db, prefix, &ri, err, sizeof err), 0);
    assert_int_equal(ri.id, id1);
    rt_run_info_free(&ri);

    /* Missing. */
    assert_int_equal(rt_db_run_find(db, "nope", &ri, err, sizeof err), -RT_DB_ENORUN);
    assert_non_null(strstr(err, "no run 'nope'"));
    assert_non_null(strstr(err, "--list"));
    assert_non_null(strstr(err, f->path));
    assert_int_equal(rt_db_run_find(db, "99", &ri, err, sizeof err), -RT_DB_ENORUN);

    /* Finish. */
    assert_int_equal(rt_db_run_finish(db, id1, "complete", err, sizeof err), 0);
    assert_int_equal(rt_db_run_finish(db, id2, "interrupted", err, sizeof err), 0);
    assert_int_equal(rt_db_run_finish(db, 99, "failed", err, sizeof err), -RT_DB_ENORUN);
    assert_true(rt_db_run_finish(db, id3, "bogus", err, sizeof err) < 0);
    assert_int_equal(rt_db_run_find(db, "1", &ri, err, sizeof err), 0);
    assert_string_equal(ri.status, "complete");
    assert_non_null(ri.finished_at);
    assert_true(strcmp(ri.finished_at, ri.started_at) >= 0);
    rt_run_info_free(&ri);
    assert_int_equal(rt_db_run_find(db, u2, &ri, err, sizeof err), 0);
    assert_string_equal(ri.status, "interrupted");
    rt_run_info_free(&ri);
    rt_db_close(db);
}

/* The identity probe goes through a file: URI; names with URI syntax must still work. */
static void test_odd_path_names(void **state)
{
    struct fx *f = *state;
    char p[200], q[200];
    snprintf(p, sizeof p, "%s/a b%%3F?x=1#frag.db", f->dir);
    raw_exec(p, "CREATE TABLE other (x)");
    expect_refused(p, RT_DB_READWRITE, RT_DB_ENOTOURS, "another application");
    snprintf(q, sizeof q, "%s/r%%20un ?.db", f->dir);
    struct rt_db *db;
    char err[256];
    assert_int_equal(rt_db_open(q, RT_DB_READWRITE, &db, err, sizeof err), 0);
    rt_db_close(db);
    assert_int_equal(rt_db_open(q, RT_DB_READWRITE, &db, err, sizeof err), 0);
    rt_db_close(db);
    assert_int_equal(rt_db_open(q, RT_DB_READONLY, &db, err, sizeof err), 0);
    assert_int_equal(pragma_int(rt_db_handle(db), "PRAGMA application_id"), RT_APPLICATION_ID);
    rt_db_close(db);
    /* Relative names too. */
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(f->dir), 0);
    assert_int_equal(rt_db_open("rel.db", RT_DB_READWRITE, &db, err, sizeof err), 0);
    rt_db_close(db);
    assert_int_equal(rt_db_open("rel.db", RT_DB_READONLY, &db, err, sizeof err), 0);
    rt_db_close(db);
    expect_refused("a b%3F?x=1#frag.db", RT_DB_READONLY, RT_DB_ENOTOURS, "another application");
    assert_int_equal(chdir(cwd), 0);
}

static void test_foreign_key_enforced(void **state)
{
    struct fx *f = *state;
    struct rt_db *db;
    char err[256];
    assert_int_equal(rt_db_open(f->path, RT_DB_READWRITE, &db, err, sizeof err), 0);
    int rc = sqlite3_exec(rt_db_handle(db),
                          "INSERT INTO requests (run_id, seq, rev_id, scheduled_us)"
                          " VALUES (42, 0, 1, 0)", NULL, NULL, NULL);
    assert_int_equal(rc, SQLITE_CONSTRAINT);
    rt_db_close(db);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
