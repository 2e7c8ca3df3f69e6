/*
 * test_cli.c - the shared command-line layer: rt_cli_parse over a small option table (long
 * and short names, flags and valued options, repeatable options applied in order, GNU
 * permutation of positionals, the built-in --help) and its usage errors (unknown option,
 * missing value, a handler's refusal, a secret value never echoed), and rt_cli_help's
 * layout (usage line, option names, examples, 100-column wrapping); the message helpers'
 * bytes (prefixes, the live line and how any other message ends it first, a message longer
 * than the helper's buffer) and the option handlers' rt_opt_fail and rt_opt_choose; and the
 * one mapping from store errors to exit statuses.
 *
 * rt_cli_parse writes to the process's stdout and stderr, so each call runs with file
 * descriptors 1 and 2 redirected to temporary files that are read back afterwards.
 * Every argv string is a literal (static storage): getopt keeps a pointer into the last
 * argument it scanned between calls, which must not dangle.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/store.h"
#include "tool/cli.h"

enum { ID_VERBOSE = 1, ID_OUTPUT, ID_HEADER, ID_RATE, ID_DRY, ID_FAIL, ID_TOKEN };

/*
 * A header value may be a credential.  With the RT_OPT_SECRET flag an option table marks
 * such values itself; before it, rt_cli_parse recognised the option named "header".  The
 * table below works with both, so the tests pin the behaviour, not the mechanism.
 */
#ifdef RT_OPT_SECRET
#define SECRET .flags = RT_OPT_SECRET,
#else
#define SECRET
#endif

static const struct rt_opt main_opts[] = {
    { .name = "verbose", .short_name = 'v', .arg = NULL, .id = ID_VERBOSE,
      .help = "say more" },
    { .name = "output", .short_name = 'o', .arg = "FILE", .id = ID_OUTPUT,
      .help = "write the report to FILE" },
    { .name = "header", .short_name = 'H', .arg = "'NAME: VALUE'", SECRET .id = ID_HEADER,
      .help = "add a request header (repeatable)" },
    { .name = "rate", .short_name = 0, .arg = "RATE", .id = ID_RATE,
      .help = "requests per second, e.g. 50/s" },
    { .name = NULL },
};

static const struct rt_opt more_opts[] = {
    { .name = "dry-run", .short_name = 0, .arg = NULL, .id = ID_DRY,
      .help = "plan only, send nothing" },
    { .name = "fail", .short_name = 'f', .arg = "X", .id = ID_FAIL,
      .help = "an option whose handler always refuses" },
#ifdef RT_OPT_SECRET
    { .name = "token", .short_name = 0, .arg = "TOKEN", .id = ID_TOKEN,
      .help = "a bearer token (never echoed)", .flags = RT_OPT_SECRET },
#endif
    { .name = NULL },
};

static const struct rt_opt_table tables[] = {
    { "Main options", main_opts },
    { "More", more_opts },
    { NULL, NULL },
};

static const struct rt_cmd_spec spec = {
    .name = "tcmd",
    .usage = "FILE [options]",
    .summary = "A command used only by the unit tests.",
    .tables = tables,
    .examples = "  revtrace tcmd in.txt -o out.txt\n  revtrace tcmd --rate 5/s in.txt\n",
};

/* What the handler saw, in order. */
#define MAX_CALLS 16
struct calls {
    int n;
    int id[MAX_CALLS];
    char arg[MAX_CALLS][64];     /* "" for a flag */
    int had_arg[MAX_CALLS];
};

static int record(void *ctx, int id, const char *arg, char *err, size_t errlen)
{
    struct calls *c = ctx;
    if (id == ID_FAIL || id == ID_TOKEN || (id == ID_HEADER && arg && strstr(arg, "bad"))) {
        /* An empty value refuses without a message, to exercise the default one. */
        if (arg && arg[0])
            snprintf(err, errlen, "not acceptable here");
        return -1;
    }
    if (c->n >= MAX_CALLS)
        return -1;
    c->id[c->n] = id;
    c->had_arg[c->n] = arg != NULL;
    snprintf(c->arg[c->n], sizeof c->arg[c->n], "%s", arg ? arg : "");
    c->n++;
    return 0;
}

