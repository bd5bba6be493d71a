-- Issue 14 (q-speed): the inbox worker's statements find their rows by an index, however many
-- remote actors are cached (tests/federation/test_inbox_batches.py plans each with EXPLAIN QUERY PLAN).

-- The instance actor (it signs every fetch): was a scan of all actors.
CREATE INDEX actors_local_type ON actors (type, id) WHERE is_local = 1;
