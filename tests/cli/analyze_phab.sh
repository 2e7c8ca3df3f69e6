#!/bin/sh
# analyze --phab-task: the report posted to a Phabricator task through Conduit, against a
# local fake Conduit (tests/tools/fake_conduit.py, which logs every call it gets).  Checks the
# three calls and their order (file.upload, file.search, maniphest.edit), that each carries
# the token (from --phab-token-file, or from ~/.arcrc under $HOME) and asks for JSON, that the
# uploaded bytes decode to the HTML report, that the comment is the Remarkup report with the
# upload's {F<id>}, that the task's URL is printed; and the failures: a bad token and an
# unknown task exit 3 with Conduit's code and message, a token file anyone can read or no
# token at all exit 2 before any call.  The token never shows in any output.
. tests/lib.sh

GOOD=api-goodtoken0123456789abcdefghij
BAD=api-badtoken00000000000000000000
DB="$T/r.db"

make_revids 10
start_emulator
"$REVTRACE" capture "$EMU_URL" --revids "$T/revids.csv" --rate 50/s --requests 20 \
    --db "$DB" -q >"$T/capture.log" 2>&1 || { cat "$T/capture.log"; notok "capture"; }
stop_emulator

LOG="$T/conduit.log"
python3 tests/tools/fake_conduit.py "$T/conduit.port" "$LOG" "$GOOD" 2>"$T/conduit.err" &
RT_PIDS="$RT_PIDS $!"
if ! wait_file "$T/conduit.port" 10; then
    sed 's/^/# /' "$T/conduit.err"; notok "the fake Conduit starts"; finish
fi
URL="http://127.0.0.1:$(cat "$T/conduit.port")"

umask 077
printf '%s\n' "$GOOD" >"$T/token"
printf '%s\n' "$BAD" >"$T/badtoken"
mkdir -p "$T/home" "$T/empty"
printf '{"hosts": {"%s/api/": {"token": "%s"}}}\n' "$URL" "$GOOD" >"$T/home/.arcrc"

# post ARGS...: analyze the run and post it; stdout, stderr, exit status into $T/out, $T/err,
# $rc; the calls it made into $T/calls (fresh each time).
post() {
    : >"$LOG"
    "$REVTRACE" analyze --db "$DB" --phab-url "$URL" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    cp "$LOG" "$T/calls"
}
# field N EXPR: a Python expression over call N (0-based) of $T/calls, as c.
field() {
    python3 -c "import json,sys; c=[json.loads(l) for l in open(sys.argv[1])][$1]; print($2)" \
        "$T/calls"
}

# --- a post with a token file ----------------------------------------------------------------
post --phab-task T409388 --phab-token-file "$T/token" --min-rate 1/s
expect_eq "post: exit status follows the verdicts (pass)" "$rc" 0
expect_eq "post: the task's URL is printed" "$(tail -n 1 "$T/out")" "$URL/T409388"
expect_eq "post: three calls in order" "$(python3 -c "import json,sys
print(' '.join(json.loads(l)['method'] for l in open(sys.argv[1])))" "$T/calls")" \
    "file.upload file.search maniphest.edit"
expect_eq "post: every call carries the token and asks for JSON" \
    "$(python3 -c "import json,sys
print(all(c['token'] == sys.argv[2] and c['output'] == 'json'
          for c in map(json.loads, open(sys.argv[1]))))" "$T/calls" "$GOOD")" "True"
"$REVTRACE" analyze --db "$DB" -f html --min-rate 1/s >"$T/report.html" 2>/dev/null
python3 -c "import json,sys; sys.stdout.write(json.loads(open(sys.argv[1]).readline())['params']['data'])" \
    "$T/calls" >"$T/uploaded.html"
for f in uploaded report; do
    sed 's/Generated [0-9T:Z-]* by/Generated X by/' "$T/$f.html" >"$T/$f.norm"
done
check "post: the uploaded file decodes to the HTML report" cmp -s "$T/uploaded.norm" "$T/report.norm"
expect_eq "post: the upload is named for the task" \
    "$(field 0 "c['params']['name'].startswith('revtrace-T409388-') and c['params']['name'].endswith('.html')")" True
expect_eq "post: the file is found by the PHID the upload returned" \
    "$(field 1 "c['params']['constraints']['phids']")" "['PHID-FILE-fake1']"
expect_eq "post: the comment goes to the task" "$(field 2 "c['params']['objectIdentifier']")" T409388
expect_eq "post: one comment transaction" \
    "$(field 2 "[t['type'] for t in c['params']['transactions']]")" "['comment']"
field 2 "c['params']['transactions'][0]['value']" >"$T/comment"
check "post: the comment is the Remarkup report" grep -q '^= revtrace load-test analysis =$' "$T/comment"
check "post: the comment carries the text charts" grep -q '^Latency distribution' "$T/comment"
check "post: the comment references the upload as {F4242}" grep -q '{F4242}' "$T/comment"
check "post: the token is in no output" sh -c "! grep -q '$GOOD' '$T/out' '$T/err'"

# --- the token from ~/.arcrc; a failed verdict still exits 1 ------------------------------------
HOME="$T/home" post --phab-task T409388 --min-rate 1000000/s
expect_eq "arcrc: a failed verdict exits 1 after the post" "$rc" 1
expect_eq "arcrc: the token comes from ~/.arcrc" "$(field 0 "c['token']")" "$GOOD"
expect_eq "arcrc: the URL is printed" "$(tail -n 1 "$T/out")" "$URL/T409388"

# --- Conduit errors: exit 3 with the code and message -------------------------------------------
post --phab-task T409388 --phab-token-file "$T/badtoken"
expect_eq "bad token: exit 3" "$rc" 3
check "bad token: Conduit's code is shown" grep -q 'ERR-INVALID-AUTH' "$T/err"
check "bad token: and its message" grep -q 'could not be found' "$T/err"
check "bad token: the token is in no output" sh -c "! grep -q '$BAD' '$T/out' '$T/err'"
post --phab-task T1 --phab-token-file "$T/token"
expect_eq "unknown task: exit 3" "$rc" 3
check "unknown task: Conduit's code and message" \
    grep -q 'maniphest.edit failed: ERR-CONDUIT-CORE: Monogram "T1" does not identify' "$T/err"

# --- no usable token: exit 2 before any call ----------------------------------------------------
chmod 644 "$T/token"
post --phab-task T409388 --phab-token-file "$T/token"
expect_eq "world-readable token file: exit 2" "$rc" 2
check "world-readable token file: says chmod 600" grep -q 'chmod 600' "$T/err"
expect_eq "world-readable token file: no call made" "$(wc -l <"$T/calls")" 0
HOME="$T/empty" post --phab-task T409388
expect_eq "no token: exit 2" "$rc" 2
check "no token: says where a token comes from" grep -q 'arc install-certificate' "$T/err"
expect_eq "no token: no call made" "$(wc -l <"$T/calls")" 0
"$REVTRACE" analyze --db "$DB" --phab-task 409388x >/dev/null 2>&1
expect_eq "a malformed task is a usage error" "$?" 2
"$REVTRACE" analyze --db "$DB" --phab-url "$URL" >/dev/null 2>&1
expect_eq "--phab-url without --phab-task is a usage error" "$?" 2
finish
