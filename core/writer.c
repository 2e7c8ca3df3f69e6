/*
 * writer.c - the disk thread: a queue of record chunks drained into SQLite in batches.
 *
 * The send loop must never wait for the disk, so rt_writer_push only copies the record into
 * the tail chunk of a linked list under a mutex held for a few dozen nanoseconds; a chunk
 * holds RT_WRITER_CHUNK records, and a new one comes from a small free list (or malloc,
 * outside the lock).  The push does not signal the condition variable: waking the writer
 * for every record would cost a cross-CPU wakeup each; instead the writer sleeps on the
 * condvar with a timeout of commit_interval, then takes the whole list in O(1) and inserts
 * it in one transaction through the store's prepared statements (rt_store_insert_*).  A
 * commit therefore happens every commit_interval (default 200 ms) while records flow, which
 * bounds what a kill -9 can lose (WAL + synchronous=NORMAL makes every commit survive a
 * process crash).  Only when the
 * queue grows past RT_WRITER_KICK chunks (the writer fell far behind) does a push signal.
 *
 * SQLITE_BUSY (another process writing the same file) is waited out by the connection's
 * busy timeout; if BEGIN still finds the database locked, the batch stays queued and is
 * retried on the next round, so nothing is lost, only delayed.  A row that fails on its own
 * (e.g. a duplicate seq) is skipped and reported as the first error by rt_writer_finish.
 *
 * Any other failed batch (disk full, I/O error, a read-only file), or the database file
 * removed under us (the link count of a descriptor opened on it at the start drops to 0,
 * looked at every round), breaks the writer for good: on_fail is called once, and from then
 * on every record is counted as not recorded without touching SQLite.  So the rows on disk
 * are exactly those committed before the failure, never a stray batch after a gap (a full
 * disk often has room again a moment later, once SQLite gave back a page).
 * rt_writer_finish also checks the books: every pushed record must be a committed row or
 * counted as failed or dropped; anything else is reported as an error, never lost silently.
 *
 * The answers come raw (the engine lends them, see record.h): push copies each into its
 * chunk's arena (a malloc only for one that does not fit), and this thread parses the
 * prediction out of it and compresses the kept ones before the insert, so the send thread
 * neither runs jansson nor zlib nor allocates per request.  The parse goes through a memo
 * (core/answer.h): jansson's parse was 82 % of this thread's instructions (callgrind, 40K
 * per record), and a load test's answers repeat (the service answers a rev ID with the same
 * bytes, and rev IDs come from a pool): a remembered answer costs a CRC and a comparison,
 * the writer's instructions per record 48.5K -> 9.9K against nginx; an answer never seen
 * before costs 2.5 % more (45K -> 46K, a trace of 5,000 distinct rev IDs, the emulator).
 *
 * The thread's connection is opened in rt_writer_start, on the caller's thread, so that a
 * bad path or run id is reported synchronously; afterwards only the writer thread uses it.
 */
#include "core/writer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <math.h>
#include <zlib.h>

#include "core/answer.h"
#include "core/clock.h"
#include "core/store.h"

#define RT_WRITER_CHUNK 4096        /* records per chunk (about 512 KiB) */
#define RT_WRITER_ARENA (RT_WRITER_CHUNK * 256)   /* a chunk's bytes for raw answers */
_Static_assert(RT_WRITER_CHUNK % RT_STORE_INSERT_ROWS == 0,
               "a full chunk is whole multi-row INSERT groups");
#define RT_WRITER_KICK 8            /* queued chunks that wake the writer early */
#define RT_WRITER_SPARE 4           /* chunks kept for reuse */
#define RT_WRITER_GIVE_UP_US (120 * 1000000LL)  /* finish: stop retrying a locked db */

struct chunk {
    struct chunk *next;
    int n;
    size_t arena_used;
    struct rt_record recs[RT_WRITER_CHUNK];
    unsigned char owned[RT_WRITER_CHUNK];   /* 1: recs[i].answer was malloc'd, not arena */
    char arena[RT_WRITER_ARENA];            /* the raw answers of recs, back to back */
};

struct rt_writer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* Guarded by mu: */
    struct chunk *head, *tail;      /* queued, oldest first */
    int queued_chunks;
    struct chunk *spare;            /* free list */
    int nspare;
    int stop;
    int64_t dropped;                /* records lost for want of memory */
    int64_t pushed;                 /* records handed to rt_writer_push */

    /* Writer thread only: */
    struct rt_store *db;            /* owned: this thread's connection, inserts prepared */
    int64_t interval_us;
    char *path;                     /* owned: the database file's name, for messages */
    struct chunk *pending;          /* taken but not yet committed (database was busy) */
    int64_t failed;                 /* rows that could not be written */
    int err_set;
    char err[256];                  /* the first error */
    int file_fd;                    /* the database file, for its link count; -1: none */
    struct rt_answer_memo *memo;    /* owned: answers parsed recently (NULL: none) */
    rt_writer_fail_fn on_fail;
    void *fail_ctx;

    _Atomic int64_t committed;
    _Atomic int broken;             /* the storage failed for good: nothing more is written */
};

