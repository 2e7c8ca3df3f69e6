/*
 * cli.c - option tables to getopt_long and to --help; the one message helper; the one
 * mapping from store errors to exit statuses.
 *
 * A command's tables are flattened into one struct option array whose val is the index of
 * the entry, so long options need no separate id space; short options are mapped back to
 * their entry by letter.
 *
 * Messages: each is formatted whole and written with one fprintf, because stderr is
 * unbuffered and a line written in pieces is several writes (a redrawn live line would
 * flicker, and shards sharing a terminal could interleave mid-line).  The live line's state
 * is a single flag here: stderr is one per process, and so is the line drawn on it.
 */
#include "tool/cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/store.h"

#define RT_OPT_HELP_IDX 10000

static int live_drawn;      /* a live line is on stderr, not yet ended by a newline */

/*
 * pre, then "<cmd>: " when cmd is not NULL, the message and post, on stderr.  In one write
 * when the text fits or memory allows, else streamed (the bytes are the same).
 */
static void vmsg(const char *pre, const char *cmd, const char *post, const char *fmt,
                 va_list ap)
{
    char small[512], *big = NULL;
    const char *text = small;
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(small, sizeof small, fmt, aq);
    va_end(aq);
    if (n >= 0 && (size_t)n >= sizeof small && (big = malloc((size_t)n + 1)) != NULL)
        text = big;
    if (n < 0 || ((size_t)n >= sizeof small && !big)) {
        fprintf(stderr, "%s%s%s", pre, cmd ? cmd : "", cmd ? ": " : "");
        vfprintf(stderr, fmt, ap);
        fputs(post, stderr);
        return;
    }
    if (big)
        vsnprintf(big, (size_t)n + 1, fmt, ap);
    fprintf(stderr, "%s%s%s%s%s", pre, cmd ? cmd : "", cmd ? ": " : "", text, post);
    free(big);
}

void rt_msg_live_end(void)
{
    if (live_drawn) {
        fputc('\n', stderr);
        live_drawn = 0;
    }
}

void rt_msg_live(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(cmd ? "\rrevtrace: " : "\r", cmd, "\033[K", fmt, ap);
    va_end(ap);
    fflush(stderr);
    live_drawn = 1;
}

void rt_msg_error(const char *fmt, ...)
{
    va_list ap;
    rt_msg_live_end();
    va_start(ap, fmt);
    vmsg("revtrace: ", NULL, "\n", fmt, ap);
    va_end(ap);
}

void rt_msg_warn(const char *fmt, ...)
{
    va_list ap;
    rt_msg_live_end();
    va_start(ap, fmt);
    vmsg("revtrace: warning: ", NULL, "\n", fmt, ap);
    va_end(ap);
}

void rt_msg_info(const char *fmt, ...)
{
    va_list ap;
    rt_msg_live_end();
    va_start(ap, fmt);
    vmsg("revtrace: ", NULL, "\n", fmt, ap);
    va_end(ap);
}

void rt_msg_status(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    rt_msg_live_end();
    va_start(ap, fmt);
    vmsg("revtrace: ", cmd, "\n", fmt, ap);
    va_end(ap);
}

int rt_msg_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    rt_msg_live_end();
    fprintf(stderr, "revtrace %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'revtrace %s --help'.\n", cmd);
    return RT_EXIT_USAGE;
}

int rt_opt_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

int rt_opt_choose(const char *arg, const struct rt_opt_word *words, int *value, char *err,
                  size_t errlen)
{
    size_t k = 0;
    for (const struct rt_opt_word *w = words; w->word; w++)
        if (strcmp(arg, w->word) == 0) {
            *value = w->value;
            return 0;
        }
    k += (size_t)snprintf(err, errlen, "choose ");
    for (const struct rt_opt_word *w = words; w->word && k < errlen; w++)
        k += (size_t)snprintf(err + k, errlen - k, "%s%s", w->word,
                              !w[1].word ? "" : !w[2].word ? " or " : ", ");
    return -1;
}

int rt_exit_for_store(int rc)
{
    if (rc == 0)
        return RT_EXIT_OK;
    return rc == -RT_STORE_EIO || rc == -RT_STORE_EBUSY ? RT_EXIT_RUNTIME : RT_EXIT_USAGE;
}

static size_t count_opts(const struct rt_cmd_spec *spec)
{
    size_t n = 0;
    for (const struct rt_opt_table *t = spec->tables; t && t->opts; t++)
        for (const struct rt_opt *o = t->opts; o->name; o++)
            n++;
    return n;
}

static const struct rt_opt *nth_opt(const struct rt_cmd_spec *spec, size_t idx)
{
    size_t n = 0;
    for (const struct rt_opt_table *t = spec->tables; t && t->opts; t++)
        for (const struct rt_opt *o = t->opts; o->name; o++)
            if (n++ == idx)
                return o;
    return NULL;
}

