#!/bin/sh
# proxy.sh - capture --listen, the recording proxy: its answers are the upstream's, byte for
# byte (status, headers but Date, body); its rows (count, seq order, rev_ids, kind proxy,
# statuses, a request without rev_id kept); replay --from skips that row and says so;
# --deadline answers 504 and records 'deadline'; past --max-inflight 503 and 'overload';
# --max-body both ways (413 'request_too_large', 502 'too_large'); --requests ends it
# complete (exit 0); SIGTERM ends it interrupted (143) with the finished rows kept; the
# client's headers reach the upstream (hop-by-hop ones do not) and are never stored.
. tests/lib.sh

RT=$REVTRACE
PRED=/v1/models/revertrisk-wikidata:predict

# start_proxy NAME UPSTREAM [capture options...]: sets PX_PID, PX_BASE; stderr in $T/NAME.err.
start_proxy() {
    name=$1 up=$2; shift 2
    timeout --foreground 60 "$RT" capture "$up" --listen 127.0.0.1:0 --port-file "$T/$name.port" \
        --db "$T/$name.db" --progress plain "$@" 2>"$T/$name.err" &
    PX_PID=$!
    RT_PIDS="$RT_PIDS $PX_PID"
    if ! wait_file "$T/$name.port" 10; then
        sed 's/^/# /' "$T/$name.err"; notok "$name: the proxy starts"; finish
    fi
    PX_BASE="http://127.0.0.1:$(cat "$T/$name.port")"
}

# fetch OUT URL [curl options...]: the answer's status line, headers (but Date) and body.
fetch() {
    out=$1; shift
    curl -s -m 20 -D "$out.h" -o "$out.b" "$@"
    grep -vi '^date:' "$out.h" > "$out.hd"
    cat "$out.hd" "$out.b" > "$out" 2>/dev/null
}

# expect_exit DESC WANT: the proxy's exit status (bounded by start_proxy's timeout).
expect_exit() { wait "$PX_PID"; expect_eq "$1" "$?" "$2"; }

# ---- answers byte-identical, rows, --requests, replay ----
start_emulator --profile fast
start_proxy main "$EMU_URL" --requests 5 --keep-bodies none
fetch "$T/d1" "$EMU_BASE$PRED" -d '{"rev_id": 123}'
fetch "$T/p1" "$PX_BASE$PRED" -d '{"rev_id": 123}'
check "a prediction through the proxy is the upstream's answer, byte for byte" cmp -s "$T/d1" "$T/p1"
fetch "$T/d2" "$EMU_BASE/v1/models/revertrisk-wikidata"
fetch "$T/p2" "$PX_BASE/v1/models/revertrisk-wikidata"
check "a readiness GET through the proxy is the upstream's answer" cmp -s "$T/d2" "$T/p2"
fetch "$T/d3" "$EMU_BASE$PRED" -d '{"rev_id": "x"}'
fetch "$T/p3" "$PX_BASE$PRED" -d '{"rev_id": "x"}'
check "a 400 through the proxy is the upstream's answer" cmp -s "$T/d3" "$T/p3"
expect_eq "the 400 keeps its status" "$(head -1 "$T/p3.h" | cut -d' ' -f2)" 400
fetch "$T/p4" "$PX_BASE$PRED" -d '{"rev_id": 456}'
fetch "$T/p5" "$PX_BASE$PRED" -d '{"rev_id": 789}'
expect_exit "--requests 5: exit 0" 0
expect_eq "the 5th (last) answer reached its client before the proxy ended" \
    "$(head -1 "$T/p5.h" | cut -d' ' -f2) $(grep -c '"revision_id":789' "$T/p5.b")" "200 1"
fetch "$T/p6" "$PX_BASE$PRED" -d '{"rev_id": 1}'
expect_eq "after the run, nothing answers" "$(head -c 1 "$T/p6.h" | wc -c)" 0
DB=$T/main.db
expect_eq "the run: kind proxy, complete, target the upstream" \
    "$(sql "$DB" "SELECT kind, status, target FROM runs")" "proxy|complete|$EMU_URL"
expect_eq "the rows: seq in arrival order, rev_ids from the bodies (0: none), statuses" \
    "$(sql "$DB" "SELECT group_concat(seq || ':' || rev_id || ':' || status || ':' || coalesce(error, '-'), ' ') FROM (SELECT * FROM requests ORDER BY seq)")" \
    "0:123:200:- 1:0:200:- 2:0:400:- 3:456:200:- 4:789:200:-"
expect_eq "arrival and forwarding times: scheduled <= sent, increasing" \
    "$(sql "$DB" "SELECT count(*) FROM requests a JOIN requests b ON b.seq = a.seq + 1 WHERE a.scheduled_us <= a.sent_us AND a.scheduled_us <= b.scheduled_us AND a.total_us > 0")" 4