static void first_error(struct rt_writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void first_error(struct rt_writer *w, const char *fmt, ...)
{
    if (w->err_set)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->err, sizeof w->err, fmt, ap);
    va_end(ap);
    w->err_set = 1;
}

/* Let go of recs[i]'s raw answer. */
static void drop_answer(struct chunk *c, int i)
{
    if (c->owned[i])
        free((char *)c->recs[i].answer);
    c->owned[i] = 0;
    c->recs[i].answer = NULL;
}

static void free_bodies(struct chunk *c)
{
    for (int i = 0; i < c->n; i++) {
        free(c->recs[i].body);
        free(c->recs[i].error_detail);
        c->recs[i].body = NULL;
        c->recs[i].error_detail = NULL;
        drop_answer(c, i);
    }
}

/* Copy r's raw answer into chunk c as record i (push, under the lock): into the arena, or a
   malloc'd copy when it does not fit; none when it is not needed or memory is short. */
static void keep_answer(struct chunk *c, int i, const struct rt_record *r)
{
    struct rt_record *q = &c->recs[i];
    c->owned[i] = 0;
    q->answer = NULL;
    if (!r->answer || !(r->answer_parse || r->answer_keep))
        return;
    char *dst;
    if (r->answer_len <= RT_WRITER_ARENA - c->arena_used) {
        dst = c->arena + c->arena_used;
        c->arena_used += r->answer_len;
    } else if ((dst = malloc(r->answer_len ? r->answer_len : 1))) {
        c->owned[i] = 1;
    } else {
        return;
    }
    memcpy(dst, r->answer, r->answer_len);
    q->answer = dst;
}

/* Compress an answer for the record; NULL (not kept) when it cannot be. */
static unsigned char *compress_answer(const char *buf, size_t len, size_t *out_len)
{
    uLongf cap = compressBound((uLong)len);
    unsigned char *z = malloc(cap);
    if (!z)
        return NULL;
    if (compress2(z, &cap, (const Bytef *)buf, (uLong)len, Z_BEST_SPEED) != Z_OK) {
        free(z);
        return NULL;
    }
    *out_len = cap;
    return z;
}

/* The writer thread's share of each record of a list just taken: parse the answers, compress
   the kept ones, let the raw bytes go. */
static void digest(struct rt_answer_memo *memo, struct chunk *list)
{
    for (struct chunk *c = list; c; c = c->next) {
        for (int i = 0; i < c->n; i++) {
            struct rt_record *r = &c->recs[i];
            if (!r->answer)
                continue;
            if (r->answer_parse)
                rt_answer_memo_parse(memo, r->answer, r->answer_len, &r->prediction,
                                     &r->p_true);
            if (r->prediction < 0)
                r->p_true = NAN;
            if (r->answer_keep && !r->body)
                r->body = compress_answer(r->answer, r->answer_len, &r->body_len);
            drop_answer(c, i);
        }
    }
}

/* Give processed chunks back: a few to the free list, the rest to free(). */
static void recycle(struct rt_writer *w, struct chunk *list)
{
    while (list) {
        struct chunk *next = list->next;
        pthread_mutex_lock(&w->mu);
        if (w->nspare < RT_WRITER_SPARE) {
            list->next = w->spare;
            w->spare = list;
            w->nspare++;
            list = NULL;
        }
        pthread_mutex_unlock(&w->mu);
        free(list);
        list = next;
    }
}

