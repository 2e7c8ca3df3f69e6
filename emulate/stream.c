/*
 * stream.c - the synthetic EventStreams feed of `emulate --stream-rate R`: the events of
 * GET /v2/stream/recentchange, as pure functions of the configuration (no I/O, no clock).
 *
 * The feed is one fixed sequence of events numbered from 1 (the number is the offset in the
 * SSE id, so Last-Event-ID resumes after it).  Wikidata edits arrive as a Poisson process of
 * R per second; after an edit, with probability 1/10 each, an event of another wiki (an
 * enwiki edit) or another type (a wikidatawiki log event) follows at the same instant, so a
 * client's filter is exercised.  Edits carry distinct, increasing rev IDs (each 1 to 5 above
 * the previous, from 2,300,000,001).  Everything is drawn from one rt_rng seeded with
 * --seed, walked in order: every connection (and every reconnect, which walks up to its
 * Last-Event-ID) sees exactly the same events at the same offsets from the feed's start.
 * --stream-events N ends the feed after its N-th edit.
 */
#include "emulate/emulate.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

#define FEED_FIRST_REV 2300000000LL
#define FEED_OTHER_PER_EDIT 0.2     /* 0.1 other wiki + 0.1 other type */

void emu_feed_start(const struct emu_config *cfg, struct emu_feed_pos *p)
{
    memset(p, 0, sizeof *p);
    rt_rng_seed(&p->rng, cfg->seed ^ 0x5ee5eedULL);
    p->rev_id = FEED_FIRST_REV;
    emu_feed_next(cfg, p);
}

void emu_feed_next(const struct emu_config *cfg, struct emu_feed_pos *p)
{
    p->k++;
    double u = p->kind == EMU_FEED_EDIT && p->k > 1 ? rt_rng_uniform(&p->rng) : 1.0;
    if (u < FEED_OTHER_PER_EDIT / 2) {
        p->kind = EMU_FEED_OTHER_WIKI;      /* at the same instant as the edit before */
        return;
    }
    if (u < FEED_OTHER_PER_EDIT) {
        p->kind = EMU_FEED_OTHER_TYPE;
        return;
    }
    p->kind = EMU_FEED_EDIT;
    p->t_us += (int64_t)(rt_rng_exp(&p->rng, cfg->stream_rate_per_s) * 1e6 + 0.5);
    p->rev_id += 1 + (int64_t)rt_rng_below(&p->rng, 5);
    p->edits++;
}

int emu_feed_ended(const struct emu_config *cfg, const struct emu_feed_pos *p)
{
    int64_t before = p->edits - (p->kind == EMU_FEED_EDIT);
    return cfg->stream_events > 0 && before >= cfg->stream_events;
}

/* "2026-12-01T15:04:05.123Z": EventStreams' meta.dt has milliseconds. */
static void dt_ms(char *buf, size_t cap, int64_t unix_us)
{
    char s[40];
    rt_iso8601_utc_s(s, sizeof s, unix_us);
    size_t n = strlen(s);
    if (n > 0 && s[n - 1] == 'Z')
        s[n - 1] = '\0';
    int64_t ms = (unix_us % 1000000 + 1000000) % 1000000 / 1000;
    snprintf(buf, cap, "%s.%03" PRId64 "Z", s, ms);
}

size_t emu_feed_format(const struct emu_feed_pos *p, int64_t t0_wall_us, char *buf,
                       size_t cap)
{
    char dt[48];
    int64_t t = t0_wall_us + p->t_us;
    dt_ms(dt, sizeof dt, t);
    int other_wiki = p->kind == EMU_FEED_OTHER_WIKI;
    const char *domain = other_wiki ? "en.wikipedia.org" : "www.wikidata.org";
    const char *type = p->kind == EMU_FEED_OTHER_TYPE ? "log" : "edit";
    int64_t rev = other_wiki ? 1290000000LL + (int64_t)p->k : p->rev_id;
    char title[48], revision[160];
    if (other_wiki)
        snprintf(title, sizeof title, "Emulated_page_%" PRIu64, p->k);
    else
        snprintf(title, sizeof title, "Q%" PRId64, 1000 + rev % 100000000);
    if (p->kind == EMU_FEED_OTHER_TYPE)
        snprintf(revision, sizeof revision, "\"log_type\":\"patrol\",\"log_action\":\"patrol\"");
    else
        snprintf(revision, sizeof revision,
                 "\"length\":{\"old\":%" PRId64 ",\"new\":%" PRId64 "},"
                 "\"revision\":{\"old\":%" PRId64 ",\"new\":%" PRId64 "}",
                 900 + rev % 5000, 1000 + rev % 5000, rev - 1 - (int64_t)(p->k % 3), rev);
    int n = snprintf(
        buf, cap,
        "event: message\n"
        "id: [{\"topic\":\"emulate.mediawiki.recentchange\",\"partition\":0,"
        "\"offset\":%" PRIu64 "}]\n"
        "data: {\"$schema\":\"/mediawiki/recentchange/1.0.0\",\"meta\":{\"uri\":"
        "\"https://%s/wiki/%s\",\"request_id\":\"emulated-%" PRIu64 "\",\"id\":"
        "\"%08" PRIx64 "-0000-4000-8000-%012" PRIx64 "\",\"dt\":\"%s\",\"domain\":\"%s\","
        "\"stream\":\"mediawiki.recentchange\",\"topic\":\"emulate.mediawiki.recentchange\","
        "\"partition\":0,\"offset\":%" PRIu64 "},\"id\":%" PRIu64 ",\"type\":\"%s\","
        "\"namespace\":0,\"title\":\"%s\",\"comment\":\"emulated change\",\"timestamp\":"
        "%" PRId64 ",\"user\":\"EmulatedBot\",\"bot\":true,\"minor\":false,%s,"
        "\"server_url\":\"https://%s\",\"server_name\":\"%s\",\"server_script_path\":\"/w\","
        "\"wiki\":\"%s\",\"parsedcomment\":\"emulated change\"}\n\n",
        p->k, domain, title, p->k, p->k, p->k, dt, domain, p->k, p->k, type, title,
        t / 1000000, revision, domain, domain, other_wiki ? "enwiki" : "wikidatawiki");
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

int emu_feed_parse_id(const char *last_event_id, uint64_t *k)
{
    const char *s = last_event_id;
    const char *o = strstr(s, "\"offset\":");
    if (o)
        s = o + strlen("\"offset\":");
    if (*s < '0' || *s > '9')
        return -1;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!o && *end != '\0')
        return -1;
    *k = (uint64_t)v;
    return 0;
}
