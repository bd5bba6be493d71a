"""SQL for an organisation space's pages: working groups (boxes with org_id), pinned announcements,
the groups of each member (for the directory), the internal calendar and the internal drafts.

Membership itself (org_members, roles, skills) is store/orgs.py's. Members-only rows carry `members_of` = the Organization's actor id.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import Connection, fetch_all, fetch_one, iso
from .actors import _COLUMNS as _ACTOR_COLUMNS
from .actors import Actor, _actor
from .boxes import _B, Box, _box_and_actor
from .civic import IDEA_COLUMNS, Idea, idea_of
from .events import EVENT_COLUMNS, Event, event_of
from .sanctions import shown

_A = ", ".join("a." + c for c in _ACTOR_COLUMNS.split(", "))
_I = ", ".join("i." + c for c in IDEA_COLUMNS.split(", "))
_E = ", ".join("e." + c for c in EVENT_COLUMNS.split(", "))
_AUTHOR = ", ".join(f"p.{c} AS author_{c}" for c in _ACTOR_COLUMNS.split(", "))


@dataclass(frozen=True)
class Announcement:
    """A note of the Organization shown in its space: public, or for its members only."""

    id: int
    ap_id: str
    content: str
    published: str | None
    is_public: bool
    members_only: bool
    pinned_at: str | None


# --- working groups -------------------------------------------------------------------------

async def set_box_org(conn: Connection, box_id: int, org_id: int) -> None:
    await conn.execute("UPDATE boxes SET org_id = ? WHERE actor_id = ?", (org_id, box_id))


async def list_working_groups(conn: Connection, org_id: int) -> list[tuple[Actor, Box, int]]:
    """The space's working groups, by name, each with its number of accepted members."""
    rows = await fetch_all(
        conn, f"SELECT {_B}, {_A}, (SELECT count(*) FROM box_members m WHERE m.box_id = b.actor_id "
              "AND m.state = 'accepted') AS member_count FROM boxes b JOIN actors a ON a.id = b.actor_id "
              "WHERE b.org_id = ? AND a.deleted_at IS NULL ORDER BY lower(a.name), a.id", (org_id,))
    result = []
    for row in rows:
        values = dict(row)
        count = values.pop("member_count")
        actor, box = _box_and_actor(values)
        result.append((actor, box, count))
    return result


async def groups_of_members(conn: Connection, org_id: int) -> dict[int, list[Actor]]:
    """actor id -> the space's working groups (their Group actors) that person is an accepted member of."""
    rows = await fetch_all(
        conn, f"SELECT m.actor_id AS member_id, {_A} FROM box_members m JOIN boxes b ON b.actor_id = m.box_id "
              "JOIN actors a ON a.id = b.actor_id WHERE b.org_id = ? AND m.state = 'accepted' "
              "AND a.deleted_at IS NULL ORDER BY lower(a.name)", (org_id,))
    found: dict[int, list[Actor]] = {}
    for row in rows:
        values = dict(row)
        found.setdefault(values.pop("member_id"), []).append(_actor(values))
    return found


# --- announcements and pins -------------------------------------------------------------------------

# An announcement: a top-level note of the Organization outside any box, public or for its members.
_ANNOUNCEMENT = ("o.actor_id = ? AND o.type = 'Note' AND o.is_local = 1 AND o.in_reply_to IS NULL "
                 "AND o.audience IS NULL AND o.deleted_at IS NULL AND (o.members_of = ? OR "
                 "(o.members_of IS NULL AND o.is_public = 1))")


def _announcement(row) -> Announcement:
    return Announcement(row["id"], row["ap_id"], row["content"], row["published"], bool(row["is_public"]),
                        row["members_of"] is not None, row["pinned_at"])


