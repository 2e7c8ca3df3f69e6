#!/bin/sh
# analyze --format: every format read back by a real parser.  CSV through libcsv and JSON
# through jansson (a small reader compiled here against the same libraries the build uses),
# locust headers byte-for-byte, HTML well-formed (tag balance, quoted attributes, entities),
# free of external resources and of unescaped database strings, and, when Debian's chromium
# is installed, rendered headless.
. tests/lib.sh

SCHEMA=$(pwd)/schema/001_init.sql
CC=${CC:-cc}

cat > "$T/readback.c" <<'EOF'
/* readback: csv FILE [COL ROW] | json FILE KEY... | html FILE */
#include <csv.h>
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t row, col, cols, bad;
static char want_col[128], got[4096], header[64][128];
static long want_row = -1;
static int want_idx = -1;

static void on_field(void *s, size_t len, void *data)
{
    (void)data;
    if (row == 0 && col < 64) {
        snprintf(header[col], sizeof header[col], "%.*s", (int)len, (char *)s);
        if (strcmp(header[col], want_col) == 0)
            want_idx = (int)col;
    }
    if ((long)row == want_row && (int)col == want_idx)
        snprintf(got, sizeof got, "%.*s", (int)len, (char *)s);
    col++;
}

static void on_row(int c, void *data)
{
    (void)c;
    (void)data;
    if (row == 0)
        cols = col;
    else if (col != cols)
        bad++;
    row++;
    col = 0;
}