void rt_writer_push(struct rt_writer *w, struct rt_record *r)
{
    struct chunk *fresh = NULL;
    pthread_mutex_lock(&w->mu);
    w->pushed++;
    struct chunk *c = w->tail;
    if (!c || c->n == RT_WRITER_CHUNK) {
        if (w->spare) {
            fresh = w->spare;
            w->spare = fresh->next;
            w->nspare--;
        } else {
            pthread_mutex_unlock(&w->mu);
            fresh = malloc(sizeof *fresh);
            pthread_mutex_lock(&w->mu);
            if (!fresh) {
                w->dropped++;
                pthread_mutex_unlock(&w->mu);
                free(r->body);
                free(r->error_detail);
                r->body = NULL;
                r->error_detail = NULL;
                return;
            }
        }
        fresh->next = NULL;
        fresh->n = 0;
        fresh->arena_used = 0;
        /* The writer may have taken the list meanwhile; only it ever removes chunks. */
        c = w->tail;
        if (c && c->n < RT_WRITER_CHUNK) {
            fresh->next = w->spare;
            w->spare = fresh;
            w->nspare++;
        } else {
            if (c)
                c->next = fresh;
            else
                w->head = fresh;
            w->tail = c = fresh;
            if (++w->queued_chunks == RT_WRITER_KICK)
                pthread_cond_signal(&w->cv);
        }
    }
    c->recs[c->n] = *r;
    keep_answer(c, c->n, r);
    c->n++;
    pthread_mutex_unlock(&w->mu);
    r->body = NULL;
    r->error_detail = NULL;
}

int64_t rt_writer_committed(struct rt_writer *w)
{
    return atomic_load(&w->committed);
}

int rt_writer_failed(struct rt_writer *w)
{
    return atomic_load(&w->broken);
}

/* The storage failed for good (the first error is already set): say so once. */
static void break_down(struct rt_writer *w)
{
    if (atomic_exchange(&w->broken, 1))
        return;
    if (w->on_fail)
        w->on_fail(w->fail_ctx, w->err);
}

/* Break down when the database file was removed (its link count is 0). */
static void check_linked(struct rt_writer *w, const char *path)
{
    struct stat st;
    if (w->file_fd < 0 || atomic_load(&w->broken) || fstat(w->file_fd, &st) != 0 ||
        st.st_nlink > 0)
        return;
    first_error(w, "the database file %s was removed during the run", path);
    break_down(w);
}

/*
 * Write w->pending in one transaction.  Returns 0 when the batch is done (committed, or
 * failed for good and counted), 1 when the database was busy and the batch must be retried.
 * Each chunk goes to the store whole; a full chunk is a whole number of the store's
 * multi-row groups, so only a partly filled chunk's tail is inserted row by row.
 */
static int write_pending(struct rt_writer *w)
{
    char e[256] = "";
    int64_t n = 0, ok = 0;
    for (struct chunk *c = w->pending; c; c = c->next)
        n += c->n;
    if (atomic_load(&w->broken)) {
        w->failed += n;
        goto done;
    }
    int rc = rt_store_insert_begin(w->db, e, sizeof e);
    if (rc == -RT_STORE_EBUSY)
        return 1;
    if (rc != 0) {
        first_error(w, "%s", e);
        w->failed += n;
        break_down(w);
        goto done;
    }
    for (struct chunk *c = w->pending; c; c = c->next) {
        e[0] = '\0';
        int64_t got = rt_store_insert_rows(w->db, c->recs, (size_t)c->n, e, sizeof e);
        if (e[0])
            first_error(w, "%s", e);   /* a skipped row, or the end of the transaction */
        if (got < 0) {
            w->failed += n;
            break_down(w);
            goto done;
        }
        ok += got;
    }
    if (rt_store_insert_commit(w->db, e, sizeof e) != 0) {
        first_error(w, "%s", e);
        w->failed += n;
        break_down(w);
        goto done;
    }
    w->failed += n - ok;
    atomic_fetch_add(&w->committed, ok);
done:
    for (struct chunk *c = w->pending; c; c = c->next)
        free_bodies(c);
    recycle(w, w->pending);
    w->pending = NULL;
    return 0;
}

static void deadline_ts(struct timespec *ts, int64_t interval_us)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    int64_t ns = ts->tv_nsec + (interval_us % 1000000) * 1000;
    ts->tv_sec += (time_t)(interval_us / 1000000 + ns / 1000000000);
    ts->tv_nsec = (long)(ns % 1000000000);
}

