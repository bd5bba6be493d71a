"""Leases that a restart or a dead worker gives back at once.

Rows a worker claims carry its process's id (`Runtime.process_id`, random, minted at start).
With SQLite one serving process owns the database file: at its start every lease is given
back (`take_over`), so what a killed process had claimed goes out within seconds of the
restart. For several processes on one database, each beats in the `workers` table every
`BEAT_SECONDS` (`LeaseKeeper`) and gives back the rows of any process whose beat is older
than `DEAD_AFTER` seconds, long before the lease itself (minutes) would run out. A process
that joins others (`join`: a `worker` process, or `serve` on PostgreSQL) gives back at once
only the rows of processes known dead: silent too long, or on this machine with no such pid.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket

from .runtime import Runtime
from .store import Connection
from .store import leases as leases_store
from .workers import Worker

log = logging.getLogger(__name__)

BEAT_SECONDS = 2.0
DEAD_AFTER = 10.0   # a process silent this long is dead: five beats missed


async def take_over(conn: Connection, rt: Runtime) -> leases_store.Released:
    """At the start of the process that owns the database: every lease ends, and this process
    is the one alive."""
    released = await leases_store.release_all(conn)
    await leases_store.beat(conn, rt.process_id)
    return released


async def join(conn: Connection, rt: Runtime, *, dead_after: float = DEAD_AFTER) -> leases_store.Released:
    """At the start of a process that shares the queues with others: register (before claiming
    anything, so that no one takes our rows for a dead process's), and give back the rows of
    processes that are surely dead: a kill -9 restarted on the same machine is seen at once."""
    await leases_store.beat(conn, rt.process_id)
    here = socket.gethostname()
    gone = [w["process_id"] for w in await leases_store.list_workers(conn)
            if w["hostname"] == here and w["process_id"] != rt.process_id and not _alive(w["pid"])]
    released = await leases_store.release_processes(conn, gone)
    stale = await leases_store.reclaim_dead(conn, dead_after=dead_after)
    return leases_store.Released(released.incoming + stale.incoming, released.deliveries + stale.deliveries,
                                 released.processes + stale.processes)


def _alive(pid: int | None) -> bool:
    if not pid:
        return True  # unknown: wait for its beat to go stale
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process by that number
        return True
    return True


def wake_for(rt: Runtime, released: leases_store.Released) -> None:
    """The workers take given-back rows at once, not at their next poll."""
    if released.incoming:
        rt.inbox_wakeup.set()
    if released.deliveries:
        rt.delivery_wakeup.set()


class LeaseKeeper(Worker):
    """Beats for this process and gives back the rows of processes that stopped beating."""

    name = "lease-keeper"

    def __init__(self, rt: Runtime, *, beat_seconds: float = BEAT_SECONDS, dead_after: float = DEAD_AFTER):
        super().__init__(asyncio.Event())  # woken only to stop
        self.rt = rt
        self.max_idle_wait = beat_seconds
        self.dead_after = dead_after

    async def run_once(self) -> int:
        """One beat; always 0, so that the next comes `beat_seconds` later."""
        async with self.rt.db.transaction() as conn:
            await leases_store.beat(conn, self.rt.process_id)
            released = await leases_store.reclaim_dead(conn, dead_after=self.dead_after)
        if released:
            log.warning("gave back %d incoming and %d delivery rows held by stopped process(es) %s",
                        released.incoming, released.deliveries, ", ".join(released.processes) or "unknown")
            wake_for(self.rt, released)
        return 0

    async def release(self) -> None:
        """Stopping cleanly: this process no longer counts as alive, so whatever it could not
        give back itself is anybody's at once."""
        async with self.rt.db.transaction() as conn:
            await leases_store.forget(conn, self.rt.process_id)
