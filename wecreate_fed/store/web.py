"""SQL for the website: instance settings, invitations, failed logins, account changes, and
the read queries behind pages that the marketplace store does not answer."""

from __future__ import annotations

import hashlib
import uuid

from . import Connection, fetch_all, fetch_one, fetch_value, iso
from .actors import _COLUMNS as _ACTOR_COLUMNS
from .actors import Actor, _actor
from .civic import IDEA_COLUMNS, Idea, idea_of
from .events import EVENT_COLUMNS, Event, event_of

_A = ", ".join("a." + c for c in _ACTOR_COLUMNS.split(", "))


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


# --- settings ---------------------------------------------------------------------------

async def get_setting(conn: Connection, key: str) -> str | None:
    return await fetch_value(conn, "SELECT value FROM settings WHERE key = ?", (key,))


async def add_setting_once(conn: Connection, key: str, value: str) -> str:
    """Store `value` under `key` unless a value is there already; returns the stored value."""
    await conn.execute("INSERT INTO settings (key, value, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
                       (key, value, iso()))
    return await fetch_value(conn, "SELECT value FROM settings WHERE key = ?", (key,))


async def refresh_statistics(conn: Connection) -> None:
    """Sampled ANALYZE, so SQLite's planner picks the marketplace's indexes (a topic or district
    filter over 100,000 ideas: 1 s without statistics, 0.1 s with). Milliseconds at any size."""
    await conn.execute("PRAGMA analysis_limit = 1000")
    await conn.execute("ANALYZE")


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


# --- failed logins ----------------------------------------------------------------------

async def add_login_failure(conn: Connection, scope: str, key: str) -> None:
    await conn.execute("INSERT INTO login_failures (scope, key, at) VALUES (?, ?, ?)", (scope, key, iso()))


async def count_login_failures(conn: Connection, scope: str, key: str, since: str) -> int:
    return await fetch_value(conn, "SELECT count(*) FROM login_failures WHERE scope = ? AND key = ? AND at >= ?",
                             (scope, key, since))


async def oldest_login_failure(conn: Connection, scope: str, key: str, since: str) -> str | None:
    return await fetch_value(conn, "SELECT min(at) FROM login_failures WHERE scope = ? AND key = ? AND at >= ?",
                             (scope, key, since))


async def clear_login_failures(conn: Connection, scope: str, key: str) -> None:
    await conn.execute("DELETE FROM login_failures WHERE scope = ? AND key = ?", (scope, key))


async def prune_login_failures(conn: Connection, before: str) -> None:
    await conn.execute("DELETE FROM login_failures WHERE at < ?", (before,))


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


def actor_of(row) -> Actor:
    """The Actor in a row that carries all actor columns first (as get_session_account's)."""
    names = _ACTOR_COLUMNS.split(", ")
    return _actor({name: row[name] for name in names})


async def set_password_hash(conn: Connection, actor_id: int, password_hash: str) -> int:
    """Replace the password; every session signed before ends. Returns the new generation."""
    await conn.execute("UPDATE accounts SET password_hash = ?, session_generation = session_generation + 1 "
                       "WHERE actor_id = ?", (password_hash, actor_id))
    return await fetch_value(conn, "SELECT session_generation FROM accounts WHERE actor_id = ?", (actor_id,))


async def rehash_password(conn: Connection, actor_id: int, password_hash: str) -> None:
    """Same password, stronger parameters: sessions stay."""
    await conn.execute("UPDATE accounts SET password_hash = ? WHERE actor_id = ?", (password_hash, actor_id))


async def set_account_preferences(conn: Connection, actor_id: int, *, language: str, district_slug: str | None) -> None:
    await conn.execute("UPDATE accounts SET language = ?, district_slug = ? WHERE actor_id = ?",
                       (language, district_slug, actor_id))


async def mark_local_actor_deleted(conn: Connection, actor_id: int) -> None:
    """A person deleted their account: no login, no token, no profile; the row stays so the id is never reused."""
    now = iso()
    await conn.execute("UPDATE actors SET deleted_at = ?, name = '', summary = '', icon_url = NULL "
                       "WHERE id = ? AND is_local = 1", (now, actor_id))
    await conn.execute("UPDATE accounts SET password_hash = NULL, email = NULL, "
                       "session_generation = session_generation + 1 WHERE actor_id = ?", (actor_id,))
    await conn.execute("DELETE FROM tokens WHERE actor_id = ?", (actor_id,))
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


# --- pages ------------------------------------------------------------------------------

