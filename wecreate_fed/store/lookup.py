"""What an id names here, in one query: which table knows it, so dispatch needs no chain of look-ups."""

from __future__ import annotations

from . import Connection, fetch_one

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
])


async def what_is(conn: Connection, ap_id: str) -> str | None:
    """idea, event, motion, box, district, actor, box_post, note; for activities their type (Follow,
    Join, Like, Announce) or 'activity:<Type>' for one of ours; None when nothing here knows the id."""
    row = await fetch_one(conn, f"SELECT kind FROM ({_WHAT_IS}) ORDER BY p LIMIT 1", {"id": ap_id})
    return None if row is None else row["kind"]