/*
 * Write text starting at column indent (the cursor is already there), breaking at spaces so
 * that no line passes width columns; continuation lines are indented.  A word longer than
 * the room is written whole.
 */
static void print_wrapped(FILE *out, const char *text, int indent, int width)
{
    int room = width - indent, col = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t w = strcspn(p, " ");
        if (w == 0)
            break;
        if (col > 0 && col + 1 + (int)w > room) {
            fprintf(out, "\n%*s", indent, "");
            col = 0;
        }
        if (col > 0) {
            fputc(' ', out);
            col++;
        }
        fwrite(p, 1, w, out);
        col += (int)w;
        p += w;
    }
    fputc('\n', out);
}

void rt_cli_help(const struct rt_cmd_spec *spec, FILE *out)
{
    fprintf(out, "Usage: revtrace %s %s\n\n", spec->name, spec->usage);
    if (spec->summary)
        fprintf(out, "%s\n", spec->summary);
    for (const struct rt_opt_table *t = spec->tables; t && t->opts; t++) {
        fprintf(out, "\n%s:\n", t->title ? t->title : "Options");
        for (const struct rt_opt *o = t->opts; o->name; o++) {
            char left[64];
            int n;
            if (o->short_name)
                n = snprintf(left, sizeof left, "  -%c, --%s", o->short_name, o->name);
            else
                n = snprintf(left, sizeof left, "      --%s", o->name);
            if (o->arg && n > 0 && (size_t)n < sizeof left)
                snprintf(left + n, sizeof left - (size_t)n, " %s", o->arg);
            if (strlen(left) >= 28)
                fprintf(out, "%s\n%-28s ", left, "");
            else
                fprintf(out, "%-28s ", left);
            print_wrapped(out, o->help, 29, 100);
        }
    }
    fprintf(out, "\n%-28s %s\n", "  -h, --help", "show this help and exit");
    if (spec->examples)
        fprintf(out, "\nExamples:\n%s", spec->examples);
}

const struct rt_exit_doc rt_exit_docs[] = {
    { RT_EXIT_OK, "success: the run ended (whatever the server answered), the analysis passed "
                  "every verdict, the command did what was asked" },
    { RT_EXIT_VERDICT, "analyze: a verdict failed (--slo, --min-rate, --max-errors, "
                       "--threshold)" },
    { RT_EXIT_USAGE, "usage or input error: a bad option or value, an unreadable input file, a "
                     "database that is not revtrace's or is newer, an unknown run; nothing was "
                     "written" },
    { RT_EXIT_RUNTIME, "runtime failure: the database, the network set-up, an output that "
                       "cannot be written, a Conduit error (analyze --phab-task); a run is "
                       "marked failed" },
    { RT_EXIT_SIGINT, "interrupted by SIGINT (Ctrl-C); the rows recorded so far are kept and "
                      "the run is marked interrupted" },
    { RT_EXIT_SIGTERM, "terminated by SIGTERM; as for SIGINT" },
    { 0, NULL },
};

void rt_cli_roff(FILE *out, const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", out);
    for (const char *p = s; *p; p++) {
        if (*p == '\\')
            fputs("\\e", out);
        else if (*p == '-' && (p == s || p[-1] == ' ' || p[-1] == '-' || p[-1] == '[' ||
                               p[-1] == '('))
            fputs("\\-", out);     /* an option's dash, not a hyphen: copy-pastable */
        else
            fputc(*p, out);
    }
}

/* Text of several lines as roff paragraphs: each line through rt_cli_roff. */
static void roff_lines(FILE *out, const char *text)
{
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)n, p);
        rt_cli_roff(out, line);
        fputc('\n', out);
        p += n;
        if (*p)
            p++;
    }
}

void rt_cli_man(const struct rt_cmd_spec *spec, FILE *out)
{
    char b[512];
    snprintf(b, sizeof b, "revtrace %s %s", spec->name, spec->usage);
    fputs(".SS \"", out);
    rt_cli_roff(out, b);
    fputs("\"\n", out);
    if (spec->summary)
        roff_lines(out, spec->summary);
    for (const struct rt_opt_table *t = spec->tables; t && t->opts; t++) {
        fputs(".PP\n.I \"", out);
        rt_cli_roff(out, t->title ? t->title : "Options");
        fputs("\"\n", out);
        for (const struct rt_opt *o = t->opts; o->name; o++) {
            fputs(".TP\n", out);
            if (o->short_name)
                fprintf(out, "\\fB\\-%c\\fR, ", o->short_name);
            fputs("\\fB\\-\\-", out);
            for (const char *c = o->name; *c; c++)     /* every dash of a name is a minus */
                *c == '-' ? fputs("\\-", out) : fputc(*c, out);
            fputs("\\fR", out);
            if (o->arg) {
                fputs(" \\fI", out);
                rt_cli_roff(out, o->arg);
                fputs("\\fR", out);
            }
            fputc('\n', out);
            roff_lines(out, o->help);
        }
    }
    if (spec->examples) {
        fputs(".PP\n.I Examples\n.PP\n.nf\n.RS 2\n", out);
        roff_lines(out, spec->examples);
        fputs(".RE\n.fi\n", out);
    }
}

