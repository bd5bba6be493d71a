"""SQL for organisation spaces: who belongs to which local Organization, with what role, and the
registration invitations that also join a space (the CSV import's)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from . import Connection, fetch_all, fetch_one, fetch_value, iso
from .actors import _COLUMNS, Actor, _actor

ROLES = ("member", "board", "admin")
STATES = ("invited", "requested", "accepted")
_A = ", ".join(f"a.{c}" for c in _COLUMNS.split(", "))


@dataclass(frozen=True)
class Membership:
    org_id: int
    actor_id: int
    role: str
    state: str
    skills: str
    invited_by: int | None
    created_at: str
    accepted_at: str | None


def _membership(row: sqlite3.Row | None) -> Membership | None:
    return None if row is None else Membership(**dict(row))


_M = "org_id, actor_id, role, state, skills, invited_by, created_at, accepted_at"


async def get(conn: Connection, org_id: int, actor_id: int) -> Membership | None:
    """The row of `actor_id` in the space `org_id`, in any state."""
    return _membership(await fetch_one(
        conn, f"SELECT {_M} FROM org_members WHERE org_id = ? AND actor_id = ?", (org_id, actor_id)))


async def accepted_role(conn: Connection, org_id: int, actor_id: int) -> str | None:
    """The role of an accepted member whose account is not deleted, else None."""
    return await fetch_value(
        conn,
        "SELECT m.role FROM org_members m JOIN actors a ON a.id = m.actor_id "
        "WHERE m.org_id = ? AND m.actor_id = ? AND m.state = 'accepted' AND a.deleted_at IS NULL",
        (org_id, actor_id))


async def may_see(conn: Connection, members_of: int, viewer_id: int) -> bool:
    """Whether the local account `viewer_id` is in the audience `members_of`: the instance actor's
    audience is every local account; an Organization's its accepted members and itself; any
    other id nobody (an audience that names no space shows to no one rather than to everyone)."""
    return bool(await fetch_value(
        conn,
        "SELECT EXISTS (SELECT 1 FROM actors o JOIN actors v ON v.id = ? "
        "WHERE o.id = ? AND o.is_local = 1 AND v.is_local = 1 AND v.deleted_at IS NULL "
        "AND v.type IN ('Person', 'Organization') AND ("
        "  o.type = 'Application' OR (o.type = 'Organization' AND o.deleted_at IS NULL AND (o.id = v.id OR EXISTS ("
        "    SELECT 1 FROM org_members m WHERE m.org_id = o.id AND m.actor_id = v.id AND m.state = 'accepted')))))",
        (viewer_id, members_of)))


async def put(conn: Connection, org_id: int, actor_id: int, *, role: str, state: str,
              invited_by: int | None = None) -> None:
    """Add a row or change the role and state of the existing one (an invitation accepted, a request approved)."""
    if role not in ROLES or state not in STATES:
        raise ValueError(f"role {role!r} / state {state!r}")
    now = iso()
    await conn.execute(
        f"INSERT INTO org_members ({_M}) VALUES (?, ?, ?, ?, '', ?, ?, ?) "
        "ON CONFLICT (org_id, actor_id) DO UPDATE SET role = excluded.role, state = excluded.state, "
        "accepted_at = COALESCE(org_members.accepted_at, excluded.accepted_at)",
        (org_id, actor_id, role, state, invited_by, now, now if state == "accepted" else None))


async def set_role(conn: Connection, org_id: int, actor_id: int, role: str) -> bool:
    if role not in ROLES:
        raise ValueError(f"role {role!r}")
    cur = await conn.execute("UPDATE org_members SET role = ? WHERE org_id = ? AND actor_id = ?",
                             (role, org_id, actor_id))
    return cur.rowcount > 0


async def set_skills(conn: Connection, org_id: int, actor_id: int, skills: str) -> bool:
    cur = await conn.execute("UPDATE org_members SET skills = ? WHERE org_id = ? AND actor_id = ?",
                             (skills, org_id, actor_id))
    return cur.rowcount > 0


async def remove(conn: Connection, org_id: int, actor_id: int) -> bool:
    cur = await conn.execute("DELETE FROM org_members WHERE org_id = ? AND actor_id = ?", (org_id, actor_id))
    return cur.rowcount > 0


async def count_admins(conn: Connection, org_id: int) -> int:
    """Accepted admins with an account that is not deleted (the Organization account itself not counted)."""
    return await fetch_value(
        conn,
        "SELECT count(*) FROM org_members m JOIN actors a ON a.id = m.actor_id "
        "WHERE m.org_id = ? AND m.role = 'admin' AND m.state = 'accepted' AND a.deleted_at IS NULL",
        (org_id,))


async def list_members(conn: Connection, org_id: int, *, state: str = "accepted") -> list[tuple[Actor, Membership]]:
    """The people of a space in one state, admins first, then board, then by name."""
    rows = await fetch_all(
        conn,
        f"SELECT {_A}, m.org_id AS m_org_id, m.actor_id AS m_actor_id, m.role AS m_role, m.state AS m_state, "
        "m.skills AS m_skills, m.invited_by AS m_invited_by, m.created_at AS m_created_at, "
        "m.accepted_at AS m_accepted_at "
        "FROM org_members m JOIN actors a ON a.id = m.actor_id "
        "WHERE m.org_id = ? AND m.state = ? AND a.deleted_at IS NULL "
        "ORDER BY CASE m.role WHEN 'admin' THEN 0 WHEN 'board' THEN 1 ELSE 2 END, lower(a.name), a.username",
        (org_id, state))
    out = []
    for row in rows:
        values = dict(row)
        membership = Membership(**{k[2:]: values.pop(k) for k in list(values) if k.startswith("m_")})
        out.append((_actor(values), membership))
    return out


async def member_ids(conn: Connection, org_id: int) -> list[int]:
    """The accepted members' actor ids (for notifications to the whole space)."""
    rows = await fetch_all(
        conn, "SELECT m.actor_id FROM org_members m JOIN actors a ON a.id = m.actor_id "
        "WHERE m.org_id = ? AND m.state = 'accepted' AND a.deleted_at IS NULL", (org_id,))
    return [r["actor_id"] for r in rows]


