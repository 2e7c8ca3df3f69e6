/*
 * db.c - the store: opening, identifying, creating and migrating the SQLite database, and
 * the runs table (create, finish, find).
 *
 * Opening is done in two steps so that a file which is not ours is never touched.  First a
 * read-only connection (SQLITE_OPEN_READONLY) identifies the file: PRAGMA application_id
 * must be RT_APPLICATION_ID, or the file must be an empty database (no schema objects,
 * user_version 0: a zero-length file, which SQLite treats as an empty database), and
 * user_version must not exceed the newest migration we carry.  The queries go through SQLite
 * rather than reading the 100-byte header ourselves because in WAL mode the newest header may
 * still live in the -wal file (a database killed before its first checkpoint can have a
 * zero-length main file).  Only after the file passed do we open read-write, switch to WAL
 * and migrate.  Each migration runs in its own BEGIN IMMEDIATE transaction that re-checks the
 * identity under the write lock (another process may have created or migrated the file in
 * the meantime), applies the SQL and sets user_version and application_id, so a crash
 * leaves the file at a whole version.
 *
 * Connections use WAL, synchronous=NORMAL (a commit survives a process crash; only an OS
 * crash can lose the last transactions), foreign keys, and a 5 s busy timeout so that a
 * second writer (the writer thread, another process) waits instead of failing.
 */
#include "core/db.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/schema.h"
#include "core/uuid.h"

#ifndef RT_VERSION
#define RT_VERSION "unknown"
#endif

#define BUSY_TIMEOUT_MS 5000

