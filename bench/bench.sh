#!/bin/sh
# make bench: revtrace's speed, measured in one run on this machine, printed as a table.
# Asserts nothing timed (speed is reported, not tested); exits non-zero only when a step
# could not run at all.  Everything talks to `revtrace emulate --profile fast` on 127.0.0.1.
#
# BENCH_QUICK=1 shortens every step (for trying the script; the figures are then rougher).
set -eu
cd "$(dirname "$0")/.."
RT=$(pwd)/revtrace
OUT=$(pwd)/bench-out
mkdir -p "$OUT"
# The port file too: a stale one would be read before the new emulator writes its own.
rm -f "$OUT"/*.db "$OUT"/*.db-wal "$OUT"/*.db-shm "$OUT/port"
Q=${BENCH_QUICK:-0}
if [ "$Q" = 1 ]; then STEP=3; ACC=10; BIG=200000; else STEP=10; ACC=60; BIG=1000000; fi
ROWS="$OUT/rows.txt"
: > "$ROWS"
row() { printf '%-52s %s\n' "$1" "$2" | tee -a "$ROWS"; }

# The emulator keeps its default 2 HTTP threads, not --threads 1: with one thread it stalls
# once about 256 connections are open (wrk -t1 -c256 against it: ~140 requests/s against
# ~80,000/s with -c64 or with 2 threads), and capture opens up to --max-inflight (256)
# connections whenever the server hiccups, so a single-threaded emulator turned one slow
# moment into a collapse of the whole step.  wrk and capture face the same emulator.
"$RT" emulate --listen 127.0.0.1:0 --port-file "$OUT/port" --profile fast \
    >"$OUT/emulate.log" 2>&1 &
EMU=$!
trap 'kill $EMU 2>/dev/null; wait $EMU 2>/dev/null || true' EXIT INT TERM
n=500; while [ ! -s "$OUT/port" ] && [ $n -gt 0 ]; do sleep 0.02; n=$((n - 1)); done
PORT=$(cat "$OUT/port")
URL="http://127.0.0.1:$PORT/v1/models/revertrisk-wikidata:predict"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: emulator (fast) on port $PORT; $(nproc) CPUs; load $LOAD0; $(date -u +%FT%TZ)"

# Nearest-rank percentile of a column over one run: pct DB RUN_ID EXPR P
pct() {
    sqlite3 -batch -noheader "$1" "WITH v AS (SELECT $3 AS x FROM latency WHERE run_id=$2 AND x IS NOT NULL),
      c AS (SELECT count(*) AS n FROM v)
      SELECT x FROM v ORDER BY x LIMIT 1 OFFSET (SELECT max(0, CAST(((n * $4 + 99) / 100) AS INT) - 1) FROM c);"
}
# achieved send rate (per s) and counts of a run: rows, sent, ok
runstats() {
    sqlite3 -batch -noheader -separator ' ' "$1" "SELECT count(*), count(sent_us),
      sum(status=200), printf('%.1f', (count(sent_us)-1) * 1e6 / max(1, max(sent_us) - min(sent_us)))
      FROM requests WHERE run_id=$2;"
}
lastrun() { sqlite3 -batch -noheader "$1" "SELECT max(id) FROM runs;"; }

# 1. wrk's closed-loop maximum against the same emulator.
WRK=0
if command -v wrk >/dev/null 2>&1; then
    WRK=$(wrk -t1 -c64 -d${STEP}s -s bench/post.lua "$URL" 2>/dev/null |
          awk '/Requests\/sec/ {printf "%d", $2}')
    WRK=${WRK:-0}
    row "wrk -t1 -c64 closed-loop max (req/s)" "$WRK"
fi

# 2. The open-loop rate ladder: every rate is run (a noisy step does not end the search), one
#    row each.  Two answers: the highest rate that passes (every request recorded with a 200,
#    achieved >= 99% of offered, p99 send lag < 1 ms), and the highest rate that only keeps up
#    (every request recorded with a 200, achieved >= 99%, whatever the lag): throughput and
#    timing quality side by side.
BEST=0; BEST_LAG=""; KEEP=0
printf '%-8s %8s %8s %10s %9s %9s %s\n' rate/s rows 200s achieved/s "p50 lag" "p99 lag" result |
    tee "$OUT/ladder.txt"
for r in 2000 5000 10000 15000 20000 30000 40000; do
    db="$OUT/rate-$r.db"
    want=$((r * STEP))
    if "$RT" capture "$URL" --revids data/revids.csv --rate $r/s --arrivals constant \
        --duration ${STEP}s --db "$db" --quiet --max-inflight 256; then
        id=$(lastrun "$db")
        set -- $(runstats "$db" $id)
        rows=$1; ok=$3; ach=$4
        p50=$(pct "$db" $id lag_us 50); p99=$(pct "$db" $id lag_us 99)
        kept=$(awk -v a="$ach" -v r=$r -v ok="$ok" -v n="$rows" -v w=$want \
            'BEGIN { print (a >= 0.99 * r && ok == n && n == w) ? 1 : 0 }')
        good=$(awk -v k=$kept -v l="$p99" 'BEGIN { print (k && l < 1000) ? 1 : 0 }')
    else
        rows=-; ok=-; ach=-; p50=-; p99=-; kept=0; good=0
    fi
    res=fail
    if [ "$good" = 1 ]; then res=pass; elif [ "$kept" = 1 ]; then res="fail (lag)"; fi
    printf '%-8s %8s %8s %10s %9s %9s %s\n' $r "$rows" "$ok" "$ach" "${p50}us" "${p99}us" \
        "$res" | tee -a "$OUT/ladder.txt"
    if [ "$good" = 1 ]; then BEST=$r; BEST_LAG=$p99; fi
    if [ "$kept" = 1 ]; then KEEP=$r; fi
done
row "capture: max open-loop rate, p99 lag < 1 ms (req/s)" "$BEST (p99 lag ${BEST_LAG:-?} us)"
row "capture: max open-loop rate kept up, any lag (req/s)" "$KEEP"
if [ "$WRK" -gt 0 ]; then
    row "capture max (lag < 1 ms) / wrk max" \
        "$(awk -v a=$BEST -v b=$WRK 'BEGIN{printf "%.2f", a/b}')"
    row "capture max (kept up) / wrk max" \
        "$(awk -v a=$KEEP -v b=$WRK 'BEGIN{printf "%.2f", a/b}')"
fi

# 3. Schedule accuracy at 1,000/s.
db="$OUT/acc.db"
"$RT" capture "$URL" --revids data/revids.csv --rate 1000/s --arrivals constant \
    --duration ${ACC}s --db "$db" --quiet
id=$(lastrun "$db"); set -- $(runstats "$db" $id)
row "1000/s for ${ACC}s: achieved rate (req/s)" "$4 ($(awk -v a=$4 'BEGIN{printf "%+.3f%%", (a-1000)/10}'))"
row "1000/s for ${ACC}s: send lag p50 / p99 / max (us)" \
    "$(pct "$db" $id lag_us 50) / $(pct "$db" $id lag_us 99) / $(pct "$db" $id lag_us 100)"

# 4. Replay 5x of a 10,000-request trace.
"$RT" synth --requests 10000 --rate 2000/s --seed 7 -o "$OUT/trace10k.csv" 2>/dev/null ||
    awk 'BEGIN { print "timestamp,rev_id"; for (i = 0; i < 10000; i++)
        printf "%.6f,%d\n", 1700000000 + i * 0.0005 * (1 + (i % 7) / 7), 2300000000 + i }' \
        > "$OUT/trace10k.csv"
db="$OUT/replay.db"
"$RT" replay "$URL" --trace "$OUT/trace10k.csv" --speed 5 --db "$db" --quiet
id=$(lastrun "$db")
row "replay 5x of 10,000 requests: send lag p50 / p99 (us)" \
    "$(pct "$db" $id lag_us 50) / $(pct "$db" $id lag_us 99)"

# 5. Memory of a long run, and analyze speed on it.
db="$OUT/big.db"
/usr/bin/time -f '%M' -o "$OUT/big.rss" "$RT" capture "$URL" --revids data/revids.csv \
    --rate 20000/s --arrivals constant --requests $BIG --db "$db" --quiet --max-inflight 256
id=$(lastrun "$db")
row "capture of $BIG requests: max RSS (MiB)" "$(awk '{printf "%.1f", $1/1024}' "$OUT/big.rss")"
row "  rows recorded" "$(sqlite3 "$db" "SELECT count(*) FROM requests WHERE run_id=$id")"
for f in text html; do
    /usr/bin/time -f '%e %M' -o "$OUT/an.$f" "$RT" analyze --db "$db" --format $f \
        -o "$OUT/big-report.$f" >/dev/null || true
    row "analyze $BIG requests to $f: seconds, max RSS (MiB)" \
        "$(tail -n 1 "$OUT/an.$f" | awk '{printf "%.2f s, %.1f MiB", $1, $2/1024}')"
done

# 6. The emulator's own speed is row 1 (wrk against --profile fast).
echo
echo "== revtrace bench summary ($(nproc) CPUs, loopback; load before: $LOAD0)"
cat "$OUT/ladder.txt"
echo
cat "$ROWS"

# 7. The recording proxy's added latency (its own section: bench/proxy.sh).
sh bench/proxy.sh