async def list_ideas_by_author(conn: Connection, author_id: int, *, limit: int = 20) -> list[Idea]:
    columns = ", ".join("i." + c for c in IDEA_COLUMNS.split(", "))
    rows = await fetch_all(conn, f"SELECT {columns} FROM ideas i WHERE i.author_id = ? AND i.deleted_at IS NULL "
                                 "ORDER BY i.published DESC, i.id DESC LIMIT ?", (author_id, limit))
    return [idea_of(r) for r in rows]


async def list_events_for_idea(conn: Connection, idea_ap_id: str, *, limit: int = 20) -> list[Event]:
    rows = await fetch_all(conn, f"SELECT {EVENT_COLUMNS} FROM events WHERE idea_ap_id = ? AND deleted_at IS NULL "
                                 "ORDER BY starts_at LIMIT ?", (idea_ap_id, limit))
    return [event_of(r) for r in rows]


async def list_events_by_organizer(conn: Connection, organizer_id: int, *, after: str,
                                   limit: int = 20) -> list[Event]:
    rows = await fetch_all(conn, f"SELECT {EVENT_COLUMNS} FROM events WHERE organizer_id = ? AND deleted_at IS NULL "
                                 "AND ends_at >= ? ORDER BY starts_at LIMIT ?", (organizer_id, after, limit))
    return [event_of(r) for r in rows]


async def list_thread(conn: Connection, root_ap_id: str, *, limit: int = 200):
    """Replies to an object and replies to those, oldest first, each with its author's columns."""
    return await fetch_all(
        conn,
        "WITH RECURSIVE thread (ap_id, depth) AS ("
        " SELECT ap_id, 1 FROM objects WHERE in_reply_to = ? AND deleted_at IS NULL"
        " UNION SELECT o.ap_id, t.depth + 1 FROM objects o JOIN thread t ON o.in_reply_to = t.ap_id"
        " WHERE o.deleted_at IS NULL AND t.depth < 6) "
        f"SELECT o.ap_id AS object_ap_id, o.in_reply_to, o.content, o.published, o.is_local AS object_is_local, "
        f"o.data, t.depth, {_A} FROM thread t JOIN objects o ON o.ap_id = t.ap_id "
        "JOIN actors a ON a.id = o.actor_id WHERE o.is_public = 1 ORDER BY o.published, o.id LIMIT ?",
        (root_ap_id, limit),
    )


async def list_addressees(conn: Connection) -> list[Actor]:
    """Local parties and the administration: who a reform proposal can be addressed to."""
    rows = await fetch_all(conn, f"SELECT {_ACTOR_COLUMNS} FROM actors WHERE is_local = 1 AND deleted_at IS NULL "
                                 "AND type = 'Organization' AND category IN ('party', 'administration') "
                                 "ORDER BY category, name")
    return [_actor(r) for r in rows]


async def get_reaction_kinds(conn: Connection, actor_id: int, object_ap_id: str) -> set[str]:
    rows = await fetch_all(conn, "SELECT kind FROM reactions WHERE actor_id = ? AND object_ap_id = ?",
                           (actor_id, object_ap_id))
    return {r[0] for r in rows}


async def count_unread_notifications(conn: Connection, actor_id: int) -> int:
    return await fetch_value(conn, "SELECT count(*) FROM notifications WHERE actor_id = ? AND read_at IS NULL",
                             (actor_id,))


async def mark_notifications_read(conn: Connection, actor_id: int) -> None:
    await conn.execute("UPDATE notifications SET read_at = ? WHERE actor_id = ? AND read_at IS NULL",
                       (iso(), actor_id))


# --- seeding (benchmarks) ---------------------------------------------------------------

async def add_ideas_bulk(conn: Connection, base_url: str, author_id: int, rows: list[dict]) -> None:
    """Insert many local ideas at once (benchmarks and load tests; no activities are sent).

    Each row: title, summary, body_html, kind, status, published, district (actor id), topic,
    support_count.
    """
    now = iso()
    values, keys = [], []
    for row in rows:
        key = uuid.uuid4()
        keys.append(f"{base_url}/ideas/{key}")
        values.append((f"{base_url}/ideas/{key}", author_id, row["kind"], row["title"], row["summary"],
                       row["body_html"], row["status"], f"{base_url}/i/{key}", row["support_count"],
                       row["published"], now))
    await conn.executemany(
        "INSERT INTO ideas (ap_id, is_local, author_id, kind, title, summary, body_html, status, url, "
        "support_count, published, created_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
    await conn.executemany(
        "INSERT INTO idea_districts (idea_id, district_ap_id) SELECT id, ? FROM ideas WHERE ap_id = ?",
        [(row["district"], key) for row, key in zip(rows, keys)])
    await conn.executemany(
        "INSERT INTO idea_topics (idea_id, topic) SELECT id, ? FROM ideas WHERE ap_id = ?",
        [(row["topic"], key) for row, key in zip(rows, keys)])
