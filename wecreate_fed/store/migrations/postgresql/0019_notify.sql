-- PostgreSQL's 0019_notify.sql (the SQLite file stays as installed instances applied it): the same
-- tables, columns, defaults, keys and indexes; integers are BIGINT, row ids identity columns.

-- Notifications become structured events, rendered in the reader's language
-- (wecreate_fed/notify/texts.py): `text` held pre-rendered English ("Fest: you attend") or a
-- code; it becomes `params`, a JSON object of the values the kind's text needs.
ALTER TABLE notifications RENAME COLUMN text TO params;
UPDATE notifications SET params = json_build_object('action', params)::text WHERE kind IN ('moderation', 'moderation_undone');
UPDATE notifications SET params = json_build_object('outcome', params)::text WHERE kind = 'appeal_decided';
-- Older free texts cannot be taken apart again; they are shown as they were written.
UPDATE notifications SET params = json_build_object('text', params)::text
    WHERE kind NOT IN ('moderation', 'moderation_undone', 'appeal_decided');

-- Whether the notification went by mail: NULL until the notify worker looked at it, then
-- 'sent' (at once), 'later' (a digest's, or never). Nothing from before this is mailed.
ALTER TABLE notifications ADD COLUMN mail_state TEXT;
UPDATE notifications SET mail_state = 'later';
CREATE INDEX notifications_unmailed ON notifications (id) WHERE mail_state IS NULL;
CREATE INDEX notifications_created ON notifications (actor_id, created_at);

-- A person's choice per topic (reply, support, status, district, box, account): now, daily,
-- weekly or never. No row: the topic's default (wecreate_fed/notify/topics.py).
CREATE TABLE notification_preferences (
    actor_id            BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    topic               TEXT NOT NULL,
    frequency           TEXT NOT NULL,
    PRIMARY KEY (actor_id, topic)
);

-- One row per digest period handled, written in the transaction that queues its mail: the
-- primary key is what makes a digest go out at most once per period, also across restarts.
CREATE TABLE digests (
    actor_id            BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    frequency           TEXT NOT NULL,           -- daily, weekly
    period_start        TEXT NOT NULL,           -- the period's first day, in the instance's time zone
    items               BIGINT NOT NULL,
    created_at          TEXT NOT NULL,
    PRIMARY KEY (actor_id, frequency, period_start)
);
