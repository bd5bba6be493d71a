-- Posts a remote box we belong to removed (moderation), whether or not we had them: a Remove may
-- overtake the box's relay of the post (the Announce's delivery failed and came again after the
-- Remove's), and the late relay then stores nothing. Kept as long as seen ids.
CREATE TABLE box_removals (
    post_ap_id  TEXT NOT NULL,
    box_ap_id   TEXT NOT NULL,   -- only this box's own relays of the post are refused
    removed_at  TEXT NOT NULL,
    PRIMARY KEY (post_ap_id, box_ap_id)
);
CREATE INDEX box_removals_by_time ON box_removals (removed_at);
