#!/bin/sh
# replay.sh - `revtrace replay` against the emulator: a 2000-request trace spanning ~10 s
# replayed at 5x keeps every rev ID in the source order, its schedule equals the source
# offsets / 5 to the microsecond, and the achieved span is within 1 % of the source span / 5;
# a recorded run replays from another database file (opened read-only, left untouched) from
# its scheduled times, not its lagged sent times; an interrupted source replays with a
# warning; --limit; a 20,000-request source goes through the plan loader whole and in order;
# every bad input exits 2 with a message and writes nothing.
. tests/lib.sh

RT=$REVTRACE
start_emulator --profile fast

# A timed trace: 2000 synthetic edits at 200/s (~10 s).
timeout 30 "$RT" synth --requests 2000 --rate 200/s --seed 3 -o "$T/t.csv" 2>"$T/synth.err"
check "synth writes a 2000-edit trace" test "$(wc -l < "$T/t.csv")" -eq 2001

# Expected schedule at 5x, computed here from the CSV (awk, independent of the C code):
# seq,rev_id,round((t - t0) / 5) in microseconds.
awk -F, 'NR > 1 {
    split(substr($1, 12, 15), a, ":"); us = (a[1] * 3600 + a[2] * 60) * 1e6 + a[3] * 1e6;
    us = sprintf("%.0f", us);
    if (NR == 2) t0 = us;
    d = (us - t0) / 5; r = int(d + 0.5);
    printf "%d,%s,%d\n", NR - 2, $2, r }' "$T/t.csv" > "$T/want.csv"
SPAN_US=$(awk -F, 'END { print $3 }' "$T/want.csv")

timeout 60 "$RT" replay "$EMU_URL" --trace "$T/t.csv" --speed 5 --db "$T/r.db" --name t5x \
    --keep-bodies all --quiet 2>"$T/r.err"
rc=$?
expect_eq "replay --trace --speed 5 exits 0" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/# /' "$T/r.err"
RUN=$(sql "$T/r.db" "SELECT id FROM runs WHERE name = 't5x'")
expect_eq "2000 requests recorded" "$(sql "$T/r.db" "SELECT count(*) FROM requests WHERE run_id = $RUN")" 2000
expect_eq "run is kind replay, speed 5, complete, no shard" \
    "$(sql "$T/r.db" "SELECT kind, speed, status, shard IS NULL, source_run_uuid IS NULL FROM runs WHERE id = $RUN")" \
    "replay|5.0|complete|1|1"
sql "$T/r.db" "CREATE TABLE want (seq INTEGER, rev_id INTEGER, sched INTEGER);"
printf '.mode csv\n.import %s want\n' "$T/want.csv" | sqlite3 "$T/r.db"
expect_eq "schedule = source offsets / 5 to the microsecond, same rev IDs" \
    "$(sql "$T/r.db" "SELECT count(*) FROM requests r JOIN want w ON w.seq = r.seq
                     WHERE r.run_id = $RUN AND r.rev_id = w.rev_id AND r.scheduled_us = w.sched")" 2000
expect_eq "every request answered 200" \
    "$(sql "$T/r.db" "SELECT count(*) FROM requests WHERE run_id = $RUN AND status = 200")" 2000
# The server saw each rev ID: the stored answers name it.
expect_eq "answers carry the rev ID that was sent" \
    "$(sql "$T/r.db" "SELECT count(*) FROM requests WHERE run_id = $RUN AND body IS NOT NULL")" 2000
ORDER_SENT=$(sql "$T/r.db" "SELECT group_concat(rev_id) FROM (SELECT rev_id FROM requests
                            WHERE run_id = $RUN ORDER BY sent_us, seq)")
ORDER_SRC=$(awk -F, 'NR > 1 { printf "%s%s", s, $2; s = "," }' "$T/t.csv")
expect_eq "rev IDs were sent in the source order" "$ORDER_SENT" "$ORDER_SRC"
ACH=$(sql "$T/r.db" "SELECT max(sent_us) - min(sent_us) FROM requests WHERE run_id = $RUN")
echo "# source span / 5 = $SPAN_US us, achieved send span = $ACH us"
expect_cmp "achieved span within 1 % of source span / 5" \
    "$(awk -v a="$ACH" -v w="$SPAN_US" 'BEGIN { d = a - w; if (d < 0) d = -d; print (d <= w / 100) }')" = 1

# ---- --from another database: read-only, scheduled (not sent) times, by name/id/latest ----
timeout 60 "$RT" replay "$EMU_URL" --trace "$T/t.csv" --speed 10 --limit 300 --db "$T/src.db" \
    --name src --quiet 2>"$T/src.err"
