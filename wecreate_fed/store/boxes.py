"""SQL for boxes (members, invitations, profile, tasks, indicators, milestones, linked ideas) and motions."""

from __future__ import annotations

from . import Connection, fetch_all, fetch_one, fetch_value, iso
from .actors import _COLUMNS as _ACTOR_COLUMNS
from .actors import Actor, _actor

_A = ", ".join("a." + c for c in _ACTOR_COLUMNS.split(", "))
PROFILE_FIELDS = ("problem", "purpose", "goals", "skills_sought", "partners", "support_sought",
                  "meeting_time", "meeting_place", "meeting_event_ap_id", "district_slug")


# --- boxes -------------------------------------------------------------------------

async def add_box(conn: Connection, actor_id: int, visibility: str, profile: dict) -> None:
    values = {k: profile.get(k) or ("" if k not in ("meeting_event_ap_id", "district_slug") else None)
              for k in PROFILE_FIELDS}
    await conn.execute(
        f"INSERT INTO boxes (actor_id, visibility, {', '.join(values)}, created_at) "
        f"VALUES (?, ?, {', '.join('?' for _ in values)}, ?)",
        (actor_id, visibility, *values.values(), iso()),
    )


async def get_box(conn: Connection, actor_id: int):
    return await fetch_one(conn, "SELECT * FROM boxes WHERE actor_id = ?", (actor_id,))


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


async def list_boxes(conn: Connection, *, include_private_for: int | None = None, limit: int = 100) -> list:
    """Local boxes, newest first; private ones only for the member `include_private_for`."""
    return await fetch_all(
        conn,
        f"SELECT b.*, {_A} FROM boxes b JOIN actors a ON a.id = b.actor_id WHERE a.deleted_at IS NULL AND "
        "(b.visibility != 'private' OR b.actor_id IN (SELECT box_id FROM box_members WHERE actor_id = ? "
        "AND state = 'accepted')) ORDER BY b.created_at DESC LIMIT ?",
        (include_private_for, limit),
    )


# --- members -------------------------------------------------------------------------

async def set_member(conn: Connection, box_id: int, actor_id: int, *, state: str, role: str = "member",
                     request_ap_id: str | None = None) -> None:
    """Add or update a membership; an existing role is kept unless a higher one is given."""
    await conn.execute(
        "INSERT INTO box_members (box_id, actor_id, role, state, request_ap_id, created_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (box_id, actor_id) DO UPDATE SET state = excluded.state, "
        "request_ap_id = COALESCE(excluded.request_ap_id, box_members.request_ap_id), "
        "role = CASE WHEN box_members.role IN ('owner', 'moderator') THEN box_members.role ELSE excluded.role END",
        (box_id, actor_id, role, state, request_ap_id, iso()),
    )


async def get_member(conn: Connection, box_id: int, actor_id: int):
    return await fetch_one(conn, "SELECT * FROM box_members WHERE box_id = ? AND actor_id = ?", (box_id, actor_id))


async def set_role(conn: Connection, box_id: int, actor_id: int, role: str) -> None:
    await conn.execute("UPDATE box_members SET role = ? WHERE box_id = ? AND actor_id = ?", (role, box_id, actor_id))


async def delete_member(conn: Connection, box_id: int, actor_id: int) -> bool:
    cur = await conn.execute("DELETE FROM box_members WHERE box_id = ? AND actor_id = ?", (box_id, actor_id))
    return cur.rowcount > 0


async def list_members(conn: Connection, box_id: int, *, state: str = "accepted", roles: tuple = ()) -> list:
    """(role, actor) of a box's members in the given state, owners and moderators first."""
    sql = (f"SELECT m.role, m.state, m.request_ap_id, {_A} FROM box_members m JOIN actors a ON a.id = m.actor_id "
           "WHERE m.box_id = ? AND m.state = ?")
    params: list = [box_id, state]
    if roles:
        sql += f" AND m.role IN ({', '.join('?' for _ in roles)})"
        params += list(roles)
    rows = await fetch_all(conn, sql + " ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'moderator' THEN 1 "
                                       "ELSE 2 END, m.created_at", params)
    result = []
    for row in rows:
        values = dict(row)
        role = values.pop("role")
        values.pop("state"), values.pop("request_ap_id")
        result.append((role, _actor(values)))
    return result


async def count_members(conn: Connection, box_id: int) -> int:
    return await fetch_value(conn, "SELECT count(*) FROM box_members WHERE box_id = ? AND state = 'accepted'",
                             (box_id,))


