-- Polls: ActivityStreams Questions (oneOf / anyOf) by a local person, on their profile, in a box,
-- or for the members of an organisation space (members_of, as ideas and events have it).
CREATE TABLE polls (
    id                  INTEGER PRIMARY KEY,
    ap_id               TEXT NOT NULL UNIQUE,
    author_id           INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    box_id              INTEGER REFERENCES actors (id) ON DELETE CASCADE,     -- a poll inside a box
    members_of          INTEGER REFERENCES actors (id),                       -- NULL: public
    question            TEXT NOT NULL,
    multiple            INTEGER NOT NULL DEFAULT 0,     -- anyOf (several options) instead of oneOf
    secret              INTEGER NOT NULL DEFAULT 0,     -- only totals and who voted are kept
    live_results        INTEGER NOT NULL DEFAULT 0,     -- totals shown while open (open ballots only)
    end_time            TEXT,                           -- NULL: open until its author closes it
    closed_at           TEXT,
    voters_count        INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL,
    -- The batched Update of the Question to other servers: due at, tries, the last error.
    update_due_at       TEXT,
    update_attempts     INTEGER NOT NULL DEFAULT 0,
    update_error        TEXT,
    closing_sent        INTEGER NOT NULL DEFAULT 0,     -- the Update saying it is closed went out
    deleted_at          TEXT
);
CREATE INDEX polls_author ON polls (author_id, id);
CREATE INDEX polls_box ON polls (box_id, id);
CREATE INDEX polls_update_due ON polls (update_due_at) WHERE update_due_at IS NOT NULL;
CREATE INDEX polls_end ON polls (end_time) WHERE closing_sent = 0;

-- The options, each with its total: the only place a secret ballot's choices are counted.
CREATE TABLE poll_options (
    poll_id             INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    position            INTEGER NOT NULL,
    name                TEXT NOT NULL,
    votes               INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (poll_id, position)
);

-- Who voted (once per actor), never what. No time and no row id: kept in the order of the key, so
-- the order of the rows does not tell when someone voted either.
CREATE TABLE poll_voters (
    poll_id             INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    actor_id            INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    PRIMARY KEY (poll_id, actor_id)
) WITHOUT ROWID;

-- What each voter chose: open ballots only (a secret ballot has no such rows).
CREATE TABLE poll_choices (
    poll_id             INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    actor_id            INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    position            INTEGER NOT NULL,
    vote_ap_id          TEXT,                           -- the remote vote's Note
    created_at          TEXT NOT NULL,
    PRIMARY KEY (poll_id, actor_id, position)
);