/* The whole content of a temporary file, NUL-terminated; caller frees. */
static char *slurp(FILE *f)
{
    fflush(f);
    long len = ftell(f);
    assert_true(len >= 0);
    char *s = malloc((size_t)len + 1);
    assert_non_null(s);
    rewind(f);
    size_t got = fread(s, 1, (size_t)len, f);
    s[got] = '\0';
    return s;
}

struct result {
    int rc;
    int first;
    struct calls calls;
    char *out;      /* what went to stdout; owned */
    char *err;      /* what went to stderr; owned */
};

/* Run rt_cli_parse on argv (NULL-terminated) with stdout and stderr captured. */
static void run(struct result *r, char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    memset(r, 0, sizeof *r);
    r->first = -1;

    FILE *fo = tmpfile(), *fe = tmpfile();
    assert_non_null(fo);
    assert_non_null(fe);
    fflush(stdout);
    fflush(stderr);
    int save_out = dup(1), save_err = dup(2);
    assert_true(save_out >= 0 && save_err >= 0);
    assert_true(dup2(fileno(fo), 1) >= 0);
    assert_true(dup2(fileno(fe), 2) >= 0);

    r->rc = rt_cli_parse(&spec, argc, argv, record, &r->calls, &r->first);

    fflush(stdout);
    fflush(stderr);
    dup2(save_out, 1);
    dup2(save_err, 2);
    close(save_out);
    close(save_err);
    r->out = slurp(fo);
    r->err = slurp(fe);
    fclose(fo);
    fclose(fe);
}

static void done(struct result *r)
{
    free(r->out);
    free(r->err);
}

static void expect_call(const struct result *r, int i, int id, const char *arg)
{
    assert_true(i < r->calls.n);
    assert_int_equal(r->calls.id[i], id);
    if (arg) {
        assert_true(r->calls.had_arg[i]);
        assert_string_equal(r->calls.arg[i], arg);
    } else {
        assert_false(r->calls.had_arg[i]);
    }
}

static void test_long_and_short(void **state)
{
    (void)state;
    char *argv[] = { "tcmd", "--verbose", "-o", "a.txt", "--rate=5/s", "--output", "b.txt",
                     "-oc.txt", "--dry-run", "-v", "--rate", "2/min", NULL };
    struct result r;
    run(&r, argv);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.calls.n, 8);
    expect_call(&r, 0, ID_VERBOSE, NULL);
    expect_call(&r, 1, ID_OUTPUT, "a.txt");
    expect_call(&r, 2, ID_RATE, "5/s");
    expect_call(&r, 3, ID_OUTPUT, "b.txt");
    expect_call(&r, 4, ID_OUTPUT, "c.txt");
    expect_call(&r, 5, ID_DRY, NULL);
    expect_call(&r, 6, ID_VERBOSE, NULL);
    expect_call(&r, 7, ID_RATE, "2/min");
    assert_int_equal(r.first, 12);          /* no positionals: argc */
    assert_string_equal(r.out, "");
    assert_string_equal(r.err, "");
    done(&r);
}

static void test_short_cluster(void **state)
{
    (void)state;
    char *argv[] = { "tcmd", "-vo", "x.txt", "-vHAccept: */*", NULL };
    struct result r;
    run(&r, argv);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.calls.n, 4);
    expect_call(&r, 0, ID_VERBOSE, NULL);
    expect_call(&r, 1, ID_OUTPUT, "x.txt");
    expect_call(&r, 2, ID_VERBOSE, NULL);
    expect_call(&r, 3, ID_HEADER, "Accept: */*");
    done(&r);
}

static void test_repeatable_in_order(void **state)
{
    (void)state;
    char *argv[] = { "tcmd", "-H", "A: 1", "--header", "B: 2", "--header=C: 3", "-HD: 4",
                     NULL };
    struct result r;
    run(&r, argv);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.calls.n, 4);
    expect_call(&r, 0, ID_HEADER, "A: 1");
    expect_call(&r, 1, ID_HEADER, "B: 2");
    expect_call(&r, 2, ID_HEADER, "C: 3");
    expect_call(&r, 3, ID_HEADER, "D: 4");
    done(&r);
}

