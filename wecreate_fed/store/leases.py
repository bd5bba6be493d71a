"""SQL for who holds the queues' leases: the `workers` table and the reclaim of a dead process's rows.

A claimed row of `incoming` or `deliveries` carries `locked_until` (the lease) and `locked_by`
(the claiming process's random id). Every serving process beats in `workers`; rows held by a
process without a fresh beat are given back by any other within seconds. The lease time
stays as the last resort for a process that beats but never finishes a row.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

from . import Connection, fetch_all, iso, iso_in

QUEUES = ("incoming", "deliveries")  # the tables whose rows are leased


@dataclass(frozen=True)
class Released:
    incoming: int = 0
    deliveries: int = 0
    processes: tuple[str, ...] = ()   # the dead processes whose rows these were

    def __bool__(self) -> bool:
        return bool(self.incoming or self.deliveries)


async def beat(conn: Connection, process_id: str) -> None:
    """This process is alive (its first beat registers it)."""
    now = iso()
    await conn.execute(
        "INSERT INTO workers (process_id, started_at, last_beat, pid, hostname) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (process_id) DO UPDATE SET last_beat = excluded.last_beat",
        (process_id, now, now, os.getpid(), socket.gethostname()),
    )


async def forget(conn: Connection, process_id: str) -> None:
    """A process stopping cleanly: whatever it still holds is anybody's at once."""
    await conn.execute("DELETE FROM workers WHERE process_id = ?", (process_id,))


async def reclaim_dead(conn: Connection, *, dead_after: float) -> Released:
    """Give back the rows held by processes that have not beaten for `dead_after` seconds
    (or never did, or stopped and said so), and forget those processes."""
    fresh = iso_in(-dead_after)
    dead = [row["process_id"] for row in
            await fetch_all(conn, "SELECT process_id FROM workers WHERE last_beat < ?", (fresh,))]
    counts = []
    for table in QUEUES:
        # Reads only rows in flight (the partial index on locked_by).
        cur = await conn.execute(
            f"UPDATE {table} SET locked_until = NULL, locked_by = NULL WHERE locked_by IS NOT NULL "
            "AND locked_by NOT IN (SELECT process_id FROM workers WHERE last_beat >= ?)", (fresh,))
        counts.append(cur.rowcount)
    if dead:
        await conn.execute("DELETE FROM workers WHERE last_beat < ?", (fresh,))
    return Released(counts[0], counts[1], tuple(dead))


async def release_processes(conn: Connection, process_ids: list[str]) -> Released:
    """Give back the rows held by these (dead) processes, and forget them."""
    if not process_ids:
        return Released()
    marks = ", ".join("?" * len(process_ids))
    counts = []
    for table in QUEUES:
        cur = await conn.execute(f"UPDATE {table} SET locked_until = NULL, locked_by = NULL "
                                 f"WHERE locked_by IN ({marks})", process_ids)
        counts.append(cur.rowcount)
    await conn.execute(f"DELETE FROM workers WHERE process_id IN ({marks})", process_ids)
    return Released(counts[0], counts[1], tuple(process_ids))


async def release_all(conn: Connection) -> Released:
    """At start-up of the one process that owns this (SQLite) database: every lease left by a
    crash ends now, and no other process is alive."""
    counts = []
    for table in QUEUES:
        cur = await conn.execute(f"UPDATE {table} SET locked_until = NULL, locked_by = NULL WHERE locked_by IS NOT NULL")
        counts.append(cur.rowcount)
    dead = [row["process_id"] for row in await fetch_all(conn, "SELECT process_id FROM workers")]
    await conn.execute("DELETE FROM workers")
    return Released(counts[0], counts[1], tuple(dead))


async def list_workers(conn: Connection) -> list[dict]:
    """The processes that beat, newest beat first."""
    rows = await fetch_all(conn, "SELECT process_id, started_at, last_beat, pid, hostname FROM workers "
                                 "ORDER BY last_beat DESC")
    return [dict(row) for row in rows]
