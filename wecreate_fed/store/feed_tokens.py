"""SQL for the personal secret feed addresses: one token per account, found by its SHA-256."""

from __future__ import annotations

import hashlib

from . import Connection, fetch_one, iso


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def replace(conn: Connection, actor_id: int, token: str) -> None:
    """The account's new token; the one before stops working at once."""
    await conn.execute(
        "INSERT INTO feed_tokens (actor_id, token_hash, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT (actor_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at, "
        "used_at = NULL", (actor_id, token_hash(token), iso()))


async def revoke(conn: Connection, actor_id: int) -> bool:
    cur = await conn.execute("DELETE FROM feed_tokens WHERE actor_id = ?", (actor_id,))
    return cur.rowcount > 0


async def of_account(conn: Connection, actor_id: int):
    """The account's token row (created_at, used_at), or None; never the token itself (not kept)."""
    return await fetch_one(conn, "SELECT created_at, used_at FROM feed_tokens WHERE actor_id = ?", (actor_id,))


async def owner_of(conn: Connection, token: str) -> int | None:
    """The live local account a token belongs to: not deleted, not suspended, not purged; else None."""
    row = await fetch_one(
        conn, "SELECT a.id FROM feed_tokens t JOIN actors a ON a.id = t.actor_id JOIN accounts acc ON acc.actor_id = a.id "
              "WHERE t.token_hash = ? AND a.is_local = 1 AND a.deleted_at IS NULL AND a.suspended_at IS NULL",
        (token_hash(token),))
    return row["id"] if row else None


async def mark_used(conn: Connection, actor_id: int) -> None:
    await conn.execute("UPDATE feed_tokens SET used_at = ? WHERE actor_id = ?", (iso(), actor_id))
