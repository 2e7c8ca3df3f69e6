/*
 * listen.h - the listen address of a command that serves (emulate --listen, capture
 * --listen): "ADDR:PORT" parsed once, for IPv4 and IPv6, and the --port-file that tells a
 * script which port was bound when PORT is 0.
 *
 * ADDR is an IPv4 address (127.0.0.1, 0.0.0.0), "localhost" (127.0.0.1), "*" (0.0.0.0), or an
 * IPv6 address in brackets ([::1], [::], [fe80::1%eth0] is refused: no zone IDs).  No host
 * names are resolved: a server binds what it is told.  PORT is 0..65535; 0 lets the kernel
 * pick a free port.  The result is a ready sockaddr for bind(2) or libmicrohttpd's
 * MHD_OPTION_SOCK_ADDR (which wants MHD_USE_IPv6 in its flags when family is AF_INET6).
 */
#ifndef RT_LISTEN_H
#define RT_LISTEN_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

struct rt_listen_addr {
    struct sockaddr_storage sa;     /* a sockaddr_in or sockaddr_in6, port set */
    socklen_t sa_len;
    int family;                     /* AF_INET or AF_INET6 */
    int port;                       /* as given; 0: any free port */
    char host[64];                  /* the address as text, no brackets: "127.0.0.1", "::1" */
};

/*
 * Parse "ADDR:PORT" into *out.  Returns 0, or -1 with a message that says what is expected
 * in err (without the option's name).
 */
int rt_listen_parse(const char *arg, struct rt_listen_addr *out, char *err, size_t errlen);

/*
 * "http://HOST:PORT" for a (bound) port, IPv6 in brackets, into buf (64 bytes are always
 * enough).  Returns buf.
 */
const char *rt_listen_url(const struct rt_listen_addr *a, int port, char *buf, size_t cap);

/*
 * Write "PORT\n" to path atomically (a temporary file renamed over it), so a reader that
 * polls for a non-empty file never sees half a number.  Returns 0, or -1 with err.
 */
int rt_listen_write_port_file(const char *path, int port, char *err, size_t errlen);

#endif
