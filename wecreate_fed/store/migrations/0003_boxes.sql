-- Boxes (collaboration spaces, Group actors) and motions (Anträge) sent to district councils.

-- Which box a post belongs to (FEP-1b12 `audience`).
ALTER TABLE objects ADD COLUMN audience TEXT;
CREATE INDEX objects_audience ON objects (audience, id);

CREATE TABLE boxes (
    actor_id            INTEGER PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,  -- the local Group
    visibility          TEXT NOT NULL,           -- open, closed, private
    problem             TEXT NOT NULL DEFAULT '',
    purpose             TEXT NOT NULL DEFAULT '',  -- what the box does
    goals               TEXT NOT NULL DEFAULT '',
    skills_sought       TEXT NOT NULL DEFAULT '',
    partners            TEXT NOT NULL DEFAULT '',
    support_sought      TEXT NOT NULL DEFAULT '',
    meeting_time        TEXT NOT NULL DEFAULT '',
    meeting_place       TEXT NOT NULL DEFAULT '',
    meeting_event_ap_id TEXT,
    district_slug       TEXT,
    created_at          TEXT NOT NULL
);

-- Membership of local boxes; remote members included. The box's followers are its members.
CREATE TABLE box_members (
    box_id              INTEGER NOT NULL REFERENCES boxes (actor_id) ON DELETE CASCADE,
    actor_id            INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    role                TEXT NOT NULL DEFAULT 'member',   -- owner, moderator, member
    state               TEXT NOT NULL,                    -- pending, accepted
    request_ap_id       TEXT,                             -- the Follow or Join that asked
    created_at          TEXT NOT NULL,
    PRIMARY KEY (box_id, actor_id)
);
CREATE INDEX box_members_actor ON box_members (actor_id, state);
CREATE INDEX box_members_request ON box_members (request_ap_id);

-- Invitations to private boxes (and to closed ones, where they skip the approval).
CREATE TABLE box_invitations (
    box_id              INTEGER NOT NULL REFERENCES boxes (actor_id) ON DELETE CASCADE,
    invitee_ap_id       TEXT NOT NULL,
    invited_by          INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    created_at          TEXT NOT NULL,
    PRIMARY KEY (box_id, invitee_ap_id)
);

CREATE TABLE box_ideas (
    box_id              INTEGER NOT NULL REFERENCES boxes (actor_id) ON DELETE CASCADE,
    idea_ap_id          TEXT NOT NULL,
    PRIMARY KEY (box_id, idea_ap_id)
);
CREATE INDEX box_ideas_idea ON box_ideas (idea_ap_id);

CREATE TABLE box_indicators (
    id                  INTEGER PRIMARY KEY,
    box_id              INTEGER NOT NULL REFERENCES boxes (actor_id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    unit                TEXT NOT NULL DEFAULT '',
    target              REAL NOT NULL,
    current             REAL NOT NULL DEFAULT 0,
    updated_at          TEXT NOT NULL
);

CREATE TABLE box_milestones (
    id                  INTEGER PRIMARY KEY,
    box_id              INTEGER NOT NULL REFERENCES boxes (actor_id) ON DELETE CASCADE,
    title               TEXT NOT NULL,
    due                 TEXT,
    done                INTEGER NOT NULL DEFAULT 0,
    position            INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE box_tasks (
    id                  INTEGER PRIMARY KEY,
    box_id              INTEGER NOT NULL REFERENCES boxes (actor_id) ON DELETE CASCADE,
    title               TEXT NOT NULL,
    state               TEXT NOT NULL DEFAULT 'open',   -- open, done
    assignee_id         INTEGER REFERENCES actors (id) ON DELETE SET NULL,
    created_by          INTEGER REFERENCES actors (id) ON DELETE SET NULL,
    created_at          TEXT NOT NULL,
    done_at             TEXT
);
CREATE INDEX box_tasks_box ON box_tasks (box_id, state, id);

-- Motions: drafted in a local box (is_local = 1), or received by a local council (is_local = 0).
CREATE TABLE motions (
    id                  INTEGER PRIMARY KEY,
    ap_id               TEXT NOT NULL UNIQUE,
    is_local            INTEGER NOT NULL,
    box_ap_id           TEXT NOT NULL,
    council_ap_id       TEXT,
    district_ap_id      TEXT,
    title               TEXT NOT NULL,
    request             TEXT NOT NULL DEFAULT '',   -- what the council should decide (Markdown)
    reasoning           TEXT NOT NULL DEFAULT '',   -- Markdown
    required_cosigners  INTEGER NOT NULL DEFAULT 0,
    state               TEXT NOT NULL,              -- draft, submitted, received, on_agenda, decided
    decision            TEXT,                       -- accepted, rejected
    decision_text       TEXT,
    agenda_date         TEXT,
    offer_ap_id         TEXT,
    revision            INTEGER NOT NULL DEFAULT 1,
    created_by          TEXT NOT NULL,              -- actor id
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    submitted_at        TEXT
);
CREATE INDEX motions_box ON motions (box_ap_id, id);
CREATE INDEX motions_council ON motions (council_ap_id, state);
CREATE INDEX motions_offer ON motions (offer_ap_id);

CREATE TABLE motion_revisions (
    motion_id           INTEGER NOT NULL REFERENCES motions (id) ON DELETE CASCADE,
    revision            INTEGER NOT NULL,
    title               TEXT NOT NULL,
    request             TEXT NOT NULL,
    reasoning           TEXT NOT NULL,
    editor_ap_id        TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    PRIMARY KEY (motion_id, revision)
);

CREATE TABLE motion_cosigners (
    motion_id           INTEGER NOT NULL REFERENCES motions (id) ON DELETE CASCADE,
    actor_ap_id         TEXT NOT NULL,
    signed_at           TEXT NOT NULL,
    PRIMARY KEY (motion_id, actor_ap_id)
);

-- What the council answered (or, on the council's side, what it sent), newest last.
CREATE TABLE motion_answers (
    id                  INTEGER PRIMARY KEY,
    motion_id           INTEGER NOT NULL REFERENCES motions (id) ON DELETE CASCADE,
    kind                TEXT NOT NULL,              -- received, on_agenda, decided
    agenda_date         TEXT,
    decision            TEXT,
    text                TEXT NOT NULL DEFAULT '',
    activity_ap_id      TEXT NOT NULL UNIQUE,
    answered_at         TEXT NOT NULL
);
CREATE INDEX motion_answers_motion ON motion_answers (motion_id, id);
