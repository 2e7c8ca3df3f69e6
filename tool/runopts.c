/*
 * runopts.c - the options capture and replay share (HTTP, storage, output): the table that
 * feeds getopt_long and --help, their parsing, the checks after parsing, and the JSON that
 * goes into runs.config_json with secrets redacted.
 *
 * Redaction is mostly by header name: a header whose name says it carries a credential
 * (Authorization, Cookie, anything with token/key/secret/auth/password/cookie/session/
 * bearer/signature/jwt/credential in it), or whose value starts with an authentication
 * scheme (Bearer, Basic, Token, ...), is stored as "Name: REDACTED"; the URL loses its
 * user:password and the values of query parameters with such names (and sig=).  A false
 * positive costs a little information in the record; a false negative leaks a credential
 * into a file people attach to tickets.  Every URL we print goes through the same redaction.
 *
 * -H @FILE (curl's form; @- is stdin) reads the headers from a file, one per line, so a
 * token never appears in the command line (/proc/PID/cmdline is readable by every user).
 */
#include "tool/runopts.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/resource.h>

#include "core/units.h"
#include "tool/fds.h"

enum {
    OPT_DEADLINE = RT_RUNOPT_FIRST,
    OPT_MAX_INFLIGHT,
    OPT_HEADER,
    OPT_HOST,
    OPT_BODY,
    OPT_INSECURE,
    OPT_HTTP2,
    OPT_KEEP_BODIES,
    OPT_MAX_BODY,
    OPT_DB,
    OPT_NAME,
    OPT_QUIET,
    OPT_PROGRESS,
    OPT_CACERT,
    OPT_CAPATH,
    OPT_CERT,
    OPT_KEY,
    OPT_PROXY,
    OPT_NOPROXY,
    OPT_TIMING,
};

const struct rt_opt rt_runopt_table[] = {
    { "deadline", 0, "D", OPT_DEADLINE,
      "per-request deadline; later answers are cut, error 'deadline' (default 5s)" },
    { "max-inflight", 0, "N", OPT_MAX_INFLIGHT,
      "at most N requests outstanding (the ceiling of a pool sized from the server's answers); "
      "later sends wait (default 1024)" },
    { "header", 'H', "'NAME: VALUE'|@FILE", OPT_HEADER, "add a request header (repeatable); @FILE reads one header per line from FILE (@- from stdin), keeping secrets out of the command line; secret values (Authorization, tokens, keys) are never stored or printed" },
    { "host", 0, "NAME", OPT_HOST, "override the Host header (the URL still picks the address)" },
    { "body", 0, "TEMPLATE", OPT_BODY,
      "request body, one %d for the rev ID (default '{\"rev_id\": %d}')" },
    { "insecure", 0, NULL, OPT_INSECURE, "do not verify the server's TLS certificate" },
    { "cacert", 0, "FILE", OPT_CACERT, "trust the CA certificates in FILE (PEM) instead of the system's; default from CURL_CA_BUNDLE or SSL_CERT_FILE as curl does" },
    { "capath", 0, "DIR", OPT_CAPATH, "trust the CA certificates in DIR (hashed names, c_rehash); default from SSL_CERT_DIR" },
    { "cert", 0, "FILE", OPT_CERT, "client certificate (PEM) to present to the server" },
    { "key", 0, "FILE", OPT_KEY, "the client certificate's private key (PEM; default: in --cert's file)" },
    { "proxy", 0, "URL", OPT_PROXY, "send through this proxy ('' for none); default from http_proxy / https_proxy / all_proxy as libcurl does, said at start" },
    { "noproxy", 0, "LIST", OPT_NOPROXY, "comma-separated hosts not to proxy ('*': none); default from no_proxy" },
    { "http2", 0, NULL, OPT_HTTP2, "use HTTP/2 when the server offers it (ALPN, h2c not tried)" },
    { "keep-bodies", 0, "all|errors|none", OPT_KEEP_BODIES,
      "store answers (zlib-compressed): all, only non-2xx/errors (default), none" },
    { "max-body", 0, "SIZE", OPT_MAX_BODY,
      "answers longer than SIZE are cut, error 'too_large' (default 1M)" },
    { "db", 0, "FILE", OPT_DB, "the database to record into (default revtrace.db)" },
    { "name", 0, "NAME", OPT_NAME, "the run's name (default KIND-YYYYMMDDTHHMMSSZ)" },
    { "quiet", 'q', NULL, OPT_QUIET, "no progress and no summary line, only errors" },
    { "progress", 0, "auto|live|plain", OPT_PROGRESS,
      "progress display: a live line on a terminal, lines every 10s otherwise (default auto)" },
    { "timing", 0, "sleep|precise", OPT_TIMING,
      "sleep: wait for each send asleep (default, a core only when the rate needs it); "
      "precise: busy-poll the last 2 ms before each send (a core from ~500/s, fewer late "
      "wakeups)" },
    { NULL, 0, NULL, 0, NULL },
};

