-- The fan-outs still going on (store/fanout.py) get a table of their own (issue 13): the cursor
-- (the follower inbox URL to go on after) was a `settings` row `fanout.<activity id>`, which
-- the instance's settings then listed beside its own, and which no purge of the activity removed.
CREATE TABLE fanouts (
    activity_id         INTEGER PRIMARY KEY REFERENCES activities (id) ON DELETE CASCADE,
    after_inbox         TEXT NOT NULL,
    created_at          TEXT NOT NULL
);

INSERT INTO fanouts (activity_id, after_inbox, created_at)
    SELECT CAST(substr(key, 8) AS INTEGER), value, created_at FROM settings
    WHERE key LIKE 'fanout.%' AND CAST(substr(key, 8) AS INTEGER) IN (SELECT id FROM activities);
DELETE FROM settings WHERE key LIKE 'fanout.%';
