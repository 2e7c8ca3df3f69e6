/*
 * analyze.h - the pieces of `revtrace analyze`, shared by its files and no one else.
 *
 * The command runs in three stages, one file each, over one in-memory report:
 *   load.c      finds each run (or group of runs merged into one) in its databases and walks
 *               its rows with one store cursor; figures.c turns the rows into numbers
 *               (no database there): counts, rates, sorted latency arrays, percentiles,
 *               phases, a time series (struct an_run);
 *   verdict.c   judges them (--slo, --min-rate, --max-errors) and compare.c lines runs up
 *               against a baseline (--threshold);
 *   out_*.c     present the finished report, one file per --format.
 * Presentation never queries the database and never recomputes a figure, so every format
 * shows the same numbers.  The writers read the report alone, never the options: what they
 * present beyond the figures (the criteria the verdicts applied, which runs were judged) is
 * set in the report once, by analyze_main.  A run's distributions are laid out by one table
 * model (table.c: a row per distribution, one column list) that every writer walks.
 */
#ifndef RT_ANALYZE_H
#define RT_ANALYZE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/store.h"
#include "analyze/stats.h"

#define AN_CMD "analyze"
#define AN_NSTATUS 600          /* HTTP statuses 0..599 are counted one by one */
#define AN_MAX_ERRWORDS 32      /* distinct error words kept; the rest count as "other" */
#define AN_MAX_SLO 32
#define AN_MAX_BUCKETS 1000000
#define AN_PHAB_URL "https://phabricator.wikimedia.org"   /* --phab-url's default */
#define AN_PHAB_TOKEN_MAX 256  /* time-series cap; later events land in the last bucket */

/* ---- figures ------------------------------------------------------------------------- */

/* One distribution: the sorted sample (when kept) and its figures. */
struct an_dist {
    int64_t *v;                        /* owned, ascending; NULL once released */
    size_t n;
    struct rt_summary s;
    int64_t pct[RT_STATS_NPCTS];       /* rt_stats_pcts; meaningful only when n > 0 */
};

enum { AN_PH_DNS, AN_PH_CONNECT, AN_PH_TLS, AN_PH_FIRST_BYTE, AN_PH_TRANSFER, AN_NPHASES };
extern const char *const an_phase_names[AN_NPHASES];

/* One --interval of the time series; times are the start of the interval after t0. */
struct an_bucket {
    int64_t scheduled;      /* requests scheduled in the interval (offered) */
    int64_t sent;
    int64_t answered;       /* HTTP answers completed in the interval (any status) */
    int64_t ok;             /* HTTP-200 completed */
    int64_t failed;         /* not HTTP-200, by completion (or schedule, if never sent) */
    int64_t s429, s5xx;
    int64_t finished;       /* sent requests that ended (answer or error) */
    size_t lat_n;           /* HTTP-200 latencies of requests completed here */
    int64_t lat_p50, lat_p90, lat_p99, lat_max;
    double lat_mean;
    /* cumulative from the start to the end of this interval (locust's "Total" columns);
     * the cum_pct/min/max/mean/n figures only with AN_LOAD_CUMULATIVE */
    int64_t bytes_in;       /* of the requests that ended here */
    int64_t cum_requests, cum_failed, cum_bytes_in, inflight;
    int64_t cum_pct[RT_STATS_NPCTS];    /* HTTP-200 latency percentiles so far */
    int64_t cum_min, cum_max;
    size_t cum_n;
    double cum_mean;
};

struct an_errcount {
    char word[32];
    int64_t n;
    char detail[208];       /* libcurl's most frequent reason for it (error_detail), "" */
    int64_t detail_n;       /* rows with that reason (in the part it came from) */
};

/* A run as analyzed: one database run, or a group of runs merged into one. */
struct an_run {
    char *label;            /* owned: how reports name the run ("name #id", "group G") */
    char *db_path;          /* owned: the (first) database file */
    struct rt_run_info info;/* owned: the (first) run's row; status is the merged status */
    size_t nparts;          /* 1, or how many runs were merged */
    char *parts;            /* owned: "a.db#3, b.db#1" for merged runs, else NULL */
    char **part_dbs;        /* owned, nparts: each part's database file */
    int64_t *part_ids;      /* owned, nparts: each part's runs.id */
    char **part_uuids;      /* owned, nparts: each part's uuid (NULL where unknown) */
    char *group_id;         /* owned: the group's id for merged runs (nparts > 1), else NULL */
    int partial;            /* status running or interrupted: figures may be incomplete */

