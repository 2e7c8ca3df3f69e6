/*
 * revtrace.c - the dispatcher: one binary, a table of subcommands, --help and --version.
 *
 * Two hidden arguments write what is generated from the commands' option tables at build
 * time: --help-man the manual page revtrace(1), --help-completion a bash completion.
 *
 * Everything else lives in the subcommand folders (capture/ replay/ analyze/ emulate/ synth/)
 * over the core library (core/).
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

/* The manual names the installed files under this; make install puts its PREFIX in. */
#define RT_PREFIX "@PREFIX@"

#include "commands.h"
#include "core/store.h"
#include "tool/cli.h"

static const struct {
    const char *name;
    int (*main)(int argc, char **argv);
    const char *summary;
} commands[] = {
    { "capture", capture_main, "send requests at a workload model's times and record them" },
    { "replay",  replay_main,  "re-issue a recorded run or timed trace at a speed factor" },
    { "analyze", analyze_main, "percentiles, SLO verdicts, comparisons, reports" },
    { "emulate", emulate_main, "a local stand-in for the inference service" },
    { "synth",   synth_main,   "generate a synthetic production-like timed trace" },
};

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: revtrace COMMAND [options]\n\n"
            "Capture, replay and analyze HTTP load-test traces of ML inference APIs.\n"
            "Every request's timing goes into SQLite; latency counts from the scheduled\n"
            "send time, so a slow server cannot hide behind a slow load generator.\n\n"
            "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\nOptions:\n"
            "  -h, --help     show this help\n"
            "  --version      show the version and the libraries in use\n\n"
            "Run 'revtrace COMMAND --help' for a command's options.\n\n"
            "Example:\n"
            "  revtrace emulate --listen 127.0.0.1:8080 &\n"
            "  revtrace capture http://127.0.0.1:8080/v1/models/revertrisk-wikidata:predict \\\n"
            "      --revids data/revids.csv --rate 42/s --duration 1m\n"
            "  revtrace analyze --slo 'p90<=500ms' --min-rate 150000/h\n");
}

#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* Each command's own part of a generated file: `revtrace CMD FLAG`, its output flushed in
 * order with ours; as_case wraps each in a bash `case` arm (the completion's word lists). */
static void each_command(const char *flag, int as_case)
{
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (as_case)
            printf("        %s) words=\"", commands[i].name);
        fflush(stdout);
        char *args[] = { (char *)commands[i].name, (char *)flag, NULL };
        commands[i].main(2, args);
        fflush(stdout);
        if (as_case)
            printf("\" ;;\n");
    }
}

/* revtrace(1): a header, each command's section (from its option tables, through
 * `revtrace CMD --help-man`), the exit statuses, files, examples. */
static void manual(void)
{
    printf(".TH REVTRACE 1 \"\" \"revtrace %s\" \"User Commands\"\n.nh\n.ad l\n"
           ".SH NAME\nrevtrace \\- capture, replay and analyze HTTP load-test traces of ML "
           "inference APIs\n.SH SYNOPSIS\n", RT_VERSION);
    for (size_t i = 0; i < NCOMMANDS; i++)
        printf(".B revtrace %s\n[options]\n.br\n", commands[i].name);
    printf(".B revtrace\n\\-\\-help | \\-\\-version\n"
           ".SH DESCRIPTION\n"
           "revtrace sends HTTP requests at the times a workload model fixes in advance (open "
           "loop) or as locust-style users (closed loop), replays recorded runs and timed "
           "traces, and records every request's timing phases and status into SQLite.  Latency "
           "counts from the scheduled send time, so a slow server cannot hide behind a slow "
           "load generator.  One binary, five commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        printf(".TP\n.B %s\n%s\n", commands[i].name, commands[i].summary);
    printf(".SH COMMANDS\nEvery command takes \\fB\\-h\\fR, \\fB\\-\\-help\\fR "
           "(its options and examples, as below).\n");
    each_command("--help-man", 0);
    printf(".SH EXIT STATUS\n");
    for (const struct rt_exit_doc *e = rt_exit_docs; e->meaning; e++) {
        printf(".TP\n.B %d\n", e->status);
        rt_cli_roff(stdout, e->meaning);
        putchar('\n');
    }
    printf(".SH FILES\n.TP\n.I revtrace.db\nthe default database (\\fB\\-\\-db\\fR)\n"
           ".TP\n.I ~/.arcrc\narc's configuration: the Conduit token "
           "\\fBanalyze \\-\\-phab\\-task\\fR uses without "
           "\\fB\\-\\-phab\\-token\\-file\\fR\n"
           ".TP\n.I %s/share/revtrace/data\nthe sample inputs (revids.csv, "
           "wikidata-synthetic-1h.csv.gz, phab-locust-runs.csv)\n"
           ".TP\n.I %s/share/doc/revtrace\nREADME.md and docs/: one page per command, the "
           "schema, queries\n", RT_PREFIX, RT_PREFIX);
    printf(".SH EXAMPLE\n.nf\n.RS 2\n"
           "revtrace emulate \\-\\-listen 127.0.0.1:8080 &\n"
           "revtrace capture http://127.0.0.1:8080/v1/models/revertrisk\\-wikidata:predict \\e\n"
           "    \\-\\-revids data/revids.csv \\-\\-rate 42/s \\-\\-duration 1m\n"
           "revtrace analyze \\-\\-slo 'p90<=500ms' \\-\\-min\\-rate 150000/h "
           "\\-\\-max\\-errors 1%%\n"
           ".RE\n.fi\n"
           ".SH SEE ALSO\n\\fBsqlite3\\fR(1), \\fBcurl\\fR(1), \\fBarc\\fR(1)\n");
}

/* A bash completion: the commands, then each command's option words (from its tables,
 * through `revtrace CMD --help-words`); anything else falls back to file names. */
static void completion(void)
{
    printf("# bash completion for revtrace %s; generated by `revtrace --help-completion`\n"
           "# from the option tables that make --help (do not edit).\n"
           "_revtrace()\n{\n"
           "    local cur=${COMP_WORDS[COMP_CWORD]} words\n"
           "    COMPREPLY=()\n"
           "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
           "        words=\"", RT_VERSION);
    for (size_t i = 0; i < NCOMMANDS; i++)
        printf("%s ", commands[i].name);
    printf("--help --version\"\n"
           "    else\n"
           "        case ${COMP_WORDS[1]} in\n");
    each_command("--help-words", 1);   /* each one line, no newline */
    printf("        *) return ;;\n"
           "        esac\n"
           "        case $cur in -*) ;; *) return ;; esac   # a value: file names\n"
           "    fi\n"
           "    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
           "}\n"
           "complete -o bashdefault -o default -F _revtrace revtrace\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return RT_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return RT_EXIT_OK;
    }
    if (strcmp(cmd, "--help-man") == 0) {
        manual();
        return RT_EXIT_OK;
    }
    if (strcmp(cmd, "--help-completion") == 0) {
        completion();
        return RT_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0 ||
        strcmp(cmd, "version") == 0) {
        printf("revtrace %s (libcurl %s, SQLite %s)\n", RT_VERSION,
               curl_version_info(CURLVERSION_NOW)->version, rt_store_sqlite_version());
        return RT_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].main(argc - 1, argv + 1);
    rt_msg_error("unknown command '%s'; the commands are capture, replay, analyze, emulate, "
                 "synth (try 'revtrace --help')", cmd);
    return RT_EXIT_USAGE;
}
