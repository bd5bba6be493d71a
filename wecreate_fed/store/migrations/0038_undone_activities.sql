-- Ids of activities their actor undid (an Undo of a Like, Announce, Follow or Join), whether or
-- not we had the activity: an Undo may overtake it (the Like's delivery failed and came again
-- after the Undo's), and the later activity then changes nothing. Kept as long as seen ids.
CREATE TABLE undone_activities (
    ap_id      TEXT NOT NULL,
    undone_by  TEXT NOT NULL,   -- the actor id whose Undo it was: only its own activities count
    undone_at  TEXT NOT NULL,
    PRIMARY KEY (ap_id, undone_by)  -- another actor's Undo of the same id takes no one's place
);
CREATE INDEX undone_activities_by_time ON undone_activities (undone_at);
