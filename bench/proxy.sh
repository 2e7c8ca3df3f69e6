#!/bin/sh
# bench/proxy.sh (a section of make bench): the recording proxy's added latency.  The same
# open-loop capture runs once straight at `revtrace emulate --profile fast` and once through
# `revtrace capture --listen` in front of it, at 200/s and 2,000/s; the client-seen service
# time (send to answer, the client's total_us) is compared at p50 and p99 ("add" = through
# the proxy minus direct).  Two runs apart in time differ by the machine's load as much as by
# the proxy, so the proxy's own cost is also measured request by request ("req"): the
# client's total_us minus the upstream time the proxy recorded for the same request (joined
# on the rev_id, distinct in each step): reading it, the hand-offs between its threads,
# writing the answer back.  Reported, not asserted.  BENCH_QUICK=1 shortens each step.
set -eu
cd "$(dirname "$0")/.."
RT=$(pwd)/revtrace
OUT=$(pwd)/bench-out/proxy
rm -rf "$OUT"
mkdir -p "$OUT"
if [ "${BENCH_QUICK:-0}" = 1 ]; then STEP=3; else STEP=10; fi
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM

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

# Nearest-rank percentile P of (client total_us - proxy total_us) per request of a step.
added() {
    sqlite3 -batch -noheader "$1" "ATTACH '$OUT/proxy.db' AS px;
      WITH v AS (SELECT c.total_us - p.total_us AS x FROM requests c
          JOIN px.requests p ON p.rev_id = c.rev_id
          WHERE c.status = 200 AND c.error IS NULL AND p.error IS NULL),
      n AS (SELECT count(*) AS n FROM v)
      SELECT x FROM v ORDER BY x LIMIT 1 OFFSET (SELECT max(0, (n * $2 + 99) / 100 - 1) FROM n);"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
echo
echo "== recording proxy: added client-seen service time (capture --listen), ${STEP}s per step"
echo "   load before: $LOAD0; $(nproc) CPUs; emulator --profile fast; loopback"
printf '%-7s %9s %9s %9s %9s %9s %9s %9s %9s\n' rate/s "p50 dir" "p50 prx" "p50 add" \
    "p99 dir" "p99 prx" "p99 add" "req p50" "req p99"
for rate in 200 2000; do
    # rev IDs distinct within the step and from the other step's (the join key)
    awk -v n=$((rate * STEP * 2)) -v b=$((rate * 1000000)) \
        'BEGIN { print "rev_id"; for (i = 1; i <= n; i++) print b + i }' >"$OUT/ids.$rate.csv"
    for via in direct proxy; do
        base=$EMU; [ $via = proxy ] && base=$PX
        "$RT" capture "$base$PRED" --revids "$OUT/ids.$rate.csv" --order sequential \
            --rate $rate/s --duration ${STEP}s --db "$OUT/$via.$rate.db" --quiet \
            --keep-bodies none
    done
    d50=$(pct "$OUT/direct.$rate.db" 50); p50=$(pct "$OUT/proxy.$rate.db" 50)
    d99=$(pct "$OUT/direct.$rate.db" 99); p99=$(pct "$OUT/proxy.$rate.db" 99)
    printf '%-7s %7sus %7sus %7sus %7sus %7sus %7sus %7sus %7sus\n' $rate "$d50" "$p50" \
        $((p50 - d50)) "$d99" "$p99" $((p99 - d99)) "$(added "$OUT/proxy.$rate.db" 50)" \
        "$(added "$OUT/proxy.$rate.db" 99)"
done
echo "   dir/prx: the client's service time straight / through the proxy; add: their"
echo "   difference; req: the proxy's own share of each request (client minus upstream time)"
kill -TERM $PX_PID
wait $PX_PID || true
echo "   proxy rows recorded: $(sqlite3 "$OUT/proxy.db" "SELECT count(*) FROM requests"); load after: $(cut -d' ' -f1-3 /proc/loadavg)"
