-- Private instance mode (issue 12, "private"): the servers a private instance federates with,
-- beside config's federation.allowed_domains. An entry is a domain (its subdomains too, any port)
-- or host:port (one server), as hosts.allow_entry writes it. The version counter other processes
-- watch is the settings row 'allowlist.version'.

CREATE TABLE allowed_domains (
    domain              TEXT PRIMARY KEY,
    comment             TEXT NOT NULL DEFAULT '',   -- why (for the admins)
    added_by            TEXT NOT NULL DEFAULT '',   -- username, or "cli"
    created_at          TEXT NOT NULL
);
