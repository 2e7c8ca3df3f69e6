/*
 * out_list.c - `revtrace analyze --list`: one line per run of a database, as the store
 * listed them (load.c asks; this file only writes, like every out_*.c).
 *
 * Fixed-width columns for a terminal; the group, when a run has one, is appended so shards
 * can be found by eye.
 */
#include "analyze/analyze.h"

void an_out_list(FILE *out, const char *db_path, const struct rt_run_listing *runs, size_t n)
{
    if (db_path)
        fprintf(out, "# %s\n", db_path);
    fprintf(out, "%-5s %-32s %-8s %-11s %-20s %9s  %s\n", "id", "name", "kind", "status",
            "started", "requests", "target");
    for (size_t i = 0; i < n; i++) {
        const struct rt_run_info *ri = &runs[i].info;
        const char *g = ri->group_id;
        fprintf(out, "%-5lld %-32s %-8s %-11s %-20s %9lld  %s%s%s\n", (long long)ri->id,
                ri->name, ri->kind, ri->status, ri->started_at, (long long)runs[i].requests,
                ri->target, g ? "  group=" : "", g ? g : "");
    }
    if (n == 0)
        fprintf(out, "(no runs yet)\n");
}
