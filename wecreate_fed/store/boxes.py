"""SQL for boxes: their profile, members, invitations, linked ideas, indicators, milestones, tasks and posts.

Reads return typed records (frozen dataclasses), never database rows.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from . import Connection, fetch_all, fetch_one, fetch_value, iso
from .actors import _COLUMNS as _ACTOR_COLUMNS
from .actors import Actor, _actor
from .sanctions import shown

_A = ", ".join("a." + c for c in _ACTOR_COLUMNS.split(", "))
PROFILE_FIELDS = ("problem", "purpose", "goals", "skills_sought", "partners", "support_sought",
                  "meeting_time", "meeting_place", "meeting_event_ap_id", "district_slug")
_NULLABLE = ("meeting_event_ap_id", "district_slug")  # the other profile fields are '' when empty


@dataclass(frozen=True)
class Box:
    """What a local box has beyond its Group actor."""

    actor_id: int
    visibility: str            # open, closed, private
    problem: str
    purpose: str
    goals: str
    skills_sought: str
    partners: str
    support_sought: str
    meeting_time: str
    meeting_place: str
    meeting_event_ap_id: str | None
    district_slug: str | None
    created_at: str
    org_id: int | None = None  # the Organization whose working group it is (orgspace)


@dataclass(frozen=True)
class Member:
    box_id: int
    actor_id: int
    role: str                  # owner, moderator, member
    state: str                 # pending, accepted
    request_ap_id: str | None  # the Follow or Join that asked
    created_at: str


@dataclass(frozen=True)
class Indicator:
    id: int
    box_id: int
    name: str
    unit: str
    target: float
    current: float
    updated_at: str


@dataclass(frozen=True)
class Milestone:
    id: int
    box_id: int
    title: str
    due: str | None
    done: bool
    position: int


@dataclass(frozen=True)
class Task:
    id: int
    box_id: int
    title: str
    state: str                 # open, done
    assignee_id: int | None
    created_by: int | None
    created_at: str
    done_at: str | None
    assignee_name: str | None
    assignee_ap_id: str | None


@dataclass(frozen=True)
class BoxPost:
    """A post in a box's discussion, with its author."""

    id: int
    ap_id: str
    in_reply_to: str | None
    content: str
    published: str | None
    deleted_at: str | None
    is_local: bool
    author_ap_id: str
    author_name: str
    author_domain: str


def _record(cls, row, **flags):
    if row is None:
        return None
    values = {f.name: row[f.name] for f in fields(cls)}
    for name in flags:
        values[name] = bool(values[name])
    return cls(**values)


_BOX_COLUMNS = [f.name for f in fields(Box)]
_B = ", ".join(f"b.{c} AS box_{c}" for c in _BOX_COLUMNS)


def _inserted(cur) -> int:
    assert cur.lastrowid is not None  # an INSERT always sets it
    return cur.lastrowid


def _box_and_actor(row) -> tuple[Actor, Box]:
    values = dict(row)
    box = Box(**{c: values.pop(f"box_{c}") for c in _BOX_COLUMNS})
    return _actor(values), box


# --- boxes -------------------------------------------------------------------------

async def add_box(conn: Connection, actor_id: int, visibility: str, profile: dict) -> None:
    values = {k: profile.get(k) or (None if k in _NULLABLE else "") for k in PROFILE_FIELDS}
    await conn.execute(
        f"INSERT INTO boxes (actor_id, visibility, {', '.join(values)}, created_at) "
        f"VALUES (?, ?, {', '.join('?' for _ in values)}, ?)",
        (actor_id, visibility, *values.values(), iso()),
    )


async def get_box(conn: Connection, actor_id: int) -> Box | None:
    return _record(Box, await fetch_one(conn, "SELECT * FROM boxes WHERE actor_id = ?", (actor_id,)))


async def update_box(conn: Connection, actor_id: int, *, visibility: str | None = None, **profile) -> None:
    bad = set(profile) - set(PROFILE_FIELDS)
    if bad:
        raise ValueError(f"not a box field: {', '.join(sorted(bad))}")
    values = dict(profile)
    if visibility is not None:
        values["visibility"] = visibility
    if values:
        await conn.execute(f"UPDATE boxes SET {', '.join(f'{k} = ?' for k in values)} WHERE actor_id = ?",
                           (*values.values(), actor_id))


