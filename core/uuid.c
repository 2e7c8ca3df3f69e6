/*
 * uuid.c - version-4 UUIDs from /dev/urandom.
 *
 * One read of 16 bytes per uuid: runs are created a few times per process, so there is no
 * point keeping a descriptor open.  If the device is unavailable (a chroot without /dev), we
 * use sqlite3_randomness, which SQLite seeds from the OS once; uniqueness, not secrecy, is
 * what a run id needs.
 */
#include "core/uuid.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <unistd.h>

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

char *rt_uuid_v4(char out[37])
{
    unsigned char b[16];
    if (read_urandom(b, sizeof b) != 0)
        sqlite3_randomness((int)sizeof b, b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);   /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);   /* variant 10xx */
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
             b[12], b[13], b[14], b[15]);
    return out;
}