static int do_csv(int argc, char **argv)
{
    struct csv_parser p;
    if (argc > 4) {
        snprintf(want_col, sizeof want_col, "%s", argv[3]);
        want_row = atol(argv[4]);
    }
    FILE *f = fopen(argv[2], "rb");
    if (!f || csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        return 2;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        if (csv_parse(&p, buf, n, on_field, on_row, NULL) != n) {
            printf("parse error: %s\n", csv_strerror(csv_error(&p)));
            return 1;
        }
    if (csv_fini(&p, on_field, on_row, NULL) != 0) {
        printf("parse error at end\n");
        return 1;
    }
    csv_free(&p);
    fclose(f);
    if (bad) {
        printf("%zu rows with a field count other than the header's %zu\n", bad, cols);
        return 1;
    }
    if (want_row >= 0)
        printf("%s\n", got);
    else
        printf("rows=%zu cols=%zu\n", row ? row - 1 : 0, cols);
    return 0;
}

static int do_json(int argc, char **argv)
{
    json_error_t e;
    json_t *root = json_load_file(argv[2], 0, &e), *v;
    if (!root) {
        printf("json error line %d: %s\n", e.line, e.text);
        return 1;
    }
    v = root;
    for (int i = 3; i < argc && v; i++)
        v = json_is_array(v) ? json_array_get(v, (size_t)atol(argv[i]))
                             : json_object_get(v, argv[i]);
    if (!v)
        printf("missing\n");
    else if (json_is_integer(v))
        printf("%lld\n", (long long)json_integer_value(v));
    else if (json_is_real(v))
        printf("%.6f\n", json_real_value(v));
    else if (json_is_string(v))
        printf("%s\n", json_string_value(v));
    else if (json_is_null(v))
        printf("null\n");
    else if (json_is_boolean(v))
        printf("%s\n", json_is_true(v) ? "true" : "false");
    else
        printf("%s:%zu\n", json_is_array(v) ? "array" : "object", json_is_array(v) ?
               json_array_size(v) : json_object_size(v));
    json_decref(root);
    return 0;
}

/* Well-formedness of our HTML subset: balanced tags, double-quoted attributes, entities. */
static int do_html(char **argv)
{
    FILE *f = fopen(argv[2], "rb");
    if (!f)
        return 2;
    static char s[1 << 24];
    size_t n = fread(s, 1, sizeof s - 1, f);
    fclose(f);
    s[n] = 0;
    char stack[256][32];
    int depth = 0;
    size_t line = 1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            line++;
        if (s[i] == '&') {
            size_t j = i + 1;
            if (s[j] == '#') {
                j++;
                while (isdigit((unsigned char)s[j]))
                    j++;
            } else {
                while (isalpha((unsigned char)s[j]))
                    j++;
            }
            if (s[j] != ';' || j == i + 1) {
                printf("line %zu: bare '&'\n", line);
                return 1;
            }
            continue;
        }
        if (s[i] == '>') {
            printf("line %zu: bare '>' in text\n", line);
            return 1;
        }
        if (s[i] != '<')
            continue;
        if (strncmp(s + i, "<!DOCTYPE", 9) == 0) {
            i = (size_t)(strchr(s + i, '>') - s);
            continue;
        }
        int closing = s[i + 1] == '/';
        size_t j = i + 1 + (size_t)closing, k = 0;
        char name[32];
        while (isalnum((unsigned char)s[j]) && k < sizeof name - 1)
            name[k++] = s[j++];
        name[k] = 0;
        if (!k) {
            printf("line %zu: '<' that starts no tag\n", line);
            return 1;
        }
        int self = 0;
        while (s[j] && s[j] != '>') {
            if (s[j] == '"') {
                j++;
                while (s[j] && s[j] != '"') {
                    if (s[j] == '<') {
                        printf("line %zu: '<' in an attribute\n", line);
                        return 1;
                    }
                    j++;
                }
            } else if (s[j] == '=' && s[j + 1] != '"') {
                printf("line %zu: unquoted attribute in <%s>\n", line, name);
                return 1;
            } else if (s[j] == '/' && s[j + 1] == '>') {
                self = 1;
            }
            if (s[j])
                j++;
        }
        if (!s[j]) {
            printf("line %zu: unterminated tag\n", line);
            return 1;
        }
        i = j;
        if (self || strcmp(name, "meta") == 0)
            continue;
        if (closing) {
            if (depth == 0 || strcmp(stack[depth - 1], name) != 0) {
                printf("line %zu: </%s> closes <%s>\n", line, name, depth ? stack[depth - 1] : "");
                return 1;
            }
            depth--;
            if (strcmp(name, "style") == 0 || strcmp(name, "title") == 0)
                ;
        } else {
            if (depth == 256)
                return 1;
            snprintf(stack[depth++], 32, "%s", name);
            if (strcmp(name, "style") == 0) {
                char *e = strstr(s + i, "</style>");
                if (!e)
                    return 1;
                i = (size_t)(e - s) - 1;
            }
        }
    }
    if (depth) {
        printf("unclosed <%s>\n", stack[depth - 1]);
        return 1;
    }
    printf("well-formed\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    if (strcmp(argv[1], "csv") == 0)
        return do_csv(argc, argv);
    if (strcmp(argv[1], "json") == 0)
        return do_json(argc, argv);
    return do_html(argv);
}
EOF
RB="$T/readback"
# shellcheck disable=SC2046
if ! $CC -std=c11 -D_DEFAULT_SOURCE -o "$RB" "$T/readback.c" $(pkg-config --cflags --libs jansson) -lcsv 2>"$T/cc.err"; then
    sed 's/^/# /' "$T/cc.err"; notok "the read-back helper compiles"; finish
fi

{ cat "$SCHEMA"; echo "PRAGMA application_id=1381257795; PRAGMA user_version=1;"; } | sqlite3 "$T/f.db"
# Run 1: 2000 requests, a few 502s, 429s and deadlines; run 2: hostile strings everywhere.
sqlite3 "$T/f.db" <<'SQL'
INSERT INTO runs (id, uuid, name, kind, target, t0_unix_us, started_at, status, config_json,
  tool_version, hostname, offered_rate_per_s)
VALUES (1, 'u1', 'base', 'capture', 'http://127.0.0.1:9/v1/models/revertrisk-wikidata:predict',
  1764000000000000, '2025-11-24T12:00:00Z', 'complete', '{"rate":"50/s"}', '0.1.0', 'h', 50),
 (2, 'u2', '<script>alert(1)</script> & "q" ''s | **b** {F1} @x', 'replay',
  'http://127.0.0.1:9/x?a=<b>&c="d"', 1764000000000000, '2025-11-24T12:00:00Z', 'interrupted',
  '{"note":"\"><img src=https://evil.example/x.png><a href=//evil.example>","h":"https://evil.example/"}',
  '0.1.0', 'h', NULL);
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 1999)
INSERT INTO requests (run_id, seq, rev_id, scheduled_us, sent_us, dns_us, connect_us, tls_us,
  ttfb_us, total_us, status, error, bytes_in)
