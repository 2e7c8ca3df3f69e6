#!/bin/sh
# capture.sh - `revtrace capture` against the emulator: one row per scheduled request
# (--requests), the recorded schedule is the constant-rate one to the microsecond, sends never
# precede their schedule, the phases are monotone (dns <= connect <= ttfb <= total), answers
# are parsed, bodies kept on demand, latency includes the emulated delay, the seed fixes the
# schedule and rev IDs, --ramp and --duration end the run, closed-loop users send, and the
# stored config carries every option with secrets redacted, and --quiet lets the send loop
# sleep.
. tests/lib.sh

RT=$REVTRACE
make_revids 30
start_emulator --profile fast

timeout 60 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --rate 200/s --arrivals constant \
    --requests 300 --seed 7 --db "$T/c.db" --name basic --keep-bodies all \
    -H 'Authorization: Bearer s3cr3t' -H 'X-Api-Key: k3y' 2>"$T/c.err"
rc=$?
expect_eq "capture --requests 300 exits 0" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/# /' "$T/c.err"
RUN=$(sql "$T/c.db" "SELECT id FROM runs WHERE name = 'basic'")
expect_eq "300 rows, seq 0..299" \
    "$(sql "$T/c.db" "SELECT count(*), min(seq), max(seq) FROM requests WHERE run_id = $RUN")" \
    "300|0|299"
expect_eq "run is a complete capture with t0 and the offered rate" \
    "$(sql "$T/c.db" "SELECT kind, status, t0_unix_us > 0, offered_rate_per_s, finished_at IS NOT NULL FROM runs WHERE id = $RUN")" \
    "capture|complete|1|200.0|1"
expect_eq "constant arrivals: seq k scheduled at k * 5000 us" \
    "$(sql "$T/c.db" "SELECT count(*) FROM requests WHERE run_id = $RUN AND scheduled_us = seq * 5000")" 300
expect_eq "no send before its scheduled time" \
    "$(sql "$T/c.db" "SELECT count(*) FROM requests WHERE run_id = $RUN AND sent_us < scheduled_us")" 0
expect_eq "every request answered 200 and parsed" \
    "$(sql "$T/c.db" "SELECT count(*) FROM requests WHERE run_id = $RUN AND status = 200 AND error IS NULL AND prediction IN (0, 1) AND p_true BETWEEN 0 AND 1")" 300
expect_eq "phases are monotone: dns <= connect <= ttfb <= total" \
    "$(sql "$T/c.db" "SELECT count(*) FROM requests WHERE run_id = $RUN AND dns_us <= connect_us AND connect_us <= ttfb_us AND ttfb_us <= total_us AND tls_us IS NULL")" 300
expect_eq "rev IDs come from the pool" \
    "$(sql "$T/c.db" "SELECT count(*) FROM requests WHERE run_id = $RUN AND (rev_id - 2000000000) % 7919 = 0 AND rev_id < 2000000000 + 30 * 7919")" 300
expect_eq "--keep-bodies all keeps every answer with its bytes_in" \
    "$(sql "$T/c.db" "SELECT count(*) FROM requests WHERE run_id = $RUN AND body IS NOT NULL AND bytes_in > 0")" 300
expect_eq "connections are reused (keep-alive): far fewer connects than requests" \
    "$(sql "$T/c.db" "SELECT count(DISTINCT connect_us) < 100 OR sum(connect_us > 0) < 30 FROM requests WHERE run_id = $RUN")" 1
CFG=$(sql "$T/c.db" "SELECT config_json FROM runs WHERE id = $RUN")
case $CFG in *s3cr3t*|*k3y*) notok "config_json leaks a secret: $CFG" ;; *) ok "config_json has no secret value" ;; esac
case $CFG in *'Authorization: REDACTED'*) ok "config_json names the redacted header" ;; *) notok "config_json: $CFG" ;; esac
case $CFG in *'"seed":7'*'"requests":300'*|*'"requests":300'*'"seed":7'*) ok "config_json has the workload options" ;; *) notok "config_json: $CFG" ;; esac
grep -q "revtrace analyze --db" "$T/c.err" && ok "summary line points at analyze" || notok "summary: $(cat "$T/c.err")"

# Same seed, same schedule and rev IDs (Poisson, random order); another seed differs.
for s in 1 1 2; do
    timeout 60 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --rate 500/s --requests 200 \
        --seed $s --db "$T/seed.db" --quiet 2>>"$T/seed.err"
done
Q="SELECT group_concat(scheduled_us || ':' || rev_id) FROM (SELECT * FROM requests WHERE run_id = %d ORDER BY seq)"
A=$(sql "$T/seed.db" "$(printf "$Q" 1)"); B=$(sql "$T/seed.db" "$(printf "$Q" 2)"); C=$(sql "$T/seed.db" "$(printf "$Q" 3)")
check "the same --seed gives the same schedule and rev IDs" test -n "$A" -a "$A" = "$B"
check "another --seed gives another schedule" test "$A" != "$C"

