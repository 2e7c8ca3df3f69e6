-- tests/golden/fixture.sql - the fixed runs analyze's golden-output tests report on
-- (tests/cli/analyze_golden.sh applies it to a database revtrace created, after emptying it).
-- Every value is a function of the request's index, so the reports are the same on every
-- machine and every day.  Five runs:
--   1 'baseline'   capture, 600 requests every 50 ms (20/s), complete: HTTP 200, 429, 502
--                  and transport errors (deadline, reset); a new TLS connection every 100th
--                  request, keep-alive otherwise; a slow tail (every 150th ~1 s).
--   2 a replay of run 1 at speed 2 (every 25 ms), slower and with more 429s; its name
--                  carries characters every format must escape or defuse.
--   3, 4           the two shards of a replay of run 1 (group 'shards-7', 300 requests each,
--                  t0 2 ms apart); shard 2/2 was interrupted and its last 4 requests were
--                  never sent.
--   5 'down'       80 requests, none answered (connect errors): every latency figure is
--                  missing.

INSERT INTO runs (id, uuid, name, kind, target, source_run_uuid, speed, shard, group_id,
  t0_unix_us, started_at, finished_at, status, config_json, tool_version, hostname,
  offered_rate_per_s)
VALUES
 (1, '5f0c2a9e-1d3b-4c8e-9a1f-000000000001', 'baseline', 'capture',
  'http://127.0.0.1:8080/v1/models/revertrisk-wikidata:predict', NULL, NULL, NULL, NULL,
  1764000000000000, '2025-11-24T16:00:00Z', '2025-11-24T16:00:31Z', 'complete',
  '{"rate":"20/s","arrivals":"constant","requests":600,"deadline":"5s","seed":42}',
  '0.1.0', 'loadgen-1', 20),
 (2, '5f0c2a9e-1d3b-4c8e-9a1f-000000000002', 'replay 2x <i>&"q''|{x}', 'replay',
  'http://127.0.0.1:8080/v1/models/revertrisk-wikidata:predict',
  '5f0c2a9e-1d3b-4c8e-9a1f-000000000001', 2.0, NULL, NULL,
  1764000100000000, '2025-11-24T16:01:40Z', '2025-11-24T16:01:56Z', 'complete',
  '{"speed":2,"source":"baseline","note":"<b>&amp;</b>"}', '0.1.0', 'loadgen-1', 40),
 (3, '5f0c2a9e-1d3b-4c8e-9a1f-000000000003', 'sharded', 'replay',
  'http://127.0.0.1:8080/v1/models/revertrisk-wikidata:predict',
  '5f0c2a9e-1d3b-4c8e-9a1f-000000000001', 1.0, '1/2', 'shards-7',
  1764000200000000, '2025-11-24T16:03:20Z', '2025-11-24T16:03:51Z', 'complete',
  '{"shard":"1/2"}', '0.1.0', 'loadgen-1', 10),
 (4, '5f0c2a9e-1d3b-4c8e-9a1f-000000000004', 'sharded', 'replay',
  'http://127.0.0.1:8080/v1/models/revertrisk-wikidata:predict',
  '5f0c2a9e-1d3b-4c8e-9a1f-000000000001', 1.0, '2/2', 'shards-7',
  1764000200002000, '2025-11-24T16:03:20Z', NULL, 'interrupted',
  '{"shard":"2/2"}', '0.1.0', 'loadgen-2', 10),
 (5, '5f0c2a9e-1d3b-4c8e-9a1f-000000000005', 'down', 'capture',
  'http://127.0.0.1:8081/v1/models/revertrisk-wikidata:predict', NULL, NULL, NULL, NULL,
  1764000300000000, '2025-11-24T16:05:00Z', '2025-11-24T16:05:08Z', 'failed',
  '{"rate":"10/s"}', '0.1.0', 'loadgen-1', 10);

