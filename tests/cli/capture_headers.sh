#!/bin/sh
# capture_headers.sh - the request headers the load sends, seen by the server: revtrace's own
# User-Agent and Content-Type unless a -H line names them (in any case; "Name:" with no value
# sends none, as in curl), never an Expect: 100-continue.
# The server is tests/servers.py headers, which logs each request's header lines.
. tests/lib.sh

RT=$REVTRACE
make_revids 30
python3 tests/servers.py headers "$T/h.port" "$T/h.log" >"$T/h.err" 2>&1 &
RT_PIDS="$RT_PIDS $!"
wait_file "$T/h.port" 10 || { notok "the header-logging server starts: $(cat "$T/h.err")"; finish; }
URL="http://127.0.0.1:$(cat "$T/h.port")/v1/models/revertrisk-wikidata:predict"
VER=$("$RT" --version | awk '{print $2}')

# send NAME [options]: 3 requests; $T/NAME.seen holds the distinct header sets the server
# logged.
send() {
    n=$1; shift
    : > "$T/h.log"
    timeout 60 "$RT" capture "$URL" --revids "$T/revids.csv" --rate 50/s --requests 3 \
        --db "$T/$n.db" --name "$n" --quiet "$@" 2>"$T/$n.err" \
        || notok "$n: capture exits 0: $(cat "$T/$n.err")"
    expect_eq "$n: 3 answered, 3 seen by the server" \
        "$(sql "$T/$n.db" "SELECT count(*) FROM requests WHERE status = 200") $(wc -l < "$T/h.log")" "3 3"
    sed 's/.* | //' "$T/h.log" | sort -u > "$T/$n.seen"
}
seen() { cat "$T/$1.seen"; }

send default
send ua -H 'User-Agent: mine/1'
send ua_low -H 'user-agent: low/2'
send ua_none -H 'User-Agent:'
send ct -H 'Content-Type: application/vnd.test+json'
send ct_low -H 'content-type: text/x-test'

expect_eq "default: revtrace's User-Agent and JSON, no Expect" "$(seen default)" \
    "UA=[revtrace/$VER] CT=[application/json] EXPECT="
expect_eq "-H User-Agent: the user's, once" "$(seen ua)" \
    "UA=[mine/1] CT=[application/json] EXPECT="
expect_eq "-H user-agent (lower case): the user's, once" "$(seen ua_low)" \
    "UA=[low/2] CT=[application/json] EXPECT="
expect_eq "-H 'User-Agent:': none sent" "$(seen ua_none)" \
    "UA= CT=[application/json] EXPECT="
expect_eq "-H Content-Type: the user's, once" "$(seen ct)" \
    "UA=[revtrace/$VER] CT=[application/vnd.test+json] EXPECT="
expect_eq "-H content-type (lower case): the user's, once" "$(seen ct_low)" \
    "UA=[revtrace/$VER] CT=[text/x-test] EXPECT="

# replay sends through the same engine.
: > "$T/h.log"
timeout 60 "$RT" replay "$URL" --from "$T/default.db" --speed 5 --db "$T/rp.db" --quiet \
    2>"$T/rp.err" || notok "replay exits 0: $(cat "$T/rp.err")"
expect_eq "replay: revtrace's User-Agent and JSON" "$(sed 's/.* | //' "$T/h.log" | sort -u)" \
    "UA=[revtrace/$VER] CT=[application/json] EXPECT="
finish
