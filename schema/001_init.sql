-- revtrace schema, version 1: runs, requests and the latency view.
-- Times: *_us columns are microseconds. requests.scheduled_us and sent_us count from the run's
-- scheduled time 0 (runs.t0_unix_us, wall clock); the phase columns (dns_us .. total_us) are
-- cumulative from the send, as libcurl reports them.

CREATE TABLE runs (
    id              INTEGER PRIMARY KEY,
    uuid            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('capture', 'replay', 'proxy')),
    target          TEXT NOT NULL,
    source_run_uuid TEXT,                 -- replay: the run it re-issues
    speed           REAL,                 -- replay: time factor
    shard           TEXT,                 -- replay: 'i/n' when sharded
    group_id        TEXT,                 -- runs meant to be analyzed as one (shards)
    t0_unix_us      INTEGER NOT NULL,     -- wall clock of scheduled time 0
    started_at      TEXT NOT NULL,        -- ISO-8601 UTC
    finished_at     TEXT,
    status          TEXT NOT NULL DEFAULT 'running'
                    CHECK (status IN ('running', 'complete', 'interrupted', 'failed')),
    config_json     TEXT NOT NULL DEFAULT '{}',  -- every option; secrets redacted
    tool_version    TEXT NOT NULL,
    hostname        TEXT NOT NULL,
    offered_rate_per_s REAL              -- the load asked for (open loop), NULL closed loop
);

CREATE TABLE requests (
    run_id       INTEGER NOT NULL REFERENCES runs(id),
    seq          INTEGER NOT NULL,        -- 0-based scheduling order
    rev_id       INTEGER NOT NULL,
    scheduled_us INTEGER NOT NULL,        -- after t0
    sent_us      INTEGER,                 -- after t0; NULL if never sent
    dns_us       INTEGER,
    connect_us   INTEGER,
    tls_us       INTEGER,
    ttfb_us      INTEGER,
    total_us     INTEGER,
    status       INTEGER NOT NULL DEFAULT 0,  -- HTTP status, 0 when none
    error        TEXT,                    -- NULL: complete exchange; else a short word
    bytes_in     INTEGER NOT NULL DEFAULT 0,
    prediction   INTEGER,                 -- 0/1 when the answer parses
    p_true       REAL,
    body         BLOB,                    -- zlib-compressed answer (--keep-bodies)
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

-- Latency is measured from the scheduled send time (free of coordinated omission);
-- service time from the actual send; lag is how late the send was.
CREATE VIEW latency AS
SELECT run_id, seq, rev_id, status, error,
       sent_us + total_us - scheduled_us AS latency_us,
       total_us                          AS service_us,
       sent_us - scheduled_us            AS lag_us
FROM requests;