    int64_t requests;       /* rows */
    int64_t sent, never_sent, answered, ok, failed, bytes_in;
    int64_t status_n[AN_NSTATUS + 1];   /* [AN_NSTATUS]: statuses outside 0..599 */
    int64_t fail_status_n[AN_NSTATUS + 1]; /* failures without an error word, by status */
    struct an_errcount errors[AN_MAX_ERRWORDS];
    size_t nerrors;
    int64_t max_loop_stall_us;  /* the send loop's own longest stall (the largest of the
                                   parts'); -1 when not recorded (before schema 3) */
    int64_t client_cpu_us;      /* CPU time of the load generator's process(es) over the
                                   run (the sum of the parts'); -1 when no part recorded it
                                   (before schema 4) */
    int64_t errors_other;
    int64_t s429, s4xx, s5xx;
    double error_ratio;     /* failed / requests; 0 without requests */

    double duration_s;      /* the completion span: first send to last completion (info) */
    /* Rates are per second of the run's schedule window (rt_stats_schedule_window_us): the
     * realized schedule span (last - first scheduled) * n / (n - 1) for n >= 2 scheduled
     * requests.  With an open-loop schedule and a client deadline every request ends in its
     * answer or an error, so answers / window is the rate the service sustained, free of
     * the latency at the run's ends.  Without a schedule span (n = 1, or every request
     * scheduled at once) the window falls back to the completion span; without either
     * there is no rate (have_rate 0). */
    int have_rate;          /* 1: a window exists */
    int rate_from_schedule; /* 1: the schedule window; 0: the completion-span fallback */
    int64_t rate_from_us, rate_to_us;   /* the window, after t0 */
    double window_s;        /* its length (rate_to_us - rate_from_us, unrounded) */
    double offered_per_s;   /* scheduled requests / window (fallback: the run's target) */
    int offered_from_run;   /* 1: the fallback runs.offered_rate_per_s (no window) */
    double target_per_s;    /* runs.offered_rate_per_s (summed over parts); 0: none */
    double achieved_per_s;  /* answers (any HTTP status) / window */
    double ok_per_s, failed_per_s;      /* HTTP-200 / failed requests / window */
    double requests_per_s;  /* every request / window */
    /* locust's count: requests that ended (answer or error) by the window's end, per second
     * of it.  locust stops its users at the end and drops the requests still in flight, so a
     * closed-loop run reads 1-5 % lower this way than requests_per_s. */
    int64_t locust_requests;
    double locust_per_s;

    struct an_dist latency; /* HTTP-200: scheduled -> done; kept (histogram, CDF) */
    struct an_dist service; /* HTTP-200: sent -> done */
    struct an_dist lag;     /* every sent request: sent - scheduled */
    struct an_dist phase[AN_NPHASES];

    struct an_bucket *series;   /* owned, nseries intervals */
    size_t nseries;
    int64_t interval_us;
    int interval_auto;          /* 1: chosen by an_auto_interval_us (no --interval) */
};

/* Where a run comes from, as the user named it. */
struct an_ref {
    char *db_path;          /* owned */
    char *run;              /* owned; NULL: the latest run */
    char *group;            /* owned; non-NULL: every run of this group_id, merged */
    int merge_group;        /* 1: if the run belongs to a group, analyze the whole group */
};

/*
 * The time-series interval used when --interval is not given: the largest of 1s, 2s, 5s,
 * 10s, 30s, 1m, 2m, 5m, 10m, 30m, 1h, 2h, 6h, 12h, 1d (then whole days) that still cuts a run
 * spanning span_us into at least AN_AUTO_POINTS intervals; never below 1 s.
 */
#define AN_AUTO_POINTS 20
int64_t an_auto_interval_us(int64_t span_us);

/*
 * Load one run (or group) and compute all its figures.  interval_us 0: choose the interval
 * from the run's span (an_auto_interval_us).  dbs[0..ndbs) are the databases a
 * group is searched in (besides ref->db_path).  On success fills *run (free with
 * an_run_free) and returns 0; on failure returns RT_EXIT_USAGE (no such run) or
 * RT_EXIT_RUNTIME (database error) with a message in err.
 */
enum { AN_LOAD_CUMULATIVE = 1 };   /* also fill the buckets' cum_* figures (locust) */
int an_run_load(const struct an_ref *ref, char *const *dbs, size_t ndbs, int64_t interval_us,
                int flags, struct an_run *run, char *err, size_t errlen);