static void *writer_main(void *arg)
{
    prctl(PR_SET_NAME, "rt-writer");   /* top -H, perf --comm */
    struct rt_writer *w = arg;
    int64_t stop_at_us = 0;   /* when finishing: the time we give up on a locked database */
    /*
     * The disk thread yields the CPU to the send loop: on Linux the nice value is per thread,
     * so this lowers only this thread.  Without it, each batched commit (every 200 ms) could
     * preempt the sender on a busy 2-core machine and delay sends by a millisecond or more.
     */
    (void)setpriority(PRIO_PROCESS, 0, 10);
    for (;;) {
        struct timespec ts;
        deadline_ts(&ts, w->interval_us);
        pthread_mutex_lock(&w->mu);
        while (!w->stop && w->queued_chunks < RT_WRITER_KICK) {
            if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) == ETIMEDOUT)
                break;
        }
        struct chunk *got = w->head;
        w->head = w->tail = NULL;
        w->queued_chunks = 0;
        int stopping = w->stop;
        pthread_mutex_unlock(&w->mu);

        check_linked(w, w->path);
        if (got) {
            digest(w->memo, got);
            struct chunk **end = &w->pending;
            while (*end)
                end = &(*end)->next;
            *end = got;
        }
        if (w->pending && write_pending(w) == 1 && stopping) {
            if (!stop_at_us)
                stop_at_us = rt_mono_us() + RT_WRITER_GIVE_UP_US;
            if (rt_mono_us() >= stop_at_us) {
                int64_t n = 0;
                for (struct chunk *c = w->pending; c; c = c->next) {
                    n += c->n;
                    free_bodies(c);
                }
                first_error(w, "cannot write requests: database is locked");
                w->failed += n;
                recycle(w, w->pending);
                w->pending = NULL;
            }
        }
        if (stopping && !w->pending) {
            pthread_mutex_lock(&w->mu);
            int empty = w->head == NULL;
            pthread_mutex_unlock(&w->mu);
            if (empty)
                break;
        }
    }
    return NULL;
}

static void free_list(struct chunk *c)
{
    while (c) {
        struct chunk *next = c->next;
        free_bodies(c);
        free(c);
        c = next;
    }
}

static void writer_free(struct rt_writer *w)
{
    if (!w)
        return;
    rt_store_close(w->db);
    if (w->file_fd >= 0)
        close(w->file_fd);
    free(w->path);
    rt_answer_memo_free(w->memo);
    free_list(w->head);
    free_list(w->pending);
    while (w->spare) {
        struct chunk *next = w->spare->next;
        free(w->spare);
        w->spare = next;
    }
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

int rt_writer_start(const char *db_path, int64_t run_id, int64_t commit_interval_us,
                    rt_writer_fail_fn on_fail, void *fail_ctx,
                    struct rt_writer **out, char *err, size_t errlen)
{
    *out = NULL;
    struct rt_writer *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&w->mu, NULL);
    atomic_init(&w->committed, 0);
    w->interval_us = commit_interval_us > 0 ? commit_interval_us : 200000;
    w->on_fail = on_fail;
    w->fail_ctx = fail_ctx;
    atomic_init(&w->broken, 0);
    w->file_fd = -1;
    w->memo = rt_answer_memo_new();     /* NULL: every answer parsed */
    if (!(w->path = strdup(db_path))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }

    if (rt_store_open(db_path, RT_STORE_READWRITE, &w->db, err, errlen) != 0 ||
        rt_store_insert_prepare(w->db, run_id, err, errlen) != 0)
        goto fail;
    w->file_fd = open(db_path, O_RDONLY | O_CLOEXEC);   /* -1: no removal check */

    /* The thread takes no signals: SIGINT/SIGTERM belong to the send loop.  A fault of its
       own (SIGBUS: SQLite's memory-mapped -shm file made unwritable) stays deliverable, so
       the process's handler words it instead of the kernel killing us blocked. */
    sigset_t all, old;
    sigfillset(&all);
    sigdelset(&all, SIGBUS);
    sigdelset(&all, SIGSEGV);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int prc = pthread_create(&w->thread, NULL, writer_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (prc != 0) {
        snprintf(err, errlen, "cannot start the writer thread: %s", strerror(prc));
        goto fail;
    }
    *out = w;
    return 0;
fail:
    writer_free(w);
    return -1;
}

int rt_writer_finish(struct rt_writer *w, char *err, size_t errlen)
{
    if (!w)
        return 0;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    int rc = 0;
    if (w->dropped && !w->err_set)
        first_error(w, "%lld requests were not recorded: out of memory",
                    (long long)w->dropped);
    /* Every pushed record is a committed row, or counted as failed or dropped (and reported
       above); a difference would be rows lost without a word. */
    int64_t committed = atomic_load(&w->committed);
    if (committed + w->failed + w->dropped != w->pushed && !w->err_set)
        first_error(w, "internal error: %lld requests were queued but %lld rows were written",
                    (long long)w->pushed, (long long)committed);
    if (w->err_set || w->failed || w->dropped) {
        if (err && errlen) {
            if (w->failed && w->failed + w->dropped > 0)
                snprintf(err, errlen, "%s (%lld requests not recorded)", w->err,
                         (long long)(w->failed + w->dropped));
            else
                snprintf(err, errlen, "%s", w->err);
        }
        rc = -1;
    }
    writer_free(w);
    return rc;
}
