-- Email: the durable outgoing mail queue, the one-time links mailed to people (confirm an
-- address, reset a password), and whether an account's address is confirmed.

-- One row per mail, rendered when queued (subject, both parts and headers in `message`), so a
-- restart or a changed template never alters what was already promised. Worked like deliveries:
-- claimed with a lease (locked_until, locked_by), retried with back-off, given up after days.
CREATE TABLE mails (
    id                  INTEGER PRIMARY KEY,
    recipient           TEXT NOT NULL,            -- the envelope's RCPT TO
    template            TEXT NOT NULL,            -- which kind of mail (reset, confirm, ...)
    message             BLOB NOT NULL,            -- the whole RFC 5322 message, CRLF line ends
    state               TEXT NOT NULL DEFAULT 'pending',   -- pending, sent, failed
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     TEXT NOT NULL,
    locked_until        TEXT,
    locked_by           TEXT,
    last_error          TEXT,
    created_at          TEXT NOT NULL,
    sent_at             TEXT
);
-- The worker's claim reads the due pending rows only.
CREATE INDEX mails_due ON mails (state, next_attempt_at);

-- A link sent by mail: only the SHA-256 of its random token is kept, so a copy of the database
-- opens no account. `purpose` confirm (the address of a new account or a new address; `email` is
-- the address it confirms) or reset (a new password). Used once (used_at), valid until expires_at.
CREATE TABLE email_tokens (
    token_hash          TEXT PRIMARY KEY,
    actor_id            INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    purpose             TEXT NOT NULL,
    email               TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    expires_at          TEXT NOT NULL,
    used_at             TEXT
);
-- How many links one account was sent lately (the reset limit), and a new link voids the older ones.
CREATE INDEX email_tokens_actor ON email_tokens (actor_id, purpose, created_at);

-- When the account's address was confirmed by its link (NULL: not confirmed; no mail but the
-- confirmation goes to an address that is not).
ALTER TABLE accounts ADD COLUMN email_confirmed_at TEXT;
-- Addresses are looked up for "forgot password" case-insensitively.
CREATE INDEX accounts_email ON accounts (lower(email)) WHERE email IS NOT NULL;
