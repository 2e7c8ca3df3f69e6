#!/bin/sh
# capture_secrets.sh - secrets stay off the command line and out of what we store or print:
# -H @FILE and -H @- (curl's forms) read headers one per line (CRLF, blank lines), so the
# token is not in /proc/PID/cmdline; config_json, the runs row, the database file and stderr
# never hold a credential (secret header names, auth-scheme values, signed-URL query values,
# user:password); a refused URL is not echoed with its password.
. tests/lib.sh

RT=$REVTRACE
make_revids 30
start_emulator --profile fast

umask 077
printf 'Authorization: Bearer tOkEnA1\r\n\r\nX-Trace: visible-1\r\n   \nX-Amz-Signature: tOkEnB2\n' \
    > "$T/headers.txt"
URL="$EMU_URL?sig=tOkEnC3&signature=tOkEnD4&token=tOkEnE5&keep=visible-2"
timeout 60 "$RT" capture "$URL" --revids "$T/revids.csv" --rate 50/s --duration 60s \
    -H @"$T/headers.txt" -H @- --db "$T/s.db" --name s --progress plain \
    2>"$T/s.err" <<EOF &
X-Jwt-Assertion: tOkEnF6
X-Forwarded-Authz: Basic tOkEnG7
EOF
pid=$!
RT_PIDS="$RT_PIDS $pid"
wait_rows "$T/s.db" 5 10
check "headers from a file and stdin: requests are answered" \
    test "$(sql "$T/s.db" "SELECT count(*) FROM requests WHERE status = 200")" -ge 5
# (The URL's query tokens are in argv by the user's choice; the headers' never are.)
if tr '\0' ' ' < /proc/$pid/cmdline | grep -q 'tOkEn[ABFG]'; then
    notok "the command line shows a header token: $(tr '\0' ' ' < /proc/$pid/cmdline)"
else
    ok "no header token in /proc/PID/cmdline"
fi
kill -INT $pid; wait $pid
cfg=$(sql "$T/s.db" "SELECT config_json FROM runs")
expect_eq "config_json: every header, in order, secrets redacted" \
    "$(printf '%s' "$cfg" | python3 -c 'import json,sys; print("|".join(json.load(sys.stdin)["headers"]))')" \
    "Authorization: REDACTED|X-Trace: visible-1|X-Amz-Signature: REDACTED|X-Jwt-Assertion: REDACTED|X-Forwarded-Authz: REDACTED"
expect_eq "stored URL: sig=, signature=, token= values redacted, others kept" \
    "$(sql "$T/s.db" "SELECT target FROM runs")" \
    "$EMU_URL?sig=REDACTED&signature=REDACTED&token=REDACTED&keep=visible-2"
for f in "$T"/s.db*; do
    if grep -a -q tOkEn "$f"; then notok "$(basename "$f") holds a token"; else ok "$(basename "$f") holds no token"; fi
done
if grep -q tOkEn "$T/s.err"; then notok "stderr shows a token: $(cat "$T/s.err")"; else ok "stderr shows no token"; fi

# A refused URL is never echoed with its password.
"$RT" capture 'ftp://user:pAsSw0rd@example.org/x' --revids "$T/revids.csv" --rate 1/s \
    --db "$T/f.db" 2>"$T/ftp.err"
expect_eq "ftp URL refused: exit 2" $? 2
if grep -q pAsSw0rd "$T/ftp.err"; then notok "the password is echoed: $(cat "$T/ftp.err")"
else grep -q "ftp://REDACTED@example.org/x" "$T/ftp.err" && ok "refused URL shown without its password" \
    || notok "refusal: $(cat "$T/ftp.err")"; fi

# A bad header file line is named by FILE:LINE, its content not echoed.
printf 'X-Ok: 1\nAuthorization Bearer tOkEnH8\n' > "$T/bad.txt"
"$RT" capture "$EMU_URL" --revids "$T/revids.csv" --rate 1/s -H @"$T/bad.txt" \
    --db "$T/b.db" 2>"$T/bad.err"
expect_eq "bad header line: exit 2" $? 2
grep -q "bad.txt:2: " "$T/bad.err" && ! grep -q tOkEn "$T/bad.err" \
    && ok "bad header line: FILE:LINE, no content" || notok "bad header: $(cat "$T/bad.err")"