-- Runs 1 and 2: one request shape, run 2 on a schedule twice as fast and 30 % slower.
-- wait = the server's time to first byte once connected; every 150th request waits ~1 s.
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 599),
k(run_id, step_us, slow_pct) AS (VALUES (1, 50000, 100), (2, 25000, 130)),
q AS (
  SELECT run_id, i, i * step_us AS sched, 100 + (i * 37) % 900 AS lag,
    CASE WHEN i % 100 = 0 THEN 1500 ELSE 15 END AS dns,
    CASE WHEN i % 100 = 0 THEN 2400 ELSE 55 END AS conn,
    CASE WHEN i % 100 = 0 THEN 6400 ELSE 0 END AS tls,
    (20000 + (i * 7919) % 180000 + CASE WHEN i % 150 = 17 THEN 900000 ELSE 0 END)
      * slow_pct / 100 AS wait,
    200 + (i * 13) % 800 AS xfer,
    CASE WHEN i % 97 = 5 THEN 0 WHEN i % 211 = 100 THEN 0 WHEN i % 60 = 7 THEN 502
         WHEN i % (CASE run_id WHEN 1 THEN 45 ELSE 20 END) = 3 THEN 429 ELSE 200 END AS status,
    CASE WHEN i % 97 = 5 THEN 'deadline' WHEN i % 211 = 100 THEN 'reset' END AS error
  FROM s, k)
INSERT INTO requests (run_id, seq, rev_id, scheduled_us, sent_us, dns_us, connect_us, tls_us,
  ttfb_us, total_us, status, error, bytes_in)
SELECT run_id, i, 2000000000 + i * 7919, sched, sched + lag, dns, conn, tls,
  CASE WHEN error IS NULL THEN max(conn, tls) + wait END,
  CASE WHEN error = 'deadline' THEN 5000000 WHEN error = 'reset' THEN max(conn, tls) + 300
       ELSE max(conn, tls) + wait + xfer END,
  status, error,
  CASE status WHEN 200 THEN 120 + i % 7 WHEN 429 THEN 40 WHEN 502 THEN 150 ELSE 0 END
FROM q;

-- Runs 3 and 4: run 1's requests split even/odd, 10/s each; shard 2/2 never sent its last 4.
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 299),
k(run_id, off) AS (VALUES (3, 0), (4, 1)),
q AS (
  SELECT run_id, i, 2 * i + off AS j, i * 100000 + off * 50000 AS sched,
    run_id = 4 AND i >= 296 AS unsent
  FROM s, k)
INSERT INTO requests (run_id, seq, rev_id, scheduled_us, sent_us, dns_us, connect_us, tls_us,
  ttfb_us, total_us, status, error, bytes_in)
SELECT run_id, i, 2000000000 + j * 7919, sched,
  CASE WHEN unsent THEN NULL ELSE sched + 150 + (j * 53) % 700 END,
  CASE WHEN unsent THEN NULL ELSE 12 END,
  CASE WHEN unsent THEN NULL ELSE 48 END,
  CASE WHEN unsent THEN NULL ELSE 0 END,
  CASE WHEN unsent OR j % 89 = 9 THEN NULL ELSE 48 + 30000 + (j * 6007) % 150000 END,
  CASE WHEN unsent THEN NULL WHEN j % 89 = 9 THEN 5000000
       ELSE 48 + 30000 + (j * 6007) % 150000 + 300 + j % 500 END,
  CASE WHEN unsent OR j % 89 = 9 THEN 0 WHEN j % 35 = 11 THEN 503 ELSE 200 END,
  CASE WHEN unsent THEN 'canceled' WHEN j % 89 = 9 THEN 'deadline' END,
  CASE WHEN unsent OR j % 89 = 9 THEN 0 WHEN j % 35 = 11 THEN 90 ELSE 125 END
FROM q;

-- Run 5: nothing answered.
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 79)
INSERT INTO requests (run_id, seq, rev_id, scheduled_us, sent_us, dns_us, connect_us, tls_us,
  ttfb_us, total_us, status, error, bytes_in)
SELECT 5, i, 2000000000 + i, i * 100000, i * 100000 + 200, 10, NULL, NULL, NULL, 1000 + i % 9,
  0, 'connect', 0
FROM s;
