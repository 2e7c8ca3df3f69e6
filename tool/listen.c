/*
 * listen.c - listen addresses and port files (see listen.h).
 *
 * inet_pton does the address parsing; this file only splits "ADDR:PORT" (the last colon
 * for IPv4, the closing bracket for IPv6) and fills the sockaddr.
 */
#include "tool/listen.h"

#include "core/units.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Split arg into the address text (brackets removed) and the port text. */
static int split(const char *arg, char *host, size_t hostcap, const char **port, int *v6,
                 char *err, size_t errlen)
{
    const char *h = arg, *end;
    *v6 = arg[0] == '[';
    if (*v6) {
        h = arg + 1;
        end = strchr(h, ']');
        if (!end || end[1] != ':') {
            snprintf(err, errlen, "want [IPv6]:PORT such as [::1]:8080");
            return -1;
        }
        *port = end + 2;
    } else {
        end = strrchr(arg, ':');
        if (!end) {
            snprintf(err, errlen, "want ADDR:PORT such as 127.0.0.1:8080 or [::1]:8080");
            return -1;
        }
        if (memchr(arg, ':', (size_t)(end - arg))) {
            snprintf(err, errlen, "an IPv6 address goes in brackets, e.g. [::1]:8080");
            return -1;
        }
        *port = end + 1;
    }
    size_t n = (size_t)(end - h);
    if (n == 0 || n >= hostcap) {
        snprintf(err, errlen, "want an address before the port, e.g. 127.0.0.1:8080");
        return -1;
    }
    memcpy(host, h, n);
    host[n] = '\0';
    return 0;
}

int rt_listen_parse(const char *arg, struct rt_listen_addr *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *port_text;
    int v6;
    if (split(arg, out->host, sizeof out->host, &port_text, &v6, err, errlen) != 0)
        return -1;
    int64_t port;
    if (rt_parse_count(port_text, &port) != 0 || port > 65535) {
        snprintf(err, errlen, "want a port from 0 to 65535 after the address (0: any free "
                 "port)");
        return -1;
    }
    out->port = (int)port;
    if (!v6 && strcmp(out->host, "localhost") == 0)
        strcpy(out->host, "127.0.0.1");
    else if (!v6 && strcmp(out->host, "*") == 0)
        strcpy(out->host, "0.0.0.0");
    if (v6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->sa;
        if (inet_pton(AF_INET6, out->host, &s6->sin6_addr) != 1) {
            snprintf(err, errlen, "'%s' is not an IPv6 address (e.g. [::1]:8080)", out->host);
            return -1;
        }
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        out->family = AF_INET6;
        out->sa_len = sizeof *s6;
        return 0;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)&out->sa;
    if (inet_pton(AF_INET, out->host, &s4->sin_addr) != 1) {
        snprintf(err, errlen, "'%s' is not an IPv4 address (names are not resolved; IPv6 "
                 "goes in brackets, e.g. [::1]:8080)", out->host);
        return -1;
    }
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    out->family = AF_INET;
    out->sa_len = sizeof *s4;
    return 0;
}

const char *rt_listen_url(const struct rt_listen_addr *a, int port, char *buf, size_t cap)
{
    if (a->family == AF_INET6)
        snprintf(buf, cap, "http://[%s]:%d", a->host, port);
    else
        snprintf(buf, cap, "http://%s:%d", a->host, port);
    return buf;
}

int rt_listen_write_port_file(const char *path, int port, char *err, size_t errlen)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    int bad = fprintf(f, "%d\n", port) < 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
