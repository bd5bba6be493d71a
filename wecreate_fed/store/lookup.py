"""What an id names here, in one query: which table knows it, so dispatch needs no chain of look-ups;
and who owns it as we stored it, so that only its owner changes it (and a deleted id stays deleted)."""

from __future__ import annotations

from dataclasses import dataclass

from . import Connection, fetch_all, fetch_one, fetch_value, iso

# In priority order: an id known as an idea is an idea even if an activity also names it.
_WHAT_IS = " UNION ALL ".join([
    "SELECT 1 AS p, 'idea' AS kind FROM ideas WHERE ap_id = :id",
    "SELECT 2, 'event' FROM events WHERE ap_id = :id",
    "SELECT 3, 'motion' FROM motions WHERE ap_id = :id OR offer_ap_id = :id",
    "SELECT 4, CASE WHEN type = 'Group' AND category = 'box' THEN 'box' "
    "WHEN type = 'Group' AND category = 'district' THEN 'district' ELSE 'actor' END FROM actors WHERE ap_id = :id",
    "SELECT 5, CASE WHEN audience IS NOT NULL THEN 'box_post' ELSE 'note' END FROM objects WHERE ap_id = :id",
    "SELECT 6, 'Follow' FROM follows WHERE follow_ap_id = :id",
    "SELECT 7, 'Join' FROM event_attendees WHERE join_ap_id = :id",
    "SELECT 8, 'Join' FROM box_members WHERE request_ap_id = :id",
    "SELECT 9, kind FROM reactions WHERE activity_ap_id = :id",
    "SELECT 10, 'activity:' || type FROM activities WHERE ap_id = :id",
    "SELECT 11, 'poll' FROM polls WHERE ap_id = :id",
])


async def what_is(conn: Connection, ap_id: str) -> str | None:
    """idea, event, motion, box, district, actor, box_post, note, poll; for activities their type (Follow,
    Join, Like, Announce) or 'activity:<Type>' for one of ours; None when nothing here knows the id."""
    row = await fetch_one(conn, f"SELECT kind FROM ({_WHAT_IS}) AS found ORDER BY p LIMIT 1", {"id": ap_id})
    return None if row is None else row["kind"]


@dataclass(frozen=True)
class Stored:
    """Who owns an id here (its author, organiser, box; an actor owns itself) and whether it was deleted."""

    kind: str                  # idea, event, motion, actor, object, poll, tombstone
    owner_ap_id: str | None
    owner_is_local: bool
    deleted: bool


# Every table that keeps something someone may change, in what_is's priority order, and the tombstones.
_STORED = " UNION ALL ".join([
    "SELECT 1 AS p, 'idea' AS kind, a.ap_id AS owner, a.is_local, t.deleted_at FROM ideas t "
    "LEFT JOIN actors a ON a.id = t.author_id WHERE t.ap_id = :id",
    "SELECT 2, 'event', a.ap_id, a.is_local, t.deleted_at FROM events t LEFT JOIN actors a ON a.id = t.organizer_id "
    "WHERE t.ap_id = :id",
    "SELECT 3, 'motion', t.box_ap_id, a.is_local, NULL FROM motions t LEFT JOIN actors a ON a.ap_id = t.box_ap_id "
    "WHERE t.ap_id = :id",
    "SELECT 4, 'actor', ap_id, is_local, deleted_at FROM actors WHERE ap_id = :id",
    "SELECT 5, 'object', a.ap_id, a.is_local, t.deleted_at FROM objects t LEFT JOIN actors a ON a.id = t.actor_id "
    "WHERE t.ap_id = :id",
    "SELECT 6, 'poll', a.ap_id, a.is_local, t.deleted_at FROM polls t LEFT JOIN actors a ON a.id = t.author_id "
    "WHERE t.ap_id = :id",
    "SELECT 7, 'tombstone', deleted_by, 0, deleted_at FROM tombstones WHERE ap_id = :id",
])


async def stored(conn: Connection, ap_id: str) -> Stored | None:
    """The owner of `ap_id` as we stored it, and whether it was deleted (its row, or a tombstone, says so)."""
    rows = await fetch_all(conn, f"SELECT * FROM ({_STORED}) AS found ORDER BY p", {"id": ap_id})
    if not rows:
        return None
    first = rows[0]
    return Stored(first["kind"], first["owner"], bool(first["is_local"]),
                  any(r["deleted_at"] is not None for r in rows))


