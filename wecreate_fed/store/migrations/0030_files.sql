-- Files in boxes and organisation spaces (issue 12, "files"): each belongs to exactly one box (its
-- members see it) or one space (`members_of`: the Organization whose members see it). The bytes live
-- under the data directory by `stored_name`, a random name; `name` is only what the download is called.

CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,                              -- random, the file's part of its download URL
    box_id INTEGER REFERENCES actors(id),
    members_of INTEGER REFERENCES actors(id),
    uploader_id INTEGER REFERENCES actors(id),
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,                              -- recognised from the bytes, never the client's
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    stored_name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    CHECK ((box_id IS NULL) <> (members_of IS NULL))
);
CREATE INDEX files_by_box ON files (box_id, created_at) WHERE box_id IS NOT NULL;
CREATE INDEX files_by_space ON files (members_of, created_at) WHERE members_of IS NOT NULL;
