-- Website sessions kept on the server: the cookie carries a random id, the database only its
-- SHA-256. Logging out revokes the row, so a copied cookie is worth nothing afterwards; "log
-- out everywhere" and a password change revoke all of an account's rows.
CREATE TABLE sessions (
    id                  INTEGER PRIMARY KEY,
    id_hash             TEXT NOT NULL UNIQUE,
    actor_id            INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    created_at          TEXT NOT NULL,
    last_seen_at        TEXT NOT NULL,
    user_agent          TEXT NOT NULL DEFAULT '',
    revoked_at          TEXT                      -- NULL while the session is valid
);
CREATE INDEX sessions_actor ON sessions (actor_id, revoked_at);
