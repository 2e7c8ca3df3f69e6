#!/bin/sh
# emulate.sh - revtrace emulate: paths, validation, determinism, --describe, faults, port file.
. tests/lib.sh

post() { # post URL BODY -> "STATUS" on stdout, body in $T/body
    curl -s -m 10 -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        -d "$2" "$1"
}
# statuses URL N -> one status per line for N sequential requests (rev IDs 1..N)
statuses() {
    i=1
    while [ $i -le "$2" ]; do
        curl -s -m 10 -o /dev/null -w '%{http_code}\n' -X POST -d "{\"rev_id\": $i}" "$1"
        i=$((i + 1))
    done
}

# ---- basics on the fast profile
start_emulator
expect_cmp "port file holds a decimal port" "$(grep -c '^[0-9][0-9]*$' "$T"/port.*)" = 1
check "start-up line names the URL and profile" \
    grep -q "listening on http://127.0.0.1:$EMU_PORT (profile fast)" "$T/emulate.log"

expect_eq "predict answers 200" "$(post "$EMU_URL" '{"rev_id": 12345}')" 200
check "answer has the KServe shape" python3 -c '
import json,sys; a=json.load(open(sys.argv[1]))
assert a["model_name"]=="revertrisk-wikidata" and a["revision_id"]==12345
p=a["output"]["probabilities"]; assert abs(p["true"]+p["false"]-1)<1e-9
assert a["output"]["prediction"]==(p["true"]>0.5) and "model_version" in a' "$T/body"
cp "$T/body" "$T/first"
post "$EMU_URL" '{"rev_id": 12345}' >/dev/null
check "same rev ID, same answer" cmp -s "$T/body" "$T/first"
post "$EMU_URL" '{"rev_id": 12346}' >/dev/null
check "another rev ID, another answer" sh -c "! cmp -s '$T/body' '$T/first'"
ctype=$(curl -s -m 10 -o /dev/null -w '%{content_type}' -X POST -d '{"rev_id": 1}' "$EMU_URL")
expect_eq "content type is JSON" "$ctype" application/json

expect_eq "readiness 200" "$(curl -s -m 10 -o "$T/body" -w '%{http_code}' \
    "$EMU_BASE/v1/models/revertrisk-wikidata")" 200
check "readiness body" grep -q '"ready":true' "$T/body"
expect_eq "unknown path 404" "$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$EMU_BASE/x")" 404
expect_eq "unknown verb 404" "$(post "$EMU_BASE/v1/models/m:explain" '{"rev_id": 1}')" 404
expect_eq "GET on :predict 405" "$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$EMU_URL")" 405
expect_eq "POST on readiness 405" "$(post "$EMU_BASE/v1/models/m" '{"rev_id": 1}')" 405

for case in 'malformed JSON|{"rev_id": ' 'missing rev_id|{"x": 1}' 'string rev_id|{"rev_id": "5"}' \
            'fractional rev_id|{"rev_id": 1.5}' 'zero rev_id|{"rev_id": 0}' \
            'negative rev_id|{"rev_id": -3}' 'array body|[1,2]' 'empty body|'; do
    desc=${case%%|*}; body=${case#*|}
    st=$(post "$EMU_URL" "$body")
    if [ "$st" = 400 ] && python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["error"]' \
        "$T/body" 2>/dev/null; then ok "400 with a JSON error: $desc"
    else notok "400 with a JSON error: $desc (got $st: $(cat "$T/body"))"; fi
done
kill -TERM "$EMU_PID"; wait "$EMU_PID"; expect_eq "SIGTERM stops it with status 0" $? 0

# a second instance answers the same rev ID identically
start_emulator --seed 99
post "$EMU_URL" '{"rev_id": 12345}' >/dev/null
check "answers do not depend on the instance or seed" cmp -s "$T/body" "$T/first"
stop_emulator

# ---- options and --describe
for p in staging prod; do
    "$REVTRACE" emulate --profile $p --describe >"$T/d.$p" 2>&1
    check "--describe $p lists fitted parameters" grep -q 'cpu_mean.*14.6' "$T/d.$p"
done
check "--describe prod shows the autoscaler" grep -q 'target_concurrency *3.0' "$T/d.prod"
"$REVTRACE" emulate --profile nope >/dev/null 2>&1; expect_eq "bad profile exits 2" $? 2
"$REVTRACE" emulate --error-ratio 503 >/dev/null 2>&1; expect_eq "bad --error-ratio exits 2" $? 2
"$REVTRACE" emulate --profile prod --delay-median 1s >/dev/null 2>&1
expect_eq "--delay-median with prod exits 2" $? 2
"$REVTRACE" emulate --listen nowhere >/dev/null 2>&1; expect_eq "bad --listen exits 2" $? 2
"$REVTRACE" emulate --help | grep -q -- '--rate-limit'; expect_eq "--help lists options" $? 0

# ---- faults: the same seed gives the same statuses
start_emulator --seed 7 --error-ratio 503:0.2 --error-ratio 500:0.1
statuses "$EMU_URL" 60 | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ' >"$T/run1"
stop_emulator
start_emulator --seed 7 --error-ratio 503:0.2 --error-ratio 500:0.1
statuses "$EMU_URL" 60 | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ' >"$T/run2"
stop_emulator
expect_eq "error ratios are deterministic with --seed" "$(cat "$T/run2")" "$(cat "$T/run1")"
n503=$(tr ' ' '\n' <"$T/run1" | sed -n 's/^503=//p'); n500=$(tr ' ' '\n' <"$T/run1" | sed -n 's/^500=//p')
expect_cmp "about 20% 503 (got ${n503:-0}/60)" "${n503:-0}" -ge 4 -a "${n503:-0}" -le 24
expect_cmp "about 10% 500 (got ${n500:-0}/60)" "${n500:-0}" -ge 1 -a "${n500:-0}" -le 15

start_emulator --seed 3 --reset-ratio 0.5
statuses "$EMU_URL" 40 | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ' >"$T/r1"
stop_emulator
start_emulator --seed 3 --reset-ratio 0.5
statuses "$EMU_URL" 40 | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ' >"$T/r2"
stop_emulator
expect_eq "resets are deterministic with --seed" "$(cat "$T/r2")" "$(cat "$T/r1")"
check "resets give no HTTP answer (status 000)" grep -q '000=' "$T/r1"

start_emulator --stall-ratio 1 --stall-time 300ms
st=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST -d '{"rev_id": 1}' "$EMU_URL"); rc=$?
expect_eq "a stalled request is closed without an answer" "$st/$rc" "000/52"
stop_emulator

