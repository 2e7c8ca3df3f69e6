#!/bin/sh
# replay_eventstreams.sh - `replay --trace` reads a saved EventStreams recentchange capture,
# recognised by content: the SSE form curl writes (comments, event:/id:/data: lines, a data
# field split over two lines, CRLF, an event cut off at the end) and JSON lines, gzip or not.
# Only wikidatawiki edit/new events are sent (--wiki picks another wiki), the start message
# counts the rest, rev IDs and the schedule (meta.dt offsets / speed) land in the database;
# a malformed event names FILE:LINE and exits 2 with nothing written.
. tests/lib.sh

RT=$REVTRACE
start_emulator --profile fast

ev() {  # ev WIKI TYPE REV DT: one recentchange event's JSON
    printf '{"$schema":"/mediawiki/recentchange/1.0.0","meta":{"uri":"https://x/wiki/Q1",'
    printf '"id":"a-%s","dt":"%s","domain":"www.wikidata.org","stream":"mediawiki.recentchange"},' "$3" "$4"
    printf '"type":"%s","namespace":0,"title":"Q%s","user":"U","bot":false,' "$2" "$3"
    printf '"revision":{"old":%s,"new":%s},"server_name":"www.wikidata.org","wiki":"%s"}' \
        "$(($3 - 1))" "$3" "$1"
}
{
    printf ':ok\r\n\r\n'
    printf 'event: message\r\nid: [{"topic":"eqiad.mediawiki.recentchange","offset":1}]\r\n'
    # one event's data split over two data: lines (joined with "\n", still valid JSON)
    e=$(ev wikidatawiki edit 2100000001 2026-12-01T15:04:05.123Z)
    printf 'data: %s\r\ndata: %s\r\n\r\n' "${e%%\"type\"*}" "\"type\"${e#*\"type\"}"
    printf 'event: message\nid: [{"offset":2}]\ndata: %s\n\n' "$(ev enwiki edit 55 2026-12-01T15:04:05.150Z)"
    printf ': a comment\nevent: message\ndata: %s\n\n' "$(ev wikidatawiki log 56 2026-12-01T15:04:05.200Z)"
    printf 'event: message\ndata: %s\n\n' "$(ev wikidatawiki new 2100000002 2026-12-01T15:04:05.373Z)"
    printf 'event: message\ndata: %s\n\n' "$(ev commonswiki categorize 57 2026-12-01T15:04:05.400Z)"
    printf 'event: message\ndata: %s\n\n' "$(ev wikidatawiki edit 2100000003 2026-12-01T15:04:05.623Z)"
    printf 'event: message\ndata: %s\n\n' "$(ev enwiki new 58 2026-12-01T15:04:05.700Z)"
    printf 'event: message\ndata: %s\n' "$(ev wikidatawiki edit 2100000009 2026-12-01T15:04:06Z)"
} > "$T/rc.sse"
gzip -c "$T/rc.sse" > "$T/rc.sse.data"            # gzip, and a name that does not say so

for f in rc.sse rc.sse.data; do
    timeout 30 "$RT" replay "$EMU_URL" --trace "$T/$f" --speed 5 --db "$T/r.db" --name "$f" \
        --quiet 2>"$T/r.err"
    rc=$?
    expect_eq "$f: replay exits 0" "$rc" 0
    [ "$rc" = 0 ] || sed 's/^/# /' "$T/r.err"
    check "$f: the start message counts kept and skipped events" grep -q \
        "kept 3 events of wikidatawiki edit/new, skipped 4 (other wikis 3, other types 1)" "$T/r.err"
    check "$f: the cut-off last event is reported" grep -q "last event was cut off" "$T/r.err"
    RUN=$(sql "$T/r.db" "SELECT id FROM runs WHERE name = '$f'")
    # meta.dt offsets 0, 250 ms, 500 ms at 5x: 0, 50000, 100000 us
    expect_eq "$f: rev IDs and schedule (meta.dt offsets / 5)" \
        "$(sql "$T/r.db" "SELECT group_concat(rev_id || ':' || scheduled_us || ':' || status, ' ') FROM (SELECT * FROM requests WHERE run_id = $RUN ORDER BY seq)")" \
        "2100000001:0:200 2100000002:50000:200 2100000003:100000:200"
    expect_eq "$f: config records the format and wiki" \
        "$(sql "$T/r.db" "SELECT json_extract(config_json, '$.trace_format') || ',' || json_extract(config_json, '$.wiki') FROM runs WHERE id = $RUN")" \
        "eventstreams,wikidatawiki"
done

# JSON lines (one event per line), gzip, --wiki enwiki
{ ev enwiki edit 70 2026-12-01T15:00:00.000Z; echo
  ev wikidatawiki edit 71 2026-12-01T15:00:00.100Z; echo
  ev enwiki new 72 2026-12-01T15:00:01.500Z; echo; } | gzip -c > "$T/rc.jsonl.gz"
timeout 30 "$RT" replay "$EMU_URL" --trace "$T/rc.jsonl.gz" --wiki enwiki --db "$T/r.db" \
    --name jl --quiet 2>"$T/j.err"
expect_eq "JSON lines, gzip, --wiki enwiki: exits 0" "$?" 0
check "JSON lines: counted" grep -q "kept 2 events of enwiki edit/new, skipped 1 (other wikis 1, other types 0)" "$T/j.err"
expect_eq "JSON lines: rev IDs and schedule at speed 1" \
    "$(sql "$T/r.db" "SELECT group_concat(rev_id || ':' || scheduled_us, ' ') FROM (SELECT * FROM requests WHERE run_id = (SELECT id FROM runs WHERE name = 'jl') ORDER BY seq)")" \
    "70:0 72:1500000"

# a malformed event: FILE:LINE, exit 2, nothing written
{ printf ':ok\n\nevent: message\ndata: %s\n\n' "$(ev wikidatawiki edit 80 2026-12-01T15:00:00Z)"
  printf 'event: message\ndata: {"wiki": "wikidatawiki", "type": "edit", \n\n'; } > "$T/bad.sse"
runs_before=$(sql "$T/r.db" "SELECT count(*) FROM runs")
timeout 30 "$RT" replay "$EMU_URL" --trace "$T/bad.sse" --db "$T/r.db" --quiet 2>"$T/b.err"
expect_eq "malformed event: exit 2" "$?" 2
check "malformed event: FILE:LINE in the message" grep -q "bad.sse:7: not JSON" "$T/b.err"
{ printf 'data: %s\n\n' "$(ev wikidatawiki edit 81 2026-12-01T15:00:00Z | sed 's/"new":81/"newer":81/')"; } > "$T/bad2.sse"
timeout 30 "$RT" replay "$EMU_URL" --trace "$T/bad2.sse" --db "$T/r.db" --quiet 2>"$T/b2.err"
expect_eq "kept event without revision.new: exit 2" "$?" 2
check "kept event without revision.new: FILE:LINE" grep -q "bad2.sse:1: a kept event (wikidatawiki, edit) without a positive revision.new" "$T/b2.err"
expect_eq "nothing written for a malformed capture" "$(sql "$T/r.db" "SELECT count(*) FROM runs")" "$runs_before"
"$RT" replay "$EMU_URL" --from "$T/r.db" --wiki enwiki --db "$T/r.db" --quiet 2>"$T/w.err"
expect_eq "--wiki without --trace: usage error" "$?" 2

finish