# Latency includes the emulated delay; --duration ends the run; service <= latency.
start_emulator --profile fast --delay-median 40ms --delay-p90 60ms --seed 3
timeout 60 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --rate 50/s --arrivals constant \
    --duration 1s --db "$T/d.db" --quiet 2>"$T/d.err"
expect_eq "--duration 1s at 50/s: 50 requests (t = 0 .. 0.98 s)" \
    "$(sql "$T/d.db" "SELECT count(*), max(scheduled_us) FROM requests")" "50|980000"
expect_eq "median latency covers the emulated 40 ms median delay" \
    "$(sql "$T/d.db" "SELECT latency_us >= 30000 FROM latency ORDER BY latency_us LIMIT 1 OFFSET 25")" 1
expect_eq "latency >= service time for every request" \
    "$(sql "$T/d.db" "SELECT count(*) FROM latency WHERE latency_us < service_us")" 0

# A ramp ends with its last stage when no --duration is given.
timeout 60 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --ramp 500ms:100/s,500ms:100/s \
    --arrivals constant --db "$T/ramp.db" --quiet 2>"$T/ramp.err"
rc=$?
expect_eq "--ramp run exits 0" "$rc" 0
# 0 -> 100/s over 0.5 s carries 25 arrivals, then 100/s for 0.5 s carries 50.
expect_eq "--ramp 500ms:100/s,500ms:100/s schedules 75 requests, all before 1 s" \
    "$(sql "$T/ramp.db" "SELECT count(*), max(scheduled_us) < 1000000 FROM requests")" "75|1"

# Closed loop: users send, wait, send again.
timeout 60 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --users 4 --wait 10ms-30ms \
    --spawn-rate 40 --duration 1s --db "$T/u.db" --quiet 2>"$T/u.err"
rc=$?
expect_eq "closed-loop capture exits 0" "$rc" 0
N=$(sql "$T/u.db" "SELECT count(*) FROM requests")
check "4 users over 1 s with 10-30 ms think time send 40+ requests (got $N)" test "${N:-0}" -ge 40
expect_eq "closed loop: no offered rate, first send of user k at k/40 s" \
    "$(sql "$T/u.db" "SELECT (SELECT offered_rate_per_s IS NULL FROM runs), count(*) FROM requests WHERE scheduled_us IN (0, 25000, 50000, 75000)")" \
    "1|4"
expect_eq "closed loop: a user never has two requests out (sent >= scheduled)" \
    "$(sql "$T/u.db" "SELECT count(*) FROM requests WHERE sent_us < scheduled_us OR status != 200")" 0

# Closed loop without think time: the users an epoll batch of answers frees send together
# after the batch (serve_events).  Every request is still recorded whole, answered and
# parsed, and no user ever has two out: at any send at most --users requests are out.
timeout 60 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --users 6 --wait 0s-0s \
    --spawn-rate 1000000 --requests 300 --db "$T/u0.db" --quiet 2>"$T/u0.err"
expect_eq "closed loop, no think time: exits 0" "$?" 0
expect_eq "closed loop, no think time: 300 rows, each a 200 with its phase times and prediction" \
    "$(sql "$T/u0.db" "SELECT count(*), sum(status = 200 AND error IS NULL AND ttfb_us > 0 AND
        total_us >= ttfb_us AND sent_us >= scheduled_us AND prediction IS NOT NULL) FROM requests")" \
    "300|300"
expect_eq "closed loop, no think time: never more than 6 requests out at a send" \
    "$(sql "$T/u0.db" "SELECT max(c) <= 6 FROM (SELECT (SELECT count(*) FROM requests b
        WHERE b.sent_us <= a.sent_us AND b.sent_us + b.total_us > a.sent_us) AS c FROM requests a)")" 1

# Open loop from 1,500 sends/s: after the first pool window the sleeping loop rounds its
# send wakes up to a 1 ms grid (engine.c, coalescing).  Sends go late together, never early,
# and every one is recorded.
timeout 60 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --rate 3000/s --arrivals constant \
    --requests 2400 --db "$T/co.db" --quiet 2>"$T/co.err"
expect_eq "3000/s capture (coalesced wakes) exits 0" "$?" 0
expect_eq "3000/s: 2400 rows answered 200, none sent before its scheduled time" \
    "$(sql "$T/co.db" "SELECT count(*), sum(status = 200), sum(sent_us < scheduled_us) FROM requests")" \
    "2400|2400|0"