static void test_permutation(void **state)
{
    (void)state;
    char *argv[] = { "tcmd", "in1", "-v", "in2", "--output", "o.txt", "in3", "--rate=1/s",
                     NULL };
    struct result r;
    run(&r, argv);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.calls.n, 3);
    expect_call(&r, 0, ID_VERBOSE, NULL);
    expect_call(&r, 1, ID_OUTPUT, "o.txt");
    expect_call(&r, 2, ID_RATE, "1/s");
    /* Positionals end up last, in their original order. */
    assert_int_equal(r.first, 5);
    assert_string_equal(argv[5], "in1");
    assert_string_equal(argv[6], "in2");
    assert_string_equal(argv[7], "in3");
    done(&r);
}

static void test_double_dash(void **state)
{
    (void)state;
    /* After "--", an argument that looks like an option is a positional. */
    char *argv[] = { "tcmd", "in1", "-v", "--", "-o", "--verbose", NULL };
    struct result r;
    run(&r, argv);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.calls.n, 1);
    expect_call(&r, 0, ID_VERBOSE, NULL);
    assert_int_equal(6 - r.first, 3);
    assert_string_equal(argv[r.first], "in1");
    assert_string_equal(argv[r.first + 1], "-o");
    assert_string_equal(argv[r.first + 2], "--verbose");
    done(&r);
}

static void test_only_positionals(void **state)
{
    (void)state;
    char *argv[] = { "tcmd", "a", "b", NULL };
    struct result r;
    run(&r, argv);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.calls.n, 0);
    assert_int_equal(r.first, 1);
    done(&r);

    char *argv0[] = { "tcmd", NULL };
    run(&r, argv0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.first, 1);
    done(&r);
}

static void check_help_text(const char *out)
{
    assert_non_null(strstr(out, "Usage: revtrace tcmd FILE [options]\n"));
    assert_true(strncmp(out, "Usage: ", 7) == 0);
    assert_non_null(strstr(out, "A command used only by the unit tests."));
    assert_non_null(strstr(out, "Main options:\n"));
    assert_non_null(strstr(out, "More:\n"));
    assert_non_null(strstr(out, "  -v, --verbose"));
    assert_non_null(strstr(out, "  -o, --output FILE"));
    assert_non_null(strstr(out, "-H, --header 'NAME: VALUE'"));
    assert_non_null(strstr(out, "      --rate RATE"));
    assert_non_null(strstr(out, "      --dry-run"));
#ifdef RT_OPT_SECRET
    assert_non_null(strstr(out, "--token TOKEN"));
#endif
    assert_non_null(strstr(out, "  -h, --help"));
    assert_non_null(strstr(out, "write the report to FILE"));
    assert_non_null(strstr(out, "add a request header (repeatable)"));
    /* Tables in order, help ends with the examples. */
    assert_true(strstr(out, "Main options:") < strstr(out, "More:"));
    const char *ex = strstr(out, "Examples:\n");
    assert_non_null(ex);
    assert_non_null(strstr(ex, "  revtrace tcmd in.txt -o out.txt\n"));
    assert_non_null(strstr(ex, "  revtrace tcmd --rate 5/s in.txt\n"));
    size_t len = strlen(out);
    assert_string_equal(out + len - strlen(spec.examples), spec.examples);
}

static void test_help(void **state)
{
    (void)state;
    char *argv[] = { "tcmd", "--help", NULL };
    struct result r;
    run(&r, argv);
    assert_int_equal(r.rc, 1);
    assert_string_equal(r.err, "");
    check_help_text(r.out);
    done(&r);

    /* -h too, and after a valid option and a positional. */
    char *argv2[] = { "tcmd", "-v", "in.txt", "-h", "--output", "x", NULL };
    run(&r, argv2);
    assert_int_equal(r.rc, 1);
    assert_string_equal(r.err, "");
    check_help_text(r.out);
    done(&r);
}

/* A usage error: exit status 2, nothing on stdout, one message plus the --help hint. */
static void expect_usage(const struct result *r, const char *what)
{
    assert_int_equal(r->rc, RT_EXIT_USAGE);
    assert_string_equal(r->out, "");
    if (strncmp(r->err, "revtrace tcmd: ", 15) != 0)
        fail_msg("stderr does not start with the command: '%s'", r->err);
    if (!strstr(r->err, what))
        fail_msg("stderr lacks '%s': '%s'", what, r->err);
    assert_non_null(strstr(r->err, "\nTry 'revtrace tcmd --help'.\n"));
}

