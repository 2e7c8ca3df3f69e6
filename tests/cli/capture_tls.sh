#!/bin/sh
# capture_tls.sh - TLS with a private CA, against a local HTTPS server (tests/servers.py) and
# throwaway certificates made here with openssl: a self-signed server is refused with
# libcurl's reason kept in error_detail and shown by analyze; --cacert, --capath,
# CURL_CA_BUNDLE and SSL_CERT_FILE make it trusted, and config_json names the trust store
# used; --cert/--key present a client certificate to a server that requires one (paths in
# config_json, never the key).  The environment's own CA variables are cleared first.
. tests/lib.sh

RT=$REVTRACE
make_revids 30
unset CURL_CA_BUNDLE SSL_CERT_FILE SSL_CERT_DIR http_proxy https_proxy HTTPS_PROXY all_proxy ALL_PROXY

P="$T/pki"
mkdir -p "$P/capath"
# gen NAME CN [SAN]: a self-signed certificate (its own CA) and its key.
gen() {
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$2" ${3:+-addext "subjectAltName=$3"} \
        -keyout "$P/$1.key" -out "$P/$1.pem" >"$P/$1.log" 2>&1
}
if ! gen server 127.0.0.1 "IP:127.0.0.1" || ! gen client revtrace-client; then
    notok "openssl makes test certificates: $(cat "$P"/*.log)"; finish
fi
cp "$P/server.pem" "$P/capath/" && openssl rehash "$P/capath" >/dev/null 2>&1

# start_tls NAME [CLIENT_CA]: the HTTPS server; sets URL_<NAME> through $URL.
start_tls() {
    pf="$T/$1.port"
    python3 tests/servers.py tls "$pf" "$P/server.pem" "$P/server.key" ${2:+"$2"} \
        >"$T/$1.log" 2>&1 &
    RT_PIDS="$RT_PIDS $!"
    wait_file "$pf" 10 || { notok "the $1 TLS server starts: $(cat "$T/$1.log")"; finish; }
    URL="https://127.0.0.1:$(cat "$pf")/v1/models/revertrisk-wikidata:predict"
}

# cap NAME [options]: 5 requests into $T/NAME.db; the exit status is kept in $T/NAME.rc.
cap() {
    n=$1; shift
    timeout 60 "$RT" capture "$URL" --revids "$T/revids.csv" --rate 20/s --requests 5 \
        --deadline 5s --db "$T/$n.db" --name "$n" -q "$@" 2>"$T/$n.err"
    echo $? > "$T/$n.rc"
}
oks() { sql "$T/$1.db" "SELECT count(*) FROM requests WHERE status = 200 AND error IS NULL"; }
cfg() { sql "$T/$1.db" "SELECT config_json FROM runs" | python3 -c "import json,sys; t=json.load(sys.stdin)['tls']; print($2)"; }

start_tls plain

# Self-signed, not trusted: every request fails 'tls' with libcurl's reason, and analyze says it.
cap selfsigned
expect_eq "self-signed: the run completes (failures are data)" "$(cat "$T/selfsigned.rc")" 0
expect_eq "self-signed: 5 rows, all error tls" \
    "$(sql "$T/selfsigned.db" "SELECT count(*), sum(error = 'tls') FROM requests")" "5|5"
expect_eq "self-signed: the reason is kept with each row" \
    "$(sql "$T/selfsigned.db" "SELECT DISTINCT error_detail FROM requests")" \
    "SSL certificate problem: self-signed certificate"
"$RT" analyze --db "$T/selfsigned.db" selfsigned >"$T/an.txt" 2>&1
grep -q "errors     tls: 5" "$T/an.txt" && \
    grep -q "why        tls: SSL certificate problem: self-signed certificate (5 of 5)" "$T/an.txt" \
    && ok "analyze: the tls count says why" || notok "analyze: $(cat "$T/an.txt")"
"$RT" analyze --db "$T/selfsigned.db" selfsigned --format json >"$T/an.json" 2>"$T/an.json.err"
expect_eq "analyze json: error_details names the reason" \
    "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['runs'][0]['error_details']['tls'])" "$T/an.json" 2>&1 || cat "$T/an.json.err")" \
    "SSL certificate problem: self-signed certificate"

# Trusted through each way curl offers; config_json names the store used.
cap cacert --cacert "$P/server.pem"
expect_eq "--cacert: all 5 answered" "$(oks cacert)" 5
expect_eq "--cacert: config_json names it" "$(cfg cacert "t['trust_from'], t['ca_file'] == '$P/server.pem', t['verify']")" \
    "--cacert True True"
cap capath --capath "$P/capath"
expect_eq "--capath: all 5 answered" "$(oks capath)" 5
expect_eq "--capath: config_json names it" "$(cfg capath "t['trust_from'], t['ca_path'] == '$P/capath'")" "--capath True"
CURL_CA_BUNDLE="$P/server.pem" cap bundle
expect_eq "CURL_CA_BUNDLE: all 5 answered" "$(oks bundle)" 5
expect_eq "CURL_CA_BUNDLE: config_json names it" "$(cfg bundle "t['trust_from'], t['ca_file'] == '$P/server.pem'")" \
    "CURL_CA_BUNDLE True"
SSL_CERT_FILE="$P/server.pem" cap certfile
expect_eq "SSL_CERT_FILE: all 5 answered" "$(oks certfile)" 5
expect_eq "SSL_CERT_FILE: config_json names it" "$(cfg certfile "t['trust_from']")" "SSL_CERT_FILE"
CURL_CA_BUNDLE="$P/client.pem" cap wrongca --cacert "$P/server.pem"
expect_eq "--cacert wins over CURL_CA_BUNDLE, as in curl" "$(oks wrongca)" 5
cap insecure --insecure
expect_eq "--insecure: answered, recorded as not verified" "$(oks insecure) $(cfg insecure "t['verify']")" "5 False"
"$RT" capture "$URL" --revids "$T/revids.csv" --rate 1/s --cacert "$T/nope.pem" --db "$T/x.db" 2>"$T/nope.err"
expect_eq "--cacert of a missing file: exit 2 at once" "$?" 2

# A server that requires a client certificate.
start_tls mtls "$P/client.pem"
cap nocert --cacert "$P/server.pem"
expect_eq "client certificate required, none given: tls or reset errors, no answer" \
    "$(sql "$T/nocert.db" "SELECT count(*), sum(status = 200) FROM requests")" "5|0"
cap withcert --cacert "$P/server.pem" --cert "$P/client.pem" --key "$P/client.key"
expect_eq "--cert/--key: all 5 answered" "$(oks withcert)" 5
expect_eq "--cert/--key: config_json has the paths" \
    "$(cfg withcert "t['client_cert'] == '$P/client.pem', t['client_key'] == '$P/client.key'")" "True True"
if grep -a -q "PRIVATE KEY" "$T"/withcert.db*; then notok "the key's contents reached the database"
else ok "the key's contents never reach the database"; fi
"$RT" capture "$URL" --revids "$T/revids.csv" --rate 1/s --key "$P/client.key" --db "$T/x.db" 2>"$T/key.err"
expect_eq "--key without --cert: exit 2" "$?" 2

finish