int rt_runopt_init(struct rt_run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->progress_tty = -1;
    o->db_path = strdup("revtrace.db");
    if (!o->db_path || rt_http_config_init(&o->http) != 0) {
        rt_runopt_free(o);
        return -1;
    }
    return 0;
}

void rt_runopt_free(struct rt_run_opts *o)
{
    if (!o)
        return;
    rt_http_config_free(&o->http);
    free(o->db_path);
    free(o->name);
    memset(o, 0, sizeof *o);
}

static int replace(char **dst, const char *src, char *err, size_t errlen)
{
    char *c = strdup(src);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    free(*dst);
    *dst = c;
    return 0;
}

/* A header "Name: value": a token name, a colon, no CR/LF anywhere. */
static int check_header(const char *h, char *err, size_t errlen)
{
    const char *colon = strchr(h, ':');
    if (!colon || colon == h) {
        snprintf(err, errlen, "a header is 'Name: value' (e.g. -H 'X-Client: dashboard'; a secret one goes in a file: -H @FILE)");
        return -1;
    }
    for (const char *p = h; p < colon; p++) {
        if (!isgraph((unsigned char)*p) || strchr("()<>@,;\\\"/[]?={}", *p)) {
            snprintf(err, errlen, "the header name '%.*s' has a character not allowed in a "
                     "header name", (int)(colon - h), h);
            return -1;
        }
    }
    if (strpbrk(h, "\r\n")) {
        snprintf(err, errlen, "a header must be one line (no CR or LF)");
        return -1;
    }
    return 0;
}

/* Append a copy of the checked header h to the request headers. */
static int add_header(struct rt_http_config *h, const char *arg, char *err, size_t errlen)
{
    if (check_header(arg, err, errlen) != 0)
        return -1;
    char **n = realloc(h->headers, (h->n_headers + 1) * sizeof *n);
    if (!n)
        return rt_opt_fail(err, errlen, "out of memory");
    h->headers = n;
    if (!(n[h->n_headers] = strdup(arg)))
        return rt_opt_fail(err, errlen, "out of memory");
    h->n_headers++;
    return 0;
}

#define RT_HEADER_LINE_MAX 65536

/* One line of a header file, CR/LF stripped: added unless blank.  0, or -1 with err naming
   where (never the line itself: it may hold a secret). */
static int add_header_line(struct rt_http_config *h, char *line, const char *name, long n,
                           char *err, size_t errlen)
{
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    if (strspn(line, " \t") == len)
        return 0;
    char why[200];
    if (add_header(h, line, why, sizeof why) == 0)
        return 0;
    return rt_opt_fail(err, errlen, "%s:%ld: %s", name, n, why);
}

