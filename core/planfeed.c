/*
 * planfeed.c - the plan loader thread (see planfeed.h): a fixed pool of chunks goes round
 * free -> filled by the loader -> queued -> read by the consumer -> free.
 *
 * The pool is allocated once, in rt_planfeed_start, so the memory is bounded and nothing is
 * allocated while items flow; the read-ahead bound follows from the pool's size.  The loader
 * fills a chunk without the lock and takes the lock only to queue it and to take the next
 * free one; the consumer takes the lock only to give back the chunk it has read and take the
 * next, so both sides pay one lock per RT_PLANFEED_CHUNK items.
 *
 * A chunk is normally queued when full, but a consumer that finds the queue empty must not
 * wait for 1,024 items it does not need yet (a slow source, or the first item of the run): it
 * raises `hungry` before it sleeps, and the loader, which looks at that flag after each item
 * (a relaxed atomic load, no lock), queues its chunk at once, partly filled.  Queuing clears
 * the flag, since the consumer then has something to read, so later chunks fill up again.
 * `stop` is read the same way before each call to the source, which is how rt_planfeed_stop
 * interrupts a source mid-way.
 *
 * The source's end or error is recorded, with its message, in the same locked step that
 * queues the last chunk, and the consumer looks at it only when the queue is empty: the
 * items before an error are always delivered first.
 *
 * The loader runs at the default priority, unlike the writer thread (nice 10): the send
 * thread waits for it when it falls behind, so yielding to the send thread would only move
 * the wait.
 */
#include "core/planfeed.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

struct chunk {
    struct chunk *next;             /* in the queue or the free list */
    size_t n;                       /* items filled */
    struct rt_plan_item items[RT_PLANFEED_CHUNK];
};

struct rt_planfeed {
    /* Set by rt_planfeed_start, read-only afterwards: */
    rt_plan_next_fn next;
    void *ctx;                      /* borrowed: the source, touched by the loader only */
    struct chunk *pool;             /* owned: every chunk, one allocation */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t ready;           /* consumer waits: a chunk queued, or the end */
    pthread_cond_t room;            /* loader waits: a chunk free, or stop */

    /* Guarded by mu: */
    struct chunk *head, *tail;      /* queued chunks, oldest first (never empty ones) */
    struct chunk *free;             /* chunks nobody holds */
    int ended;                      /* the loader is done: nothing follows the queue */
    int end_rc;                     /* then 0 (the source ended) or -1 (its error) */
    char end_err[512];              /* the source's message when end_rc is -1 */

    /* Read without the lock (hints; the data itself passes under mu): */
    atomic_int stop;                /* rt_planfeed_stop was called */
    atomic_int hungry;              /* the consumer waits on an empty queue */

    /* Consumer only: */
    struct chunk *cur;              /* the chunk being read, or NULL */
    size_t pos;                     /* the next item of cur */
};

/* Loader: wait for a free chunk.  NULL when stop is set. */
static struct chunk *take_free(struct rt_planfeed *f)
{
    struct chunk *c = NULL;
    pthread_mutex_lock(&f->mu);
    while (!f->free && !atomic_load(&f->stop))
        pthread_cond_wait(&f->room, &f->mu);
    if (!atomic_load(&f->stop)) {
        c = f->free;
        f->free = c->next;
    }
    pthread_mutex_unlock(&f->mu);
    return c;
}

/*
 * Loader: fill c from the source.  1 when the source may have more (c is full, the consumer
 * is hungry or stop is set), 0 when it ended, -1 on its error (message in err).
 */
static int fill(struct rt_planfeed *f, struct chunk *c, char *err, size_t errlen)
{
    c->n = 0;
    while (c->n < RT_PLANFEED_CHUNK) {
        if (atomic_load_explicit(&f->stop, memory_order_relaxed))
            return 1;
        c->items[c->n].req = NULL;
        int rc = f->next(f->ctx, &c->items[c->n], err, errlen);
        if (rc <= 0)
            return rc < 0 ? -1 : 0;
        c->n++;
        if (atomic_load_explicit(&f->hungry, memory_order_relaxed))
            break;
    }
    return 1;
}

/* Loader: queue c (or free it when empty); rc 0 or -1 also ends the stream there. */
static void publish(struct rt_planfeed *f, struct chunk *c, int rc, const char *err)
{
    pthread_mutex_lock(&f->mu);
    if (c->n > 0) {
        c->next = NULL;
        if (f->tail)
            f->tail->next = c;
        else
            f->head = c;
        f->tail = c;
        atomic_store_explicit(&f->hungry, 0, memory_order_relaxed);
    } else {
        c->next = f->free;
        f->free = c;
    }
    if (rc != 1) {
        f->ended = 1;
        f->end_rc = rc;
        if (rc < 0)
            snprintf(f->end_err, sizeof f->end_err, "%s", err);
    }
    pthread_cond_signal(&f->ready);
    pthread_mutex_unlock(&f->mu);
}

