/*
 * mhdloop.h - a libmicrohttpd daemon driven by a thread of our own (see mhdloop.c for the
 * libmicrohttpd 0.9.75 epoll bug this works around).  Used by emulate (--threads 1) and by
 * capture's recording proxy.
 */
#ifndef RT_MHDLOOP_H
#define RT_MHDLOOP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include <microhttpd.h>

struct rt_mhd_loop {
    struct MHD_Daemon *daemon;      /* borrowed; started with MHD_USE_EPOLL and no thread */
    int wake[2];                    /* non-blocking pipe; a byte wakes the loop */
    atomic_int stop;
    pthread_t thread;
    int started;
};

/* Nothing open yet: rt_mhd_loop_wake and rt_mhd_loop_stop are then no-ops. */
void rt_mhd_loop_init(struct rt_mhd_loop *l);
/* The wake-up pipe (before any thread that may wake the loop starts).  0, or -1 (errno). */
int rt_mhd_loop_open(struct rt_mhd_loop *l);
/* The loop thread around d (after rt_mhd_loop_open).  0, or -1. */
int rt_mhd_loop_start(struct rt_mhd_loop *l, struct MHD_Daemon *d);
/* Make the loop call MHD_run soon: after MHD_resume_connection from another thread (MHD has
   no wake-up of its own without an internal thread).  Any thread; async-signal-safe. */
void rt_mhd_loop_wake(struct rt_mhd_loop *l);
/* End and join the thread, close the pipe.  The daemon is the caller's to stop after. */
void rt_mhd_loop_stop(struct rt_mhd_loop *l);

#endif