SELECT r, i, 1000 + i, i * 20000, i * 20000 + 100, 10, 50, 0, 50 + (i * 7919) % 300000,
  250 + (i * 7919) % 300000,
  CASE WHEN i % 97 = 5 THEN 0 WHEN i % 50 = 7 THEN 502 WHEN i % 80 = 3 THEN 429 ELSE 200 END,
  CASE WHEN i % 97 = 5 THEN 'dead"line,x' ELSE NULL END, 100
FROM s, (SELECT 1 AS r UNION ALL SELECT 2);
SQL

# --- csv: six tables through libcsv -------------------------------------------------------
"$REVTRACE" analyze --db "$T/f.db" 1 2 --slo 'p90<=10s' --judge 1 -f csv -o "$T/out" >/dev/null 2>&1
expect_eq "csv -o writes its files (exit 0)" "$?" 0
for t in stats breakdown percentiles series histogram verdicts; do
    res=$("$RB" csv "$T/out_$t.csv")
    case $res in rows=0*|parse*|*rows\ with*|"") notok "csv $t reads back ($res)" ;;
        *) ok "csv $t reads back through libcsv ($res)" ;; esac
done
expect_eq "csv stats: run 1 requests" "$("$RB" csv "$T/out_stats.csv" requests 1)" 2000
want=$(sqlite3 "$T/f.db" "SELECT count(*) FROM requests WHERE run_id=1 AND NOT (status=200 AND error IS NULL)")
expect_eq "csv stats: run 1 failed" "$("$RB" csv "$T/out_stats.csv" failed 1)" "$want"
expect_eq "csv stats: a hostile name survives quoting" "$("$RB" csv "$T/out_stats.csv" name 2)" \
    "<script>alert(1)</script> & \"q\" 's | **b** {F1} @x"
check "csv breakdown: an error word with a comma and a quote survives" \
    grep -q '"dead""line,x"' "$T/out_breakdown.csv"
expect_eq "csv verdicts: the verdict names the run it judged" \
    "$("$RB" csv "$T/out_verdicts.csv" label 1)" "base #1"
expect_eq "csv stats: run 1 judged, run 2 not (--judge 1)" \
    "$("$RB" csv "$T/out_stats.csv" judged 1)$("$RB" csv "$T/out_stats.csv" judged 2)" 10
"$REVTRACE" analyze --db "$T/f.db" 1 --slo none -f csv >"$T/stdout.csv" 2>/dev/null
expect_eq "csv to stdout: six tables separated by blank lines" \
    "$(grep -c '^$' "$T/stdout.csv")" 5

# --- locust: exact headers, CRLF, Aggregated row ------------------------------------------------
"$REVTRACE" analyze --db "$T/f.db" 1 --slo none -f locust -o "$T/loc" >/dev/null 2>&1
expect_eq "locust -o exits 0" "$?" 0
CR=$(printf '\r')
expect_eq "locust _stats.csv header" "$(head -n1 "$T/loc_stats.csv")" \
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%$CR"
expect_eq "locust _stats_history.csv header" "$(head -n1 "$T/loc_stats_history.csv")" \
    "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response Time,Total Min Response Time,Total Max Response Time,Total Average Content Size$CR"
expect_eq "locust _failures.csv header" "$(head -n1 "$T/loc_failures.csv")" \
    "Method,Name,Error,Occurrences$CR"
