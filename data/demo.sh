#!/bin/sh
# make demo: the whole story on the bundled emulator, offline.
#   1. start `revtrace emulate --profile prod` (the model calibrated to the published runs)
#   2. capture a production-like run: Poisson arrivals at 32,000 requests/hour
#   3. replay it at 2x and at 5x (5x = 160,000/h offered)
#   4. analyze the three runs side by side: report.html and report.remarkup; the verdicts
#      (--judge replay-5x) answer the task's question: does the service sustain the
#      consumer's 150,000 requests/hour within the SLO?
# DEMO_DURATION (default 60s) sets the capture's length; the replays take 1/2 and 1/5 of it.
# Writes into demo-out/ (database, emulator log) and report.* in the project root.
set -eu
cd "$(dirname "$0")/.."
RT=./revtrace
OUT=demo-out
DUR=${DEMO_DURATION:-60s}
mkdir -p "$OUT"
DB=$OUT/demo.db
rm -f "$DB" "$DB-wal" "$DB-shm" "$OUT/port"

"$RT" emulate --listen 127.0.0.1:0 --port-file "$OUT/port" --profile prod --seed 1 \
    >"$OUT/emulate.log" 2>&1 &
EMU=$!
trap 'kill $EMU 2>/dev/null; wait $EMU 2>/dev/null || true' EXIT INT TERM
n=500
while [ ! -s "$OUT/port" ] && [ $n -gt 0 ]; do sleep 0.02; n=$((n - 1)); done
if [ ! -s "$OUT/port" ]; then
    echo "demo: the emulator did not start:" >&2; cat "$OUT/emulate.log" >&2; exit 3
fi
URL="http://127.0.0.1:$(cat "$OUT/port")/v1/models/revertrisk-wikidata:predict"
echo "demo: emulator (profile prod) at $URL"

# 32,000/h, not 30,000/h: the 5x replay then offers 160,000/h, a little above the
# consumer's 150,000/h target (so a Poisson sample that comes out a few percent light still
# offers the target) and under the gateway's 200,000/h rate-limit tier (so 429s would be
# the service's doing, not the tier's).
echo "demo: 1/3 capture, Poisson 32000/h for $DUR"
"$RT" capture "$URL" --revids data/revids.csv --rate 32000/h --duration "$DUR" \
    --seed 42 --deadline 10s --db "$DB" --name production-like
echo "demo: 2/3 replay at 2x"
"$RT" replay "$URL" --from "$DB:production-like" --speed 2 --deadline 10s --db "$DB" \
    --name replay-2x
echo "demo: 3/3 replay at 5x (160,000/h offered; the target is 150,000/h)"
"$RT" replay "$URL" --from "$DB:production-like" --speed 5 --deadline 10s --db "$DB" \
    --name replay-5x

echo
# All three runs are compared side by side; the verdicts judge the 5x replay only (the 1x
# and 2x runs cannot offer 150,000/h, so judging them would always fail).
VERDICTS="--judge replay-5x --slo p90<=500ms --min-rate 150000/h --max-errors 1%"
set +e
# shellcheck disable=SC2086
"$RT" analyze --db "$DB" production-like replay-2x replay-5x $VERDICTS --format text
# shellcheck disable=SC2086
"$RT" analyze --db "$DB" production-like replay-2x replay-5x $VERDICTS --format html \
    -o report.html >/dev/null
# shellcheck disable=SC2086
"$RT" analyze --db "$DB" production-like replay-2x replay-5x $VERDICTS --format remarkup \
    -o report.remarkup >/dev/null
rc=$?
set -e
[ -s report.html ] && [ -s report.remarkup ] || { echo "demo: report not written" >&2; exit 3; }
echo
echo "demo: database      $DB"
echo "demo: HTML report   $(pwd)/report.html"
echo "demo: Remarkup      $(pwd)/report.remarkup  (paste into the Phabricator task)"
if [ "$rc" = 1 ]; then
    echo "demo: verdict: the 5x replay did NOT meet every target (see above); that is the"
    echo "      finding, not a failure of the demo."
elif [ "$rc" = 0 ]; then
    echo "demo: verdict: the 5x replay met every target (p90, rate, errors)."
fi
