"""SQL for the website: instance settings, failed logins, and the read queries behind pages
that the marketplace store does not answer (accounts and invitations: store/accounts.py)."""

from __future__ import annotations

from . import Connection, dialect_of, fetch_all, fetch_value, iso
from .actors import _COLUMNS as _ACTOR_COLUMNS
from .actors import Actor, _actor
from .civic import IDEA_COLUMNS, Idea, idea_of
from .events import EVENT_COLUMNS, Event, event_of
from .sanctions import shown

_A = ", ".join("a." + c for c in _ACTOR_COLUMNS.split(", "))


# --- settings ---------------------------------------------------------------------------

async def add_setting_once(conn: Connection, key: str, value: str) -> str:
    """Store `value` under `key` unless a value is there already; returns the stored value."""
    await conn.execute("INSERT INTO settings (key, value, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
                       (key, value, iso()))
    return await fetch_value(conn, "SELECT value FROM settings WHERE key = ?", (key,))


async def refresh_statistics(conn: Connection) -> None:
    """Sampled ANALYZE, so SQLite's planner picks the marketplace's indexes (a topic or district
    filter over 100,000 ideas: 1 s without statistics, 0.1 s with). Milliseconds at any size.
    PostgreSQL samples by itself (and autovacuum analyses as tables grow)."""
    if dialect_of(conn) == "sqlite":
        await conn.execute("PRAGMA analysis_limit = 1000")
    await conn.execute("ANALYZE")


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


# --- pages ------------------------------------------------------------------------------

async def list_ideas_by_author(conn: Connection, author_id: int, *, limit: int = 20) -> list[Idea]:
    columns = ", ".join("i." + c for c in IDEA_COLUMNS.split(", "))
    rows = await fetch_all(conn, f"SELECT {columns} FROM ideas i WHERE i.author_id = ? AND i.deleted_at IS NULL "
                                 "AND i.hidden_at IS NULL AND i.members_of IS NULL "
                                 "ORDER BY i.published DESC, i.id DESC LIMIT ?", (author_id, limit))
    return [idea_of(r) for r in rows]


async def list_events_for_idea(conn: Connection, idea_ap_id: str, *, limit: int = 20) -> list[Event]:
    rows = await fetch_all(conn, f"SELECT {EVENT_COLUMNS} FROM events e WHERE idea_ap_id = ? AND deleted_at IS NULL "
                                 f"AND e.members_of IS NULL AND {shown('e', 'organizer_id')} "
                                 "ORDER BY starts_at LIMIT ?", (idea_ap_id, limit))
    return [event_of(r) for r in rows]


async def list_events_by_organizer(conn: Connection, organizer_id: int, *, after: str,
                                   limit: int = 20) -> list[Event]:
    rows = await fetch_all(conn, f"SELECT {EVENT_COLUMNS} FROM events WHERE organizer_id = ? AND deleted_at IS NULL "
                                 "AND hidden_at IS NULL AND members_of IS NULL "
                                 "AND ends_at >= ? ORDER BY starts_at LIMIT ?", (organizer_id, after, limit))
    return [event_of(r) for r in rows]


async def list_thread(conn: Connection, root_ap_id: str, *, limit: int = 200, members_of: int | None = None):
    """Replies to an object and replies to those, oldest first, each with its author's columns;
    with `members_of` (a members-only idea's) also the members-only comments of that audience."""
    return await fetch_all(
        conn,
        "WITH RECURSIVE thread (ap_id, depth) AS ("
        " SELECT ap_id, 1 FROM objects WHERE in_reply_to = ? AND deleted_at IS NULL"
        " UNION SELECT o.ap_id, t.depth + 1 FROM objects o JOIN thread t ON o.in_reply_to = t.ap_id"
        " WHERE o.deleted_at IS NULL AND t.depth < 6) "
        f"SELECT o.ap_id AS object_ap_id, o.in_reply_to, o.content, o.published, o.is_local AS object_is_local, "
        f"o.data, t.depth, {_A} FROM thread t JOIN objects o ON o.ap_id = t.ap_id "
        f"JOIN actors a ON a.id = o.actor_id WHERE (o.is_public = 1 OR o.members_of = ?) AND {shown('o', 'actor_id')} "
        "ORDER BY o.published NULLS FIRST, o.id LIMIT ?",  # NULLS FIRST: SQLite's order, not PostgreSQL's
        (root_ap_id, members_of, limit),
    )


def actor_of(row) -> Actor:
    """The Actor in a row that carries all actor columns first (list_thread's,
    accounts.get_session_account's)."""
    names = _ACTOR_COLUMNS.split(", ")
    return _actor({name: row[name] for name in names})


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


