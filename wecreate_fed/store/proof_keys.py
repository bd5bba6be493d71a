"""SQL for the Ed25519 keys local actors sign object proofs with, and remote actors' stored documents."""

from __future__ import annotations

import json

from . import Connection, fetch_all, fetch_one, iso


async def add_proof_key(conn: Connection, actor_id: int, *, private_key_pem: str, public_key_multibase: str) -> None:
    await conn.execute(
        "INSERT INTO actor_proof_keys (actor_id, private_key_pem, public_key_multibase, created_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (actor_id) DO NOTHING",
        (actor_id, private_key_pem, public_key_multibase, iso()),
    )


async def get_proof_key(conn: Connection, actor_id: int) -> tuple[str, str] | None:
    """(private PEM, publicKeyMultibase) of a local actor, or None if it has none yet."""
    row = await fetch_one(
        conn, "SELECT private_key_pem, public_key_multibase FROM actor_proof_keys WHERE actor_id = ?", (actor_id,))
    return (row["private_key_pem"], row["public_key_multibase"]) if row else None


async def local_actors_without_proof_key(conn: Connection) -> list[int]:
    rows = await fetch_all(
        conn, "SELECT a.id FROM actors a LEFT JOIN actor_proof_keys k ON k.actor_id = a.id "
              "WHERE a.is_local = 1 AND k.actor_id IS NULL ORDER BY a.id")
    return [row["id"] for row in rows]


async def remote_actor_document(conn: Connection, ap_id: str) -> dict | None:
    """The actor document as we last fetched it (its assertionMethod lists its proof keys)."""
    row = await fetch_one(
        conn, "SELECT document FROM actors WHERE ap_id = ? AND is_local = 0 AND deleted_at IS NULL", (ap_id,))
    if row is None or not row["document"]:
        return None
    document = json.loads(row["document"])
    return document if isinstance(document, dict) else None
