#!/bin/sh
# capture_follow.sh - `capture URL --follow STREAM_URL` against `emulate --stream-rate`: one
# request per wikidatawiki edit as it arrives (other wikis and types skipped and counted),
# with the stream's rev IDs in the stream's order and scheduled_us never going backwards;
# --fanout 3 triples each; config_json records the stream and the wiki; a stream cut every
# 20 events is resumed with Last-Event-ID with no edit lost or repeated; --requests and
# --duration end a follow on a slow stream, SIGINT interrupts it (130, rows kept); the run
# replays like any other; a stream silent for --stream-idle is dropped and resumed; bad
# combinations are usage errors.  Every run is bounded by timeout.
. tests/lib.sh

RT=$REVTRACE
# The feed's edits, read back from a fresh emulator with the same seed (Last-Event-ID 0:
# from the first event): what every follow below must have sent.
feed_revs() {  # feed_revs BASE: the rev IDs of the feed's wikidatawiki edits, one a line
    curl -sS -N --max-time 20 -H 'Last-Event-ID: 0' "$1/v2/stream/recentchange" |
        grep '"type":"edit",.*"wiki":"wikidatawiki"' |
        sed 's/.*"revision":{"old":[0-9]*,"new":\([0-9]*\)}.*/\1/'
}
revs_of() {  # revs_of DB NAME: the run's rev IDs in seq order
    sql "$1" "SELECT rev_id FROM requests WHERE run_id = (SELECT id FROM runs WHERE name = '$2') ORDER BY seq"
}
backwards() {  # backwards DB NAME: how many times scheduled_us goes back between seqs
    sql "$1" "SELECT count(*) FROM requests a JOIN requests b ON b.run_id = a.run_id AND b.seq = a.seq + 1 WHERE a.run_id = (SELECT id FROM runs WHERE name = '$2') AND b.scheduled_us < a.scheduled_us"
}

start_emulator --stream-rate 200 --stream-events 50 --seed 5
STREAM="$EMU_BASE/v2/stream/recentchange"
timeout 30 "$RT" capture "$EMU_URL" --follow "$STREAM" --db "$T/f.db" --name f1 --quiet \
    2>"$T/f1.err"
rc=$?
expect_eq "follow a 50-edit stream: exit 0 when the stream ends" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/# /' "$T/f1.err"
feed_revs "$EMU_BASE" > "$T/want.txt"
expect_eq "the feed has 50 edits" "$(wc -l < "$T/want.txt")" 50
expect_eq "50 rows, all 200, run complete" \
    "$(sql "$T/f.db" "SELECT count(*) || ',' || sum(status = 200) || ',' || (SELECT status FROM runs WHERE name = 'f1') FROM requests WHERE run_id = (SELECT id FROM runs WHERE name = 'f1')")" \
    "50,50,complete"
expect_eq "the rows' rev IDs are the stream's, in order" "$(revs_of "$T/f.db" f1 | md5sum)" "$(md5sum < "$T/want.txt")"
expect_eq "scheduled_us never goes backwards" "$(backwards "$T/f.db" f1)" 0
check "the summary counts kept and skipped events" grep -q "kept 50 wikidatawiki edit/new (50 requests, fanout 1), skipped [1-9]" "$T/f1.err"
check "... and says the stream ended" grep -q "the stream ended" "$T/f1.err"
expect_eq "config_json records the stream, the wiki and the fanout" \
    "$(sql "$T/f.db" "SELECT json_extract(config_json, '$.follow') || ',' || json_extract(config_json, '$.wiki') || ',' || json_extract(config_json, '$.fanout') FROM runs WHERE name = 'f1'")" \
    "$STREAM,wikidatawiki,1"
stop_emulator

start_emulator --stream-rate 200 --stream-events 50 --seed 5
timeout 30 "$RT" capture "$EMU_URL" --follow "$EMU_BASE/v2/stream/recentchange" --fanout 3 \
    --db "$T/f.db" --name f3 --quiet 2>"$T/f3.err"
expect_eq "--fanout 3: exit 0" "$?" 0
expect_eq "--fanout 3: 150 rows, each rev ID three times in a row" \
    "$(revs_of "$T/f.db" f3 | uniq -c | awk '$1 == 3 { n++ } END { print NR "," n }')" "50,50"
expect_eq "--fanout 3: the same rev IDs" "$(revs_of "$T/f.db" f3 | uniq | md5sum)" "$(md5sum < "$T/want.txt")"
expect_eq "--fanout 3: scheduled_us never goes backwards" "$(backwards "$T/f.db" f3)" 0
stop_emulator

# cut every 20 events: resumed with Last-Event-ID, nothing lost or repeated
start_emulator --stream-rate 200 --stream-events 50 --seed 5 --stream-drop-after 20
timeout 30 "$RT" capture "$EMU_URL" --follow "$EMU_BASE/v2/stream/recentchange" \
    --db "$T/f.db" --name fd --quiet 2>"$T/fd.err"
rc=$?
expect_eq "a stream cut every 20 events: exit 0" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/# /' "$T/fd.err"
expect_eq "... the same 50 rev IDs, none lost or repeated" "$(revs_of "$T/f.db" fd | md5sum)" "$(md5sum < "$T/want.txt")"
check "... the drop is reported with the Last-Event-ID it resumes from" grep -q "stream dropped (.*); reconnecting in 0.1 s with Last-Event-ID \[{" "$T/fd.err"
check "... and the gap" grep -q "the stream is back after [0-9.]* s" "$T/fd.err"
check "... and counted" grep -q "[2-9] drops resumed (gap total" "$T/fd.err"
stop_emulator