void an_run_free(struct an_run *run);
/* 1 when paths a and b name the same file (equal, or same device and inode). */
int an_same_file(const char *a, const char *b);
/* Print `--list` for one database to out. Returns 0 or RT_EXIT_* with err filled. */
int an_list_runs(const char *db_path, int with_path, FILE *out, char *err, size_t errlen);

/*
 * Computing the figures (figures.c), rows in and numbers out, no database: an_run_load
 * feeds it from the store; a test can feed it rows made by hand.
 *   f = an_fig_begin(&run, interval_us);  an_fig_add(f, &row, 0) ...;  an_fig_end(f, flags);
 *   an_fig_free(f);  ...  an_run_free(&run);
 */
struct an_fig;   /* opaque: what is collected while the rows go by */
/*
 * Begin collecting into run (zeroed by the caller, who may fill its naming fields; borrowed
 * until an_fig_free).  interval_us 0: choose the interval from the run's span
 * (an_auto_interval_us).  Returns a new collector (free with an_fig_free), NULL when out
 * of memory.
 */
struct an_fig *an_fig_begin(struct an_run *run, int64_t interval_us);
/*
 * Count one request (rows of a run in seq order).  shift_us is added to its scheduled and
 * sent times: a merged part's t0 after the merged run's.  row is borrowed for the call.
 * Returns 0, or -1 when out of memory (the figures are then unusable).
 */
int an_fig_add(struct an_fig *f, const struct rt_store_row *row, int64_t shift_us);
/*
 * After the last row: sort, rank, fold and trim the series, compute the rates, filling the
 * run's distributions (run->latency keeps its sorted sample).  flags: AN_LOAD_CUMULATIVE.
 * Call once.  Returns 0, or -1 when out of memory.
 */
int an_fig_end(struct an_fig *f, int flags);
/* Free the collector (not the run); NULL is a no-op. */
void an_fig_free(struct an_fig *f);

/* ---- verdicts and comparison ---------------------------------------------------------- */

enum an_metric { AN_M_PCT, AN_M_MEAN, AN_M_MAX, AN_M_MIN };

struct an_slo {
    char text[64];          /* as the user wrote it, normalised ("p90<=500ms") */
    enum an_metric metric;
    double pct;             /* AN_M_PCT: the percentile */
    int strict;             /* 1: '<', 0: '<=' */
    int64_t limit_us;
};
/* Parse "p90<=500ms", "p99.9<1s", "mean<=300ms", "max<2s".  0 or -1 with err. */
int an_slo_parse(const char *s, struct an_slo *slo, char *err, size_t errlen);

enum an_vkind { AN_V_SLO, AN_V_RATE, AN_V_ERRORS, AN_V_REGRESSION };

struct an_verdict {
    size_t run;             /* index into the report's runs */
    enum an_vkind kind;
    char what[96];          /* "p90<=500ms", "rate>=150000/h", "errors<=1%", "p90 +10%" */
    char measured[128];     /* "p90 = 412.3 ms", "no HTTP-200 answers" */
    int pass;
};

/* One line of the side-by-side comparison. */
struct an_cmp_row {
    const char *name;       /* static: "p90", "achieved rate" */
    const char *key;        /* static, for csv/json: "latency_p90_us" */
    int unit;               /* AN_U_* */
    int worse_when_higher;  /* 1 latency/errors, 0 rates, -1 neutral (no judgement) */
    int checked;            /* taken into the --threshold regression check */
    double *v;              /* owned, one per run */
    int *have;              /* owned, one per run: 0 where the figure does not exist */
};
enum { AN_U_COUNT, AN_U_US, AN_U_PER_S, AN_U_RATIO };

/* What the verdicts judge by: the verdict options, parsed (plain values, no pointers, so a
 * report holds its own copy). */
struct an_criteria {
    struct an_slo slo[AN_MAX_SLO];  /* the latency SLOs (html draws their limits) */
    size_t nslo;
    double min_rate_per_s;  /* 0: not asked */
    char min_rate_text[32];
    double max_errors;      /* < 0: not asked */
    char max_errors_text[32];
    double threshold;       /* < 0: not asked */
    char threshold_text[32];
};

