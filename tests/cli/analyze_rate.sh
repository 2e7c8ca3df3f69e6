#!/bin/sh
# analyze: the rates per second of the schedule window ((last - first scheduled) * n/(n - 1):
# unbiased by latency, lower when requests end in deadline errors, offered computed from the
# schedule, the same in every format and the run_summary view), the automatic time-series
# interval, the text width and the HTML CDF drawn as one monotone step curve.
# Databases are built with the sqlite3 CLI, so every expected number is known beforehand.
. tests/lib.sh

SCHEMA="$(pwd)/schema/001_init.sql $(pwd)/schema/002_views.sql"

# mk_run FILE ID NAME OFFERED_PER_S N 'SCHED_US' 'SENT_US' 'TOTAL_US' 'STATUS' 'ERROR'
# Inserts run ID with N requests i = 0..N-1, each column an SQL expression in i.
mk_run() {
    f=$1; id=$2; name=$3; off=$4; n=$5
    if [ ! -s "$f" ]; then
        { cat $SCHEMA; echo "PRAGMA application_id=1381257795; PRAGMA user_version=2;"; } |
            sqlite3 "$f"
    fi
    sqlite3 "$f" <<SQL
INSERT INTO runs (id, uuid, name, kind, target, t0_unix_us, started_at, finished_at, status,
  config_json, tool_version, hostname, offered_rate_per_s)
VALUES ($id, lower(hex(randomblob(16))), '$name', 'capture',
  'http://127.0.0.1:8080/v1/models/revertrisk-wikidata:predict', 1764000000000000,
  '2025-11-24T12:00:00Z', '2025-11-24T12:10:00Z', 'complete', '{}', '0.1.0', 'host', $off);
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < $n - 1)
INSERT INTO requests (run_id, seq, rev_id, scheduled_us, sent_us, dns_us, connect_us, tls_us,
  ttfb_us, total_us, status, error, bytes_in)
SELECT $id, i, 1000 + i, $6, $7, 0, 10, 0, ($8) - 10, $8, $9, ${10}, 100 FROM s;
SQL
}

# JSON number of key $2 in the first run of file $1 (analyze's JSON is indented, one key a line).
jnum() { sed -n "s/^ *\"$2\": \([-0-9.e+]*\),*\$/\1/p" "$1" | head -n1; }
# within A B PCT: |A - B| <= PCT% of B
within() { awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= b * p / 100) }'; }

DB="$T/rate.db"
# 1: exactly 10/s for 10 s (100 requests), every answer 800 ms after its send.
mk_run "$DB" 1 constant 10 100 'i * 100000' 'i * 100000' 800000 200 NULL
# 2: 10/s for 10 s, the server answers every other request (800 ms); the rest end in a 5 s
#    deadline error.  The run's recorded target (20/s) is deliberately wrong: offered comes
#    from the schedule.
mk_run "$DB" 2 half 20 100 'i * 100000' 'i * 100000' \
    'CASE WHEN i % 2 = 0 THEN 800000 ELSE 5000000 END' 'CASE WHEN i % 2 = 0 THEN 200 ELSE 0 END' \
    "CASE WHEN i % 2 = 0 THEN NULL ELSE 'deadline' END"
# 3: 10/s for 10 s, answers (800 ms) only for the first half; the rest cut by a 5 s deadline.
mk_run "$DB" 3 stalls 10 100 'i * 100000' 'i * 100000' \
    'CASE WHEN i < 50 THEN 800000 ELSE 5000000 END' 'CASE WHEN i < 50 THEN 200 ELSE 0 END' \
    "CASE WHEN i < 50 THEN NULL ELSE 'deadline' END"
# 4: one hour at 1 request per 10 s, 100 ms answers.
mk_run "$DB" 4 hour 0.1 361 'i * 10000000' 'i * 10000000' 100000 200 NULL
# 5: latency grows from 0.2 s to 2.2 s over the run (every request answered in time).
mk_run "$DB" 5 jitter 10 100 'i * 100000' 'i * 100000' '200000 + i * 20000' 200 NULL
# 6: a single request: no schedule span, the completion span (0.5 s) stands in.
mk_run "$DB" 6 single 1 1 '0' '0' 500000 200 NULL
# 7: closed loop (no offered rate): a send every 100 ms, each answered 250 ms later, so at the
#    stop (the window's end, 10 s) the last two requests are still in flight.
mk_run "$DB" 7 closed NULL 100 'i * 100000' 'i * 100000' 250000 200 NULL

