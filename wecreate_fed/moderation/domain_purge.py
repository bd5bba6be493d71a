"""The purge of suspended domains, in small batches (each its own short transaction, so writes
of the inbox and the website go on between them), as Mastodon's domain block worker does.

Each step does one of: give up the pending deliveries to suspended hosts; delete up to BATCH
of their cached actors with what is theirs (objects, reactions, follows both ways, and by
cascade their ideas, events and attendances), recounting the local ideas they supported or
commented on; delete their pending incoming rows. It returns how many rows it removed; 0 means
nothing of a suspended domain is left. The step is idempotent, so a purge cut off by a stop or
a crash is finished by the next start.
"""

from __future__ import annotations

import logging

from actors import remote
from wecreate_fed import hosts
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import civic as civic_store
from wecreate_fed.store import domains as store

log = logging.getLogger(__name__)

BATCH = 200          # actors per transaction
INCOMING_PAGE = 1000


async def purge_step(rt: Runtime, totals: dict[str, int]) -> int:
    """One batch of the purge; adds what it removed to `totals`; 0 once nothing is left."""
    removed = await _give_up_deliveries(rt, totals)
    if removed:
        return removed
    removed = await _delete_actors(rt, totals)
    if removed:
        return removed
    return await _delete_incoming(rt, totals)


async def purge_all(rt: Runtime) -> dict[str, int]:
    """The whole purge at once (the command line, which has no worker): what it removed."""
    totals: dict[str, int] = {}
    while await purge_step(rt, totals):
        pass
    return totals


async def _give_up_deliveries(rt: Runtime, totals: dict[str, int]) -> int:
    suspended = [h for h in await store.pending_delivery_hosts(rt.db.reader) if rt.domains.suspended(h)]
    if not suspended:
        return 0
    given_up = 0
    async with rt.db.transaction() as conn:
        for host in suspended:
            n = await store.give_up_deliveries_to(conn, host, f"given up: {host} is suspended by the domain policy")
            if n:
                log.warning("gave up %d deliveries to %s: its domain is suspended", n, host)
            given_up += n
    totals["deliveries given up"] = totals.get("deliveries given up", 0) + given_up
    return given_up


async def _delete_actors(rt: Runtime, totals: dict[str, int]) -> int:
    suspended = [h for h in await store.remote_actor_hosts(rt.db.reader) if rt.domains.suspended(h)]
    if not suspended:
        return 0
    async with rt.db.transaction() as conn:
        actors = await store.actors_on(conn, suspended, limit=BATCH)
        if not actors:
            return 0
        ids = [actor_id for actor_id, _ in actors]
        touched = await store.local_ideas_touched_by(conn, ids)
        counts = await store.delete_actors(conn, ids)
        for idea_ap_id in touched:  # their supports and comments no longer count
            await civic_store.recount_local_idea(conn, idea_ap_id)
    for _, ap_id in actors:
        remote.forget_actor(rt, ap_id)
    if touched:
        rt.civic_wakeup.set()  # the new counts go out
    for what, n in counts.items():
        totals[what] = totals.get(what, 0) + n
    return sum(counts.values())


async def _delete_incoming(rt: Runtime, totals: dict[str, int]) -> int:
    """Pending incoming rows a suspended domain's actor signed (stored before the suspension)."""
    deleted, after = 0, 0
    while True:
        rows = await store.pending_incoming(rt.db.reader, after_id=after, limit=INCOMING_PAGE)
        if not rows:
            break
        after = rows[-1]["id"]
        doomed = [r["id"] for r in rows if rt.domains.suspended(hosts.authority_of(r["signer_ap_id"]))]
        if doomed:
            async with rt.db.transaction() as conn:
                deleted += await store.delete_incoming(conn, doomed)
    if deleted:
        totals["incoming"] = totals.get("incoming", 0) + deleted
    return deleted
