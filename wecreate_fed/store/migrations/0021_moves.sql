-- Moving an account to another server (Move, alsoKnownAs, movedTo; FEP-7628).
-- moved_to: the id of the account it moved to (ours: set by its owner; a remote one: after a
-- verified Move, never from a fetched document). moved_at: when, for the cool-down.
ALTER TABLE actors ADD COLUMN moved_to TEXT;
ALTER TABLE actors ADD COLUMN moved_at TEXT;

-- The other accounts a local account says it also is (its alsoKnownAs): an account elsewhere may
-- then move here. Only the ids are kept; they are checked again when a Move arrives.
CREATE TABLE actor_aliases (
    actor_id            INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    alias_ap_id         TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    PRIMARY KEY (actor_id, alias_ap_id)
);

-- Every move made here or received: one per (account, activity), for the record and the cool-down.
CREATE TABLE moves (
    id                  INTEGER PRIMARY KEY,
    actor_id            INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,  -- the account that moved
    target_ap_id        TEXT NOT NULL,
    activity_ap_id      TEXT NOT NULL UNIQUE,
    followers_moved     INTEGER NOT NULL DEFAULT 0,   -- local followers that followed the target
    created_at          TEXT NOT NULL
);
CREATE INDEX moves_actor ON moves (actor_id, id);
