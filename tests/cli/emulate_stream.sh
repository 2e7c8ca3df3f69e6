#!/bin/sh
# emulate_stream.sh - `emulate --stream-rate R` serves GET /v2/stream/recentchange as
# Server-Sent Events: text/event-stream, ":ok" first, event ids 1, 2, 3, ... without gaps,
# --stream-events N ends the feed after its N-th wikidatawiki edit (and a reconnect past the
# end gets 204), the saved stream replays as a trace (N edits kept, the others counted),
# Last-Event-ID resumes right after that id, --stream-drop-after cuts the connection, a
# waiting stream does not hold up the emulator's exit, and without --stream-rate the path
# is a 404.  Every curl is bounded by --max-time.
. tests/lib.sh

RT=$REVTRACE
start_emulator --stream-rate 200 --stream-events 30 --seed 3
S="$EMU_BASE/v2/stream/recentchange"
curl -sS -N --max-time 20 -D "$T/h.txt" "$S" > "$T/s.sse"
expect_eq "the stream of 30 edits ends by itself (curl exit 0)" "$?" 0
check "Content-Type is text/event-stream" grep -qi '^content-type: text/event-stream' "$T/h.txt"
expect_eq "the first line is the :ok comment" "$(head -n1 "$T/s.sse")" ":ok"
ids=$(sed -n 's/^id: .*"offset":\([0-9]*\)}]$/\1/p' "$T/s.sse" | tr '\n' ' ')
n=$(grep -c '^id: ' "$T/s.sse")
expect_eq "ids 1..n without gaps" "$ids" "$(seq 1 "$n" | tr '\n' ' ')"
expect_eq "30 wikidatawiki edits" "$(grep -c '"type":"edit",.*"wiki":"wikidatawiki"' "$T/s.sse")" 30
check "other wikis and other types are mixed in" test "$n" -gt 30
revs=$(grep '"type":"edit",.*"wiki":"wikidatawiki"' "$T/s.sse" | sed 's/.*"revision":{"old":[0-9]*,"new":\([0-9]*\)}.*/\1/')
expect_eq "rev IDs distinct and increasing" "$(echo "$revs" | sort -n -u | tr '\n' ' ')" "$(echo "$revs" | tr '\n' ' ')"

timeout 30 "$RT" replay "$EMU_URL" --trace "$T/s.sse" --speed 10 --db "$T/r.db" --quiet 2>"$T/r.err"
expect_eq "the saved stream replays as a trace" "$?" 0
check "... 30 edits kept, the others counted" grep -q "kept 30 events of wikidatawiki edit/new, skipped $((n - 30)) " "$T/r.err"
expect_eq "... with the stream's rev IDs" "$(sql "$T/r.db" "SELECT rev_id FROM requests ORDER BY seq" | tr '\n' ' ')" "$(echo "$revs" | tr '\n' ' ')"

curl -sS -N --max-time 20 -H 'Last-Event-ID: [{"topic":"emulate.mediawiki.recentchange","partition":0,"offset":10}]' "$S" > "$T/r.sse"
expect_eq "Last-Event-ID 10: the stream resumes at 11" "$(sed -n 's/^id: .*"offset":\([0-9]*\)}]$/\1/p' "$T/r.sse" | head -n1)" 11
expect_eq "... and the events are the same as the first time" \
    "$(grep '^data: ' "$T/r.sse" | md5sum)" "$(grep '^data: ' "$T/s.sse" | sed -n '11,$p' | md5sum)"
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 -H "Last-Event-ID: $n" "$S")
expect_eq "a reconnect after the last event: 204 (stop reconnecting)" "$code" 204
stop_emulator

start_emulator --stream-rate 1000 --stream-drop-after 5
curl -sS -N --max-time 10 "$EMU_BASE/v2/stream/recentchange" > "$T/d.sse" 2>"$T/d.err"
expect_eq "--stream-drop-after 5: the transfer is cut (curl exit 18)" "$?" 18
expect_eq "... after 5 events" "$(grep -c '^id: ' "$T/d.sse")" 5
curl -sS -N --max-time 10 -H 'Last-Event-ID: 99999999999999' "$EMU_BASE/v2/stream/recentchange" > "$T/f.sse" 2>/dev/null
expect_eq "a Last-Event-ID from the future starts live (not a walk to it): 5 events, then the cut" "$?,$(grep -c '^id: ' "$T/f.sse")" "18,5"
stop_emulator

# a stream waiting for its next event (one every ~10 s) must not hold up the exit
start_emulator --stream-rate 0.1 --threads 1
curl -sS -N --max-time 20 "$EMU_BASE/v2/stream/recentchange" > "$T/w.sse" 2>/dev/null &
CPID=$!
RT_PIDS="$RT_PIDS $CPID"
n=0; while [ ! -s "$T/w.sse" ] && [ $n -lt 250 ]; do sleep 0.02; n=$((n + 1)); done
kill "$EMU_PID"
t0=$(date +%s)
wait "$EMU_PID"
expect_eq "SIGTERM with a waiting stream: exit 0" "$?" 0
expect_cmp "... within 5 s" $(( $(date +%s) - t0 )) -le 5
wait "$CPID" 2>/dev/null

start_emulator
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 "$EMU_BASE/v2/stream/recentchange")
expect_eq "without --stream-rate the path is a 404" "$code" 404
stop_emulator
"$RT" emulate --stream-events 5 2>/dev/null
expect_eq "--stream-events without --stream-rate: usage error" "$?" 2
finish
