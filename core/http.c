/*
 * http.c - the request settings every load shares: defaults, and the body template with its
 * one %d for the rev ID (checked when parsed, split once into prefix and suffix so the send
 * loop formats a body with two copies and one integer conversion).
 */
#include "core/http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int rt_http_config_init(struct rt_http_config *c)
{
    memset(c, 0, sizeof *c);
    c->deadline_us = 5000000;
    c->max_inflight = 1024;
    c->keep_bodies = RT_KEEP_ERRORS;
    c->max_body_bytes = 1 << 20;
    c->body_template = strdup("{\"rev_id\": %d}");
    return c->body_template ? 0 : -1;
}

int rt_http_header_is(const char *h, const char *name)
{
    size_t n = strlen(name);
    return strncasecmp(h, name, n) == 0 && h[n] == ':';
}

int rt_http_header_add(struct curl_slist **l, const char *line)
{
    struct curl_slist *t = curl_slist_append(*l, line);
    if (!t)
        return -1;
    *l = t;
    return 0;
}

void rt_http_default_trust(char **ca_file, char **ca_path)
{
    *ca_file = *ca_path = NULL;
#if LIBCURL_VERSION_NUM >= 0x075400     /* 7.84.0: CURLINFO_CAINFO, CURLINFO_CAPATH */
    CURL *c = curl_easy_init();
    if (!c)
        return;
    char *v = NULL;
    if (curl_easy_getinfo(c, CURLINFO_CAINFO, &v) == CURLE_OK && v)
        *ca_file = strdup(v);
    v = NULL;
    if (curl_easy_getinfo(c, CURLINFO_CAPATH, &v) == CURLE_OK && v)
        *ca_path = strdup(v);
    curl_easy_cleanup(c);
#endif
}

void rt_http_config_free(struct rt_http_config *c)
{
    if (!c)
        return;
    free(c->url);
    for (size_t i = 0; i < c->n_headers; i++)
        free(c->headers[i]);
    free(c->headers);
    free(c->host);
    free(c->body_template);
    free(c->ca_file);
    free(c->ca_path);
    free(c->client_cert);
    free(c->client_key);
    free(c->proxy);
    free(c->noproxy);
    memset(c, 0, sizeof *c);
}

/* Scan a template: count placeholders, refuse other conversions.  Returns the count or -1. */
static int template_scan(const char *t, const char **where, char *err, size_t errlen)
{
    int n = 0;
    for (const char *p = t; *p; p++) {
        if (*p != '%')
            continue;
        if (p[1] == '%') {
            p++;
        } else if (p[1] == 'd') {
            if (n++ == 0 && where)
                *where = p;
            p++;
        } else if (strncmp(p + 1, "lld", 3) == 0) {
            if (n++ == 0 && where)
                *where = p;
            p += 3;
        } else {
            snprintf(err, errlen, "'%%%.1s' at offset %zu: only %%d (the rev ID) and %%%% "
                     "(a literal %%) may appear", p[1] ? p + 1 : "", (size_t)(p - t));
            return -1;
        }
    }
    return n;
}

int rt_body_template_check(const char *tmpl, char *err, size_t errlen)
{
    char dummy[8];
    if (!err) {
        err = dummy;
        errlen = sizeof dummy;
    }
    int n = template_scan(tmpl, NULL, err, errlen);
    if (n < 0)
        return -1;
    if (n != 1) {
        snprintf(err, errlen, "the body template needs exactly one %%d for the rev ID "
                 "(found %d), e.g. '{\"rev_id\": %%d}'", n);
        return -1;
    }
    return 0;
}

/* Copy t[0..len) unescaping %%. */
static char *unescape(const char *t, size_t len)
{
    char *o = malloc(len + 1), *q = o;
    if (!o)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        *q++ = t[i];
        if (t[i] == '%' && i + 1 < len && t[i + 1] == '%')
            i++;
    }
    *q = '\0';
    return o;
}

int rt_body_template_split(const char *tmpl, char **prefix, char **suffix)
{
    char err[8];
    const char *at = NULL;
    if (template_scan(tmpl, &at, err, sizeof err) != 1)
        return -1;
    size_t plen = strncmp(at, "%lld", 4) == 0 ? 4 : 2;
    *prefix = unescape(tmpl, (size_t)(at - tmpl));
    *suffix = unescape(at + plen, strlen(at + plen));
    if (!*prefix || !*suffix) {
        free(*prefix);
        free(*suffix);
        *prefix = *suffix = NULL;
        return -1;
    }
    return 0;
}
