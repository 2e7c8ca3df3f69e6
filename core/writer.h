/*
 * writer.h - the disk thread: records go through a queue to a thread that inserts them in
 * batched transactions, committing at least once a second (redis's bio, in spirit).
 *
 * rt_writer_push never touches SQLite and never waits for the disk: the queue is a list of
 * fixed-size chunks, so a slow disk costs memory, not send-loop time.  Several producer
 * threads may push at once (a closed loop's send threads): the queue is under one mutex.
 */
#ifndef RT_WRITER_H
#define RT_WRITER_H

#include "core/record.h"

struct rt_writer;

/*
 * Called once, on the writer thread, when the storage fails for good: a batch that could not
 * be written (disk full, I/O error, read-only file: anything but a locked database or one
 * bad row) or the database file removed (the open file's link count dropped to 0, checked
 * every commit interval).  From then on nothing more is written: every record pushed later
 * is counted as not recorded, so the rows on disk stay those committed before the failure.
 * why is the failure's text (valid during the call).  It must be quick and must not call
 * back into the writer.
 */
typedef void (*rt_writer_fail_fn)(void *ctx, const char *why);

/*
 * Start the writer thread on its own connection to the database at db_path (opened
 * READWRITE; the file must already hold run_id).  commit_interval_us <= 0 means 200 ms.
 * on_fail (may be NULL) and its ctx: see above.  Returns 0 and *out, or -1 with err filled.
 */
int rt_writer_start(const char *db_path, int64_t run_id, int64_t commit_interval_us,
                    rt_writer_fail_fn on_fail, void *fail_ctx,
                    struct rt_writer **out, char *err, size_t errlen);
/* 1 once the storage failed for good (see rt_writer_fail_fn); thread-safe. */
int rt_writer_failed(struct rt_writer *w);
/* Queue a copy of *r; takes ownership of r->body and r->error_detail (sets them to NULL) and
   copies the raw r->answer, which the writer thread parses and (answer_keep) compresses.
   Never blocks on disk. */
void rt_writer_push(struct rt_writer *w, struct rt_record *r);
/* Records committed so far (for progress); thread-safe. */
int64_t rt_writer_committed(struct rt_writer *w);
/*
 * Flush everything queued, commit, stop and join the thread, free w.  Returns 0, or -1 when
 * some write failed (the first SQLite error is in err).
 */
int rt_writer_finish(struct rt_writer *w, char *err, size_t errlen);

#endif
