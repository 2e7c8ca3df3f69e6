#!/bin/sh
# capture_storage.sh - a storage that fails stops the run at once: a full disk (a 2 MiB
# tmpfs), the database's directory removed, its WAL made immutable (an I/O error), its -shm
# file made immutable (SIGBUS on the mapping).  Each stops scheduling at once with the reason
# on stderr, exits 3, and leaves the rows committed before the failure with no stray row
# after a gap; the run is marked 'failed' where that write is still possible, and says so
# where it is not.  Synchronised on rows in the database, never on a sleep; every run is
# bounded by --duration and timeout.
. tests/lib.sh

RT=$REVTRACE
make_revids 30
MNT=""
unmount() { [ -n "$MNT" ] && umount "$MNT" 2>/dev/null; MNT=""; }
unfreeze() { command -v chattr >/dev/null && chattr -i "$T"/*.db* 2>/dev/null; true; }
trap 'unfreeze; unmount; cleanup' EXIT

# capture_bg NAME DB [options]: a 60 s capture at 200/s in the background; sets PID.
capture_bg() {
    name=$1 db=$2; shift 2
    timeout --foreground 90 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --duration 60s \
        --db "$db" --progress plain "$@" 2>"$T/$name.err" &
    PID=$!
    RT_PIDS="$RT_PIDS $PID"
}

# after_stop NAME RC START DB: the checks every storage failure shares.
after_stop() {
    name=$1 rc=$2 t0=$3 db=$4
    took=$(( $(date +%s) - t0 ))
    expect_eq "$name: exit 3" "$rc" 3
    check "$name: stopped at once, not after the 60 s of sending (took ${took}s)" \
        test "$took" -lt 30
    if [ -f "$db" ]; then
        # Completions may come a little out of seq order: at most a few in flight at 200/s.
        expect_eq "$name: rows contiguous from seq 0 (no stray rows after a gap)" \
            "$(sql "$db" "SELECT min(seq) = 0 AND max(seq) + 1 - count(*) <= 10 FROM requests")" 1
    fi
}

start_emulator --profile fast

# 1. A full disk: the commit fails, the run stops; the status write may fail too (said).
mkdir -p "$T/small"
if mount -t tmpfs -o size=2m tmpfs "$T/small" 2>"$T/mount.err"; then
    MNT="$T/small"
    t0=$(date +%s)
    timeout --foreground 90 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --rate 1000/s \
        --duration 60s --db "$T/small/full.db" --keep-bodies all --progress plain \
        2>"$T/full.err"
    after_stop "disk full" $? "$t0" "$T/small/full.db"
    grep -q "database or disk is full; stopping now" "$T/full.err" \
        && ok "disk full: the reason is said when the run stops" \
        || notok "disk full: stderr: $(cat "$T/full.err")"
    st=$(sql "$T/small/full.db" "SELECT status FROM runs")
    if [ "$st" = failed ]; then ok "disk full: run marked failed"
    elif [ "$st" = running ] && grep -q "stays marked 'running'" "$T/full.err"; then
        ok "disk full: the failed status could not be written, and that is said"
    else notok "disk full: status '$st', stderr: $(cat "$T/full.err")"; fi
    unmount
else
    ok "disk full # skip cannot mount a tmpfs here: $(cat "$T/mount.err")"
fi

# 2. The database's directory removed mid-run: its link count drops to 0.
mkdir -p "$T/gone"
t0=$(date +%s)
capture_bg gone "$T/gone/g.db" --rate 200/s
check "removed: rows are being committed" wait_rows "$T/gone/g.db" 20
rm -rf "$T/gone"
wait $PID
after_stop "removed" $? "$t0" "$T/gone/g.db"
grep -q "the database file .*g.db was removed during the run; stopping now" "$T/gone.err" \
    && ok "removed: said at once" || notok "removed: stderr: $(cat "$T/gone.err")"

# 3. and 4. need chattr on a filesystem that keeps the immutable flag.
: > "$T/probe"
if command -v chattr >/dev/null && chattr +i "$T/probe" 2>/dev/null; then
    chattr -i "$T/probe"
    # freeze NAME WHAT PATTERN: a capture into NAME.db whose file NAME.db-NAME is made
    # immutable once rows are committed; it must stop with PATTERN on stderr.
    freeze() {
        t0=$(date +%s)
        capture_bg "$1" "$T/$1.db" --rate 200/s
        check "$2: rows are being committed" wait_rows "$T/$1.db" 20
        chattr +i "$T/$1.db-$1"
        wait $PID
        rc=$?
        chattr -i "$T/$1.db-$1"
        after_stop "$2" $rc "$t0" "$T/$1.db"
        grep -q "$3" "$T/$1.err" && ok "$2: the reason is said" || notok "$2: stderr: $(cat "$T/$1.err")"
    }
    # 3. The WAL made immutable: the commit's write fails (disk I/O error).
    freeze wal "immutable WAL" "I/O error; stopping now"
    # 4. The -shm file made immutable: writing its mapping faults (SIGBUS); a message, exit 3.
    freeze shm "immutable -shm" "bus error (SIGBUS) .*shm.db-shm"
else
    ok "immutable database files # skip chattr +i not available or not supported here"
fi
rm -f "$T/probe"

stop_emulator
finish