start_emulator --rate-limit 60/h --rate-burst 3
statuses "$EMU_URL" 5 | tr '\n' ' ' >"$T/rl"
expect_eq "token bucket: burst of 3, then 429" "$(cat "$T/rl")" "200 200 200 429 429 "
curl -s -m 10 -D "$T/h" -o "$T/body" -X POST -d '{"rev_id": 1}' "$EMU_URL" >/dev/null
ra=$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\).*/\1/p' "$T/h")
expect_cmp "429 carries Retry-After in seconds (got '$ra')" "${ra:-0}" -ge 1 -a "${ra:-0}" -le 60
stop_emulator

start_emulator --huge-ratio 1 --huge-size 2M --max-body 64
sz=$(curl -s -m 20 -o "$T/huge" -w '%{size_download}' -X POST -d '{"rev_id": 1}' "$EMU_URL")
expect_eq "huge answer has the requested size" "$sz" 2097152
check "huge answer is still valid JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/huge"
big=$(printf '{"rev_id": 1, "pad": "%080d"}' 0)
expect_eq "body over --max-body gives 413" "$(post "$EMU_URL" "$big")" 413
stop_emulator

# ---- delays: answers still arrive, with the delay (no timing assertion beyond "later")
start_emulator --delay-median 20ms --delay-p90 40ms --seed 1
expect_eq "delayed answer 200" "$(post "$EMU_URL" '{"rev_id": 9}')" 200
check "delayed answer equals the fast one" sh -c "grep -q '\"revision_id\":9' '$T/body'"
stop_emulator
start_emulator --profile staging
t=$(curl -s -m 20 -o /dev/null -w '%{http_code} %{time_total}' -X POST -d '{"rev_id": 9}' "$EMU_URL")
expect_cmp "staging answers after the upstream wait (got $t)" \
    "$(echo "$t" | awk '{print ($1 == 200 && $2 >= 0.3) ? 1 : 0}')" = 1
stop_emulator
# ---- --threads 1 under many simultaneous keep-alive connections.  With libmicrohttpd's
# internal epoll thread, 256 requests that become ready at once (two full batches of 128)
# stalled until the client gave up.  The emulator is stopped (SIGSTOP) while every
# connection sends, so all requests are ready when it continues: deterministic, no timing.
cat >"$T/burst.py" <<'PY'
import os, signal, socket, sys
pid, port, conns, rounds = (int(a) for a in sys.argv[1:5])
req = (b"POST /v1/models/revertrisk-wikidata:predict HTTP/1.1\r\nHost: 127.0.0.1\r\n"
       b"Content-Length: 13\r\n\r\n{\"rev_id\": 7}")
def status(s):
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            return "closed"
        buf += d
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    n = int([l.split(b":")[1] for l in lines if l.lower().startswith(b"content-length:")][0])
    while len(body) < n:
        d = s.recv(4096)
        if not d:
            return "closed"
        body += d
    return lines[0].split()[1].decode()
socks = [socket.create_connection(("127.0.0.1", port), timeout=8) for _ in range(conns)]
got = {}
try:
    for r in range(rounds):
        if r:
            os.kill(pid, signal.SIGSTOP)
        for s in socks:
            s.sendall(req)
        if r:
            os.kill(pid, signal.SIGCONT)
        for s in socks:
            st = status(s)
            got[st] = got.get(st, 0) + 1
except OSError as e:
    got[type(e).__name__] = 1
    os.kill(pid, signal.SIGCONT)
print(" ".join("%s=%d" % kv for kv in sorted(got.items())))
PY
start_emulator --threads 1
expect_eq "--threads 1: 256 connections x 3 simultaneous rounds all answer 200" \
    "$(timeout 30 python3 "$T/burst.py" "$EMU_PID" "$EMU_PORT" 256 3)" "200=768"
stop_emulator
start_emulator --threads 1 --delay-median 20ms --delay-p90 40ms
expect_eq "--threads 1 with delays: 300 waiting connections x 2 rounds all answer 200" \
    "$(timeout 30 python3 "$T/burst.py" "$EMU_PID" "$EMU_PORT" 300 2)" "200=600"
stop_emulator
start_emulator
expect_eq "default pool: 256 connections x 3 simultaneous rounds all answer 200" \
    "$(timeout 30 python3 "$T/burst.py" "$EMU_PID" "$EMU_PORT" 256 3)" "200=768"
stop_emulator
finish
