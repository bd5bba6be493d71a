"""SQL for the purge of deleted accounts at the end of their grace period.

Deleting an account (store/accounts.mark_local_actor_deleted) ends its logins and makes its content
Tombstones at once; the purge, `accounts.deletion_grace_days` later, removes what is left of the
person: the account row, consents, notifications, supports and shares, attendances, box
memberships, the activities sent (and their deliveries), the keys, and the rows of the deleted
ideas, events and posts (their ids stay in `tombstones`, so they never come back). What stays:
the actor's row with its name and id (never someone else's), emptied; and what moderators
recorded about it (reports, actions, the audit log), which has its own reasons to be kept.
"""

from __future__ import annotations

from . import Connection, fetch_all, fetch_value, iso, lock_for_recount
from .civic import recount_local_idea

_WAITING = ("FROM actors a WHERE a.is_local = 1 AND a.deleted_at IS NOT NULL AND a.purged_at IS NULL "
            "AND EXISTS (SELECT 1 FROM accounts acc WHERE acc.actor_id = a.id)")
# An account whose Delete is still being delivered waits: the keys sign those deliveries.
_DUE = (_WAITING + " AND NOT EXISTS (SELECT 1 FROM activities x JOIN deliveries d ON d.activity_id = x.id "
        "WHERE x.actor_id = a.id AND d.state = 'pending')")


async def due_accounts(conn: Connection, *, deleted_before: str, limit: int) -> list[int]:
    """Actor ids of deleted accounts whose grace period is over and whose deliveries are finished."""
    rows = await fetch_all(conn, f"SELECT a.id {_DUE} AND a.deleted_at <= ? ORDER BY a.deleted_at LIMIT ?",
                           (deleted_before, limit))
    return [r[0] for r in rows]


async def first_deleted(conn: Connection) -> str | None:
    """When the earliest deleted account that waits for its purge was deleted (None: none waits)."""
    return await fetch_value(conn, f"SELECT min(a.deleted_at) {_WAITING}")


async def purge_account(conn: Connection, actor_id: int) -> bool:
    """Remove what is left of a deleted local account (see the module's docstring); False if it
    is not one, or was purged already."""
    actor = await fetch_all(conn, "SELECT ap_id FROM actors WHERE id = ? AND is_local = 1 AND deleted_at IS NOT NULL "
                                  "AND purged_at IS NULL", (actor_id,))
    if not actor:
        return False
    ap_id, now, a = actor[0][0], iso(), {"a": actor_id}
    for table, owner in (("ideas", "author_id"), ("events", "organizer_id"), ("objects", "actor_id")):
        await conn.execute(f"INSERT INTO tombstones (ap_id, deleted_by, deleted_at) SELECT ap_id, :ap, :now "
                           f"FROM {table} WHERE {owner} = :a AND is_local = 1 ON CONFLICT (ap_id) DO NOTHING",
                           {"ap": ap_id, "now": now, **a})
    await conn.execute("DELETE FROM blind_recipients WHERE ap_id IN (SELECT ap_id FROM objects WHERE actor_id = :a "
                       "AND is_local = 1 UNION ALL SELECT ap_id FROM activities WHERE actor_id = :a)", a)
    # Supports and shares: gone, and the local ideas they were given to counted again.
    reacted = [r[0] for r in await fetch_all(conn, "SELECT DISTINCT object_ap_id FROM reactions WHERE actor_id = ?",
                                             (actor_id,))]
    await conn.execute("DELETE FROM reactions WHERE actor_id = :a", a)
    attended = [r[0] for r in await fetch_all(conn, "SELECT event_id FROM event_attendees WHERE actor_id = ?",
                                              (actor_id,))]
    # The events' rows are locked before their attendances change, in one order: the order of
    # every attendance change (store.events), so a purge and a Join never wait in a circle.
    for event_id in sorted(attended):
        await lock_for_recount(conn, "events", "id = ?", (event_id,))
    await conn.execute("DELETE FROM event_attendees WHERE actor_id = :a", a)
    await conn.executemany(
        "UPDATE events SET attendee_count = (SELECT count(*) FROM event_attendees WHERE event_id = events.id "
        "AND state = 'accepted') WHERE id = ? AND is_local = 1", [(e,) for e in attended])
    for table, owner in (("ideas", "author_id"), ("events", "organizer_id"), ("objects", "actor_id")):
        await conn.execute(f"DELETE FROM {table} WHERE {owner} = :a AND is_local = 1", a)
    for object_ap_id in reacted:
        await recount_local_idea(conn, object_ap_id)
    for sql in ("DELETE FROM box_members WHERE actor_id = :a",
                "DELETE FROM box_invitations WHERE invited_by = :a OR invitee_ap_id = :ap",
                "UPDATE box_tasks SET assignee_id = NULL WHERE assignee_id = :a",
                "UPDATE box_tasks SET created_by = NULL WHERE created_by = :a",
                "UPDATE invitations SET last_used_by = NULL WHERE last_used_by = :a",
                "DELETE FROM notifications WHERE actor_id = :a",
                "DELETE FROM notification_preferences WHERE actor_id = :a",
                "DELETE FROM digests WHERE actor_id = :a",
                "DELETE FROM email_tokens WHERE actor_id = :a",
                "DELETE FROM actor_aliases WHERE actor_id = :a",
                "DELETE FROM consents WHERE actor_id = :a",
                "DELETE FROM sessions WHERE actor_id = :a",
                "DELETE FROM feed_tokens WHERE actor_id = :a",
                "DELETE FROM tokens WHERE actor_id = :a",
                "DELETE FROM follows WHERE follower_id = :a OR followee_id = :a",
                "DELETE FROM activities WHERE actor_id = :a",   # their deliveries with them
                "DELETE FROM actor_proof_keys WHERE actor_id = :a",
                "DELETE FROM accounts WHERE actor_id = :a",
                "UPDATE actors SET name = '', summary = '', icon_url = NULL, url = NULL, document = NULL, "
                "private_key_pem = NULL, purged_at = :now WHERE id = :a"):
        await conn.execute(sql, {**a, "ap": ap_id, "now": now})
    return True


async def purged_at(conn: Connection, actor_id: int) -> str | None:
    return await fetch_value(conn, "SELECT purged_at FROM actors WHERE id = ?", (actor_id,))