async def list_boxes(conn: Connection, *, include_private_for: int | None = None,
                     limit: int = 100) -> list[tuple[Actor, Box]]:
    """Local boxes, newest first; private ones only for the member `include_private_for`."""
    rows = await fetch_all(
        conn,
        f"SELECT {_B}, {_A} FROM boxes b JOIN actors a ON a.id = b.actor_id WHERE a.deleted_at IS NULL AND "
        "(b.visibility != 'private' OR b.actor_id IN (SELECT box_id FROM box_members WHERE actor_id = ? "
        "AND state = 'accepted')) ORDER BY b.created_at DESC LIMIT ?",
        (include_private_for, limit),
    )
    return [_box_and_actor(r) for r in rows]


# --- members -------------------------------------------------------------------------

async def set_member(conn: Connection, box_id: int, actor_id: int, *, state: str, role: str = "member",
                     request_ap_id: str | None = None) -> None:
    """Add or update a membership; an existing role is kept unless a higher one is given, and an
    accepted member stays accepted (by the statement's own condition: a second request handled
    beside the approval must not make them wait again)."""
    await conn.execute(
        "INSERT INTO box_members (box_id, actor_id, role, state, request_ap_id, created_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (box_id, actor_id) DO UPDATE SET "
        "state = CASE WHEN box_members.state = 'accepted' THEN 'accepted' ELSE excluded.state END, "
        "request_ap_id = COALESCE(excluded.request_ap_id, box_members.request_ap_id), "
        "role = CASE WHEN box_members.role IN ('owner', 'moderator') THEN box_members.role ELSE excluded.role END",
        (box_id, actor_id, role, state, request_ap_id, iso()),
    )


async def get_member(conn: Connection, box_id: int, actor_id: int) -> Member | None:
    return _record(Member, await fetch_one(conn, "SELECT * FROM box_members WHERE box_id = ? AND actor_id = ?",
                                           (box_id, actor_id)))


async def set_role(conn: Connection, box_id: int, actor_id: int, role: str) -> None:
    await conn.execute("UPDATE box_members SET role = ? WHERE box_id = ? AND actor_id = ?", (role, box_id, actor_id))


async def delete_member(conn: Connection, box_id: int, actor_id: int) -> bool:
    cur = await conn.execute("DELETE FROM box_members WHERE box_id = ? AND actor_id = ?", (box_id, actor_id))
    return cur.rowcount > 0


async def list_members(conn: Connection, box_id: int, *, state: str = "accepted",
                       roles: tuple = ()) -> list[tuple[str, Actor]]:
    """(role, actor) of a box's members in the given state, owners and moderators first."""
    sql = f"SELECT m.role AS member_role, {_A} FROM box_members m JOIN actors a ON a.id = m.actor_id " \
          "WHERE m.box_id = ? AND m.state = ?"
    params: list = [box_id, state]
    if roles:
        sql += f" AND m.role IN ({', '.join('?' for _ in roles)})"
        params += list(roles)
    rows = await fetch_all(conn, sql + " ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'moderator' THEN 1 "
                                       "ELSE 2 END, m.created_at", params)
    result = []
    for row in rows:
        values = dict(row)
        role = values.pop("member_role")
        result.append((role, _actor(values)))
    return result


async def list_member_inboxes(conn: Connection, box_id: int) -> list[str]:
    """Where to deliver what the box tells its members: the inboxes of its remote members."""
    rows = await fetch_all(
        conn, "SELECT DISTINCT COALESCE(a.shared_inbox_url, a.inbox_url) AS inbox FROM box_members m "
              "JOIN actors a ON a.id = m.actor_id WHERE m.box_id = ? AND m.state = 'accepted' AND a.is_local = 0 "
              "AND a.deleted_at IS NULL ORDER BY inbox", (box_id,))
    return [r["inbox"] for r in rows]


