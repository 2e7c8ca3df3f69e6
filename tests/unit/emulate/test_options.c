/*
 * test_options.c - `revtrace emulate`'s command line as parsed by emu_config_parse: the
 * defaults, every option of the table reaching its handler (each of the three groups), the
 * values stored, the profile overrides and their defaults (p90 = 1.5 x median, the burst =
 * one second of the rate), and the refusals (bad values, options across groups that do not
 * go together, positionals), which return 2; --help returns 1.
 *
 * Refusals and --help print, so those calls run with descriptors 1 and 2 on /dev/null.  The
 * argument vector is split from one string into a static buffer: getopt and the config keep
 * pointers into it, which stay valid until the next parse.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "emulate/emulate.h"

static char args_buf[1024];
static char *args_v[64];

/* Parse "emulate " + args (split at spaces) into *cfg; returns emu_config_parse's result. */
static int parse(struct emu_config *cfg, const char *args)
{
    int argc = 0;
    snprintf(args_buf, sizeof args_buf, "emulate %s", args);
    for (char *t = strtok(args_buf, " "); t && argc < 63; t = strtok(NULL, " "))
        args_v[argc++] = t;
    args_v[argc] = NULL;
    return emu_config_parse(cfg, argc, args_v);
}

/* parse() with stdout and stderr on /dev/null, for refusals and --help. */
static int parse_quiet(struct emu_config *cfg, const char *args)
{
    fflush(stdout);
    fflush(stderr);
    int out = dup(1), err = dup(2), null = open("/dev/null", O_WRONLY);
    assert_true(out >= 0 && err >= 0 && null >= 0);
    dup2(null, 1);
    dup2(null, 2);
    int rc = parse(cfg, args);
    fflush(stdout);
    fflush(stderr);
    dup2(out, 1);
    dup2(err, 2);
    close(out);
    close(err);
    close(null);
    return rc;
}

static void test_defaults(void **state)
{
    (void)state;
    struct emu_config c;
    assert_int_equal(parse(&c, ""), 0);
    assert_string_equal(c.listen.host, "127.0.0.1");
    assert_int_equal(c.listen.port, 8080);
    assert_null(c.port_file);
    assert_int_equal(c.threads, 2);
    assert_int_equal(c.quiet, 0);
    assert_int_equal(c.describe, 0);
    assert_int_equal(c.seed, 1);
    assert_string_equal(c.model_version, "1");
    assert_string_equal(c.params.profile, "fast");
    assert_int_equal(c.params.kind, RT_EMU_NONE);
    assert_int_equal(c.n_errors, 0);
    assert_true(c.rate_limit_per_s == 0);
    assert_true(c.stall_ratio == 0 && c.reset_ratio == 0 && c.huge_ratio == 0);
    assert_int_equal(c.stall_us, 60000000);
    assert_int_equal(c.huge_bytes, 16 * 1024 * 1024);
    assert_int_equal(c.max_body_bytes, 64 * 1024);
}

static void test_server_group(void **state)
{
    (void)state;
    struct emu_config c;
    assert_int_equal(parse(&c, "--listen localhost:0 --port-file p.txt --threads 1 -q"), 0);
    assert_string_equal(c.listen.host, "127.0.0.1");
    assert_int_equal(c.listen.port, 0);
    assert_string_equal(c.port_file, "p.txt");
    assert_int_equal(c.threads, 1);
    assert_int_equal(c.quiet, 1);
    assert_int_equal(parse(&c, "-l *:9000 --threads 64"), 0);
    assert_string_equal(c.listen.host, "0.0.0.0");
    assert_int_equal(c.listen.port, 9000);
    assert_int_equal(c.threads, 64);
    assert_int_equal(parse(&c, "--listen 10.1.2.3:65535"), 0);
    assert_string_equal(c.listen.host, "10.1.2.3");
    assert_int_equal(c.listen.port, 65535);
    assert_int_equal(parse(&c, "--listen [::1]:0"), 0);
    assert_string_equal(c.listen.host, "::1");
    assert_int_equal(c.listen.family, AF_INET6);
}

