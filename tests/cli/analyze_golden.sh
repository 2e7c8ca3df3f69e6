#!/bin/sh
# analyze_golden: every output of `revtrace analyze`, byte for byte, on a fixed database.
#
# The other analyze tests check figures and parse the formats; this one pins the exact bytes
# (text, markdown, remarkup, csv on stdout and as files, json, locust's three files, html,
# --list, the verdict lines -o prints, stderr's warnings and the exit status), so a change
# to a writer cannot alter an output without a diff here.
#
# The database is one revtrace made (a two-request capture against the emulator, so the
# schema, application_id and user_version are whatever this revtrace writes), emptied and
# filled from tests/golden/fixture.sql: runs whose every value is a function of the request
# index.  Each case runs inside the work directory with `--db golden.db` and relative -o
# paths, so no temp path reaches an output.  The one thing normalised is the report's
# creation time (markdown, remarkup, html "Generated ...", json "generated_at"), which is
# replaced by GENERATED_AT.
#
# Expected files: tests/golden/expected/CASE.EXT (stdout), CASE.stderr (when not empty) and
# the files -o writes (CASE_stats.csv, CASE.html, ...).  After an intended change to an
# output, regenerate them with the binary under test (from the repository root) and review
# the diff before committing it:
#     make && REVTRACE=$PWD/build/release/revtrace RT_GOLDEN_UPDATE=1 sh tests/cli/analyze_golden.sh
#     git diff tests/golden/expected
# The expected exit statuses are written in this script, not regenerated.  The locust files
# end their lines in CRLF: tests/golden/.gitattributes keeps git from converting them.
. tests/lib.sh

G=$(pwd)/tests/golden
W="$T/golden"
mkdir -p "$W"
LC_ALL=C
TZ=UTC
export LC_ALL TZ

# --- the database: created by revtrace, refilled from the fixture ----------------------------
make_revids 4
start_emulator
"$REVTRACE" capture "$EMU_URL" --revids "$T/revids.csv" --rate 50/s --requests 2 \
    --db "$W/golden.db" -q >"$T/capture.log" 2>&1
rc=$?
stop_emulator
if [ "$rc" != 0 ]; then
    sed 's/^/# /' "$T/capture.log"; notok "a capture creates the golden database"; finish
fi
if ! { echo "DELETE FROM requests; DELETE FROM runs;"; cat "$G/fixture.sql"; } |
        sqlite3 -batch -bail "$W/golden.db"; then
    notok "the fixture loads"; finish
fi
expect_eq "the fixture loads (5 runs, 1880 requests)" \
    "$(sql "$W/golden.db" "SELECT (SELECT count(*) FROM runs) || ' ' ||
                                  (SELECT count(*) FROM requests)")" "5 1880"

# golden CASE EXT EXIT ARGS...: run `analyze --db golden.db ARGS` in the work directory,
# stdout into CASE.EXT, stderr into CASE.stderr; check the exit status.
golden() {
    name=$1; ext=$2; want=$3; shift 3
    (cd "$W" && "$REVTRACE" analyze --db golden.db "$@" >"$name.$ext" 2>"$name.stderr")
    expect_eq "golden $name: exit status" "$?" "$want"
}

# One run, four verdicts that pass, in every format.
V1="--slo p90<=500ms --slo p99.9<2s --min-rate 15/s --max-errors 10%"
golden list txt 0 --list
golden text txt 0 1 $V1
golden markdown md 0 1 $V1 -f markdown
golden remarkup txt 0 1 $V1 -f remarkup
golden json json 0 1 $V1 -f json
golden csv txt 0 1 $V1 -f csv -o csv
golden csv-stdout csv 0 1 $V1 -f csv
golden locust txt 0 1 $V1 -f locust -o locust
golden html txt 0 1 $V1 -f html -o html.html
# Two runs compared (the replay is slower: the 10% threshold fails).
golden compare txt 1 1 2 --threshold 10%
golden compare-json json 1 1 2 --threshold 10% -f json
# Several runs: a baseline, a replay judged alone, a merged group with a partial shard, a run
# without any HTTP-200 answer; in every format.
VN="1 2 --group shards-7 5 --threshold 40% --judge 2 --min-rate 30/s --max-errors 5%"
golden multi txt 1 $VN
golden multi-markdown md 1 $VN -f markdown
golden multi-remarkup txt 1 $VN -f remarkup
golden multi-json json 1 $VN -f json
golden multi-csv csv 1 $VN -f csv
golden multi-locust txt 1 $VN -f locust -o multi-locust
golden multi-html html 1 $VN -f html
# Verdicts that fail on one run (exit 1), and a run with nothing to measure.
golden fail txt 1 1 --slo 'p50<=50ms' --slo 'mean<100ms' --max-errors 1% --min-rate 20/s
golden down txt 1 5
golden down-json json 1 5 -f json
# --baseline not among the runs, and a fixed --interval.
golden baseline txt 0 --baseline 1 2 --slo none --interval 5s

