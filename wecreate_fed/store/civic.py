"""SQL for ideas (their districts, topics, status history and counts).

Events and attendances are in store/events.py, the marketplace query and impact figures in
store/marketplace.py.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, fields
from typing import overload

from . import Connection, fetch_all, fetch_one, fetch_value, iso, iso_in, lock_for_recount
from .queue import skip_locked


@dataclass(frozen=True)
class Idea:
    """An idea or reform proposal, local or kept from another instance (counts: the origin's for remote ones)."""

    id: int
    ap_id: str
    is_local: bool
    author_id: int
    kind: str
    addressed_to: str | None
    title: str
    summary: str
    body_source: str | None
    body_html: str
    image_url: str | None
    status: str
    url: str | None
    support_count: int
    share_count: int
    comment_count: int
    published: str
    updated: str | None
    deleted_at: str | None
    hidden_at: str | None = None    # hidden by moderation
    sensitive: bool = False         # its image behind a click (moderation)
    held_at: str | None = None      # a new account's post waiting for a moderator (hidden_at is set too)
    language: str | None = None     # BCP 47 tag of its text (contentMap); None: not known
    image_alt: str | None = None    # the image's description for people who cannot see it
    image_media_type: str | None = None
    # Members-only (issue 12): the Organization (or instance actor) whose members alone see it; None: public.
    members_of: int | None = None

    @property
    def owner_id(self) -> int:
        """Who may change it besides moderators (the lifecycle's name for author and organiser)."""
        return self.author_id


@dataclass(frozen=True)
class StatusChange:
    status: str
    changed_by: str | None
    note: str
    changed_at: str


@dataclass(frozen=True)
class PendingCounts:
    """A local idea whose changed counts are due to go out."""

    id: int
    ap_id: str
    counts_changed_at: str
    counts_attempts: int


IDEA_COLUMNS = ", ".join(f.name for f in fields(Idea))


@overload
def idea_of(row: None) -> None: ...
@overload
def idea_of(row: sqlite3.Row) -> Idea: ...
def idea_of(row: sqlite3.Row | None) -> Idea | None:
    """The record of a row holding IDEA_COLUMNS (and maybe more)."""
    if row is None:
        return None
    values = {f.name: row[f.name] for f in fields(Idea)}
    values["is_local"], values["sensitive"] = bool(values["is_local"]), bool(values["sensitive"])
    return Idea(**values)


# --- ideas -------------------------------------------------------------------

async def upsert_idea(conn: Connection, *, ap_id: str, is_local: bool, author_id: int, kind: str, title: str,
                      summary: str, body_html: str, status: str, published: str, districts: list[str],
                      topics: list[str], body_source: str | None = None, addressed_to: str | None = None,
                      image_url: str | None = None, url: str | None = None, updated: str | None = None,
                      counts: tuple[int, int, int] | None = None, language: str | None = None,
                      image_alt: str | None = None, image_media_type: str | None = None,
                      members_of: int | None = None) -> int:
    """Insert or replace an idea with its districts and topics; returns its row id.

    `counts` (supports, shares, comments) is given for remote ideas, whose origin counts them.
    `members_of` is set when the idea is made and never changed by a replace (an audience is
    chosen once: what went public cannot be called back, and the step out goes through publishing).
    """
    now = iso()
    await conn.execute(
        "INSERT INTO ideas (ap_id, is_local, author_id, kind, addressed_to, title, summary, body_source, body_html, "
        "image_url, status, url, published, updated, created_at, language, image_alt, image_media_type, "
        "members_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (ap_id) DO UPDATE SET kind = excluded.kind, addressed_to = excluded.addressed_to, "
        "title = excluded.title, summary = excluded.summary, body_source = excluded.body_source, "
        "body_html = excluded.body_html, image_url = excluded.image_url, status = excluded.status, "
        "url = excluded.url, updated = excluded.updated, language = excluded.language, "
        "image_alt = excluded.image_alt, image_media_type = excluded.image_media_type",
        (ap_id, int(is_local), author_id, kind, addressed_to, title, summary, body_source, body_html, image_url,
         status, url, published, updated, now, language, image_alt, image_media_type, members_of),
    )
    idea_id = await fetch_value(conn, "SELECT id FROM ideas WHERE ap_id = ?", (ap_id,))
    if counts is not None:
        await conn.execute("UPDATE ideas SET support_count = ?, share_count = ?, comment_count = ? WHERE id = ?",
                           (*counts, idea_id))
    await conn.execute("DELETE FROM idea_districts WHERE idea_id = ?", (idea_id,))
    await conn.executemany("INSERT INTO idea_districts (idea_id, district_ap_id) VALUES (?, ?)",
                           [(idea_id, d) for d in dict.fromkeys(districts)])
    await conn.execute("DELETE FROM idea_topics WHERE idea_id = ?", (idea_id,))
    await conn.executemany("INSERT INTO idea_topics (idea_id, topic) VALUES (?, ?)",
                           [(idea_id, t) for t in dict.fromkeys(topics)])
    return idea_id


async def get_idea(conn: Connection, ap_id: str) -> Idea | None:
    return idea_of(await fetch_one(conn, f"SELECT {IDEA_COLUMNS} FROM ideas WHERE ap_id = ?", (ap_id,)))


async def get_idea_by_id(conn: Connection, idea_id: int) -> Idea | None:
    return idea_of(await fetch_one(conn, f"SELECT {IDEA_COLUMNS} FROM ideas WHERE id = ?", (idea_id,)))


async def list_idea_districts(conn: Connection, idea_id: int) -> list[str]:
    rows = await fetch_all(conn, "SELECT district_ap_id FROM idea_districts WHERE idea_id = ? ORDER BY district_ap_id",
                           (idea_id,))
    return [r[0] for r in rows]


async def list_idea_topics(conn: Connection, idea_id: int) -> list[str]:
    rows = await fetch_all(conn, "SELECT topic FROM idea_topics WHERE idea_id = ? ORDER BY topic", (idea_id,))
    return [r[0] for r in rows]


async def set_idea_status(conn: Connection, idea_id: int, status: str, changed_by: str | None, note: str = "") -> None:
    now = iso()
    await conn.execute("UPDATE ideas SET status = ?, updated = ? WHERE id = ?", (status, now, idea_id))
    await add_status_change(conn, idea_id, status, changed_by, note, now)


async def add_status_change(conn: Connection, idea_id: int, status: str, changed_by: str | None, note: str = "",
                            changed_at: str | None = None) -> None:
    await conn.execute(
        "INSERT INTO idea_status_changes (idea_id, status, changed_by, note, changed_at) VALUES (?, ?, ?, ?, ?)",
        (idea_id, status, changed_by, note, changed_at or iso()),
    )


async def list_status_changes(conn: Connection, idea_id: int) -> list[StatusChange]:
    rows = await fetch_all(conn, "SELECT status, changed_by, note, changed_at FROM idea_status_changes "
                                 "WHERE idea_id = ? ORDER BY id", (idea_id,))
    return [StatusChange(**dict(r)) for r in rows]


async def mark_idea_deleted(conn: Connection, idea_id: int) -> None:
    await conn.execute("UPDATE ideas SET deleted_at = ?, body_html = '', body_source = NULL, summary = '', "
                       "image_url = NULL, image_alt = NULL WHERE id = ?", (iso(), idea_id))


async def recount_local_idea(conn: Connection, idea_ap_id: str) -> None:
    """Recount a local idea's supports, shares and comments from the facts, and mark it for publishing."""
    await lock_for_recount(conn, "ideas", "ap_id = ? AND is_local = 1", (idea_ap_id,))
    await conn.execute(
        "UPDATE ideas SET "
        # the author's own Like (from before it was refused) is no support
        "support_count = (SELECT count(*) FROM reactions WHERE object_ap_id = ideas.ap_id AND kind = 'Like' "
        "AND actor_id != ideas.author_id), "
        "share_count = (SELECT count(*) FROM reactions WHERE object_ap_id = ideas.ap_id AND kind = 'Announce'), "
        "comment_count = (SELECT count(*) FROM objects WHERE in_reply_to = ideas.ap_id AND deleted_at IS NULL), "
        "counts_changed_at = ? WHERE ap_id = ? AND is_local = 1",
        (iso(), idea_ap_id),
    )


async def bump_remote_idea_count(conn: Connection, idea_ap_id: str, column: str, delta: int) -> None:
    """Adjust a remote idea's shown count right away; its origin's next Update sets the true figure."""
    if column not in ("support_count", "share_count", "comment_count"):
        raise ValueError(column)
    # Never below 0 (CASE, not SQLite's scalar max(), which PostgreSQL does not have).
    await conn.execute(f"UPDATE ideas SET {column} = CASE WHEN {column} + ? > 0 THEN {column} + ? ELSE 0 END "
                       "WHERE ap_id = ? AND is_local = 0", (delta, delta, idea_ap_id))


async def list_ideas_with_unpublished_counts(conn: Connection, *, changed_before: str,
                                            limit: int = 50) -> list[PendingCounts]:
    """Local ideas whose counts changed (and settled) and are due: not waiting after a failed attempt."""
    rows = await fetch_all(conn, _DUE_COUNTS + "ORDER BY counts_changed_at LIMIT ?", (changed_before, iso(), limit))
    return [PendingCounts(**dict(r)) for r in rows]


_DUE_COUNTS = ("SELECT id, ap_id, counts_changed_at, counts_attempts FROM ideas WHERE counts_changed_at IS NOT NULL "
               "AND counts_changed_at <= ? AND deleted_at IS NULL AND (counts_retry_at IS NULL OR counts_retry_at <= ?) ")


async def claim_unpublished_counts(conn: Connection, *, changed_before: str, limit: int,
                                   lease_seconds: float) -> list[PendingCounts]:
    """As list_ideas_with_unpublished_counts, and the ideas are this worker's for `lease_seconds`
    (their retry time moves to the lease's end): another process's civic worker leaves them alone,
    and if this one dies, they are due again when the lease ends. Publishing or failing ends it."""
    rows = await fetch_all(conn, _DUE_COUNTS + "ORDER BY counts_changed_at LIMIT ?" + skip_locked(conn),
                           (changed_before, iso(), limit))
    await conn.executemany("UPDATE ideas SET counts_retry_at = ? WHERE id = ?",
                           [(iso_in(lease_seconds), r["id"]) for r in rows])
    return [PendingCounts(**dict(r)) for r in rows]


async def release_counts(conn: Connection, idea_ids: list[int]) -> None:
    """Claimed ideas not published (a worker stopping): due again at once."""
    await conn.executemany("UPDATE ideas SET counts_retry_at = NULL WHERE id = ?", [(i,) for i in idea_ids])


async def next_counts_due(conn: Connection) -> str | None:
    """When the earliest changed count may go out (its change time or its retry time)."""
    return await fetch_value(
        conn,
        "SELECT min(CASE WHEN counts_retry_at > counts_changed_at THEN counts_retry_at ELSE counts_changed_at END) "
        "FROM ideas WHERE counts_changed_at IS NOT NULL AND deleted_at IS NULL",
    )


async def mark_counts_published(conn: Connection, idea_id: int, seen_change: str) -> None:
    """Clear the flag unless counts changed again meanwhile."""
    await conn.execute("UPDATE ideas SET counts_published_at = ?, counts_changed_at = NULL, counts_attempts = 0, "
                       "counts_retry_at = NULL, counts_error = NULL WHERE id = ? AND counts_changed_at = ?",
                       (iso(), idea_id, seen_change))
    # Changed again meanwhile: the claim's lease ends (the next round takes the new counts).
    await conn.execute("UPDATE ideas SET counts_retry_at = NULL WHERE id = ?", (idea_id,))


async def mark_counts_failed(conn: Connection, idea_id: int, error: str, retry_in: float | None) -> None:
    """Record a failed attempt to publish an idea's counts; retry_in None gives up (the flag is cleared)."""
    if retry_in is None:
        await conn.execute("UPDATE ideas SET counts_changed_at = NULL, counts_attempts = counts_attempts + 1, "
                           "counts_retry_at = NULL, counts_error = ? WHERE id = ?", (error, idea_id))
    else:
        await conn.execute("UPDATE ideas SET counts_attempts = counts_attempts + 1, counts_retry_at = ?, "
                           "counts_error = ? WHERE id = ?", (iso_in(retry_in), error, idea_id))


async def list_reactor_inboxes(conn: Connection, object_ap_id: str) -> list[str]:
    """Delivery inboxes of remote actors who supported, shared or commented on an object."""
    rows = await fetch_all(
        conn,
        "SELECT DISTINCT COALESCE(a.shared_inbox_url, a.inbox_url) AS inbox FROM actors a WHERE a.is_local = 0 "
        "AND a.deleted_at IS NULL AND (a.id IN (SELECT actor_id FROM reactions WHERE object_ap_id = ?) "
        "OR a.id IN (SELECT actor_id FROM objects WHERE in_reply_to = ?))",
        (object_ap_id, object_ap_id),
    )
    return [r["inbox"] for r in rows]


async def list_local_supporters(conn: Connection, object_ap_id: str) -> list[int]:
    rows = await fetch_all(
        conn, "SELECT r.actor_id FROM reactions r JOIN actors a ON a.id = r.actor_id "
              "WHERE r.object_ap_id = ? AND r.kind = 'Like' AND a.is_local = 1", (object_ap_id,))
    return [r[0] for r in rows]


async def list_reactors(conn: Connection, object_ap_id: str, kind: str, *, limit: int, before_id: int | None):
    """(reaction row id, actor ap_id) pairs, newest first, for the likes and shares collections."""
    return await fetch_all(
        conn,
        "SELECT r.id, a.ap_id FROM reactions r JOIN actors a ON a.id = r.actor_id WHERE r.object_ap_id = ? "
        # CAST: PostgreSQL cannot tell the type of a parameter that is only tested for NULL.
        "AND r.kind = ? AND (CAST(? AS BIGINT) IS NULL OR r.id < ?) ORDER BY r.id DESC LIMIT ?",
        (object_ap_id, kind, before_id, before_id, limit),
    )


async def find_thread_root_idea(conn: Connection, object_ap_id: str) -> str | None:
    """The idea a reply belongs to, following inReplyTo up to 20 steps."""
    row = await fetch_one(
        conn,
        "WITH RECURSIVE up(ap_id, depth) AS (SELECT ?, 0 UNION ALL "
        "SELECT o.in_reply_to, u.depth + 1 FROM objects o JOIN up u ON o.ap_id = u.ap_id "
        "WHERE o.in_reply_to IS NOT NULL AND u.depth < 20) "
        "SELECT i.ap_id FROM up JOIN ideas i ON i.ap_id = up.ap_id ORDER BY up.depth LIMIT 1",
        (object_ap_id,),
    )
    return row[0] if row else None