expect_eq "the predictions are parsed" \
    "$(sql "$DB" "SELECT count(*) FROM requests WHERE prediction IS NOT NULL AND p_true BETWEEN 0 AND 1")" 3
grep -q "listening on http://127.0.0.1:[0-9]*, forwarding to $EMU_BASE" "$T/main.err" \
    && ok "the start line names the address and the upstream" || notok "start line: $(head -2 "$T/main.err")"

timeout 60 "$RT" replay --from "$DB" --speed 4 "$EMU_URL" --db "$T/replay.db" 2>"$T/replay.err"
expect_eq "replay of the proxy run: exit 0" "$?" 0
grep -q "2 requests of .* carry no rev_id .*skipped" "$T/replay.err" \
    && ok "replay says how many rows it skipped" || notok "replay: $(cat "$T/replay.err")"
expect_eq "replay sends the rows with a rev_id, in order" \
    "$(sql "$T/replay.db" "SELECT group_concat(rev_id, ' ') FROM (SELECT rev_id FROM requests ORDER BY seq)")" \
    "123 456 789"
stop_emulator

# ---- --deadline and --max-inflight: one stalled request in flight, a second refused ----
start_emulator --profile fast --stall-ratio 1 --stall-time 60s
start_proxy cap "$EMU_URL" --requests 2 --deadline 1500ms --max-inflight 1
curl -s -m 20 -o /dev/null -w '%{http_code}\n' "$PX_BASE$PRED" -d '{"rev_id": 11}' >"$T/c1" &
c1=$!
curl -s -m 20 -o /dev/null -w '%{http_code}\n' "$PX_BASE$PRED" -d '{"rev_id": 12}' >"$T/c2" &
c2=$!
wait $c1 $c2
expect_eq "the clients got one 504 (deadline) and one 503 (over --max-inflight)" \
    "$(sort "$T/c1" "$T/c2" | tr '\n' ' ')" "503 504 "
expect_exit "--requests 2: exit 0" 0
expect_eq "rows: 'deadline' (sent) and 'overload' (never sent)" \
    "$(sql "$T/cap.db" "SELECT group_concat(error || ':' || (sent_us IS NOT NULL), ' ') FROM (SELECT error, sent_us FROM requests ORDER BY error)")" \
    "deadline:1 overload:0"
stop_emulator

# ---- --max-body both ways ----
start_emulator --profile fast --huge-ratio 1 --huge-size 64k
start_proxy big "$EMU_URL" --requests 2 --max-body 4k
fetch "$T/b1" "$PX_BASE$PRED" -d '{"rev_id": 5}'
head -c 5000 /dev/zero | tr '\0' ' ' >"$T/bigbody"
fetch "$T/b2" "$PX_BASE$PRED" --data-binary @"$T/bigbody"
expect_eq "an answer over --max-body: 502" "$(head -1 "$T/b1.h" | cut -d' ' -f2)" 502
expect_eq "a request body over --max-body: 413" "$(head -1 "$T/b2.h" | cut -d' ' -f2)" 413
expect_exit "--requests 2: exit 0" 0
expect_eq "rows: 'too_large' and 'request_too_large'" \
    "$(sql "$T/big.db" "SELECT group_concat(error, ' ') FROM (SELECT error FROM requests ORDER BY seq)")" \
    "too_large request_too_large"
stop_emulator

# ---- headers: through to the upstream (a server that logs what it gets), never stored ----
cat >"$T/echo.py" <<'EOF'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        with open(sys.argv[2], "a") as f:
            f.write("%s %s\n" % (self.command, self.path))
            for k, v in self.headers.items():
                f.write("%s: %s\n" % (k, v))
            f.write("body: %s\n" % body.decode())
        out = b'{"ok": true}'
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Upstream", "echo")
        self.send_header("X-Big", "b" * 10000)
        self.send_header("Connection", "X-Gone, x-gone-too")
        self.send_header("X-Gone", "1")
        self.send_header("X-Gone-Too", "2")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)
    do_GET = do_POST = do_PUT = do_HEAD = do_any
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write("%d\n" % s.server_address[1])
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
EOF
python3 "$T/echo.py" "$T/echo.port" "$T/echo.log" &
RT_PIDS="$RT_PIDS $!"
wait_file "$T/echo.port" 10 || { notok "the echo server starts"; finish; }
ECHO="http://127.0.0.1:$(cat "$T/echo.port")"
start_proxy hdr "$ECHO/ignored/path" --host upstream.example
fetch "$T/h1" "$PX_BASE/a/b%2Fc?x=1&token=s3cr3t-q" -X PUT -H 'Authorization: Bearer s3cr3t-auth' \
    -H 'Connection: X-Hop' -H 'X-Hop: gone' -H 'X-Keep: kept' -d '{"rev_id": 42}'
