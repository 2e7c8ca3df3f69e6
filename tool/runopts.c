/*
 * runopts.c - the options capture and replay share (HTTP, storage, output): the table that
 * feeds getopt_long and --help, their parsing, the checks after parsing, and the JSON that
 * goes into runs.config_json with secrets redacted.
 *
 * Redaction is by header name, not value: a header whose name says it carries a credential
 * (Authorization, Cookie, anything with token/key/secret/auth/password/cookie/session in it)
 * is stored as "Name: REDACTED"; the URL loses its user:password and the values of query
 * parameters with such names.  A false positive costs a little information in the record; a
 * false negative leaks a credential into a file people attach to tickets.
 */
#include "tool/runopts.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "core/units.h"

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
    OPT_TIMING,
};

const struct rt_opt rt_runopt_table[] = {
    { "deadline", 0, "D", OPT_DEADLINE,
      "per-request deadline; later answers are cut, error 'deadline' (default 5s)" },
    { "max-inflight", 0, "N", OPT_MAX_INFLIGHT,
      "at most N requests outstanding (the ceiling of a pool sized from the server's answers); "
      "later sends wait (default 1024)" },
    { "header", 'H', "'NAME: VALUE'", OPT_HEADER, "add a request header (repeatable); secret values (Authorization, tokens, keys) are never stored or printed" },
    { "host", 0, "NAME", OPT_HOST, "override the Host header (the URL still picks the address)" },
    { "body", 0, "TEMPLATE", OPT_BODY,
      "request body, one %d for the rev ID (default '{\"rev_id\": %d}')" },
    { "insecure", 0, NULL, OPT_INSECURE, "do not verify the server's TLS certificate" },
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
        snprintf(err, errlen, "a header is 'Name: value' (e.g. -H 'Authorization: Bearer X')");
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
    case OPT_TIMING:
        return rt_opt_choose(arg, timing, &h->timing_precise, err, errlen);
    default:
        return rt_opt_fail(err, errlen, "internal error: unknown shared option %d", id);
    }
}

/*
 * Room for one socket per request out (see rt_runopt_finish).  Running out mid-run would
 * fail requests for a reason of ours (recorded as error 'local'), so a run that cannot fit
 * is refused before it starts.
 */
static int fit_open_files(struct rt_run_opts *o, char *err, size_t errlen)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    if (rl.rlim_cur < rl.rlim_max && rl.rlim_max != RLIM_INFINITY) {
        struct rlimit up = { .rlim_cur = rl.rlim_max, .rlim_max = rl.rlim_max };
        if (setrlimit(RLIMIT_NOFILE, &up) == 0)
            rl.rlim_cur = rl.rlim_max;
    }
    rlim_t need = (rlim_t)o->http.max_inflight + RT_RUN_FDS;
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
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
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0) {
        snprintf(err, errlen, "the URL '%s' must start with http:// or https:// (e.g. "
                 "http://127.0.0.1:8080/v1/models/revertrisk-wikidata:predict)", url);
        return -1;
    }
    const char *hostpart = strstr(url, "://") + 3;
    if (!*hostpart || *hostpart == '/') {
        snprintf(err, errlen, "the URL '%s' has no host", url);
        return -1;
    }
    if (strpbrk(url, " \t\r\n")) {
        snprintf(err, errlen, "the URL must not contain spaces (percent-encode them)");
        return -1;
    }
    if (rt_body_template_check(o->http.body_template, err, errlen) != 0)
        return -1;
    if (fit_open_files(o, err, errlen) != 0)
        return -1;
    return replace(&o->http.url, url, err, errlen);
}

int rt_header_is_secret(const char *name, size_t len)
{
    static const char *const words[] = { "auth", "token", "key", "secret", "password",
                                         "passwd", "cookie", "session", "credential" };
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
        if (eq && rt_header_is_secret(p, (size_t)(eq - p))) {
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
        if (colon && rt_header_is_secret(hd, nlen)) {
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
    json_object_set_new(obj, "http2", json_boolean(h->http2));
    json_object_set_new(obj, "keep_bodies", json_string(keep[h->keep_bodies]));
    json_object_set_new(obj, "max_body_bytes", json_integer(h->max_body_bytes));
    json_object_set_new(obj, "timing", json_string(h->timing_precise ? "precise" : "sleep"));
    json_object_set_new(obj, "db", json_string(o->db_path));
    if (o->name)
        json_object_set_new(obj, "name", json_string(o->name));
}
