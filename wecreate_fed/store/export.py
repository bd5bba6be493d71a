"""SQL for a person's data export: what they published, supported, joined and follow, read in
batches by row id (`after` the last id of the previous batch), so that an export of any size
holds one batch in memory at a time."""

from __future__ import annotations

from . import Connection, fetch_all, fetch_one
from .civic import IDEA_COLUMNS
from .events import EVENT_COLUMNS

BATCH = 200


def _prefixed(columns: str, alias: str) -> str:
    return ", ".join(f"{alias}.{c}" for c in columns.split(", "))


async def outbox_activities(conn: Connection, actor_id: int, *, after: int, limit: int = BATCH):
    """The actor's Create and Announce activities (what Mastodon's archive lists as the outbox)."""
    return await fetch_all(
        conn, "SELECT id, ap_id, type, object_ap_id, data FROM activities WHERE actor_id = ? "
              "AND type IN ('Create', 'Announce') AND id > ? ORDER BY id LIMIT ?", (actor_id, after, limit))


async def what_is_live(conn: Connection, ap_id: str, actor_id: int):
    """Which of the actor's live local records `ap_id` is: kind ('idea', 'event', 'object') and row id."""
    return await fetch_one(
        conn, "SELECT 'idea' AS kind, id FROM ideas WHERE ap_id = :id AND author_id = :a AND is_local = 1 "
              "AND deleted_at IS NULL UNION ALL "
              "SELECT 'event', id FROM events WHERE ap_id = :id AND organizer_id = :a AND is_local = 1 "
              "AND deleted_at IS NULL UNION ALL "
              "SELECT 'object', id FROM objects WHERE ap_id = :id AND actor_id = :a AND is_local = 1 "
              "AND deleted_at IS NULL LIMIT 1", {"id": ap_id, "a": actor_id})


async def object_data(conn: Connection, object_id: int):
    return await fetch_one(conn, "SELECT data FROM objects WHERE id = ?", (object_id,))


async def reaction_exists(conn: Connection, activity_ap_id: str) -> bool:
    return await fetch_one(conn, "SELECT 1 FROM reactions WHERE activity_ap_id = ?", (activity_ap_id,)) is not None


async def reactions(conn: Connection, actor_id: int, kind: str, *, after: int, limit: int = BATCH):
    """Likes (supports) or Announces (shares) the actor sent, with the idea's title when we know it."""
    return await fetch_all(
        conn, "SELECT r.id, r.object_ap_id, r.activity_ap_id, r.created_at, i.title AS idea_title "
              "FROM reactions r LEFT JOIN ideas i ON i.ap_id = r.object_ap_id "
              "WHERE r.actor_id = ? AND r.kind = ? AND r.id > ? ORDER BY r.id LIMIT ?",
        (actor_id, kind, after, limit))


async def _joined(conn: Connection, sql: str, ids: list[int], separator: str, params=()) -> dict[int, str]:
    """{row id: its values joined by `separator`}: `sql` selects (id, value) for the ids in `(%s)`, in
    order (`params` before the ids). Joined here, not by group_concat (SQLite's; PostgreSQL's is string_agg)."""
    values: dict[int, list[str]] = {}
    if ids:
        for row in await fetch_all(conn, sql % ", ".join("?" * len(ids)), [*params, *ids]):
            values.setdefault(row[0], []).append(row[1])
    return {key: separator.join(found) for key, found in values.items()}


async def ideas(conn: Connection, actor_id: int, *, after: int, limit: int = BATCH) -> list[dict]:
    """The actor's live local ideas, with districts and topics (space-separated, None if none)."""
    rows = await fetch_all(
        conn, f"SELECT {_prefixed(IDEA_COLUMNS, 'i')} "
              "FROM ideas i WHERE i.author_id = ? AND i.is_local = 1 AND i.deleted_at IS NULL AND i.id > ? "
              "ORDER BY i.id LIMIT ?", (actor_id, after, limit))
    ids = [row["id"] for row in rows]
    districts = await _joined(conn, "SELECT idea_id, district_ap_id FROM idea_districts WHERE idea_id IN (%s) "
                                    "ORDER BY idea_id, district_ap_id", ids, " ")
    topics = await _joined(conn, "SELECT idea_id, topic FROM idea_topics WHERE idea_id IN (%s) "
                                 "ORDER BY idea_id, topic", ids, " ")
    return [{**dict(row), "districts": districts.get(row["id"]), "topics": topics.get(row["id"])} for row in rows]


async def events(conn: Connection, actor_id: int, *, after: int, limit: int = BATCH):
    """Live events the actor organises or signed up for; `role` organizer or attendee, `attendance` its state."""
    return await fetch_all(
        conn, f"SELECT {_prefixed(EVENT_COLUMNS, 'e')}, "
              "CASE WHEN e.organizer_id = :a THEN 'organizer' ELSE 'attendee' END AS role, ea.state AS attendance, "
              "ea.join_ap_id, ea.created_at AS attended_at "
              "FROM events e LEFT JOIN event_attendees ea ON ea.event_id = e.id AND ea.actor_id = :a "
              "WHERE (e.organizer_id = :a AND e.is_local = 1 OR ea.actor_id IS NOT NULL) "
              "AND e.deleted_at IS NULL AND e.id > :after ORDER BY e.id LIMIT :limit",
        {"a": actor_id, "after": after, "limit": limit})


