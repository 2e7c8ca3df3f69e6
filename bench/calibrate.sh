#!/bin/sh
# calibrate.sh - `make calibrate`: reproduce the seven published locust runs
# (data/phab-locust-runs.csv, the published table) against `revtrace emulate --profile staging|prod` with
# `revtrace capture --users U --wait 1s-5s --spawn-rate S --duration 120s`, and print our
# figures beside the published ones.
#
# Each row gets its own emulator (fresh state, as each published run met a service at rest)
# and its own database.  Rows run in parallel (they are light: at most ~60 requests/s each);
# RT_CAL_SERIAL=1 runs them one after the other.  Like locust, a request counts when it
# completed within the run time; percentiles are nearest-rank over every completed request
# (locust's aggregate includes failures); failures are non-200 answers.
#
# Environment: REVTRACE (binary, default ./revtrace), RT_CAL_ROWS (row numbers 1-7, default
# all), RT_CAL_DURATION (seconds, default 120), RT_CAL_TOL="rps med p90" in percent (default
# "20 20 30", the issue's tolerances), RT_CAL_KEEP=DIR keeps the databases there.
# Exit status: 0 when every figure is within tolerance, 1 otherwise.
set -u
REVTRACE=${REVTRACE:-$(pwd)/revtrace}
ROWS=${RT_CAL_ROWS:-1 2 3 4 5 6 7}
DUR=${RT_CAL_DURATION:-120}
set -- ${RT_CAL_TOL:-20 20 30}
TOL_RPS=$1 TOL_MED=$2 TOL_P90=$3
W=$(mktemp -d "${TMPDIR:-/tmp}/revtrace-cal.XXXXXX")
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; [ -n "${RT_CAL_KEEP:-}" ] ||
    rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# The published rows, read from data/phab-locust-runs.csv (RT_CAL_CSV; its source is in
# data/README.md): profile users spawn requests failures median p90 requests_per_s
CSV=${RT_CAL_CSV:-$(dirname "$0")/../data/phab-locust-runs.csv}
[ -r "$CSV" ] || { echo "calibrate: cannot read $CSV" >&2; exit 2; }
row() {
    awk -F, -v n="$1" 'NR == n + 1 { print $1, $5, $6, $9, $10, $15, $21, $16 }' "$CSV"
}

# 30 Wikidata-like revision IDs, as the published runs drew from a list of 30.
printf 'rev_id\n' >"$W/revids.csv"
i=0; while [ $i -lt 30 ]; do echo $((2100000000 + i * 104729)) >>"$W/revids.csv"; i=$((i + 1)); done

run_row() { # run_row N: emulator + capture; writes $W/N.db
    set -- $(row "$1") "$1"
    n=$9
    "$REVTRACE" emulate --listen 127.0.0.1:0 --port-file "$W/$n.port" --profile "$1" \
        --seed "$n" -q 2>"$W/$n.emu.log" &
    epid=$!
    k=0; while [ ! -s "$W/$n.port" ] && [ $k -lt 500 ]; do sleep 0.02; k=$((k + 1)); done
    if [ ! -s "$W/$n.port" ]; then echo "row $n: emulator did not start" >&2; kill $epid; return 1; fi
    url="http://127.0.0.1:$(cat "$W/$n.port")/v1/models/revertrisk-wikidata:predict"
    # locust's FastHttpUser gives up after 60 s; so does our deadline.
    "$REVTRACE" capture "$url" --revids "$W/revids.csv" --users "$2" --wait 1s-5s \
        --spawn-rate "$3" --duration "${DUR}s" --deadline 60s --seed "$n" \
        --db "$W/$n.db" --name "row$n" --quiet 2>"$W/$n.cap.log"
    rc=$?
    kill $epid; wait $epid 2>/dev/null
    return $rc
}

for n in $ROWS; do
    if [ "${RT_CAL_SERIAL:-0}" = 1 ]; then run_row "$n"; else run_row "$n" & PIDS="$PIDS $!"; fi
done
for p in $PIDS; do wait "$p"; done
PIDS=""

# Figures of one row: requests failures median p90 rps (completed within the run time).
figures() {
    sqlite3 -batch -noheader "$1" "
    WITH done AS (SELECT latency_us, status FROM latency
                  WHERE status > 0 AND latency_us IS NOT NULL
                    AND (SELECT sent_us + total_us FROM requests r
                         WHERE r.run_id = latency.run_id AND r.seq = latency.seq) <= $DUR * 1000000),
         n AS (SELECT count(*) AS c FROM done),
         ranked AS (SELECT latency_us, row_number() OVER (ORDER BY latency_us) AS rk FROM done)
    SELECT (SELECT c FROM n),
           (SELECT count(*) FROM done WHERE status <> 200),
           (SELECT latency_us / 1000 FROM ranked, n WHERE rk = max(1, CAST(ceil(0.5 * c) AS INT))),
           (SELECT latency_us / 1000 FROM ranked, n WHERE rk = max(1, CAST(ceil(0.9 * c) AS INT))),
           printf('%.2f', (SELECT c FROM n) * 1.0 / $DUR);" | tr '|' ' '
}

# within PCT OURS PUBLISHED -> "ok" or "OUT"
within() { awk -v t="$1" -v a="$2" -v b="$3" 'BEGIN { d = (a - b) / b * 100; if (d < 0) d = -d;
    printf "%s", (d <= t) ? "ok " : "OUT" }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+4.0f%%", (a - b) / b * 100 }'; }

bad=0
printf '%-24s %-22s %-26s %-26s %s\n' "row (${DUR}s)" "requests/s" "median ms" "p90 ms" \
    "failures"
printf '%-24s %-22s %-26s %-26s %s\n' "" "ours/published" "ours/published" \
    "ours/published" "ours/published"
for n in $ROWS; do
    set -- $(row "$n")
    prof=$1 users=$2 spawn=$3 pub_fail=$5 pub_med=$6 pub_p90=$7 pub_rps=$8
    pub_req=$4
    f=$(figures "$W/$n.db" 2>/dev/null)
    if [ -z "$f" ]; then
        echo "row $n: no data ($(tail -n1 "$W/$n.cap.log" 2>/dev/null))"; bad=1; continue
    fi
    set -- $f
    req=$1 fail=$2 med=$3 p90=$4 rps=$5
    a=$(within "$TOL_RPS" "$rps" "$pub_rps"); b=$(within "$TOL_MED" "$med" "$pub_med")
    c=$(within "$TOL_P90" "$p90" "$pub_p90")
    case "$a$b$c" in *OUT*) bad=1 ;; esac
    printf '%-24s %-22s %-26s %-26s %s\n' "$n $prof ${users}u@${spawn}/s" \
        "$rps/$pub_rps $(pct "$rps" "$pub_rps") $a" "$med/$pub_med $(pct "$med" "$pub_med") $b" \
        "$p90/$pub_p90 $(pct "$p90" "$pub_p90") $c" \
        "$fail/$req vs $pub_fail/$pub_req"
done
[ -n "${RT_CAL_KEEP:-}" ] && mkdir -p "$RT_CAL_KEEP" && cp "$W"/*.db "$RT_CAL_KEEP"/
echo "tolerances: requests/s ${TOL_RPS}%, median ${TOL_MED}%, p90 ${TOL_P90}%"
exit $bad
