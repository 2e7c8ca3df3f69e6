/*
 * table.c - the one layout of a run's distributions that every format walks: the rows
 * (latency, service, lag, then the phases, each with its key and label) and the columns (n,
 * mean, min, the percentiles of rt_stats_pcts, max, each with its names and the views that
 * show it).
 *
 * Before this table each writer listed the columns by hand (seven copies, with the
 * percentiles picked by bare index); now a writer says which view it shows and how a cell
 * reads, and a new percentile or phase is one line here.  The views exist because the
 * formats' layouts are public (csv and json keys, locust's columns, markdown tables) and
 * differ: the tables leave out max beside 100%, text's phase tables show seven figures,
 * locust only the percentiles.
 */
#include "analyze/analyze.h"

#define TABLE_BRIEF (AN_VIEW_TABLE | AN_VIEW_BRIEF)
#define PCT(p, head, name, key, views) { AN_COL_PCT, p, head, name, key, (views) | AN_VIEW_PCTS }

const struct an_col an_cols[AN_NCOLS] = {
    { AN_COL_N, 0, "n", "n", "n", TABLE_BRIEF },
    { AN_COL_MEAN, 0, "mean", "mean", "mean_us", TABLE_BRIEF },
    { AN_COL_MIN, 0, "min", "min", "min_us", TABLE_BRIEF },
    PCT(AN_P50, "50%", "p50", "p50_us", TABLE_BRIEF),
    PCT(AN_P66, "66%", "p66", "p66_us", AN_VIEW_TABLE),
    PCT(AN_P75, "75%", "p75", "p75_us", AN_VIEW_TABLE),
    PCT(AN_P80, "80%", "p80", "p80_us", AN_VIEW_TABLE),
    PCT(AN_P90, "90%", "p90", "p90_us", TABLE_BRIEF),
    PCT(AN_P95, "95%", "p95", "p95_us", AN_VIEW_TABLE),
    PCT(AN_P98, "98%", "p98", "p98_us", AN_VIEW_TABLE),
    PCT(AN_P99, "99%", "p99", "p99_us", TABLE_BRIEF),
    PCT(AN_P99_9, "99.9%", "p99.9", "p99.9_us", AN_VIEW_TABLE),
    PCT(AN_P99_99, "99.99%", "p99.99", "p99.99_us", AN_VIEW_TABLE),
    PCT(AN_P100, "100%", "p100", "p100_us", AN_VIEW_TABLE),
    { AN_COL_MAX, 0, "max", "max", "max_us", AN_VIEW_BRIEF },
};

_Static_assert(AN_P100 + 1 == RT_STATS_NPCTS, "one AN_P* constant per rt_stats_pcts entry");

struct an_cell an_dist_cell(const struct an_dist *d, const struct an_col *c)
{
    struct an_cell v = { d->n > 0, 0, 0, 0 };
    switch (c->kind) {
    case AN_COL_N:
        v.have = 1;
        v.i = (int64_t)d->n;
        break;
    case AN_COL_MEAN:
        v.real = 1;
        v.x = v.have ? d->s.mean : 0;
        return v;
    case AN_COL_MIN:
        v.i = v.have ? d->s.min : 0;
        break;
    case AN_COL_PCT:
        v.i = v.have ? d->pct[c->pct] : 0;
        break;
    case AN_COL_MAX:
        v.i = v.have ? d->s.max : 0;
        break;
    }
    v.x = (double)v.i;
    return v;
}

const struct an_col *an_pct_col(int p)
{
    for (const struct an_col *c = an_cols; c < an_cols + AN_NCOLS; c++)
        if (c->kind == AN_COL_PCT && c->pct == p)
            return c;
    return NULL;
}

void an_dist_rows(const struct an_run *run, struct an_drow rows[AN_NDROWS])
{
    rows[0] = (struct an_drow){ AN_D_LATENCY, "latency",
                                "latency (HTTP-200, from scheduled send)", &run->latency };
    rows[1] = (struct an_drow){ AN_D_SERVICE, "service", "service (HTTP-200, from actual send)",
                                &run->service };
    rows[2] = (struct an_drow){ AN_D_LAG, "lag", "schedule lag (all sent)", &run->lag };
    for (int p = 0; p < AN_NPHASES; p++)
        rows[3 + p] = (struct an_drow){ AN_D_PHASE, an_phase_names[p], an_phase_names[p],
                                        &run->phase[p] };
}
