/*
 * store.c - the store: opening, identifying, creating and migrating the SQLite database; the
 * runs table (create, finish, find, list, groups); the writer thread's batched inserts; the
 * count of a run's requests and a cursor over them.  This is the only file that includes
 * sqlite3.h or holds SQL text (besides the schema, embedded from schema/NNN_name.sql).
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
 *
 * Inserts are the hot path (a million rows per run): two statements prepared once per
 * connection (SQLITE_PREPARE_PERSISTENT), one for a single row and one for
 * RT_STORE_INSERT_ROWS rows in one multi-row VALUES list, both with the run id bound once
 * as ?1.  Bodies are bound without a copy and unbound right after each step, so the caller
 * may free them once the call returns.  Reads go through one cursor type whose single
 * SELECT walks the primary key (run_id, seq) of the WITHOUT ROWID table: a plain b-tree
 * walk, streamed or in chunks (see rt_store_cursor_open), reading only the columns asked
 * for.
 */
#include "core/store.h"

#include <sqlite3.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/grow.h"
#include "core/record.h"
#include "core/schema.h"
#include "core/uuid.h"

#ifndef RT_VERSION
#define RT_VERSION "unknown"
#endif

#define BUSY_TIMEOUT_MS 5000

struct rt_store {
    sqlite3 *h;             /* owned */
    char *path;             /* owned; for messages */
    sqlite3_stmt *ins_one;  /* owned, NULL until rt_store_insert_prepare: one row */
    sqlite3_stmt *ins_many; /* owned, likewise: RT_STORE_INSERT_ROWS rows */
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

/* "PATH: what: SQLite's message" into err; returns -RT_STORE_EIO. */
static int sql_fail(struct rt_store *s, const char *what, char *err, size_t errlen)
{
    seterr(err, errlen, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->h));
    return -RT_STORE_EIO;
}