struct rt_db {
    sqlite3 *h;             /* owned */
    enum rt_db_mode mode;
    char *path;             /* owned; for messages */
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

int rt_db_schema_version(void)
{
    int v = 0;
    for (int i = 0; i < rt_migrations_count; i++)
        if (rt_migrations[i].version > v)
            v = rt_migrations[i].version;
    return v;
}

/* What the identity queries found in a file. */
struct ident {
    int app_id;
    int user_version;
    int objects;        /* rows in sqlite_master */
    int our_tables;     /* how many of runs, requests exist */
};

/* One integer from a single-row query.  Returns an SQLite result code. */
static int query_int(sqlite3 *h, const char *sql, int *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int(st, 0);
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            *out = 0;
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static int read_ident(sqlite3 *h, struct ident *id)
{
    int rc = query_int(h, "PRAGMA application_id", &id->app_id);
    if (rc == SQLITE_OK)
        rc = query_int(h, "PRAGMA user_version", &id->user_version);
    if (rc == SQLITE_OK)
        rc = query_int(h, "SELECT count(*) FROM sqlite_master", &id->objects);
    if (rc == SQLITE_OK)
        rc = query_int(h,
                       "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                       " AND name IN ('runs', 'requests')",
                       &id->our_tables);
    return rc;
}

static int is_empty_db(const struct ident *id)
{
    return id->app_id == 0 && id->user_version == 0 && id->objects == 0;
}

/*
 * Judge an identity.  Returns 0 when the file may be used in this mode (*is_new set when it
 * is an empty database), else a negative code with the message in err.
 */
static int judge(const char *path, const struct ident *id, enum rt_db_mode mode, int *is_new,
                 char *err, size_t errlen)
{
    int ours = rt_db_schema_version();
    *is_new = 0;
    if (id->app_id == RT_APPLICATION_ID) {
        if (id->user_version > ours) {
            seterr(err, errlen,
                   "%s was written by a newer revtrace (schema version %d; this revtrace "
                   "knows up to %d); left untouched: upgrade revtrace to use it",
                   path, id->user_version, ours);
            return -RT_DB_ENEWER;
        }
        if (mode == RT_DB_READONLY && id->our_tables < 2) {
            seterr(err, errlen,
                   "%s is a revtrace database without its tables (schema version %d); "
                   "open it once read-write (e.g. revtrace capture --db %s) to repair it",
                   path, id->user_version, path);
            return -RT_DB_ENOTOURS;
        }
        return 0;
    }
    if (is_empty_db(id)) {
        if (mode == RT_DB_READONLY) {
            seterr(err, errlen,
                   "%s is empty, not a revtrace database yet; record a run into it first "
                   "(revtrace capture URL --revids FILE --db %s)", path, path);
            return -RT_DB_ENOENT;
        }
        *is_new = 1;
        return 0;
    }
    if (id->app_id != 0)
        seterr(err, errlen,
               "%s is an SQLite database of another application (application_id 0x%08x), "
               "not a revtrace database; left untouched: choose another --db file",
               path, (unsigned)id->app_id);
    else
        seterr(err, errlen,
               "%s is an SQLite database of another application (%d schema object%s, no "
               "revtrace application_id), not a revtrace database; left untouched: choose "
               "another --db file", path, id->objects, id->objects == 1 ? "" : "s");
    return -RT_DB_ENOTOURS;
}

/* Message for an SQLite failure while identifying path. */
static int probe_error(const char *path, sqlite3 *h, int rc, char *err, size_t errlen)
{
    if (rc == SQLITE_NOTADB) {
        seterr(err, errlen,
               "%s is not a revtrace database (not an SQLite file at all); left untouched: "
               "choose another --db file", path);
        return -RT_DB_ENOTOURS;
    }
    if (rc == SQLITE_CORRUPT) {
        seterr(err, errlen, "%s is a damaged SQLite database (%s); left untouched", path,
               h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
        return -RT_DB_EIO;
    }
    seterr(err, errlen, "cannot read %s: %s", path, h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
    return -RT_DB_EIO;
}

static int exec_simple(sqlite3 *h, const char *sql, const char *path, char *err,
                       size_t errlen)
{
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        seterr(err, errlen, "%s: %s: %s", path, sql, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return -RT_DB_EIO;
    }
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/*
 * Switch to WAL.  Changing the journal mode needs an exclusive lock and may report
 * SQLITE_BUSY without calling the busy handler, so retry for up to the busy timeout.
 */
static int set_wal(sqlite3 *h, const char *path, char *err, size_t errlen)
{
    int rc = SQLITE_OK;
    for (int waited_ms = 0; waited_ms <= BUSY_TIMEOUT_MS; waited_ms += 10) {
        rc = sqlite3_exec(h, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
        if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
            break;
        sleep_ms(10);
    }
    if (rc != SQLITE_OK) {
        seterr(err, errlen, "%s: cannot switch to WAL mode: %s", path, sqlite3_errmsg(h));
        return -RT_DB_EIO;
    }
    return 0;
}

/*
 * Apply every migration newer than the file's user_version, one transaction each.  The
 * identity is re-read under the write lock, so concurrent openers do not both migrate.
 */
static int migrate(sqlite3 *h, const char *path, char *err, size_t errlen)
{
    /* Up to date (the common case): no write lock, so opening never waits for a writer. */
    struct ident cur = { 0 };
    if (read_ident(h, &cur) == SQLITE_OK && cur.app_id == RT_APPLICATION_ID &&
        cur.user_version == rt_db_schema_version())
        return 0;
    for (;;) {
        int rc = exec_simple(h, "BEGIN IMMEDIATE", path, err, errlen);
        if (rc)
            return rc;
        struct ident id = { 0 };
        int src = read_ident(h, &id);
        if (src != SQLITE_OK) {
            rc = probe_error(path, h, src, err, errlen);
            goto rollback;
        }
        int is_new;
        rc = judge(path, &id, RT_DB_READWRITE, &is_new, err, errlen);
        if (rc)
            goto rollback;
        const struct rt_migration *next = NULL;
        for (int i = 0; i < rt_migrations_count; i++) {
            const struct rt_migration *m = &rt_migrations[i];
            if (m->version > id.user_version && (!next || m->version < next->version))
                next = m;
        }
        if (!next) {
            sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
            return 0;
        }
        char *msg = NULL;
        src = sqlite3_exec(h, next->sql, NULL, NULL, &msg);
        if (src != SQLITE_OK) {
            seterr(err, errlen, "%s: migration %s failed: %s", path, next->name,
                   msg ? msg : sqlite3_errstr(src));
            sqlite3_free(msg);
            rc = -RT_DB_EIO;
            goto rollback;
        }
        /* PRAGMA values cannot be bound; both are integers we own. */
        char sql[96];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d; PRAGMA application_id = %d",
                 next->version, (int)RT_APPLICATION_ID);
        rc = exec_simple(h, sql, path, err, errlen);
        if (rc)
            goto rollback;
        rc = exec_simple(h, "COMMIT", path, err, errlen);
        if (rc)
            goto rollback;
        continue;
    rollback:
        sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
}

/*
 * Open path read-only for identification.  Without a -wal file the main file holds the
 * whole database, so it is opened immutable: no locks, no -shm/-wal created beside a file
 * that may not be ours.  With a -wal file (a WAL database in use, or one killed before its
 * checkpoint) a normal read-only connection reads through the WAL.
 */
static int open_probe(const char *path, sqlite3 **h, int *immutable)
{
    size_t n = strlen(path);
    char *buf = malloc(n * 3 + 32);
    if (!buf)
        return SQLITE_NOMEM;
    struct stat sb;
    snprintf(buf, n + 8, "%s-wal", path);
    *immutable = stat(buf, &sb) != 0;
    int rc;
    if (*immutable) {
        static const char hex[] = "0123456789ABCDEF";
        char *o = buf + sprintf(buf, path[0] == '/' ? "file://" : "file:");
        for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                (*p >= '0' && *p <= '9') || strchr("/._~-", *p)) {
                *o++ = (char)*p;
            } else {
                *o++ = '%';
                *o++ = hex[*p >> 4];
                *o++ = hex[*p & 15];
            }
        }
        strcpy(o, "?immutable=1");
        rc = sqlite3_open_v2(buf, h, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    } else {
        rc = sqlite3_open_v2(path, h, SQLITE_OPEN_READONLY, NULL);
    }
    free(buf);
    return rc;
}

/*
 * A read-write database needs the file and its directory (for the -wal and -shm files)
 * writable; say so plainly instead of SQLite's "attempt to write a readonly database".
 */
static int check_writable(const char *path, int exists, char *err, size_t errlen)
{
    if (exists && access(path, W_OK) != 0) {
        seterr(err, errlen, "cannot write %s: %s; choose a --db file you can write", path,
               strerror(errno));
        return -RT_DB_EIO;
    }
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : NULL;
    int bad = access(dir ? dir : ".", W_OK) != 0;
    int e = errno;
    if (bad)
        seterr(err, errlen, "cannot %s %s: directory %s: %s; choose a --db file in a "
               "directory you can write", exists ? "write" : "create", path,
               dir ? dir : ".", strerror(e));
    free(dir);
    return bad ? -RT_DB_EIO : 0;
}

static int configure(sqlite3 *h, const char *path, char *err, size_t errlen)
{
    sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(h, 0);
    return exec_simple(h, "PRAGMA foreign_keys = ON", path, err, errlen);
}

int rt_db_open(const char *path, enum rt_db_mode mode, struct rt_db **out, char *err,
               size_t errlen)
{
    sqlite3 *h = NULL;
    struct rt_db *db = NULL;
    int rc = 0, exists = 0;
    *out = NULL;

    if (!path || !*path) {
        seterr(err, errlen, "no database file given (use --db FILE)");
        return -RT_DB_EIO;
    }
    struct stat sb;
    if (stat(path, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) {
            seterr(err, errlen, "%s is a directory, not a database file", path);
            return -RT_DB_ENOTOURS;
        }
        exists = 1;
    } else if (errno != ENOENT) {
        seterr(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -RT_DB_EIO;
    }
    if (!exists && mode == RT_DB_READONLY) {
        seterr(err, errlen, "no database %s (check the --db path, or record a run first "
               "with: revtrace capture URL --revids FILE --db %s)", path, path);
        return -RT_DB_ENOENT;
    }

    if (exists) {
        /* Identify the file on a connection that cannot write to it. */
        int immutable = 0;
        int src = open_probe(path, &h, &immutable);
        if (src != SQLITE_OK) {
            rc = probe_error(path, h, src, err, errlen);
            goto fail;
        }
        sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS);
        struct ident id = { 0 };
        src = read_ident(h, &id);
        if (src != SQLITE_OK) {
            rc = probe_error(path, h, src, err, errlen);
            goto fail;
        }
        int is_new;
        rc = judge(path, &id, mode, &is_new, err, errlen);
        if (rc)
            goto fail;
        if (mode == RT_DB_READONLY) {
            if (immutable) {
                /*
                 * Ours: switch to a normal read-only connection, which sees concurrent
                 * writers.  Where it cannot work (no -wal and a directory we cannot write,
                 * so nobody can be writing the file in WAL mode either) keep the immutable
                 * one.
                 */
                sqlite3 *h2 = NULL;
                int n;
                if (sqlite3_open_v2(path, &h2, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
                    query_int(h2, "SELECT count(*) FROM sqlite_master", &n) == SQLITE_OK) {
                    sqlite3_close(h);
                    h = h2;
                } else {
                    sqlite3_close(h2);
                }
            }
            rc = configure(h, path, err, errlen);
            if (rc == 0)
                rc = exec_simple(h, "PRAGMA query_only = ON", path, err, errlen);
            if (rc)
                goto fail;
            goto done;
        }
        sqlite3_close(h);
        h = NULL;
    }
    rc = check_writable(path, exists, err, errlen);
    if (rc)
        goto fail;

    {
        int src = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
        if (src != SQLITE_OK) {
            seterr(err, errlen, "cannot open %s: %s", path,
                   h ? sqlite3_errmsg(h) : sqlite3_errstr(src));
            rc = -RT_DB_EIO;
            goto fail;
        }
    }
    rc = configure(h, path, err, errlen);
    if (rc == 0)
        rc = set_wal(h, path, err, errlen);
    if (rc == 0)
        rc = exec_simple(h, "PRAGMA synchronous = NORMAL", path, err, errlen);
    if (rc == 0)
        rc = migrate(h, path, err, errlen);
    if (rc)
        goto fail;

done:
    db = calloc(1, sizeof *db);
    if (!db || !(db->path = strdup(path))) {
        seterr(err, errlen, "out of memory");
        rc = -RT_DB_EIO;
        goto fail;
    }
    db->h = h;
    db->mode = mode;
    *out = db;
    return 0;

fail:
    if (db)
        free(db->path);
    free(db);
    sqlite3_close(h);
    return rc;
}

void rt_db_close(struct rt_db *db)
{
    if (!db)
        return;
    sqlite3_close(db->h);
    free(db->path);
    free(db);
}

sqlite3 *rt_db_handle(struct rt_db *db)
{
    return db ? db->h : NULL;
}

/* ---- runs ---------------------------------------------------------------------------- */

static int bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

static int bind_double_or_null(sqlite3_stmt *st, int i, double v)
{
    return v != 0 ? sqlite3_bind_double(st, i, v) : sqlite3_bind_null(st, i);
}

static int sql_fail(struct rt_db *db, const char *what, char *err, size_t errlen)
{
    seterr(err, errlen, "%s: %s: %s", db->path, what, sqlite3_errmsg(db->h));
    return -RT_DB_EIO;
}

int rt_db_run_create(struct rt_db *db, const struct rt_run_new *rn, int64_t *run_id,
                     char uuid[37], char *err, size_t errlen)
{
    static const char sql[] =
        "INSERT INTO runs (uuid, name, kind, target, source_run_uuid, speed, shard, group_id,"
        " t0_unix_us, started_at, status, config_json, tool_version, hostname,"
        " offered_rate_per_s)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'running', ?11, ?12, ?13, ?14)";
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (!rn || !rn->kind) {
        seterr(err, errlen, "a run needs a kind (capture, replay or proxy)");
        return -RT_DB_EIO;
    }
    int64_t now_us = rt_wall_us();
    char started[40], name[96], host[256];
    rt_iso8601_utc_s(started, sizeof started, now_us);
    if (rn->name) {
        snprintf(name, sizeof name, "%s", rn->name);
    } else {
        time_t secs = (time_t)(now_us / 1000000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        char stamp[32];
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
        snprintf(name, sizeof name, "%s-%s", rn->kind, stamp);
    }
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';
    char id[37];
    rt_uuid_v4(id);

    if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
        rc = sql_fail(db, "cannot record the run", err, errlen);
        goto out;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    /* A name longer than our buffer is kept whole. */
    sqlite3_bind_text(st, 2, rn->name ? rn->name : name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, rn->kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, rn->target ? rn->target : "", -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 5, rn->source_run_uuid);
    bind_double_or_null(st, 6, rn->speed);
    bind_text_or_null(st, 7, rn->shard);
    bind_text_or_null(st, 8, rn->group_id);
    /* t0 is NOT NULL; a caller without a schedule gets the creation time. */
    sqlite3_bind_int64(st, 9, rn->t0_unix_us ? rn->t0_unix_us : now_us);
    sqlite3_bind_text(st, 10, started, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 11, rn->config_json ? rn->config_json : "{}", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 12, RT_VERSION, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 13, host, -1, SQLITE_TRANSIENT);
    bind_double_or_null(st, 14, rn->offered_rate_per_s);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = sql_fail(db, "cannot record the run", err, errlen);
        goto out;
    }
    if (run_id)
        *run_id = sqlite3_last_insert_rowid(db->h);
    if (uuid)
        memcpy(uuid, id, 37);
out:
    sqlite3_finalize(st);
    return rc;
}

int rt_db_run_finish(struct rt_db *db, int64_t run_id, const char *status, char *err,
                     size_t errlen)
{
    if (!status || (strcmp(status, "complete") && strcmp(status, "interrupted") &&
                    strcmp(status, "failed") && strcmp(status, "running"))) {
        seterr(err, errlen, "invalid run status '%s' (complete, interrupted or failed)",
               status ? status : "(null)");
        return -RT_DB_EIO;
    }
    sqlite3_stmt *st = NULL;
    int rc = 0;
    char now[40];
    rt_iso8601_utc_s(now, sizeof now, rt_wall_us());
    if (sqlite3_prepare_v2(db->h, "UPDATE runs SET status = ?1, finished_at = ?2 WHERE id = ?3",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = sql_fail(db, "cannot finish the run", err, errlen);
        goto out;
    }
    sqlite3_bind_text(st, 1, status, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, run_id);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = sql_fail(db, "cannot finish the run", err, errlen);
        goto out;
    }
    if (sqlite3_changes(db->h) != 1) {
        seterr(err, errlen, "no run %lld in %s", (long long)run_id, db->path);
        rc = -RT_DB_ENORUN;
    }
out:
    sqlite3_finalize(st);
    return rc;
}

void rt_run_info_free(struct rt_run_info *ri)
{
    if (!ri)
        return;
    char **s[] = { &ri->uuid, &ri->name, &ri->kind, &ri->target, &ri->source_run_uuid,
                   &ri->shard, &ri->group_id, &ri->status, &ri->started_at,
                   &ri->finished_at, &ri->config_json, &ri->tool_version, &ri->hostname };
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        free(*s[i]);
    memset(ri, 0, sizeof *ri);
}

#define RUN_COLS                                                                      \
    "SELECT id, uuid, name, kind, target, source_run_uuid, shard, group_id, status,"   \
    " started_at, finished_at, config_json, tool_version, hostname, speed,"          \
    " offered_rate_per_s, t0_unix_us FROM runs "

static char *col_dup(sqlite3_stmt *st, int i, int *oom)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    if (!t)
        return NULL;
    char *s = strdup((const char *)t);
    if (!s)
        *oom = 1;
    return s;
}

static int fill_info(sqlite3_stmt *st, struct rt_run_info *ri)
{
    int oom = 0;
    memset(ri, 0, sizeof *ri);
    ri->id = sqlite3_column_int64(st, 0);
    char **s[] = { &ri->uuid, &ri->name, &ri->kind, &ri->target, &ri->source_run_uuid,
                   &ri->shard, &ri->group_id, &ri->status, &ri->started_at,
                   &ri->finished_at, &ri->config_json, &ri->tool_version, &ri->hostname };
    for (int i = 0; i < (int)(sizeof s / sizeof s[0]); i++)
        *s[i] = col_dup(st, i + 1, &oom);
    ri->speed = sqlite3_column_double(st, 14);
    ri->offered_rate_per_s = sqlite3_column_double(st, 15);
    ri->t0_unix_us = sqlite3_column_int64(st, 16);
    if (oom) {
        rt_run_info_free(ri);
        return -1;
    }
    return 0;
}

/*
 * Run one lookup.  Returns 1 and fills *ri when exactly one row came back (or the first of
 * several when first_ok), 0 when none, 2 when ambiguous, negative on error.
 */
static int lookup(struct rt_db *db, const char *where, const char *ref, int64_t id_arg,
                  int first_ok, struct rt_run_info *ri, char *err, size_t errlen)
{
    char sql[512];
    snprintf(sql, sizeof sql, "%s%s", RUN_COLS, where);
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
        rc = sql_fail(db, "cannot read the runs", err, errlen);
        goto out;
    }
    if (sqlite3_bind_parameter_count(st) >= 1) {
        if (ref)
            sqlite3_bind_text(st, 1, ref, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_int64(st, 1, id_arg);
    }
    int src = sqlite3_step(st);
    if (src == SQLITE_DONE)
        goto out;
    if (src != SQLITE_ROW) {
        rc = sql_fail(db, "cannot read the runs", err, errlen);
        goto out;
    }
    if (fill_info(st, ri) != 0) {
        seterr(err, errlen, "out of memory");
        rc = -RT_DB_EIO;
        goto out;
    }
    rc = 1;
    if (!first_ok && sqlite3_step(st) == SQLITE_ROW) {
        rt_run_info_free(ri);
        rc = 2;
    }
out:
    sqlite3_finalize(st);
    return rc;
}

static int all_digits(const char *s)
{
    if (!*s || strlen(s) > 18)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static int uuid_prefix_like(const char *s)
{
    size_t n = strlen(s);
    if (n < 4 || n > 36)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || *s == '-'))
            return 0;
    return 1;
}

int rt_db_run_find(struct rt_db *db, const char *ref, struct rt_run_info *ri, char *err,
                   size_t errlen)
{
    int rc;
    memset(ri, 0, sizeof *ri);
    if (!ref || !*ref) {
        rc = lookup(db, "ORDER BY id DESC LIMIT 1", NULL, 0, 1, ri, err, errlen);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            seterr(err, errlen, "no runs in %s yet; record one with: revtrace capture URL "
                   "--revids FILE --db %s", db->path, db->path);
            return -RT_DB_ENORUN;
        }
        return 0;
    }
    /* Order of precedence: id, uuid, name (the latest of that name), unique uuid prefix. */
    if (all_digits(ref)) {
        rc = lookup(db, "WHERE id = ?1", NULL, strtoll(ref, NULL, 10), 1, ri, err, errlen);
        if (rc != 0)
            return rc < 0 ? rc : 0;
    }
    rc = lookup(db, "WHERE uuid = ?1", ref, 0, 1, ri, err, errlen);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    rc = lookup(db, "WHERE name = ?1 ORDER BY id DESC LIMIT 1", ref, 0, 1, ri, err, errlen);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    if (uuid_prefix_like(ref)) {
        rc = lookup(db, "WHERE substr(uuid, 1, length(?1)) = ?1 ORDER BY id", ref, 0, 0, ri,
                    err, errlen);
        if (rc < 0)
            return rc;
        if (rc == 1)
            return 0;
        if (rc == 2) {
            seterr(err, errlen, "run '%s' is ambiguous in %s (several uuids start with it); "
                   "list them with: revtrace analyze --db %s --list", ref, db->path, db->path);
            return -RT_DB_ENORUN;
        }
    }
    seterr(err, errlen, "no run '%s' in %s; list them with: revtrace analyze --db %s --list",
           ref, db->path, db->path);
    return -RT_DB_ENORUN;
}
