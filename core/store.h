/*
 * store.h - the store: one SQLite database that every command shares, and the only module
 * that speaks SQL.
 *
 * Everything a command does with a database is an operation here: open (identify, create,
 * migrate), the run lifecycle (create, finish, find, list, the runs of a group), the writer
 * thread's batched inserts, a count of a run's requests and a cursor over them in seq order.
 * No SQLite type or SQL text leaves core/store.c, so the schema and the statements can change
 * in one file.
 *
 * Opening checks that the file is a revtrace database (application_id) of a version we know,
 * creates it when new, and migrates it forward (each migration in its own transaction).  A
 * file that is not ours, or is of a newer version, is refused before anything is written to
 * it: the checks run on a read-only connection first, so the file stays byte-for-byte intact.
 * Connections use WAL and synchronous=NORMAL: a commit is durable against a process crash
 * (kill -9), which is the failure a load tool meets.
 *
 * A struct rt_store is one connection: use it from one thread at a time (the writer thread
 * opens its own).  Functions return 0 (or a count) on success and a negative RT_STORE_E* code
 * on failure, with a one-line message in the caller's optional err buffer.
 */
#ifndef RT_STORE_H
#define RT_STORE_H

#include <stddef.h>
#include <stdint.h>

#define RT_APPLICATION_ID 0x52545243   /* "RTRC" */

struct rt_store;          /* opaque: a connection plus its prepared statements */
struct rt_store_cursor;   /* opaque: a read position in one run's requests */
struct rt_record;         /* core/record.h */

enum rt_store_mode {
    RT_STORE_READONLY = 0,   /* existing database; never written (replay --from, analyze) */
    RT_STORE_READWRITE = 1,  /* create if missing, migrate forward */
};

/* Codes returned (negated) by rt_store_* functions.  tool/cli.h maps them to exit statuses
 * (rt_exit_for_store). */
enum {
    RT_STORE_OK = 0,
    RT_STORE_ENOTOURS = 1,   /* not a revtrace database */
    RT_STORE_ENEWER = 2,     /* written by a newer revtrace */
    RT_STORE_EIO = 3,        /* SQLite error or out of memory (message in err) */
    RT_STORE_ENOENT = 4,     /* read-only open of a missing file */
    RT_STORE_ENORUN = 5,     /* no such run */
    RT_STORE_EBUSY = 6,      /* another connection holds the write lock: try again later */
};

/* ---- the database -------------------------------------------------------------------- */

/*
 * Open (and for READWRITE create/migrate) the database at path.  On success *out is a new
 * handle the caller closes with rt_store_close.  On failure returns a negative RT_STORE_E*
 * code (ENOTOURS, ENEWER, ENOENT or EIO), sets *out to NULL and writes a one-line
 * explanation saying what to do into err.
 */
int rt_store_open(const char *path, enum rt_store_mode mode, struct rt_store **out, char *err,
                  size_t errlen);
/*
 * Close the connection and free the handle; NULL is a no-op.  Close every cursor opened on
 * it first: with one left, SQLite refuses to close and the connection leaks.
 */
void rt_store_close(struct rt_store *s);
/* The schema version this binary writes (the highest migration). */
int rt_store_schema_version(void);
/* The SQLite library's version ("3.40.1"); static storage. */
const char *rt_store_sqlite_version(void);
/*
 * Promise that no connection is ever used by two threads at once (SQLite's multi-thread
 * mode): reads skip the connection mutexes, about a tenth of a million-row read.  Must come
 * before the first rt_store_open of the process; later it changes nothing.  Returns 0 when
 * it took effect, -1 when it came too late.
 */
int rt_store_unshared_connections(void);

/* What a connection is, for diagnostics and tests. */
struct rt_store_info {
    int application_id;
    int schema_version;      /* the file's user_version */
    int wal;                 /* 1: journal_mode is WAL */
    int synchronous;         /* 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA */
    int foreign_keys;        /* 1: enforced on this connection */
    int busy_timeout_ms;
    int query_only;          /* 1: this connection cannot write (READONLY) */
};
/* Fill *out from the connection.  Returns 0 or -RT_STORE_EIO with err filled. */
int rt_store_describe(struct rt_store *s, struct rt_store_info *out, char *err, size_t errlen);

/* ---- runs ---------------------------------------------------------------------------- */

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

/* What a run says about its failures and its own cost (schema 3 and 4; empty for older
   files). */