/* -H @FILE: every non-blank line of FILE ("-": stdin) is a header. */
static int add_header_file(struct rt_http_config *h, const char *path, char *err,
                           size_t errlen)
{
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "(stdin)" : path;
    FILE *fp = is_stdin ? stdin : fopen(path, "r");
    if (!fp)
        return rt_opt_fail(err, errlen, "cannot read headers from %s: %s", path,
                           strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    long n = 0;
    int rc = 0;
    while (rc == 0 && (got = getline(&line, &cap, fp)) >= 0) {
        n++;
        if ((size_t)got != strlen(line))
            rc = rt_opt_fail(err, errlen, "%s:%ld: a NUL byte in a header line", name, n);
        else if (got > RT_HEADER_LINE_MAX)
            rc = rt_opt_fail(err, errlen, "%s:%ld: a header line over 64 KiB", name, n);
        else
            rc = add_header_line(h, line, name, n, err, errlen);
    }
    if (rc == 0 && ferror(fp))
        rc = rt_opt_fail(err, errlen, "cannot read headers from %s: %s", name,
                         strerror(errno));
    free(line);
    if (!is_stdin)
        fclose(fp);
    return rc;
}

/* --cacert, --capath, --cert, --key: a file (a directory for --capath) that exists now. */
static int tls_file(struct rt_run_opts *o, int id, const char *arg, char *err, size_t errlen)
{
    struct rt_http_config *h = &o->http;
    struct stat st;
    int want_dir = id == OPT_CAPATH;
    if (!*arg || stat(arg, &st) != 0)
        return rt_opt_fail(err, errlen, "cannot use '%s': %s", arg,
                           *arg ? strerror(errno) : "give a path");
    if (want_dir ? !S_ISDIR(st.st_mode) : S_ISDIR(st.st_mode))
        return rt_opt_fail(err, errlen, "'%s' is not a %s", arg, want_dir ? "directory"
                                                                           : "file");
    char **dst = id == OPT_CACERT ? &h->ca_file : id == OPT_CAPATH ? &h->ca_path
               : id == OPT_CERT ? &h->client_cert : &h->client_key;
    if (id == OPT_CACERT || id == OPT_CAPATH)
        o->trust_from = id == OPT_CACERT ? "--cacert" : "--capath";
    return replace(dst, arg, err, errlen);
}

int rt_runopt_apply(struct rt_run_opts *o, int id, const char *arg, char *err, size_t errlen)
{
    static const struct rt_opt_word keep[] = {
        { "all", RT_KEEP_ALL }, { "errors", RT_KEEP_ERRORS }, { "none", RT_KEEP_NONE },
        { NULL, 0 },
    };
    static const struct rt_opt_word timing[] = {     /* timing_precise */
        { "sleep", 0 }, { "precise", 1 }, { NULL, 0 },
    };
    static const struct rt_opt_word progress[] = {   /* progress_tty */
        { "auto", -1 }, { "live", 1 }, { "plain", 0 }, { NULL, 0 },
    };
    struct rt_http_config *h = &o->http;
    int64_t v;
    int k;
    switch (id) {
    case OPT_DEADLINE:
        if (rt_parse_duration_us(arg, &v) != 0 || v < 1000)
            return rt_opt_fail(err, errlen, "give a duration of at least 1ms, e.g. 500ms or 5s");
        h->deadline_us = v;
        return 0;
    case OPT_MAX_INFLIGHT:
        if (rt_parse_count(arg, &v) != 0 || v < 1 || v > 100000)
            return rt_opt_fail(err, errlen, "give a whole number from 1 to 100000");
        h->max_inflight = (int)v;
        o->max_inflight_set = 1;
        return 0;
    case OPT_HEADER:
        if (arg[0] == '@') {
            if (rt_runopt_is_stdin(arg + 1))
                o->headers_stdin = arg + 1;
            return add_header_file(h, arg + 1, err, errlen);
        }
        return add_header(h, arg, err, errlen);
    case OPT_HOST:
        if (!*arg || strpbrk(arg, " \t\r\n/"))
            return rt_opt_fail(err, errlen, "give a host name such as "
                               "revertrisk-wikidata.revision-models.wikimedia.org");
        return replace(&h->host, arg, err, errlen);
    case OPT_BODY:
        if (rt_body_template_check(arg, err, errlen) != 0)
            return -1;
        return replace(&h->body_template, arg, err, errlen);
    case OPT_INSECURE:
        h->insecure = 1;
        return 0;
    case OPT_HTTP2:
        h->http2 = 1;
        return 0;
    case OPT_KEEP_BODIES:
        if (rt_opt_choose(arg, keep, &k, err, errlen) != 0)
            return -1;
        h->keep_bodies = (enum rt_keep_bodies)k;
        return 0;
    case OPT_MAX_BODY:
        if (rt_parse_size(arg, &v) != 0 || v < 1 || v > (int64_t)1 << 30)
            return rt_opt_fail(err, errlen, "give a size from 1 to 1G, e.g. 64k or 1M");
        h->max_body_bytes = v;
        return 0;
    case OPT_DB:
        if (!*arg)
            return rt_opt_fail(err, errlen, "give a file name");
        return replace(&o->db_path, arg, err, errlen);
    case OPT_NAME:
        if (!*arg || strlen(arg) > 200)
            return rt_opt_fail(err, errlen, "give a name of 1 to 200 characters");
        return replace(&o->name, arg, err, errlen);
    case OPT_QUIET:
        o->quiet = 1;
        return 0;
    case OPT_PROGRESS:
        return rt_opt_choose(arg, progress, &o->progress_tty, err, errlen);
    case OPT_CACERT:
    case OPT_CAPATH:
    case OPT_CERT:
    case OPT_KEY:
        return tls_file(o, id, arg, err, errlen);
    case OPT_PROXY:
        o->proxy_given = 1;
        if (!*arg) {                  /* curl's --proxy '': no proxy, whatever the env says */
            free(h->proxy);
            h->proxy = NULL;
            return 0;
        }
        if (strpbrk(arg, " \t\r\n"))
            return rt_opt_fail(err, errlen, "give a proxy URL such as http://proxy:3128");
        return replace(&h->proxy, arg, err, errlen);
    case OPT_NOPROXY:
        o->noproxy_from = "--noproxy";
        return replace(&h->noproxy, arg, err, errlen);
    case OPT_TIMING:
        return rt_opt_choose(arg, timing, &h->timing_precise, err, errlen);
    default:
        return rt_opt_fail(err, errlen, "internal error: unknown shared option %d", id);
    }
}

/* The first of the environment variables names that is set and not empty, or NULL. */
static const char *env_first(const char *const *names, const char **which)
{
    for (; *names; names++) {
        const char *v = getenv(*names);
        if (v && *v) {
            *which = *names;
            return v;
        }
    }
    return NULL;
}

/* curl's tool: CURL_CA_BUNDLE, else SSL_CERT_DIR and SSL_CERT_FILE, unless told. */
static int trust_from_env(struct rt_run_opts *o, char *err, size_t errlen)
{
    struct rt_http_config *h = &o->http;
    if (h->ca_file || h->ca_path)
        return 0;
    const char *v = getenv("CURL_CA_BUNDLE");
    if (v && *v) {
        o->trust_from = "CURL_CA_BUNDLE";
        return replace(&h->ca_file, v, err, errlen);
    }
    o->trust_from = "libcurl default";
    if ((v = getenv("SSL_CERT_DIR")) && *v) {
        o->trust_from = "SSL_CERT_DIR";
        if (replace(&h->ca_path, v, err, errlen) != 0)
            return -1;
    }
    if ((v = getenv("SSL_CERT_FILE")) && *v) {
        o->trust_from = h->ca_path ? "SSL_CERT_FILE, SSL_CERT_DIR" : "SSL_CERT_FILE";
        return replace(&h->ca_file, v, err, errlen);
    }
    return 0;
}

/* The proxy libcurl would take from the environment (it reads no uppercase HTTP_PROXY). */
static int proxy_from_env(struct rt_run_opts *o, int https, char *err, size_t errlen)
{
    static const char *const for_http[] = { "http_proxy", "all_proxy", "ALL_PROXY", NULL };
    static const char *const for_https[] = { "https_proxy", "HTTPS_PROXY", "all_proxy",
                                             "ALL_PROXY", NULL };
    static const char *const no[] = { "no_proxy", "NO_PROXY", NULL };
    struct rt_http_config *h = &o->http;
    const char *which = NULL, *v;
    if (o->proxy_given) {
        o->proxy_from = h->proxy ? "--proxy" : NULL;
    } else if ((v = env_first(https ? for_https : for_http, &which))) {
        o->proxy_from = which;
        if (replace(&h->proxy, v, err, errlen) != 0)
            return -1;
    }
    if (!h->noproxy && h->proxy && (v = env_first(no, &which))) {
        o->noproxy_from = which;
        return replace(&h->noproxy, v, err, errlen);
    }
    return 0;
}

/*
 * Room for one socket per request out (see rt_runopt_finish).  Running out mid-run would
 * fail requests for a reason of ours (recorded as error 'local'), so a run that cannot fit
 * is refused before it starts.
 */
static int fit_open_files(struct rt_run_opts *o, char *err, size_t errlen)
{
    struct rlimit rl;
    rt_raise_nofile();
    rlim_t need = (rlim_t)o->http.max_inflight + RT_RUN_FDS;
    /* The table for all of them now, while single-threaded (rt_reserve_fds stops at the
       limit, so a lowered --max-inflight below gets just what fits). */
    rt_reserve_fds((long)need);
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
        rl.rlim_cur >= need)
        return 0;
    unsigned long long have = (unsigned long long)rl.rlim_cur;
    unsigned long long fits = have > RT_RUN_FDS ? have - RT_RUN_FDS : 0;
    if (!o->max_inflight_set && fits >= 1) {
        o->http.max_inflight = (int)fits;
        return 0;
    }
    snprintf(err, errlen, "--max-inflight %d needs %llu open files (a socket per request out "
             "and %d more), but this process may open only %llu (RLIMIT_NOFILE%s); raise it "
             "with `ulimit -n %llu` before the run, or give --max-inflight %llu or less",
             o->http.max_inflight, (unsigned long long)need, RT_RUN_FDS, have,
             rl.rlim_cur == rl.rlim_max ? ", its hard limit: raising that takes root or "
             "/etc/security/limits.conf" : "", (unsigned long long)need, fits);
    return -1;
}

