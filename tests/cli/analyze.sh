#!/bin/sh
# analyze: figures checked against SQL brute force, N = 0 and N = 1, verdict exit codes both
# ways, --judge (which runs the verdicts apply to), partial runs marked, several databases,
# groups merged and labelled as the group, usage errors.
# Databases are built with the sqlite3 CLI from schema/001_init.sql and synthetic rows, so
# every expected number is known independently of the code under test.
. tests/lib.sh

SCHEMA=$(pwd)/schema/001_init.sql

# gen_db FILE RUN_ID N [STATUS] [GROUP] [T0_US] [OFFERED_PER_S] [NAME] [SCALE]
# Requests every 24 ms; latencies spread by two co-prime strides (ties included); every
# 100th is a 502, every 250th a 429, every 500th a deadline error without status.
gen_db() {
    f=$1; id=$2; n=$3; st=${4:-complete}; grp=${5:-}; t0=${6:-1764000000000000}; off=${7:-}
    name=${8:-run$id}; scale=${9:-1}
    if [ ! -s "$f" ]; then
        { cat "$SCHEMA"; echo "PRAGMA application_id=1381257795; PRAGMA user_version=1;"; } |
            sqlite3 "$f"
    fi
    g=NULL; [ -n "$grp" ] && g="'$grp'"
    o=NULL; [ -n "$off" ] && o="$off"
    sqlite3 "$f" <<SQL
INSERT INTO runs (id, uuid, name, kind, target, group_id, t0_unix_us, started_at, finished_at,
  status, config_json, tool_version, hostname, offered_rate_per_s)
VALUES ($id, lower(hex(randomblob(16))), '$name', 'capture',
  'http://127.0.0.1:8080/v1/models/revertrisk-wikidata:predict', $g, $t0,
  '2025-11-24T12:00:00Z', '2025-11-24T12:02:00Z', '$st', '{"rate":"42/s"}', '0.1.0', 'host', $o);
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < $n - 1)
INSERT INTO requests (run_id, seq, rev_id, scheduled_us, sent_us, dns_us, connect_us, tls_us,
  ttfb_us, total_us, status, error, bytes_in)
SELECT $id, i, 2000000000 + i, i * 24000, i * 24000 + (i * 37) % 900, 20, 120, 0,
  120 + ((i * 7919) % 400000 + (i * 104729) % 300000) * $scale,
  320 + ((i * 7919) % 400000 + (i * 104729) % 300000) * $scale,
  CASE WHEN i % 500 = 11 THEN 0 WHEN i % 100 = 7 THEN 502 WHEN i % 250 = 3 THEN 429 ELSE 200 END,
  CASE WHEN i % 500 = 11 THEN 'deadline' ELSE NULL END, 120
FROM s;
SQL
}

# Nearest-rank percentile of run $2's ok latencies, straight from SQL.
sql_pct() {
    sql "$1" "SELECT sent_us + total_us - scheduled_us FROM requests
              WHERE run_id = $2 AND status = 200 AND error IS NULL
              ORDER BY 1 LIMIT 1 OFFSET (SELECT ($3 * count(*) + $4 - 1) / $4 - 1 FROM requests
              WHERE run_id = $2 AND status = 200 AND error IS NULL)"
}

A="$T/a.db"
gen_db "$A" 1 5000
gen_db "$A" 2 5000 complete "" "" 42 slow 2

# --- text report and exact percentiles -----------------------------------------------------
"$REVTRACE" analyze --db "$A" 1 --slo none >"$T/out1.txt" 2>"$T/err1.txt"
expect_eq "text report of run 1 exits 0 with --slo none" "$?" 0
check "text has locust's stats header" \
    grep -q '^Type     Name .*# reqs      # fails |    Avg     Min     Max    Med |   req/s  failures/s$' "$T/out1.txt"
check "text has locust's percentile header" \
    grep -q '50%    66%    75%    80%    90%    95%    98%    99%  99.9% 99.99%   100% # reqs$' "$T/out1.txt"
check "text has an Aggregated row" grep -q '^         Aggregated ' "$T/out1.txt"
check "text names 429 and 5xx" grep -q '429: 20, 5xx: 50' "$T/out1.txt"
check "text shows the deadline errors" grep -q 'deadline: 10' "$T/out1.txt"

