#!/bin/sh
# capture_threads.sh - a closed loop sent by several threads (capture --threads): the users
# are dealt out to the threads and still start at the load's spawn rate, the rows are one
# gap-free series, --requests counts the whole run, no user ever has two requests out, the
# live line sums the threads, the config records the threads used, a stop (one signal, then
# a second) reaches every thread, and --threads is refused where it cannot apply.
. tests/lib.sh

RT=$REVTRACE
make_revids 30
start_emulator --profile fast

# --requests over three threads: exactly that many rows, seq 0..N-1, all answered.
timeout 60 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --users 7 --wait 0s-0s \
    --spawn-rate 1000000 --requests 1501 --threads 3 --db "$T/r.db" --progress live \
    2>"$T/r.err"
expect_eq "--threads 3 --requests 1501: exits 0" "$?" 0
expect_eq "--threads 3: 1501 rows, one gap-free seq series, every one a parsed 200" \
    "$(sql "$T/r.db" "SELECT count(*), count(DISTINCT seq), min(seq), max(seq),
        sum(status = 200 AND error IS NULL AND prediction IS NOT NULL) FROM requests")" \
    "1501|1501|0|1500|1501"
expect_eq "--threads 3: never more than the 7 users' requests out at a send" \
    "$(sql "$T/r.db" "SELECT max(c) <= 7 FROM (SELECT (SELECT count(*) FROM requests b
        WHERE b.sent_us <= a.sent_us AND b.sent_us + b.total_us > a.sent_us) AS c FROM requests a)")" 1
expect_eq "--threads 3: the config records it" \
    "$(sql "$T/r.db" "SELECT json_extract(config_json, '$.threads') FROM runs")" 3
# The live line's last state is the sum over the threads (the progress of one thread would
# stop short of 1501).
LAST=$(tr '\r' '\n' <"$T/r.err" | grep ' sent ' | tail -1)
case "$LAST" in
    *"sent 1501/1501"*"done 1501"*) ok "--threads 3: the live line ends with every thread's requests" ;;
    *) notok "--threads 3: the live line's last state: $LAST" ;;
esac

# The users start at the load's spawn rate whichever thread sends for them: user k at k/40 s.
timeout 60 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --users 4 --wait 10ms-30ms \
    --spawn-rate 40 --duration 1s --threads 2 --db "$T/s.db" --quiet 2>"$T/s.err"
expect_eq "--threads 2 --spawn-rate 40: exits 0" "$?" 0
expect_eq "--threads 2: first sends at 0, 25, 50 and 75 ms, as with one thread" \
    "$(sql "$T/s.db" "SELECT count(DISTINCT scheduled_us) FROM requests WHERE scheduled_us IN (0, 25000, 50000, 75000)")" 4
N=$(sql "$T/s.db" "SELECT count(*) FROM requests")
check "--threads 2: 4 users with 10-30 ms think time send 40+ requests in 1 s (got $N)" \
    test "${N:-0}" -ge 40
expect_eq "--threads 2: seq gap-free, nothing sent before its user's due time" \
    "$(sql "$T/s.db" "SELECT count(DISTINCT seq) = max(seq) + 1, sum(sent_us < scheduled_us) FROM requests")" "1|0"

# More threads than users: one thread per user.
timeout 60 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --users 2 --wait 0s-0s \
    --requests 50 --threads 8 --db "$T/m.db" --quiet 2>"$T/m.err"
expect_eq "--threads 8 --users 2: exits 0, 50 rows, 2 threads recorded" \
    "$?|$(sql "$T/m.db" "SELECT count(*), json_extract(config_json, '$.threads') FROM runs, requests")" \
    "0|50|2"

# --max-inflight is shared out, never exceeded: 4 over 3 threads is 2 + 1 + 1 (rounding each
# share up let 6 out); with --max-inflight 1 there is one thread.
timeout 60 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --users 16 --wait 0s-0s \
    --spawn-rate 1000000 --requests 600 --threads 3 --max-inflight 4 --db "$T/c.db" --quiet \
    2>"$T/c.err"
expect_eq "--threads 3 --max-inflight 4: exits 0, 600 rows, 3 threads recorded" \
    "$?|$(sql "$T/c.db" "SELECT count(*), json_extract(config_json, '$.threads') FROM runs, requests")" \
    "0|600|3"
expect_eq "--threads 3 --max-inflight 4: never more than 4 requests out at a send" \
    "$(sql "$T/c.db" "SELECT max(c) <= 4 FROM (SELECT (SELECT count(*) FROM requests b
        WHERE b.sent_us <= a.sent_us AND b.sent_us + b.total_us > a.sent_us) AS c FROM requests a)")" 1
timeout 60 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --users 4 --wait 0s-0s \
    --requests 20 --threads 4 --max-inflight 1 --db "$T/c1.db" --quiet 2>"$T/c1.err"
expect_eq "--threads 4 --max-inflight 1: one thread recorded, 20 rows" \
    "$?|$(sql "$T/c1.db" "SELECT json_extract(config_json, '$.threads'), count(*) FROM runs, requests")" \
    "0|1|20"

# One SIGINT stops every thread: the users think 1-2 s, so a thread that missed the stop
# would go on for the 60 s of --duration.
timeout --foreground 60 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --users 8 \
    --wait 1s-2s --spawn-rate 100 --duration 60s --threads 4 --db "$T/i.db" --quiet \
    2>"$T/i.err" &