struct an_opts {
    char **dbs;             /* owned array of owned strings; dbs[0] is the default */
    size_t ndbs;
    int list;
    char **groups;          /* owned */
    size_t ngroups;
    int merge_group;
    char *baseline;         /* owned; NULL: the first run */
    char **judges;          /* owned: --judge RUN refs (verdicts apply to these only) */
    size_t njudges;         /* 0: verdicts apply to every run */
    const char *format;     /* static */
    char *out_path;         /* owned; NULL: stdout */
    int64_t interval_us;
    struct an_criteria crit;
    char *phab_task;        /* owned: --phab-task ("T123"); NULL: no post */
    char *phab_url;         /* owned: --phab-url; NULL: AN_PHAB_URL */
    char *phab_token_file;  /* owned: --phab-token-file; NULL: ~/.arcrc */
    char phab_token[AN_PHAB_TOKEN_MAX];  /* the token read (cleared by opts_free) */
    int slo_given;          /* --slo seen (the default p90 one is dropped) */
    int slo_none;           /* --slo none */
};

/*
 * The report every writer presents.  Writers read it and nothing else: no option, no
 * database.  analyze_main fills crit and judged from the options, then the figures,
 * verdicts and comparison.
 */
struct an_report {
    struct an_criteria crit;     /* what the verdicts applied (copied from the options) */
    struct an_run *runs;         /* owned, nruns */
    size_t nruns;
    size_t baseline;             /* index of the baseline run */
    int *judged;                 /* owned, nruns: 1 where --slo/--min-rate/--max-errors apply
                                  * (every run without --judge) */
    struct an_verdict *verdicts; /* owned */
    size_t nverdicts;
    struct an_cmp_row *cmp;      /* owned; only with nruns >= 2 */
    size_t ncmp;
    int failed;                  /* any verdict failed */
    char generated_at[40];       /* ISO-8601 UTC, when the report was made */
};

/* Append a zeroed verdict (cap: the allocated count, start with r->nverdicts); NULL on OOM. */
struct an_verdict *an_verdict_add(struct an_report *r, size_t *cap);
/* Do the verdicts judge run i?  (--judge; no --judge: every run.) */
static inline int an_is_judged(const struct an_report *r, size_t i)
{
    return !r->judged || r->judged[i];
}

/*
 * Evaluate r->crit's --slo, --min-rate and --max-errors verdicts over every judged run
 * (r->judged; NULL: every run), in run order, each run's SLOs first.  Appends to
 * r->verdicts and sets r->failed when one fails.  Returns 0, or -1 out of memory.
 */
int an_verdicts_eval(struct an_report *r);
/*
 * Build r->cmp (when nruns >= 2: every comparison row, a value per run) and, with
 * r->crit.threshold >= 0, a regression verdict per checked row and non-baseline run: it fails
 * when the run is worse than r->baseline by more than the threshold (relative), or has no
 * value where the baseline has one.  Sets r->failed when one fails.  Returns 0, or -1 out of
 * memory (r stays freeable).
 */
int an_compare_build(struct an_report *r);
/* Free everything r owns (its runs too) and zero it. */
void an_report_free(struct an_report *r);

/* ---- the table model (table.c) ------------------------------------------------------- */

/*
 * A run's distributions in every format are one table: a row per distribution (latency,
 * service, lag, then each phase), a column per figure (n, mean, min, the percentiles, max).
 * Rows and columns are listed once, in table.c; a writer walks them, keeps the columns of
 * its view, and only formats the cells.
 */

/* Indexes into rt_stats_pcts and an_dist.pct (test_table.c checks they agree). */
enum {
    AN_P50, AN_P66, AN_P75, AN_P80, AN_P90, AN_P95, AN_P98, AN_P99, AN_P99_9, AN_P99_99,
    AN_P100
};

enum an_col_kind { AN_COL_N, AN_COL_MEAN, AN_COL_MIN, AN_COL_PCT, AN_COL_MAX };

/* Views: the columns a layout shows, bits of an_col.views (csv's percentiles table and json
 * show every column). */
enum {
    AN_VIEW_TABLE = 1,  /* n, mean, min, the percentiles (100% is the max): markdown, html */
    AN_VIEW_BRIEF = 2,  /* n, mean, min, p50, p90, p99, max: text's phases, csv's stats */
    AN_VIEW_PCTS = 4,   /* the percentiles alone: locust's tables (text and csv) */
};

