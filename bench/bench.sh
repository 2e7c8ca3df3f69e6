#!/bin/sh
# make bench: revtrace's cost and speed against stubs in the same run, beside wrk and h2load,
# printed as one table.  Asserts nothing timed (speed is reported, not tested); exits non-zero
# only when a step could not run at all.
#
# The stubs, both on 127.0.0.1 and started here: nginx (nginx-light, one worker, keep-alive,
# the predict POST answered at once with a fixed LiftWing-like JSON), the neutral reference
# every tool is measured against; and `revtrace emulate --profile fast` beside it for the
# rows that show the emulator.  Every figure of a table row comes from this run, so ratios
# are fair even on a busy machine; the load average before and after is printed with them.
#
# Environment:
#   REVTRACE_BASELINE=/path/to/old/revtrace   also run an older binary, same steps, its own
#                                             column (a before/after table in one run)
#   BENCH_QUICK=1                             3 s steps instead of 10 s (rougher figures)
#   BENCH_REPS=N                              rounds of the noisiest rows (closed loop,
#                                             2,000/s, 20,000/s), default 3; the table gives
#                                             medians
#   BENCH_LONG=1                              add the emulator-only rows (1,000/s accuracy
#                                             for 60 s, 1M-request memory, analyze speed)
#
# What the rows mean:
#   CPU us/req     user+system CPU of the whole process (/usr/bin/time) / requests recorded
#   CPU % core     the same over the wall time of the run
#   lag p99        send lag: actual send - scheduled send (revtrace's own scheduling error)
#   service p99    from the send to the end of the answer (the server's time, as recorded)
#   h2load p99     from h2load --log-file (its per-request time) at the same rate; h2load
#                  --rps paces each of its connections, so its sends cluster
#   kept up        every request recorded with a 200 and achieved >= 99 % of the offered rate
set -eu
cd "$(dirname "$0")/.."
RT=$(pwd)/revtrace
BASE=${REVTRACE_BASELINE:-}
OUT=$(pwd)/bench-out
rm -rf "$OUT"
mkdir -p "$OUT"
Q=${BENCH_QUICK:-0}
if [ "$Q" = 1 ]; then STEP=3; SLOW_STEP=6; else STEP=10; SLOW_STEP=20; fi
REPS=${BENCH_REPS:-3}
REVIDS=$(pwd)/data/revids.csv
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM
have() { command -v "$1" >/dev/null 2>&1; }
BINS="new"
[ -n "$BASE" ] && BINS="new base"
bin() { if [ "$1" = base ]; then echo "$BASE"; else echo "$RT"; fi; }

# ---- the stubs ----------------------------------------------------------------------------
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "bench: nginx not found (make bench installs nginx-light)" >&2; exit 1; }
NG="$OUT/nginx"; mkdir -p "$NG/logs"
NPORT=$(free_port)
cat >"$NG/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $NG/nginx.pid;
error_log $NG/logs/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    client_body_temp_path $NG/body;
    proxy_temp_path $NG/proxy; fastcgi_temp_path $NG/fcgi;
    uwsgi_temp_path $NG/uwsgi; scgi_temp_path $NG/scgi;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
    server {
        listen 127.0.0.1:$NPORT backlog=4096;
        location / {
            default_type application/json;
            return 200 '{"model_name":"revertrisk-wikidata","model_version":"1","wiki_db":"wikidatawiki","revision_id":2000000001,"output":{"prediction":false,"probabilities":{"true":0.12,"false":0.88}}}';
        }
    }
}
EOF
"$NGINX" -c "$NG/nginx.conf" -p "$NG" -e "$NG/logs/error.log" >"$NG/logs/stdout" 2>&1 &
PIDS="$PIDS $!"
"$RT" emulate --listen 127.0.0.1:0 --port-file "$OUT/emu.port" --profile fast -q \
    >"$OUT/emulate.log" 2>&1 &
PIDS="$PIDS $!"
n=500
while { [ ! -s "$OUT/emu.port" ] || ! python3 -c "import socket; socket.create_connection(('127.0.0.1', $NPORT), 1)" 2>/dev/null; } && [ $n -gt 0 ]; do
    sleep 0.02; n=$((n - 1))
