-- Moderation (DSA-minded): the instance's rules, reports and notices, actions on content and
-- accounts with their statements of reasons, appeals, domain policy, consents, and the audit log.
-- One report per reported thing while it is open; every filing about it (a member here, a
-- visitor's notice, a remote server's Flag) is a row of report_filings.

CREATE TABLE instance_rules (
    id                  INTEGER PRIMARY KEY,
    position            INTEGER NOT NULL,         -- the order shown; renumbered on a move
    text_de             TEXT NOT NULL,
    text_en             TEXT NOT NULL DEFAULT '', -- '' : the German text is shown
    created_at          TEXT NOT NULL,
    deleted_at          TEXT                      -- kept: reports and actions name the rule they cite
);
CREATE INDEX instance_rules_position ON instance_rules (deleted_at, position);

CREATE TABLE reports (
    id                  INTEGER PRIMARY KEY,
    target_ap_id        TEXT NOT NULL,            -- the reported object, or the actor for a profile
    target_kind         TEXT NOT NULL,            -- idea, comment, event, box_post, motion, actor
    account_ap_id       TEXT NOT NULL,            -- whose it is: the author (the actor itself for a profile)
    snapshot            TEXT NOT NULL,            -- JSON: the content as it was when first reported
    state               TEXT NOT NULL DEFAULT 'open',   -- open, resolved
    assigned_to         INTEGER REFERENCES actors (id) ON DELETE SET NULL,
    resolution          TEXT NOT NULL DEFAULT '', -- the moderator's closing note
    resolved_by         INTEGER REFERENCES actors (id) ON DELETE SET NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    resolved_at         TEXT
);
CREATE UNIQUE INDEX reports_open_target ON reports (target_ap_id) WHERE state = 'open';
CREATE INDEX reports_state ON reports (state, id);
CREATE INDEX reports_account ON reports (account_ap_id, id);

CREATE TABLE report_filings (
    id                  INTEGER PRIMARY KEY,
    report_id           INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    source              TEXT NOT NULL,            -- member, notice (a visitor, DSA Art. 16), remote (a Flag)
    reporter_id         INTEGER REFERENCES actors (id) ON DELETE SET NULL,  -- member: the account; remote: the Flag's actor
    notice_name         TEXT,                     -- notice: who sent it
    notice_email        TEXT,
    category            TEXT NOT NULL,            -- illegal, harassment, spam, privacy, other, rule
    rule_id             INTEGER REFERENCES instance_rules (id),
    comment             TEXT NOT NULL DEFAULT '',
    location            TEXT NOT NULL DEFAULT '', -- the exact URL the reporter named
    flag_ap_id          TEXT UNIQUE,              -- remote: the Flag's id; forwarded: the id of the Flag we sent
    forward             INTEGER NOT NULL DEFAULT 0,  -- the member asked to tell the remote server
    forwarded_at        TEXT,
    receipt             TEXT UNIQUE,              -- the reference in the confirmation of receipt
    created_at          TEXT NOT NULL
);
CREATE INDEX report_filings_report ON report_filings (report_id, id);

CREATE TABLE report_notes (
    id                  INTEGER PRIMARY KEY,
    report_id           INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    author_id           INTEGER REFERENCES actors (id) ON DELETE SET NULL,
    text                TEXT NOT NULL,
    created_at          TEXT NOT NULL
);
CREATE INDEX report_notes_report ON report_notes (report_id, id);

