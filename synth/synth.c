/*
 * synth.c - `revtrace synth`: write a synthetic, production-like timed trace (timestamp,rev_id)
 * that `revtrace replay --trace` reads.
 *
 * The generator is synth/synthgen.c (seeded, deterministic); this file is options and output.
 * Output is CSV with a header, ISO-8601 UTC timestamps to the microsecond; a name ending in
 * ".gz" is written gzip-compressed (zlib, no timestamp in the gzip header, so the bytes are
 * reproducible).  The file is written under a temporary name and renamed at the end, so an
 * error never leaves half a trace behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "commands.h"
#include "tool/cli.h"
#include "core/clock.h"
#include "synth/synthgen.h"
#include "core/units.h"

enum { O_DURATION = 1, O_REQUESTS, O_RATE, O_SEED, O_START, O_FIRST_REV, O_BURSTS, O_OUTPUT };

static const struct rt_opt synth_opts[] = {
    { "duration", 'd', "D", O_DURATION, "length of the trace (default 1h; e.g. 10m)" },
    { "requests", 'n', "N", O_REQUESTS, "at most N edits (alone: exactly N, window sized "
      "from the rate)" },
    { "rate", 'r', "RATE", O_RATE, "mean edit rate over the trace (default 30000/h)" },
    { "seed", 's', "N", O_SEED, "random seed (default 1): same seed, same trace" },
    { "start", 0, "TIME", O_START, "UTC time of the first instant (default "
      "2025-11-03T14:00:00Z)" },
    { "first-rev-id", 0, "N", O_FIRST_REV, "first synthetic revision ID (default 2350000000)" },
    { "bursts", 0, "SHARE", O_BURSTS, "share of edits in bot bursts (default 12%; 0 for none)" },
    { "output", 'o', "FILE", O_OUTPUT, "write here (default stdout); FILE.gz is gzipped" },
    { NULL, 0, NULL, 0, NULL },
};

static const struct rt_opt_table synth_tables[] = {
    { "Options", synth_opts },
    { NULL, NULL },
};

static const struct rt_cmd_spec synth_spec = {
    "synth",
    "[options]",
    "Generate a synthetic, Wikidata-like timed edit stream for `revtrace replay --trace`:\n"
    "a non-homogeneous Poisson background (slow diurnal curve) plus bot bursts of a few\n"
    "hundred edits at several per second.  Revision IDs are SYNTHETIC: increasing in time\n"
    "like real Wikidata revision IDs, but they do not name real edits.  Output is CSV\n"
    "'timestamp,rev_id' (ISO-8601 UTC, microseconds).",
    synth_tables,
    "  revtrace synth --duration 1h --seed 1 -o data/wikidata-synthetic-1h.csv.gz\n"
    "  revtrace synth --requests 10000 --rate 2000/s -o trace10k.csv\n"
    "  revtrace synth --duration 10m --bursts 0 | head\n",
};

struct synth_args {
    struct rt_synth_cfg cfg;
    int duration_given;
    const char *output;
};

static int apply(void *ctx, int id, const char *arg, char *err, size_t errlen)
{
    struct synth_args *a = ctx;
    int64_t v;
    switch (id) {
    case O_DURATION:
        if (rt_parse_duration_us(arg, &a->cfg.duration_us) != 0 || a->cfg.duration_us <= 0) {
            snprintf(err, errlen, "expected a positive duration such as 10m or 1h");
            return -1;
        }
        a->duration_given = 1;
        return 0;
    case O_REQUESTS:
        if (rt_parse_count(arg, &a->cfg.requests) != 0 || a->cfg.requests <= 0) {
            snprintf(err, errlen, "expected a positive whole number");
            return -1;
        }
        return 0;
    case O_RATE:
        if (rt_parse_rate_per_s(arg, &a->cfg.rate_per_s) != 0 || !(a->cfg.rate_per_s > 0)) {
            snprintf(err, errlen, "expected a positive rate such as 30000/h, 500/min or 8/s");
            return -1;
        }
        return 0;
    case O_SEED:
        if (rt_parse_count(arg, &v) != 0) {
            snprintf(err, errlen, "expected a non-negative whole number");
            return -1;
        }
        a->cfg.seed = (uint64_t)v;
        return 0;
    case O_START:
        if (rt_parse_time_utc(arg, &a->cfg.start_unix_us) != 0) {
            snprintf(err, errlen, "expected a UTC time such as 2025-11-03T14:00:00Z or Unix "
                     "seconds");
            return -1;
        }
        return 0;
    case O_FIRST_REV:
        if (rt_parse_count(arg, &a->cfg.first_rev_id) != 0 || a->cfg.first_rev_id <= 0) {
            snprintf(err, errlen, "expected a positive revision ID");
            return -1;
        }
        return 0;
    case O_BURSTS:
        if (rt_parse_ratio(arg, &a->cfg.burst_share) != 0 || a->cfg.burst_share > 0.9) {
            snprintf(err, errlen, "expected a share between 0 and 90%% such as 12%% or 0.12");
            return -1;
        }
        return 0;
    case O_OUTPUT:
        a->output = arg;
        return 0;
    }
    snprintf(err, errlen, "unknown option");
    return -1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Write the events to out (plain stdio or gzip).  Returns 0 or -1 with errno-ish text. */
