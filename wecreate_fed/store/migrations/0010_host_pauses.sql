-- A host that answered 429 or 503 with Retry-After: none of its deliveries is attempted
-- before then (not only the one that got the answer). Kept apart from probe_after, which
-- a success clears: a host that asked us to wait is not hurried by one 202 still in flight.
ALTER TABLE hosts ADD COLUMN paused_until TEXT;
