/*
 * db.h - the store: one SQLite database that every command shares.
 *
 * Opening checks that the file is a revtrace database (application_id) of a version we know,
 * creates it when new, and migrates it forward (each migration in its own transaction).  A
 * file that is not ours, or is of a newer version, is refused before anything is written to
 * it: the checks run on a read-only connection first, so the file stays byte-for-byte intact.
 * Connections use WAL and synchronous=NORMAL: a commit is durable against a process crash
 * (kill -9), which is the failure a load tool meets.
 */
#ifndef RT_DB_H
#define RT_DB_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#define RT_APPLICATION_ID 0x52545243   /* "RTRC" */

struct rt_db;   /* opaque: a connection plus its prepared statements */

enum rt_db_mode {
    RT_DB_READONLY = 0,   /* existing database; never written (replay --from, analyze) */
    RT_DB_READWRITE = 1,  /* create if missing, migrate forward */
};

/* Codes returned (negated) by rt_db_* functions. */
enum {
    RT_DB_OK = 0,
    RT_DB_ENOTOURS = 1,   /* not a revtrace database */
    RT_DB_ENEWER = 2,     /* written by a newer revtrace */
    RT_DB_EIO = 3,        /* SQLite error (message in err) */
    RT_DB_ENOENT = 4,     /* read-only open of a missing file */
    RT_DB_ENORUN = 5,     /* no such run */
};

/*
 * Open (and for READWRITE create/migrate) the database at path.  On success *out is a new
 * handle the caller closes with rt_db_close.  On failure returns a negative RT_DB_E* code
 * and writes a one-line explanation saying what to do into err.
 */
int rt_db_open(const char *path, enum rt_db_mode mode, struct rt_db **out, char *err,
               size_t errlen);
/*
 * Close the connection and free the handle; NULL is a no-op.  Finalize every statement
 * prepared on rt_db_handle(db) first: with one left, sqlite3_close refuses (SQLITE_BUSY)
 * and the connection leaks.
 */
void rt_db_close(struct rt_db *db);
/*
 * The raw connection for analyze's queries: borrowed, valid until rt_db_close, NULL for a
 * NULL db.  Prepared statements only.
 */
sqlite3 *rt_db_handle(struct rt_db *db);
/* The schema version this binary writes (the highest migration). */
int rt_db_schema_version(void);

/* A run's row; strings owned by the struct, freed by rt_run_info_free. */
struct rt_run_info {
    int64_t id;
    char *uuid, *name, *kind, *target, *source_run_uuid, *shard, *group_id, *status;
    char *started_at, *finished_at, *config_json, *tool_version, *hostname;
    double speed;                 /* 0 when NULL */
    double offered_rate_per_s;    /* 0 when NULL (closed loop) */
    int64_t t0_unix_us;
};
/*
 * Free the strings ri owns (not ri itself, usually the caller's variable) and zero it, so a
 * second call is harmless; NULL is a no-op.
 */
void rt_run_info_free(struct rt_run_info *ri);

/* What a new run is; borrowed strings, NULL where not applicable. */
struct rt_run_new {
    const char *name;             /* NULL: "<kind>-<UTC time>" */
    const char *kind;             /* capture | replay | proxy */
    const char *target;
    const char *source_run_uuid;
    double speed;                 /* 0: NULL */
    const char *shard;
    const char *group_id;
    const char *config_json;      /* already redacted */
    double offered_rate_per_s;    /* 0: NULL */
    int64_t t0_unix_us;
};

/* Insert a run with status 'running'; fills *run_id and uuid (37 bytes). */
int rt_db_run_create(struct rt_db *db, const struct rt_run_new *rn, int64_t *run_id,
                     char uuid[37], char *err, size_t errlen);
/* Set status (complete|interrupted|failed) and finished_at = now. */
int rt_db_run_finish(struct rt_db *db, int64_t run_id, const char *status, char *err,
                     size_t errlen);
/*
 * Find a run by id (all digits), uuid, or name (the latest of that name); NULL or "" means
 * the latest run.  Returns 0 and fills *ri, or -RT_DB_ENORUN with a message listing how to
 * see the runs (revtrace analyze --list).
 */
int rt_db_run_find(struct rt_db *db, const char *ref, struct rt_run_info *ri, char *err,
                   size_t errlen);

#endif
