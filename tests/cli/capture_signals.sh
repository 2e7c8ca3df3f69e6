#!/bin/sh
# capture_signals.sh - stopping a capture: SIGINT exits 130 and SIGTERM 143 after a clean
# stop (run 'interrupted', rows kept, every row finished, none after the stop); a second
# signal gives up on in-flight requests (recorded as 'canceled'); kill -9 leaves a database
# that passes integrity_check with the rows of the last commit.  (timeout --foreground: a
# plain timeout would also signal its process group, doubling every signal we send.)
. tests/lib.sh

RT=$REVTRACE
make_revids 30

start_emulator --profile fast

for sig in INT TERM; do
    want=130; [ $sig = TERM ] && want=143
    timeout --foreground 60 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --rate 200/s --duration 60s \
        --db "$T/$sig.db" --progress plain 2>"$T/$sig.err" &
    pid=$!
    RT_PIDS="$RT_PIDS $pid"
    check "SIG$sig: rows are being committed" wait_rows "$T/$sig.db" 20
    kill -$sig $pid
    wait $pid
    rc=$?
    expect_eq "SIG$sig: exit $want" "$rc" $want
    expect_eq "SIG$sig: run marked interrupted with finished_at" \
        "$(sql "$T/$sig.db" "SELECT status, finished_at IS NOT NULL FROM runs")" "interrupted|1"
    N=$(sql "$T/$sig.db" "SELECT count(*) FROM requests")
    check "SIG$sig: rows kept ($N), well short of 12000" test "$N" -ge 20 -a "$N" -lt 12000
    expect_eq "SIG$sig: seq is gap-free" \
        "$(sql "$T/$sig.db" "SELECT max(seq) + 1 = count(*) FROM requests")" 1
    expect_eq "SIG$sig: every row is finished (answer or error word)" \
        "$(sql "$T/$sig.db" "SELECT count(*) FROM requests WHERE status = 0 AND error IS NULL")" 0
    grep -q "interrupted" "$T/$sig.err" && ok "SIG$sig: the summary says interrupted" \
        || notok "SIG$sig summary: $(cat "$T/$sig.err")"
done

# A second SIGINT gives up waiting: stalled requests are recorded as canceled.  Half the
# requests stall (the other half is answered and committed, which shows we are sending); the
# first signal's "stopping" message shows it was taken before the second is sent.
stop_emulator
start_emulator --profile fast --stall-ratio 0.5 --stall-time 60s --seed 2
timeout --foreground 60 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --rate 100/s --duration 60s \
    --deadline 30s --db "$T/two.db" --progress plain 2>"$T/two.err" &
pid=$!
RT_PIDS="$RT_PIDS $pid"
check "two signals: answered rows are being committed" wait_rows "$T/two.db" 5
kill -INT $pid
n=500; while [ $n -gt 0 ] && ! grep -q stopping "$T/two.err"; do sleep 0.02; n=$((n - 1)); done
grep -q "stopping; waiting up to 30.00s" "$T/two.err" && ok "first signal: says it waits for in-flight" \
    || notok "first signal message: $(cat "$T/two.err")"
kill -INT $pid
wait $pid
rc=$?
expect_eq "second SIGINT: exit 130" "$rc" 130
expect_eq "stalled requests abandoned after the second signal: canceled, sent, not after 30 s" \
    "$(sql "$T/two.db" "SELECT count(*) > 0, max(total_us) < 29000000 FROM requests WHERE error = 'canceled' AND sent_us IS NOT NULL")" "1|1"
expect_eq "no request waited for its 30 s deadline" \
    "$(sql "$T/two.db" "SELECT count(*) FROM requests WHERE error = 'deadline'")" 0
stop_emulator

# Requests due but still waiting for a slot when the stop comes are rows too: never sent,
# error 'canceled'.  One slot, a 300 ms server and 100/s: the backlog grows from the start.
start_emulator --profile fast --delay-median 300ms --delay-p90 350ms --seed 1
timeout --foreground 60 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --rate 100/s \
    --duration 60s --max-inflight 1 --db "$T/cap.db" --quiet 2>"$T/cap.err" &