"$REVTRACE" analyze --db "$A" 1 -f json --slo none >"$T/a1.json"
for p in "50 100" "66 100" "90 100" "99 100" "999 1000" "9999 10000" "100 100"; do
    set -- $p
    want=$(sql_pct "$A" 1 "$1" "$2")
    key=$(awk -v a="$1" -v b="$2" 'BEGIN { printf "%g", a * 100 / b }')
    got=$(sed -n "s/^ *\"$key\": \([0-9]*\),*\$/\1/p" "$T/a1.json" | head -n1)
    expect_eq "p$key equals the SQL nearest-rank value" "$got" "$want"
done
n200=$(sql "$A" "SELECT count(*) FROM requests WHERE run_id=1 AND status=200 AND error IS NULL")
check "json counts the HTTP-200 answers" grep -q "\"ok\": $n200," "$T/a1.json"

# --- N = 1 and N = 0 -------------------------------------------------------------------------
B="$T/b.db"
gen_db "$B" 1 1
"$REVTRACE" analyze --db "$B" -f json --slo 'p99.99<=1s' >"$T/b.json" 2>"$T/b.err"
expect_eq "one request: exit 0" "$?" 0
check "one request: p50 is its latency" grep -q '"50": 320,' "$T/b.json"
check "one request: p100 is its latency" grep -q '"100": 320$' "$T/b.json"

C="$T/c.db"
gen_db "$C" 1 10
sql "$C" "UPDATE requests SET status = 503"
"$REVTRACE" analyze --db "$C" >"$T/c.txt" 2>"$T/c.err"
expect_eq "no HTTP-200: the default SLO fails (exit 1), no crash" "$?" 1
check "no HTTP-200: a clear message" grep -q 'no HTTP-200 answers' "$T/c.err"
check "no HTTP-200: percentile cells say N/A" grep -q 'N/A' "$T/c.txt"
check "no HTTP-200: the verdict says why" grep -q 'FAIL  p90<=500ms .*no HTTP-200 answers' "$T/c.txt"
if grep -qiw 'nan' "$T/c.txt"; then notok "no HTTP-200: no NaN in the text"; else ok "no HTTP-200: no NaN in the text"; fi
"$REVTRACE" analyze --db "$C" -f json >"$T/c.json" 2>/dev/null
check "no HTTP-200: JSON percentiles are null" grep -q '"90": null' "$T/c.json"
if grep -qiw 'nan' "$T/c.json"; then notok "no HTTP-200: no NaN in JSON"; else ok "no HTTP-200: no NaN in JSON"; fi

# --- verdicts both ways ------------------------------------------------------------------------
p90=$(sql_pct "$A" 1 90 100)
lo=$((p90 - 1)); hi=$p90
"$REVTRACE" analyze --db "$A" 1 --slo "p90<=${hi}us" >"$T/v.txt" 2>&1
expect_eq "p90<=measured passes (exit 0)" "$?" 0
"$REVTRACE" analyze --db "$A" 1 --slo "p90<${hi}us" >"$T/v.txt" 2>&1
expect_eq "p90<measured fails (exit 1)" "$?" 1
"$REVTRACE" analyze --db "$A" 1 --slo "p90<=${lo}us" >"$T/v.txt" 2>&1
expect_eq "p90<=measured-1us fails (exit 1)" "$?" 1
check "a failing SLO prints the measured figure" grep -q "FAIL  p90<=${lo}us .*p90 = " "$T/v.txt"
"$REVTRACE" analyze --db "$A" 1 --slo 'mean<=1s' --slo 'max<=1s' --slo 'p99.9<=1s' >/dev/null 2>&1
expect_eq "mean, max and p99.9 SLOs pass" "$?" 0
"$REVTRACE" analyze --db "$A" 1 --slo none --max-errors 2% >/dev/null 2>&1
expect_eq "--max-errors 2% passes at 1.6%" "$?" 0
"$REVTRACE" analyze --db "$A" 1 --slo none --max-errors 1% >"$T/v.txt" 2>&1
expect_eq "--max-errors 1% fails at 1.6%" "$?" 1
check "--max-errors prints the measured ratio" grep -q 'FAIL  errors<=1% .*1.60% (80 of 5000 failed)' "$T/v.txt"
"$REVTRACE" analyze --db "$A" 1 --slo none --min-rate 40/s >/dev/null 2>&1
expect_eq "--min-rate 40/s passes" "$?" 0
"$REVTRACE" analyze --db "$A" 1 --slo none --min-rate 150000/h >"$T/v.txt" 2>&1
expect_eq "--min-rate 150000/h fails at ~41.4/s" "$?" 1
# The HTTP-200 rate, independently: HTTP-200 answers per second of the schedule window,
# (last - first scheduled) * n / (n - 1) (docs/analyze.md).
want_rate=$(sql "$A" "SELECT printf('%.2f', sum(status = 200 AND error IS NULL) * 1e6 /
                             ((max(scheduled_us) - min(scheduled_us)) * 1.0 * count(*)
                              / (count(*) - 1))) FROM requests WHERE run_id = 1")
