-- Federation core: actors (local and remote), accounts, tokens, follows,
-- objects, local activities, the inbox queue and the delivery queue.
-- Times are UTC ISO-8601 text; ActivityPub ids are unique text.

CREATE TABLE actors (
    id                  INTEGER PRIMARY KEY,
    ap_id               TEXT NOT NULL UNIQUE,
    is_local            INTEGER NOT NULL DEFAULT 0,
    username            TEXT,                 -- preferredUsername
    domain              TEXT NOT NULL,        -- host[:port] of ap_id
    type                TEXT NOT NULL,        -- Person, Organization, Application, Group, Service
    name                TEXT NOT NULL DEFAULT '',
    summary             TEXT NOT NULL DEFAULT '',   -- sanitised HTML
    icon_url            TEXT,
    url                 TEXT,
    inbox_url           TEXT NOT NULL,
    shared_inbox_url    TEXT,
    outbox_url          TEXT,
    followers_url       TEXT,
    following_url       TEXT,
    manually_approves   INTEGER NOT NULL DEFAULT 0,
    discoverable        INTEGER NOT NULL DEFAULT 1,
    key_id              TEXT UNIQUE,
    public_key_pem      TEXT,
    private_key_pem     TEXT,                 -- local actors only
    document            TEXT,                 -- the fetched JSON of a remote actor
    published           TEXT,
    fetched_at          TEXT,
    created_at          TEXT NOT NULL,
    deleted_at          TEXT
);
CREATE UNIQUE INDEX actors_local_username ON actors (username) WHERE is_local = 1;
CREATE INDEX actors_domain ON actors (domain);

CREATE TABLE accounts (
    actor_id            INTEGER PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    email               TEXT,
    password_hash       TEXT,
    role                TEXT NOT NULL DEFAULT 'user',   -- user, moderator, admin
    language            TEXT NOT NULL DEFAULT 'de',
    created_at          TEXT NOT NULL
);

CREATE TABLE tokens (
    id                  INTEGER PRIMARY KEY,
    actor_id            INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    token_hash          TEXT NOT NULL UNIQUE,  -- SHA-256 of the token; the token itself is never stored
    label               TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL,
    last_used_at        TEXT
);

CREATE TABLE follows (
    id                  INTEGER PRIMARY KEY,
    follower_id         INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    followee_id         INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    follow_ap_id        TEXT NOT NULL,        -- id of the Follow activity, for Accept/Undo
    state               TEXT NOT NULL,        -- pending, accepted
    created_at          TEXT NOT NULL,
    accepted_at         TEXT,
    UNIQUE (follower_id, followee_id)
);
CREATE INDEX follows_followee ON follows (followee_id, state, id);
CREATE INDEX follows_follow_ap_id ON follows (follow_ap_id);

CREATE TABLE objects (
    id                  INTEGER PRIMARY KEY,
    ap_id               TEXT NOT NULL UNIQUE,
    type                TEXT NOT NULL,
    actor_id            INTEGER REFERENCES actors (id) ON DELETE CASCADE,  -- attributedTo
    is_local            INTEGER NOT NULL DEFAULT 0,
    in_reply_to         TEXT,
    content             TEXT NOT NULL DEFAULT '',   -- sanitised HTML
    is_public           INTEGER NOT NULL DEFAULT 0,
    data                TEXT NOT NULL,        -- the JSON document
    published           TEXT,
    updated             TEXT,
    created_at          TEXT NOT NULL,
    deleted_at          TEXT
);
CREATE INDEX objects_actor ON objects (actor_id, id);
CREATE INDEX objects_in_reply_to ON objects (in_reply_to);

-- Likes and Announces received or sent, one per actor, kind and object.
CREATE TABLE reactions (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL,        -- Like, Announce
    actor_id            INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    object_ap_id        TEXT NOT NULL,
    activity_ap_id      TEXT NOT NULL UNIQUE,
    created_at          TEXT NOT NULL,
    UNIQUE (kind, actor_id, object_ap_id)
);
CREATE INDEX reactions_object ON reactions (object_ap_id, kind);

-- What local actors sent: the outbox collection and the source of deliveries.
CREATE TABLE activities (
    id                  INTEGER PRIMARY KEY,
    ap_id               TEXT NOT NULL UNIQUE,
    actor_id            INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    type                TEXT NOT NULL,
    object_ap_id        TEXT,
    is_public           INTEGER NOT NULL DEFAULT 0,
    data                TEXT NOT NULL,
    created_at          TEXT NOT NULL
);
CREATE INDEX activities_actor ON activities (actor_id, id);

-- The inbox queue: verified activities, stored before the 202, handled by a worker.
CREATE TABLE incoming (
    id                  INTEGER PRIMARY KEY,
    activity_ap_id      TEXT NOT NULL UNIQUE,
    type                TEXT NOT NULL,
    signer_ap_id        TEXT NOT NULL,        -- the actor whose key signed the request
    recipient_username  TEXT,                 -- personal inbox it came to, NULL for the shared inbox
    data                TEXT NOT NULL,
    received_at         TEXT NOT NULL,
    state               TEXT NOT NULL DEFAULT 'pending',   -- pending, done, failed
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     TEXT NOT NULL,
    locked_until        TEXT,
    last_error          TEXT
);
CREATE INDEX incoming_due ON incoming (state, next_attempt_at);

-- The delivery queue: one row per activity and target inbox.
CREATE TABLE deliveries (
    id                  INTEGER PRIMARY KEY,
    activity_id         INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    inbox_url           TEXT NOT NULL,
    host                TEXT NOT NULL,
    state               TEXT NOT NULL DEFAULT 'pending',   -- pending, done, gone, failed
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     TEXT NOT NULL,
    locked_until        TEXT,
    last_status         INTEGER,
    last_error          TEXT,
    created_at          TEXT NOT NULL,
    UNIQUE (activity_id, inbox_url)
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_host ON deliveries (host, state);

-- Remote hosts we deliver to: a host failing for days is skipped until it answers again.
CREATE TABLE hosts (
    host                TEXT PRIMARY KEY,
    failing_since       TEXT,
    last_success_at     TEXT,
    last_failure_at     TEXT,
    failures            INTEGER NOT NULL DEFAULT 0,  -- consecutive failed attempts
    probe_after         TEXT                 -- while failing: deliveries wait until then
);
