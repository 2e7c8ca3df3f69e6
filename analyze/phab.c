/*
 * phab.c - post a report to a Phabricator task through Conduit, Phabricator's HTTP API
 * (`analyze --phab-task T123`): upload the HTML report as a file (file.upload), find the
 * file's F<id> (file.search by the PHID the upload returned), then comment on the task
 * (maniphest.edit with one "comment" transaction) with the Remarkup report and a {F<id>}
 * reference to the HTML.
 *
 * A Conduit call is an HTTPS POST to <url>/api/<method>, form-encoded: params=<the JSON
 * parameters, with the token under "__conduit__"> & output=json & __conduit__=1 (the form
 * arc itself sends).  Conduit answers HTTP 200 with {"result": ..., "error_code": ...,
 * "error_info": ...}; a non-null error_code is the call's failure.  libcurl does the HTTP
 * (TLS verified, bounded in time), jansson the JSON.
 *
 * The token is a secret: it is read from --phab-token-file (its first line) or from arc's
 * own ~/.arcrc (hosts -> "<url>/api/" -> token), never taken from the command line, never
 * printed, logged or stored; a token file anyone may read is refused.  It travels only in
 * the POST body.
 */
#include "analyze/analyze.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "tool/cli.h"

#define PHAB_CONNECT_TIMEOUT_S 15L
#define PHAB_TIMEOUT_S 120L
#define PHAB_MAX_ANSWER (16u << 20)

/* ---- the token ------------------------------------------------------------------------ */

/* Read a whole small file that only its owner may read.  *out owned (free).  0, or
 * RT_EXIT_USAGE / RT_EXIT_RUNTIME with err. */
