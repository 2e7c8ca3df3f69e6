/*
 * fds.h - room for many open descriptors, made before any thread starts: the soft limit
 * raised, and the kernel's descriptor table grown to its size up front.
 */
#ifndef RT_FDS_H
#define RT_FDS_H

/* Raise the soft limit on open descriptors (RLIMIT_NOFILE) to the hard one. */
void rt_raise_nofile(void);

/*
 * Grow this process's descriptor table so that descriptors up to n - 1 (at most the soft
 * limit) need no growth later.  Call it while the process has one thread: see fds.c.
 */
void rt_reserve_fds(long n);

#endif
