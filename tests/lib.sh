# tests/lib.sh - shared helpers for the CLI tests (sourced, POSIX sh).
#
# Every test gets a private temp dir removed on exit, starts servers by PID and stops them
# in the exit trap, and waits for readiness through the emulator's --port-file (bounded,
# never a fixed sleep).  Results are "ok - desc" / "not ok - desc" lines; the script exits
# non-zero when any check failed.

set -u
: "${REVTRACE:=$(pwd)/revtrace}"
T=$(mktemp -d "${TMPDIR:-/tmp}/revtrace-test.XXXXXX")
RT_PIDS=""
RT_FAILED=0
cleanup() {
    for p in $RT_PIDS; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok()   { echo "ok - $*"; }
notok() { echo "not ok - $*"; RT_FAILED=1; }
# check DESC COMMAND...: ok when the command succeeds.
check() { d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
# expect_eq DESC ACTUAL EXPECTED
expect_eq() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1 (got '$2', want '$3')"; fi; }
# expect_true DESC SQL-OR-SHELL-CONDITION: uses test(1) syntax via sh -c
expect_cmp() { d=$1; shift; if [ "$@" ]; then ok "$d"; else notok "$d ($*)"; fi; }
sql() { sqlite3 -batch -noheader "$1" "$2"; }
finish() { exit "$RT_FAILED"; }

# wait_file FILE [SECONDS]: poll until FILE is non-empty, at most SECONDS (default 10).
wait_file() {
    n=$(( ${2:-10} * 50 ))
    while [ ! -s "$1" ] && [ $n -gt 0 ]; do sleep 0.02; n=$((n - 1)); done
    [ -s "$1" ]
}

# wait_rows DB N [SECONDS]: poll (bounded, default 20 s) until DB holds at least N request
# rows; for a run going on in the background.
wait_rows() {
    n=$(( ${3:-20} * 50 ))
    while [ $n -gt 0 ]; do
        c=$(sqlite3 -batch -noheader "$1" "SELECT count(*) FROM requests" 2>/dev/null)
        [ "${c:-0}" -ge "$2" ] && return 0
        sleep 0.02; n=$((n - 1))
    done
    return 1
}

# start_emulator [emulate options...]: sets EMU_PID, EMU_PORT, EMU_BASE, EMU_URL.
start_emulator() {
    pf="$T/port.$$.$(date +%s%N)"
    "$REVTRACE" emulate --listen 127.0.0.1:0 --port-file "$pf" "$@" >"$T/emulate.log" 2>&1 &
    EMU_PID=$!
    RT_PIDS="$RT_PIDS $EMU_PID"
    if ! wait_file "$pf" 10; then
        echo "# emulator did not start:"; sed 's/^/# /' "$T/emulate.log"
        notok "emulator starts"; finish
    fi
    EMU_PORT=$(cat "$pf")
    EMU_BASE="http://127.0.0.1:$EMU_PORT"
    EMU_URL="$EMU_BASE/v1/models/revertrisk-wikidata:predict"
}
stop_emulator() { kill "$EMU_PID" 2>/dev/null; wait "$EMU_PID" 2>/dev/null; }

# A small rev-ID pool.
make_revids() { printf 'rev_id\n' > "$T/revids.csv"; i=0; while [ $i -lt ${1:-30} ]; do
    echo $((2000000000 + i * 7919)) >> "$T/revids.csv"; i=$((i + 1)); done; }