struct rt_error_note {
    char word[32];                /* the error word */
    char detail[208];             /* its most frequent error_detail */
    int64_t n;                    /* rows with that word and that detail */
};
struct rt_run_notes {
    int64_t max_loop_stall_us;    /* runs.max_loop_stall_us; -1 when not recorded */
    int64_t client_cpu_us;        /* runs.client_cpu_us (schema 4); -1 when not recorded */
    struct rt_error_note *errors; /* owned, nerrors, one per word that has a detail */
    size_t nerrors;
};
/* Free what n owns and zero it; NULL is a no-op. */
void rt_run_notes_free(struct rt_run_notes *n);

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

/*
 * Insert a run with status 'running'; fills *run_id and uuid (37 bytes) when not NULL.
 * Returns 0 or -RT_STORE_EIO (a READONLY store, an SQLite error) with err filled.
 */
int rt_store_run_create(struct rt_store *s, const struct rt_run_new *rn, int64_t *run_id,
                        char uuid[37], char *err, size_t errlen);
/*
 * Set status (complete|interrupted|failed|running) and finished_at = now.  Returns 0,
 * -RT_STORE_ENORUN when no run has that id, or -RT_STORE_EIO (a bad status, an SQLite
 * error), with err filled.
 */
int rt_store_run_finish(struct rt_store *s, int64_t run_id, const char *status, char *err,
                        size_t errlen);
/* Record what the run cost the tool itself: the send loop's longest stall
   (runs.max_loop_stall_us) and its CPU time (runs.client_cpu_us; -1: NULL).  0 or
   -RT_STORE_EIO. */
int rt_store_run_set_cost(struct rt_store *s, int64_t run_id, int64_t max_loop_stall_us,
                          int64_t client_cpu_us, char *err, size_t errlen);
/*
 * The run's notes (see struct rt_run_notes) into *out (overwritten; free with
 * rt_run_notes_free).  A database of schema version < 3 gives none.  0 or -RT_STORE_EIO.
 */
int rt_store_run_notes(struct rt_store *s, int64_t run_id, struct rt_run_notes *out,
                       char *err, size_t errlen);
/*
 * Find a run by id (all digits), uuid, name (the latest of that name) or unique uuid prefix;
 * NULL or "" means the latest run.  Returns 0 and fills *ri (the caller frees it with
 * rt_run_info_free), -RT_STORE_ENORUN with a message saying how to see the runs (revtrace
 * analyze --list), or -RT_STORE_EIO.  *ri is zeroed on failure.
 */
int rt_store_run_find(struct rt_store *s, const char *ref, struct rt_run_info *ri, char *err,
                      size_t errlen);

/* One line of a database's run list. */
struct rt_run_listing {
    struct rt_run_info info;      /* owned */
    int64_t requests;             /* rows in requests */
};
/*
 * Every run, by id, with its request count.  On success returns 0 and sets *out to a new
 * array of *n entries (NULL when there are none) that the caller frees with
 * rt_run_list_free.  On failure returns -RT_STORE_EIO with err filled; *out is NULL.
 */
int rt_store_run_list(struct rt_store *s, struct rt_run_listing **out, size_t *n, char *err,
                      size_t errlen);
/* Free a list from rt_store_run_list (every entry's strings and the array); NULL is a no-op. */
void rt_run_list_free(struct rt_run_listing *list, size_t n);
/*
 * The runs whose group_id is gid, by id.  On success returns 0 and sets *out to a new array
 * of *n runs (NULL when none) that the caller frees with rt_run_infos_free.  On failure
 * returns -RT_STORE_EIO with err filled; *out is NULL.
 */
int rt_store_group_runs(struct rt_store *s, const char *gid, struct rt_run_info **out,
                        size_t *n, char *err, size_t errlen);
/* Free an array of n runs (each one's strings and the array); NULL is a no-op. */
void rt_run_infos_free(struct rt_run_info *runs, size_t n);

/* ---- requests: the writer thread's batched inserts ----------------------------------- */

/* Records per multi-row INSERT statement. */
#define RT_STORE_INSERT_ROWS 32

/*
 * Make s ready to insert requests of run run_id: checks that the run exists, prepares the
 * statements (kept until rt_store_close) and turns off this connection's per-row
 * foreign-key probe (the run id is fixed and was just checked).  Meant for a connection
 * that only inserts (the writer thread's).  Returns 0, -RT_STORE_ENORUN ("PATH holds no run
 * N to write requests to") or -RT_STORE_EIO, with err filled.
 */
int rt_store_insert_prepare(struct rt_store *s, int64_t run_id, char *err, size_t errlen);
/*
 * Begin the write transaction of a batch (BEGIN IMMEDIATE; the busy timeout waits for
 * another writer first).  Returns 0, -RT_STORE_EBUSY when the database is still locked (no
 * transaction is open: retry later), or -RT_STORE_EIO with err filled.
 */
