-- Ids their author deleted, whether or not we ever stored the object (a Delete may overtake
-- its Create): a later Create or Update of such an id is refused, it never comes back.
CREATE TABLE tombstones (
    ap_id       TEXT PRIMARY KEY,
    deleted_by  TEXT NOT NULL,   -- the actor id whose Delete it was
    deleted_at  TEXT NOT NULL
);