struct an_col {
    enum an_col_kind kind;
    int pct;                /* AN_COL_PCT: the percentile, AN_P50 ... */
    const char *head;       /* static: table header ("n", "mean", "min", "50%", "max") */
    const char *name;       /* static: short name ("n", "mean", "min", "p50", "max") */
    const char *key;        /* static: csv column ("n", "mean_us", "min_us", "p50_us") */
    unsigned views;         /* AN_VIEW_* bits */
};
#define AN_NCOLS (RT_STATS_NPCTS + 4)
extern const struct an_col an_cols[AN_NCOLS];   /* n, mean, min, p50 .. p100, max */

/* One cell: column c of a distribution. */
struct an_cell {
    int have;               /* 0: the figure does not exist (an empty distribution) */
    int real;               /* 1: a mean, print x; 0: an integer (a count or us), print i */
    int64_t i;
    double x;               /* the value as a double, for either kind */
};
struct an_cell an_dist_cell(const struct an_dist *d, const struct an_col *c);
/* The column of percentile p (AN_P50 ... AN_P100); NULL for any other p. */
const struct an_col *an_pct_col(int p);

enum an_drow_kind { AN_D_LATENCY, AN_D_SERVICE, AN_D_LAG, AN_D_PHASE };

/* One row: a distribution of a run, with its names. */
struct an_drow {
    enum an_drow_kind kind;
    const char *key;        /* static: csv metric and json key ("latency", "dns", ...) */
    const char *label;      /* static: a table's row label ("schedule lag (all sent)") */
    const struct an_dist *d;    /* borrowed from the run */
};
#define AN_NDROWS (3 + AN_NPHASES)
/* Fill rows[0..AN_NDROWS) with run's distributions: latency, service, lag, the phases. */
void an_dist_rows(const struct an_run *run, struct an_drow rows[AN_NDROWS]);

/* ---- presentation helpers (present.c) ------------------------------------------------- */

/* "412.3" (ms with one decimal below 1 s, integer ms from 1 s on: "1091"). */
char *an_fmt_ms(char *buf, size_t len, int64_t us);
/* A figure that may be missing, in ms: "n/a", else as an_fmt_ms. */
char *an_fmt_ms_or_na(char *buf, size_t len, int have, double us);
/* Column c of distribution d for a table in ms: the count as an integer, a figure as by
 * an_fmt_ms_or_na ("n/a" when the distribution is empty). */
char *an_fmt_dist_cell(char *buf, size_t len, const struct an_dist *d, const struct an_col *c);
/* A comparison value in its unit: "412.3 ms", "41.95/s", "0.20%", "6126". */
char *an_fmt_value(char *buf, size_t len, int unit, double v);
/* Delta against the baseline: "+12.3%", "-0.5%", "=" or "n/a". */
char *an_fmt_delta(char *buf, size_t len, double base, double v);
/*
 * The load generator's own cost as one phrase ("loop stall 3.9 ms at most; CPU 0.34 s =
 * 11.5 % of a core, 0.057 ms per request sent"), from what the run recorded; "" when it
 * recorded neither (before schema 3).  Returns buf.
 */
char *an_fmt_client_cost(char *buf, size_t len, const struct an_run *run);
/* Its CPU part alone ("CPU 0.34 s = 11.5 % of a core, ..."); "" before schema 4. */
char *an_fmt_client_cpu(char *buf, size_t len, const struct an_run *run);
/* The request path of a target URL ("/v1/models/x:predict"), into buf. */
char *an_target_path(char *buf, size_t len, const char *url);
/* One verdict as a line, "  PASS  what  measured  [run: label]": the text report's and the
 * lines analyze prints beside -o (one layout for both). */
void an_print_verdict_line(FILE *out, const struct an_report *r, const struct an_verdict *v);
/* The verdict kind as a word ("slo", "rate", "errors", "regression"). */
const char *an_vkind_name(enum an_vkind k);
/* A distribution's figure for an SLO metric; -1 when the distribution is empty. */
int an_dist_metric(const struct an_dist *d, enum an_metric m, double pct, double *out_us);

/*
 * Histogram bin edges shared by all runs of a report (so overlays line up): log-spaced,
 * 20 per decade, over the HTTP-200 latencies of every run.  Returns the edge count (0 when
 * no run has a latency).
 */
size_t an_hist_edges(const struct an_report *r, int64_t *edges, size_t cap);

/*
 * CSV rows for out_csv.c and out_locust.c: a field is written bare unless it holds a comma,
 * quote or line break, then quoted by libcsv (Python's csv.QUOTE_MINIMAL, which locust uses,
 * so our headers are byte-for-byte locust's).
 */