# --- the rates ---------------------------------------------------------------------------------
# jf FILE KEY: the number of KEY in a JSON file, 4 decimals
jf() { printf '%.4f' "$(jnum "$1" "$2")"; }
"$REVTRACE" analyze --db "$DB" 1 -f json --slo none >"$T/1.json"
expect_eq "constant 800 ms latency at 10/s: exit 0" "$?" 0
expect_eq "exactly 10/s scheduled, constant 800 ms: achieved 10/s" "$(jf "$T/1.json" achieved_per_s)" 10.0000
expect_eq "exactly 10/s scheduled, constant 800 ms: HTTP-200 10/s" "$(jf "$T/1.json" ok_per_s)" 10.0000
expect_eq "exactly 10/s scheduled: offered 10/s" "$(jf "$T/1.json" offered_per_s)" 10.0000
expect_eq "the window is the schedule's 10 s" "$(jf "$T/1.json" window_s)" 10.0000
expect_eq "the completion span (first send .. last answer) is kept: 10.7 s" \
    "$(jf "$T/1.json" completion_span_s)" 10.7000
check "json names the window" grep -q '"window": "schedule"' "$T/1.json"

"$REVTRACE" analyze --db "$DB" 2 -f json --slo none >"$T/2.json"
expect_eq "half answered, half deadline errors: HTTP-200 rate 5/s" "$(jf "$T/2.json" ok_per_s)" 5.0000
expect_eq "half answered: offered 10/s from the schedule (not the recorded 20/s)" \
    "$(jf "$T/2.json" offered_per_s)" 10.0000
check "half answered: offered_source is the schedule" grep -q '"offered_source": "schedule"' "$T/2.json"
expect_eq "half answered: the recorded target is kept as target_per_s" "$(jf "$T/2.json" target_per_s)" 20.0000
expect_eq "half answered: failed 5/s" "$(jf "$T/2.json" failed_per_s)" 5.0000

"$REVTRACE" analyze --db "$DB" 3 -f json --slo none >"$T/3.json"
expect_eq "answers stop halfway: HTTP-200 5/s" "$(jf "$T/3.json" ok_per_s)" 5.0000

"$REVTRACE" analyze --db "$DB" 5 -f json --slo none >"$T/5.json"
expect_eq "latency growing 0.2 s -> 2.2 s, every request answered: still 10/s" \
    "$(jf "$T/5.json" ok_per_s)" 10.0000

"$REVTRACE" analyze --db "$DB" 6 -f json --slo none >"$T/6.json" 2>/dev/null
expect_eq "one request: exit 0, no division by zero" "$?" 0
check "one request: the window falls back to the completion span" \
    grep -q '"window": "completion_span"' "$T/6.json"
expect_eq "one request: 1 answer / 0.5 s" "$(jf "$T/6.json" ok_per_s)" 2.0000
if grep -Eiqw 'nan|inf' "$T/6.json"; then notok "one request: no NaN or inf"; else ok "one request: no NaN or inf"; fi

"$REVTRACE" analyze --db "$DB" 2 --slo none --min-rate 9/s >"$T/2.txt" 2>&1
expect_eq "--min-rate 9/s fails for the half-answering server" "$?" 1
check "--min-rate 9/s: the measured HTTP-200 rate is printed" \
    grep -q 'FAIL  rate>=9/s .*HTTP-200 5.00/s' "$T/2.txt"