async def list_member_hosts(conn: Connection, box_id: int) -> set[str]:
    rows = await fetch_all(conn, "SELECT DISTINCT a.domain FROM box_members m JOIN actors a ON a.id = m.actor_id "
                                 "WHERE m.box_id = ? AND m.state = 'accepted'", (box_id,))
    return {r[0] for r in rows}


async def count_members_by_box(conn: Connection, box_ids: list[int]) -> dict[int, int]:
    """Accepted members of each of the given boxes."""
    if not box_ids:
        return {}
    rows = await fetch_all(
        conn, "SELECT box_id, count(*) AS n FROM box_members WHERE state = 'accepted' "
              f"AND box_id IN ({', '.join('?' for _ in box_ids)}) GROUP BY box_id", box_ids)
    return {r["box_id"]: r["n"] for r in rows}


# --- invitations -------------------------------------------------------------------------

async def add_invitation(conn: Connection, box_id: int, invitee_ap_id: str, invited_by: int) -> None:
    await conn.execute(
        "INSERT INTO box_invitations (box_id, invitee_ap_id, invited_by, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING", (box_id, invitee_ap_id, invited_by, iso()))


async def list_invitees(conn: Connection, box_id: int) -> list[str]:
    # ORDER BY the key: SQLite read them in that order anyway, PostgreSQL has no order of its own.
    rows = await fetch_all(conn, "SELECT invitee_ap_id FROM box_invitations WHERE box_id = ? ORDER BY invitee_ap_id",
                           (box_id,))
    return [r[0] for r in rows]


async def has_invitation(conn: Connection, box_id: int, invitee_ap_id: str) -> bool:
    return await fetch_value(conn, "SELECT count(*) FROM box_invitations WHERE box_id = ? AND invitee_ap_id = ?",
                             (box_id, invitee_ap_id)) > 0


async def list_invitations_for(conn: Connection, invitee_ap_id: str) -> list[Actor]:
    """Local boxes that invited someone who is not (yet) an accepted member, newest invitation first."""
    rows = await fetch_all(
        conn, f"SELECT {_A} FROM box_invitations i JOIN boxes b ON b.actor_id = i.box_id "
              "JOIN actors a ON a.id = b.actor_id WHERE i.invitee_ap_id = ? AND a.deleted_at IS NULL "
              "AND NOT EXISTS (SELECT 1 FROM box_members m JOIN actors p ON p.id = m.actor_id "
              "WHERE m.box_id = i.box_id AND p.ap_id = i.invitee_ap_id AND m.state = 'accepted') "
              "ORDER BY i.created_at DESC", (invitee_ap_id,))
    return [_actor(r) for r in rows]


# --- profile parts ------------------------------------------------------------------------