static void test_unknown_option(void **state)
{
    (void)state;
    struct result r;
    char *argv[] = { "tcmd", "-v", "--nope", "-o", "never", NULL };
    run(&r, argv);
    expect_usage(&r, "unknown option '--nope'");
    assert_int_equal(r.calls.n, 1);         /* stopped at the error */
    done(&r);

    char *argv2[] = { "tcmd", "-x", NULL };
    run(&r, argv2);
    expect_usage(&r, "unknown option '-x'");
    assert_int_equal(r.calls.n, 0);
    done(&r);

    /* A flag given a value is refused too. */
    char *argv3[] = { "tcmd", "--verbose=yes", NULL };
    run(&r, argv3);
    assert_int_equal(r.rc, RT_EXIT_USAGE);
    assert_string_equal(r.out, "");
    assert_non_null(strstr(r.err, "--verbose"));
    assert_int_equal(r.calls.n, 0);
    done(&r);
}

static void test_missing_argument(void **state)
{
    (void)state;
    struct result r;
    char *argv[] = { "tcmd", "in.txt", "--output", NULL };
    run(&r, argv);
    expect_usage(&r, "'--output' needs a value");
    assert_int_equal(r.calls.n, 0);
    done(&r);

    char *argv2[] = { "tcmd", "-o", NULL };
    run(&r, argv2);
    expect_usage(&r, "'-o' needs a value");
    done(&r);

    char *argv3[] = { "tcmd", "-v", "--rate", NULL };
    run(&r, argv3);
    expect_usage(&r, "'--rate' needs a value");
    assert_int_equal(r.calls.n, 1);
    done(&r);
}

static void test_handler_error(void **state)
{
    (void)state;
    struct result r;
    char *argv[] = { "tcmd", "-v", "--fail", "bad-value", "-o", "never", NULL };
    run(&r, argv);
    expect_usage(&r, "--fail bad-value: not acceptable here");
    assert_int_equal(r.calls.n, 1);         /* -o after the error is not applied */
    done(&r);

    /* Short spelling: the message still names the long option. */
    char *argv2[] = { "tcmd", "-f", "zz", NULL };
    run(&r, argv2);
    expect_usage(&r, "--fail zz: not acceptable here");
    done(&r);

    /* A handler that gives no reason gets a generic one. */
    char *argv3[] = { "tcmd", "--fail=", NULL };
    run(&r, argv3);
    expect_usage(&r, "--fail : invalid value");
    done(&r);
}

static void test_secret_not_echoed(void **state)
{
    (void)state;
    struct result r;
    char *hv[] = { "tcmd", "-H", "Authorization: Bearer bad-s3cr3t", NULL };
    run(&r, hv);
    expect_usage(&r, "--header: not acceptable here");
    assert_null(strstr(r.err, "s3cr3t"));
    assert_null(strstr(r.out, "s3cr3t"));
    done(&r);

    char *hv2[] = { "tcmd", "--header=X-Api-Key: bad-s3cr3t", NULL };
    run(&r, hv2);
    expect_usage(&r, "--header: not acceptable here");
    assert_null(strstr(r.err, "s3cr3t"));
    done(&r);

#ifdef RT_OPT_SECRET
    char *argv[] = { "tcmd", "--token", "s3cr3t-Bearer-XYZ", NULL };
    run(&r, argv);
    expect_usage(&r, "--token: not acceptable here");
    assert_null(strstr(r.err, "s3cr3t"));
    assert_null(strstr(r.out, "s3cr3t"));
    done(&r);

    char *argv2[] = { "tcmd", "--token=s3cr3t-Bearer-XYZ", NULL };
    run(&r, argv2);
    assert_int_equal(r.rc, RT_EXIT_USAGE);
    assert_null(strstr(r.err, "s3cr3t"));
    done(&r);
#endif
}

/* rt_cli_help into a string; caller frees. */
static char *help_of(const struct rt_cmd_spec *s)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    rt_cli_help(s, f);
    char *text = slurp(f);
    fclose(f);
    return text;
}