int rt_runopt_finish(struct rt_run_opts *o, const char *url, char *err, size_t errlen)
{
    if (!url || !*url) {
        snprintf(err, errlen, "give the URL of the service");
        return -1;
    }
    /* Never echo a credential of a refused URL. */
    char *shown = rt_url_redact(url);
    const char *say = shown ? shown : "(not shown)";
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0) {
        snprintf(err, errlen, "the URL '%s' must start with http:// or https:// (e.g. "
                 "http://127.0.0.1:8080/v1/models/revertrisk-wikidata:predict)", say);
        free(shown);
        return -1;
    }
    const char *hostpart = strstr(url, "://") + 3;
    size_t alen = strcspn(hostpart, "/?#");
    for (const char *at = memchr(hostpart, '@', alen); at; at = memchr(hostpart, '@', alen)) {
        alen -= (size_t)(at + 1 - hostpart);     /* the host follows user:password@ */
        hostpart = at + 1;
    }
    if (alen == 0) {
        snprintf(err, errlen, "the URL '%s' has no host", say);
        free(shown);
        return -1;
    }
    free(shown);
    if (strpbrk(url, " \t\r\n")) {
        snprintf(err, errlen, "the URL must not contain spaces (percent-encode them)");
        return -1;
    }
    if (rt_body_template_check(o->http.body_template, err, errlen) != 0)
        return -1;
    if (fit_open_files(o, err, errlen) != 0)
        return -1;
    if (o->http.client_key && !o->http.client_cert) {
        snprintf(err, errlen, "--key needs --cert (the client certificate it belongs to)");
        return -1;
    }
    if (replace(&o->http.url, url, err, errlen) != 0 || trust_from_env(o, err, errlen) != 0)
        return -1;
    return proxy_from_env(o, strncasecmp(url, "https://", 8) == 0, err, errlen);
}