"$REVTRACE" analyze --db "$DB" 2 --slo none --min-rate 5/s >/dev/null 2>&1
expect_eq "--min-rate 5/s passes at exactly 5.00/s" "$?" 0
"$REVTRACE" analyze --db "$DB" 1 --slo none --min-rate 36000/h >/dev/null 2>&1
expect_eq "--min-rate 36000/h passes for the constant-latency 10/s run" "$?" 0
"$REVTRACE" analyze --db "$DB" 1 --slo none --min-rate 150000/h >"$T/1v.txt" 2>&1
check "--min-rate above the offered rate says the run offered less" \
    grep -q 'FAIL  rate>=150000/h .*(offered only 36000/h)' "$T/1v.txt"

# locust's count: requests that ended by the window's end.  Run 1 (800 ms answers, 10 s
# window): 93 of 100; the closed-loop run 7 shows both rates, named.
"$REVTRACE" analyze --db "$DB" 1 -f json --slo none >"$T/j1.json" 2>/dev/null
expect_eq "run 1: locust's count drops the 7 still in flight at the window's end" \
    "$(jf "$T/j1.json" locust_requests_per_s)" "9.3000"
"$REVTRACE" analyze --db "$DB" 7 --slo none >"$T/t7.txt" 2>/dev/null
check "closed loop: text shows revtrace's req/s and locust's beside it" \
    grep -q '^  req/s      10.00/s every request; locust-style 9.80/s (the 98 that ended' "$T/t7.txt"
check "open loop: no req/s line (locust's count is in csv/json/locust)" \
    sh -c "! grep -q '^  req/s ' '$T/t1.txt'"