/* Collapse every run of whitespace into one space, for wrapping-insensitive comparisons. */
static void squeeze(char *s)
{
    char *w = s;
    int space = 0;
    for (char *p = s; *p; p++) {
        if (*p == ' ' || *p == '\n') {
            space = 1;
            continue;
        }
        if (space && w != s)
            *w++ = ' ';
        space = 0;
        *w++ = *p;
    }
    *w = '\0';
}

static void test_help_wraps_at_100(void **state)
{
    (void)state;
    static const char long_help[] =
        "a deliberately long help text that goes on and on about what this option does, "
        "why a user would want it, which units the value takes (us, ms, s, m, h), what the "
        "default is when the option is not given, and how it interacts with --rate and "
        "--output; it is far longer than one line of a terminal";
    /* Summaries and examples are printed verbatim: their authors break the lines. */
    static const char long_summary[] =
        "A summary paragraph that its author has broken into lines; only the option help\n"
        "is wrapped by rt_cli_help.";
    static const struct rt_opt opts[] = {
        { .name = "deadline", .short_name = 'd', .arg = "DURATION", .id = 1,
          .help = long_help },
        { .name = "a-rather-long-option-name", .arg = "SOME-LONG-ARG", .id = 2,
          .help = long_help },
        { .name = "short", .id = 3, .help = "fits on one line" },
        { .name = NULL },
    };
    static const struct rt_opt_table tabs[] = { { "Options", opts }, { NULL, NULL } };
    static const struct rt_cmd_spec s = {
        .name = "wrap", .usage = "[options]", .summary = long_summary, .tables = tabs,
        .examples = "  revtrace wrap -d 5s\n",
    };
    char *out = help_of(&s);
    int lineno = 1;
    for (const char *line = out; *line; lineno++) {
        size_t len = strcspn(line, "\n");
        if (len > 100)
            fail_msg("help line %d is %zu columns: '%.*s'", lineno, len, (int)len, line);
        line += len;
        if (*line == '\n')
            line++;
    }
    /* Wrapping loses no words and keeps them in order. */
    char *sq = strdup(long_help);
    assert_non_null(sq);
    squeeze(sq);
    squeeze(out);
    const char *first = strstr(out, sq);
    assert_non_null(first);
    assert_non_null(strstr(first + 1, sq));        /* both options' help */
    assert_non_null(strstr(out, "--short fits on one line"));
    assert_non_null(strstr(out, "-d, --deadline DURATION a deliberately long"));
    free(sq);
    free(out);
}

static void test_help_short_lines_unchanged(void **state)
{
    (void)state;
    /* One-line help stays on the option's line, in the column after the names. */
    char *out = help_of(&spec);
    check_help_text(out);
    const char *p = strstr(out, "  -o, --output FILE");
    assert_non_null(p);
    const char *nl = strchr(p, '\n');
    assert_non_null(nl);
    const char *h = strstr(p, "write the report to FILE");
    assert_true(h && h < nl);
    free(out);
}

/* What fn wrote to stderr, NUL-terminated; caller frees. */
static char *said_by(void (*fn)(void))
{
    FILE *fe = tmpfile();
    assert_non_null(fe);
    fflush(stderr);
    int save_err = dup(2);
    assert_true(save_err >= 0);
    assert_true(dup2(fileno(fe), 2) >= 0);
    fn();
    fflush(stderr);
    dup2(save_err, 2);
    close(save_err);
    char *s = slurp(fe);
    fclose(fe);
    return s;
}

static void say_every_kind(void)
{
    rt_msg_info("%s", "news");
    rt_msg_status("replay", "x=%d", 1);
    rt_msg_warn("careful");
    rt_msg_error("%s: %s", "capture", "broken");
}

static void say_over_a_live_line(void)
{
    rt_msg_live(NULL, "%d%%", 50);
    rt_msg_live("capture", "starting in %d s", 3);
    rt_msg_error("boom");                       /* ends the live line first */
    rt_msg_live_end();                          /* nothing drawn: nothing to end */
    rt_msg_live(NULL, "again");
    rt_msg_usage("tcmd", "bad");
    rt_msg_live(NULL, "last");
    rt_msg_live_end();
}