check "--min-rate prints the HTTP-200 rate ($want_rate/s)" \
    grep -q "FAIL  rate>=150000/h .*HTTP-200 $want_rate/s" "$T/v.txt"
check "--min-rate names the run it judged" grep -q "FAIL  rate>=150000/h .*\\[run: run1 #1\\]" "$T/v.txt"

# --- --judge: which runs the verdicts apply to ----------------------------------------------------
# Run 2 is twice as slow: p90<=(run 1's p90) passes for run 1 only.
"$REVTRACE" analyze --db "$A" 1 2 --slo "p90<=${hi}us" >"$T/j.txt" 2>&1
expect_eq "without --judge the SLO judges both runs: run 2 fails (exit 1)" "$?" 1
"$REVTRACE" analyze --db "$A" 1 2 --slo "p90<=${hi}us" --judge 1 >"$T/j.txt" 2>&1
expect_eq "--judge 1: only run 1 is judged, it passes (exit 0)" "$?" 0
expect_eq "--judge 1: one verdict line" "$(grep -c '^  PASS\|^  FAIL' "$T/j.txt")" 1
check "--judge 1: the verdict names run 1" grep -q "PASS  p90<=${hi}us .*\\[run: run1 #1\\]" "$T/j.txt"
check "--judge 1: run 2 is listed as not judged" grep -q 'not judged (--judge): slow #2' "$T/j.txt"
"$REVTRACE" analyze --db "$A" 1 2 --slo "p90<=${hi}us" --judge slow >"$T/j.txt" 2>&1
expect_eq "--judge slow (by name): run 2 fails (exit 1)" "$?" 1
check "--judge slow: the failing verdict names run 2" grep -q "FAIL  p90<=${hi}us .*\\[run: slow #2\\]" "$T/j.txt"
"$REVTRACE" analyze --db "$A" 1 2 --slo "p90<=${hi}us" --judge "$A:1" --judge 2 >/dev/null 2>&1
expect_eq "--judge twice (FILE:RUN and id) judges both: exit 1" "$?" 1
"$REVTRACE" analyze --db "$A" 1 2 --slo "p90<=${hi}us" --judge 1 --threshold 10% >"$T/j.txt" 2>&1
expect_eq "--judge leaves --threshold alone: run 2 still regresses (exit 1)" "$?" 1
check "--threshold still checks run 2" grep -q "FAIL  latency p90 .*\\[run: slow #2\\]" "$T/j.txt"
"$REVTRACE" analyze --db "$A" 1 --slo none --judge 2 >/dev/null 2>"$T/j.err"
expect_eq "--judge of a run not analyzed: usage error (exit 2)" "$?" 2
check "--judge of a run not analyzed: says so" grep -q 'not among the runs analyzed' "$T/j.err"
"$REVTRACE" analyze --db "$A" 1 --slo none --judge 99 >/dev/null 2>&1
expect_eq "--judge of an unknown run: exit 2" "$?" 2
"$REVTRACE" analyze --db "$A" 1 2 --slo "p90<=${hi}us" --judge 1 -f json >"$T/j.json" 2>/dev/null
check "--judge: json marks run 2 not judged" grep -q '"judged": false' "$T/j.json"
check "--judge: json verdict carries the run label" grep -q '"run_label": "run1 #1"' "$T/j.json"

# --- --threshold with one run -------------------------------------------------------------------
"$REVTRACE" analyze --db "$A" 1 --slo none --threshold 10% >/dev/null 2>"$T/t.err"
expect_eq "--threshold with one run: exit 0 (no verdict)" "$?" 0
check "--threshold with one run: warns there is nothing to compare" \
    grep -q 'warning: --threshold 10%: only one run .*nothing to compare' "$T/t.err"