expect_eq "locust _exceptions.csv: locust 2.x's header alone (no user code raised)" \
    "$(cat "$T/loc_exceptions.csv")" "Count,Message,Traceback,Nodes$CR"
check "locust _stats.csv has the Aggregated row" grep -q "^,Aggregated,2000," "$T/loc_stats.csv"
check "locust _stats.csv has the endpoint row" \
    grep -q "^POST,/v1/models/revertrisk-wikidata:predict,2000," "$T/loc_stats.csv"
for f in stats stats_history failures; do
    res=$("$RB" csv "$T/loc_$f.csv")
    case $res in parse*|*rows\ with*|"") notok "locust $f reads back ($res)" ;;
        *) ok "locust $f reads back through libcsv ($res)" ;; esac
done
p90_ms=$("$RB" csv "$T/loc_stats.csv" 90% 1)
p90_us=$(sqlite3 "$T/f.db" "SELECT sent_us + total_us - scheduled_us FROM requests WHERE run_id=1 AND status=200 AND error IS NULL ORDER BY 1 LIMIT 1 OFFSET (SELECT (90*count(*)+99)/100-1 FROM requests WHERE run_id=1 AND status=200 AND error IS NULL)")
expect_eq "locust 90% is the exact p90 in whole ms" "$p90_ms" "$(( (p90_us + 500) / 1000 ))"
check "locust failures name HTTP 502" grep -q '^POST,/v1/models/revertrisk-wikidata:predict,HTTP 502,' "$T/loc_failures.csv"
last_total=$(tail -n1 "$T/loc_stats_history.csv" | cut -d, -f18)
expect_eq "locust history: the last Total Request Count is every request" "$last_total" 2000

# --- json: a parser reads it; keys documented ---------------------------------------------------
"$REVTRACE" analyze --db "$T/f.db" 1 2 --slo 'p90<=10s' -f json >"$T/r.json" 2>/dev/null
expect_eq "json exits 0 when the SLO passes" "$?" 0
expect_eq "json: format" "$("$RB" json "$T/r.json" format)" "revtrace-analyze"
expect_eq "json: run 1 p90 (us)" "$("$RB" json "$T/r.json" runs 0 latency percentiles_us 90)" "$p90_us"
expect_eq "json: run 2 is partial" "$("$RB" json "$T/r.json" runs 1 partial)" true
# "status" is the run's status; the HTTP status counts are "http_status" (they used to
# overwrite it).
expect_eq "json: run 1 status is the run status" "$("$RB" json "$T/r.json" runs 0 status)" complete
expect_eq "json: run 2 status is the run status" "$("$RB" json "$T/r.json" runs 1 status)" interrupted
want=$(sqlite3 "$T/f.db" "SELECT count(*) FROM requests WHERE run_id = 1 AND status = 502")
expect_eq "json: http_status counts HTTP 502" "$("$RB" json "$T/r.json" runs 0 http_status 502)" "$want"
expect_eq "json: a verdict names its run" "$("$RB" json "$T/r.json" verdicts 1 run_label)" \
    "$("$RB" json "$T/r.json" runs 1 label)"
expect_eq "json: hostile name intact" "$("$RB" json "$T/r.json" runs 1 name)" \
    "<script>alert(1)</script> & \"q\" 's | **b** {F1} @x"
expect_eq "json: the result" "$("$RB" json "$T/r.json" result)" pass
check "json: a series, interval chosen for >= 20 points" \
    test "$("$RB" json "$T/r.json" runs 0 series interval_us)" -ge 1000000
expect_eq "json: comparison rows" "$("$RB" json "$T/r.json" comparison 0 key)" requests
expect_eq "json: a histogram" "$("$RB" json "$T/r.json" runs 0 histogram counts 0 | tr -d '\n' | sed 's/[0-9]*/n/')" n

