-- PostgreSQL's 0013_lease_holders.sql (the SQLite file stays as installed instances applied it): the same
-- tables, columns, defaults, keys and indexes; integers are BIGINT, row ids identity columns.

-- Leases name their holder: the claiming process's random id (minted at its start). Each
-- serving process beats in `workers` every few seconds; the rows held by a process whose
-- beat stopped are given back by the others within seconds, not when the lease runs out.
CREATE TABLE workers (
    process_id          TEXT PRIMARY KEY,
    started_at          TEXT NOT NULL,
    last_beat           TEXT NOT NULL,
    pid                 BIGINT,             -- the operating system's, for an operator reading the table
    hostname            TEXT
);
ALTER TABLE incoming ADD COLUMN locked_by TEXT;
ALTER TABLE deliveries ADD COLUMN locked_by TEXT;
-- Only rows in flight carry a holder: the reclaim reads those, never the whole table.
CREATE INDEX incoming_locked_by ON incoming (locked_by) WHERE locked_by IS NOT NULL;
CREATE INDEX deliveries_locked_by ON deliveries (locked_by) WHERE locked_by IS NOT NULL;
-- Leases taken before holders were recorded: nobody can hold them any more after an upgrade.
UPDATE incoming SET locked_until = NULL WHERE locked_until IS NOT NULL;
UPDATE deliveries SET locked_until = NULL WHERE locked_until IS NOT NULL;