# --quiet must let the send loop sleep: without a progress display there is no report
# deadline to wake for.  (It used to keep one: once the first report interval had passed the
# loop never slept again and burned a whole core.  --progress live makes that interval
# 250 ms, so 3 s show it.)  20/s spins about 2 ms before each send: ~4 % of a core; the
# bound, half a core, leaves room for a slow or sanitizer build.
/usr/bin/time -f '%U %S %e' -o "$T/q.time" timeout 60 "$RT" capture "$EMU_URL" \
    --revids "$T/revids.csv" --rate 20/s --arrivals constant --duration 3s --db "$T/q.db" \
    --quiet --progress live 2>"$T/q.err"
expect_eq "--quiet --progress live capture exits 0" "$?" 0
CPU=$(awk '{ printf "%d", ($1 + $2) * 100 / ($3 > 0 ? $3 : 1) }' "$T/q.time")
check "--quiet: the send loop sleeps between sends (CPU ${CPU}% of a core over 3 s, < 50%)" \
    test "${CPU:-100}" -lt 50

# Sleep by default, spin by choice: at 200/s the default --timing sleep sleeps until each send
# (a few % of a core; it used to busy-poll 2 ms before every send: 40 % and more), and
# --timing precise is that old behaviour, recorded in the run's config.
/usr/bin/time -f '%U %S %e' -o "$T/s.time" timeout 60 "$RT" capture "$EMU_URL" \
    --revids "$T/revids.csv" --rate 200/s --arrivals constant --duration 3s --db "$T/s.db" \
    --quiet 2>"$T/s.err"
expect_eq "200/s for 3 s, default timing: exit 0, 600 answers" \
    "$?|$(sql "$T/s.db" "SELECT count(*) FROM requests WHERE status = 200")" "0|600"
CPU=$(awk '{ printf "%d", ($1 + $2) * 100 / ($3 > 0 ? $3 : 1) }' "$T/s.time")
check "--timing sleep (default) sleeps between sends (CPU ${CPU}% of a core at 200/s, < 20%)" \
    test "${CPU:-100}" -lt 20
timeout 60 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --rate 200/s --requests 20 \
    --timing precise --db "$T/s.db" --name precise --quiet 2>"$T/p.err"
expect_eq "--timing precise: exit 0, recorded in config_json" \
    "$?|$(sql "$T/s.db" "SELECT json_extract(config_json, '\$.timing') FROM runs WHERE name = 'precise'")|$(sql "$T/s.db" "SELECT json_extract(config_json, '\$.timing') FROM runs WHERE name != 'precise'")" \
    "0|precise|sleep"
timeout 10 "$RT" capture "$EMU_URL" --revids "$T/revids.csv" --rate 1/s --timing exact \
    --db "$T/bad.db" 2>/dev/null
expect_eq "--timing exact: exit 2" "$?" 2

# The run's own cost (schema 4): runs.client_cpu_us is the process's CPU while it sent and
# stored, so no more than /usr/bin/time's total for the whole process (10 ms resolution),
# and most of it (set-up and trace loading are the rest); analyze shows it in every format.
CCPU=$(sql "$T/s.db" "SELECT client_cpu_us FROM runs WHERE name != 'precise'")
TOTAL=$(awk '{ printf "%d", ($1 + $2) * 1000000 }' "$T/s.time")
check "runs.client_cpu_us ($CCPU us) is within the process's CPU ($TOTAL us, +20 ms) and over a quarter of it" \
    test "${CCPU:-0}" -gt 0 -a "${CCPU:-0}" -le $((TOTAL + 20000)) -a $((CCPU * 4)) -ge "$TOTAL"
NAME=$(sql "$T/s.db" "SELECT name FROM runs WHERE name != 'precise'")
"$RT" analyze --db "$T/s.db" "$NAME" >"$T/cost.txt" 2>&1
grep -q "^  client CPU $(awk -v c="$CCPU" 'BEGIN { printf "%.2f", c / 1e6 }') s = [0-9.]* % of a core, [0-9.]* ms per request sent" "$T/cost.txt" \
    && ok "analyze (text) shows the client CPU" || notok "analyze text: $(grep -i cpu "$T/cost.txt")"
expect_eq "analyze --format json: client_cpu_us" \
    "$("$RT" analyze --db "$T/s.db" "$NAME" --format json | python3 -c 'import json, sys; print(json.load(sys.stdin)["runs"][0]["client_cpu_us"])')" "$CCPU"
"$RT" analyze --db "$T/s.db" "$NAME" --format remarkup >"$T/cost.rm" 2>&1
grep -q "^| load generator | loop stall [0-9.]* ms at most; CPU [0-9.]* s = " "$T/cost.rm" \
    && ok "analyze (remarkup) has the load generator's own cost" || notok "remarkup: $(grep -i 'load gen' "$T/cost.rm")"
finish