static void say_long(void)
{
    char big[3001];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    rt_msg_status("capture", "%s|", big);
}

static void test_messages(void **state)
{
    (void)state;
    char *s = said_by(say_every_kind);
    assert_string_equal(s, "revtrace: news\nrevtrace: replay: x=1\n"
                           "revtrace: warning: careful\nrevtrace: capture: broken\n");
    free(s);

    s = said_by(say_over_a_live_line);
    assert_string_equal(s, "\r50%\033[K\rrevtrace: capture: starting in 3 s\033[K\n"
                           "revtrace: boom\n\ragain\033[K\nrevtrace tcmd: bad\n"
                           "Try 'revtrace tcmd --help'.\n\rlast\033[K\n");
    free(s);

    /* Longer than the helper's stack buffer: whole all the same. */
    s = said_by(say_long);
    assert_int_equal(strlen(s), strlen("revtrace: capture: ") + 3000 + 2);
    assert_int_equal(strncmp(s, "revtrace: capture: aaa", 22), 0);
    assert_string_equal(s + strlen(s) - 3, "a|\n");
    free(s);
}

static void test_opt_fail_and_choose(void **state)
{
    (void)state;
    static const struct rt_opt_word three[] = { { "all", 1 }, { "errors", 0 }, { "none", 2 },
                                                { NULL, 0 } };
    static const struct rt_opt_word two[] = { { "random", 5 }, { "sequential", 6 },
                                              { NULL, 0 } };
    char err[64];
    int v = -7;
    assert_int_equal(rt_opt_fail(err, sizeof err, "give %d to %d", 1, 9), -1);
    assert_string_equal(err, "give 1 to 9");

    assert_int_equal(rt_opt_choose("none", three, &v, err, sizeof err), 0);
    assert_int_equal(v, 2);
    assert_int_equal(rt_opt_choose("sequential", two, &v, err, sizeof err), 0);
    assert_int_equal(v, 6);

    v = -7;
    assert_int_equal(rt_opt_choose("All", three, &v, err, sizeof err), -1);
    assert_int_equal(v, -7);                     /* untouched on refusal */
    assert_string_equal(err, "choose all, errors or none");
    assert_int_equal(rt_opt_choose("", two, &v, err, sizeof err), -1);
    assert_string_equal(err, "choose random or sequential");

    /* A short buffer is cut, never overrun. */
    memset(err, 'x', sizeof err);
    assert_int_equal(rt_opt_choose("?", three, &v, err, 10), -1);
    assert_string_equal(err, "choose al");
    assert_int_equal(err[10], 'x');
}

/* Every store code has the exit status the commands have always given it. */
static void test_exit_for_store(void **state)
{
    (void)state;
    assert_int_equal(rt_exit_for_store(0), RT_EXIT_OK);
    assert_int_equal(rt_exit_for_store(-RT_STORE_EIO), RT_EXIT_RUNTIME);
    assert_int_equal(rt_exit_for_store(-RT_STORE_EBUSY), RT_EXIT_RUNTIME);
    assert_int_equal(rt_exit_for_store(-RT_STORE_ENOTOURS), RT_EXIT_USAGE);
    assert_int_equal(rt_exit_for_store(-RT_STORE_ENEWER), RT_EXIT_USAGE);
    assert_int_equal(rt_exit_for_store(-RT_STORE_ENOENT), RT_EXIT_USAGE);
    assert_int_equal(rt_exit_for_store(-RT_STORE_ENORUN), RT_EXIT_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_and_short),
        cmocka_unit_test(test_short_cluster),
        cmocka_unit_test(test_repeatable_in_order),
        cmocka_unit_test(test_permutation),
        cmocka_unit_test(test_double_dash),
        cmocka_unit_test(test_only_positionals),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_unknown_option),
        cmocka_unit_test(test_missing_argument),
        cmocka_unit_test(test_handler_error),
        cmocka_unit_test(test_secret_not_echoed),
        cmocka_unit_test(test_help_wraps_at_100),
        cmocka_unit_test(test_help_short_lines_unchanged),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_opt_fail_and_choose),
        cmocka_unit_test(test_exit_for_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
