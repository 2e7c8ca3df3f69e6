/*
 * uuid.c - version-4 UUIDs from the kernel's random source.
 *
 * getrandom(2) first: no descriptor and no /dev needed (a chroot or a minimal container has
 * neither), and 16 bytes never come back short once the pool is initialised.  A kernel
 * without it (ENOSYS, before Linux 3.17) is served from /dev/urandom, one read per uuid:
 * runs are created a few times per process, so there is no point keeping a descriptor open.
 * If neither works, the bytes come from the clocks, the pid and a counter mixed through
 * splitmix64: uniqueness, not secrecy, is what a run id needs, and rt_uuid_v4 never fails.
 */
#include "core/uuid.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/rng.h"

static int read_getrandom(unsigned char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = getrandom(buf + got, len - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

static int read_urandom(unsigned char *buf, size_t len)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return -1;
        }
        got += (size_t)n;
    }
    close(fd);
    return 0;
}

/* The last resort: distinct per call and per process, not unpredictable. */
static void mix_fallback(unsigned char *buf, size_t len)
{
    static uint64_t counter;
    struct rt_rng r;
    rt_rng_seed(&r, (uint64_t)rt_wall_us() ^ ((uint64_t)rt_mono_us() << 20) ^
                    ((uint64_t)getpid() << 40) ^ ++counter);
    for (size_t i = 0; i < len; i += 8) {
        uint64_t v = rt_rng_next(&r);
        for (size_t k = 0; k < 8 && i + k < len; k++)
            buf[i + k] = (unsigned char)(v >> (8 * k));
    }
}

char *rt_uuid_v4(char out[37])
{
    unsigned char b[16];
    if (read_getrandom(b, sizeof b) != 0 && read_urandom(b, sizeof b) != 0)
        mix_fallback(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);   /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);   /* variant 10xx */
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
             b[12], b[13], b[14], b[15]);
    return out;
}