async def list_member_inboxes(conn: Connection, box_id: int) -> list[str]:
    rows = await fetch_all(
        conn, "SELECT DISTINCT COALESCE(a.shared_inbox_url, a.inbox_url) AS inbox FROM box_members m "
              "JOIN actors a ON a.id = m.actor_id WHERE m.box_id = ? AND m.state = 'accepted' AND a.is_local = 0 "
              "AND a.deleted_at IS NULL", (box_id,))
    return [r["inbox"] for r in rows]


async def list_member_hosts(conn: Connection, box_id: int) -> set[str]:
    rows = await fetch_all(conn, "SELECT DISTINCT a.domain FROM box_members m JOIN actors a ON a.id = m.actor_id "
                                 "WHERE m.box_id = ? AND m.state = 'accepted'", (box_id,))
    return {r[0] for r in rows}


async def list_memberships(conn: Connection, actor_id: int) -> list:
    return await fetch_all(conn, "SELECT box_id, role, state FROM box_members WHERE actor_id = ?", (actor_id,))


async def add_invitation(conn: Connection, box_id: int, invitee_ap_id: str, invited_by: int) -> None:
    await conn.execute(
        "INSERT INTO box_invitations (box_id, invitee_ap_id, invited_by, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING", (box_id, invitee_ap_id, invited_by, iso()))


async def list_invitees(conn: Connection, box_id: int) -> list[str]:
    rows = await fetch_all(conn, "SELECT invitee_ap_id FROM box_invitations WHERE box_id = ?", (box_id,))
    return [r[0] for r in rows]


async def has_invitation(conn: Connection, box_id: int, invitee_ap_id: str) -> bool:
    return await fetch_value(conn, "SELECT count(*) FROM box_invitations WHERE box_id = ? AND invitee_ap_id = ?",
                             (box_id, invitee_ap_id)) > 0


# --- profile parts ------------------------------------------------------------------------

