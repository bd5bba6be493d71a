-- PostgreSQL's 0031_publish.sql (the SQLite file stays as installed instances applied it): the same
-- tables, columns, defaults, keys and indexes; integers are BIGINT, row ids identity columns.

-- From the intranet to the marketplace (issue 12, "publish"): an organisation's internal draft
-- (a members-only idea) published as the organisation's public idea. Internal only: nothing of
-- this table is in any document, so the public idea names no draft.

CREATE TABLE publications (
    draft_id            BIGINT PRIMARY KEY REFERENCES ideas (id) ON DELETE CASCADE,
    idea_id             BIGINT NOT NULL UNIQUE REFERENCES ideas (id) ON DELETE CASCADE,
    org_id              BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    published_by        BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    published_at        TEXT NOT NULL
);

-- The city instances (their instance actors) a private instance delivered the public idea to:
-- every later change of the idea (counts, status, edits, its deletion) goes to them as well.
CREATE TABLE publication_targets (
    idea_id             BIGINT NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    actor_id            BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    PRIMARY KEY (idea_id, actor_id)
);
