"""SQL for accounts: invitations, logins and passwords, preferences, and deleting an account."""

from __future__ import annotations

import hashlib

from . import Connection, fetch_all, fetch_one, fetch_value, iso, sessions
from .actors import _COLUMNS as _ACTOR_COLUMNS

_A = ", ".join("a." + c for c in _ACTOR_COLUMNS.split(", "))


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


# --- invitations ------------------------------------------------------------------------

async def add_invitation(conn: Connection, code: str, *, note: str = "", uses: int = 1,
                         expires_at: str | None = None) -> None:
    await conn.execute(
        "INSERT INTO invitations (code_hash, note, uses_left, expires_at, created_at) VALUES (?, ?, ?, ?, ?)",
        (_hash(code), note, uses, expires_at, iso()),
    )


async def use_invitation(conn: Connection, code: str, actor_id: int) -> bool:
    """Spend one use of a valid code for the new account; False if the code is unknown, used up or expired."""
    now = iso()
    cur = await conn.execute(
        "UPDATE invitations SET uses_left = uses_left - 1, last_used_by = ?, last_used_at = ? "
        "WHERE code_hash = ? AND uses_left > 0 AND (expires_at IS NULL OR expires_at > ?)",
        (actor_id, now, _hash(code), now),
    )
    return cur.rowcount > 0


async def invitation_usable(conn: Connection, code: str) -> bool:
    return bool(await fetch_value(
        conn, "SELECT count(*) FROM invitations WHERE code_hash = ? AND uses_left > 0 "
              "AND (expires_at IS NULL OR expires_at > ?)", (_hash(code), iso())))


async def list_invitations(conn: Connection):
    return await fetch_all(conn, "SELECT id, note, uses_left, expires_at, created_at, last_used_at "
                                 "FROM invitations ORDER BY id")


# --- accounts ---------------------------------------------------------------------------

async def username_taken(conn: Connection, username: str) -> bool:
    """Any local actor ever had this name (deleted ones keep theirs, so their ids are never reused)."""
    return bool(await fetch_value(conn, "SELECT count(*) FROM actors WHERE is_local = 1 AND lower(username) = lower(?)",
                                  (username,)))


async def get_login(conn: Connection, username: str):
    """A local account that can log in, by username (case-insensitive): actor id, hash, generation."""
    return await fetch_one(
        conn,
        "SELECT a.id AS actor_id, a.username, acc.password_hash, acc.session_generation FROM actors a "
        "JOIN accounts acc ON acc.actor_id = a.id WHERE a.is_local = 1 AND a.deleted_at IS NULL "
        "AND lower(a.username) = lower(?)", (username,))


async def get_session_account(conn: Connection, actor_id: int):
    """The account behind a session: its actor columns plus role, language, district and generation."""
    return await fetch_one(
        conn,
        f"SELECT {_A}, acc.role, acc.language, acc.district_slug, acc.session_generation, acc.email, "
        "acc.password_hash FROM actors a JOIN accounts acc ON acc.actor_id = a.id "
        "WHERE a.id = ? AND a.is_local = 1 AND a.deleted_at IS NULL", (actor_id,))


async def set_password_hash(conn: Connection, actor_id: int, password_hash: str) -> int:
    """Replace the password; every session signed before ends. Returns the new generation."""
    await conn.execute("UPDATE accounts SET password_hash = ?, session_generation = session_generation + 1 "
                       "WHERE actor_id = ?", (password_hash, actor_id))
    await sessions.revoke_all_sessions(conn, actor_id)  # the website starts a new one for the browser that changed it
    return await fetch_value(conn, "SELECT session_generation FROM accounts WHERE actor_id = ?", (actor_id,))


async def rehash_password(conn: Connection, actor_id: int, password_hash: str) -> None:
    """Same password, stronger parameters: sessions stay."""
    await conn.execute("UPDATE accounts SET password_hash = ? WHERE actor_id = ?", (password_hash, actor_id))


async def set_account_preferences(conn: Connection, actor_id: int, *, language: str, district_slug: str | None) -> None:
    await conn.execute("UPDATE accounts SET language = ?, district_slug = ? WHERE actor_id = ?",
                       (language, district_slug, actor_id))


