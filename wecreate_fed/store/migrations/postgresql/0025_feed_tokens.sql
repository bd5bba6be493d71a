-- PostgreSQL's 0025_feed_tokens.sql (the SQLite file stays as installed instances applied it): the same
-- tables, columns, defaults, keys and indexes; integers are BIGINT, row ids identity columns.

-- Personal secret feed addresses (issue 12, "gate"): one per account, for the Atom and iCal
-- feeds a feed reader or a calendar app fetches without a login (a private instance has no public
-- feeds). Only the token's SHA-256 is kept, as for sessions: a copy of the database opens no feed.
CREATE TABLE feed_tokens (
    actor_id            BIGINT PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    token_hash          TEXT NOT NULL UNIQUE,
    created_at          TEXT NOT NULL,
    used_at             TEXT   -- the last fetch with it, shown on the settings page
);
