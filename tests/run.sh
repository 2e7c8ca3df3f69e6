#!/bin/sh
# Run every unit test binary and every CLI test of one build variant.
# Usage: tests/run.sh BUILD_DIR   (e.g. build/release; the binary is BUILD_DIR/revtrace)
# Unit tests are cmocka binaries (their counts are read from cmocka's summary); CLI tests
# print TAP-like "ok - ..." / "not ok - ..." lines.  Each test file is bounded in time.
# Prints "N passed, N failed" and writes the two numbers to BUILD_DIR/test-summary.
# RT_TESTS='pattern' limits the run to files whose name matches (shell glob).
set -u
B=$1
REVTRACE=$(cd "$(dirname "$B/revtrace")" && pwd)/revtrace
export REVTRACE
pass=0
fail=0
log=$(mktemp)
pattern=${RT_TESTS:-*}
for t in "$B"/tests/*/test_*; do
    [ -x "$t" ] || continue
    case $(basename "$t") in $pattern) ;; *) continue ;; esac
    timeout 300 "$t" >"$log" 2>&1
    rc=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
    p=${p:-0}; f=${f:-0}
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
    pass=$((pass + p)); fail=$((fail + f))
    if [ "$rc" != 0 ]; then
        echo "FAIL $(basename "$t") (exit $rc)"; cat "$log"
    else
        echo "ok   $(basename "$t"): $p passed"
    fi
done
for t in tests/cli/*.sh; do
    [ -f "$t" ] || continue
    case $(basename "$t") in $pattern) ;; *) continue ;; esac
    timeout 600 sh "$t" >"$log" 2>&1
    rc=$?
    p=$(grep -c '^ok ' "$log")
    f=$(grep -c '^not ok ' "$log")
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; echo "not ok - $(basename "$t") exited $rc" >>"$log"; fi
    pass=$((pass + p)); fail=$((fail + f))
    if [ "$f" != 0 ]; then
        echo "FAIL $(basename "$t")"; cat "$log"
    else
        echo "ok   $(basename "$t"): $p passed"
    fi
done
rm -f "$log"
echo "$pass $fail" > "$B/test-summary"
echo "$(basename "$B"): $pass passed, $fail failed"
[ "$fail" = 0 ]