done
[ $n -gt 0 ] || { echo "bench: a stub did not start" >&2; cat "$NG/logs/error.log" >&2; exit 1; }
PATHQ=/v1/models/revertrisk-wikidata:predict
NURL="http://127.0.0.1:$NPORT$PATHQ"
EURL="http://127.0.0.1:$(cat "$OUT/emu.port")$PATHQ"
printf '{"rev_id": 2000000001}' >"$OUT/body.json"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: nginx on port $NPORT, emulator on $(cat "$OUT/emu.port"); $(nproc) CPUs; load $LOAD0; $(date -u +%FT%TZ)"
echo "bench: revtrace $("$RT" --version 2>/dev/null || echo "$RT")${BASE:+, baseline $BASE}; steps of ${STEP}s"

# ---- measuring ----------------------------------------------------------------------------
# Nearest-rank percentile of a latency-view column: pct DB EXPR P
pct() {
    sqlite3 -batch -noheader "$1" "WITH v AS (SELECT $2 AS x FROM latency WHERE x IS NOT NULL),
      c AS (SELECT count(*) AS n FROM v)
      SELECT x FROM v ORDER BY x LIMIT 1 OFFSET (SELECT max(0, CAST(((n * $3 + 99) / 100) AS INT) - 1) FROM c);"
}
# cpu TIMEFILE N -> "us_per_req pct_of_core" (from /usr/bin/time -f '%U %S %e')
cpu() { awk -v n="$2" '{ c = $1 + $2; u = n > 0 ? c * 1e6 / n : 0; p = $3 > 0 ? c * 100 / $3 : 0
                         printf "%.1f %.1f", u, p }' "$1"; }

