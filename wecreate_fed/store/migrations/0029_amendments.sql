-- Amendments (Änderungsanträge) to box motions (issue 12, "amend"): each replaces a range of the
-- motion's numbered lines, as they stood in the revision it was proposed against, by new text, with
-- a reason and co-signers of its own; the motion's author adopts or rejects it. Adopted ones make
-- the motion's final version (computed from that revision's text, never stored twice).
CREATE TABLE amendments (
    id                  INTEGER PRIMARY KEY,
    ap_id               TEXT NOT NULL UNIQUE,
    motion_id           INTEGER NOT NULL REFERENCES motions (id) ON DELETE CASCADE,
    number              INTEGER NOT NULL,           -- Ä1, Ä2 … within the motion
    revision            INTEGER NOT NULL,           -- the motion's revision the lines refer to
    first_line          INTEGER NOT NULL,
    last_line           INTEGER NOT NULL,
    original            TEXT NOT NULL,              -- the lines' text when proposed (shown struck through)
    replacement         TEXT NOT NULL DEFAULT '',   -- empty: the lines are deleted
    reason              TEXT NOT NULL DEFAULT '',
    state               TEXT NOT NULL DEFAULT 'proposed',   -- proposed, adopted, rejected
    created_by          TEXT NOT NULL,              -- actor id
    created_at          TEXT NOT NULL,
    decided_by          TEXT,
    decided_at          TEXT,
    UNIQUE (motion_id, number),
    CHECK (first_line >= 1 AND last_line >= first_line)
);

CREATE TABLE amendment_cosigners (
    amendment_id        INTEGER NOT NULL REFERENCES amendments (id) ON DELETE CASCADE,
    actor_ap_id         TEXT NOT NULL,
    signed_at           TEXT NOT NULL,
    PRIMARY KEY (amendment_id, actor_ap_id)
);
