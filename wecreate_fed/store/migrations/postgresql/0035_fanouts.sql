-- PostgreSQL's 0035_fanouts.sql: the same table (BIGINT ids), the same move of the settings rows.
CREATE TABLE fanouts (
    activity_id         BIGINT PRIMARY KEY REFERENCES activities (id) ON DELETE CASCADE,
    after_inbox         TEXT NOT NULL,
    created_at          TEXT NOT NULL
);

INSERT INTO fanouts (activity_id, after_inbox, created_at)
    SELECT f.activity_id, f.value, f.created_at
    FROM (SELECT CASE WHEN key ~ '^fanout\.[0-9]{1,18}$' THEN substr(key, 8)::bigint END AS activity_id,
                 value, created_at
          FROM settings WHERE key LIKE 'fanout.%') AS f
    JOIN activities a ON a.id = f.activity_id;
DELETE FROM settings WHERE key LIKE 'fanout.%';
