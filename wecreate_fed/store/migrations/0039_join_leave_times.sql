-- The last Join or Leave of a thing here (an event, a box) each remote actor sent, by the time the
-- actor's server gave it (`published`): a Join whose delivery failed and came again after the
-- Leave's is older than the Leave, and changes nothing. Kept as long as seen ids.
CREATE TABLE join_leave_times (
    object_ap_id  TEXT NOT NULL,
    actor_ap_id   TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('Join', 'Leave')),
    said_at       TEXT NOT NULL,   -- the activity's published, as UTC text (sorts as time)
    noted_at      TEXT NOT NULL,   -- when it was handled here: what retention counts from
    PRIMARY KEY (object_ap_id, actor_ap_id)
);
CREATE INDEX join_leave_times_by_time ON join_leave_times (noted_at);
CREATE INDEX join_leave_times_by_actor ON join_leave_times (actor_ap_id);  -- forgotten with the actor