async def managers(conn: Connection, org_id: int) -> list[int]:
    """The ids of those who approve requests: accepted board members and admins, and the Organization."""
    rows = await fetch_all(
        conn, "SELECT m.actor_id FROM org_members m JOIN actors a ON a.id = m.actor_id "
        "WHERE m.org_id = ? AND m.state = 'accepted' AND m.role IN ('board', 'admin') AND a.deleted_at IS NULL",
        (org_id,))
    return [org_id, *(r["actor_id"] for r in rows)]


async def organisations_of(conn: Connection, actor_id: int) -> list[Actor]:
    """The local Organizations in which `actor_id` is an accepted member (its own one first if it is one)."""
    rows = await fetch_all(
        conn,
        f"SELECT {_A} FROM actors a WHERE a.is_local = 1 AND a.type = 'Organization' AND a.deleted_at IS NULL "
        "AND (a.id = ? OR a.id IN (SELECT org_id FROM org_members WHERE actor_id = ? AND state = 'accepted')) "
        "ORDER BY a.id != ?, lower(a.name)",
        (actor_id, actor_id, actor_id))
    return [_actor(r) for r in rows]


async def pending_of(conn: Connection, actor_id: int, state: str) -> list[Actor]:
    """The spaces that invited `actor_id` (state 'invited') or that it asked to join ('requested')."""
    rows = await fetch_all(
        conn,
        f"SELECT {_A} FROM org_members m JOIN actors a ON a.id = m.org_id "
        "WHERE m.actor_id = ? AND m.state = ? AND a.deleted_at IS NULL ORDER BY lower(a.name)",
        (actor_id, state))
    return [_actor(r) for r in rows]


# --- registration invitations that join a space (the CSV import) ----------------------------

async def add_invitation(conn: Connection, invitation_id: int, org_id: int, *, role: str, name: str,
                         email: str, invited_by: int | None) -> None:
    await conn.execute(
        "INSERT INTO org_invitations (invitation_id, org_id, role, name, email, invited_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)", (invitation_id, org_id, role, name, email, invited_by, iso()))


async def invitation_for(conn: Connection, invitation_id: int) -> sqlite3.Row | None:
    """The space (org_id, role, invited_by) a registration invitation joins, if it is one of ours."""
    return await fetch_one(conn, "SELECT org_id, role, invited_by FROM org_invitations WHERE invitation_id = ?",
                           (invitation_id,))


async def open_invitations(conn: Connection, org_id: int) -> list[sqlite3.Row]:
    """The mailed invitations of a space not yet used (for the manage page)."""
    return await fetch_all(
        conn,
        "SELECT o.name, o.email, o.role, o.created_at FROM org_invitations o JOIN invitations i ON i.id = o.invitation_id "
        "WHERE o.org_id = ? AND i.uses_left > 0 ORDER BY o.created_at DESC, o.email", (org_id,))


async def invited_emails(conn: Connection, org_id: int) -> set[str]:
    """The (lower-case) addresses of a space's open mailed invitations, so an import does not mail twice."""
    rows = await open_invitations(conn, org_id)
    return {r["email"].lower() for r in rows}
