/*
 * revtrace.c - the dispatcher: one binary, a table of subcommands, --help and --version.
 *
 * Everything else lives in the subcommand folders (capture/ replay/ analyze/ emulate/ synth/)
 * over the core library (core/).
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

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
