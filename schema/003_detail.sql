-- revtrace schema, version 3: why a request failed, and how long the load generator itself
-- stalled.  Additive: older rows have NULL in both.

-- libcurl's own words for a failed exchange (its CURLOPT_ERRORBUFFER text, at most 200
-- characters), e.g. "SSL certificate problem: self-signed certificate" beside error 'tls',
-- "Failed to connect to 10.0.0.1 port 443 after 3 ms: Connection refused" beside 'connect'.
-- NULL on a complete exchange, and for deadline, canceled and too_large (the word says it).
ALTER TABLE requests ADD COLUMN error_detail TEXT;

-- The longest gap between two turns of the send loop (µs): the time the load generator
-- itself was not running (SIGSTOP, a descheduled VM, swapping).  Requests in flight across
-- such a stall are charged the stall as service time; requests due in it show it as lag.
-- NULL for runs recorded before version 3.
ALTER TABLE runs ADD COLUMN max_loop_stall_us INTEGER;