async def bury(conn: Connection, ap_id: str, deleted_by: str) -> None:
    """Remember that `deleted_by` deleted `ap_id` (once; the first Delete counts)."""
    await conn.execute("INSERT INTO tombstones (ap_id, deleted_by, deleted_at) VALUES (?, ?, ?) "
                       "ON CONFLICT (ap_id) DO NOTHING", (ap_id, deleted_by, iso()))


async def mark_undone(conn: Connection, activity_ap_id: str, undone_by: str) -> None:
    """Remember that `undone_by` undid `activity_ap_id` (known here or not: an Undo may overtake it)."""
    await conn.execute("INSERT INTO undone_activities (ap_id, undone_by, undone_at) VALUES (?, ?, ?) "
                       "ON CONFLICT (ap_id, undone_by) DO NOTHING", (activity_ap_id, undone_by, iso()))


async def was_undone(conn: Connection, activity_ap_id: str, actor_ap_id: str) -> bool:
    """Whether `actor_ap_id` undid `activity_ap_id` already (someone else's Undo of it counts for nothing)."""
    return await fetch_value(conn, "SELECT count(*) FROM undone_activities WHERE ap_id = ? AND undone_by = ?",
                             (activity_ap_id, actor_ap_id)) > 0


async def was_let_go(conn: Connection, activity_ap_id: str, actor_ap_id: str) -> bool:
    """Whether `actor_ap_id`'s `activity_ap_id` came to our inbox (within incoming_days; handled or
    still to be) and nothing here holds its id."""
    if not await fetch_value(conn, "SELECT count(*) FROM incoming WHERE activity_ap_id = ? AND signer_ap_id = ?",
                             (activity_ap_id, actor_ap_id)):
        return False
    return await what_is(conn, activity_ap_id) is None


async def mark_removed_from_box(conn: Connection, post_ap_id: str, box_ap_id: str) -> None:
    """Remember that the box `box_ap_id` removed `post_ap_id` (known here or not: the Remove may overtake its relay)."""
    await conn.execute("INSERT INTO box_removals (post_ap_id, box_ap_id, removed_at) VALUES (?, ?, ?) "
                       "ON CONFLICT (post_ap_id, box_ap_id) DO NOTHING", (post_ap_id, box_ap_id, iso()))


async def was_removed_from_box(conn: Connection, post_ap_id: str, box_ap_id: str) -> bool:
    return await fetch_value(conn, "SELECT count(*) FROM box_removals WHERE post_ap_id = ? AND box_ap_id = ?",
                             (post_ap_id, box_ap_id)) > 0


async def is_older_than_last_join_or_leave(conn: Connection, kind: str, object_ap_id: str, said_at: str,
                                           actor_ap_id: str) -> bool:
    """Whether `actor_ap_id` sent a later Join or Leave of `object_ap_id` than this one of `said_at`
    (its `published`); in the same instant a Leave counts as the later."""
    later = "said_at > ? OR (said_at = ? AND kind = 'Leave')" if kind == "Join" else "said_at > ?"
    params = (object_ap_id, actor_ap_id, *[said_at] * later.count("?"))
    return await fetch_value(
        conn, f"SELECT count(*) FROM join_leave_times WHERE object_ap_id = ? AND actor_ap_id = ? AND ({later})",
        params) > 0


async def note_join_or_leave(conn: Connection, kind: str, object_ap_id: str, said_at: str,
                             actor_ap_id: str) -> None:
    """Keep this Join or Leave as `actor_ap_id`'s last of `object_ap_id`, unless a later one is kept."""
    await conn.execute(
        "INSERT INTO join_leave_times (object_ap_id, actor_ap_id, kind, said_at, noted_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (object_ap_id, actor_ap_id) DO UPDATE SET kind = excluded.kind, said_at = excluded.said_at, "
        "noted_at = excluded.noted_at WHERE join_leave_times.said_at < excluded.said_at "
        "OR (join_leave_times.said_at = excluded.said_at AND excluded.kind = 'Leave')",
        (object_ap_id, actor_ap_id, kind, said_at, iso()))
