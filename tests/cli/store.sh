#!/bin/sh
# store.sh - the database rules as a user meets them through the real binary: a new file is
# created as a WAL revtrace database of the current schema version; files that are not
# revtrace databases (text, another application's SQLite file) and databases from a newer
# revtrace are refused by capture, analyze and replay --from with a message, and stay
# byte-for-byte unchanged; read-only commands never create a missing file; the committed
# rows survive kill -9 of a running capture and the file opens clean afterwards.
. tests/lib.sh

RT=$REVTRACE
make_revids 30
start_emulator --profile fast

capture() {   # capture DB [more options]: a short constant-rate run
    db=$1; shift
    timeout 60 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --rate 500/s \
        --arrivals constant --requests 50 --quiet --db "$db" "$@"
}

# --- a new database
capture "$T/new.db" 2>"$T/new.err"
expect_eq "capture into a new file exits 0" "$?" 0
expect_eq "new file: application_id RTRC, WAL" \
    "$(sql "$T/new.db" 'PRAGMA application_id; PRAGMA journal_mode')" "$(printf '1381257795\nwal')"
V=$(sql "$T/new.db" 'PRAGMA user_version')
expect_cmp "new file: user_version is the schema version ($V)" "$V" -ge 1
expect_eq "new file: 50 requests of one complete run" \
    "$(sql "$T/new.db" "SELECT count(*), (SELECT status FROM runs) FROM requests")" "50|complete"
capture "$T/new.db" 2>"$T/again.err"
expect_eq "a second capture into it exits 0" "$?" 0
expect_eq "reopening keeps the version and adds a run" \
    "$(sql "$T/new.db" 'PRAGMA user_version; SELECT count(*) FROM runs')" "$(printf '%s\n2' "$V")"

# refused CMD-DESC FILE WORD CMD...: the command fails, says WORD, and FILE is unchanged.
refused() {
    rd=$1 rf=$2 rw=$3; shift 3
    cp "$rf" "$T/before"
    "$@" >"$T/out" 2>"$T/err"
    rrc=$?
    expect_cmp "$rd: refused (exit $rrc)" "$rrc" -ne 0
    if grep -q "$rw" "$T/err"; then ok "$rd: message says '$rw'"
    else notok "$rd: message says '$rw' (got: $(cat "$T/err"))"; fi
    check "$rd: file byte-for-byte unchanged" cmp -s "$T/before" "$rf"
    expect_cmp "$rd: no -wal left beside it" ! -e "$rf-wal"
}

# --- a text file given as --db
cp "$T/revids.csv" "$T/ids.csv"
refused "capture --db CSV" "$T/ids.csv" "not a revtrace database" capture "$T/ids.csv"
refused "analyze --db CSV" "$T/ids.csv" "not a revtrace database" \
    timeout 30 "$RT" analyze --db "$T/ids.csv"

# --- another application's SQLite database
sql "$T/other.db" "CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('keep me');"
refused "capture --db foreign" "$T/other.db" "another application" capture "$T/other.db"
refused "analyze --db foreign" "$T/other.db" "another application" \
    timeout 30 "$RT" analyze --db "$T/other.db"
refused "replay --from foreign" "$T/other.db" "another application" \
    timeout 30 "$RT" replay "$EMU_URL" --from "$T/other.db" --db "$T/r.db" --quiet

# --- a database from a newer revtrace
cp "$T/new.db" "$T/newer.db"
sql "$T/newer.db" "PRAGMA user_version = $((V + 1))"
refused "capture --db newer" "$T/newer.db" "newer revtrace" capture "$T/newer.db"
refused "analyze --db newer" "$T/newer.db" "newer revtrace" \
    timeout 30 "$RT" analyze --db "$T/newer.db"

# --- read-only commands never create a file
timeout 30 "$RT" analyze --db "$T/missing.db" >/dev/null 2>"$T/err"
expect_cmp "analyze --db missing fails" "$?" -ne 0
expect_cmp "analyze --db missing does not create it" ! -e "$T/missing.db"

# --- kill -9 mid-run: the committed rows stay, the file opens clean
timeout 60 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --rate 2000/s --duration 30s \
    --quiet --db "$T/k9.db" --name k9 2>"$T/k9.err" &
CPID=$!
RT_PIDS="$RT_PIDS $CPID"
n=0 i=0
while [ "$i" -lt 500 ]; do   # bounded: at most ~10 s until rows are committed
    n=$(sqlite3 -batch -noheader "$T/k9.db" 'SELECT count(*) FROM requests' 2>/dev/null)
    [ "${n:-0}" -gt 500 ] 2>/dev/null && break
    sleep 0.02; i=$((i + 1))
done
kill -9 "$CPID" 2>/dev/null; wait "$CPID" 2>/dev/null
expect_cmp "rows were committed while the capture ran ($n)" "${n:-0}" -gt 500
expect_eq "after kill -9: integrity ok" "$(sql "$T/k9.db" 'PRAGMA integrity_check')" ok
after=$(sql "$T/k9.db" 'SELECT count(*) FROM requests')
expect_cmp "after kill -9: every row seen committed is kept ($after >= $n)" "$after" -ge "${n:-0}"
expect_eq "after kill -9: the run is left 'running'" \
    "$(sql "$T/k9.db" "SELECT status FROM runs WHERE name = 'k9'")" running
capture "$T/k9.db" 2>"$T/k9b.err"
expect_eq "after kill -9: the file takes a new capture" "$?" 0

finish
