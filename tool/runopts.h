/*
 * runopts.h - the options every load-generating command shares (capture, replay): HTTP,
 * storage, output.  One table, one apply function, one JSON writer, so that capture and
 * replay cannot drift apart.
 *
 * A command puts rt_runopt_table in its rt_cmd_spec tables and forwards option ids in
 * [RT_RUNOPT_FIRST, RT_RUNOPT_LAST) to rt_runopt_apply.
 */
#ifndef RT_RUNOPTS_H
#define RT_RUNOPTS_H

#include <jansson.h>
#include <stddef.h>

#include "tool/cli.h"
#include "core/engine.h"

enum { RT_RUNOPT_FIRST = 100, RT_RUNOPT_LAST = 200 };
/* Descriptors a run needs besides one socket per request out: stdio, two SQLite connections
   with their journals, epoll, curl's own, the input file, and room to spare. */
enum { RT_RUN_FDS = 64 };

struct rt_run_opts {
    struct rt_http_config http;   /* owned */
    char *db_path;                /* owned; default "revtrace.db" */
    char *name;                   /* owned; NULL: default from kind and time */
    int quiet;
    int max_inflight_set;         /* 1: --max-inflight was given (else its default may be
                                     lowered to fit the open-file limit) */
    int progress_tty;             /* -1 auto, 0 plain lines, 1 live line */
    /* Where the settings libcurl also finds in the environment came from (static words,
       filled by rt_runopt_finish): "--cacert", "CURL_CA_BUNDLE", "libcurl default", ... */
    const char *trust_from;
    const char *proxy_from;       /* "--proxy", "https_proxy", ... or NULL: no proxy */
    const char *noproxy_from;     /* "--noproxy", "no_proxy", "NO_PROXY" or NULL */
    int proxy_given;              /* --proxy was given (even empty: no proxy) */
    const char *headers_stdin;    /* -H @FILE read the headers from standard input ("-", or
                                     a name of the stream: /dev/stdin); FILE, borrowed */
};

extern const struct rt_opt rt_runopt_table[];

/*
 * Defaults into *o, which is overwritten (not freed): db "revtrace.db", no name, progress
 * auto, and rt_http_config_init's HTTP defaults.  Returns 0, or -1 when out of memory (o is
 * then freed and zeroed).  Pair with rt_runopt_free.
 */
int rt_runopt_init(struct rt_run_opts *o);
/* Free everything o owns and zero it; NULL, a zeroed or an already freed o are no-ops. */
void rt_runopt_free(struct rt_run_opts *o);
/* Apply one option of rt_runopt_table; 0 or -1 with err. */
int rt_runopt_apply(struct rt_run_opts *o, int id, const char *arg, char *err, size_t errlen);
/*
 * After parsing: take the URL (copied), check the URL scheme and the body template; then, as
 * curl's tool does, take the trust store from CURL_CA_BUNDLE, else SSL_CERT_DIR and
 * SSL_CERT_FILE, when neither --cacert nor --capath was given, and the proxy from the
 * environment libcurl would read (http_proxy for http URLs; https_proxy or HTTPS_PROXY for
 * https; else all_proxy or ALL_PROXY; no_proxy or NO_PROXY) when --proxy was not given, so
 * that what is used is known, said and recorded.
 *
 * Then make room for the sockets: the soft open-file limit (RLIMIT_NOFILE) is raised to the
 * hard one; when --max-inflight plus RT_RUN_FDS still does not fit, a given --max-inflight is
 * refused (err says the limit and `ulimit -n`), the default lowered to fit.
 */
int rt_runopt_finish(struct rt_run_opts *o, const char *url, char *err, size_t errlen);

/* Does path name the stream on standard input: "-", or a name of descriptor 0 (/dev/stdin,
   /dev/fd/0, /proc/self/fd/0) when that is a pipe, terminal or socket?  (A regular file on
   standard input is opened anew by its name, at its start: no conflict.) */
int rt_runopt_is_stdin(const char *path);
/* A command's input file path, given with option opt: -1 with err when it reads standard
   input (rt_runopt_is_stdin) and -H @FILE already read it for the headers; else 0. */
int rt_runopt_stdin_free(const struct rt_run_opts *o, const char *opt, const char *path,
                         char *err, size_t errlen);
/* One line saying the proxy in use (credentials redacted) into buf, or "" without one. */
void rt_runopt_proxy_line(const struct rt_run_opts *o, char *buf, size_t len);
/*
 * Add every shared option to obj (url, deadline_us, headers, ...).  Header values whose name
 * is Authorization, Proxy-Authorization, Cookie, or contains token/key/secret/auth/password
 * (case-insensitive) are replaced by "REDACTED"; user:password in the URL likewise.
 */
void rt_runopt_to_json(const struct rt_run_opts *o, json_t *obj);
/* Is this header name a secret?  (Exposed for tests.) */
int rt_header_is_secret(const char *name, size_t len);
/* A copy of url with any user:password replaced by REDACTED; caller frees. */
char *rt_url_redact(const char *url);

#endif
