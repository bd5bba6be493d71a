-- PostgreSQL's 0009_object_proofs.sql (the SQLite file stays as installed instances applied it): the same
-- tables, columns, defaults, keys and indexes; integers are BIGINT, row ids identity columns.

-- FEP-8b32 object proofs: each local actor's Ed25519 key pair, published as a Multikey in its
-- assertionMethod (the RSA key in actors stays for HTTP signatures). Keys for actors that
-- existed before are generated at start (SQL cannot make them).
CREATE TABLE actor_proof_keys (
    actor_id              BIGINT PRIMARY KEY REFERENCES actors(id),
    private_key_pem       TEXT NOT NULL,
    public_key_multibase  TEXT NOT NULL,
    created_at            TEXT NOT NULL
);

-- How the inbox knew an activity came from its actor: http-signature (the actor signed the
-- request), proof (FEP-8b32), ld-signature (RsaSignature2017) or fetched (refetched from
-- its origin because a third server forwarded it). NULL for rows stored before.
ALTER TABLE incoming ADD COLUMN authenticated_by TEXT;
