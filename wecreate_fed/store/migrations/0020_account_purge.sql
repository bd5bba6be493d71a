-- Deleted accounts are purged after a grace period (accounts.deletion_grace_days): the row of the
-- actor stays (its name and id are never reused), everything else of it goes; purged_at says when.
ALTER TABLE actors ADD COLUMN purged_at TEXT;
CREATE INDEX actors_to_purge ON actors (deleted_at) WHERE is_local = 1 AND deleted_at IS NOT NULL AND purged_at IS NULL;