# a slow endless stream: --requests, --duration and SIGINT end the follow
start_emulator --stream-rate 50 --seed 2
STREAM="$EMU_BASE/v2/stream/recentchange"
timeout 30 "$RT" capture "$EMU_URL" --follow "$STREAM" --requests 10 --db "$T/f.db" --name fr \
    --quiet 2>/dev/null
expect_eq "--requests 10 ends the follow: exit 0, 10 rows" "$?,$(revs_of "$T/f.db" fr | wc -l)" "0,10"
s0=$(date +%s%N)
timeout 30 "$RT" capture "$EMU_URL" --follow "$STREAM" --duration 1s --db "$T/f.db" \
    --name fdur --quiet 2>/dev/null
rc=$?
ms=$(( ($(date +%s%N) - s0) / 1000000 ))
expect_eq "--duration 1s ends the follow: exit 0, complete" "$rc,$(sql "$T/f.db" "SELECT status FROM runs WHERE name = 'fdur'")" "0,complete"
expect_cmp "... after about a second (${ms} ms)" "$ms" -lt 5000
expect_cmp "... with no request scheduled at or after 1 s" \
    "$(sql "$T/f.db" "SELECT count(*) FROM requests WHERE run_id = (SELECT id FROM runs WHERE name = 'fdur') AND scheduled_us >= 1000000")" -eq 0
"$RT" capture "$EMU_URL" --follow "$STREAM" --db "$T/f.db" --name fint --quiet 2>/dev/null &
CP=$!
RT_PIDS="$RT_PIDS $CP"
n=0; while [ "$(sql "$T/f.db" "SELECT count(*) FROM runs WHERE name = 'fint'" 2>/dev/null)" != 1 ] && [ $n -lt 500 ]; do sleep 0.02; n=$((n + 1)); done
kill -INT "$CP"
wait "$CP"
expect_eq "SIGINT ends a follow: exit 130, run interrupted" "$?,$(sql "$T/f.db" "SELECT status FROM runs WHERE name = 'fint'")" "130,interrupted"

timeout 30 "$RT" replay "$EMU_URL" --from "$T/f.db:f1" --speed 2 --db "$T/f.db" --name rf \
    --quiet 2>/dev/null
expect_eq "a follow run replays: 50 rows with its rev IDs" "$(revs_of "$T/f.db" rf | md5sum)" "$(md5sum < "$T/want.txt")"

"$RT" capture "$EMU_URL" --follow "$STREAM" --rate 5/s --db "$T/u.db" 2>/dev/null
expect_eq "--follow with --rate: usage error" "$?" 2
"$RT" capture "$EMU_URL" --follow "$STREAM" --revids "$T/want.txt" --db "$T/u.db" 2>/dev/null
expect_eq "--follow with --revids: usage error" "$?" 2
"$RT" capture "$EMU_URL" --fanout 3 --revids "$T/want.txt" --rate 1/s --db "$T/u.db" 2>/dev/null
expect_eq "--fanout without --follow: usage error" "$?" 2
"$RT" capture "$EMU_URL" --stream-idle 5s --revids "$T/want.txt" --rate 1/s --db "$T/u.db" 2>/dev/null
expect_eq "--stream-idle without --follow: usage error" "$?" 2
"$RT" capture "$EMU_URL" --follow "$STREAM" --stream-idle 0.5s --db "$T/u.db" 2>/dev/null
expect_eq "--stream-idle under 1 s: usage error" "$?" 2
check "no database for usage errors" test ! -e "$T/u.db"

# A stream that stalls with its connection open (tests/servers.py stall-stream: one event,
# then silence): each silence of --stream-idle is a drop, resumed after the last event, so
# the run goes on instead of waiting forever.  (It used to wait for the socket to close.)
python3 tests/servers.py stall-stream "$T/stall.port" >"$T/stall.err" 2>&1 &
RT_PIDS="$RT_PIDS $!"
check "the stalling stream starts" wait_file "$T/stall.port" 10
t0=$(date +%s%N)
timeout 30 "$RT" capture "$EMU_URL" --follow "http://127.0.0.1:$(cat "$T/stall.port")/v2/stream/recentchange" \
    --stream-idle 1s --requests 3 --db "$T/f.db" --name fidle --quiet 2>"$T/fidle.err"
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "--stream-idle 1s on a stalling stream: exit 0 with 3 rows, one per event, in order" \
    "$rc|$(revs_of "$T/f.db" fidle | tr '\n' ' ')" "0|3000000001 3000000002 3000000003 "
check "... each silence said as a drop and resumed after the last event id" \
    grep -q "the stream dropped (no data for 1.0 s); reconnecting in 0.1 s with Last-Event-ID 2" "$T/fidle.err"
check "... the summary counts 2 drops resumed" grep -q "2 drops resumed" "$T/fidle.err"
expect_cmp "... two silences of 1 s, not the 60 s the server holds (${ms} ms)" "$ms" -lt 10000
expect_eq "... config_json records the idle limit" \
    "$(sql "$T/f.db" "SELECT json_extract(config_json, '$.stream_idle_us') FROM runs WHERE name = 'fidle'")" 1000000
stop_emulator

# a stream that never answers: bounded retries, then a failed run (exit 3)
timeout 60 "$RT" capture "$EMU_URL" --follow "http://127.0.0.1:1/v2/stream/recentchange" \
    --db "$T/x.db" --name fx --quiet 2>"$T/fx.err"
expect_eq "an unreachable stream: exit 3 after the retries" "$?" 3
check "... saying how often it tried" grep -q "gave up after 8 retries" "$T/fx.err"
finish