void rt_runopt_proxy_line(const struct rt_run_opts *o, char *buf, size_t len)
{
    const struct rt_http_config *h = &o->http;
    buf[0] = '\0';
    if (!h->proxy)
        return;
    char *shown = rt_url_redact(h->proxy);
    int n = snprintf(buf, len, "through proxy %s (from %s)", shown ? shown : "(not shown)",
                     o->proxy_from);
    if (h->noproxy && n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, "; not for %s (from %s)", h->noproxy,
                 o->noproxy_from ? o->noproxy_from : "--noproxy");
    free(shown);
}

int rt_header_is_secret(const char *name, size_t len)
{
    static const char *const words[] = { "auth", "token", "key", "secret", "password",
                                         "passwd", "cookie", "session", "credential",
                                         "bearer", "signature", "jwt" };
    char low[128];
    if (len >= sizeof low)
        len = sizeof low - 1;
    for (size_t i = 0; i < len; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    low[len] = '\0';
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strstr(low, words[i]))
            return 1;
    return 0;
}

char *rt_url_redact(const char *url)
{
    /* Worst case each query value grows to "REDACTED"; bound the output generously. */
    size_t n = strlen(url);
    char *out = malloc(n * 9 + 16), *q = out;
    if (!out)
        return NULL;
    const char *p = url;
    const char *scheme = strstr(url, "://");
    if (scheme) {
        const char *auth = scheme + 3;
        size_t alen = strcspn(auth, "/?#");
        const char *at = memchr(auth, '@', alen);
        memcpy(q, url, (size_t)(auth - url));
        q += auth - url;
        if (at) {
            q += sprintf(q, "REDACTED@");
            p = at + 1;
        } else {
            p = auth;
        }
    }
    const char *query = strchr(p, '?');
    if (!query) {
        strcpy(q, p);
        return out;
    }
    memcpy(q, p, (size_t)(query + 1 - p));
    q += query + 1 - p;
    p = query + 1;
    while (*p && *p != '#') {
        size_t plen = strcspn(p, "&#");
        const char *eq = memchr(p, '=', plen);
        int sig = eq && eq - p == 3 && strncasecmp(p, "sig", 3) == 0;
        if (eq && (sig || rt_header_is_secret(p, (size_t)(eq - p)))) {
            memcpy(q, p, (size_t)(eq + 1 - p));
            q += eq + 1 - p;
            q += sprintf(q, "REDACTED");
        } else {
            memcpy(q, p, plen);
            q += plen;
        }
        p += plen;
        if (*p == '&')
            *q++ = *p++;
    }
    strcpy(q, p);
    return out;
}

