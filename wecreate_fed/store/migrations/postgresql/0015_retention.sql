-- PostgreSQL's 0015_retention.sql (the SQLite file stays as installed instances applied it): the same
-- tables, columns, defaults, keys and indexes; integers are BIGINT, row ids identity columns.

-- Retention (store/retention.py): processed queue rows are pruned after [retention] times.
-- The inbox's duplicate check outlives them in a compact table: a 16-byte hash of each pruned
-- incoming activity id, kept retention.seen_days, so an activity repeated after its row was
-- pruned is still refused (the insert checks both tables).
CREATE TABLE seen_activities (
    id_hash             BYTEA NOT NULL UNIQUE,   -- first 16 bytes of SHA-256 of the activity id
    seen_at             TEXT NOT NULL            -- when its incoming row was received
);
-- Expiring cached remote objects asks "does anything here still name this id?"; these two
-- tables were not indexed by the id they name.
CREATE INDEX activities_object ON activities (object_ap_id);
CREATE INDEX notifications_object ON notifications (object_ap_id);