int rt_store_insert_begin(struct rt_store *s, char *err, size_t errlen);
/*
 * Insert n records inside the transaction of rt_store_insert_begin: whole groups of
 * RT_STORE_INSERT_ROWS through one multi-row INSERT, the rest one row at a time.  A group
 * that fails while the transaction survives is retried row by row, and a row that fails on
 * its own (a constraint: a duplicate seq) is skipped; any other error (disk full, I/O,
 * read-only) rolls the whole transaction back.  recs and their bodies are borrowed for the call
 * only (bodies are bound without a copy and unbound before returning).
 * Returns the rows inserted (0..n; err holds the first row's error when some were skipped,
 * else err is left alone), or -RT_STORE_EIO when an error ended the transaction (nothing
 * of it is kept), with err filled.
 */
int64_t rt_store_insert_rows(struct rt_store *s, const struct rt_record *recs, size_t n,
                             char *err, size_t errlen);
/*
 * Commit the batch.  A busy COMMIT is retried up to 20 times (each waiting up to the busy
 * timeout); when it still fails the transaction is rolled back.  Returns 0 or -RT_STORE_EIO
 * (nothing of the batch is kept) with err filled.
 */
int rt_store_insert_commit(struct rt_store *s, char *err, size_t errlen);

/* ---- requests: reading ----------------------------------------------------------------- */

/*
 * Count the rows of run run_id in requests into *n.  Returns 0, or -RT_STORE_EIO with err
 * filled and *n left alone.
 */
int rt_store_count_requests(struct rt_store *s, int64_t run_id, int64_t *n, char *err,
                            size_t errlen);

/* Bits of rt_store_row.have: which nullable columns hold a value. */
enum {
    RT_STORE_HAVE_SENT = 1 << 0,
    RT_STORE_HAVE_DNS = 1 << 1,
    RT_STORE_HAVE_CONNECT = 1 << 2,
    RT_STORE_HAVE_TLS = 1 << 3,
    RT_STORE_HAVE_TTFB = 1 << 4,
    RT_STORE_HAVE_TOTAL = 1 << 5,
};

/*
 * The columns a cursor reads.  Each costs time on a million rows (seq and rev_id together
 * are about a tenth of analyze's whole read), so a cursor reads only the set asked for;
 * the fields of the others are 0.  A chunked cursor always reads PLAN (it resumes after the
 * last seq).
 */
enum {
    RT_STORE_COLS_PLAN = 1,      /* seq, rev_id, scheduled_us: what a replay re-issues */
    RT_STORE_COLS_OUTCOME = 2,   /* scheduled_us, sent_us .. total_us, have, status, error,
                                    bytes_in: what analyze counts */
    RT_STORE_COLS_ALL = 3,
};

/* One request as stored (see schema/001_init.sql); a NULL column reads as 0. */
struct rt_store_row {
    int64_t seq, rev_id, scheduled_us;
    int64_t sent_us, dns_us, connect_us, tls_us, ttfb_us, total_us;
    unsigned have;          /* RT_STORE_HAVE_* */
    int status;
    const char *error;      /* borrowed, valid until the next rt_store_cursor_* call; NULL:
                               a complete exchange */
    int64_t bytes_in;
};

/* from_seq for a cursor over every row of a run, whatever its seqs. */
#define RT_STORE_ALL_SEQ INT64_MIN

/*
 * Open a cursor over the requests of run run_id with seq >= from_seq, in seq order (a
 * rewind starts again at from_seq), reading the columns cols (RT_STORE_COLS_*).
 * chunk_rows 0: one statement and one read transaction for the whole walk (a consistent
 * snapshot; the fastest); chunk_rows > 0: read chunk_rows rows at a time into memory and
 * end the read transaction between chunks, so a long walk (a replay that sends for hours)
 * never holds one open: the WAL can be checkpointed meanwhile, and each chunk sees what
 * was committed before it.
 * On success returns 0 and *out (close with rt_store_cursor_close, before rt_store_close);
 * on failure -RT_STORE_EIO with SQLite's message (no prefix) in err.
 */
int rt_store_cursor_open(struct rt_store *s, int64_t run_id, int64_t from_seq, unsigned cols,
                         int chunk_rows, struct rt_store_cursor **out, char *err,
                         size_t errlen);
/*
 * The next row into *row: returns 1, 0 at the end, or -RT_STORE_EIO with SQLite's message
 * (no prefix) in err.
 */
int rt_store_cursor_next(struct rt_store_cursor *c, struct rt_store_row *row, char *err,
                         size_t errlen);
/* Start again at the from_seq the cursor was opened with. */
void rt_store_cursor_rewind(struct rt_store_cursor *c);
/* Close the cursor; NULL is a no-op. */
void rt_store_cursor_close(struct rt_store_cursor *c);

#endif
