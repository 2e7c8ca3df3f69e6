#!/bin/sh
# tests/fuzz/build.sh - build the libFuzzer harnesses (`make fuzz`), optionally run them.
#
#   sh tests/fuzz/build.sh            build build/fuzz/fuzz_{trace,answer,sse}
#   sh tests/fuzz/build.sh SECONDS    build, then run each harness for SECONDS
#
# Needs clang with libFuzzer (Debian: apt-get install clang libclang-rt-14-dev); without it
# this says so and exits 0, since the saved corpus is replayed by `make check` anyway
# (tests/unit/core/test_fuzz_corpus.c).  Runs start from the seeds in tests/fuzz/corpus/NAME/ and
# write what they discover to build/fuzz/corpus-NAME/ (never into the repository); a crash is
# saved as build/fuzz/crash-NAME-*: fix it, then copy it into tests/fuzz/corpus/NAME/.
set -eu
cd "$(dirname "$0")/../.."
CLANG=${CLANG:-}
if [ -z "$CLANG" ]; then
    for c in clang clang-16 clang-15 clang-14; do
        if command -v "$c" >/dev/null 2>&1; then CLANG=$c; break; fi
    done
fi
if [ -z "$CLANG" ]; then
    echo "fuzz: clang not found; skipping (apt-get install clang libclang-rt-14-dev)"
    exit 0
fi
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){(void)d;(void)n;return 0;}' |
        "$CLANG" -fsanitize=fuzzer -x c - -o /dev/null 2>/dev/null; then
    echo "fuzz: $CLANG cannot link libFuzzer; skipping (apt-get install libclang-rt-14-dev)"
    exit 0
fi
PKGS="zlib jansson"
FLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I. -g -O1
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -fno-omit-frame-pointer $(pkg-config --cflags $PKGS 2>/dev/null || true)"
LIBS="$(pkg-config --libs $PKGS 2>/dev/null || echo -lz -ljansson) -lcsv -lm"
mkdir -p build/fuzz
echo "  FUZZ    build/fuzz/fuzz_trace"
# shellcheck disable=SC2086
"$CLANG" $FLAGS -o build/fuzz/fuzz_trace tests/fuzz/fuzz_trace.c core/trace.c core/clock.c \
    core/rctrace.c core/sse.c core/recentchange.c core/grow.c $LIBS
echo "  FUZZ    build/fuzz/fuzz_answer"
# shellcheck disable=SC2086
"$CLANG" $FLAGS -o build/fuzz/fuzz_answer tests/fuzz/fuzz_answer.c core/answer.c $LIBS
echo "  FUZZ    build/fuzz/fuzz_sse"
# shellcheck disable=SC2086
"$CLANG" $FLAGS -o build/fuzz/fuzz_sse tests/fuzz/fuzz_sse.c core/sse.c core/recentchange.c \
    core/clock.c $LIBS

if [ $# -ge 1 ]; then
    secs=$1
    for name in trace answer sse; do
        mkdir -p "build/fuzz/corpus-$name"
        dict=""
        [ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
        echo "== fuzz_$name for ${secs}s"
        # shellcheck disable=SC2086
        "build/fuzz/fuzz_$name" -max_total_time="$secs" -max_len=4096 -timeout=10 \
            -rss_limit_mb=2048 -print_final_stats=1 $dict \
            -artifact_prefix="build/fuzz/crash-$name-" \
            "build/fuzz/corpus-$name" "tests/fuzz/corpus/$name"
    done
fi
