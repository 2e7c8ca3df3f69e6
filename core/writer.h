/*
 * writer.h - the disk thread: records go through a queue to a thread that inserts them in
 * batched transactions, committing at least once a second (redis's bio, in spirit).
 *
 * rt_writer_push never touches SQLite and never waits for the disk: the queue is a list of
 * fixed-size chunks, so a slow disk costs memory, not send-loop time.  The push side is meant
 * for one producer thread (the send loop).
 */
#ifndef RT_WRITER_H
#define RT_WRITER_H

#include "core/record.h"

struct rt_writer;

/*
 * Start the writer thread on its own connection to the database at db_path (opened
 * READWRITE; the file must already hold run_id).  commit_interval_us <= 0 means 200 ms.
 * Returns 0 and *out, or -1 with err filled.
 */
int rt_writer_start(const char *db_path, int64_t run_id, int64_t commit_interval_us,
                    struct rt_writer **out, char *err, size_t errlen);
/* Queue a copy of *r; takes ownership of r->body (sets it to NULL) and copies the raw
   r->answer, which the writer thread parses and (answer_keep) compresses.  Never blocks on
   disk. */
void rt_writer_push(struct rt_writer *w, struct rt_record *r);
/* Records committed so far (for progress); thread-safe. */
int64_t rt_writer_committed(struct rt_writer *w);
/*
 * Flush everything queued, commit, stop and join the thread, free w.  Returns 0, or -1 when
 * some write failed (the first SQLite error is in err).
 */
int rt_writer_finish(struct rt_writer *w, char *err, size_t errlen);

#endif
