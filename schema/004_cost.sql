-- revtrace schema, version 4: what the run cost the load generator itself.  Additive: older
-- runs have NULL.

-- CPU time (user + system, µs) the revtrace process used from the start of sending until
-- every record was committed: the send loop, the writer (answer parsing, compression,
-- SQLite) and the progress display together.  Set up and trace loading are not counted.
-- Beside max_loop_stall_us it tells whether the tool itself was near its limit: a run whose
-- CPU approaches one core per second of the run had a busy send loop.
ALTER TABLE runs ADD COLUMN client_cpu_us INTEGER;
