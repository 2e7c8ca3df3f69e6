/*
 * proxy.h - capture's recording proxy: `revtrace capture UPSTREAM --listen ADDR:PORT`.
 * Every request a client sends to ADDR:PORT is forwarded to UPSTREAM's origin through the
 * engine and recorded as a row of a run of kind 'proxy' (see proxy.c and docs/capture.md).
 */
#ifndef RT_PROXY_H
#define RT_PROXY_H

#include <jansson.h>
#include <stdint.h>

#include "tool/listen.h"
#include "tool/runopts.h"

struct rt_proxy_opts {
    struct rt_listen_addr listen;   /* port 0: a free one (see port_file) */
    const char *port_file;      /* NULL, or where the bound port is written */
    int64_t duration_us;        /* 0: until interrupted */
    int64_t requests;           /* 0: no limit */
};

/*
 * Listen, record until --requests, --duration or a signal, then stop.  run->http.url is
 * UPSTREAM; config holds the command's own options (borrowed; the proxy's are added).
 * Returns the exit status: 0, 2, 3, 130 or 143.
 */
int rt_proxy_run(struct rt_run_opts *run, const struct rt_proxy_opts *o, json_t *config);

#endif
