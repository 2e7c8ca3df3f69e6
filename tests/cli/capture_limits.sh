#!/bin/sh
# capture_limits.sh - our own limits are ours, not the server's: the soft open-file limit is
# raised to the hard one; a --max-inflight that cannot fit is refused (exit 2, naming the
# limit and `ulimit -n`) and the default lowered to fit; a socket this process cannot make
# (EMFILE) is recorded as error 'local', never 'connect'; and --max-inflight 100000 does not
# make 100,000 transfer handles for a 3-request run (RSS).  Limits are set with ulimit in a
# child shell, never in the test's own.
. tests/lib.sh

RT=$REVTRACE
make_revids 30
# Answers after about 300 ms: the requests of a burst are all out at once.
start_emulator --delay-median 300ms --delay-p90 350ms
SLOW=$EMU_URL

# 1. A --max-inflight that does not fit the hard limit: refused before anything is written.
sh -c 'ulimit -n 200 && exec "$@"' sh "$RT" capture "$SLOW" --revids "$T/revids.csv" \
    --rate 10/s --requests 3 --max-inflight 1000 --db "$T/refused.db" 2>"$T/refused.err"
expect_eq "--max-inflight 1000 under ulimit -n 200: exit 2" "$?" 2
check "the refusal names RLIMIT_NOFILE and how to raise it (ulimit -n 1064)" \
    grep -q 'RLIMIT_NOFILE.*ulimit -n 1064' "$T/refused.err"
check "the refusal writes no database" test ! -e "$T/refused.db"

# 2. The default --max-inflight is lowered to fit instead (and recorded).
timeout 60 sh -c 'ulimit -n 200 && exec "$@"' sh "$RT" capture "$SLOW" \
    --revids "$T/revids.csv" --rate 50/s --requests 10 --db "$T/dflt.db" --quiet 2>"$T/dflt.err"
expect_eq "the default --max-inflight under ulimit -n 200: exit 0" "$?" 0
expect_eq "... every request answered, max_inflight recorded as 200 - 64" \
    "$(sql "$T/dflt.db" "SELECT count(*), sum(requests.status = 200), json_extract(config_json, '\$.max_inflight') FROM requests JOIN runs ON runs.id = run_id")" \
    "10|10|136"

# 3. Only the soft limit low: raised to the hard one, so 300 requests out at once all work
#    (before: the soft limit stayed, and about 200 of them were recorded as 'connect').
HARD=$(sh -c 'ulimit -Hn')
if [ "$HARD" = unlimited ] || [ "$HARD" -ge 400 ]; then
    timeout 60 sh -c 'ulimit -Sn 100 && exec "$@"' sh "$RT" capture "$SLOW" \
        --revids "$T/revids.csv" --rate 1000/s --arrivals constant --requests 300 \
        --max-inflight 300 --db "$T/soft.db" --quiet 2>"$T/soft.err"
    expect_eq "soft limit 100, --max-inflight 300: exit 0" "$?" 0
    expect_eq "... all 300 answered 200, no error" \
        "$(sql "$T/soft.db" "SELECT count(*), sum(status = 200), count(error) FROM requests")" \
        "300|300|0"
    expect_cmp "... with more than 100 requests out at once (max $(sql "$T/soft.db" "SELECT max(n) FROM (SELECT (SELECT count(*) FROM requests b WHERE b.sent_us <= a.sent_us AND b.sent_us + b.total_us > a.sent_us) AS n FROM requests a)"))" \
        "$(sql "$T/soft.db" "SELECT max(n) FROM (SELECT (SELECT count(*) FROM requests b WHERE b.sent_us <= a.sent_us AND b.sent_us + b.total_us > a.sent_us) AS n FROM requests a)")" -gt 100
else
    ok "soft limit raised to the hard one # skip hard limit $HARD < 400"
fi

# 4. Out of descriptors mid-run (70 inherited from the parent eat the room the check
#    counted on): those requests are 'local', not the server's 'connect'.
timeout 60 bash -c 'ulimit -n 140 || exit 77; for i in $(seq 20 89); do eval "exec $i</dev/null"; done
    exec "$@"' sh "$RT" capture "$SLOW" --revids "$T/revids.csv" --rate 1000/s \
    --arrivals constant --requests 200 --max-inflight 76 --db "$T/local.db" --quiet \
    2>"$T/local.err"
