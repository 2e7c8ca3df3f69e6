-- revtrace schema, version 2: views for everyday SQL beside `latency` (001).
-- Definitions match `revtrace analyze` (docs/analyze.md): a request is ok when it got HTTP
-- 200 with no transport error; every other request failed; an answer is a completed HTTP
-- exchange of any status; latency runs from the scheduled send, service from the actual
-- send.  Views only: nothing is stored twice, so they cannot drift from the requests.

-- One row per run: counts, failure classes, rates, latency summary of the ok requests.
-- The rates are analyze's (docs/analyze.md, "achieved rate"): counts per second of the run's
-- schedule window, window_s = (last - first scheduled_us) * n / (n - 1) for n >= 2 scheduled
-- requests (the realized schedule span plus one mean inter-arrival); without a schedule span
-- (n = 1, or everything scheduled at once) the completion span, first send to last
-- completion; NULL without either.  offered_per_s = requests / window, achieved_per_s =
-- answers (any HTTP status) / window, ok_per_s = HTTP-200 answers / window (what
-- --min-rate judges).  offered_rate_per_s is the rate the run asked for (runs), NULL for
-- closed loop.  One grouped pass over the requests: no sort, no window function.
CREATE VIEW run_summary AS
WITH agg AS (
    SELECT r.id AS run_id,
           count(q.seq)                                         AS requests,
           count(q.sent_us)                                     AS sent,
           coalesce(sum(q.status > 0 AND q.error IS NULL), 0)   AS answered,
           coalesce(sum(q.status = 200 AND q.error IS NULL), 0) AS ok,
           coalesce(sum(q.status = 429), 0)                     AS status_429,
           coalesce(sum(q.status BETWEEN 500 AND 599), 0)       AS status_5xx,
           coalesce(sum(q.error IS NOT NULL), 0)                AS transport_errors,
           min(q.scheduled_us)                                  AS first_sched_us,
           max(q.scheduled_us)                                  AS last_sched_us,
           min(q.sent_us)                                       AS first_sent_us,
           max(q.sent_us + q.total_us)                          AS last_done_us,
           avg(CASE WHEN q.status = 200 AND q.error IS NULL
                    THEN q.sent_us + q.total_us - q.scheduled_us END) AS latency_mean_us,
           min(CASE WHEN q.status = 200 AND q.error IS NULL
                    THEN q.sent_us + q.total_us - q.scheduled_us END) AS latency_min_us,
           max(CASE WHEN q.status = 200 AND q.error IS NULL
                    THEN q.sent_us + q.total_us - q.scheduled_us END) AS latency_max_us,
           avg(CASE WHEN q.status = 200 AND q.error IS NULL THEN q.total_us END)
                                                                AS service_mean_us,
           avg(q.sent_us - q.scheduled_us)                      AS lag_mean_us
    FROM runs r LEFT JOIN requests q ON q.run_id = r.id
    GROUP BY r.id
),
win AS (
    SELECT *,
           CASE WHEN requests >= 2 AND last_sched_us > first_sched_us
                THEN 1.0 * (last_sched_us - first_sched_us) * requests / (requests - 1)
                WHEN last_done_us > first_sent_us
                THEN 1.0 * (last_done_us - first_sent_us)
           END                                                  AS window_us,
           CASE WHEN last_done_us > first_sent_us
                THEN (last_done_us - first_sent_us) / 1e6
           END                                                  AS completion_span_s
    FROM agg
)
SELECT r.id                                                     AS run_id,
       r.name, r.kind, r.status, r.started_at, r.finished_at, r.target, r.group_id,
       w.requests, w.sent, w.answered, w.ok,
       w.requests - w.ok                                        AS failed,
       CASE WHEN w.requests > 0 THEN 1.0 * (w.requests - w.ok) / w.requests END
                                                                AS error_ratio,
       w.status_429, w.status_5xx, w.transport_errors,
       r.offered_rate_per_s                                     AS offered_rate_per_s,
       w.window_us / 1e6                                        AS window_s,
       w.requests * 1e6 / w.window_us                           AS offered_per_s,
       w.answered * 1e6 / w.window_us                           AS achieved_per_s,
       w.ok * 1e6 / w.window_us                                 AS ok_per_s,
       (w.requests - w.ok) * 1e6 / w.window_us                  AS failed_per_s,
       w.completion_span_s,
       w.latency_mean_us, w.latency_min_us, w.latency_max_us, w.service_mean_us,
       w.lag_mean_us
FROM runs r JOIN win w ON w.run_id = r.id;

-- Per-second throughput by completion time (seconds after the run's t0): how many requests
-- ended in that second, how many were ok, failed, rate limited, server errors.
CREATE VIEW throughput_per_s AS
SELECT run_id,
       (sent_us + total_us) / 1000000                           AS second,
       count(*)                                                 AS completed,
       sum(status > 0 AND error IS NULL)                        AS answered,
       sum(status = 200 AND error IS NULL)                      AS ok,
       sum(NOT (status = 200 AND error IS NULL))                AS failed,
       sum(status = 429)                                        AS status_429,
       sum(status BETWEEN 500 AND 599)                          AS status_5xx
FROM requests
WHERE sent_us IS NOT NULL AND total_us IS NOT NULL
GROUP BY run_id, second;

-- Exact nearest-rank percentiles of the ok latencies, per run: pXX is the value at rank
-- ceil(XX/100 * n).  Sorts each run's latencies; expect about a second per million rows.
CREATE VIEW latency_percentiles AS
WITH ok AS (
    SELECT run_id, sent_us + total_us - scheduled_us AS latency_us,
           row_number() OVER (PARTITION BY run_id
                              ORDER BY sent_us + total_us - scheduled_us) AS rn,
           count(*) OVER (PARTITION BY run_id) AS n
    FROM requests
    WHERE status = 200 AND error IS NULL AND sent_us IS NOT NULL AND total_us IS NOT NULL
)
SELECT run_id, n,
       max(CASE WHEN rn = (n * 50 + 99) / 100 THEN latency_us END)       AS p50_us,
       max(CASE WHEN rn = (n * 90 + 99) / 100 THEN latency_us END)       AS p90_us,
       max(CASE WHEN rn = (n * 95 + 99) / 100 THEN latency_us END)       AS p95_us,
       max(CASE WHEN rn = (n * 99 + 99) / 100 THEN latency_us END)       AS p99_us,
       max(CASE WHEN rn = (n * 999 + 999) / 1000 THEN latency_us END)    AS p99_9_us,
       max(latency_us)                                                   AS max_us
FROM ok
GROUP BY run_id;