static int read_private_file(const char *path, char **out, char *err, size_t errlen)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return RT_EXIT_USAGE;
    }
    if (sb.st_mode & S_IROTH) {
        snprintf(err, errlen, "%s is readable by every user: a Conduit token must stay "
                 "private; chmod 600 %s", path, path);
        close(fd);
        return RT_EXIT_USAGE;
    }
    size_t cap = (size_t)sb.st_size + 1, n = 0;
    char *b = cap < (1u << 20) ? malloc(cap) : NULL;
    ssize_t r = 0;
    while (b && n + 1 < cap && (r = read(fd, b + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    close(fd);
    if (!b || r < 0) {
        free(b);
        snprintf(err, errlen, "cannot read %s", path);
        return RT_EXIT_RUNTIME;
    }
    b[n] = '\0';
    *out = b;
    return 0;
}

/* The length of url without one trailing '/', for "%.*s/..." joins. */
static int url_base_len(const char *url)
{
    size_t ul = strlen(url);
    return (int)(ul && url[ul - 1] == '/' ? ul - 1 : ul);
}

/* arc's ~/.arcrc: {"hosts": {"https://phab.example/api/": {"token": "api-..."}}}. */
static int arcrc_token(const char *url, char *tok, size_t toklen, char *err, size_t errlen)
{
    const char *home = getenv("HOME");
    char path[4096], key[2048];
    if (!home || !*home) {
        snprintf(err, errlen, "no --phab-token-file and no $HOME to find ~/.arcrc in");
        return RT_EXIT_USAGE;
    }
    snprintf(path, sizeof path, "%s/.arcrc", home);
    snprintf(key, sizeof key, "%.*s/api/", url_base_len(url), url);
    if (access(path, F_OK) != 0) {
        snprintf(err, errlen, "no Conduit token: give --phab-token-file FILE or run "
                 "`arc install-certificate %s` (it writes ~/.arcrc)", url);
        return RT_EXIT_USAGE;
    }
    char *text = NULL;
    int rc = read_private_file(path, &text, err, errlen);
    if (rc)
        return rc;
    json_error_t je;
    json_t *root = json_loads(text, 0, &je);
    free(text);
    const char *t = json_string_value(
        json_object_get(json_object_get(json_object_get(root, "hosts"), key), "token"));
    if (!t || !*t) {
        snprintf(err, errlen, "%s has no token for %s (hosts -> \"%s\" -> token)", path, url,
                 key);
        rc = RT_EXIT_USAGE;
    } else if (strlen(t) >= toklen) {
        snprintf(err, errlen, "the token in %s is too long", path);
        rc = RT_EXIT_USAGE;
    } else {
        snprintf(tok, toklen, "%s", t);
    }
    json_decref(root);
    return rc;
}

int an_phab_token(const char *url, const char *file, char *tok, size_t toklen, char *err,
                  size_t errlen)
{
    if (!file)
        return arcrc_token(url, tok, toklen, err, errlen);
    char *text = NULL;
    int rc = read_private_file(file, &text, err, errlen);
    if (rc)
        return rc;
    size_t n = strcspn(text, "\r\n");
    while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
        n--;
    if (n == 0 || n >= toklen) {
        snprintf(err, errlen, "%s: the first line should be the Conduit API token",
                 file);
        rc = RT_EXIT_USAGE;
    } else {
        snprintf(tok, toklen, "%.*s", (int)n, text);
    }
    memset(text, 0, strlen(text));
    free(text);
    return rc;
}

/* ---- one Conduit call ----------------------------------------------------------------- */

/* The answer's body, collected in a memory stream (b, n: open_memstream's). */
struct answer {
    FILE *f;
    char *b;
    size_t n;
    int too_big;
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *ctx)
{
    struct answer *a = ctx;
    size_t len = size * nmemb;
    if (a->n + len > PHAB_MAX_ANSWER) {
        a->too_big = 1;
        return 0;
    }
    return fwrite(p, 1, len, a->f);
}

/* The form body: params=<json>&output=json&__conduit__=1.  Owned (free); NULL out of
 * memory.  params gets the token under "__conduit__". */
static char *form_body(CURL *h, json_t *params, const char *token)
{
    json_object_set_new(params, "__conduit__", json_pack("{s:s}", "token", token));
    char *js = json_dumps(params, JSON_COMPACT);
    json_object_del(params, "__conduit__");
    char *esc = js ? curl_easy_escape(h, js, 0) : NULL;
    char *body = NULL;
    if (esc) {
        size_t n = strlen(esc) + 64;
        body = malloc(n);
        if (body)
            snprintf(body, n, "params=%s&output=json&__conduit__=1", esc);
    }
    if (js) {
        memset(js, 0, strlen(js));   /* it held the token */
        free(js);
    }
    curl_free(esc);
    return body;
}

/* Read Conduit's envelope.  *result owned (json_decref).  0, or RT_EXIT_RUNTIME with err. */
static int envelope(const char *method, const char *text, json_t **result, char *err,
                    size_t errlen)
{
    json_error_t je;
    json_t *root = json_loads(text ? text : "", 0, &je);
    if (!json_is_object(root)) {
        snprintf(err, errlen, "Conduit %s: the answer is not JSON (%s)", method, je.text);
        json_decref(root);
        return RT_EXIT_RUNTIME;
    }
    json_t *code = json_object_get(root, "error_code");
    if (code && !json_is_null(code)) {
        const char *info = json_string_value(json_object_get(root, "error_info"));
        snprintf(err, errlen, "Conduit %s failed: %s: %s", method,
                 json_string_value(code) ? json_string_value(code) : "?",
                 info ? info : "(no message)");
        json_decref(root);
        return RT_EXIT_RUNTIME;
    }
    *result = json_incref(json_object_get(root, "result"));
    json_decref(root);
    return 0;
}

/* One Conduit call: method with params (borrowed), *result owned (json_decref).  0, or
 * RT_EXIT_RUNTIME with err (transport, HTTP status, or Conduit's error_code and message). */
static int phab_call(const char *url, const char *token, const char *method, json_t *params,
                 json_t **result, char *err, size_t errlen)
{
    *result = NULL;
    CURL *h = curl_easy_init();
    struct answer a = { NULL, NULL, 0, 0 };
    char endpoint[2048], cerr[CURL_ERROR_SIZE] = "";
    char *body = h ? form_body(h, params, token) : NULL;
    int rc = RT_EXIT_RUNTIME;
    a.f = open_memstream(&a.b, &a.n);
    if (!body || !a.f) {
        snprintf(err, errlen, "Conduit %s: out of memory", method);
        goto out;
    }
    snprintf(endpoint, sizeof endpoint, "%.*s/api/%s", url_base_len(url), url, method);
    curl_easy_setopt(h, CURLOPT_URL, endpoint);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, PHAB_CONNECT_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, PHAB_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "revtrace/" RT_VERSION);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode cc = curl_easy_perform(h);
    if (fflush(a.f) != 0 && cc == CURLE_OK)
        cc = CURLE_OUT_OF_MEMORY;
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK)
        snprintf(err, errlen, "Conduit %s at %s: %s", method, endpoint,
                 a.too_big ? "answer too large" : cerr[0] ? cerr : curl_easy_strerror(cc));
    else if (status != 200)
        snprintf(err, errlen, "Conduit %s at %s: HTTP %ld", method, endpoint, status);
    else
        rc = envelope(method, a.b, result, err, errlen);
out:
    if (body) {
        memset(body, 0, strlen(body));
        free(body);
    }
    if (a.f)
        fclose(a.f);
    free(a.b);
    curl_easy_cleanup(h);
    return rc;
}

