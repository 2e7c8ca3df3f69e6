/*
 * test_listen.c - listen addresses: IPv4, the localhost and * shorthands, [IPv6], port 0,
 * the refusals (no port, bad port, unbracketed IPv6, names, zone IDs), the URL form, and the
 * port file (written whole, replaced atomically).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tool/listen.h"

static void test_ipv4(void **state)
{
    (void)state;
    struct rt_listen_addr a;
    char err[256], url[64];
    assert_int_equal(rt_listen_parse("127.0.0.1:8080", &a, err, sizeof err), 0);
    assert_int_equal(a.family, AF_INET);
    assert_int_equal(a.port, 8080);
    assert_string_equal(a.host, "127.0.0.1");
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)&a.sa;
    assert_int_equal(a.sa_len, sizeof *s4);
    assert_int_equal(s4->sin_family, AF_INET);
    assert_int_equal(ntohs(s4->sin_port), 8080);
    assert_int_equal(ntohl(s4->sin_addr.s_addr), 0x7f000001);
    assert_string_equal(rt_listen_url(&a, 9, url, sizeof url), "http://127.0.0.1:9");
    assert_int_equal(rt_listen_parse("localhost:0", &a, err, sizeof err), 0);
    assert_string_equal(a.host, "127.0.0.1");
    assert_int_equal(a.port, 0);
    assert_int_equal(rt_listen_parse("*:65535", &a, err, sizeof err), 0);
    assert_string_equal(a.host, "0.0.0.0");
    assert_int_equal(a.port, 65535);
}

static void test_ipv6(void **state)
{
    (void)state;
    struct rt_listen_addr a;
    char err[256], url[64];
    assert_int_equal(rt_listen_parse("[::1]:0", &a, err, sizeof err), 0);
    assert_int_equal(a.family, AF_INET6);
    assert_string_equal(a.host, "::1");
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a.sa;
    assert_int_equal(a.sa_len, sizeof *s6);
    assert_int_equal(s6->sin6_family, AF_INET6);
    assert_true(IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr));
    assert_string_equal(rt_listen_url(&a, 4321, url, sizeof url), "http://[::1]:4321");
    assert_int_equal(rt_listen_parse("[::]:443", &a, err, sizeof err), 0);
    assert_int_equal(ntohs(s6->sin6_port), 443);
    assert_true(IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr));
}

static void refuse(const char *arg, const char *msg)
{
    struct rt_listen_addr a;
    char err[256];
    if (rt_listen_parse(arg, &a, err, sizeof err) == 0)
        fail_msg("accepted %s", arg);
    assert_string_equal(err, msg);
}

static void test_refusals(void **state)
{
    (void)state;
    refuse("8080", "want ADDR:PORT such as 127.0.0.1:8080 or [::1]:8080");
    refuse(":8080", "want an address before the port, e.g. 127.0.0.1:8080");
    refuse("127.0.0.1:", "want a port from 0 to 65535 after the address (0: any free port)");
    refuse("127.0.0.1:65536", "want a port from 0 to 65535 after the address (0: any free port)");
    refuse("127.0.0.1:-1", "want a port from 0 to 65535 after the address (0: any free port)");
    refuse("::1:8080", "an IPv6 address goes in brackets, e.g. [::1]:8080");
    refuse("[::1]8080", "want [IPv6]:PORT such as [::1]:8080");
    refuse("[::1:8080", "want [IPv6]:PORT such as [::1]:8080");
    refuse("[]:80", "want an address before the port, e.g. 127.0.0.1:8080");
    refuse("[127.0.0.1]:80", "'127.0.0.1' is not an IPv6 address (e.g. [::1]:8080)");
    refuse("[fe80::1%eth0]:80", "'fe80::1%eth0' is not an IPv6 address (e.g. [::1]:8080)");
    refuse("example.org:80", "'example.org' is not an IPv4 address (names are not resolved; "
                             "IPv6 goes in brackets, e.g. [::1]:8080)");
    refuse("1.2.3:80", "'1.2.3' is not an IPv4 address (names are not resolved; IPv6 goes in "
                       "brackets, e.g. [::1]:8080)");
}

static void test_port_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/rt-listen-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], err[256], buf[32];
    snprintf(path, sizeof path, "%s/port", dir);
    assert_int_equal(rt_listen_write_port_file(path, 40001, err, sizeof err), 0);
    assert_int_equal(rt_listen_write_port_file(path, 5, err, sizeof err), 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_string_equal(buf, "5\n");
    unlink(path);
    snprintf(path, sizeof path, "%s/no/such/dir/port", dir);
    assert_int_equal(rt_listen_write_port_file(path, 5, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot write"));
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_port_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