# --- comparison and regression threshold -------------------------------------------------------
"$REVTRACE" analyze --db "$A" 1 2 --slo none --threshold 10% >"$T/cmp.txt" 2>&1
expect_eq "run 2 (twice as slow) regresses beyond 10% (exit 1)" "$?" 1
check "comparison table has deltas" grep -q 'latency p90 .*+99.8%' "$T/cmp.txt"
"$REVTRACE" analyze --db "$A" 2 1 --slo none --threshold 10% >/dev/null 2>&1
expect_eq "run 1 against baseline 2 is faster: no regression (exit 0)" "$?" 0
"$REVTRACE" analyze --db "$A" 2 --baseline 1 --slo none --threshold 200% >"$T/cmp.txt" 2>&1
expect_eq "--baseline outside the list joins it; 200% threshold passes" "$?" 0
check "--baseline leads the comparison" grep -q 'deltas against the baseline: run1 #1' "$T/cmp.txt"

# --- several databases: FILE:RUN, FILE.db, repeated --db ----------------------------------------
D="$T/d.db"
gen_db "$D" 1 100 complete "" "" "" other
"$REVTRACE" analyze "$A:1" "$D:other" --slo none >"$T/m.txt" 2>&1
expect_eq "FILE:RUN from two files" "$?" 0
check "both runs in the comparison" grep -q 'run1 #1 .*other #1' "$T/m.txt"
"$REVTRACE" analyze --db "$A" --db "$D" --slo none -f json >"$T/m.json" 2>/dev/null
check "repeated --db: the latest run of each" grep -q '"name": "other"' "$T/m.json"
check "repeated --db: run 2 of a.db" grep -q '"name": "slow"' "$T/m.json"
"$REVTRACE" analyze "$D" --slo none >/dev/null 2>&1
expect_eq "a bare FILE.db means its latest run" "$?" 0

# --- groups (replay shards) across files, merged ------------------------------------------------
S1="$T/s1.db"; S2="$T/s2.db"
gen_db "$S1" 1 200 complete g1 1764000000000000 21
gen_db "$S2" 1 300 complete g1 1764000000500000 21
gen_db "$S2" 2 50 complete other-group
sql "$S1" "UPDATE runs SET shard = '0/2' WHERE id = 1"
sql "$S2" "UPDATE runs SET shard = '1/2' WHERE id = 1"
U1=$(sql "$S1" "SELECT uuid FROM runs WHERE id = 1"); U2=$(sql "$S2" "SELECT uuid FROM runs WHERE id = 1")
"$REVTRACE" analyze --db "$S1" --db "$S2" --group g1 --slo none -f json >"$T/g.json" 2>"$T/g.err"
expect_eq "--group over two files exits 0" "$?" 0
check "--group merges 200 + 300 requests" grep -q '"scheduled": 500,' "$T/g.json"
check "--group counts 2 merged runs" grep -q '"merged_runs": 2,' "$T/g.json"
check "--group sums the parts' target rates" grep -q '"target_per_s": 42' "$T/g.json"
# Offered: the merged schedule, 500 requests from 0 to 0.5 s + 299 * 24 ms, times 500/499.
want=$(awk 'BEGIN { printf "%.4f", 500 / ((0.5 + 299 * 0.024) * 500 / 499) }')
got=$(sed -n 's/^ *"offered_per_s": \([0-9.e+]*\),*$/\1/p' "$T/g.json" | head -n1)
expect_eq "--group: offered is the merged schedule's rate" "$(printf '%.4f' "$got")" "$want"
check "--group: json labels the group" grep -q '"label": "group g1"' "$T/g.json"
check "--group: json has no uuid of its own (not shard 0's)" grep -q '"uuid": null' "$T/g.json"
check "--group: json has no shard (not shard 0's)" grep -q '"shard": null' "$T/g.json"
check "--group: json lists the part uuids" grep -q "\"$U2\"" "$T/g.json"
check "--group: json lists the first part's uuid too" grep -q "\"$U1\"" "$T/g.json"
"$REVTRACE" analyze --db "$S1" --db "$S2" --group g1 --slo none >"$T/g.txt" 2>/dev/null
check "--group: text names the group and its part count" grep -q '^  group      g1: 2 parts merged' "$T/g.txt"
check "--group: text lists the part uuids" grep -q "^  part uuids $U1, $U2\$" "$T/g.txt"
if grep -q 'shard 0/2\|uuid '"$U1"')' "$T/g.txt"; then notok "--group: text does not present shard 0 as the run"
else ok "--group: text does not present shard 0 as the run"; fi
"$REVTRACE" analyze --db "$S1" --db "$S2" --group g1 --slo none -f html -o "$T/g.html" >/dev/null 2>&1
check "--group: html names the group and its parts" grep -q "Group <b>g1</b>, 2 parts merged into one run: $U1, $U2" "$T/g.html"
if grep -q '<th>shard</th>\|<th>uuid</th>' "$T/g.html"; then notok "--group: html shows no shard-0 uuid or shard"
else ok "--group: html shows no shard-0 uuid or shard"; fi
"$REVTRACE" analyze --db "$S1" --db "$S2" --group g1 --slo 'p90<=10s' --judge "$S2:1" >"$T/g.txt" 2>&1
expect_eq "--judge a part of a merged group judges the group (exit 0)" "$?" 0
check "--judge a part: the verdict names the group" grep -q 'PASS  p90<=10s .*\[run: group g1\]' "$T/g.txt"
"$REVTRACE" analyze --db "$S1" --db "$S2" --merge-group "$S1:1" --slo none -f json >"$T/g2.json" 2>/dev/null
check "--merge-group expands a run to its group" grep -q '"scheduled": 500,' "$T/g2.json"
"$REVTRACE" analyze --db "$S1" --group nope >/dev/null 2>"$T/g.err"
expect_eq "unknown group: usage error (exit 2)" "$?" 2