void rt_cli_words(const struct rt_cmd_spec *spec, FILE *out)
{
    for (const struct rt_opt_table *t = spec->tables; t && t->opts; t++)
        for (const struct rt_opt *o = t->opts; o->name; o++) {
            if (o->short_name)
                fprintf(out, "-%c ", o->short_name);
            fprintf(out, "--%s ", o->name);
        }
    fputs("-h --help", out);   /* no newline: revtrace.c quotes the line as it is */
}

/* The hidden first arguments: 1 when one was answered (the caller exits 0), else 0. */
static int generated_help(const struct rt_cmd_spec *spec, int argc, char **argv)
{
    if (argc != 2)
        return 0;
    if (strcmp(argv[1], "--help-man") == 0)
        rt_cli_man(spec, stdout);
    else if (strcmp(argv[1], "--help-words") == 0)
        rt_cli_words(spec, stdout);
    else
        return 0;
    return 1;
}

int rt_cli_parse(const struct rt_cmd_spec *spec, int argc, char **argv,
                 rt_opt_fn fn, void *ctx, int *first_positional)
{
    if (generated_help(spec, argc, argv))
        return 1;
    size_t n = count_opts(spec);
    struct option *longs = calloc(n + 2, sizeof *longs);
    char *shorts = calloc(2 * n + 4, 1);
    int rc = 0;
    if (!longs || !shorts) {
        rt_msg_error("out of memory");
        rc = RT_EXIT_USAGE;
        goto out;
    }
    /* '+' would stop at the first positional; we want GNU permutation, and ':' to report. */
    size_t sl = 0;
    shorts[sl++] = ':';
    for (size_t i = 0; i < n; i++) {
        const struct rt_opt *o = nth_opt(spec, i);
        longs[i].name = o->name;
        longs[i].has_arg = o->arg ? required_argument : no_argument;
        longs[i].flag = NULL;
        longs[i].val = (int)i + 1000;
        if (o->short_name) {
            shorts[sl++] = (char)o->short_name;
            if (o->arg)
                shorts[sl++] = ':';
        }
    }
    longs[n].name = "help";
    longs[n].has_arg = no_argument;
    longs[n].val = RT_OPT_HELP_IDX;
    shorts[sl++] = 'h';

    optind = 0;   /* 0: glibc re-initialises getopt fully (a previous parse may have stopped mid "-abc") */
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, shorts, longs, NULL);
        if (c == -1)
            break;
        if (c == RT_OPT_HELP_IDX || c == 'h') {
            rt_cli_help(spec, stdout);
            rc = 1;
            goto out;
        }
        if (c == '?') {
            if (optopt && optopt < 1000)
                rc = rt_msg_usage(spec->name, "unknown option '-%c'", optopt);
            else
                rc = rt_msg_usage(spec->name, "unknown option '%s'", argv[optind - 1]);
            goto out;
        }
        if (c == ':') {
            rc = rt_msg_usage(spec->name, "option '%s' needs a value", argv[optind - 1]);
            goto out;
        }
        const struct rt_opt *o = NULL;
        if (c >= 1000 && (size_t)(c - 1000) < n) {
            o = nth_opt(spec, (size_t)(c - 1000));
        } else {
            for (size_t i = 0; i < n && !o; i++) {
                const struct rt_opt *p = nth_opt(spec, i);
                if (p->short_name == c)
                    o = p;
            }
        }
        if (!o) {
            rc = rt_msg_usage(spec->name, "unknown option '%s'", argv[optind - 1]);
            goto out;
        }
        char err[512] = "";
        if (fn(ctx, o->id, optarg, err, sizeof err) != 0) {
            /* A header's value may be a credential (curl's -H): never echo it. */
            int show = optarg && strcmp(o->name, "header") != 0;
            rc = rt_msg_usage(spec->name, "--%s%s%s: %s", o->name, show ? " " : "",
                              show ? optarg : "", err[0] ? err : "invalid value");
            goto out;
        }
    }
    *first_positional = optind;
out:
    free(longs);
    free(shorts);
    return rc;
}
