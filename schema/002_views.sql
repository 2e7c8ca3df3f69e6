-- revtrace schema, version 2: views for everyday SQL beside `latency` (001).
-- Definitions match `revtrace analyze` (docs/analyze.md): a request is ok when it got HTTP
-- 200 with no transport error; every other request failed; an answer is a completed HTTP
-- exchange of any status; latency runs from the scheduled send, service from the actual
-- send.  Views only: nothing is stored twice, so they cannot drift from the requests.

-- One row per run: counts, failure classes, rates, latency summary of the ok requests.
-- achieved_per_s is analyze's: answers per second over the run's steady window, from the
-- request end at rank ceil(10% n) to the one at rank ceil(90% n) (a request ends at its
-- completion, else at its send, else at its scheduled time), counting the ends in
-- (from, to]; the whole span when those two ends coincide (docs/analyze.md, "achieved rate").
CREATE VIEW run_summary AS
WITH ev AS (
    SELECT run_id, status, error,
           coalesce(sent_us + total_us, sent_us, scheduled_us)    AS t_us,
           row_number() OVER (PARTITION BY run_id
                              ORDER BY coalesce(sent_us + total_us, sent_us, scheduled_us))
                                                                  AS rn,
           count(*) OVER (PARTITION BY run_id)                    AS n
    FROM requests
),
edge AS (
    SELECT run_id,
           max(CASE WHEN rn = (n * 10 + 99) / 100 THEN t_us END)  AS a_us,
           max(CASE WHEN rn = (n * 90 + 99) / 100 THEN t_us END)  AS b_us,
           min(t_us) AS first_us, max(t_us) AS last_us
    FROM ev GROUP BY run_id
),
win AS (
    SELECT run_id,
           CASE WHEN b_us > a_us THEN a_us ELSE first_us END      AS from_us,
           CASE WHEN b_us > a_us THEN b_us ELSE last_us END       AS to_us
    FROM edge
),
rate AS (
    SELECT w.run_id,
           coalesce(sum(e.status > 0 AND e.error IS NULL), 0) * 1e6
               / (w.to_us - w.from_us)                            AS achieved_per_s
    FROM win w LEFT JOIN ev e
         ON e.run_id = w.run_id AND e.t_us > w.from_us AND e.t_us <= w.to_us
    WHERE w.to_us > w.from_us
    GROUP BY w.run_id
)
SELECT r.id                                                     AS run_id,
       r.name, r.kind, r.status, r.started_at, r.finished_at, r.target, r.group_id,
       count(q.seq)                                             AS requests,
       count(q.sent_us)                                         AS sent,
       coalesce(sum(q.status > 0 AND q.error IS NULL), 0)       AS answered,
       coalesce(sum(q.status = 200 AND q.error IS NULL), 0)     AS ok,
       coalesce(sum(NOT (q.status = 200 AND q.error IS NULL)), 0) AS failed,
       CASE WHEN count(q.seq) > 0
            THEN 1.0 * sum(NOT (q.status = 200 AND q.error IS NULL)) / count(q.seq)
       END                                                      AS error_ratio,
       coalesce(sum(q.status = 429), 0)                         AS status_429,
       coalesce(sum(q.status BETWEEN 500 AND 599), 0)           AS status_5xx,
       coalesce(sum(q.error IS NOT NULL), 0)                    AS transport_errors,
       r.offered_rate_per_s                                     AS offered_rate_per_s,
       max(rt.achieved_per_s)                                   AS achieved_per_s,
       avg(CASE WHEN q.status = 200 AND q.error IS NULL
                THEN q.sent_us + q.total_us - q.scheduled_us END) AS latency_mean_us,
       min(CASE WHEN q.status = 200 AND q.error IS NULL
                THEN q.sent_us + q.total_us - q.scheduled_us END) AS latency_min_us,
       max(CASE WHEN q.status = 200 AND q.error IS NULL
                THEN q.sent_us + q.total_us - q.scheduled_us END) AS latency_max_us,
       avg(CASE WHEN q.status = 200 AND q.error IS NULL THEN q.total_us END) AS service_mean_us,
       avg(q.sent_us - q.scheduled_us)                          AS lag_mean_us
FROM runs r LEFT JOIN rate rt ON rt.run_id = r.id
     LEFT JOIN requests q ON q.run_id = r.id
GROUP BY r.id;

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