check "source run recorded" test "$(sql "$T/src.db" "SELECT count(*) FROM requests")" -eq 300
# Make the source look as if it had lagged badly: sent 50 ms late, growing.
sql "$T/src.db" "UPDATE requests SET sent_us = scheduled_us + 50000 + seq * 1000"
SRC_UUID=$(sql "$T/src.db" "SELECT uuid FROM runs WHERE name = 'src'")
SUM0=$(cksum < "$T/src.db")
timeout 60 "$RT" replay "$EMU_URL" --from "$T/src.db:src" --speed 2 --db "$T/new.db" \
    --name fromdb --quiet 2>"$T/from.err"
expect_eq "replay --from DB:RUN exits 0" "$?" 0
expect_eq "source database untouched" "$(cksum < "$T/src.db")" "$SUM0"
expect_eq "the source's runs are unchanged (no replay written there)" \
    "$(sql "$T/src.db" "SELECT count(*) FROM runs")" 1
expect_eq "new run links its source and speed" \
    "$(sql "$T/new.db" "SELECT kind, source_run_uuid, speed FROM runs WHERE name = 'fromdb'")" \
    "replay|$SRC_UUID|2.0"
NEW=$(sql "$T/new.db" "SELECT id FROM runs WHERE name = 'fromdb'")
sqlite3 "$T/new.db" "ATTACH '$T/src.db' AS s;
    SELECT count(*) FROM requests r JOIN s.requests q ON q.seq = r.seq
    WHERE r.run_id = $NEW AND r.rev_id = q.rev_id
      AND r.scheduled_us = CAST(round((q.scheduled_us - (SELECT min(scheduled_us) FROM s.requests)) / 2.0) AS INTEGER);" \
    > "$T/match" 2>&1
expect_eq "schedule follows the source's scheduled times / 2 (its lag is not passed on)" \
    "$(cat "$T/match")" 300
timeout 60 "$RT" replay "$EMU_URL" --from "$T/src.db" --speed 20 --limit 5 --db "$T/new.db" \
    --name latest --quiet 2>/dev/null
expect_eq "--from DB without RUN takes the latest run" \
    "$(sql "$T/new.db" "SELECT source_run_uuid FROM runs WHERE name = 'latest'")" "$SRC_UUID"
timeout 60 "$RT" replay "$EMU_URL" --from "$T/new.db:$NEW" --speed 20 --limit 7 --db "$T/new.db" \
    --name byid --quiet 2>/dev/null
expect_eq "--from DB:ID in the same database, --limit 7" \
    "$(sql "$T/new.db" "SELECT count(*) FROM requests r JOIN runs u ON u.id = r.run_id WHERE u.name = 'byid'")" 7

# ---- the story: capture, then replay the capture at 2x from its database ----
make_revids 30
timeout 60 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --rate 200/s --requests 300 \
    --seed 5 --db "$T/cap.db" --name baseline --quiet 2>"$T/cap.err"
if [ "$(sql "$T/cap.db" "SELECT count(*) FROM requests" 2>/dev/null)" = 300 ]; then
    timeout 60 "$RT" replay "$EMU_URL" --from "$T/cap.db:baseline" --speed 2 --db "$T/cap.db" \
        --name x2 --quiet 2>"$T/x2.err"
    expect_eq "capture then replay --speed 2 in the same database: exit 0" "$?" 0
    expect_eq "x2 re-issues the capture's rev IDs at its scheduled times / 2" \
        "$(sql "$T/cap.db" "SELECT count(*) FROM requests r JOIN requests q ON q.seq = r.seq
            WHERE r.run_id = (SELECT id FROM runs WHERE name = 'x2')
              AND q.run_id = (SELECT id FROM runs WHERE name = 'baseline')
              AND r.rev_id = q.rev_id
              AND r.scheduled_us = CAST(round((q.scheduled_us -
                  (SELECT scheduled_us FROM requests WHERE run_id = q.run_id AND seq = 0)) / 2.0)
                  AS INTEGER)")" 300
    expect_eq "x2 links the capture" \
        "$(sql "$T/cap.db" "SELECT r.source_run_uuid = c.uuid FROM runs r, runs c
                            WHERE r.name = 'x2' AND c.name = 'baseline'")" 1
else
    echo "# capture not available: skipped the capture -> replay check"
    sed 's/^/#   /' "$T/cap.err"
fi

# ---- an interrupted source replays what it has, with a warning ----
sql "$T/src.db" "UPDATE runs SET status = 'interrupted'"
timeout 60 "$RT" replay "$EMU_URL" --from "$T/src.db:src" --speed 20 --db "$T/new.db" \
    --name fromint --quiet 2>"$T/int.err"
expect_eq "interrupted source: exit 0" "$?" 0
check "interrupted source: a warning" grep -q "warning: .*interrupted" "$T/int.err"
expect_eq "interrupted source: all its requests replayed" \
    "$(sql "$T/new.db" "SELECT count(*) FROM requests r JOIN runs u ON u.id = r.run_id WHERE u.name = 'fromint'")" 300

