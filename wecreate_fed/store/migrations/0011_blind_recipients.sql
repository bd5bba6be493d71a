-- Who a local activity or object was addressed to in bto / bcc. Those fields are removed before the
-- document is stored or sent (ActivityPub §6), so this is how such a recipient may still fetch it.
CREATE TABLE blind_recipients (
    ap_id               TEXT NOT NULL,        -- the activity or object
    recipient           TEXT NOT NULL,        -- an actor id
    PRIMARY KEY (ap_id, recipient)
);
