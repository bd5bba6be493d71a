"""Only an object's owner changes it, and what its owner deleted stays deleted.

Ownership is what we STORED (the idea's author, the event's organiser, the post's author,
the box a motion came from; an actor owns its own document), not what an activity claims
nor the host it comes from: another user of the same server is someone else. Every path
that creates or changes a copy here asks `check_change` first: the inbox and the client
outbox for each activity (subjects.check_owner), and the keepers of fetched ideas and
events. A Delete leaves a tombstone (the row's deleted state, or the tombstones table for
ids we never had) that no later Create, Update or fetch revives.
"""

from __future__ import annotations

from wecreate_fed.errors import Forbidden, Gone
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection, lookup

# What an actor may do only to what is its own.
CHANGES = ("Create", "Update", "Delete", "Offer")


async def check_change(conn: Connection, verb: str, ap_id: str, actor_ap_id: str, *,
                       moderator: bool = False) -> None:
    """Forbidden unless `actor_ap_id` owns `ap_id` as stored; Gone when it was deleted (a second Delete is fine).

    `moderator`: a moderator here may change what local people own (never a remote copy).
    """
    found = await lookup.stored(conn, ap_id)
    if found is None:
        return  # new here: whose it is, the handler checks (attributedTo, host)
    if found.owner_ap_id is not None and found.owner_ap_id != actor_ap_id and not (
            moderator and found.owner_is_local):
        raise Forbidden(f"{ap_id} belongs to {found.owner_ap_id}; only they may {verb.lower()} it",
                        field="object", code="forbidden")
    if found.deleted and verb != "Delete":
        raise Gone(f"{ap_id} was deleted; it cannot be created or changed again", field="object")


async def bury(rt: Runtime, ap_id: str, deleted_by: str) -> None:
    """Its owner deleted `ap_id`: keep a tombstone, even if we never had the object."""
    async with rt.db.transaction() as conn:
        await lookup.bury(conn, ap_id, deleted_by)