pid=$!
RT_PIDS="$RT_PIDS $pid"
check "one slot: the first answers are committed" wait_rows "$T/cap.db" 1
kill -INT $pid
wait $pid
expect_eq "one slot: exit 130" "$?" 130
check "--quiet: nothing on stderr on SIGINT either (the exit status tells)" test ! -s "$T/cap.err"
expect_eq "due-but-unsent requests: rows with sent_us NULL, status 0, error 'canceled'" \
    "$(sql "$T/cap.db" "SELECT count(*) > 5 FROM requests WHERE sent_us IS NULL AND status = 0 AND error = 'canceled'")" 1
expect_eq "one slot: sent requests were answered (waited for, not canceled)" \
    "$(sql "$T/cap.db" "SELECT count(*) FROM requests WHERE sent_us IS NOT NULL AND status != 200")" 0
expect_eq "one slot: seq gap-free, the canceled ones last" \
    "$(sql "$T/cap.db" "SELECT max(seq) + 1 = count(*), (SELECT min(seq) FROM requests WHERE sent_us IS NULL) > (SELECT max(seq) FROM requests WHERE sent_us IS NOT NULL) FROM requests")" "1|1"
stop_emulator

# kill -9: the database opens clean and keeps the committed rows.
start_emulator --profile fast
"$RT" capture "$EMU_URL" --revids "$T/revids.csv" --rate 500/s --duration 60s \
    --db "$T/k9.db" --quiet 2>"$T/k9.err" &
pid=$!
RT_PIDS="$RT_PIDS $pid"
check "kill -9: rows are being committed" wait_rows "$T/k9.db" 200
kill -9 $pid
wait $pid 2>/dev/null
expect_eq "kill -9: integrity_check ok" "$(sql "$T/k9.db" "PRAGMA integrity_check")" ok
N=$(sql "$T/k9.db" "SELECT count(*) FROM requests")
check "kill -9: committed rows kept ($N)" test "$N" -ge 200
expect_eq "kill -9: the run stays 'running' (it never finished)" \
    "$(sql "$T/k9.db" "SELECT status FROM runs")" running

# SIGSTOP: the tool's own stall is measured and shown, not silently charged to the server.
# The 1.5 s sleep is the stall being made, not a synchronisation.
"$RT" capture "$EMU_URL" --revids "$T/revids.csv" --rate 50/s --duration 60s \
    --db "$T/stop.db" --progress plain 2>"$T/stop.err" &
pid=$!
RT_PIDS="$RT_PIDS $pid"
check "SIGSTOP: rows are being committed" wait_rows "$T/stop.db" 5
kill -STOP $pid; sleep 1.5; kill -CONT $pid
check "SIGSTOP: rows are committed after it" wait_rows "$T/stop.db" "$(( $(sql "$T/stop.db" "SELECT count(*) FROM requests") + 10 ))"
kill -INT $pid
wait $pid
expect_eq "SIGSTOP then SIGINT: exit 130" "$?" 130
expect_eq "SIGSTOP: runs.max_loop_stall_us holds the stall (1.4 s to 10 s)" \
    "$(sql "$T/stop.db" "SELECT max_loop_stall_us BETWEEN 1400000 AND 10000000 FROM runs")" 1
grep -q "warning: capture: the send loop itself stalled for 1\.[4-9]" "$T/stop.err" \
    && ok "SIGSTOP: the run's end warns of the stall" || notok "SIGSTOP: stderr $(cat "$T/stop.err")"
"$RT" analyze --db "$T/stop.db" >"$T/stop.txt" 2>&1
grep -q "loop stall 1[4-9][0-9][0-9]\.[0-9] ms at most" "$T/stop.txt" \
    && ok "SIGSTOP: analyze shows the loop stall" || notok "SIGSTOP: analyze $(grep -i stall "$T/stop.txt")"
stop_emulator
finish