int rt_store_schema_version(void)
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
static int judge(const char *path, const struct ident *id, enum rt_store_mode mode, int *is_new,
                 char *err, size_t errlen)
{
    int ours = rt_store_schema_version();
    *is_new = 0;
    if (id->app_id == RT_APPLICATION_ID) {
        if (id->user_version > ours) {
            seterr(err, errlen,
                   "%s was written by a newer revtrace (schema version %d; this revtrace "
                   "knows up to %d); left untouched: upgrade revtrace to use it",
                   path, id->user_version, ours);
            return -RT_STORE_ENEWER;
        }
        if (mode == RT_STORE_READONLY && id->our_tables < 2) {
            seterr(err, errlen,
                   "%s is a revtrace database without its tables (schema version %d); "
                   "open it once read-write (e.g. revtrace capture --db %s) to repair it",
                   path, id->user_version, path);
            return -RT_STORE_ENOTOURS;
        }
        return 0;
    }
    if (is_empty_db(id)) {
        if (mode == RT_STORE_READONLY) {
            seterr(err, errlen,
                   "%s is empty, not a revtrace database yet; record a run into it first "
                   "(revtrace capture URL --revids FILE --db %s)", path, path);
            return -RT_STORE_ENOENT;
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
    return -RT_STORE_ENOTOURS;
}

/* Message for an SQLite failure while identifying path. */
static int probe_error(const char *path, sqlite3 *h, int rc, char *err, size_t errlen)
{
    if (rc == SQLITE_NOTADB) {
        seterr(err, errlen,
               "%s is not a revtrace database (not an SQLite file at all); left untouched: "
               "choose another --db file", path);
        return -RT_STORE_ENOTOURS;
    }
    if (rc == SQLITE_CORRUPT) {
        seterr(err, errlen, "%s is a damaged SQLite database (%s); left untouched", path,
               h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
        return -RT_STORE_EIO;
    }
    seterr(err, errlen, "cannot read %s: %s", path, h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
    return -RT_STORE_EIO;
}

static int exec_simple(sqlite3 *h, const char *sql, const char *path, char *err,
                       size_t errlen)
{
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        seterr(err, errlen, "%s: %s: %s", path, sql, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return -RT_STORE_EIO;
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
        return -RT_STORE_EIO;
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
        cur.user_version == rt_store_schema_version())
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
        rc = judge(path, &id, RT_STORE_READWRITE, &is_new, err, errlen);
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
            rc = -RT_STORE_EIO;
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
        return -RT_STORE_EIO;
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
    return bad ? -RT_STORE_EIO : 0;
}

static int configure(sqlite3 *h, const char *path, char *err, size_t errlen)
{
    sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(h, 0);
    return exec_simple(h, "PRAGMA foreign_keys = ON", path, err, errlen);
}


/*
 * Where path stands before any connection: *exists set when it is a file.  Returns 0, or a
 * negative code for no path, a directory, a stat error, or a missing file in READONLY mode.
 */
static int check_path(const char *path, enum rt_store_mode mode, int *exists, char *err,
                      size_t errlen)
{
    struct stat sb;
    *exists = 0;
    if (!path || !*path) {
        seterr(err, errlen, "no database file given (use --db FILE)");
        return -RT_STORE_EIO;
    }
    if (stat(path, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) {
            seterr(err, errlen, "%s is a directory, not a database file", path);
            return -RT_STORE_ENOTOURS;
        }
        *exists = 1;
    } else if (errno != ENOENT) {
        seterr(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -RT_STORE_EIO;
    }
    if (!*exists && mode == RT_STORE_READONLY) {
        seterr(err, errlen, "no database %s (check the --db path, or record a run first "
               "with: revtrace capture URL --revids FILE --db %s)", path, path);
        return -RT_STORE_ENOENT;
    }
    return 0;
}

/*
 * The file was judged ours on an immutable connection: switch to a normal read-only one,
 * which sees concurrent writers.  Where it cannot work (no -wal and a directory we cannot
 * write, so nobody can be writing the file in WAL mode either) keep the immutable one.
 * Returns the connection to use; the other one is closed.
 */
static sqlite3 *reader_connection(const char *path, sqlite3 *immutable)
{
    sqlite3 *h2 = NULL;
    int n;
    if (sqlite3_open_v2(path, &h2, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        query_int(h2, "SELECT count(*) FROM sqlite_master", &n) == SQLITE_OK) {
        sqlite3_close(immutable);
        return h2;
    }
    sqlite3_close(h2);
    return immutable;
}

/*
 * Identify an existing file on a connection that cannot write to it.  READONLY: on success
 * *out is the configured connection to use.  READWRITE: on success *out stays NULL (the
 * probe is closed; the caller opens the file writable).  Returns 0 or a negative code.
 */
static int identify(const char *path, enum rt_store_mode mode, sqlite3 **out, char *err,
                    size_t errlen)
{
    sqlite3 *h = NULL;
    struct ident id = { 0 };
    int immutable = 0, is_new, rc;
    *out = NULL;
    int src = open_probe(path, &h, &immutable);
    if (src == SQLITE_OK) {
        sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS);
        src = read_ident(h, &id);
    }
    if (src != SQLITE_OK) {
        rc = probe_error(path, h, src, err, errlen);
        goto out;
    }
    rc = judge(path, &id, mode, &is_new, err, errlen);
    if (rc || mode == RT_STORE_READWRITE)
        goto out;
    if (immutable)
        h = reader_connection(path, h);
    rc = configure(h, path, err, errlen);
    if (rc == 0)
        rc = exec_simple(h, "PRAGMA query_only = ON", path, err, errlen);
    if (rc == 0) {
        *out = h;
        h = NULL;
    }
out:
    sqlite3_close(h);
    return rc;
}

/* Open path read-write (creating it), switch to WAL and migrate.  *out: the connection. */
static int open_writable(const char *path, int exists, sqlite3 **out, char *err,
                         size_t errlen)
{
    sqlite3 *h = NULL;
    int rc = check_writable(path, exists, err, errlen);
    *out = NULL;
    if (rc)
        return rc;
    int src = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (src != SQLITE_OK) {
        seterr(err, errlen, "cannot open %s: %s", path,
               h ? sqlite3_errmsg(h) : sqlite3_errstr(src));
        sqlite3_close(h);
        return -RT_STORE_EIO;
    }
    rc = configure(h, path, err, errlen);
    if (rc == 0)
        rc = set_wal(h, path, err, errlen);
    if (rc == 0)
        rc = exec_simple(h, "PRAGMA synchronous = NORMAL", path, err, errlen);
    if (rc == 0)
        rc = migrate(h, path, err, errlen);
    if (rc) {
        sqlite3_close(h);
        return rc;
    }
    *out = h;
    return 0;
}

int rt_store_open(const char *path, enum rt_store_mode mode, struct rt_store **out, char *err,
                  size_t errlen)
{
    sqlite3 *h = NULL;
    struct rt_store *s = NULL;
    int exists;
    *out = NULL;
    int rc = check_path(path, mode, &exists, err, errlen);
    if (rc == 0 && exists)
        rc = identify(path, mode, &h, err, errlen);
    if (rc == 0 && !h)
        rc = open_writable(path, exists, &h, err, errlen);
    if (rc)
        return rc;
    s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        seterr(err, errlen, "out of memory");
        free(s);
        sqlite3_close(h);
        return -RT_STORE_EIO;
    }
    s->h = h;
    *out = s;
    return 0;
}

void rt_store_close(struct rt_store *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->ins_one);
    sqlite3_finalize(s->ins_many);
    sqlite3_close(s->h);
    free(s->path);
    free(s);
}

const char *rt_store_sqlite_version(void)
{
    return sqlite3_libversion();
}

int rt_store_unshared_connections(void)
{
    return sqlite3_config(SQLITE_CONFIG_MULTITHREAD) == SQLITE_OK ? 0 : -1;
}

/* One text value from a single-row query into buf (empty when NULL).  SQLite result code. */
static int query_text(sqlite3 *h, const char *sql, char *buf, size_t len)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(buf, len, "%s", t ? (const char *)t : "");
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

int rt_store_describe(struct rt_store *s, struct rt_store_info *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const struct { const char *sql; int *to; } q[] = {
        { "PRAGMA application_id", &out->application_id },
        { "PRAGMA user_version", &out->schema_version },
        { "PRAGMA synchronous", &out->synchronous },
        { "PRAGMA foreign_keys", &out->foreign_keys },
        { "PRAGMA busy_timeout", &out->busy_timeout_ms },
        { "PRAGMA query_only", &out->query_only },
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        if (query_int(s->h, q[i].sql, q[i].to) != SQLITE_OK)
            return sql_fail(s, q[i].sql, err, errlen);
    }
    char mode[16];
    if (query_text(s->h, "PRAGMA journal_mode", mode, sizeof mode) != SQLITE_OK)
        return sql_fail(s, "PRAGMA journal_mode", err, errlen);
    out->wal = strcmp(mode, "wal") == 0;
    return 0;
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

int rt_store_run_create(struct rt_store *s, const struct rt_run_new *rn, int64_t *run_id,
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
        return -RT_STORE_EIO;
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

    if (sqlite3_prepare_v2(s->h, sql, -1, &st, NULL) != SQLITE_OK) {
        rc = sql_fail(s, "cannot record the run", err, errlen);
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
        rc = sql_fail(s, "cannot record the run", err, errlen);
        goto out;
    }
    if (run_id)
        *run_id = sqlite3_last_insert_rowid(s->h);
    if (uuid)
        memcpy(uuid, id, 37);
out:
    sqlite3_finalize(st);
    return rc;
}

int rt_store_run_finish(struct rt_store *s, int64_t run_id, const char *status, char *err,
                        size_t errlen)
{
    if (!status || (strcmp(status, "complete") && strcmp(status, "interrupted") &&
                    strcmp(status, "failed") && strcmp(status, "running"))) {
        seterr(err, errlen, "invalid run status '%s' (complete, interrupted or failed)",
               status ? status : "(null)");
        return -RT_STORE_EIO;
    }
    sqlite3_stmt *st = NULL;
    int rc = 0;
    char now[40];
    rt_iso8601_utc_s(now, sizeof now, rt_wall_us());
    if (sqlite3_prepare_v2(s->h, "UPDATE runs SET status = ?1, finished_at = ?2 WHERE id = ?3",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = sql_fail(s, "cannot finish the run", err, errlen);
        goto out;
    }
    sqlite3_bind_text(st, 1, status, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, run_id);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = sql_fail(s, "cannot finish the run", err, errlen);
        goto out;
    }
    if (sqlite3_changes(s->h) != 1) {
        seterr(err, errlen, "no run %lld in %s", (long long)run_id, s->path);
        rc = -RT_STORE_ENORUN;
    }
out:
    sqlite3_finalize(st);
    return rc;
}

int rt_store_run_set_cost(struct rt_store *s, int64_t run_id, int64_t max_loop_stall_us,
                          int64_t client_cpu_us, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(s->h, "UPDATE runs SET max_loop_stall_us = ?1, client_cpu_us = ?2 "
                           "WHERE id = ?3", -1, &st, NULL) != SQLITE_OK) {
        rc = sql_fail(s, "cannot record the run's own cost", err, errlen);
        goto out;
    }
    sqlite3_bind_int64(st, 1, max_loop_stall_us);
    if (client_cpu_us >= 0)
        sqlite3_bind_int64(st, 2, client_cpu_us);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_int64(st, 3, run_id);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = sql_fail(s, "cannot record the run's own cost", err, errlen);
out:
    sqlite3_finalize(st);
    return rc;
}

void rt_run_notes_free(struct rt_run_notes *n)
{
    if (!n)
        return;
    free(n->errors);
    memset(n, 0, sizeof *n);
    n->max_loop_stall_us = -1;
    n->client_cpu_us = -1;
}

/* Each error word's most frequent detail (rows come grouped by word, most frequent first). */
static int note_errors(struct rt_store *s, int64_t run_id, struct rt_run_notes *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->h,
        "SELECT error, error_detail, count(*) AS n FROM requests WHERE run_id = ?1 AND "
        "error_detail IS NOT NULL GROUP BY error, error_detail ORDER BY error, n DESC, "
        "error_detail", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_int64(st, 1, run_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *w = (const char *)sqlite3_column_text(st, 0);
        const char *d = (const char *)sqlite3_column_text(st, 1);
        if (!w || !d || (out->nerrors && strcmp(out->errors[out->nerrors - 1].word, w) == 0))
            continue;
        struct rt_error_note *g = realloc(out->errors, (out->nerrors + 1) * sizeof *g);
        if (!g) {
            rc = SQLITE_NOMEM;
            break;
        }
        out->errors = g;
        g += out->nerrors++;
        snprintf(g->word, sizeof g->word, "%s", w);
        snprintf(g->detail, sizeof g->detail, "%s", d);
        g->n = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int rt_store_run_notes(struct rt_store *s, int64_t run_id, struct rt_run_notes *out,
                       char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->max_loop_stall_us = -1;
    out->client_cpu_us = -1;
    int version = 0;
    if (query_int(s->h, "PRAGMA user_version", &version) != SQLITE_OK)
        return sql_fail(s, "cannot read the run's notes", err, errlen);
    if (version < 3)
        return 0;
    sqlite3_stmt *st = NULL;
    const char *sql = version >= 4
                      ? "SELECT max_loop_stall_us, client_cpu_us FROM runs WHERE id = ?1"
                      : "SELECT max_loop_stall_us, NULL FROM runs WHERE id = ?1";
    int rc = sqlite3_prepare_v2(s->h, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, run_id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
            out->max_loop_stall_us = sqlite3_column_int64(st, 0);
        if (rc == SQLITE_ROW && sqlite3_column_type(st, 1) != SQLITE_NULL)
            out->client_cpu_us = sqlite3_column_int64(st, 1);
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_OK)
        rc = note_errors(s, run_id, out);
    if (rc != SQLITE_OK) {
        rt_run_notes_free(out);
        return sql_fail(s, "cannot read the run's notes", err, errlen);
    }
    return 0;
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

/* The columns fill_info reads, in its order, and their count. */
#define RUN_COLUMNS                                                                   \
    "id, uuid, name, kind, target, source_run_uuid, shard, group_id, status,"          \
    " started_at, finished_at, config_json, tool_version, hostname, speed,"          \
    " offered_rate_per_s, t0_unix_us"
#define RUN_NCOLS 17
#define RUN_COLS "SELECT " RUN_COLUMNS " FROM runs "

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
static int lookup(struct rt_store *s, const char *where, const char *ref, int64_t id_arg,
                  int first_ok, struct rt_run_info *ri, char *err, size_t errlen)
{
    char sql[512];
    snprintf(sql, sizeof sql, "%s%s", RUN_COLS, where);
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(s->h, sql, -1, &st, NULL) != SQLITE_OK) {
        rc = sql_fail(s, "cannot read the runs", err, errlen);
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
        rc = sql_fail(s, "cannot read the runs", err, errlen);
        goto out;
    }
    if (fill_info(st, ri) != 0) {
        seterr(err, errlen, "out of memory");
        rc = -RT_STORE_EIO;
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

int rt_store_run_find(struct rt_store *s, const char *ref, struct rt_run_info *ri, char *err,
                      size_t errlen)
{
    int rc;
    memset(ri, 0, sizeof *ri);
    if (!ref || !*ref) {
        rc = lookup(s, "ORDER BY id DESC LIMIT 1", NULL, 0, 1, ri, err, errlen);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            seterr(err, errlen, "no runs in %s yet; record one with: revtrace capture URL "
                   "--revids FILE --db %s", s->path, s->path);
            return -RT_STORE_ENORUN;
        }
        return 0;
    }
    /* Order of precedence: id, uuid, name (the latest of that name), unique uuid prefix. */
    if (all_digits(ref)) {
        rc = lookup(s, "WHERE id = ?1", NULL, strtoll(ref, NULL, 10), 1, ri, err, errlen);
        if (rc != 0)
            return rc < 0 ? rc : 0;
    }
    rc = lookup(s, "WHERE uuid = ?1", ref, 0, 1, ri, err, errlen);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    rc = lookup(s, "WHERE name = ?1 ORDER BY id DESC LIMIT 1", ref, 0, 1, ri, err, errlen);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    if (uuid_prefix_like(ref)) {
        rc = lookup(s, "WHERE substr(uuid, 1, length(?1)) = ?1 ORDER BY id", ref, 0, 0, ri,
                    err, errlen);
        if (rc < 0)
            return rc;
        if (rc == 1)
            return 0;
        if (rc == 2) {
            seterr(err, errlen, "run '%s' is ambiguous in %s (several uuids start with it); "
                   "list them with: revtrace analyze --db %s --list", ref, s->path, s->path);
            return -RT_STORE_ENORUN;
        }
    }
    seterr(err, errlen, "no run '%s' in %s; list them with: revtrace analyze --db %s --list",
           ref, s->path, s->path);
    return -RT_STORE_ENORUN;
}

/* Free an array of runs: each one's strings, then the array. */
/*
 * The info of element i of an array of elem-byte elements that each begin with a struct
 * rt_run_info (rt_run_info itself, or rt_run_listing).
 */
static struct rt_run_info *info_at(void *arr, size_t elem, size_t i)
{
    return (struct rt_run_info *)(void *)((char *)arr + i * elem);
}

static void runs_free(void *arr, size_t elem, size_t n)
{
    if (!arr)
        return;
    for (size_t i = 0; i < n; i++)
        rt_run_info_free(info_at(arr, elem, i));
    free(arr);
}

void rt_run_infos_free(struct rt_run_info *runs, size_t n)
{
    runs_free(runs, sizeof *runs, n);
}

void rt_run_list_free(struct rt_run_listing *list, size_t n)
{
    runs_free(list, sizeof *list, n);
}

/*
 * Step st (prepared, bound) into a new array of elem-byte elements beginning with a run's
 * info; with a column past the run's, it is the listing's request count.  On success 0 with
 * *out (the caller frees it with runs_free) and *n; else a negative code with err filled
 * ("<what>: ..."), nothing allocated.  st is finalized either way.
 */
static int step_runs(struct rt_store *s, sqlite3_stmt *st, size_t elem, const char *what,
                     void **out, size_t *n, char *err, size_t errlen)
{
    void *arr = NULL;
    size_t used = 0, cap = 0;
    int rc = 0, src;
    int counted = sqlite3_column_count(st) > RUN_NCOLS;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        void *p = rt_grow(arr, used, &cap, elem, 16);
        if (!p || fill_info(st, info_at(p, elem, used)) != 0) {
            arr = p ? p : arr;
            seterr(err, errlen, "out of memory");
            rc = -RT_STORE_EIO;
            break;
        }
        arr = p;
        if (counted)
            ((struct rt_run_listing *)arr)[used].requests = sqlite3_column_int64(st, RUN_NCOLS);
        used++;
    }
    if (rc == 0 && src != SQLITE_DONE)
        rc = sql_fail(s, what, err, errlen);
    sqlite3_finalize(st);
    if (rc) {
        runs_free(arr, elem, used);
        return rc;
    }
    *out = arr;
    *n = used;
    return 0;
}

int rt_store_run_list(struct rt_store *s, struct rt_run_listing **out, size_t *n, char *err,
                      size_t errlen)
{
    static const char sql[] =
        "SELECT " RUN_COLUMNS ", (SELECT count(*) FROM requests q WHERE q.run_id = runs.id)"
        " FROM runs ORDER BY id";
    sqlite3_stmt *st = NULL;
    void *list = NULL;
    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(s->h, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(s, "cannot list runs", err, errlen);
    int rc = step_runs(s, st, sizeof **out, "cannot list runs", &list, n, err, errlen);
    *out = list;
    return rc;
}

int rt_store_group_runs(struct rt_store *s, const char *gid, struct rt_run_info **out,
                        size_t *n, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    void *runs = NULL;
    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(s->h, RUN_COLS "WHERE group_id = ?1 ORDER BY id", -1, &st, NULL) !=
        SQLITE_OK)
        return sql_fail(s, "cannot read runs", err, errlen);
    sqlite3_bind_text(st, 1, gid, -1, SQLITE_STATIC);
    int rc = step_runs(s, st, sizeof **out, "cannot read runs", &runs, n, err, errlen);
    *out = runs;
    return rc;
}

/* ---- requests: inserts ----------------------------------------------------------------- */

#define INS_COLS 16   /* bound columns per row besides run_id (?1) */

/*
 * "INSERT INTO requests (...) VALUES (?1, ?2, .. ?16), (?1, ?17, .. ?31), ..." for rows rows.
 * Returns a malloc'd string (caller frees) or NULL.
 */
static char *insert_sql(int rows)
{
    static const char head[] =
        "INSERT INTO requests (run_id, seq, rev_id, scheduled_us, sent_us, dns_us, connect_us,"
        " tls_us, ttfb_us, total_us, status, error, bytes_in, prediction, p_true, body,"
        " error_detail)"
        " VALUES ";
    size_t cap = sizeof head + (size_t)rows * (INS_COLS * 8 + 16);
    char *sql = malloc(cap);
    if (!sql)
        return NULL;
    size_t len = (size_t)snprintf(sql, cap, "%s", head);
    for (int k = 0; k < rows; k++) {
        len += (size_t)snprintf(sql + len, cap - len, "%s(?1", k ? ", " : "");
        for (int c = 0; c < INS_COLS; c++)
            len += (size_t)snprintf(sql + len, cap - len, ", ?%d", 2 + k * INS_COLS + c);
        len += (size_t)snprintf(sql + len, cap - len, ")");
    }
    return sql;
}

static int prepare_insert(sqlite3 *h, int rows, int64_t run_id, sqlite3_stmt **st)
{
    char *sql = insert_sql(rows);
    int rc = sql ? sqlite3_prepare_v3(h, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL)
                 : SQLITE_NOMEM;
    free(sql);
    if (rc == SQLITE_OK)
        sqlite3_bind_int64(*st, 1, run_id);
    return rc;
}

int rt_store_insert_prepare(struct rt_store *s, int64_t run_id, char *err, size_t errlen)
{
    sqlite3_stmt *chk = NULL;
    int found = 0;
    if (sqlite3_prepare_v2(s->h, "SELECT 1 FROM runs WHERE id = ?1", -1, &chk, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_int64(chk, 1, run_id);
        found = sqlite3_step(chk) == SQLITE_ROW;
    }
    sqlite3_finalize(chk);
    if (!found) {
        seterr(err, errlen, "%s holds no run %lld to write requests to", s->path,
               (long long)run_id);
        return -RT_STORE_ENORUN;
    }
    /*
     * The run id is fixed and was just checked, so the per-row foreign-key probe of runs
     * would only cost time (about a tenth of the insert); this connection skips it.
     */
    sqlite3_exec(s->h, "PRAGMA foreign_keys = OFF", NULL, NULL, NULL);
    sqlite3_finalize(s->ins_one);
    sqlite3_finalize(s->ins_many);
    s->ins_one = s->ins_many = NULL;
    if (prepare_insert(s->h, 1, run_id, &s->ins_one) != SQLITE_OK ||
        prepare_insert(s->h, RT_STORE_INSERT_ROWS, run_id, &s->ins_many) != SQLITE_OK) {
        seterr(err, errlen, "%s: %s", s->path, sqlite3_errmsg(s->h));
        return -RT_STORE_EIO;
    }
    return 0;
}

int rt_store_insert_begin(struct rt_store *s, char *err, size_t errlen)
{
    int rc = sqlite3_exec(s->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return -RT_STORE_EBUSY;
    if (rc != SQLITE_OK) {
        seterr(err, errlen, "cannot write requests: %s", sqlite3_errmsg(s->h));
        return -RT_STORE_EIO;
    }
    return 0;
}

static void bind_ge0(sqlite3_stmt *st, int i, int64_t v)
{
    if (v >= 0)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

/* Bind one record's 16 columns to parameters base .. base+15 (?1 is the run id). */
static void bind_record(sqlite3_stmt *st, int base, const struct rt_record *r)
{
    sqlite3_bind_int64(st, base, r->seq);
    sqlite3_bind_int64(st, base + 1, r->rev_id);
    sqlite3_bind_int64(st, base + 2, r->scheduled_us);
    bind_ge0(st, base + 3, r->sent_us);
    bind_ge0(st, base + 4, r->dns_us);
    bind_ge0(st, base + 5, r->connect_us);
    bind_ge0(st, base + 6, r->tls_us);
    bind_ge0(st, base + 7, r->ttfb_us);
    bind_ge0(st, base + 8, r->total_us);
    sqlite3_bind_int(st, base + 9, r->status);
    if (r->error)
        sqlite3_bind_text(st, base + 10, r->error, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, base + 10);
    sqlite3_bind_int64(st, base + 11, r->bytes_in);
    if (r->prediction >= 0)
        sqlite3_bind_int(st, base + 12, r->prediction);
    else
        sqlite3_bind_null(st, base + 12);
    if (isnan(r->p_true))
        sqlite3_bind_null(st, base + 13);
    else
        sqlite3_bind_double(st, base + 13, r->p_true);
    /* Bodies are bound without a copy; step_reset unbinds them before the caller frees. */
    if (r->body)
        sqlite3_bind_blob64(st, base + 14, r->body, (sqlite3_uint64)r->body_len,
                            SQLITE_STATIC);
    else
        sqlite3_bind_null(st, base + 14);
    if (r->error_detail)
        sqlite3_bind_text(st, base + 15, r->error_detail, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, base + 15);
}

/* Run a bound statement and drop its body bindings so none dangles once bodies are freed. */
static int step_reset(sqlite3_stmt *st, int rows)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    for (int k = 0; k < rows; k++) {
        sqlite3_bind_null(st, 2 + k * INS_COLS + 14);
        sqlite3_bind_null(st, 2 + k * INS_COLS + 15);
    }
    return rc;
}

/*
 * Insert n <= RT_STORE_INSERT_ROWS records (n == RT_STORE_INSERT_ROWS through the multi-row
 * statement, else one by one).  A multi-row statement that fails is retried row by row to
 * find and skip the bad row; *first_err is set by the first row that fails.  Returns the
 * rows inserted, or -1 when the error ended the transaction.
 */
static int64_t insert_group(struct rt_store *s, const struct rt_record *grp, int n,
                            int *first_err, char *err, size_t errlen)
{
    if (n == RT_STORE_INSERT_ROWS) {
        for (int k = 0; k < n; k++)
            bind_record(s->ins_many, 2 + k * INS_COLS, &grp[k]);
        if (step_reset(s->ins_many, n) == SQLITE_DONE)
            return n;
        if (sqlite3_get_autocommit(s->h)) {
            if (!*first_err)
                seterr(err, errlen, "cannot write requests: %s", sqlite3_errmsg(s->h));
            *first_err = 1;
            return -1;
        }
    }
    int64_t ok = 0;
    for (int k = 0; k < n; k++) {
        bind_record(s->ins_one, 2, &grp[k]);
        int rc = step_reset(s->ins_one, 1);
        if (rc == SQLITE_DONE) {
            ok++;
            continue;
        }
        if (!*first_err)
            seterr(err, errlen, "cannot write request seq %lld: %s", (long long)grp[k].seq,
                   sqlite3_errmsg(s->h));
        *first_err = 1;
        if (sqlite3_get_autocommit(s->h))
            return -1;   /* the error rolled the whole transaction back (I/O, disk full) */
        if ((rc & 0xff) != SQLITE_CONSTRAINT) {
            /* Not this row's fault (disk full, I/O, read-only): nothing of the batch may
               stay, or a later commit would leave rows after a gap. */
            sqlite3_exec(s->h, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    return ok;
}

int64_t rt_store_insert_rows(struct rt_store *s, const struct rt_record *recs, size_t n,
                             char *err, size_t errlen)
{
    int64_t ok = 0;
    int first_err = 0;
    if (!s->ins_one || !s->ins_many) {
        seterr(err, errlen, "%s: internal error: inserts were not prepared", s->path);
        return -RT_STORE_EIO;
    }
    for (size_t i = 0; i < n; i += RT_STORE_INSERT_ROWS) {
        int g = n - i < RT_STORE_INSERT_ROWS ? (int)(n - i) : RT_STORE_INSERT_ROWS;
        int64_t got = insert_group(s, recs + i, g, &first_err, err, errlen);
        if (got < 0)
            return -RT_STORE_EIO;
        ok += got;
    }
    return ok;
}

int rt_store_insert_commit(struct rt_store *s, char *err, size_t errlen)
{
    for (int tries = 0;; tries++) {
        int rc = sqlite3_exec(s->h, "COMMIT", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            return 0;
        if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && tries < 20)
            continue;   /* each try waits up to the busy timeout */
        seterr(err, errlen, "cannot commit requests: %s", sqlite3_errmsg(s->h));
        sqlite3_exec(s->h, "ROLLBACK", NULL, NULL, NULL);
        return -RT_STORE_EIO;
    }
}

/* ---- requests: reading ----------------------------------------------------------------- */

int rt_store_count_requests(struct rt_store *s, int64_t run_id, int64_t *n, char *err,
                            size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = -RT_STORE_EIO;
    if (sqlite3_prepare_v2(s->h, "SELECT count(*) FROM requests WHERE run_id = ?1", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, run_id);
        if (sqlite3_step(st) == SQLITE_ROW) {
            *n = sqlite3_column_int64(st, 0);
            rc = 0;
        }
    }
    if (rc)
        sql_fail(s, "cannot count requests", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

struct rt_store_cursor {
    struct rt_store *s;         /* borrowed */
    sqlite3_stmt *st;           /* owned */
    int64_t run_id;
    unsigned cols;              /* RT_STORE_COLS_*; PLAN always when chunked */
    int chunk;                  /* 0: stream one statement; else rows per chunk */
    int64_t first_seq;          /* where a rewind starts */
    int64_t from_seq;           /* chunked: the next chunk starts at this seq */
    int done;                   /* no more rows: the statement ended (streamed), or the last
                                   chunk was short or reached the largest seq (chunked) */
    /* chunked: the current chunk, its error words in one text buffer */
    struct rt_store_row *rows;  /* owned, chunk */
    size_t *err_at;             /* owned, chunk: 1 + offset into text, 0 for NULL */
    size_t nrows, pos;
    char *text;                 /* owned */
    size_t text_len, text_cap;
};

#define CUR_PLAN "seq, rev_id, scheduled_us"
#define CUR_OUTCOME                                                                   \
    "sent_us, dns_us, connect_us, tls_us, ttfb_us, total_us, status, error, bytes_in"
#define CUR_WHERE " FROM requests WHERE run_id = ?1 AND seq >= ?2 ORDER BY seq LIMIT ?3"

/* The cursor's SELECT for a column set (RT_STORE_COLS_*), columns in table order. */
static const char *cursor_sql(unsigned cols)
{
    if (cols == RT_STORE_COLS_PLAN)
        return "SELECT " CUR_PLAN CUR_WHERE;
    if (cols == RT_STORE_COLS_OUTCOME)
        return "SELECT scheduled_us, " CUR_OUTCOME CUR_WHERE;
    return "SELECT " CUR_PLAN ", " CUR_OUTCOME CUR_WHERE;
}

/* A nullable integer column: 0 when NULL, else its value with bit set in *have. */
static int64_t opt_col(sqlite3_stmt *st, int i, unsigned bit, unsigned *have)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return 0;
    *have |= bit;
    return sqlite3_column_int64(st, i);
}

/*
 * The current row of st (selected by cursor_sql(cols)) into *row, the columns not selected
 * as 0; its error points into st (valid until the next step).
 */
static void read_row(sqlite3_stmt *st, unsigned cols, struct rt_store_row *row)
{
    int k = 0;
    memset(row, 0, sizeof *row);
    if (cols & RT_STORE_COLS_PLAN) {
        row->seq = sqlite3_column_int64(st, k++);
        row->rev_id = sqlite3_column_int64(st, k++);
    }
    row->scheduled_us = sqlite3_column_int64(st, k++);
    if (!(cols & RT_STORE_COLS_OUTCOME))
        return;
    row->sent_us = opt_col(st, k, RT_STORE_HAVE_SENT, &row->have);
    row->dns_us = opt_col(st, k + 1, RT_STORE_HAVE_DNS, &row->have);
    row->connect_us = opt_col(st, k + 2, RT_STORE_HAVE_CONNECT, &row->have);
    row->tls_us = opt_col(st, k + 3, RT_STORE_HAVE_TLS, &row->have);
    row->ttfb_us = opt_col(st, k + 4, RT_STORE_HAVE_TTFB, &row->have);
    row->total_us = opt_col(st, k + 5, RT_STORE_HAVE_TOTAL, &row->have);
    row->status = sqlite3_column_int(st, k + 6);
    row->error = (const char *)sqlite3_column_text(st, k + 7);
    row->bytes_in = sqlite3_column_int64(st, k + 8);
}

int rt_store_cursor_open(struct rt_store *s, int64_t run_id, int64_t from_seq, unsigned cols,
                         int chunk_rows, struct rt_store_cursor **out, char *err,
                         size_t errlen)
{
    struct rt_store_cursor *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c)
        goto oom;
    c->s = s;
    c->run_id = run_id;
    c->first_seq = from_seq;
    c->chunk = chunk_rows > 0 ? chunk_rows : 0;
    c->cols = cols & RT_STORE_COLS_ALL;
    if (c->chunk || !c->cols)
        c->cols |= RT_STORE_COLS_PLAN;   /* a chunk resumes after the last seq it read */
    if (c->chunk) {
        c->rows = malloc((size_t)c->chunk * sizeof *c->rows);
        c->err_at = malloc((size_t)c->chunk * sizeof *c->err_at);
        if (!c->rows || !c->err_at)
            goto oom;
    }
    if (sqlite3_prepare_v2(s->h, cursor_sql(c->cols), -1, &c->st, NULL) != SQLITE_OK) {
        seterr(err, errlen, "%s", sqlite3_errmsg(s->h));
        rt_store_cursor_close(c);
        return -RT_STORE_EIO;
    }
    rt_store_cursor_rewind(c);
    *out = c;
    return 0;
oom:
    rt_store_cursor_close(c);
    seterr(err, errlen, "out of memory");
    return -RT_STORE_EIO;
}

void rt_store_cursor_rewind(struct rt_store_cursor *c)
{
    sqlite3_reset(c->st);
    sqlite3_bind_int64(c->st, 1, c->run_id);
    sqlite3_bind_int64(c->st, 2, c->first_seq);
    sqlite3_bind_int(c->st, 3, c->chunk ? c->chunk : -1);   /* LIMIT -1: no limit */
    c->from_seq = c->first_seq;
    c->done = 0;
    c->nrows = c->pos = 0;
}

/* Keep the error word of the row being read (chunked): 1 + its offset, 0 for NULL. */
static int keep_text(struct rt_store_cursor *c, const char *t, size_t *at)
{
    *at = 0;
    if (!t)
        return 0;
    size_t len = strlen(t) + 1;
    while (c->text_len + len > c->text_cap) {
        char *p = rt_grow(c->text, c->text_cap, &c->text_cap, 1, 4096);
        if (!p)
            return -1;
        c->text = p;
    }
    memcpy(c->text + c->text_len, t, len);
    *at = c->text_len + 1;
    c->text_len += len;
    return 0;
}

/*
 * Read the next chunk into memory, then reset the statement: that ends the read
 * transaction until the next chunk.  Returns 0 or -RT_STORE_EIO with err filled.
 */
static int refill(struct rt_store_cursor *c, char *err, size_t errlen)
{
    int src;
    c->nrows = c->pos = c->text_len = 0;
    sqlite3_reset(c->st);
    sqlite3_bind_int64(c->st, 2, c->from_seq);
    while ((src = sqlite3_step(c->st)) == SQLITE_ROW) {
        struct rt_store_row *r = &c->rows[c->nrows];
        read_row(c->st, c->cols, r);
        if (keep_text(c, r->error, &c->err_at[c->nrows]) != 0) {
            sqlite3_reset(c->st);
            seterr(err, errlen, "out of memory");
            return -RT_STORE_EIO;
        }
        c->nrows++;
    }
    if (src != SQLITE_DONE) {
        seterr(err, errlen, "%s", sqlite3_errmsg(c->s->h));
        sqlite3_reset(c->st);
        return -RT_STORE_EIO;
    }
    sqlite3_reset(c->st);
    if (c->nrows < (size_t)c->chunk || c->nrows == 0 ||
        c->rows[c->nrows - 1].seq == INT64_MAX)
        c->done = 1;
    else
        c->from_seq = c->rows[c->nrows - 1].seq + 1;
    return 0;
}

int rt_store_cursor_next(struct rt_store_cursor *c, struct rt_store_row *row, char *err,
                         size_t errlen)
{
    if (!c->chunk) {
        if (c->done)
            return 0;   /* a step after the end would start the statement over */
        int src = sqlite3_step(c->st);
        if (src == SQLITE_ROW) {
            read_row(c->st, c->cols, row);
            return 1;
        }
        c->done = 1;
        if (src == SQLITE_DONE)
            return 0;
        seterr(err, errlen, "%s", sqlite3_errmsg(c->s->h));
        return -RT_STORE_EIO;
    }
    if (c->pos == c->nrows) {
        if (c->done)
            return 0;
        if (refill(c, err, errlen) != 0)
            return -RT_STORE_EIO;
        if (c->nrows == 0)
            return 0;
    }
    *row = c->rows[c->pos];
    row->error = c->err_at[c->pos] ? c->text + c->err_at[c->pos] - 1 : NULL;
    c->pos++;
    return 1;
}

void rt_store_cursor_close(struct rt_store_cursor *c)
{
    if (!c)
        return;
    sqlite3_finalize(c->st);
    free(c->rows);
    free(c->err_at);
    free(c->text);
    free(c);
}