-- What moderators did; each row is also the statement of reasons (DSA Art. 17) sent to the person.
CREATE TABLE moderation_actions (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL,            -- hide, remove, sensitive (content); warn, limit, suspend (account)
    target_ap_id        TEXT NOT NULL,            -- the object or the actor acted on
    target_kind         TEXT NOT NULL,            -- as reports.target_kind
    account_id          INTEGER REFERENCES actors (id) ON DELETE SET NULL,   -- the affected account, local or remote
    moderator_id        INTEGER REFERENCES actors (id) ON DELETE SET NULL,
    report_id           INTEGER REFERENCES reports (id) ON DELETE SET NULL,
    category            TEXT NOT NULL,            -- as report_filings.category
    rule_id             INTEGER REFERENCES instance_rules (id),
    law                 TEXT NOT NULL DEFAULT '', -- the legal ground named, if any (e.g. "§ 130 StGB")
    explanation         TEXT NOT NULL,            -- the facts: what was done and why
    created_at          TEXT NOT NULL,
    final_at            TEXT,                     -- from then on it cannot be undone (a suspension: end of the grace period)
    undone_at           TEXT,
    undone_by           INTEGER REFERENCES actors (id) ON DELETE SET NULL
);
CREATE INDEX moderation_actions_account ON moderation_actions (account_id, id);
CREATE INDEX moderation_actions_target ON moderation_actions (target_ap_id);
CREATE INDEX moderation_actions_final ON moderation_actions (final_at) WHERE undone_at IS NULL;

-- One appeal per action (DSA Art. 20); a moderator other than the one who acted decides it.
CREATE TABLE appeals (
    id                  INTEGER PRIMARY KEY,
    action_id           INTEGER NOT NULL UNIQUE REFERENCES moderation_actions (id) ON DELETE CASCADE,
    appellant_id        INTEGER REFERENCES actors (id) ON DELETE SET NULL,
    text                TEXT NOT NULL,
    state               TEXT NOT NULL DEFAULT 'open',   -- open, upheld (the action stays), reversed (undone)
    decided_by          INTEGER REFERENCES actors (id) ON DELETE SET NULL,
    decision            TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL,
    decided_at          TEXT
);
CREATE INDEX appeals_state ON appeals (state, id);

-- Domain policy kept in the database (beside config's federation.blocked_domains), as Mastodon's.
CREATE TABLE domain_policies (
    domain              TEXT PRIMARY KEY,         -- normalised by hosts.normalise_host; covers its subdomains
    severity            TEXT NOT NULL,            -- noop, limit, suspend
    reject_media        INTEGER NOT NULL DEFAULT 0,
    reject_reports      INTEGER NOT NULL DEFAULT 0,
    public_comment      TEXT NOT NULL DEFAULT '', -- the reason on the public list of moderated servers
    private_comment     TEXT NOT NULL DEFAULT '',
    obfuscate           INTEGER NOT NULL DEFAULT 0,   -- the public list shows the name partly hidden
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

-- Consent at registration to the rules and the privacy policy, with the version agreed to.
CREATE TABLE consents (
    id                  INTEGER PRIMARY KEY,
    actor_id            INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    document            TEXT NOT NULL,            -- rules, privacy
    version             TEXT NOT NULL,
    given_at            TEXT NOT NULL
);
CREATE INDEX consents_actor ON consents (actor_id, document);

-- Account-level moderation state (local and remote actors): limited = not on the marketplace or in
-- district feeds, shown to followers only; suspended = refused and hidden (local: logged out, 410).
ALTER TABLE actors ADD COLUMN limited_at TEXT;
ALTER TABLE actors ADD COLUMN suspended_at TEXT;

-- Every moderator and admin action: who, when, what, before and after. Append-only: the triggers
-- refuse any change, so not even a bug or a moderator with database access through the app can
-- rewrite it. No foreign keys on purpose (a deleted account must not change a row; its name stays).
CREATE TABLE audit_log (
    id                  INTEGER PRIMARY KEY,
    at                  TEXT NOT NULL,
    by_actor_id         INTEGER,                  -- the moderator or admin; NULL: the command line or the system
    by_name             TEXT NOT NULL,            -- their username as it was, or "cli" / "system"
    action              TEXT NOT NULL,            -- e.g. role.set, report.resolve, account.suspend, domain.suspend
    target              TEXT NOT NULL DEFAULT '', -- what it was done to: an ap_id, a domain, a username
    before              TEXT,                     -- JSON of what changed, as it was
    after               TEXT                      -- JSON, as it became
);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
