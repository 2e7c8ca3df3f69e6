#!/bin/sh
# capture_proxy.sh - proxies said out loud: --proxy and the environment libcurl reads
# (http_proxy for http URLs; no_proxy) are used, printed at start and recorded in
# config_json without credentials; --proxy '' and no_proxy turn it off; HTTP_PROXY in upper
# case is not read (libcurl's rule, kept).  The proxy is a stand-in (tests/servers.py proxy)
# that answers itself and logs the absolute-form request line only a proxy receives.
. tests/lib.sh

RT=$REVTRACE
make_revids 30
unset http_proxy https_proxy HTTPS_PROXY HTTP_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

python3 tests/servers.py proxy "$T/proxy.port" "$T/proxy.log" >"$T/proxy.err" 2>&1 &
RT_PIDS="$RT_PIDS $!"
wait_file "$T/proxy.port" 10 || { notok "the proxy stand-in starts: $(cat "$T/proxy.err")"; finish; }
PX="127.0.0.1:$(cat "$T/proxy.port")"
: > "$T/proxy.log"
start_emulator --profile fast
# A name that does not resolve: only a proxy can answer for it.
FAR=http://revtrace-target.invalid/v1/models/revertrisk-wikidata:predict

# cap NAME URL [options]: 3 requests, stderr kept.
cap() {
    n=$1 u=$2; shift 2
    timeout 60 "$RT" capture "$u" --revids "$T/revids.csv" --rate 20/s --requests 3 \
        --db "$T/$n.db" --name "$n" "$@" 2>"$T/$n.err"
}
oks() { sql "$T/$1.db" "SELECT count(*) FROM requests WHERE status = 200 AND error IS NULL"; }
pcfg() { sql "$T/$1.db" "SELECT config_json FROM runs" | python3 -c "import json,sys; p=json.load(sys.stdin)['proxy']; print($2)"; }
logged() { grep -c "$1" "$T/proxy.log"; }

cap opt "$FAR" --proxy "http://$PX"
expect_eq "--proxy: every request went through it (absolute form)" \
    "$(oks opt) $(logged "POST $FAR HTTP/1.1")" "3 3"
grep -q "capture: sending through proxy http://$PX (from --proxy)" "$T/opt.err" \
    && ok "--proxy: said at start" || notok "--proxy: stderr $(cat "$T/opt.err")"
expect_eq "--proxy: config_json records it" "$(pcfg opt "p['url'], p['from']")" "http://$PX --proxy"

: > "$T/proxy.log"
http_proxy="http://bob:pr0xyPw@$PX" cap env "$FAR"
expect_eq "http_proxy: used, with its credentials sent to the proxy" \
    "$(oks env) $(logged "with Proxy-Authorization")" "3 3"
grep -q "sending through proxy http://REDACTED@$PX (from http_proxy)" "$T/env.err" \
    && ok "http_proxy: said at start, credentials redacted" || notok "http_proxy: stderr $(cat "$T/env.err")"
expect_eq "http_proxy: config_json records it without credentials" \
    "$(pcfg env "p['url'], p['from']")" "http://REDACTED@$PX http_proxy"
if grep -a -q pr0xyPw "$T"/env.db* "$T/env.err"; then notok "the proxy password was stored or printed"
else ok "the proxy password is neither stored nor printed"; fi

: > "$T/proxy.log"
http_proxy="http://$PX" cap off "$EMU_URL" --proxy ''
expect_eq "--proxy '': the environment's proxy is not used" "$(oks off) $(logged POST)" "3 0"
expect_eq "--proxy '': config_json proxy is null" "$(pcfg off "p")" "None"
grep -q "through proxy" "$T/off.err" && notok "--proxy '': still says a proxy" || ok "--proxy '': says no proxy"

http_proxy="http://$PX" no_proxy="127.0.0.1,localhost" cap noproxy "$EMU_URL"
expect_eq "no_proxy: the target is reached directly" "$(oks noproxy) $(logged POST)" "3 0"
expect_eq "no_proxy: config_json records it" "$(pcfg noproxy "p['noproxy'], p['noproxy_from']")" \
    "127.0.0.1,localhost no_proxy"
cap noproxy2 "$EMU_URL" --proxy "http://$PX" --noproxy 127.0.0.1
expect_eq "--noproxy: the target is reached directly" "$(oks noproxy2) $(logged POST)" "3 0"

HTTP_PROXY="http://$PX" cap upper "$EMU_URL"
expect_eq "HTTP_PROXY (upper case) is not read for http, as in libcurl" \
    "$(oks upper) $(logged POST) $(pcfg upper "p")" "3 0 None"

stop_emulator
finish