static int write_events(FILE *f, gzFile gz, const struct rt_synth_event *ev, size_t n)
{
    char line[96], ts[40];
    const char *header = "timestamp,rev_id\n";
    if (gz ? gzputs(gz, header) < 0 : fputs(header, f) == EOF)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int len = snprintf(line, sizeof line, "%s,%lld\n",
                           rt_iso8601_utc(ts, sizeof ts, ev[i].t_unix_us),
                           (long long)ev[i].rev_id);
        if (gz ? gzwrite(gz, line, (unsigned)len) != len
               : fwrite(line, 1, (size_t)len, f) != (size_t)len)
            return -1;
    }
    return 0;
}

int synth_main(int argc, char **argv)
{
    struct synth_args a;
    memset(&a, 0, sizeof a);
    rt_synth_cfg_default(&a.cfg);
    int first = 0;
    int rc = rt_cli_parse(&synth_spec, argc, argv, apply, &a, &first);
    if (rc == 1)
        return RT_EXIT_OK;
    if (rc != 0)
        return RT_EXIT_USAGE;
    if (first < argc)
        return rt_msg_usage("synth", "unexpected argument '%s' (synth takes options only)",
                            argv[first]);
    if (a.cfg.requests > 0 && !a.duration_given)
        a.cfg.duration_us = 0;           /* --requests alone: size the window from the rate */

    struct rt_synth_event *ev = NULL;
    size_t n = 0;
    char err[256];
    char *tmp = NULL;
    FILE *f = NULL;
    gzFile gz = NULL;
    rc = RT_EXIT_RUNTIME;
    if (rt_synth_generate(&a.cfg, &ev, &n, err, sizeof err) != 0) {
        rc = rt_msg_usage("synth", "%s", err);
        goto out;
    }
    if (n == 0) {
        rc = rt_msg_usage("synth", "the window holds no edits at this rate; give a longer "
                          "--duration or a higher --rate");
        goto out;
    }
    if (!a.output || strcmp(a.output, "-") == 0) {
        if (write_events(stdout, NULL, ev, n) != 0 || fflush(stdout) != 0) {
            rt_msg_error("cannot write to stdout: %s", strerror(errno));
            goto out;
        }
        rc = RT_EXIT_OK;
        goto out;
    }
    size_t tl = strlen(a.output) + 32;
    tmp = malloc(tl);
    if (!tmp) {
        rt_msg_error("out of memory");
        goto out;
    }
    snprintf(tmp, tl, "%s.tmp.%ld", a.output, (long)getpid());
    int werr;
    if (ends_with(a.output, ".gz")) {
        gz = gzopen(tmp, "wb9");
        if (!gz) {
            rt_msg_error("cannot create %s: %s", a.output, strerror(errno));
            goto out;
        }
        werr = write_events(NULL, gz, ev, n);
        if (gzclose(gz) != Z_OK)
            werr = -1;
        gz = NULL;
    } else {
        f = fopen(tmp, "w");
        if (!f) {
            rt_msg_error("cannot create %s: %s", a.output, strerror(errno));
            goto out;
        }
        werr = write_events(f, NULL, ev, n);
        if (fclose(f) != 0)
            werr = -1;
        f = NULL;
    }
    if (werr != 0 || rename(tmp, a.output) != 0) {
        rt_msg_error("cannot write %s: %s", a.output, strerror(errno));
        unlink(tmp);
        goto out;
    }
    rc = RT_EXIT_OK;
out:
    free(tmp);
    free(ev);
    return rc;
}