# --- markdown and remarkup ---------------------------------------------------------------------
"$REVTRACE" analyze --db "$T/f.db" 1 2 --slo none -f markdown >"$T/r.md" 2>/dev/null
check "markdown has a percentile table" grep -q '^| | n | mean | min | 50% |' "$T/r.md"
check "markdown escapes the hostile name" grep -q '\\<script\\>' "$T/r.md"
"$REVTRACE" analyze --db "$T/f.db" 1 2 --slo 'p90<=1ms' -f remarkup >"$T/r.rm" 2>/dev/null
check "remarkup uses = headings" grep -q '^= revtrace load-test analysis =$' "$T/r.rm"
check "remarkup highlights failures" grep -q '!!FAIL!!' "$T/r.rm"
if grep -q '{F1}\|@x\|\*\*b\*\*' "$T/r.rm"; then notok "remarkup defuses markup in names"
else ok "remarkup defuses markup in names"; fi
# Within each table every row has the header's cell count: no stray '|' from a name.
bad=$(awk '/^\|/ { l = $0; gsub(/\\\|/, "", l); c = split(l, a, "|"); if (!n) n = c; else if (c != n) b++; next } { n = 0 } END { print b + 0 }' "$T/r.rm")
expect_eq "remarkup tables keep their column counts (no stray |)" "$bad" 0
bad=$(awk '/^\|/ { l = $0; gsub(/\\\|/, "", l); c = split(l, a, "|"); if (!n) n = c; else if (c != n) b++; next } { n = 0 } END { print b + 0 }' "$T/r.md")
expect_eq "markdown tables keep their column counts (escaped |)" "$bad" 0

# --- html: well-formed, self-contained, escaped -------------------------------------------------
"$REVTRACE" analyze --db "$T/f.db" 1 2 -f html -o "$T/r.html" >/dev/null 2>&1
expect_eq "html -o exits 0 (p90 under the default 500 ms)" "$?" 0
expect_eq "html is well-formed" "$("$RB" html "$T/r.html")" well-formed
if grep -Eiq '<(script|link|img|iframe|object|embed|base)[ >]|@import|url\(' "$T/r.html"; then
    notok "html has no script, link, image, frame or CSS import"
else ok "html has no script, link, image, frame or CSS import"; fi
if grep -Eio '(src|href|action|xlink:href|poster|srcset)="[^"]*"' "$T/r.html" | grep -v '^href="#'; then
    notok "html: every src/href is a local #anchor"
else ok "html: every src/href is a local #anchor"; fi
# Outside the escaped run-configuration text, no URL at all.
# (the configuration is indented JSON over several lines: drop each <pre class="cfg"> block)
if awk '/<pre class="cfg">/ { skip = 1 } !skip { print } /<\/pre>/ { skip = 0 }' "$T/r.html" |
    sed -e 's/<td>[^<]*<\/td>//g' | grep -Eq 'https?:'; then
    notok "html: no URL outside escaped text"
else ok "html: no URL outside escaped text"; fi
check "html escapes the hostile name" grep -q '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &#39;s' "$T/r.html"
check "html escapes the hostile config" grep -q '&quot;&gt;&lt;img src=https://evil.example' "$T/r.html"
expect_cmp "html has the charts (histogram, CDF, 2x throughput, 2x latency)" \
    "$(grep -c '<figure><svg' "$T/r.html")" -ge 6
check "html puts the verdicts first" sh -c "grep -n 'id=\"verdicts\"\|id=\"summary\"' '$T/r.html' | head -n1 | grep -q verdicts"

# Headless render: counted as a pass with a skip note when chromium is absent.
if command -v chromium >/dev/null 2>&1; then
    timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-dev-shm-usage --host-resolver-rules='MAP * ~NOTFOUND' \
        --dump-dom "file://$T/r.html" >"$T/dom.html" 2>"$T/chromium.err"
    if grep -q 'Verdicts' "$T/dom.html" && [ "$(grep -o '<svg' "$T/dom.html" | wc -l)" -ge 6 ]; then
        ok "chromium renders the report headless"
    else
        sed 's/^/# /' "$T/chromium.err" | tail -n 5; notok "chromium renders the report headless"
    fi
else
    ok "chromium renders the report headless # skip chromium not installed"
fi

finish