static void *loader_main(void *arg)
{
    prctl(PR_SET_NAME, "rt-plan");   /* top -H, perf --comm */
    struct rt_planfeed *f = arg;
    char err[sizeof f->end_err];
    int rc = 1;
    while (rc == 1) {
        struct chunk *c = take_free(f);
        if (!c)
            break;
        err[0] = '\0';
        rc = fill(f, c, err, sizeof err);
        publish(f, c, rc, err);
    }
    return NULL;
}

int rt_planfeed_start(rt_plan_next_fn next, void *ctx, size_t capacity,
                      struct rt_planfeed **out, char *err, size_t errlen)
{
    *out = NULL;
    size_t n_chunks = capacity / RT_PLANFEED_CHUNK + (capacity % RT_PLANFEED_CHUNK != 0);
    if (n_chunks < 2)
        n_chunks = 2;
    struct rt_planfeed *f = calloc(1, sizeof *f);
    struct chunk *pool = f ? calloc(n_chunks, sizeof *pool) : NULL;
    if (!pool) {
        free(f);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    f->next = next;
    f->ctx = ctx;
    f->pool = pool;
    for (size_t i = 0; i < n_chunks; i++)
        pool[i].next = i + 1 < n_chunks ? &pool[i + 1] : NULL;
    f->free = pool;
    atomic_init(&f->stop, 0);
    atomic_init(&f->hungry, 0);
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->ready, NULL);
    pthread_cond_init(&f->room, NULL);
    /* Signals go to the threads that handle them, never to the loader; only a fault of its
       own (SIGBUS on SQLite's mapped -shm file) stays deliverable, or the kernel would kill
       the process without the handler's word. */
    sigset_t all, old;
    sigfillset(&all);
    sigdelset(&all, SIGBUS);
    sigdelset(&all, SIGSEGV);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int prc = pthread_create(&f->thread, NULL, loader_main, f);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (prc != 0) {
        snprintf(err, errlen, "cannot start the plan loader thread: %s", strerror(prc));
        pthread_cond_destroy(&f->room);
        pthread_cond_destroy(&f->ready);
        pthread_mutex_destroy(&f->mu);
        free(pool);
        free(f);
        return -1;
    }
    *out = f;
    return 0;
}

/* Consumer: give back the chunk read, take the next one (waiting only on an empty queue). */
static int next_chunk(struct rt_planfeed *f, struct rt_plan_item *it, char *err,
                      size_t errlen)
{
    pthread_mutex_lock(&f->mu);
    if (f->cur) {
        f->cur->next = f->free;
        f->free = f->cur;
        f->cur = NULL;
        pthread_cond_signal(&f->room);
    }
    if (!f->head && !f->ended) {
        atomic_store_explicit(&f->hungry, 1, memory_order_relaxed);
        while (!f->head && !f->ended)
            pthread_cond_wait(&f->ready, &f->mu);
        atomic_store_explicit(&f->hungry, 0, memory_order_relaxed);
    }
    struct chunk *c = f->head;
    int rc = 1;
    if (c) {
        f->head = c->next;
        if (!f->head)
            f->tail = NULL;
    } else {
        rc = f->end_rc;
        if (rc < 0 && err && errlen)
            snprintf(err, errlen, "%s", f->end_err);
    }
    pthread_mutex_unlock(&f->mu);
    if (!c)
        return rc;
    f->cur = c;
    f->pos = 1;
    *it = c->items[0];
    return 1;
}

int rt_planfeed_next(void *feed, struct rt_plan_item *it, char *err, size_t errlen)
{
    struct rt_planfeed *f = feed;
    if (f->cur && f->pos < f->cur->n) {
        *it = f->cur->items[f->pos++];
        return 1;
    }
    return next_chunk(f, it, err, errlen);
}

void rt_planfeed_stop(struct rt_planfeed *f)
{
    if (!f)
        return;
    atomic_store(&f->stop, 1);
    pthread_mutex_lock(&f->mu);
    pthread_cond_broadcast(&f->room);
    pthread_mutex_unlock(&f->mu);
    pthread_join(f->thread, NULL);
    pthread_cond_destroy(&f->room);
    pthread_cond_destroy(&f->ready);
    pthread_mutex_destroy(&f->mu);
    free(f->pool);
    free(f);
}
