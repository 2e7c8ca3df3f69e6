/*
 * recentchange.c - decoding one EventStreams recentchange event with jansson.
 *
 * The event is parsed whole (they are a few kilobytes) and only four members are read:
 * wiki, type, revision.new and meta.dt.  Whether an event is kept is decided before anything
 * is checked, so a malformed event of another wiki (which we never send) cannot stop a
 * capture of a busy stream.
 */
#include "core/recentchange.h"

#include "core/clock.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char *member_string(json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* meta.dt: ISO-8601 only (not Unix seconds, which rt_parse_time_utc also reads). */
static int parse_dt(json_t *root, int64_t *out)
{
    const char *dt = member_string(json_object_get(root, "meta"), "dt");
    if (!dt || !strchr(dt, '-') || !(strchr(dt, 'T') || strchr(dt, 't')))
        return -1;
    return rt_parse_time_utc(dt, out);
}

int rt_rc_decode(const char *json, size_t len, const char *wiki, struct rt_rc_event *ev,
                 char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_loadb(json, len, 0, &je);
    int rc = -1;
    memset(ev, 0, sizeof *ev);
    if (!root) {
        snprintf(err, errlen, "not JSON (%s)", je.text);
        return -1;
    }
    if (!json_is_object(root)) {
        snprintf(err, errlen, "the event is not a JSON object");
        goto out;
    }
    const char *w = member_string(root, "wiki");
    const char *type = member_string(root, "type");
    rc = 0;
    if (!w || strcmp(w, wiki ? wiki : RT_RC_DEFAULT_WIKI) != 0) {
        ev->cls = RT_RC_OTHER_WIKI;
        goto out;
    }
    if (!type || (strcmp(type, "edit") != 0 && strcmp(type, "new") != 0)) {
        ev->cls = RT_RC_OTHER_TYPE;
        goto out;
    }
    ev->cls = RT_RC_KEEP;
    json_t *rev = json_object_get(json_object_get(root, "revision"), "new");
    if (!json_is_integer(rev) || json_integer_value(rev) <= 0) {
        snprintf(err, errlen, "a kept event (%s, %s) without a positive revision.new", w,
                 type);
        rc = -1;
        goto out;
    }
    ev->rev_id = (int64_t)json_integer_value(rev);
    if (parse_dt(root, &ev->t_unix_us) != 0) {
        snprintf(err, errlen, "revision %lld: meta.dt is missing or not an ISO-8601 UTC time",
                 (long long)ev->rev_id);
        rc = -1;
    }
out:
    json_decref(root);
    return rc;
}
