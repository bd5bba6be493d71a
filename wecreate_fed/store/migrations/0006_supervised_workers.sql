-- The civic counts queue keeps attempts and the last error, like the other two queues,
-- so an idea whose Update fails is retried with back-off and never blocks the others.
ALTER TABLE ideas ADD COLUMN counts_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ideas ADD COLUMN counts_retry_at TEXT;
ALTER TABLE ideas ADD COLUMN counts_error TEXT;