# More distinct error words than a report keeps (AN_MAX_ERRWORDS, 32): the rest count as
# "other", and markdown and remarkup list that row like every other format.
cp "$W/golden.db" "$T/words.db"
sql "$T/words.db" "UPDATE requests SET error = 'word' || seq WHERE run_id = 5 AND seq >= 44"
for f in markdown remarkup; do
    got=$("$REVTRACE" analyze --db "$T/words.db" 5 -f $f 2>/dev/null | grep -c '^| error other | 5 |$')
    expect_eq "$f lists the errors beyond the 32 kept words as other" "$got" 1
done

# Remarkup follows Phabricator's rules (tests/tools/remarkup_check.awk): every table's header
# separator is dashes alone (Markdown's "---:" would show as a row and leave no header), the
# text charts' code blocks close and stay within 100 ASCII columns.
for f in remarkup multi-remarkup; do
    bad=$(awk -f tests/tools/remarkup_check.awk "$W/$f.txt")
    expect_eq "remarkup $f: Phabricator's table and code-block rules" "$bad" ""
    expect_cmp "remarkup $f: one chart block per run" \
        "$(grep -c '^Latency distribution' "$W/$f.txt")" -eq "$(grep -c '^== Run ' "$W/$f.txt")"
done
bad=$(awk -f tests/tools/remarkup_check.awk "$W/markdown.md")
case $bad in *"not dashes alone"*) ok "the checker rejects Markdown's aligned separators" ;;
    *) notok "the checker rejects Markdown's aligned separators (got '$bad')" ;; esac

# HTML: the judged run's latency-over-time chart draws its SLO, the --min-rate line is
# labelled with its value, and the failed line has a colour and dash no run's lines use.
H="$W/multi-html.html"
check "html: the SLO is drawn on the latency-over-time chart" \
    sh -c "sed -n '/Latency over time/,/<\/figure>/p' '$H' | grep -q 'class=\"slot\">SLO p90&lt;=500ms<'"
check "html: the --min-rate line carries its value" grep -q 'class="slot">--min-rate 30/s<' "$H"
check "html: the failed line is apart from every run's colour and dash" \
    sh -c "grep -o 'polyline[^>]*stroke=\"#7f1d1d\"[^>]*stroke-dasharray=\"7 3 2 3\"' '$H' | grep -q . &&
           ! grep -q 'stroke=\"#7f1d1d\" stroke-width=\"2\"' '$H'"

# The creation time is the one variable byte.
ISO='[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:]\{8\}Z'
for f in "$W"/*; do
    case $f in */golden.db*) continue ;; esac
    if [ ! -s "$f" ]; then rm -f "$f"; continue; fi
    sed -e "s/Generated $ISO by/Generated GENERATED_AT by/" \
        -e 's/"generated_at": "[^"]*"/"generated_at": "GENERATED_AT"/' "$f" >"$f.n" &&
        mv "$f.n" "$f"
done
rm -f "$W"/golden.db*

if [ "${RT_GOLDEN_UPDATE:-}" = 1 ]; then
    rm -f "$G"/expected/*
    mkdir -p "$G/expected"
    cp "$W"/* "$G/expected/"
    ok "golden files written to tests/golden/expected ($(ls "$G/expected" | wc -l) files)"
    finish
fi

# Every expected file matches; no output appears that has no expected file.
for e in "$G"/expected/*; do
    b=$(basename "$e")
    if [ ! -f "$W/$b" ]; then
        notok "golden $b: not written"
    elif cmp -s "$e" "$W/$b"; then
        ok "golden $b"
    else
        notok "golden $b differs (expected, got):"
        diff -u "$e" "$W/$b" | head -n 60 | sed 's/^/# /'
    fi
done
for g in "$W"/*; do
    b=$(basename "$g")
    [ -f "$G/expected/$b" ] || notok "golden $b: written but not expected"
done
finish