struct an_csv {
    FILE *f;                /* borrowed */
    int col;                /* fields written on the current row */
    int crlf;               /* 1: rows end in \r\n (Python's csv default, so locust's) */
};
void an_csv_str(struct an_csv *c, const char *s);     /* NULL: an empty field */
void an_csv_fmt(struct an_csv *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void an_csv_end(struct an_csv *c);                     /* ends the row */

/* ---- outputs: each writes the whole report; 0, or RT_EXIT_RUNTIME after a message ----- */

int an_out_text(const struct an_report *r, FILE *out);
int an_out_markdown(const struct an_report *r, FILE *out);
int an_out_remarkup(const struct an_report *r, FILE *out);
/* path NULL: all tables to stdout, separated by blank lines; else PATH_<table>.csv files. */
int an_out_csv(const struct an_report *r, const char *path);
/* Writes PATH_stats.csv, PATH_stats_history.csv, PATH_failures.csv, PATH_exceptions.csv
 * (per run when several). */
int an_out_locust(const struct an_report *r, const char *path);
int an_out_json(const struct an_report *r, FILE *out);
int an_out_html(const struct an_report *r, FILE *out);
/* `--list` of one database's runs (rt_store_run_list); db_path NULL: no "# PATH" line. */
void an_out_list(FILE *out, const char *db_path, const struct rt_run_listing *runs, size_t n);

/*
 * Text charts (textchart.c), every line at most width columns (width >= 80): the HTTP-200 latency
 * histogram with its p50/p90/p99 marks and a line at each SLO limit of crit, and the
 * HTTP-200 and failed rates over the run's time series with a line at crit's --min-rate.
 * Pure ASCII.  Each writes a title line first; a run without the figures gets one line
 * saying so.  Return 0.
 */
int an_textchart_latency(FILE *out, const struct an_run *run, const struct an_criteria *crit,
                         int width);
int an_textchart_rate(FILE *out, const struct an_run *run, const struct an_criteria *crit,
                      int width);

/* ---- posting to Phabricator (phab.c) ------------------------------------------------- */

/*
 * The Conduit API token for the Phabricator at url: the first line of file, or with file
 * NULL arc's ~/.arcrc ($HOME/.arcrc: hosts -> "<url>/api/" -> token).  A file every user may
 * read is refused.  0 with tok filled, or RT_EXIT_USAGE / RT_EXIT_RUNTIME with err (which
 * never contains the token).
 */
int an_phab_token(const char *url, const char *file, char *tok, size_t toklen, char *err,
                  size_t errlen);
/* What one post sends; every pointer borrowed. */
struct an_phab_post {
    const char *url;        /* "https://phabricator.wikimedia.org" */
    const char *token;
    const char *task;       /* "T409388" */
    const char *html;       /* the HTML report, uploaded as a file */
    size_t html_len;
    const char *file_name;  /* its name on Phabricator */
    const char *remarkup;   /* the comment; "{F<id>}" of the upload is appended */
};
/*
 * Upload the HTML (file.upload), find its F<id> (file.search), comment on the task
 * (maniphest.edit, one comment transaction).  0 with *file_id and task_url ("<url>/T123")
 * filled, or RT_EXIT_RUNTIME with err: the transport failure, or Conduit's error code and
 * message ("Conduit maniphest.edit failed: ERR-CONDUIT-CORE: ...").
 */
int an_phab_post(const struct an_phab_post *pp, long long *file_id, char *task_url,
                 size_t urllen, char *err, size_t errlen);

/* Shared by markdown and remarkup: the dialect hooks of one table-and-heading writer. */
struct an_md_dialect {
    void (*heading)(FILE *out, int level, const char *text);
    void (*cell)(FILE *out, const char *text);     /* one escaped table cell's text */
    void (*text)(FILE *out, const char *text);     /* escaped running text */
    const char *pass, *fail;                       /* verdict markers */
    int align;              /* 1: "---:" right-aligns number columns (Markdown); 0: a
                             * separator cell is dashes alone (Remarkup's rule) */
    /* After a run's tables, before its time series: extra content (Remarkup's text
     * charts); NULL: none. */
    void (*run_extra)(FILE *out, const struct an_report *r, const struct an_run *run);
};
int an_out_md_common(const struct an_report *r, FILE *out, const struct an_md_dialect *d);

#endif