static void test_model_group(void **state)
{
    (void)state;
    struct emu_config c;
    assert_int_equal(parse(&c, "--describe --seed 42 --model-version v7 "
                               "--delay-median 200ms"), 0);
    assert_int_equal(c.describe, 1);
    assert_int_equal(c.seed, 42);
    assert_string_equal(c.model_version, "v7");
    assert_int_equal(c.params.kind, RT_EMU_DELAY);
    assert_int_equal(c.params.delay_median_us, 200000);
    assert_int_equal(c.params.delay_p90_us, 300000);   /* 1.5 x the median */
    assert_int_equal(parse(&c, "--delay-median 200ms --delay-p90 450ms"), 0);
    assert_int_equal(c.params.delay_p90_us, 450000);

    struct emu_config prod;
    assert_int_equal(parse(&prod, "-p prod"), 0);
    assert_string_equal(prod.params.profile, "prod");
    assert_int_equal(prod.params.kind, RT_EMU_SERVICE);
    assert_int_equal(parse(&c, "--profile prod --replicas 3-7 --start-delay 5s "
                               "--gateway-timeout 10s"), 0);
    assert_int_equal(c.params.replicas_min, 3);
    assert_int_equal(c.params.replicas_max, 7);
    assert_int_equal(c.params.replica_start_us, 5000000);
    assert_int_equal(c.params.gateway_timeout_us, 10000000);
    assert_int_equal(parse(&c, "--profile staging --replicas 4 --gateway-timeout 0s"), 0);
    assert_int_equal(c.params.replicas_min, 4);
    assert_int_equal(c.params.replicas_max, 4);
    assert_int_equal(c.params.gateway_timeout_us, 0);
}

static void test_fault_group(void **state)
{
    (void)state;
    struct emu_config c;
    assert_int_equal(parse(&c, "--error-ratio 503:0.01 --error-ratio 500:2% "
                               "--stall-ratio 0.1 --stall-time 5s --reset-ratio 1% "
                               "--huge-ratio 0.5 --huge-size 1M --max-body 16"), 0);
    assert_int_equal(c.n_errors, 2);
    assert_int_equal(c.errors[0].status, 503);
    assert_true(c.errors[0].ratio == 0.01);
    assert_int_equal(c.errors[1].status, 500);
    assert_true(c.errors[1].ratio > 0.0199 && c.errors[1].ratio < 0.0201);
    assert_true(c.stall_ratio == 0.1);
    assert_int_equal(c.stall_us, 5000000);
    assert_true(c.reset_ratio > 0.0099 && c.reset_ratio < 0.0101);
    assert_true(c.huge_ratio == 0.5);
    assert_int_equal(c.huge_bytes, 1024 * 1024);
    assert_int_equal(c.max_body_bytes, 16);

    /* The burst defaults to one second of the rate, at least 1; a given burst stays. */
    assert_int_equal(parse(&c, "--rate-limit 200/s"), 0);
    assert_true(c.rate_limit_per_s == 200 && c.rate_burst == 200);
    assert_int_equal(parse(&c, "--rate-limit 60/h"), 0);
    assert_true(c.rate_burst == 1);
    assert_int_equal(parse(&c, "--rate-burst 7 --rate-limit 200/s"), 0);
    assert_true(c.rate_burst == 7);
}

static void test_refusals(void **state)
{
    (void)state;
    static const char *const bad[] = {
        /* values */
        "--listen nowhere", "--listen :80", "--listen localhost:65536", "--threads 0",
        "--threads 65", "--profile nope", "--seed -1", "--delay-median x", "--delay-p90 x",
        "--profile prod --replicas 0", "--profile prod --replicas 7-3",
        "--profile prod --replicas 65", "--profile prod --replicas 3x",
        "--profile prod --start-delay x", "--profile prod --gateway-timeout x",
        "--error-ratio 503", "--error-ratio 99:0.5", "--error-ratio 600:0.5",
        "--error-ratio 503:2", "--rate-limit 0", "--rate-limit x", "--rate-burst 0",
        "--stall-ratio 2", "--reset-ratio x", "--huge-ratio -1", "--stall-time x",
        "--huge-size x", "--max-body 15",
        /* across options */
        "--profile prod --delay-median 1s", "--delay-p90 1s",
        "--delay-median 200ms --delay-p90 100ms", "--replicas 3", "--start-delay 1s",
        "--gateway-timeout 1s", "--error-ratio 503:0.6 --error-ratio 500:0.6",
        /* the command line itself */
        "extra", "--nope", "-z", "--listen",
    };
    struct emu_config c;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse_quiet(&c, bad[i]);
        if (rc != 2)
            fail_msg("'%s': got %d, want 2", bad[i], rc);
    }
    char many[1024] = "";
    for (int i = 0; i <= EMU_MAX_ERROR_RULES; i++)
        strcat(many, "--error-ratio 500:0 ");
    assert_int_equal(parse_quiet(&c, many), 2);
    many[strlen(many) - strlen("--error-ratio 500:0 ")] = 0;
    assert_int_equal(parse(&c, many), 0);
    assert_int_equal(c.n_errors, EMU_MAX_ERROR_RULES);
    assert_int_equal(parse_quiet(&c, "--help"), 1);
    assert_int_equal(parse_quiet(&c, "--describe -h"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_server_group),
        cmocka_unit_test(test_model_group),
        cmocka_unit_test(test_fault_group),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