pid=$!
RT_PIDS="$RT_PIDS $pid"
check "SIGINT, 4 threads: rows are being committed" wait_rows "$T/i.db" 8
t0=$(date +%s%N)
kill -INT $pid
wait $pid
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "SIGINT, 4 threads: exit 130, run interrupted" \
    "$rc|$(sql "$T/i.db" "SELECT status FROM runs")" "130|interrupted"
check "SIGINT, 4 threads: every thread stopped within 5 s of the signal (${ms} ms)" \
    test "$ms" -lt 5000
expect_eq "SIGINT, 4 threads: seq gap-free" \
    "$(sql "$T/i.db" "SELECT count(*) = max(seq) + 1 FROM requests")" 1

# A second SIGINT abandons what every thread has in flight: half the answers stall 60 s.
stop_emulator
start_emulator --profile fast --stall-ratio 0.5 --stall-time 60s --seed 3
timeout --foreground 60 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --users 8 \
    --wait 0s-0s --spawn-rate 1000 --duration 60s --deadline 30s --threads 2 \
    --db "$T/a.db" --progress plain 2>"$T/a.err" &
pid=$!
RT_PIDS="$RT_PIDS $pid"
# The first commit (200 ms in) comes long after every user met a stalled answer (no think
# time, one answer in two stalls): then each of the 8 users, 4 on each thread, has one out.
check "two signals, 2 threads: answered rows are being committed" wait_rows "$T/a.db" 2
t0=$(date +%s%N)
kill -INT $pid
# Two signals at once would merge into one: the second goes once the first was taken.
n=500; while [ $n -gt 0 ] && ! grep -q stopping "$T/a.err"; do sleep 0.02; n=$((n - 1)); done
kill -INT $pid
wait $pid
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "two signals, 2 threads: exit 130" "$rc" 130
expect_eq "two signals, 2 threads: the 8 stalled requests canceled, none left to its deadline" \
    "$(sql "$T/a.db" "SELECT sum(error = 'canceled'), sum(error = 'deadline') FROM requests")" "8|0"
check "two signals, 2 threads: both threads gave up at once (${ms} ms, < 5 s)" test "$ms" -lt 5000
expect_eq "two signals, 2 threads: seq gap-free" \
    "$(sql "$T/a.db" "SELECT count(*) = max(seq) + 1 FROM requests")" 1

# Refused before anything is written.
for bad in "--rate 10/s --threads 2" "--users 2 --threads 0" "--users 2 --threads 9" \
           "--users 2 --threads two"; do
    # shellcheck disable=SC2086
    "$RT" capture "$EMU_URL" --revids "$T/revids.csv" $bad --db "$T/bad.db" 2>"$T/bad.err"
    expect_eq "capture $bad: usage error (exit 2), no database" "$?|$(test -e "$T/bad.db"; echo $?)" "2|1"
done
"$RT" capture "$EMU_URL" --revids "$T/revids.csv" --rate 10/s --threads 2 --db "$T/bad.db" 2>"$T/bad.err"
grep -q -- "--threads applies to closed loop (--users) only" "$T/bad.err" \
    && ok "--threads with --rate: says it is for the closed loop" \
    || notok "--threads with --rate: $(cat "$T/bad.err")"
"$RT" capture --help | grep -q -- "--threads N" && ok "capture --help lists --threads" \
    || notok "capture --help lists --threads"


# The live p50/p90 with threads are those of all the threads' answers together: one thread's
# connection answered at once, the other's 300 ms late (tests/servers.py two-speed), so the
# median is a fast answer and the p90 a slow one.  (A mean of each thread's percentiles read
# 63.5 ms for both, a latency no answer had.)
python3 tests/servers.py two-speed "$T/ts.port" >"$T/ts.err" 2>&1 &
RT_PIDS="$RT_PIDS $!"
if wait_file "$T/ts.port" 10; then
    timeout 60 "$RT" capture "http://127.0.0.1:$(cat "$T/ts.port")/v1/models/revertrisk-wikidata:predict" \
        --revids "$T/revids.csv" --users 2 --threads 2 --wait 200ms-200ms --duration 3s \
        --progress live --db "$T/ts.db" 2>"$T/ts.live"
    LAST=$(tr '\r' '\n' <"$T/ts.live" | grep ' p90 ' | tail -1)
    # p50 and p90 of the last live state, in microseconds
    PCT=$(printf '%s\n' "$LAST" | awk '{ for (i = 1; i < NF; i++) if ($i == "p50" || $i == "p90") {
        v = $(i + 1); m = 1; if (v ~ /us$/) m = 1; else if (v ~ /ms$/) m = 1000; else if (v ~ /s$/) m = 1000000;
        sub(/[a-z]+$/, "", v); printf "%d ", v * m } }')
    expect_eq "--threads 2, a fast and a slow connection: both kinds recorded" \
        "$(sql "$T/ts.db" "SELECT sum(total_us < 100000) >= 10, sum(total_us >= 250000) >= 3 FROM requests")" "1|1"
    set -- $PCT
    expect_cmp "--threads 2: the live p50 is a fast answer (${1:-none} us) and the p90 a slow one (${2:-none} us): $LAST" \
        "${1:-999999999}" -lt 50000 -a "${2:-0}" -ge 250000
else
    notok "the two-speed server starts: $(cat "$T/ts.err")"
fi

finish