async def lock_account(conn: Connection, actor_id: int) -> None:
    """No login, token or session any more (the first step of deleting an account), and no mail:
    the mails waiting for its address and the links mailed to it go (the address itself goes next)."""
    await conn.execute("DELETE FROM mails WHERE recipient = (SELECT email FROM accounts WHERE actor_id = ?) "
                       "AND NOT EXISTS (SELECT 1 FROM accounts other WHERE other.email = mails.recipient "
                       "AND other.actor_id != ?)", (actor_id, actor_id))
    await conn.execute("DELETE FROM email_tokens WHERE actor_id = ?", (actor_id,))
    await conn.execute("UPDATE accounts SET password_hash = NULL, session_generation = session_generation + 1 "
                       "WHERE actor_id = ?", (actor_id,))
    await conn.execute("DELETE FROM tokens WHERE actor_id = ?", (actor_id,))
    await sessions.revoke_all_sessions(conn, actor_id)


async def mark_local_actor_deleted(conn: Connection, actor_id: int) -> None:
    """A person deleted their account: no login, no token, no profile; the row stays so the id is never reused."""
    now = iso()
    await conn.execute("UPDATE actors SET deleted_at = ?, name = '', summary = '', icon_url = NULL "
                       "WHERE id = ? AND is_local = 1", (now, actor_id))
    await conn.execute("UPDATE accounts SET password_hash = NULL, email = NULL, "
                       "session_generation = session_generation + 1 WHERE actor_id = ?", (actor_id,))
    await conn.execute("DELETE FROM tokens WHERE actor_id = ?", (actor_id,))
    await sessions.revoke_all_sessions(conn, actor_id)
    await conn.execute("DELETE FROM follows WHERE follower_id = ? OR followee_id = ?", (actor_id, actor_id))
    await conn.execute("UPDATE objects SET deleted_at = ?, content = '' WHERE actor_id = ? AND is_local = 1 "
                       "AND deleted_at IS NULL", (now, actor_id))


async def list_ap_ids_of_author(conn: Connection, actor_id: int) -> tuple[list[str], list[str]]:
    """Ids of the live local ideas and events of one actor (to delete them with the account)."""
    ideas = await fetch_all(conn, "SELECT ap_id FROM ideas WHERE author_id = ? AND is_local = 1 "
                                  "AND deleted_at IS NULL", (actor_id,))
    events = await fetch_all(conn, "SELECT ap_id FROM events WHERE organizer_id = ? AND is_local = 1 "
                                   "AND deleted_at IS NULL", (actor_id,))
    return [r[0] for r in ideas], [r[0] for r in events]


async def list_posts_of_author(conn: Connection, actor_id: int):
    """The live local comments and box posts of one actor: ap_id, in_reply_to, audience (to delete them with the account)."""
    return await fetch_all(conn, "SELECT ap_id, in_reply_to, audience FROM objects WHERE actor_id = ? AND is_local = 1 "
                                 "AND deleted_at IS NULL ORDER BY id", (actor_id,))


async def get_role(conn: Connection, username: str):
    """A live local account's actor id, username and role, by username (case-insensitive)."""
    return await fetch_one(
        conn, "SELECT a.id AS actor_id, a.username, acc.role FROM actors a JOIN accounts acc ON acc.actor_id = a.id "
              "WHERE a.is_local = 1 AND a.deleted_at IS NULL AND lower(a.username) = lower(?)", (username,))


async def set_role(conn: Connection, actor_id: int, role: str) -> None:
    await conn.execute("UPDATE accounts SET role = ? WHERE actor_id = ?", (role, actor_id))


async def count_role(conn: Connection, role: str) -> int:
    """Live local accounts with this role (the last admin is not demoted)."""
    return int(await fetch_value(
        conn, "SELECT count(*) FROM accounts acc JOIN actors a ON a.id = acc.actor_id "
              "WHERE acc.role = ? AND a.deleted_at IS NULL", (role,)) or 0)


async def list_staff(conn: Connection):
    """Moderators and admins: username, name, role (the about page names them; the roles page lists them)."""
    return await fetch_all(
        conn, "SELECT a.id AS actor_id, a.username, a.name, acc.role FROM actors a JOIN accounts acc "
              "ON acc.actor_id = a.id WHERE acc.role IN ('moderator', 'admin') AND a.deleted_at IS NULL "
              "ORDER BY acc.role, lower(a.username)")
