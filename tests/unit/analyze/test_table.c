/*
 * test_table.c - analyze/table.c, the layout every format walks: the named percentile
 * constants index rt_stats_pcts as their names say, the column list agrees with the
 * percentile list (names, csv keys), each view holds the columns its formats print, in
 * order, the cells of an empty distribution do not exist (but its count does), and a run's
 * rows come in the documented order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fake_report.h"

static void test_pct_constants(void **state)
{
    (void)state;
    static const struct { int idx; double pct; } want[] = {
        { AN_P50, 50 }, { AN_P66, 66 }, { AN_P75, 75 }, { AN_P80, 80 }, { AN_P90, 90 },
        { AN_P95, 95 }, { AN_P98, 98 }, { AN_P99, 99 }, { AN_P99_9, 99.9 },
        { AN_P99_99, 99.99 }, { AN_P100, 100 },
    };
    assert_int_equal(sizeof want / sizeof want[0], RT_STATS_NPCTS);
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        assert_true(rt_stats_pcts[want[k].idx] == want[k].pct);
        const struct an_col *c = an_pct_col(want[k].idx);
        assert_non_null(c);
        assert_int_equal(c->kind, AN_COL_PCT);
        assert_int_equal(c->pct, want[k].idx);
    }
    assert_null(an_pct_col(-1));
    assert_null(an_pct_col(RT_STATS_NPCTS));
}

static void test_columns_agree_with_stats(void **state)
{
    (void)state;
    int npct = 0;
    for (const struct an_col *c = an_cols; c < an_cols + AN_NCOLS; c++) {
        if (c->kind != AN_COL_PCT)
            continue;
        char key[32], name[32];
        assert_int_equal(c->pct, npct);   /* in rt_stats_pcts order */
        assert_string_equal(c->head, rt_stats_pct_names[c->pct]);
        snprintf(name, sizeof name, "p%g", rt_stats_pcts[c->pct]);
        snprintf(key, sizeof key, "p%g_us", rt_stats_pcts[c->pct]);
        assert_string_equal(c->name, name);
        assert_string_equal(c->key, key);
        assert_true(c->views & AN_VIEW_PCTS);
        npct++;
    }
    assert_int_equal(npct, RT_STATS_NPCTS);
}

/* The names of the columns of a view (0: every column), joined by spaces. */
static void view_names(unsigned view, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (const struct an_col *c = an_cols; c < an_cols + AN_NCOLS; c++)
        if (!view || (c->views & view))
            used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? " " : "", c->name);
}

static void test_views(void **state)
{
    (void)state;
    char b[256];
    view_names(0, b, sizeof b);
    assert_string_equal(b, "n mean min p50 p66 p75 p80 p90 p95 p98 p99 p99.9 p99.99 p100 max");
    view_names(AN_VIEW_TABLE, b, sizeof b);
    assert_string_equal(b, "n mean min p50 p66 p75 p80 p90 p95 p98 p99 p99.9 p99.99 p100");
    view_names(AN_VIEW_BRIEF, b, sizeof b);
    assert_string_equal(b, "n mean min p50 p90 p99 max");
    view_names(AN_VIEW_PCTS, b, sizeof b);
    assert_string_equal(b, "p50 p66 p75 p80 p90 p95 p98 p99 p99.9 p99.99 p100");
}

static void test_cells(void **state)
{
    (void)state;
    struct an_dist d;
    fake_dist(&d, 1000, 7);   /* 7, 14, .. 7000 us */
    struct an_cell v = an_dist_cell(&d, &an_cols[0]);
    assert_true(v.have && !v.real && v.i == 1000);
    for (const struct an_col *c = an_cols; c < an_cols + AN_NCOLS; c++) {
        v = an_dist_cell(&d, c);
        assert_true(v.have);
        switch (c->kind) {
        case AN_COL_N:
            assert_true(v.i == 1000 && v.x == 1000);
            break;
        case AN_COL_MEAN:
            assert_true(v.real && v.x == 3503.5);
            break;
        case AN_COL_MIN:
            assert_true(v.i == 7);
            break;
        case AN_COL_MAX:
            assert_true(v.i == 7000);
            break;
        case AN_COL_PCT:
            assert_true(v.i == d.pct[c->pct] && v.x == (double)v.i);
            break;
        }
    }
    assert_int_equal(an_dist_cell(&d, an_pct_col(AN_P99_9)).i, 6993);   /* rank 999 */
    free(d.v);

    fake_dist(&d, 0, 1);
    for (const struct an_col *c = an_cols; c < an_cols + AN_NCOLS; c++) {
        v = an_dist_cell(&d, c);
        assert_int_equal(v.have, c->kind == AN_COL_N);
    }
    assert_int_equal(an_dist_cell(&d, &an_cols[0]).i, 0);
    free(d.v);
}

static void test_rows(void **state)
{
    (void)state;
    struct an_run run;
    struct an_drow rows[AN_NDROWS];
    fake_run(&run, 10, 0, 1000);
    an_dist_rows(&run, rows);
    static const char *const keys[AN_NDROWS] = {
        "latency", "service", "lag", "dns", "connect", "tls", "first_byte", "transfer",
    };
    for (size_t k = 0; k < AN_NDROWS; k++) {
        assert_string_equal(rows[k].key, keys[k]);
        assert_non_null(rows[k].label);
        assert_int_equal(rows[k].kind, k < 3 ? (enum an_drow_kind)k : AN_D_PHASE);
    }
    assert_ptr_equal(rows[0].d, &run.latency);
    assert_ptr_equal(rows[1].d, &run.service);
    assert_ptr_equal(rows[2].d, &run.lag);
    assert_ptr_equal(rows[3 + AN_PH_TLS].d, &run.phase[AN_PH_TLS]);
    assert_string_equal(rows[2].label, "schedule lag (all sent)");
    an_run_free(&run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pct_constants),
        cmocka_unit_test(test_columns_agree_with_stats),
        cmocka_unit_test(test_views),
        cmocka_unit_test(test_cells),
        cmocka_unit_test(test_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