# Our own docs never show a secret in argv: no example in any --help (and so none in the
# generated manual page) passes an Authorization or token header on the command line (the
# capture --help example once did: -H "Authorization: Bearer $TOKEN").
for cmd in capture replay analyze emulate; do "$RT" $cmd --help; done >"$T/helps.txt" 2>&1
"$RT" --help-man >>"$T/helps.txt" 2>&1
if grep -Ein -- "-H ['\"]?(Authorization|[A-Za-z-]*token)" "$T/helps.txt" >"$T/argv-secrets.txt"; then
    notok "a --help example puts a secret header in argv: $(head -n 1 "$T/argv-secrets.txt")"
else
    ok "no --help example or manual page line puts a secret header in argv"
fi

# -H @- reads standard input; so do --revids - and --trace -: both at once is refused before
# anything is written, saying what to do (it used to read the headers, then find no rev IDs).
printf 'X-Api-Key: tOkEnH8\n' | "$RT" capture "$EMU_URL" --revids - -H @- --rate 10/s \
    --requests 3 --db "$T/in.db" 2>"$T/in.err"
expect_eq "capture -H @- --revids -: usage error, no database" \
    "$?|$(test -e "$T/in.db"; echo $?)" "2|1"
grep -q -- "-H @- and --revids - both read standard input" "$T/in.err" \
    && ok "capture -H @- --revids -: says why" || notok "capture -H @- --revids -: $(cat "$T/in.err")"
printf 'X-Api-Key: tOkEnH8\n' | "$RT" replay "$EMU_URL" --trace - -H @- --db "$T/in.db" \
    2>"$T/in.err"
expect_eq "replay -H @- --trace -: usage error, no database" \
    "$?|$(test -e "$T/in.db"; echo $?)" "2|1"
grep -q -- "-H @- and --trace - both read standard input" "$T/in.err" \
    && ok "replay -H @- --trace -: says why" || notok "replay -H @- --trace -: $(cat "$T/in.err")"
# Other names of the same stream are caught too (/dev/stdin, /dev/fd/0), either way round.
printf 'X-Api-Key: tOkEnH8\n' | "$RT" capture "$EMU_URL" --revids /dev/stdin -H @- --rate 10/s \
    --requests 3 --db "$T/in.db" 2>"$T/in.err"
expect_eq "capture -H @- --revids /dev/stdin: usage error, no database" \
    "$?|$(test -e "$T/in.db"; echo $?)" "2|1"
grep -q -- "-H @- and --revids /dev/stdin both read standard input" "$T/in.err" \
    && ok "capture -H @- --revids /dev/stdin: says why" || notok "--revids /dev/stdin: $(cat "$T/in.err")"
printf 'X-Api-Key: tOkEnH8\n' | "$RT" capture "$EMU_URL" --revids - -H @/dev/stdin --rate 10/s \
    --requests 3 --db "$T/in.db" 2>"$T/in.err"
expect_eq "capture -H @/dev/stdin --revids -: usage error, no database" \
    "$?|$(test -e "$T/in.db"; echo $?)" "2|1"
grep -q -- "-H @/dev/stdin and --revids - both read standard input" "$T/in.err" \
    && ok "capture -H @/dev/stdin --revids -: says why" || notok "-H @/dev/stdin: $(cat "$T/in.err")"
printf 'X-Api-Key: tOkEnH8\n' | "$RT" replay "$EMU_URL" --trace /dev/fd/0 -H @- --db "$T/in.db" \
    2>"$T/in.err"
expect_eq "replay -H @- --trace /dev/fd/0: usage error, no database" \
    "$?|$(test -e "$T/in.db"; echo $?)" "2|1"
# Not a conflict: the rev IDs on standard input by a name of it, the headers from a file; and a
# regular file on standard input, which its name opens anew.
printf 'X-Api-Key: tOkEnH8\n' > "$T/hdr1.txt"
cat "$T/revids.csv" | "$RT" capture "$EMU_URL" --revids /dev/stdin -H @"$T/hdr1.txt" --rate 20/s \
    --requests 3 --db "$T/ok1.db" --quiet 2>"$T/ok1.err"
expect_eq "a pipe read as --revids /dev/stdin, headers from a file: 3 answered" \
    "$?|$(sql "$T/ok1.db" "SELECT count(*) FROM requests WHERE status = 200")" "0|3"
"$RT" capture "$EMU_URL" --revids /dev/stdin -H @- --rate 20/s --requests 3 --db "$T/ok2.db" \
    --quiet <"$T/hdr1.txt" 2>"$T/ok2.err"
expect_eq "-H @- and --revids /dev/stdin on a regular file: not refused (the file is reread)" \
    "$(grep -c 'both read standard input' "$T/ok2.err")" 0

stop_emulator
finish
