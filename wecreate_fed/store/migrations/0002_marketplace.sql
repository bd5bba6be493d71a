-- The marketplace: ideas and reform proposals, their districts, topics and status history,
-- events and attendees, and per-person notifications. Districts are actors (type Group).

-- Who an actor is on the marketplace: a citizen, a party, the administration, another organisation.
ALTER TABLE actors ADD COLUMN category TEXT NOT NULL DEFAULT 'citizen';
-- A person's home district (slug), for "share of the district's population" figures.
ALTER TABLE accounts ADD COLUMN district_slug TEXT;

CREATE TABLE ideas (
    id                  INTEGER PRIMARY KEY,
    ap_id               TEXT NOT NULL UNIQUE,
    is_local            INTEGER NOT NULL DEFAULT 0,
    author_id           INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    kind                TEXT NOT NULL,           -- idea, reform_proposal
    addressed_to        TEXT,                    -- actor id a reform proposal is addressed to
    title               TEXT NOT NULL,
    summary             TEXT NOT NULL DEFAULT '',
    body_source         TEXT,                    -- Markdown, local ideas only
    body_html           TEXT NOT NULL DEFAULT '',-- sanitised
    image_url           TEXT,
    status              TEXT NOT NULL,           -- proposed, in_discussion, being_implemented, implemented, declined, withdrawn
    url                 TEXT,
    support_count       INTEGER NOT NULL DEFAULT 0,  -- local ideas: counted here; remote: as their origin says
    share_count         INTEGER NOT NULL DEFAULT 0,
    comment_count       INTEGER NOT NULL DEFAULT 0,
    counts_changed_at   TEXT,                    -- local ideas: counts changed since counts_published_at
    counts_published_at TEXT,
    published           TEXT NOT NULL,
    updated             TEXT,
    created_at          TEXT NOT NULL,
    deleted_at          TEXT
);
CREATE INDEX ideas_newest ON ideas (deleted_at, published);
CREATE INDEX ideas_supported ON ideas (deleted_at, support_count, published);
CREATE INDEX ideas_status ON ideas (status, published);
CREATE INDEX ideas_author ON ideas (author_id);
CREATE INDEX ideas_counts_dirty ON ideas (counts_changed_at) WHERE counts_changed_at IS NOT NULL;

-- Districts by the id of their actor, so ideas of other cities keep theirs.
CREATE TABLE idea_districts (
    idea_id             INTEGER NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    district_ap_id      TEXT NOT NULL,
    PRIMARY KEY (idea_id, district_ap_id)
);
CREATE INDEX idea_districts_district ON idea_districts (district_ap_id, idea_id);

CREATE TABLE idea_topics (
    idea_id             INTEGER NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    topic               TEXT NOT NULL,           -- lower-case hashtag without '#'
    PRIMARY KEY (idea_id, topic)
);
CREATE INDEX idea_topics_topic ON idea_topics (topic, idea_id);

CREATE TABLE idea_status_changes (
    id                  INTEGER PRIMARY KEY,
    idea_id             INTEGER NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    status              TEXT NOT NULL,
    changed_by          TEXT,                    -- actor id
    note                TEXT NOT NULL DEFAULT '',
    changed_at          TEXT NOT NULL
);
CREATE INDEX idea_status_changes_idea ON idea_status_changes (idea_id, id);

CREATE INDEX reactions_recent ON reactions (kind, created_at, object_ap_id);

CREATE TABLE events (
    id                  INTEGER PRIMARY KEY,
    ap_id               TEXT NOT NULL UNIQUE,
    is_local            INTEGER NOT NULL DEFAULT 0,
    organizer_id        INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    title               TEXT NOT NULL,
    description_source  TEXT,
    description_html    TEXT NOT NULL DEFAULT '',
    starts_at           TEXT NOT NULL,           -- UTC
    ends_at             TEXT NOT NULL,           -- UTC
    timezone            TEXT NOT NULL,           -- IANA name, e.g. Europe/Berlin
    place_name          TEXT,
    street              TEXT,
    postal_code         TEXT,
    locality            TEXT,
    online_url          TEXT,
    capacity            INTEGER,                 -- NULL: unlimited
    status              TEXT NOT NULL DEFAULT 'scheduled',  -- scheduled, cancelled, postponed
    idea_ap_id          TEXT,
    district_ap_id      TEXT,
    url                 TEXT,
    attendee_count      INTEGER NOT NULL DEFAULT 0,
    published           TEXT NOT NULL,
    updated             TEXT,
    created_at          TEXT NOT NULL,
    deleted_at          TEXT
);
CREATE INDEX events_upcoming ON events (deleted_at, starts_at);
CREATE INDEX events_district ON events (district_ap_id, starts_at);
CREATE INDEX events_idea ON events (idea_ap_id);

CREATE TABLE event_attendees (
    event_id            INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    actor_id            INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    state               TEXT NOT NULL,           -- pending, accepted, rejected
    join_ap_id          TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    PRIMARY KEY (event_id, actor_id)
);
CREATE INDEX event_attendees_join ON event_attendees (join_ap_id);

CREATE TABLE notifications (
    id                  INTEGER PRIMARY KEY,
    actor_id            INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    kind                TEXT NOT NULL,           -- status_changed, support, comment, follow, attend
    object_ap_id        TEXT,
    by_ap_id            TEXT,
    text                TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL,
    read_at             TEXT
);
CREATE INDEX notifications_actor ON notifications (actor_id, id);
