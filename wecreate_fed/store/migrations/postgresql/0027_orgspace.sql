-- PostgreSQL's 0027_orgspace.sql (the SQLite file stays as installed instances applied it): the same
-- tables, columns, defaults, keys and indexes; integers are BIGINT, row ids identity columns.

-- Organisation spaces: working groups are boxes inside a space, and the space's pinned announcements.

-- The Organization a box is a working group of (NULL: an ordinary box).
ALTER TABLE boxes ADD COLUMN org_id BIGINT REFERENCES actors (id) ON DELETE CASCADE;
CREATE INDEX boxes_org ON boxes (org_id) WHERE org_id IS NOT NULL;

-- Notes of an Organization pinned by its board or admins; the public ones are its `featured` collection.
CREATE TABLE org_pins (
    org_id              BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    object_id           BIGINT NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
    pinned_by           BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    pinned_at           TEXT NOT NULL,
    PRIMARY KEY (org_id, object_id)
);
