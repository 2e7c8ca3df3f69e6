/*
 * fds.c - see fds.h.
 *
 * Why reserve: the kernel keeps a process's open descriptors in a table that starts with 64
 * entries and doubles when a new descriptor does not fit; when the process has more than one
 * thread, that growth waits for an RCU grace period (expand_files -> synchronize_rcu), in
 * whichever thread opened the descriptor: `perf sched timehist` showed the send loop blocked
 * in synchronize_rcu <- expand_files <- alloc_fd when the connection pool of a 20,000/s run
 * on a 2-vCPU guest grew past 64 sockets; the runs where it was caught had loop stalls of
 * 16-63 ms (the grace period itself was not timed).
 * A table grown once at start, while there is a single thread, costs no grace period
 * (nothing else can be reading it) and never shrinks.
 */
#include "tool/fds.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

void rt_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

void rt_reserve_fds(long n)
{
    struct rlimit rl;
    if (n <= 64 || getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)n > rl.rlim_cur)
        n = (long)rl.rlim_cur;
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    /* The lowest free descriptor from n - 1 up: the table now covers it. */
    int high = fcntl(fd, F_DUPFD_CLOEXEC, (int)(n - 1));
    if (high >= 0)
        close(high);
    close(fd);
}
