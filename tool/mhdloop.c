/*
 * mhdloop.c - see mhdloop.h.
 *
 * Why our own loop: libmicrohttpd 0.9.75's internal epoll thread drains epoll in batches of
 * 128 and, when a batch is full, calls epoll_wait again with the connection timeout (120 s)
 * while the connections it already collected are still waiting to be processed; with
 * edge-triggered epoll and every client waiting for an answer nothing new arrives, so 256
 * (384, ...) simultaneously ready keep-alive connections stall until a client gives up
 * (measured: 128, 128, then a 1.9 s epoll_wait with timeout 119988 ms).  MHD_run() processes
 * with a zero timeout, so this thread waits on MHD's epoll descriptor itself, for
 * MHD_get_timeout() (0 while MHD has ready connections queued), and calls MHD_run().  MHD
 * creates no ITC without an internal thread, so whoever resumes a connection wakes this one
 * through the pipe; stop plus a wake-up ends it.
 */
#include "tool/mhdloop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

void rt_mhd_loop_init(struct rt_mhd_loop *l)
{
    memset(l, 0, sizeof *l);
    l->wake[0] = l->wake[1] = -1;
    atomic_init(&l->stop, 0);
}

int rt_mhd_loop_open(struct rt_mhd_loop *l)
{
    if (pipe(l->wake) != 0) {
        l->wake[0] = l->wake[1] = -1;
        return -1;
    }
    for (int i = 0; i < 2; i++)
        if (fcntl(l->wake[i], F_SETFL, O_NONBLOCK) != 0 ||
            fcntl(l->wake[i], F_SETFD, FD_CLOEXEC) != 0)
            return -1;
    return 0;
}

static void *loop_main(void *arg)
{
    struct rt_mhd_loop *l = arg;
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(l->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    struct pollfd pf[2] = {
        { .fd = di ? di->epoll_fd : -1, .events = POLLIN },
        { .fd = l->wake[0], .events = POLLIN },
    };
    while (!atomic_load(&l->stop)) {
        MHD_UNSIGNED_LONG_LONG to_ms = 0;
        int timeout_ms = -1;
        if (MHD_get_timeout(l->daemon, &to_ms) == MHD_YES)
            timeout_ms = to_ms > 1000 ? 1000 : (int)to_ms;
        int n = poll(pf, 2, timeout_ms);
        if (n < 0 && errno != EINTR)
            break;
        if (n > 0 && pf[1].revents) {
            char buf[256];
            while (read(l->wake[0], buf, sizeof buf) > 0)
                ;
            if (atomic_load(&l->stop))
                break;
        }
        MHD_run(l->daemon);
    }
    return NULL;
}

int rt_mhd_loop_start(struct rt_mhd_loop *l, struct MHD_Daemon *d)
{
    l->daemon = d;
    if (pthread_create(&l->thread, NULL, loop_main, l) != 0)
        return -1;
    l->started = 1;
    return 0;
}

void rt_mhd_loop_wake(struct rt_mhd_loop *l)
{
    if (l->wake[1] < 0)
        return;
    ssize_t w;
    do    /* a full pipe already holds a wake-up: EAGAIN is fine */
        w = write(l->wake[1], "w", 1);
    while (w < 0 && errno == EINTR);
}

void rt_mhd_loop_stop(struct rt_mhd_loop *l)
{
    if (l->started) {
        atomic_store(&l->stop, 1);
        rt_mhd_loop_wake(l);
        pthread_join(l->thread, NULL);
        l->started = 0;
    }
    for (int i = 0; i < 2; i++) {
        if (l->wake[i] >= 0)
            close(l->wake[i]);
        l->wake[i] = -1;
    }
}
