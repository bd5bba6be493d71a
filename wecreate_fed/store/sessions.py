"""SQL for website sessions: one row per login, found by the hash of the cookie's random id."""

from __future__ import annotations

import hashlib

from . import Connection, fetch_all, fetch_one, iso


def id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


async def add_session(conn: Connection, session_id: str, actor_id: int, user_agent: str) -> None:
    now = iso()
    await conn.execute("INSERT INTO sessions (id_hash, actor_id, created_at, last_seen_at, user_agent) "
                       "VALUES (?, ?, ?, ?, ?)", (id_hash(session_id), actor_id, now, now, user_agent))


async def get_session(conn: Connection, session_id: str, *, seen_since: str, created_since: str):
    """The live session with this id: not revoked, seen since `seen_since`, made since `created_since`."""
    return await fetch_one(
        conn, "SELECT id, actor_id, created_at, last_seen_at FROM sessions WHERE id_hash = ? AND revoked_at IS NULL "
              "AND last_seen_at >= ? AND created_at >= ?", (id_hash(session_id), seen_since, created_since))


async def touch_session(conn: Connection, row_id: int) -> None:
    await conn.execute("UPDATE sessions SET last_seen_at = ? WHERE id = ?", (iso(), row_id))


async def revoke_session(conn: Connection, session_id: str) -> None:
    await conn.execute("UPDATE sessions SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL",
                       (iso(), id_hash(session_id)))


async def revoke_all_sessions(conn: Connection, actor_id: int) -> int:
    """End every session of an account (log out everywhere, new password, deleted account)."""
    cur = await conn.execute("UPDATE sessions SET revoked_at = ? WHERE actor_id = ? AND revoked_at IS NULL",
                             (iso(), actor_id))
    return cur.rowcount


async def list_sessions(conn: Connection, actor_id: int, *, seen_since: str):
    return await fetch_all(conn, "SELECT id_hash, created_at, last_seen_at, user_agent FROM sessions "
                                 "WHERE actor_id = ? AND revoked_at IS NULL AND last_seen_at >= ? "
                                 "ORDER BY last_seen_at DESC", (actor_id, seen_since))


async def prune_sessions(conn: Connection, *, before: str) -> None:
    """Rows revoked or unseen since `before` are of no use any more."""
    await conn.execute("DELETE FROM sessions WHERE last_seen_at < ? OR revoked_at < ?", (before, before))