/* A header value that starts with an authentication scheme and a credential ("Bearer x"). */
static int value_is_secret(const char *v)
{
    static const char *const schemes[] = { "bearer", "basic", "digest", "token", "negotiate",
                                           "aws4-hmac-sha256", "apikey" };
    v += strspn(v, " \t");
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        size_t n = strlen(schemes[i]);
        if (strncasecmp(v, schemes[i], n) == 0 && (v[n] == ' ' || v[n] == '\t'))
            return 1;
    }
    return 0;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Which trust store verifies the server, and the client certificate: paths, never keys. */
static json_t *tls_json(const struct rt_run_opts *o)
{
    const struct rt_http_config *h = &o->http;
    char *def_file = NULL, *def_path = NULL;
    int dflt = !h->ca_file && !h->ca_path;
    if (dflt)
        rt_http_default_trust(&def_file, &def_path);
    json_t *t = json_pack("{s:b, s:s, s:o, s:o, s:o, s:o}", "verify", !h->insecure,
                          "trust_from", o->trust_from ? o->trust_from : "libcurl default",
                          "ca_file", str_or_null(dflt ? def_file : h->ca_file),
                          "ca_path", str_or_null(dflt ? def_path : h->ca_path),
                          "client_cert", str_or_null(h->client_cert),
                          "client_key", str_or_null(h->client_key));
    free(def_file);
    free(def_path);
    return t ? t : json_null();
}