async def posts(conn: Connection, actor_id: int, *, after: int, limit: int = BATCH):
    """The actor's live local notes: comments (audience NULL) and box posts (audience = the box)."""
    return await fetch_all(
        conn, "SELECT id, ap_id, type, in_reply_to, audience, content, data, published, updated FROM objects "
              "WHERE actor_id = ? AND is_local = 1 AND deleted_at IS NULL AND id > ? ORDER BY id LIMIT ?",
        (actor_id, after, limit))


async def boxes(conn: Connection, actor_id: int, *, after: int, limit: int = BATCH):
    """Boxes the actor belongs to or asked to join: the box's actor id, name, role, state, since."""
    return await fetch_all(
        conn, "SELECT b.id, b.ap_id, b.name, b.username, m.role, m.state, m.created_at FROM box_members m "
              "JOIN actors b ON b.id = m.box_id WHERE m.actor_id = ? AND b.id > ? ORDER BY b.id LIMIT ?",
        (actor_id, after, limit))


async def motions(conn: Connection, actor_ap_id: str, *, after: int, limit: int = BATCH):
    """Motions the actor drafted or co-signed, with `role` author or cosigner."""
    return await fetch_all(
        conn, "SELECT m.id, m.ap_id, m.title, m.box_ap_id, m.state, m.decision, m.created_at, m.submitted_at, "
              "CASE WHEN m.created_by = :a THEN 'author' ELSE 'cosigner' END AS role, c.signed_at "
              "FROM motions m LEFT JOIN motion_cosigners c ON c.motion_id = m.id AND c.actor_ap_id = :a "
              "WHERE (m.created_by = :a OR c.actor_ap_id IS NOT NULL) AND m.hidden_at IS NULL AND m.id > :after "
              "ORDER BY m.id LIMIT :limit", {"a": actor_ap_id, "after": after, "limit": limit})


async def follows(conn: Connection, actor_id: int, *, direction: str, after: int, limit: int = BATCH):
    """Accepted follows: `following` (whom the actor follows) or `followers`, with handle parts."""
    mine, other = ("follower_id", "followee_id") if direction == "following" else ("followee_id", "follower_id")
    return await fetch_all(
        conn, f"SELECT f.id, a.ap_id, a.username, a.domain, a.type, f.created_at FROM follows f "
              f"JOIN actors a ON a.id = f.{other} WHERE f.{mine} = ? AND f.state = 'accepted' AND f.id > ? "
              "ORDER BY f.id LIMIT ?", (actor_id, after, limit))


async def uploads(conn: Connection, actor_id: int, *, after: int, limit: int = BATCH):
    """The files the actor uploaded to boxes and spaces (store/files.py's table), with where they lie."""
    return await fetch_all(
        conn, "SELECT f.id, f.key, f.name, f.media_type, f.size, f.sha256, f.stored_name, f.created_at, "
              "b.ap_id AS box_ap_id, s.ap_id AS space_ap_id FROM files f "
              "LEFT JOIN actors b ON b.id = f.box_id LEFT JOIN actors s ON s.id = f.members_of "
              "WHERE f.uploader_id = ? AND f.id > ? ORDER BY f.id LIMIT ?", (actor_id, after, limit))


async def polls(conn: Connection, actor_id: int, *, after: int, limit: int = BATCH):
    """The ids of the polls the actor asked (store/polls.py reads each with its options)."""
    return await fetch_all(conn, "SELECT id FROM polls WHERE author_id = ? AND deleted_at IS NULL AND id > ? "
                                 "ORDER BY id LIMIT ?", (actor_id, after, limit))


async def poll_votes(conn: Connection, actor_id: int, *, after: int, limit: int = BATCH) -> list[dict]:
    """The polls the actor voted in, and what they chose where that is kept (open ballots only:
    a secret ballot knows that they voted, never what), the options in their order joined by ' | '."""
    rows = await fetch_all(
        conn, "SELECT p.id, p.ap_id, p.question, p.secret FROM poll_voters v "
              "JOIN polls p ON p.id = v.poll_id WHERE v.actor_id = ? AND p.deleted_at IS NULL AND p.id > ? "
              "ORDER BY p.id LIMIT ?", (actor_id, after, limit))
    choices = await _joined(conn, "SELECT c.poll_id, o.name FROM poll_choices c "
                                  "JOIN poll_options o ON o.poll_id = c.poll_id AND o.position = c.position "
                                  "WHERE c.actor_id = ? AND c.poll_id IN (%s) ORDER BY c.poll_id, c.position",
                           [row["id"] for row in rows], " | ", (actor_id,))
    return [{**dict(row), "choices": choices.get(row["id"])} for row in rows]
