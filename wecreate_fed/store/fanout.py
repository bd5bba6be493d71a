"""SQL for a fan-out to followers in bounded transactions.

Queueing one delivery per follower inbox in the transaction of the change held the write lock
(SQLite's one lock; on PostgreSQL the change's rows) for as long as a million inserts took,
~129 s. Now the change's transaction queues the first `CHUNK` inboxes (by inbox URL) and, when
there are more, leaves a pending fan-out: the inbox URL to go on after. The delivery worker
then queues one chunk per transaction (`step`): the chunk's deliveries and the moved cursor
commit together, so a crash repeats nothing and loses nothing (the next step resumes at the
cursor), and (activity, inbox) being unique keeps every inbox exactly once even if two steps
raced. The cursor is a row of `fanouts` (migration 0035), removed with its activity.
"""

from __future__ import annotations

from . import Connection, fetch_all, fetch_one, iso
from .queue import add_deliveries, skip_locked
from .social import list_follower_inboxes

CHUNK = 5000  # follower inboxes read and queued per transaction


async def start(conn: Connection, activity_id: int, actor_id: int) -> bool:
    """In the change's transaction: queue the first chunk of `actor_id`'s follower inboxes for the
    activity and, if there may be more, leave the rest to `step`. True if any delivery was queued."""
    inboxes = await list_follower_inboxes(conn, actor_id, limit=CHUNK)
    await add_deliveries(conn, activity_id, inboxes)
    if len(inboxes) == CHUNK:
        await conn.execute("INSERT INTO fanouts (activity_id, after_inbox, created_at) VALUES (?, ?, ?) "
                           "ON CONFLICT (activity_id) DO UPDATE SET after_inbox = excluded.after_inbox",
                           (activity_id, inboxes[-1], iso()))
    return bool(inboxes)


async def pending(conn: Connection) -> list[int]:
    """The activities whose fan-out is not complete yet, oldest first."""
    rows = await fetch_all(conn, "SELECT activity_id FROM fanouts ORDER BY created_at, activity_id")
    return [r["activity_id"] for r in rows]


async def step(conn: Connection, activity_id: int) -> int:
    """Queue the next chunk of one pending fan-out (in the caller's transaction); how many inboxes
    were read. A fan-out another process is stepping right now is skipped (0) on PostgreSQL."""
    row = await fetch_one(conn, "SELECT after_inbox FROM fanouts WHERE activity_id = ?" + skip_locked(conn),
                          (activity_id,))
    if row is None:
        return 0  # done meanwhile, or being stepped elsewhere
    actor = await fetch_one(conn, "SELECT actor_id FROM activities WHERE id = ?", (activity_id,))
    inboxes = [] if actor is None else await list_follower_inboxes(
        conn, actor["actor_id"], after=row["after_inbox"], limit=CHUNK)
    await add_deliveries(conn, activity_id, inboxes)
    if len(inboxes) == CHUNK:
        await conn.execute("UPDATE fanouts SET after_inbox = ? WHERE activity_id = ?", (inboxes[-1], activity_id))
    else:  # the last chunk (or the activity was purged meanwhile)
        await conn.execute("DELETE FROM fanouts WHERE activity_id = ?", (activity_id,))
    return len(inboxes)
