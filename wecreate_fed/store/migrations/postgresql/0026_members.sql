-- PostgreSQL's 0026_members.sql (the SQLite file stays as installed instances applied it): the same
-- tables, columns, defaults, keys and indexes; integers are BIGINT, row ids identity columns.

-- Organisation spaces (issue 12, "members"): the local accounts that belong to a local
-- Organization, with a role, and the third audience beside public and followers.
-- Members are local accounts only: members-only content is delivered to no server at all.

CREATE TABLE org_members (
    org_id              BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    actor_id            BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    role                TEXT NOT NULL DEFAULT 'member',   -- member, board, admin
    state               TEXT NOT NULL,                    -- invited, requested, accepted
    skills              TEXT NOT NULL DEFAULT '',         -- what the member offers (plain text, their own)
    invited_by          BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    created_at          TEXT NOT NULL,
    accepted_at         TEXT,
    PRIMARY KEY (org_id, actor_id),
    CHECK (role IN ('member', 'board', 'admin')),
    CHECK (state IN ('invited', 'requested', 'accepted'))
);
CREATE INDEX org_members_actor ON org_members (actor_id, state);

-- A registration invitation (invitations) that also joins a space: the CSV import mails one to
-- each address without an account here; registering with it makes the new account a member.
CREATE TABLE org_invitations (
    invitation_id       BIGINT PRIMARY KEY REFERENCES invitations (id) ON DELETE CASCADE,
    org_id              BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    role                TEXT NOT NULL DEFAULT 'member',
    name                TEXT NOT NULL DEFAULT '',
    email               TEXT NOT NULL,
    invited_by          BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    created_at          TEXT NOT NULL,
    CHECK (role IN ('member', 'board', 'admin'))
);
CREATE INDEX org_invitations_org ON org_invitations (org_id);

-- The audience: NULL = public or followers as before; an Organization's id = only its accepted
-- members (and the Organization itself); the instance actor's id = every local account (private instance).
ALTER TABLE ideas ADD COLUMN members_of BIGINT REFERENCES actors (id);
ALTER TABLE events ADD COLUMN members_of BIGINT REFERENCES actors (id);
ALTER TABLE objects ADD COLUMN members_of BIGINT REFERENCES actors (id);
CREATE INDEX ideas_members_of ON ideas (members_of) WHERE members_of IS NOT NULL;
CREATE INDEX events_members_of ON events (members_of) WHERE members_of IS NOT NULL;
CREATE INDEX objects_members_of ON objects (members_of) WHERE members_of IS NOT NULL;
