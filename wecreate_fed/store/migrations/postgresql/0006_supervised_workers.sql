-- PostgreSQL's 0006_supervised_workers.sql (the SQLite file stays as installed instances applied it): the same
-- tables, columns, defaults, keys and indexes; integers are BIGINT, row ids identity columns.

-- The civic counts queue keeps attempts and the last error, like the other two queues,
-- so an idea whose Update fails is retried with back-off and never blocks the others.
ALTER TABLE ideas ADD COLUMN counts_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ideas ADD COLUMN counts_retry_at TEXT;
ALTER TABLE ideas ADD COLUMN counts_error TEXT;
