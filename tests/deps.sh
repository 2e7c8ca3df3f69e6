#!/bin/sh
# make deps: install the Debian packages revtrace needs, only the missing ones, saying so.
# `deps.sh bench` (make bench) adds what the benchmark runs beside revtrace: the nginx stub,
# wrk and h2load; the tests need none of them.  Set RT_NO_INSTALL=1 to only check.
set -eu
need="gcc make pkg-config libcurl4-openssl-dev libsqlite3-dev zlib1g-dev libcsv-dev \
libmicrohttpd-dev libcmocka-dev libjansson-dev sqlite3 curl time python3 openssl \
groff-base man-db bash"
if [ "${1:-}" = bench ]; then
    need="$need nginx-light wrk nghttp2-client"
fi
missing=""
for p in $need; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
if [ -z "$missing" ]; then
    echo "deps: all build and test packages present"
    exit 0
fi
echo "deps: missing Debian packages:$missing"
if [ "${RT_NO_INSTALL:-0}" = 1 ]; then
    echo "deps: RT_NO_INSTALL=1, not installing; run: apt-get install$missing" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "deps: not root and no sudo; install them with: apt-get install$missing" >&2
        exit 1
    fi
fi
echo "deps: running apt-get update and apt-get install -y$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
echo "deps: installed$missing"