# Every format and the view report the same figures.
for id in 1 2 3 5 6; do
    "$REVTRACE" analyze --db "$DB" "$id" -f json --slo none >"$T/j.json" 2>/dev/null
    for key in achieved_per_s ok_per_s offered_per_s; do
        want=$(jf "$T/j.json" $key)
        got=$(sql "$DB" "SELECT printf('%.4f', $key) FROM run_summary WHERE run_id = $id")
        expect_eq "run $id: run_summary.$key equals analyze's" "$got" "$want"
    done
    want=$(jf "$T/j.json" completion_span_s)
    got=$(sql "$DB" "SELECT printf('%.4f', completion_span_s) FROM run_summary WHERE run_id = $id")
    expect_eq "run $id: run_summary.completion_span_s equals analyze's" "$got" "$want"
    want=$(jf "$T/j.json" achieved_per_s)
    "$REVTRACE" analyze --db "$DB" "$id" -f csv -o "$T/c$id" --slo none >/dev/null 2>&1
    got=$(awk -F, 'NR == 1 { for (k = 1; k <= NF; k++) if ($k == "achieved_per_s") c = k }
                   NR == 2 { printf "%.4f", $c }' "$T/c${id}_stats.csv")
    expect_eq "run $id: csv achieved_per_s equals json's" "$got" "$want"
    "$REVTRACE" analyze --db "$DB" "$id" --slo none >"$T/t$id.txt" 2>/dev/null
    check "run $id: text shows the same achieved rate" \
        grep -q "achieved   $(printf '%.2f' "$want")/s" "$T/t$id.txt"
    # locust's Requests/s: locust's count (requests ended by the window's end) per second of
    # the same window
    "$REVTRACE" analyze --db "$DB" "$id" -f locust -o "$T/l$id" --slo none >/dev/null 2>&1
    got=$(awk -F, 'NR == 3 { printf "%.4f", $10 }' "$T/l${id}_stats.csv")
    expect_eq "run $id: locust Requests/s is locust's count / window" "$got" \
        "$(jf "$T/j.json" locust_requests_per_s)"
done
"$REVTRACE" analyze --db "$DB" 1 -f html -o "$T/1.html" --slo none >/dev/null
check "html summary: offered, achieved and HTTP-200 per hour" \
    grep -q '<td>36000</td><td>36000</td><td>36000</td>' "$T/1.html"
check "html run section: the same rates per second" \
    grep -q 'achieved 10.00/s (36000/h) answers, HTTP-200 10.00/s (36000/h): per second of the 10.0 s schedule' "$T/1.html"
"$REVTRACE" analyze --db "$DB" 1 -f markdown --slo none >"$T/1.md"
check "markdown shows the same rates" grep -q '10.00/s = 36000/h answers (HTTP-200: 10.00/s = 36000/h)' "$T/1.md"
"$REVTRACE" analyze --db "$DB" 1 2 --slo none -f json >"$T/12.json"
tr -d ' \n' <"$T/12.json" >"$T/12.flat"
check "comparison: the HTTP-200 rates 10/s and 5/s" \
    grep -qF '"key":"ok_per_s","unit":"per_s","regression_checked":false,"values":[10.0,5.0]' "$T/12.flat"
"$REVTRACE" analyze --db "$DB" 1 2 --slo none --threshold 10% >/dev/null 2>&1
expect_eq "--threshold: half the answers of the baseline is a regression (exit 1)" "$?" 1

# --- the time-series interval -------------------------------------------------------------------
# expect_interval RUN WANT_US [OPTIONS]
expect_interval() {
    run=$1; want=$2; shift 2
    "$REVTRACE" analyze --db "$DB" "$run" -f json --slo none "$@" >"$T/i.json"
    expect_eq "run $run $*: interval" "$(jnum "$T/i.json" interval_us)" "$want"
}
expect_interval 1 1000000                 # 10.7 s: never below 1 s
expect_interval 4 120000000               # 1 hour: 2m, 30 points
expect_interval 4 10000000 --interval 10s # as asked
rows=$(grep -c '"t_us"' "$T/i.json")
expect_eq "1 hour at --interval 10s: 361 rows" "$rows" 361
"$REVTRACE" analyze --db "$DB" 4 -f json --slo none >"$T/i.json"
rows=$(grep -c '"t_us"' "$T/i.json")
check "1 hour, automatic interval: at least 20 rows (got $rows)" test "$rows" -ge 20
"$REVTRACE" analyze --db "$DB" 1 --slo none >"$T/i.txt"
check "text names the chosen interval" grep -q '^Time series (1s intervals' "$T/i.txt"
rows=$(awk '/^Time series/ { on = 1; next } on && /^ +[0-9]+ / { n++ } on && /^$/ { on = 0 } END { print n + 0 }' "$T/i.txt")
check "a 10 s run has at least 10 points (got $rows)" test "$rows" -ge 10

# --- text width ---------------------------------------------------------------------------------
"$REVTRACE" analyze --db "$DB" 2 --slo 'p90<=500ms' --min-rate 150000/h --max-errors 1% >"$T/w.txt"
w=$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$T/w.txt")
check "a single-run text report is at most 160 columns (got $w)" test "$w" -le 160
check "the name column fits the path (no 80-column padding)" \
    grep -q '^POST     /v1/models/revertrisk-wikidata:predict   ' "$T/w.txt"

# --- HTML: one monotone CDF per run ---------------------------------------------------------------
"$REVTRACE" analyze --db "$DB" 1 3 5 -f html -o "$T/c.html" --slo 'p90<=500ms' >/dev/null
n=$(grep -c '^<path fill="none"' "$T/c.html")
expect_eq "html: one CDF path per run" "$n" 3
bad=$(grep '^<path fill="none"' "$T/c.html" | sed 's/.* d="\([^"]*\)".*/\1/' |
    awk '{ gsub(/[MHV]/, " &"); x = -1e9; y = 1e9; bad = 0
           for (k = 1; k <= NF; k++) {
               c = substr($k, 1, 1); v = substr($k, 2)
               if (c == "M") { split(v, p, ","); x = p[1]; y = p[2] }
               else if (c == "H") { if (v + 0 < x + 0) bad++; x = v }
               else if (c == "V") { if (v + 0 > y + 0) bad++; y = v }
           }
           print bad }' | awk '{ s += $1 } END { print s + 0 }')
expect_eq "html: every CDF only goes right and up" "$bad" 0
check "html: no polyline CDF left (the old path doubled back)" \
    test "$(grep -c 'Latency CDF' "$T/c.html")" -ge 1
check "html: log axis has a 500ms tick" grep -q '>500ms</text>' "$T/c.html"
check "html: log axis has a 1s tick" grep -q '>1s</text>' "$T/c.html"

finish
