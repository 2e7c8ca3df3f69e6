#!/bin/sh
# replay_shards.sh - a sharded replay: three `revtrace replay --shard i/3` processes on one
# machine with one --start-at, each into its own database.  They must share a group id and
# t0, send disjoint seqs (seq % 3 == i) whose union is the source, on the same schedule as one
# unsharded replay; the merge recipe of docs/replay.md (extracted from the doc, run verbatim)
# must put every row into one file; `revtrace analyze --group` reads the three files as one.
. tests/lib.sh

RT=$REVTRACE
start_emulator --profile fast

N=900
timeout 30 "$RT" synth --requests $N --rate 300/s --seed 11 -o "$T/t.csv" 2>/dev/null
check "trace of $N edits" test "$(wc -l < "$T/t.csv")" -eq $((N + 1))

# Unsharded schedule at 2x, from the CSV with awk: seq,rev_id,round((t - t0) / 2).
awk -F, 'NR > 1 {
    split(substr($1, 12, 15), a, ":"); us = (a[1] * 3600 + a[2] * 60) * 1e6 + a[3] * 1e6;
    us = sprintf("%.0f", us);
    if (NR == 2) t0 = us;
    printf "%d,%s,%d\n", NR - 2, $2, int((us - t0) / 2 + 0.5) }' "$T/t.csv" > "$T/want.csv"

AT_S=$(( $(date -u +%s) + 5 ))
AT=$(date -u -d "@$AT_S" +%Y-%m-%dT%H:%M:%SZ)
pids=""
for i in 0 1 2; do
    timeout 60 "$RT" replay "$EMU_URL" --trace "$T/t.csv" --speed 2 --shard $i/3 \
        --start-at "$AT" --db "$T/shard$i.db" --name "s$i" --quiet 2>"$T/shard$i.err" &
    pids="$pids $!"
done
i=0
for p in $pids; do
    wait "$p"
    expect_eq "shard $i/3 exits 0" "$?" 0
    i=$((i + 1))
done
for i in 0 1 2; do sed 's/^/# shard: /' "$T/shard$i.err"; done

G0=$(sql "$T/shard0.db" "SELECT group_id FROM runs")
check "shards have a group id" test -n "$G0"
for i in 1 2; do
    expect_eq "shard $i has the same group id" "$(sql "$T/shard$i.db" "SELECT group_id FROM runs")" "$G0"
done
for i in 0 1 2; do
    expect_eq "shard $i: shard column, kind, t0 = --start-at" \
        "$(sql "$T/shard$i.db" "SELECT shard, kind, t0_unix_us FROM runs")" \
        "$i/3|replay|${AT_S}000000"
    expect_eq "shard $i: only seq % 3 == $i" \
        "$(sql "$T/shard$i.db" "SELECT count(*) FROM requests WHERE seq % 3 != $i")" 0
    expect_eq "shard $i: its share of the requests" \
        "$(sql "$T/shard$i.db" "SELECT count(*) FROM requests")" $(( (N - i + 2) / 3 ))
done

# Merge with the recipe from docs/replay.md, verbatim.
sed -n '/<!-- merge-sql -->/,/<!-- \/merge-sql -->/p' docs/replay.md | sed '/^<!--/d; /^```/d' \
    > "$T/merge.sql"
check "merge recipe found in docs/replay.md" grep -q "INSERT INTO main.requests" "$T/merge.sql"
sqlite3 "$T/shard0.db" "VACUUM INTO '$T/merged.db'"
for f in "$T/shard1.db" "$T/shard2.db" "$T/shard2.db"; do     # shard2 twice: idempotent
    sed "s|SHARD|$f|" "$T/merge.sql" | sqlite3 "$T/merged.db" 2>"$T/merge.err"
    check "merge of $(basename "$f") runs clean" test ! -s "$T/merge.err"
done
expect_eq "merged: 3 runs of the group" \
    "$(sql "$T/merged.db" "SELECT count(*), count(DISTINCT uuid) FROM runs WHERE group_id = '$G0'")" "3|3"
expect_eq "merged: every row, each seq once" \
    "$(sql "$T/merged.db" "SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM requests")" \
    "$N|$N|0|$((N - 1))"
printf '.mode csv\nCREATE TABLE want (seq INTEGER, rev_id INTEGER, sched INTEGER);\n.import %s want\n' \
    "$T/want.csv" | sqlite3 "$T/merged.db"
expect_eq "merged shards = the unsharded schedule (same rev IDs, same times)" \
    "$(sql "$T/merged.db" "SELECT count(*) FROM requests r JOIN want w ON w.seq = r.seq
                           WHERE r.rev_id = w.rev_id AND r.scheduled_us = w.sched")" $N
sql "$T/merged.db" "DROP TABLE want"
expect_eq "merged database opens as a revtrace database (replay --from it)" \
    "$(timeout 30 "$RT" replay "$EMU_URL" --from "$T/merged.db:s1" --speed 50 --limit 3 \
        --db "$T/check.db" --quiet >/dev/null 2>&1; echo $?)" 0

# The fold-into-one-run recipe.
sed -n '/<!-- fold-sql -->/,/<!-- \/fold-sql -->/p' docs/replay.md | sed '/^<!--/d; /^```/d' |
    sed "s|'G'|'$G0'|g; s|\"G\"|\"$G0\"|" > "$T/fold.sql"
sqlite3 "$T/merged.db" < "$T/fold.sql" 2>"$T/fold.err"
check "fold recipe runs clean" test ! -s "$T/fold.err"
expect_eq "folded run holds every row once" \
    "$(sql "$T/merged.db" "SELECT count(*), count(DISTINCT seq) FROM requests r JOIN runs u
                           ON u.id = r.run_id WHERE u.name = 'x5-merged'")" "$N|$N"

# analyze treats the group as one run across the three files.
if "$RT" analyze --help 2>/dev/null | grep -q -- '--group'; then
    timeout 60 "$RT" analyze --db "$T/shard0.db" --db "$T/shard1.db" --db "$T/shard2.db" \
        --group "$G0" --format csv >"$T/an.csv" 2>"$T/an.err"
    c=$?
    expect_cmp "analyze --group over three files: exit 0 or 1 (verdict)" "$c" -le 1
    # the summary row: ...,requests,sent,... = N,N
    check "analyze --group merges 3 runs and counts all $N requests" \
        grep -q "^0,group $G0,.*,$G0,3,.*,$N,$N," "$T/an.csv"
    sed 's/^/# analyze: /' "$T/an.err" | head -5
else
    echo "# analyze --group not available yet: skipped"
fi

# --group ID overrides the derived group id.
check "group id with --group is taken as given" sh -c "
    timeout 30 '$RT' replay '$EMU_URL' --trace '$T/t.csv' --speed 50 --limit 6 --shard 0/2 \
        --group my-group --db '$T/g.db' --quiet >/dev/null 2>&1 &&
    test \"\$(sqlite3 '$T/g.db' 'SELECT group_id FROM runs')\" = my-group"

finish
