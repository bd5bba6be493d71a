-- The website: instance settings (the session secret), invitation codes, failed login
-- attempts (rate limit), and a session generation per account (a password change or a
-- deleted account ends every session signed before it).

CREATE TABLE settings (
    key                 TEXT PRIMARY KEY,
    value               TEXT NOT NULL,
    created_at          TEXT NOT NULL
);

CREATE TABLE invitations (
    id                  INTEGER PRIMARY KEY,
    code_hash           TEXT NOT NULL UNIQUE,     -- SHA-256 of the code; the code itself is never stored
    note                TEXT NOT NULL DEFAULT '',
    uses_left           INTEGER NOT NULL DEFAULT 1,
    expires_at          TEXT,                     -- NULL: no expiry
    created_at          TEXT NOT NULL,
    last_used_by        INTEGER REFERENCES actors (id) ON DELETE SET NULL,
    last_used_at        TEXT
);

-- One row per failed attempt; scope 'user' (lower-case username) or 'ip', also 'register' per ip.
CREATE TABLE login_failures (
    id                  INTEGER PRIMARY KEY,
    scope               TEXT NOT NULL,
    key                 TEXT NOT NULL,
    at                  TEXT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (scope, key, at);

ALTER TABLE accounts ADD COLUMN session_generation INTEGER NOT NULL DEFAULT 0;
