#!/bin/sh
# make check: every test of the release build, then of the ASan and UBSan builds.
# Ends with one line "N passed, N failed" over all three.
set -u
rc=0
for v in release asan ubsan; do
    echo "== $v build"
    if ! make --no-print-directory VARIANT=$v run-tests; then rc=1; fi
done
p=0; f=0
for v in release asan ubsan; do
    if [ -f build/$v/test-summary ]; then
        set -- $(cat build/$v/test-summary)
        p=$((p + $1)); f=$((f + $2))
    else
        f=$((f + 1))
    fi
done
echo "$p passed, $f failed"
exit $rc
