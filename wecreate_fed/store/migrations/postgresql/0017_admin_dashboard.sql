-- PostgreSQL's 0017_admin_dashboard.sql (the SQLite file stays as installed instances applied it): the same
-- tables, columns, defaults, keys and indexes; integers are BIGINT, row ids identity columns.

-- The admin's view: the remote instances known here with what their NodeInfo says, and the
-- indexes that keep the dashboard's counts to the period or state they show (it stays fast with
-- 100,000 ideas and 1,000,000 queue rows: every count below reads one index range).

CREATE TABLE instances (
    host                TEXT PRIMARY KEY,         -- host[:port], as actors.domain and deliveries.host
    software            TEXT,                     -- NodeInfo software.name (lower case), NULL until fetched
    version             TEXT,
    users               BIGINT,                  -- usage.users.total, if given
    open_registrations  BIGINT,
    first_seen          TEXT NOT NULL,
    last_fetched        TEXT,                     -- the last attempt, successful or not (at most one a day)
    fetch_error         TEXT                      -- why the last attempt failed; NULL after a success
);
CREATE INDEX instances_due ON instances (last_fetched);

-- Pending deliveries per host with the oldest of them, without reading the done rows.
CREATE INDEX deliveries_state_host ON deliveries (state, host, created_at);
-- Who was here this week: logged in, published, commented.
CREATE INDEX sessions_seen ON sessions (last_seen_at, actor_id);
CREATE INDEX objects_local_created ON objects (is_local, created_at, actor_id);
CREATE INDEX ideas_local_published ON ideas (is_local, published, deleted_at, author_id);
CREATE INDEX accounts_created ON accounts (created_at);
CREATE INDEX reports_resolved ON reports (state, resolved_at);
-- What waits in the inbox queue from one host (its page): only rows not yet done are in it, so
-- it stays small and a handled row leaves it.
CREATE INDEX incoming_open_signer ON incoming (signer_ap_id, state) WHERE state <> 'done';