async def link_idea(conn: Connection, box_id: int, idea_ap_id: str) -> bool:
    cur = await conn.execute("INSERT INTO box_ideas (box_id, idea_ap_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                             (box_id, idea_ap_id))
    return cur.rowcount > 0


async def list_linked_ideas(conn: Connection, box_id: int) -> list[str]:
    return [r[0] for r in await fetch_all(conn, "SELECT idea_ap_id FROM box_ideas WHERE box_id = ? ORDER BY idea_ap_id",
                                          (box_id,))]


async def list_boxes_of_idea(conn: Connection, idea_ap_id: str) -> list[tuple[Actor, Box]]:
    """The open and closed boxes implementing an idea (private ones are not shown to anyone else)."""
    rows = await fetch_all(
        conn, f"SELECT {_B}, {_A} FROM box_ideas bi JOIN boxes b ON b.actor_id = bi.box_id "
              "JOIN actors a ON a.id = b.actor_id WHERE bi.idea_ap_id = ? AND b.visibility != 'private' "
              "AND a.deleted_at IS NULL", (idea_ap_id,))
    return [_box_and_actor(r) for r in rows]


async def add_indicator(conn: Connection, box_id: int, name: str, unit: str, target: float, current: float) -> int:
    cur = await conn.execute(
        "INSERT INTO box_indicators (box_id, name, unit, target, current, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        (box_id, name, unit, target, current, iso()))
    return _inserted(cur)


async def set_indicator_value(conn: Connection, box_id: int, indicator_id: int, current: float) -> bool:
    cur = await conn.execute("UPDATE box_indicators SET current = ?, updated_at = ? WHERE id = ? AND box_id = ?",
                             (current, iso(), indicator_id, box_id))
    return cur.rowcount > 0


async def list_indicators(conn: Connection, box_id: int) -> list[Indicator]:
    rows = await fetch_all(conn, "SELECT * FROM box_indicators WHERE box_id = ? ORDER BY id", (box_id,))
    return [_record(Indicator, r) for r in rows]


async def add_milestone(conn: Connection, box_id: int, title: str, due: str | None) -> int:
    position = await fetch_value(conn, "SELECT COALESCE(max(position), 0) + 1 FROM box_milestones WHERE box_id = ?",
                                 (box_id,))
    cur = await conn.execute("INSERT INTO box_milestones (box_id, title, due, position) VALUES (?, ?, ?, ?)",
                             (box_id, title, due, position))
    return _inserted(cur)


async def mark_milestone(conn: Connection, box_id: int, milestone_id: int, done: bool) -> bool:
    cur = await conn.execute("UPDATE box_milestones SET done = ? WHERE id = ? AND box_id = ?",
                             (int(done), milestone_id, box_id))
    return cur.rowcount > 0


async def list_milestones(conn: Connection, box_id: int) -> list[Milestone]:
    rows = await fetch_all(conn, "SELECT * FROM box_milestones WHERE box_id = ? ORDER BY position", (box_id,))
    return [_record(Milestone, r, done=True) for r in rows]


async def add_task(conn: Connection, box_id: int, title: str, created_by: int, assignee_id: int | None) -> int:
    cur = await conn.execute(
        "INSERT INTO box_tasks (box_id, title, assignee_id, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
        (box_id, title, assignee_id, created_by, iso()))
    return _inserted(cur)


async def update_task(conn: Connection, box_id: int, task_id: int, *, state: str | None = None,
                      assignee_id: int | None = None, unassign: bool = False) -> bool:
    sets: list[str] = []
    params: list = []
    if state is not None:
        sets += ["state = ?", "done_at = ?"]
        params += [state, iso() if state == "done" else None]
    if assignee_id is not None or unassign:
        sets.append("assignee_id = ?")
        params.append(assignee_id)
    if not sets:
        return False
    cur = await conn.execute(f"UPDATE box_tasks SET {', '.join(sets)} WHERE id = ? AND box_id = ?",
                             (*params, task_id, box_id))
    return cur.rowcount > 0


async def task_title(conn: Connection, box_id: int, task_id: int) -> str | None:
    return await fetch_value(conn, "SELECT title FROM box_tasks WHERE box_id = ? AND id = ?", (box_id, task_id))


async def list_tasks(conn: Connection, box_id: int) -> list[Task]:
    rows = await fetch_all(
        conn, "SELECT t.*, a.name AS assignee_name, a.ap_id AS assignee_ap_id FROM box_tasks t "
              "LEFT JOIN actors a ON a.id = t.assignee_id WHERE t.box_id = ? ORDER BY t.state DESC, t.id",
        (box_id,))
    return [_record(Task, r) for r in rows]


async def list_posts(conn: Connection, box_ap_id: str, limit: int = 200) -> list[BoxPost]:
    """Discussion posts of a box (its `audience`), oldest first, with their authors."""
    rows = await fetch_all(
        conn, "SELECT o.id, o.ap_id, o.in_reply_to, o.content, o.published, o.deleted_at, o.is_local, "
              "a.ap_id AS author_ap_id, a.name AS author_name, a.domain AS author_domain "
              "FROM objects o JOIN actors a ON a.id = o.actor_id WHERE o.audience = ? AND o.deleted_at IS NULL "
              f"AND {shown('o', 'actor_id')} "
              "ORDER BY o.id LIMIT ?", (box_ap_id, limit))
    return [_record(BoxPost, r, is_local=True) for r in rows]