L=$T/echo.log
grep -qx 'PUT /a/b%2Fc?x=1&token=s3cr3t-q' "$L" && ok "method, path and query reach the upstream as sent" \
    || notok "request line: $(head -1 "$L")"
grep -qx 'Authorization: Bearer s3cr3t-auth' "$L" && ok "Authorization reaches the upstream" \
    || notok "no Authorization upstream: $(cat "$L")"
grep -qx 'X-Keep: kept' "$L" && ok "an end-to-end header reaches the upstream" || notok "X-Keep: $(cat "$L")"
grep -qi '^x-hop:' "$L" && notok "a header named in Connection was forwarded" || ok "headers named in Connection are dropped"
grep -qx 'Host: upstream.example' "$L" && ok "Host is --host" || notok "Host: $(grep -i '^host' "$L")"
grep -qx 'body: {"rev_id": 42}' "$L" && ok "the body reaches the upstream" || notok "body: $(grep body "$L")"
expect_eq "the upstream's status and header come back" \
    "$(head -1 "$T/h1.h" | cut -d' ' -f2) $(grep -i '^x-upstream' "$T/h1.h" | tr -d '\r')" "201 X-Upstream: echo"
# An answer header longer than 8 KiB comes back whole (it was dropped: fixed-size buffers).
expect_eq "a 10,000-byte answer header comes back whole" \
    "$(grep -c '^X-Big: b\{10000\}.$' "$T/h1.h")" 1
expect_eq "answer headers the upstream's Connection names are not passed on" \
    "$(grep -ci '^x-gone' "$T/h1.h")" 0
# HEAD: the upstream's Content-Length, the size a GET would have (it was MHD's 0), no body.
# (A raw exchange with Connection: close: any byte after the header block is a body.)
timeout 20 python3 - "$(cat "$T/hdr.port")" >"$T/h2.out" 2>&1 <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"HEAD /head HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
got = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    got += b
head, _, body = got.partition(b"\r\n\r\n")
lines = head.decode().split("\r\n")
cl = [l for l in lines if l.lower().startswith("content-length:")]
print(lines[0].split()[1], "|".join(cl), len(body))
PY
expect_eq "HEAD: the upstream's status and Content-Length (once), no body" \
    "$(cat "$T/h2.out")" "201 Content-Length: 12 0"
fetch "$T/h3" "$PX_BASE/ready"
n=500; while [ $n -gt 0 ] && [ "$(sql "$T/hdr.db" "SELECT count(*) FROM requests" 2>/dev/null)" != 3 ]; do
    sleep 0.02; n=$((n - 1)); done

# ---- SIGTERM: interrupted, exit 143, the finished rows kept ----
kill -TERM $PX_PID
expect_exit "SIGTERM: exit 143" 143
expect_eq "SIGTERM: the run is interrupted with the three finished rows" \
    "$(sql "$T/hdr.db" "SELECT status FROM runs"), $(sql "$T/hdr.db" "SELECT group_concat(rev_id || ':' || status, ' ') FROM (SELECT * FROM requests ORDER BY seq)")" \
    "interrupted, 42:201 0:201 0:201"
if sqlite3 "$T/hdr.db" .dump | grep -q 's3cr3t'; then
    notok "a secret of the client's request is in the database"
else
    ok "neither the client's Authorization nor its query is stored"
fi
grep -q 's3cr3t' "$T/hdr.err" && notok "a secret was printed" || ok "no secret printed"

# ---- usage: the proxy takes no workload options; IPv6 listen where the machine has ::1 ----
"$RT" capture "$ECHO" --listen 127.0.0.1:0 --revids /dev/null --db "$T/u.db" 2>"$T/u.err"
expect_eq "--listen with --revids: usage error (exit 2), no database" "$? $(test -e "$T/u.db" && echo db)" "2 "
if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
    timeout --foreground 60 "$RT" capture "$ECHO" --listen '[::1]:0' --port-file "$T/v6.port" \
        --db "$T/v6b.db" --requests 1 --quiet 2>"$T/v6b.err" &
    v6=$!
    RT_PIDS="$RT_PIDS $v6"
    wait_file "$T/v6.port" 10
    fetch "$T/v6" "http://[::1]:$(cat "$T/v6.port")/x" -d '{"rev_id": 9}'
    expect_eq "a proxy on [::1] forwards" "$(head -1 "$T/v6.h" | cut -d' ' -f2)" 201
    wait $v6
    expect_eq "... and records (exit 0, rev_id 9)" "$? $(sql "$T/v6b.db" "SELECT rev_id FROM requests")" "0 9"
else
    ok "skipped: no IPv6 loopback (::1) on this machine"
fi
finish