async def list_announcements(conn: Connection, org_id: int, *, limit: int = 30) -> list[Announcement]:
    """The space's announcements: pinned ones first (newest pin first), then the newest."""
    rows = await fetch_all(
        conn, "SELECT o.id, o.ap_id, o.content, o.published, o.is_public, o.members_of, p.pinned_at "
              "FROM objects o LEFT JOIN org_pins p ON p.object_id = o.id AND p.org_id = o.actor_id "
              f"WHERE {_ANNOUNCEMENT} AND {shown('o', 'actor_id')} "
              "ORDER BY p.pinned_at IS NULL, p.pinned_at DESC, o.id DESC LIMIT ?", (org_id, org_id, limit))
    return [_announcement(r) for r in rows]


async def get_announcement(conn: Connection, org_id: int, ap_id: str) -> Announcement | None:
    row = await fetch_one(
        conn, "SELECT o.id, o.ap_id, o.content, o.published, o.is_public, o.members_of, p.pinned_at "
              "FROM objects o LEFT JOIN org_pins p ON p.object_id = o.id AND p.org_id = o.actor_id "
              f"WHERE o.ap_id = ? AND {_ANNOUNCEMENT}", (ap_id, org_id, org_id))
    return None if row is None else _announcement(row)


async def pin(conn: Connection, org_id: int, object_id: int, pinned_by: int) -> bool:
    """True if newly pinned (pinning twice changes nothing)."""
    cur = await conn.execute("INSERT INTO org_pins (org_id, object_id, pinned_by, pinned_at) VALUES (?, ?, ?, ?) "
                             "ON CONFLICT DO NOTHING", (org_id, object_id, pinned_by, iso()))
    return cur.rowcount > 0


async def unpin(conn: Connection, org_id: int, object_id: int) -> bool:
    cur = await conn.execute("DELETE FROM org_pins WHERE org_id = ? AND object_id = ?", (org_id, object_id))
    return cur.rowcount > 0


async def list_featured(conn: Connection, org_id: int, *, limit: int = 50) -> list[str]:
    """The JSON documents of the public pinned notes (the `featured` collection), newest pin first.
    Members-only notes are never among them, pinned or not."""
    rows = await fetch_all(
        conn, "SELECT o.data FROM org_pins p JOIN objects o ON o.id = p.object_id WHERE p.org_id = ? "
              "AND o.actor_id = p.org_id AND o.is_public = 1 AND o.members_of IS NULL AND o.deleted_at IS NULL "
              f"AND {shown('o', 'actor_id')} ORDER BY p.pinned_at DESC, o.id DESC LIMIT ?", (org_id, limit))
    return [r["data"] for r in rows]


# --- the internal calendar and drafts ------------------------------------------------------------------

async def list_space_events(conn: Connection, org_id: int, *, after: str, limit: int = 100) -> list[Event]:
    """Upcoming events of the space: its members-only events and its working groups' meeting events."""
    rows = await fetch_all(
        conn, f"SELECT {_E} FROM events e WHERE e.deleted_at IS NULL AND {shown('e', 'organizer_id')} AND e.ends_at >= ? "
              "AND (e.members_of = ? OR e.ap_id IN (SELECT b.meeting_event_ap_id FROM boxes b "
              "JOIN actors g ON g.id = b.actor_id WHERE b.org_id = ? AND g.deleted_at IS NULL)) "
              "ORDER BY e.starts_at, e.id LIMIT ?", (after, org_id, org_id, limit))
    return [event_of(r) for r in rows]


async def list_drafts(conn: Connection, org_id: int, *, limit: int = 100) -> list[tuple[Idea, Actor]]:
    """The space's internal drafts (members-only ideas and reform proposals), newest first, with their authors."""
    rows = await fetch_all(
        conn, f"SELECT {_I}, {_AUTHOR} FROM ideas i JOIN actors p ON p.id = i.author_id "
              f"WHERE i.members_of = ? AND i.deleted_at IS NULL AND {shown('i', 'author_id')} "
              "ORDER BY i.published DESC, i.id DESC LIMIT ?", (org_id, limit))
    return [(idea_of(r), _actor({c: r[f"author_{c}"] for c in _ACTOR_COLUMNS.split(", ")})) for r in rows]
