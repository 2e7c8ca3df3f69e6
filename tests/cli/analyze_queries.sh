#!/bin/sh
# docs/queries.md: every ```sql block runs as written in sqlite3 against a database with the
# schema's views, returns rows, and the views agree with `revtrace analyze`.
. tests/lib.sh

DB="$T/q.db"
{ cat schema/001_init.sql schema/002_views.sql
  echo "PRAGMA application_id=1381257795; PRAGMA user_version=2;"; } | sqlite3 "$DB" ||
    { notok "schema 001 + 002 load in sqlite3"; finish; }
ok "schema 001 + 002 load in sqlite3"
sqlite3 "$DB" <<'SQL'
INSERT INTO runs (id, uuid, name, kind, target, t0_unix_us, started_at, status, config_json,
  tool_version, hostname, offered_rate_per_s, source_run_uuid, speed)
VALUES (1, 'src-uuid', 'capture-1', 'capture', 'http://127.0.0.1:9/p', 1764000000000000,
  '2025-11-24T12:00:00Z', 'complete', '{}', '0.1.0', 'h', 42, NULL, NULL),
 (2, 'rep-uuid', 'replay-1', 'replay', 'http://127.0.0.1:9/p', 1764000100000000,
  '2025-11-24T12:01:40Z', 'complete', '{}', '0.1.0', 'h', 84, 'src-uuid', 2);
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 2999)
INSERT INTO requests (run_id, seq, rev_id, scheduled_us, sent_us, dns_us, connect_us, tls_us,
  ttfb_us, total_us, status, error, bytes_in)
SELECT r, i, 1000 + i % 40, i * 24000 / r, i * 24000 / r + 200, 10, 60, 0,
  60 + (i * 7919) % (300000 * r), 260 + (i * 7919) % (300000 * r),
  CASE WHEN i % 97 = 5 THEN 0 WHEN i % 50 = 7 THEN 502 WHEN i % 80 = 3 THEN 429 ELSE 200 END,
  CASE WHEN i % 97 = 5 THEN 'deadline' ELSE NULL END, 100
FROM s, (SELECT 1 AS r UNION ALL SELECT 2);
SQL

# Extract the sql blocks of docs/queries.md, one file each.
awk -v dir="$T" '/^```sql$/ { n++; f = dir "/query" n ".sql"; inq = 1; next }
                 /^```$/ { inq = 0; next }
                 inq { print > f }' docs/queries.md
count=$(ls "$T"/query*.sql 2>/dev/null | wc -l)
expect_cmp "docs/queries.md has at least ten queries" "$count" -ge 10
i=1
while [ -f "$T/query$i.sql" ]; do
    title=$(grep '^## ' docs/queries.md | sed -n "${i}p" | sed 's/^## //')
    if sqlite3 -batch -bail "$DB" < "$T/query$i.sql" >"$T/out$i" 2>"$T/err$i" && [ -s "$T/out$i" ]; then
        ok "query $i runs and returns rows: $title"
    else
        sed 's/^/# /' "$T/err$i"; notok "query $i runs and returns rows: $title"
    fi
    i=$((i + 1))
done

# The views say what analyze says.
"$REVTRACE" analyze --db "$DB" 1 --slo none -f json >"$T/a.json" 2>/dev/null
p90=$(sql "$DB" "SELECT p90_us FROM latency_percentiles WHERE run_id = 1")
check "latency_percentiles p90 equals analyze's" grep -q "\"90\": $p90," "$T/a.json"
okn=$(sql "$DB" "SELECT ok FROM run_summary WHERE run_id = 1")
check "run_summary ok equals analyze's" grep -q "\"ok\": $okn," "$T/a.json"
ach=$(sql "$DB" "SELECT printf('%.4f', achieved_per_s) FROM run_summary WHERE run_id = 1")
got=$(sed -n 's/^ *"achieved_per_s": \([0-9.]*\),*$/\1/p' "$T/a.json" | head -n1)
expect_eq "run_summary achieved_per_s equals analyze's" "$(printf '%.4f' "$got")" "$ach"
tot=$(sql "$DB" "SELECT sum(completed) FROM throughput_per_s WHERE run_id = 1")
sent=$(sql "$DB" "SELECT count(*) FROM requests WHERE run_id = 1 AND sent_us IS NOT NULL")
expect_eq "throughput_per_s accounts for every completed request" "$tot" "$sent"

finish
