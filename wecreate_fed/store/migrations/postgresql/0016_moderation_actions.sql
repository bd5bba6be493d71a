-- PostgreSQL's 0016_moderation_actions.sql (the SQLite file stays as installed instances applied it): the same
-- tables, columns, defaults, keys and indexes; integers are BIGINT, row ids identity columns.

-- Moderation actions on content: hidden (not listed anywhere, its page says so to everyone but its
-- author and the moderators) and sensitive (its image is shown behind a click; ours federate
-- `sensitive: true`). Content: ideas, events, motions, and the objects (comments, box posts).
-- held_at: a new account's first post waits for a moderator (the spam brake hold_first_posts).
ALTER TABLE ideas ADD COLUMN hidden_at TEXT;
ALTER TABLE ideas ADD COLUMN sensitive BIGINT NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN hidden_at TEXT;
ALTER TABLE motions ADD COLUMN hidden_at TEXT;
ALTER TABLE objects ADD COLUMN hidden_at TEXT;
ALTER TABLE objects ADD COLUMN sensitive BIGINT NOT NULL DEFAULT 0;
-- Held posts are hidden too (hidden_at set with held_at), so every listing leaves them out alike.
ALTER TABLE ideas ADD COLUMN held_at TEXT;
ALTER TABLE objects ADD COLUMN held_at TEXT;
CREATE INDEX ideas_held ON ideas (held_at) WHERE held_at IS NOT NULL;
CREATE INDEX objects_held ON objects (held_at) WHERE held_at IS NOT NULL;

-- The listings leave out what suspended or limited accounts wrote (store/sanctions.listed, shown):
-- these keep that look-up to the few moderated accounts however many actors are known.
CREATE INDEX actors_moderated ON actors (id) WHERE suspended_at IS NOT NULL OR limited_at IS NOT NULL;
CREATE INDEX actors_suspended ON actors (id) WHERE suspended_at IS NOT NULL;

-- A suspension whose grace period ended and whose account was deleted: the worker's mark.
ALTER TABLE moderation_actions ADD COLUMN carried_out_at TEXT;
CREATE INDEX moderation_actions_due ON moderation_actions (kind, final_at) WHERE undone_at IS NULL AND carried_out_at IS NULL;
