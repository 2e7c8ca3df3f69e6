#!/bin/sh
# emulate_calibrate.sh - the shortened calibration check (make check): two published rows,
# staging 100 users and prod 100 users (spawn 5/s), 30 s instead of 120 s, both at once.
# A 30 s run spends two thirds of its time spawning users, so its figures sit below the 120 s
# ones: in virtual time (10 seeds) staging gives -9..-16% requests/s, -32..-50% median,
# p90 -30..+5%; prod -24% requests/s, median and p90 within 5%.  The tolerances are therefore
# looser than make calibrate's: 40% on requests/s, 60% on the median, 50% on p90; they still
# catch a broken profile (an unloaded staging replica would be -80% on the median).
# Bounded to ~40 s of wall time; the full check is `make calibrate`.
. tests/lib.sh
if [ "${RT_SKIP_CALIBRATE:-0}" = 1 ]; then ok "calibration check skipped (RT_SKIP_CALIBRATE=1)"; finish; fi
out=$(REVTRACE="$REVTRACE" RT_CAL_ROWS="4 7" RT_CAL_DURATION=30 RT_CAL_TOL="40 60 50" \
    timeout 120 sh bench/calibrate.sh 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
expect_eq "staging 100 users and prod 100 users within the short-run tolerances" "$rc" 0
n=$(echo "$out" | grep -c ' ok .* ok .* ok ')
expect_eq "both rows reported" "$n" 2
finish