/* ---- the three steps ------------------------------------------------------------------- */

/* Standard base64 (RFC 4648, padded), what file.upload's data_base64 takes.  Owned. */
static char *base64(const char *data, size_t n)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
    if (!out)
        return NULL;
    const unsigned char *p = (const unsigned char *)data;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        *o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? tab[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

/* file.upload, then file.search for the id.  0 with *fid, or RT_EXIT_RUNTIME with err. */
static int upload(const char *url, const char *token, const char *html, size_t len,
                  const char *name, long long *fid, char *err, size_t errlen)
{
    char *b64 = base64(html, len);
    json_t *res = NULL, *p = json_pack("{s:s?,s:s}", "data_base64", b64, "name", name);
    free(b64);
    if (!p || !b64) {
        json_decref(p);
        snprintf(err, errlen, "out of memory");
        return RT_EXIT_RUNTIME;
    }
    int rc = phab_call(url, token, "file.upload", p, &res, err, errlen);
    json_decref(p);
    const char *phid = json_string_value(res);
    if (rc == 0 && !phid) {
        snprintf(err, errlen, "Conduit file.upload: no file PHID in the answer");
        rc = RT_EXIT_RUNTIME;
    }
    json_t *sres = NULL;
    if (rc == 0) {
        p = json_pack("{s:{s:[s]}}", "constraints", "phids", phid);
        rc = p ? phab_call(url, token, "file.search", p, &sres, err, errlen)
               : RT_EXIT_RUNTIME;
        json_decref(p);
    }
    json_t *id = json_object_get(json_array_get(json_object_get(sres, "data"), 0), "id");
    if (rc == 0 && !json_is_integer(id)) {
        snprintf(err, errlen, "Conduit file.search: file %s not found", phid);
        rc = RT_EXIT_RUNTIME;
    }
    if (rc == 0)
        *fid = (long long)json_integer_value(id);
    json_decref(res);
    json_decref(sres);
    return rc;
}

int an_phab_post(const struct an_phab_post *pp, long long *file_id, char *task_url,
                 size_t urllen, char *err, size_t errlen)
{
    long long fid = 0;
    int rc = upload(pp->url, pp->token, pp->html, pp->html_len, pp->file_name, &fid, err,
                    errlen);
    if (rc)
        return rc;
    size_t n = strlen(pp->remarkup) + 64;
    char *comment = malloc(n);
    if (!comment) {
        snprintf(err, errlen, "out of memory");
        return RT_EXIT_RUNTIME;
    }
    snprintf(comment, n, "%s\nThe full report (HTML): {F%lld}\n", pp->remarkup, fid);
    json_t *res = NULL;
    json_t *p = json_pack("{s:s,s:[{s:s,s:s}]}", "objectIdentifier", pp->task,
                          "transactions", "type", "comment", "value", comment);
    free(comment);
    rc = p ? phab_call(pp->url, pp->token, "maniphest.edit", p, &res, err, errlen)
           : RT_EXIT_RUNTIME;
    json_decref(p);
    json_decref(res);
    if (rc == 0) {
        snprintf(task_url, urllen, "%.*s/%s", url_base_len(pp->url), pp->url, pp->task);
        *file_id = fid;
    }
    return rc;
}
