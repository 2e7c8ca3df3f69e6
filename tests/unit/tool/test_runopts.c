/*
 * test_runopts.c - the options capture and replay share: units in values, header and body
 * template checks, the body template split the engine uses, and the redaction of secrets
 * (headers by name, URL credentials and secret query parameters) in config_json.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tool/runopts.h"

/* Find a shared option's id by its long name. */
static int opt_id(const char *name)
{
    for (const struct rt_opt *o = rt_runopt_table; o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o->id;
    fail_msg("no option --%s", name);
    return -1;
}

static int apply(struct rt_run_opts *o, const char *name, const char *arg)
{
    char err[256] = "";
    int rc = rt_runopt_apply(o, opt_id(name), arg, err, sizeof err);
    if (rc != 0)
        assert_true(err[0] != '\0');     /* a refusal always says why */
    return rc;
}

static void test_defaults(void **state)
{
    (void)state;
    struct rt_run_opts o;
    assert_int_equal(rt_runopt_init(&o), 0);
    assert_int_equal(o.http.deadline_us, 5000000);
    assert_int_equal(o.http.max_inflight, 1024);
    assert_string_equal(o.http.body_template, "{\"rev_id\": %d}");
    assert_string_equal(o.db_path, "revtrace.db");
    assert_int_equal(o.http.keep_bodies, RT_KEEP_ERRORS);
    assert_int_equal(o.http.insecure, 0);
    assert_int_equal(o.progress_tty, -1);
    assert_null(o.name);
    rt_runopt_free(&o);
}

static void test_units_and_ranges(void **state)
{
    (void)state;
    struct rt_run_opts o;
    rt_runopt_init(&o);
    assert_int_equal(apply(&o, "deadline", "500ms"), 0);
    assert_int_equal(o.http.deadline_us, 500000);
    assert_int_equal(apply(&o, "deadline", "2m"), 0);
    assert_int_equal(o.http.deadline_us, 120000000);
    assert_int_equal(apply(&o, "deadline", "0"), -1);
    assert_int_equal(apply(&o, "deadline", "5 s"), -1);
    assert_int_equal(apply(&o, "deadline", "fast"), -1);
    assert_int_equal(o.http.deadline_us, 120000000);      /* unchanged by refusals */
    assert_int_equal(apply(&o, "max-inflight", "64"), 0);
    assert_int_equal(o.http.max_inflight, 64);
    assert_int_equal(apply(&o, "max-inflight", "0"), -1);
    assert_int_equal(apply(&o, "max-inflight", "-3"), -1);
    assert_int_equal(apply(&o, "max-inflight", "12x"), -1);
    assert_int_equal(apply(&o, "max-body", "64k"), 0);
    assert_int_equal(o.http.max_body_bytes, 65536);
    assert_int_equal(apply(&o, "keep-bodies", "all"), 0);
    assert_int_equal(o.http.keep_bodies, RT_KEEP_ALL);
    assert_int_equal(apply(&o, "keep-bodies", "none"), 0);
    assert_int_equal(o.http.keep_bodies, RT_KEEP_NONE);
    assert_int_equal(apply(&o, "keep-bodies", "some"), -1);
    assert_int_equal(apply(&o, "progress", "plain"), 0);
    assert_int_equal(o.progress_tty, 0);
    assert_int_equal(apply(&o, "insecure", NULL), 0);
    assert_int_equal(o.http.insecure, 1);
    assert_int_equal(apply(&o, "db", "x.db"), 0);
    assert_string_equal(o.db_path, "x.db");
    assert_int_equal(apply(&o, "name", "baseline"), 0);
    assert_string_equal(o.name, "baseline");
    rt_runopt_free(&o);
}

static void test_headers(void **state)
{
    (void)state;
    struct rt_run_opts o;
    rt_runopt_init(&o);
    assert_int_equal(apply(&o, "header", "X-Client: revtrace"), 0);
    assert_int_equal(apply(&o, "header", "Authorization: Bearer s3cr3t"), 0);
    assert_int_equal(o.http.n_headers, 2);
    assert_string_equal(o.http.headers[1], "Authorization: Bearer s3cr3t");
    assert_int_equal(apply(&o, "header", "no colon"), -1);
    assert_int_equal(apply(&o, "header", ": empty name"), -1);
    assert_int_equal(apply(&o, "header", "Bad Name: x"), -1);
    assert_int_equal(apply(&o, "header", "X-A: 1\r\nX-B: 2"), -1);
    assert_int_equal(o.http.n_headers, 2);
    assert_int_equal(apply(&o, "host", "revertrisk-wikidata.revision-models.wikimedia.org"), 0);
    assert_int_equal(apply(&o, "host", "a b"), -1);
    rt_runopt_free(&o);
}

static void test_body_template(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(rt_body_template_check("{\"rev_id\": %d}", err, sizeof err), 0);
    assert_int_equal(rt_body_template_check("{\"rev_id\": %lld, \"pct\": \"5%%\"}", err,
                                            sizeof err), 0);
    assert_int_equal(rt_body_template_check("{\"rev_id\": 1}", err, sizeof err), -1);
    assert_int_equal(rt_body_template_check("%d %d", err, sizeof err), -1);
    assert_int_equal(rt_body_template_check("{\"rev_id\": %s}", err, sizeof err), -1);
    assert_int_equal(rt_body_template_check("%d %n", err, sizeof err), -1);
    assert_int_equal(rt_body_template_check("%d %", err, sizeof err), -1);
    assert_int_equal(rt_body_template_check("%%d", err, sizeof err), -1);   /* literal */

    char *pre = NULL, *post = NULL;
    assert_int_equal(rt_body_template_split("{\"a\": \"5%%\", \"rev_id\": %d}", &pre, &post),
                     0);
    assert_string_equal(pre, "{\"a\": \"5%\", \"rev_id\": ");
    assert_string_equal(post, "}");
    free(pre);
    free(post);
    assert_int_equal(rt_body_template_split("%lld", &pre, &post), 0);
    assert_string_equal(pre, "");
    assert_string_equal(post, "");
    free(pre);
    free(post);
    assert_int_equal(rt_body_template_split("none", &pre, &post), -1);

    struct rt_run_opts o;
    rt_runopt_init(&o);
    assert_int_equal(apply(&o, "body", "{\"rev_id\": %d, \"lang\": \"en\"}"), 0);
    assert_int_equal(apply(&o, "body", "{\"rev_id\": 5}"), -1);
    assert_string_equal(o.http.body_template, "{\"rev_id\": %d, \"lang\": \"en\"}");
    rt_runopt_free(&o);
}

static void test_finish_url(void **state)
{
    (void)state;
    struct rt_run_opts o;
    char err[256];
    rt_runopt_init(&o);
    assert_int_equal(rt_runopt_finish(&o, "ftp://x/", err, sizeof err), -1);
    assert_int_equal(rt_runopt_finish(&o, "127.0.0.1:8080/v1", err, sizeof err), -1);
    assert_int_equal(rt_runopt_finish(&o, "http:///path", err, sizeof err), -1);
    assert_int_equal(rt_runopt_finish(&o, "", err, sizeof err), -1);
    assert_int_equal(rt_runopt_finish(&o, "HTTPS://api.wikimedia.org/x", err, sizeof err), 0);
    assert_string_equal(o.http.url, "HTTPS://api.wikimedia.org/x");
    /* A refused URL's credentials are never echoed. */
    assert_int_equal(rt_runopt_finish(&o, "ftp://user:pAsSw0rd@host/x", err, sizeof err), -1);
    assert_null(strstr(err, "pAsSw0rd"));
    assert_non_null(strstr(err, "ftp://REDACTED@host/x"));
    assert_int_equal(rt_runopt_finish(&o, "http://u:pAsSw0rd@", err, sizeof err), -1);
    assert_null(strstr(err, "pAsSw0rd"));
    rt_runopt_free(&o);
}

/* -H @FILE: one header per line, CRLF and blank lines handled; errors name FILE:LINE and
   never the line (it may hold a secret). */
static void test_header_file(void **state)
{
    (void)state;
    char path[] = "/tmp/rt-test-headers.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    fputs("Authorization: Bearer s3cr3t\r\n\r\n  \nX-A: 1\nX-B: two words", fp);
    fclose(fp);
    struct rt_run_opts o;
    rt_runopt_init(&o);
    char arg[64];
    snprintf(arg, sizeof arg, "@%s", path);
    assert_int_equal(apply(&o, "header", arg), 0);
    assert_int_equal(o.http.n_headers, 3);
    assert_string_equal(o.http.headers[0], "Authorization: Bearer s3cr3t");
    assert_string_equal(o.http.headers[1], "X-A: 1");
    assert_string_equal(o.http.headers[2], "X-B: two words");
    fp = fopen(path, "w");
    fputs("X-A: 1\nno colon s3cr3t\n", fp);
    fclose(fp);
    char err[256];
    assert_int_equal(rt_runopt_apply(&o, opt_id("header"), arg, err, sizeof err), -1);
    char where[80];
    snprintf(where, sizeof where, "%s:2: ", path);
    assert_non_null(strstr(err, where));
    assert_null(strstr(err, "s3cr3t"));
    fp = fopen(path, "w");
    fwrite("X-A: 1\nX-B: a\0b\n", 1, 14, fp);
    fclose(fp);
    assert_int_equal(rt_runopt_apply(&o, opt_id("header"), arg, err, sizeof err), -1);
    assert_non_null(strstr(err, "NUL"));
    unlink(path);
    assert_int_equal(rt_runopt_apply(&o, opt_id("header"), arg, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot read headers"));
    rt_runopt_free(&o);
}

static void test_secret_names(void **state)
{
    (void)state;
    const char *secret[] = { "Authorization", "authorization", "Proxy-Authorization",
                             "Cookie", "X-Api-Key", "X-Auth-Token", "X-Client-Secret",
                             "Password", "X-Session-Id", "X-Amz-Signature", "X-Jwt-Assertion",
                             "X-Bearer", "X-Amz-Security-Token", "X-Amz-Credential" };
    const char *plain[] = { "Host", "Content-Type", "User-Agent", "X-Client", "Accept",
                            "X-Design", "sig" };
    for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
        if (!rt_header_is_secret(secret[i], strlen(secret[i])))
            fail_msg("%s not treated as a secret", secret[i]);
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        if (rt_header_is_secret(plain[i], strlen(plain[i])))
            fail_msg("%s treated as a secret", plain[i]);
}

static void test_url_redact(void **state)
{
    (void)state;
    char *u = rt_url_redact("https://user:pa55@api.example.org/v1?x=1&api_key=abc&token=t#f");
    assert_string_equal(u, "https://REDACTED@api.example.org/v1?x=1&api_key=REDACTED"
                           "&token=REDACTED#f");
    free(u);
    u = rt_url_redact("http://127.0.0.1:8080/v1/models/revertrisk-wikidata:predict");
    assert_string_equal(u, "http://127.0.0.1:8080/v1/models/revertrisk-wikidata:predict");
    free(u);
    /* an @ in the path is not credentials */
    u = rt_url_redact("http://h/a@b");
    assert_string_equal(u, "http://h/a@b");
    free(u);
    /* signed URLs: sig=, signature=, X-Amz-Signature= */
    u = rt_url_redact("https://h/p?sig=A1&Signature=B2&X-Amz-Signature=C3&design=d&jwt=E5");
    assert_string_equal(u, "https://h/p?sig=REDACTED&Signature=REDACTED"
                           "&X-Amz-Signature=REDACTED&design=d&jwt=REDACTED");
    free(u);
}

static void test_json_redacts(void **state)
{
    (void)state;
    struct rt_run_opts o;
    char err[256];
    rt_runopt_init(&o);
    assert_int_equal(apply(&o, "header", "Authorization: Bearer s3cr3t"), 0);
    assert_int_equal(apply(&o, "header", "X-Api-Key:k3y"), 0);
    assert_int_equal(apply(&o, "header", "X-Client: revtrace-test"), 0);
    assert_int_equal(apply(&o, "header", "X-Forwarded-Authz: Basic dXNlcjpwYXNz"), 0);
    assert_int_equal(apply(&o, "header", "X-Whatever:   bearer b34r"), 0);
    assert_int_equal(rt_runopt_finish(&o, "http://bob:hunter2@127.0.0.1:1/p?access_token=zz",
                                      err, sizeof err), 0);
    json_t *j = json_object();
    rt_runopt_to_json(&o, j);
    char *text = json_dumps(j, JSON_COMPACT);
    assert_non_null(text);
    assert_null(strstr(text, "s3cr3t"));
    assert_null(strstr(text, "k3y"));
    assert_null(strstr(text, "hunter2"));
    assert_null(strstr(text, "zz"));
    assert_null(strstr(text, "dXNlcjpwYXNz"));
    assert_null(strstr(text, "b34r"));
    assert_non_null(strstr(text, "\"X-Whatever: REDACTED\""));
    assert_non_null(strstr(text, "\"Authorization: REDACTED\""));
    assert_non_null(strstr(text, "\"X-Client: revtrace-test\""));
    assert_non_null(strstr(text, "\"deadline_us\":5000000"));
    free(text);
    json_decref(j);
    rt_runopt_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_units_and_ranges),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_body_template),
        cmocka_unit_test(test_finish_url),
        cmocka_unit_test(test_header_file),
        cmocka_unit_test(test_secret_names),
        cmocka_unit_test(test_url_redact),
        cmocka_unit_test(test_json_redacts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