rc=$?
expect_eq "out of descriptors mid-run: exit 0 (failed requests are data)" "$rc" 0
expect_eq "... all 200 recorded" "$(sql "$T/local.db" "SELECT count(*) FROM requests")" 200
expect_cmp "... some failed for want of a descriptor: error 'local' ($(sql "$T/local.db" "SELECT count(*) FROM requests WHERE error = 'local'"))" \
    "$(sql "$T/local.db" "SELECT count(*) FROM requests WHERE error = 'local'")" -gt 0
expect_eq "... none of them blamed on the server ('connect')" \
    "$(sql "$T/local.db" "SELECT count(*) FROM requests WHERE error = 'connect'")" 0

# 5. A huge --max-inflight for 3 requests: the slots are made on demand (before: one transfer
#    handle each up front, about 5.8 kB apiece: 580 MB for 100,000).  As large as the hard
#    open-file limit lets us, up to 100000.
N=$(sh -c 'ulimit -n 100100 2>/dev/null && echo 100000 || ulimit -Hn')
[ "$N" = unlimited ] && N=100000
[ "$N" -lt 100000 ] && N=$((N - 64))
if [ "$N" -ge 15000 ]; then
    timeout 60 sh -c "ulimit -n $((N + 64)) && exec \"\$@\"" sh /usr/bin/time -f '%M' \
        -o "$T/big.rss" "$RT" capture "$SLOW" --revids "$T/revids.csv" --rate 100/s \
        --requests 3 --max-inflight $N --db "$T/big.db" --quiet 2>"$T/big.err"
    expect_eq "--max-inflight $N, 3 requests: exit 0" "$?" 0
    RSS=$(tail -n 1 "$T/big.rss")
    expect_cmp "... max RSS $((RSS / 1024)) MiB < 60 MiB (up front: $((N * 58 / 10240)) MiB)" \
        "$RSS" -lt 61440
else
    ok "a huge --max-inflight costs no memory up front # skip open-file hard limit $N < 15000"
fi

# 6. The descriptor table is grown before the threads start (tool/fds.c): growing it later,
#    with threads, waits for an RCU grace period in whichever thread opens the descriptor
#    (16-75 ms stalls of the send loop, seen with perf sched).  The kernel's FDSize then
#    covers --max-inflight + 64 (default 1024) from the start, for the emulator 4096; before,
#    both stayed at 64 until more descriptors were open.
HARD=$(sh -c 'ulimit -Hn'); [ "$HARD" = unlimited ] && HARD=1048576
fdsize() { sed -n 's/^FDSize:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null; }
WANT=$(( HARD < 1088 ? HARD : 1088 ))
"$RT" capture "$SLOW" --revids "$T/revids.csv" --rate 20/s --duration 3s --db "$T/fd.db" \
    --quiet 2>"$T/fd.err" &
CAP_PID=$!
RT_PIDS="$RT_PIDS $CAP_PID"
if wait_rows "$T/fd.db" 1 20; then
    expect_cmp "a capture's descriptor table covers 1024 + 64 from the start (FDSize $(fdsize $CAP_PID))" \
        "$(fdsize $CAP_PID || echo 0)" -ge "$WANT"
else
    notok "a capture's descriptor table covers 1024 + 64 (the run did not start)"
fi
wait "$CAP_PID"
expect_eq "... and the run ends well (exit 0)" "$?" 0
# 7. A server slow from the start (300 ms answers) at 150/s: the pool's first cap (32) is
#    reached at 213 ms, before any answer.  A send waits at most 1 ms for room, then goes
#    out anyway up to twice the cap (64, more than the 48 this load holds): every send on
#    schedule.  Before, the 33rd and later waited until the cap doubled after 50 ms.
timeout 60 "$RT" capture "$SLOW" --revids "$T/revids.csv" --rate 150/s --arrivals constant \
    --duration 2s --db "$T/burst.db" --quiet 2>"$T/burst.err"
expect_eq "300 ms answers at 150/s: exit 0, 300 answered" \
    "$?|$(sql "$T/burst.db" "SELECT count(*) FROM requests WHERE status = 200")" "0|300"
LAG=$(sql "$T/burst.db" "SELECT max(sent_us - scheduled_us) FROM requests")
expect_cmp "... no send waited for the pool: max lag $LAG us < 25 ms (before: 50 ms)" \
    "${LAG:-999999}" -lt 25000

WANT=$(( HARD < 4096 ? HARD : 4096 ))
expect_cmp "the emulator's descriptor table covers 4096 from the start (FDSize $(fdsize $EMU_PID))" \
    "$(fdsize $EMU_PID || echo 0)" -ge "$WANT"
finish
