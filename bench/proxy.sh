#!/bin/sh
# bench/proxy.sh (a section of make bench): the recording proxy's added latency.  The same
# open-loop capture runs once straight at `revtrace emulate --profile fast` and once through
# `revtrace capture --listen` in front of it, at 200/s and 2,000/s; the client-seen service
# time (send to answer, the client's total_us) is compared at p50 and p99.  Added = through
# the proxy minus direct.  Reported, not asserted.  BENCH_QUICK=1 shortens each step.
set -eu
cd "$(dirname "$0")/.."
RT=$(pwd)/revtrace
OUT=$(pwd)/bench-out/proxy
rm -rf "$OUT"
mkdir -p "$OUT"
if [ "${BENCH_QUICK:-0}" = 1 ]; then STEP=3; else STEP=10; fi
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; wait 2>/dev/null || true' EXIT INT TERM

# wait_port FILE: bounded wait for a --port-file, then its port.
wait_port() {
    n=500; while [ ! -s "$1" ] && [ $n -gt 0 ]; do sleep 0.02; n=$((n - 1)); done
    cat "$1"
}

"$RT" emulate --listen 127.0.0.1:0 --port-file "$OUT/emu.port" --profile fast \
    >"$OUT/emulate.log" 2>&1 &
PIDS="$PIDS $!"
EMU="http://127.0.0.1:$(wait_port "$OUT/emu.port")"
"$RT" capture "$EMU" --listen 127.0.0.1:0 --port-file "$OUT/px.port" --db "$OUT/proxy.db" \
    --quiet --keep-bodies none 2>"$OUT/proxy.err" &
PX_PID=$!
PIDS="$PIDS $PX_PID"
PX="http://127.0.0.1:$(wait_port "$OUT/px.port")"
PRED=/v1/models/revertrisk-wikidata:predict

# Nearest-rank percentile P of the ok service times of the last run in DB.
pct() {
    sqlite3 -batch -noheader "$1" "WITH v AS (SELECT total_us AS x FROM requests
        WHERE run_id = (SELECT max(id) FROM runs) AND status = 200 AND error IS NULL),
      c AS (SELECT count(*) AS n FROM v)
      SELECT x FROM v ORDER BY x LIMIT 1 OFFSET (SELECT max(0, (n * $2 + 99) / 100 - 1) FROM c);"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
echo
echo "== recording proxy: added client-seen service time (capture --listen), ${STEP}s per step"
echo "   load before: $LOAD0; $(nproc) CPUs; emulator --profile fast; loopback"
printf '%-8s %10s %10s %10s %10s %10s %10s\n' rate/s "p50 direct" "p50 proxy" "p50 added" \
    "p99 direct" "p99 proxy" "p99 added"
for rate in 200 2000; do
    for via in direct proxy; do
        base=$EMU; [ $via = proxy ] && base=$PX
        "$RT" capture "$base$PRED" --revids data/revids.csv --rate $rate/s --duration ${STEP}s \
            --db "$OUT/$via.$rate.db" --quiet --keep-bodies none
    done
    d50=$(pct "$OUT/direct.$rate.db" 50); p50=$(pct "$OUT/proxy.$rate.db" 50)
    d99=$(pct "$OUT/direct.$rate.db" 99); p99=$(pct "$OUT/proxy.$rate.db" 99)
    printf '%-8s %8sus %8sus %8sus %8sus %8sus %8sus\n' $rate "$d50" "$p50" $((p50 - d50)) \
        "$d99" "$p99" $((p99 - d99))
done
kill -TERM $PX_PID
wait $PX_PID || true
echo "   proxy rows recorded: $(sqlite3 "$OUT/proxy.db" "SELECT count(*) FROM requests"); load after: $(cut -d' ' -f1-3 /proc/loadavg)"