# rt WHICH NAME URL ARGS... : one capture run (--quiet unless QUIET says otherwise); sets R_N
# R_OK R_ACH R_LAG99 R_SVC99 R_CPU R_PCT
rt() {
    which=$1 name=$2 url=$3; shift 3
    db="$OUT/$name-$which.db"
    R_N=0 R_OK=0 R_ACH=0 R_LAG99=- R_SVC99=- R_CPU=- R_PCT=-
    if /usr/bin/time -f '%U %S %e' -o "$OUT/$name-$which.time" "$(bin "$which")" capture "$url" \
        --revids "$REVIDS" --db "$db" ${QUIET:---quiet} "$@" 2>"$OUT/$name-$which.err"; then :; else
        echo "bench: $name ($which) failed: $(tail -n 1 "$OUT/$name-$which.err")" >&2
    fi
    [ -s "$db" ] || return 0
    set -- $(sqlite3 -batch -noheader -separator ' ' "$db" "SELECT count(*), coalesce(sum(status = 200 AND error IS NULL), 0),
        printf('%.1f', (count(sent_us) - 1) * 1e6 / max(1, max(sent_us) - min(sent_us))) FROM requests;")
    R_N=$1 R_OK=$2 R_ACH=$3
    R_LAG99=$(pct "$db" lag_us 99) R_SVC99=$(pct "$db" service_us 99)
    set -- $(cpu "$OUT/$name-$which.time" "$R_N")
    R_CPU=$1 R_PCT=$2
}
# h2 NAME RATE SECS: h2load at RATE/s on keep-alive connections (--rps per connection); sets
# H_N H_CPU H_PCT H_P99 (per-request time from its log)
h2() {
    H_N=0 H_CPU=- H_PCT=- H_P99=-
    have h2load || return 0
    c=$(( $2 >= 2000 ? $2 / 100 : 1 )); per=$(( $2 / c ))
    /usr/bin/time -f '%U %S %e' -o "$OUT/$1-h2load.time" h2load --h1 -t 1 -c $c --rps $per \
        -D "$3" -d "$OUT/body.json" -H 'Content-Type: application/json' \
        --log-file "$OUT/$1-h2load.log" "$NURL" >"$OUT/$1-h2load.out" 2>&1 || true
    hn=$1
    H_N=$(awk '$2 == 200' "$OUT/$hn-h2load.log" | wc -l)
    set -- $(cpu "$OUT/$hn-h2load.time" "$H_N")
    H_CPU=$1 H_PCT=$2
    H_P99=$(awk '$2 == 200 { print $3 }' "$OUT/$hn-h2load.log" | sort -n |
            awk '{ v[NR] = $1 } END { if (NR) { k = int((NR * 99 + 99) / 100); print v[k] } else print "-" }')
}
# wrk_rps URL: wrk -t1's requests/s over STEP seconds, 50 connections (0 without wrk)
wrk_rps() { if have wrk; then wrk -t1 -c50 -d${STEP}s -s bench/post.lua "$1" 2>/dev/null |
                awk '/Requests\/sec/ { printf "%d", $2 }'; else echo 0; fi; }
# median N...: the middle value (the lower middle of an even count)
median() { printf '%s\n' "$@" | grep -E '^[0-9]+([.][0-9]+)?$' | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else printf "-" }'; }

# The table: one line per figure, a column per binary, then the reference and the ratio.
TABLE="$OUT/table.txt"
printf '%-46s %22s %22s %22s %s\n' "figure" "revtrace" "${BASE:+baseline}" "reference" "revtrace/ref" >"$TABLE"
# trow FIGURE NEW BASE REF REFNAME [RATIO]
trow() { printf '%-46s %22s %22s %22s %s\n' "$1" "$2" "$3" "$4${5:+ ($5)}" "${6:-}" >>"$TABLE"; }
step() { echo "bench: $*"; }

# ---- 1. closed loop, 50 connections, no think time ------------------------------------
# REPS alternating rounds (wrk, then each revtrace), the median of each tool in the table:
# on these 2-vCPU guests one 10 s figure moves by about 10 % from run to run, the tools
# alike, so a single pair could show either side a better ratio than it has.
step "closed loop: $REPS rounds of wrk -t1 then revtrace --users 50 (one, then two send threads), one h2load (${STEP}s each)"
WRK=0 H2C=0 WRKS=""
for rep in $(seq "$REPS"); do
    have wrk && WRKS="$WRKS $(wrk_rps "$NURL")"
    for w in $BINS; do
        rt $w "closed$rep" "$NURL" --users 50 --wait 0s-0s --spawn-rate 1000000 --duration ${STEP}s
        eval "CS_$w=\"\${CS_$w:-} \$(awk -v n=$R_N -v s=$STEP 'BEGIN { printf \"%d\", n / s }')\""
        eval "CCS_$w=\"\${CCS_$w:-} \$R_CPU\""
    done
    # The same users on two send threads (capture --threads; not in 0.1.0).
    rt new "closedt$rep" "$NURL" --users 50 --wait 0s-0s --spawn-rate 1000000 --duration ${STEP}s \
        --threads 2
    CT2S="${CT2S:-} $(awk -v n=$R_N -v s=$STEP 'BEGIN { printf "%d", n / s }')"
    CCT2S="${CCT2S:-} $R_CPU"
done
CT2=$(median $CT2S); CCT2=$(median $CCT2S)
[ -n "$WRKS" ] && WRK=$(median $WRKS)
for w in $BINS; do
    eval "C_$w=\$(median \$CS_$w); CC_$w=\$(median \$CCS_$w)"
done
if have h2load; then
    H2C=$(h2load --h1 -t 1 -c 50 -D $STEP -d "$OUT/body.json" -H 'Content-Type: application/json' \
        "$NURL" 2>/dev/null | awk '/^finished in/ { sub(",", "", $4); printf "%d", $4 }')
fi
trow "closed loop 50 conns: req/s (nginx), median" "${C_new:-}" "${C_base:-}" "${WRK:-0}" "wrk -t1" "$(ratio "${C_new:-0}" "${WRK:-0}")"
trow "  each round" "$(echo ${CS_new:-} | tr ' ' /)" "$(echo ${CS_base:-} | tr ' ' /)" "$(echo $WRKS | tr ' ' /)" "wrk"
trow "  h2load -c50 -t1 req/s" "" "" "${H2C:-0}" "h2load" "$(ratio "${C_new:-0}" "${H2C:-0}")"
trow "  CPU us/req" "${CC_new:-}" "${CC_base:-}" "" ""
trow "  --threads 2: req/s, median" "$CT2" "" "${WRK:-0}" "wrk -t1" "$(ratio "$CT2" "${WRK:-0}")"
trow "    each round" "$(echo $CT2S | tr ' ' /)" "" "" ""
trow "    CPU us/req" "$CCT2" "" "" ""

# ---- 2. the mission's rate: 150000/h Poisson, whole-run CPU -------------------------------
step "150000/h Poisson for ${SLOW_STEP}s, --quiet (and with progress lines for revtrace)"
for w in $BINS; do
    rt $w m42 "$NURL" --rate 150000/h --duration ${SLOW_STEP}s --seed 1
    eval "M_$w=\$R_PCT; MU_$w=\$R_CPU; ML_$w=\$R_LAG99"
done
# The same with the progress display on (the live line, written to a file).
for w in $BINS; do
    QUIET=--progress=live
    rt $w m42p "$NURL" --rate 150000/h --duration ${SLOW_STEP}s --seed 1
    QUIET=
    eval "MP_$w=\$R_PCT"
done
h2 m42 42 $SLOW_STEP
trow "150000/h Poisson --quiet: CPU % of a core" "${M_new:-}" "${M_base:-}" "$H_PCT" "h2load 42/s" "$(ratio "${M_new:-0}" "$H_PCT")"
trow "  with --progress live: CPU % of a core" "${MP_new:-}" "${MP_base:-}" "" ""
trow "  CPU us/req" "${MU_new:-}" "${MU_base:-}" "$H_CPU" "h2load" "$(ratio "${MU_new:-0}" "$H_CPU")"
trow "  send lag p99 (us)" "${ML_new:-}" "${ML_base:-}" "" ""

# ---- 3. 2,000/s constant: CPU per request, lag, service time beside h2load -----------------
step "2000/s constant: $REPS rounds of revtrace then h2load --rps (${STEP}s each), one --timing precise"
H2S="" H2PS="" R2S=""
for rep in $(seq "$REPS"); do
    for w in $BINS; do
        rt $w "r2k$rep" "$NURL" --rate 2000/s --arrivals constant --duration ${STEP}s
        eval "TS2_$w=\"\${TS2_$w:-} \$R_CPU\"; TLS_$w=\"\${TLS_$w:-} \$R_LAG99\""
        eval "TSS_$w=\"\${TSS_$w:-} \$R_SVC99\"; TK_$w=\$R_OK/\$R_N"
    done
    h2 "r2k$rep" 2000 $STEP
    H2S="$H2S $H_CPU" H2PS="$H2PS $H_P99"
    [ -n "${TS2_new:-}" ] && R2S="$R2S $(ratio "$(echo $TS2_new | awk '{ print $NF }')" "$H_CPU")"
done
for w in $BINS; do
    eval "T_$w=\$(median \$TS2_$w); TL_$w=\$(median \$TLS_$w); TS_$w=\$(median \$TSS_$w)"
done
H2C2=$(median $H2S) H2P2=$(median $H2PS)
rt new r2kp "$NURL" --rate 2000/s --arrivals constant --duration ${STEP}s --timing precise
TP=$R_CPU TPL=$R_LAG99 TPS=$R_SVC99
trow "2000/s: CPU us/req, median" "${T_new:-}" "${T_base:-}" "$H2C2" "h2load" "$(ratio "${T_new:-0}" "$H2C2")"
trow "  each round (ratio to that round's h2load)" "$(echo ${TS2_new:-} | tr ' ' /)" "$(echo ${TS2_base:-} | tr ' ' /)" "$(echo $H2S | tr ' ' /)" "h2load" "$(echo $R2S | tr ' ' /)"
trow "  send lag p99 (us), median" "${TL_new:-}" "${TL_base:-}" "" ""
trow "    each round" "$(echo ${TLS_new:-} | tr ' ' /)" "$(echo ${TLS_base:-} | tr ' ' /)" "" ""
trow "  service p99 (us) / h2load's request p99" "${TS_new:-}" "${TS_base:-}" "$H2P2" "h2load" "$(ratio "${TS_new:-0}" "$H2P2")"
trow "  200s / recorded (last round)" "${TK_new:-}" "${TK_base:-}" "$H_N" "h2load"
trow "  --timing precise: CPU us/req, lag p99, svc p99" "$TP" "" "" "" ""
trow "    (lag p99 / service p99, us)" "$TPL / $TPS" "" "" ""

# ---- 4. open loop, default settings: 20,000/s and the highest rate kept up ----------------
step "open loop ladder, default settings (${STEP}s per rate), nginx"
LADDER="$OUT/ladder.txt"
printf '%-6s %-8s %8s %8s %11s %10s %10s %8s %s\n' bin rate/s rows 200s achieved/s "lag p99" "svc p99" "us/req" result >"$LADDER"
for w in $BINS; do
    best=0 bestcpu=- fails=0
    for r in 5000 10000 20000 30000 40000; do
        rt $w "r$r" "$NURL" --rate $r/s --arrivals constant --duration ${STEP}s
        kept=$(awk -v a="$R_ACH" -v r=$r -v ok="$R_OK" -v n="$R_N" -v w=$((r * STEP)) \
            'BEGIN { print (a >= 0.99 * r && ok == n && n >= 0.99 * w) ? 1 : 0 }')
        res=behind; [ "$kept" = 1 ] && res="kept up"
        printf '%-6s %-8s %8s %8s %11s %10s %10s %8s %s\n' $w $r "$R_N" "$R_OK" "$R_ACH" "$R_LAG99" "$R_SVC99" "$R_CPU" "$res" >>"$LADDER"
        if [ $r = 20000 ]; then eval "L20_$w=\"\$R_ACH/s \$R_LAG99\"; L20S_$w=\$R_LAG99"; fi
        if [ "$kept" = 1 ]; then best=$r bestcpu=$R_CPU fails=0; else fails=$((fails + 1)); fi
        [ $fails -ge 2 ] && break
    done
    eval "B_$w=$best; BC_$w=$bestcpu"
done
trow "20,000/s default: achieved/s, lag p99 (us)" "${L20_new:-}" "${L20_base:-}" "" ""
# The ladder's 20,000/s run, then REPS - 1 more of revtrace: its lag tail is the noisiest row.
L20S=${L20S_new:-}
for rep in $(seq 2 "$REPS"); do
    rt new "r20000-$rep" "$NURL" --rate 20000/s --arrivals constant --duration ${STEP}s
    L20S="$L20S $R_LAG99"
done
[ "$REPS" -gt 1 ] && trow "  lag p99 of $REPS runs: median (each)" "$(median $L20S) ($(echo $L20S | tr ' ' /))" "" "" ""
trow "highest rate kept up (req/s)" "${B_new:-}" "${B_base:-}" "${WRK:-0}" "wrk (closed)" "$(ratio "${B_new:-0}" "${WRK:-0}")"
trow "  CPU us/req there" "${BC_new:-}" "${BC_base:-}" "" ""

# ---- 5. the emulator beside nginx: the same 20,000/s and closed loop ----------------------
step "emulator (--profile fast): 20,000/s and closed loop (${STEP}s each)"
EWRK=$(wrk_rps "$EURL")
for w in $BINS; do
    rt $w e20k "$EURL" --rate 20000/s --arrivals constant --duration ${STEP}s
    eval "E_$w=\"\$R_ACH/s \$R_LAG99\""
    rt $w eclosed "$EURL" --users 50 --wait 0s-0s --spawn-rate 1000000 --duration ${STEP}s
    eval "EC_$w=\$(awk -v n=$R_N -v s=$STEP 'BEGIN { printf \"%d\", n / s }')"
done
trow "emulator 20,000/s: achieved/s, lag p99 (us)" "${E_new:-}" "${E_base:-}" "" ""
trow "emulator closed loop 50: req/s" "${EC_new:-}" "${EC_base:-}" "${EWRK:-0}" "wrk -t1" "$(ratio "${EC_new:-0}" "${EWRK:-0}")"

# ---- 6. optional long rows (BENCH_LONG=1): accuracy, memory, analyze ---------------------
if [ "${BENCH_LONG:-0}" = 1 ]; then
    step "long rows: 1000/s for 60s, 1,000,000 requests at 20,000/s, analyze"
    rt new acc "$EURL" --rate 1000/s --arrivals constant --duration 60s
    trow "1000/s 60s (emulator): achieved, lag p99" "$R_ACH, $R_LAG99" "" "" ""
    /usr/bin/time -f '%M' -o "$OUT/big.rss" "$RT" capture "$EURL" --revids "$REVIDS" \
        --rate 20000/s --arrivals constant --requests 1000000 --db "$OUT/big.db" --quiet || true
    trow "1,000,000 requests: max RSS (MiB)" "$(awk '{ printf "%.1f", $1 / 1024 }' "$OUT/big.rss")" "" "" ""
    for f in text html; do
        /usr/bin/time -f '%e %M' -o "$OUT/an.$f" "$RT" analyze --db "$OUT/big.db" --format $f \
            -o "$OUT/big-report.$f" >/dev/null || true
        trow "analyze 1M to $f: s, MiB" "$(tail -n 1 "$OUT/an.$f" | awk '{ printf "%.2f s %.0f MiB", $1, $2 / 1024 }')" "" "" ""
    done
fi

echo
echo "== revtrace bench ($(nproc) CPUs, loopback; load before $LOAD0, after $(cut -d' ' -f1-3 /proc/loadavg))"
echo "   stub: nginx $("$NGINX" -v 2>&1 | sed 's/.*\///'), 1 worker, keep-alive; references: wrk -t1, h2load (-t1)"
cat "$TABLE"
echo
echo "== open-loop ladder (nginx, default settings; lag/svc p99 in us)"
cat "$LADDER"
echo
# The recording proxy's added latency (its own section: bench/proxy.sh).
sh bench/proxy.sh
echo
echo "Raw data: $OUT (databases, /usr/bin/time output, h2load logs)."
