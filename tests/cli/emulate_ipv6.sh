#!/bin/sh
# emulate_ipv6.sh - `emulate --listen '[::1]:0'` binds IPv6 loopback (the port file names
# the real port, the start line shows the bracketed URL) and a capture against
# http://[::1]:PORT/ records every request as a 200; a bad listen address is a usage error.
# Skipped (said so) when the machine has no IPv6 loopback.
. tests/lib.sh

RT=$REVTRACE
if ! grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
    echo "ok - skipped: no IPv6 loopback (::1) on this machine"
    finish
fi
"$RT" emulate --listen '[::1]:0' --port-file "$T/port6" >"$T/e6.log" 2>&1 &
PID=$!
RT_PIDS="$RT_PIDS $PID"
check "emulate on [::1]:0 writes its port file" wait_file "$T/port6" 10
P=$(cat "$T/port6")
expect_cmp "the port is a real one" "$P" -gt 0
check "the start line names http://[::1]:PORT" grep -q "listening on http://\[::1\]:$P " "$T/e6.log"
make_revids 10
timeout 30 "$RT" capture "http://[::1]:$P/v1/models/revertrisk-wikidata:predict" \
    --revids "$T/revids.csv" --rate 100/s --requests 20 --db "$T/c.db" --quiet 2>"$T/c.err"
rc=$?
expect_eq "capture against http://[::1]:PORT exits 0" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/# /' "$T/c.err"
expect_eq "20 answers, all 200" "$(sql "$T/c.db" "SELECT count(*) || ',' || sum(status = 200) FROM requests")" "20,20"
kill "$PID"; wait "$PID" 2>/dev/null

"$RT" emulate --listen '::1:0' 2>"$T/bad.err"
expect_eq "an unbracketed IPv6 address is a usage error" "$?" 2
check "... saying to use brackets" grep -q "IPv6 address goes in brackets" "$T/bad.err"
finish