async def link_idea(conn: Connection, box_id: int, idea_ap_id: str) -> None:
    await conn.execute("INSERT INTO box_ideas (box_id, idea_ap_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                       (box_id, idea_ap_id))


async def list_linked_ideas(conn: Connection, box_id: int) -> list[str]:
    return [r[0] for r in await fetch_all(conn, "SELECT idea_ap_id FROM box_ideas WHERE box_id = ?", (box_id,))]


async def list_boxes_of_idea(conn: Connection, idea_ap_id: str) -> list:
    return await fetch_all(
        conn, f"SELECT b.visibility, {_A} FROM box_ideas bi JOIN boxes b ON b.actor_id = bi.box_id "
              "JOIN actors a ON a.id = b.actor_id WHERE bi.idea_ap_id = ? AND b.visibility != 'private'",
        (idea_ap_id,))


async def add_indicator(conn: Connection, box_id: int, name: str, unit: str, target: float, current: float) -> int:
    cur = await conn.execute(
        "INSERT INTO box_indicators (box_id, name, unit, target, current, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        (box_id, name, unit, target, current, iso()))
    return cur.lastrowid


async def set_indicator_value(conn: Connection, box_id: int, indicator_id: int, current: float) -> bool:
    cur = await conn.execute("UPDATE box_indicators SET current = ?, updated_at = ? WHERE id = ? AND box_id = ?",
                             (current, iso(), indicator_id, box_id))
    return cur.rowcount > 0


async def list_indicators(conn: Connection, box_id: int) -> list:
    return await fetch_all(conn, "SELECT * FROM box_indicators WHERE box_id = ? ORDER BY id", (box_id,))


async def add_milestone(conn: Connection, box_id: int, title: str, due: str | None) -> int:
    position = await fetch_value(conn, "SELECT COALESCE(max(position), 0) + 1 FROM box_milestones WHERE box_id = ?",
                                 (box_id,))
    cur = await conn.execute("INSERT INTO box_milestones (box_id, title, due, position) VALUES (?, ?, ?, ?)",
                             (box_id, title, due, position))
    return cur.lastrowid


async def mark_milestone(conn: Connection, box_id: int, milestone_id: int, done: bool) -> bool:
    cur = await conn.execute("UPDATE box_milestones SET done = ? WHERE id = ? AND box_id = ?",
                             (int(done), milestone_id, box_id))
    return cur.rowcount > 0


async def list_milestones(conn: Connection, box_id: int) -> list:
    return await fetch_all(conn, "SELECT * FROM box_milestones WHERE box_id = ? ORDER BY position", (box_id,))


async def add_task(conn: Connection, box_id: int, title: str, created_by: int, assignee_id: int | None) -> int:
    cur = await conn.execute(
        "INSERT INTO box_tasks (box_id, title, assignee_id, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
        (box_id, title, assignee_id, created_by, iso()))
    return cur.lastrowid


async def update_task(conn: Connection, box_id: int, task_id: int, *, state: str | None = None,
                      assignee_id: int | None = None, unassign: bool = False) -> bool:
    sets, params = [], []
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


async def list_tasks(conn: Connection, box_id: int) -> list:
    return await fetch_all(
        conn, "SELECT t.*, a.name AS assignee_name, a.ap_id AS assignee_ap_id FROM box_tasks t "
              "LEFT JOIN actors a ON a.id = t.assignee_id WHERE t.box_id = ? ORDER BY t.state DESC, t.id",
        (box_id,))


async def list_posts(conn: Connection, box_ap_id: str, limit: int = 200) -> list:
    """Discussion posts of a box (its `audience`), oldest first, with their authors."""
    return await fetch_all(
        conn, "SELECT o.id, o.ap_id, o.in_reply_to, o.content, o.published, o.deleted_at, o.is_local, "
              "a.ap_id AS author_ap_id, a.name AS author_name, a.domain AS author_domain "
              "FROM objects o JOIN actors a ON a.id = o.actor_id WHERE o.audience = ? AND o.deleted_at IS NULL "
              "ORDER BY o.id LIMIT ?", (box_ap_id, limit))


# --- motions ------------------------------------------------------------------------------

async def add_motion(conn: Connection, *, ap_id: str, is_local: bool, box_ap_id: str, council_ap_id: str | None,
                     district_ap_id: str | None, title: str, request: str, reasoning: str, required_cosigners: int,
                     state: str, created_by: str, offer_ap_id: str | None = None) -> int:
    now = iso()
    cur = await conn.execute(
        "INSERT INTO motions (ap_id, is_local, box_ap_id, council_ap_id, district_ap_id, title, request, reasoning, "
        "required_cosigners, state, offer_ap_id, created_by, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ap_id) DO NOTHING",
        (ap_id, int(is_local), box_ap_id, council_ap_id, district_ap_id, title, request, reasoning,
         required_cosigners, state, offer_ap_id, created_by, now, now))
    if cur.rowcount == 0:
        return await fetch_value(conn, "SELECT id FROM motions WHERE ap_id = ?", (ap_id,))
    await conn.execute(
        "INSERT INTO motion_revisions (motion_id, revision, title, request, reasoning, editor_ap_id, created_at) "
        "VALUES (?, 1, ?, ?, ?, ?, ?)", (cur.lastrowid, title, request, reasoning, created_by, now))
    return cur.lastrowid


async def get_motion(conn: Connection, ap_id: str):
    return await fetch_one(conn, "SELECT * FROM motions WHERE ap_id = ?", (ap_id,))


async def get_motion_by_offer(conn: Connection, offer_ap_id: str):
    return await fetch_one(conn, "SELECT * FROM motions WHERE offer_ap_id = ?", (offer_ap_id,))


async def revise_motion(conn: Connection, motion_id: int, *, title: str, request: str, reasoning: str,
                        council_ap_id: str | None, district_ap_id: str | None, required_cosigners: int,
                        editor_ap_id: str) -> int:
    """Store a new revision; co-signatures of the old text no longer count. Returns the revision number."""
    now = iso()
    await conn.execute(
        "UPDATE motions SET title = ?, request = ?, reasoning = ?, council_ap_id = ?, district_ap_id = ?, "
        "required_cosigners = ?, revision = revision + 1, updated_at = ? WHERE id = ?",
        (title, request, reasoning, council_ap_id, district_ap_id, required_cosigners, now, motion_id))
    revision = await fetch_value(conn, "SELECT revision FROM motions WHERE id = ?", (motion_id,))
    await conn.execute(
        "INSERT INTO motion_revisions (motion_id, revision, title, request, reasoning, editor_ap_id, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)", (motion_id, revision, title, request, reasoning, editor_ap_id, now))
    await conn.execute("DELETE FROM motion_cosigners WHERE motion_id = ?", (motion_id,))
    return revision


async def list_revisions(conn: Connection, motion_id: int) -> list:
    return await fetch_all(conn, "SELECT * FROM motion_revisions WHERE motion_id = ? ORDER BY revision",
                           (motion_id,))


async def add_cosigner(conn: Connection, motion_id: int, actor_ap_id: str) -> bool:
    cur = await conn.execute("INSERT INTO motion_cosigners (motion_id, actor_ap_id, signed_at) VALUES (?, ?, ?) "
                             "ON CONFLICT DO NOTHING", (motion_id, actor_ap_id, iso()))
    return cur.rowcount > 0


async def delete_cosigner(conn: Connection, motion_id: int, actor_ap_id: str) -> bool:
    cur = await conn.execute("DELETE FROM motion_cosigners WHERE motion_id = ? AND actor_ap_id = ?",
                             (motion_id, actor_ap_id))
    return cur.rowcount > 0


async def list_cosigners(conn: Connection, motion_id: int) -> list[str]:
    rows = await fetch_all(conn, "SELECT actor_ap_id FROM motion_cosigners WHERE motion_id = ? ORDER BY signed_at",
                           (motion_id,))
    return [r[0] for r in rows]


async def set_motion_state(conn: Connection, motion_id: int, state: str, *, offer_ap_id: str | None = None,
                           agenda_date: str | None = None, decision: str | None = None,
                           decision_text: str | None = None) -> None:
    now = iso()
    await conn.execute(
        "UPDATE motions SET state = ?, updated_at = ?, offer_ap_id = COALESCE(?, offer_ap_id), "
        "submitted_at = CASE WHEN ? = 'submitted' THEN ? ELSE submitted_at END, "
        "agenda_date = COALESCE(?, agenda_date), decision = COALESCE(?, decision), "
        "decision_text = COALESCE(?, decision_text) WHERE id = ?",
        (state, now, offer_ap_id, state, now, agenda_date, decision, decision_text, motion_id))


async def add_answer(conn: Connection, motion_id: int, *, kind: str, activity_ap_id: str, agenda_date: str | None,
                     decision: str | None, text: str) -> bool:
    """Record a council answer once (by its activity id). True if it was new."""
    cur = await conn.execute(
        "INSERT INTO motion_answers (motion_id, kind, agenda_date, decision, text, activity_ap_id, answered_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (activity_ap_id) DO NOTHING",
        (motion_id, kind, agenda_date, decision, text, activity_ap_id, iso()))
    return cur.rowcount > 0


async def list_answers(conn: Connection, motion_id: int) -> list:
    return await fetch_all(conn, "SELECT * FROM motion_answers WHERE motion_id = ? ORDER BY id", (motion_id,))


async def list_motions(conn: Connection, box_ap_id: str) -> list:
    return await fetch_all(conn, "SELECT * FROM motions WHERE box_ap_id = ? AND is_local = 1 ORDER BY id DESC",
                           (box_ap_id,))


async def list_received_motions(conn: Connection, council_ap_id: str) -> list:
    """Motions submitted to a council, drafted elsewhere or in a box on this same instance."""
    return await fetch_all(conn, "SELECT * FROM motions WHERE council_ap_id = ? AND state != 'draft' "
                                 "ORDER BY id DESC", (council_ap_id,))


async def actor_by_id(conn: Connection, actor_id: int) -> Actor | None:
    return _actor(await fetch_one(conn, f"SELECT {_ACTOR_COLUMNS} FROM actors WHERE id = ?", (actor_id,)))


# --- for the website

async def list_invitations_for(conn: Connection, invitee_ap_id: str) -> list:
    """Local boxes that invited someone who is not (yet) an accepted member, newest invitation first."""
    return await fetch_all(
        conn, f"SELECT b.visibility, {_A} FROM box_invitations i JOIN boxes b ON b.actor_id = i.box_id "
              "JOIN actors a ON a.id = b.actor_id WHERE i.invitee_ap_id = ? AND a.deleted_at IS NULL "
              "AND NOT EXISTS (SELECT 1 FROM box_members m JOIN actors p ON p.id = m.actor_id "
              "WHERE m.box_id = i.box_id AND p.ap_id = i.invitee_ap_id AND m.state = 'accepted') "
              "ORDER BY i.created_at DESC", (invitee_ap_id,))


async def count_members_by_box(conn: Connection, box_ids: list[int]) -> dict[int, int]:
    """Accepted members of each of the given boxes."""
    if not box_ids:
        return {}
    rows = await fetch_all(
        conn, "SELECT box_id, count(*) AS n FROM box_members WHERE state = 'accepted' "
              f"AND box_id IN ({', '.join('?' for _ in box_ids)}) GROUP BY box_id", box_ids)
    return {r["box_id"]: r["n"] for r in rows}


async def list_councils(conn: Connection, limit: int = 100) -> list[Actor]:
    """Organisations known here (local ones first): who a motion can be addressed to."""
    rows = await fetch_all(conn, f"SELECT {_ACTOR_COLUMNS} FROM actors WHERE type = 'Organization' "
                                 "AND deleted_at IS NULL ORDER BY is_local DESC, category, name LIMIT ?", (limit,))
    return [_actor(r) for r in rows]