/* The proxy in use (credentials redacted), where it came from; null without one. */
static json_t *proxy_json(const struct rt_run_opts *o)
{
    const struct rt_http_config *h = &o->http;
    if (!h->proxy)
        return json_null();
    char *u = rt_url_redact(h->proxy);
    json_t *p = json_pack("{s:o, s:s, s:o, s:o}", "url", str_or_null(u),
                          "from", o->proxy_from ? o->proxy_from : "--proxy",
                          "noproxy", str_or_null(h->noproxy),
                          "noproxy_from", str_or_null(h->noproxy ? (o->noproxy_from ?
                                                      o->noproxy_from : "--noproxy") : NULL));
    free(u);
    return p ? p : json_null();
}

void rt_runopt_to_json(const struct rt_run_opts *o, json_t *obj)
{
    const struct rt_http_config *h = &o->http;
    static const char *const keep[] = { "errors", "all", "none" };
    if (h->url) {
        char *u = rt_url_redact(h->url);
        json_object_set_new(obj, "url", u ? json_string(u) : json_null());
        free(u);
    }
    json_object_set_new(obj, "deadline_us", json_integer(h->deadline_us));
    json_object_set_new(obj, "max_inflight", json_integer(h->max_inflight));
    json_t *hs = json_array();
    for (size_t i = 0; i < h->n_headers; i++) {
        const char *hd = h->headers[i];
        const char *colon = strchr(hd, ':');
        size_t nlen = colon ? (size_t)(colon - hd) : strlen(hd);
        if (colon && (rt_header_is_secret(hd, nlen) || value_is_secret(colon + 1))) {
            char *r = malloc(nlen + 16);
            if (r) {
                snprintf(r, nlen + 16, "%.*s: REDACTED", (int)nlen, hd);
                json_array_append_new(hs, json_string(r));
                free(r);
            }
        } else {
            json_array_append_new(hs, json_string(hd));
        }
    }
    json_object_set_new(obj, "headers", hs);
    json_object_set_new(obj, "host", h->host ? json_string(h->host) : json_null());
    json_object_set_new(obj, "body_template", json_string(h->body_template));
    json_object_set_new(obj, "insecure", json_boolean(h->insecure));
    json_object_set_new(obj, "tls", tls_json(o));
    json_object_set_new(obj, "proxy", proxy_json(o));
    json_object_set_new(obj, "http2", json_boolean(h->http2));
    json_object_set_new(obj, "keep_bodies", json_string(keep[h->keep_bodies]));
    json_object_set_new(obj, "max_body_bytes", json_integer(h->max_body_bytes));
    json_object_set_new(obj, "timing", json_string(h->timing_precise ? "precise" : "sleep"));
    json_object_set_new(obj, "db", json_string(o->db_path));
    if (o->name)
        json_object_set_new(obj, "name", json_string(o->name));
}

int rt_runopt_is_stdin(const char *path)
{
    struct stat in, named;
    if (strcmp(path, "-") == 0)
        return 1;
    if (fstat(0, &in) != 0 || S_ISREG(in.st_mode) || stat(path, &named) != 0)
        return 0;
    return in.st_dev == named.st_dev && in.st_ino == named.st_ino;
}

int rt_runopt_stdin_free(const struct rt_run_opts *o, const char *opt, const char *path,
                         char *err, size_t errlen)
{
    if (!o->headers_stdin || !path || !rt_runopt_is_stdin(path))
        return 0;
    snprintf(err, errlen, "-H @%s and %s %s both read standard input: put the headers in a "
             "file (-H @auth.txt)", o->headers_stdin, opt, path);
    return -1;
}