# --- partial runs, --list -----------------------------------------------------------------------
R="$T/r.db"
gen_db "$R" 1 100 running
"$REVTRACE" analyze --db "$R" --slo none >"$T/r.txt" 2>"$T/r.err"
expect_eq "a running run is analyzed" "$?" 0
check "a running run is marked partial" grep -q 'PARTIAL' "$T/r.txt"
check "a running run warns" grep -q 'is running' "$T/r.err"
"$REVTRACE" analyze --db "$A" --list >"$T/list.txt"
expect_eq "--list exits 0" "$?" 0
check "--list shows run 2 with its request count" grep -Eq '^2 +slow +capture +complete +2025-11-24T12:00:00Z +5000  http' "$T/list.txt"

# --- usage and input errors ---------------------------------------------------------------------
"$REVTRACE" analyze --db "$A" 99 >/dev/null 2>"$T/u.err"
expect_eq "unknown run: exit 2" "$?" 2
check "unknown run: says how to list runs" grep -q 'analyze --db .* --list' "$T/u.err"
"$REVTRACE" analyze --db "$T/missing.db" >/dev/null 2>&1
expect_eq "missing database: exit 2" "$?" 2
"$REVTRACE" analyze --db "$A" --slo 'p90=500ms' >/dev/null 2>"$T/u.err"
expect_eq "bad --slo: exit 2" "$?" 2
check "bad --slo: shows an example" grep -q "p90<=500ms" "$T/u.err"
"$REVTRACE" analyze --db "$A" --slo 'p101<=1s' >/dev/null 2>&1
expect_eq "percentile above 100: exit 2" "$?" 2
"$REVTRACE" analyze --db "$A" -f yaml >/dev/null 2>&1
expect_eq "unknown format: exit 2" "$?" 2
"$REVTRACE" analyze --db "$A" -f locust >/dev/null 2>"$T/u.err"
expect_eq "locust without -o: exit 2" "$?" 2
check "locust without -o: says it is four files and needs -o PREFIX" \
    grep -q 'four files.*-o PREFIX' "$T/u.err"
"$REVTRACE" analyze --db "$A" -f locust -o - >"$T/u.out" 2>"$T/u.err"
expect_eq "locust -o -: exit 2" "$?" 2
check "locust -o -: says it needs -o PREFIX" grep -q 'four files.*-o PREFIX' "$T/u.err"
expect_eq "locust -o -: nothing on stdout" "$(wc -c <"$T/u.out")" 0
if [ -e ./-_stats.csv ]; then notok "locust -o -: no file named -_stats.csv"; else ok "locust -o -: no file named -_stats.csv"; fi
printf 'not a database' > "$T/junk.db"
"$REVTRACE" analyze --db "$T/junk.db" >/dev/null 2>&1
rc=$?
expect_cmp "a file that is not a database is refused (exit 2 or 3)" "$rc" -ge 2
"$REVTRACE" analyze --help >"$T/help.txt"
expect_eq "--help exits 0" "$?" 0
check "--help lists --merge-group" grep -q -- '--merge-group' "$T/help.txt"
check "--help lists --judge" grep -q -- '--judge RUN' "$T/help.txt"

finish