# ---- a source larger than the plan loader's read-ahead (16 x 1024) and its cursor's chunks ----
# The recorded run is read on a loader thread through a bounded queue: every request must come
# out once, in order, with its rev ID and schedule, across many hand-overs and the loader
# blocking on a full queue.  20,000 requests 100 us apart, replayed at 10x (about 0.2 s).
sql "$T/src.db" "INSERT INTO runs (uuid, name, kind, target, t0_unix_us, started_at, status,
                 tool_version, hostname) VALUES ('00000000-0000-4000-8000-00000000b16b', 'big',
                 'capture', 'http://x', 0, '2026-01-01T00:00:00Z', 'complete', 't', 'h');
                 WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19999)
                 INSERT INTO requests (run_id, seq, rev_id, scheduled_us, status)
                 SELECT (SELECT id FROM runs WHERE name = 'big'), i, 3000000000 + (i * 7) % 20011,
                        i * 100, 200 FROM n;"
timeout 120 "$RT" replay "$EMU_URL" --from "$T/src.db:big" --speed 10 --db "$T/big.db" \
    --name bigx10 --keep-bodies none --quiet 2>"$T/big.err"
expect_eq "20,000-request source through the loader: exit 0" "$?" 0
expect_eq "every request once, in order, same rev ID, schedule / 10" \
    "$(sql "$T/big.db" "ATTACH '$T/src.db' AS s;
        SELECT count(*) FROM requests r JOIN s.requests q ON q.seq = r.seq
        WHERE q.run_id = (SELECT id FROM s.runs WHERE name = 'big')
          AND r.rev_id = q.rev_id AND r.scheduled_us = q.scheduled_us / 10")" 20000
expect_eq "no request twice, none missing" \
    "$(sql "$T/big.db" "SELECT count(DISTINCT seq) || '|' || min(seq) || '|' || max(seq)
                        FROM requests")" "20000|0|19999"

# ---- bad input: exit 2, a message, nothing written ----
bad() {  # bad DESC PATTERN ARGS...
    d=$1; p=$2; shift 2
    rm -f "$T/bad.db"
    timeout 30 "$RT" replay "$EMU_URL" --db "$T/bad.db" "$@" >"$T/bad.out" 2>"$T/bad.err"
    c=$?
    if [ "$c" = 2 ] && grep -q -- "$p" "$T/bad.err" && [ ! -e "$T/bad.db" ]; then
        ok "$d"
    else
        notok "$d (exit $c, db $( [ -e "$T/bad.db" ] && echo written || echo absent))"
        sed 's/^/#   /' "$T/bad.err"
    fi
}
bad "unknown run" "no run 'nosuch'" --from "$T/src.db:nosuch"
bad "missing database" "no such database" --from "$T/missing.db:src"
sql "$T/src.db" "INSERT INTO runs (uuid, name, kind, target, t0_unix_us, started_at, status,
                 tool_version, hostname) VALUES ('00000000-0000-4000-8000-000000000000', 'empty',
                 'capture', 'http://x', 0, '2026-01-01T00:00:00Z', 'complete', 't', 'h')"
bad "empty source run" "no requests" --from "$T/src.db:empty"
printf 'timestamp,rev_id\n' > "$T/empty.csv"
bad "empty trace" "empty.csv" --trace "$T/empty.csv"
bad "speed 0" "speed" --trace "$T/t.csv" --speed 0
bad "speed negative" "speed" --trace "$T/t.csv" --speed -2
bad "speed not a number" "speed" --trace "$T/t.csv" --speed fast
bad "speed nan" "speed" --trace "$T/t.csv" --speed nan
printf 'timestamp,rev_id\n2026-01-01T00:00:00Z,1\n2026-01-01T00:00:02Z,2\n2026-01-01T00:00:01Z,3\n' \
    > "$T/back.csv"
bad "timestamps going backwards: refused with the line" "back.csv:4: timestamp" --trace "$T/back.csv"
for s in 3/3 -1/3 1/0 a/3 1 1/3x ""; do
    bad "malformed --shard '$s'" "shard" --trace "$T/t.csv" --shard "$s"
done
bad "--start-at in the past" "in the past" --trace "$T/t.csv" --start-at 2020-01-01T00:00:00Z
bad "--start-at not a time" "start-at" --trace "$T/t.csv" --start-at tomorrow
bad "no source" "missing the source" 
bad "both sources" "not both" --trace "$T/t.csv" --from "$T/src.db"
bad "limit 0" "limit" --trace "$T/t.csv" --limit 0
bad "shard with no requests" "no requests" --trace "$T/t.csv" --limit 2 --shard 2/3

finish
