"""Change counters in `settings`: how a process learns that another one changed what it keeps in memory.

A change bumps its counter in the change's own transaction; every process holding a copy reads
the counter (a primary-key lookup) at most once per `Watch.interval` and reloads or forgets its
copy when the number moved. One row per counter, so any number of processes on one database
(SQLite file or PostgreSQL) agree without a message bus. The README's deployment section lists
which in-memory copy is watched this way and which simply expires.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from . import Connection, fetch_value, iso

_NEVER = object()


@dataclass(frozen=True)
class Counter:
    key: str   # the settings key, e.g. "domain_policy.version"

    async def bump(self, conn: Connection) -> str:
        """Count one change (in its transaction); the new value."""
        await conn.execute(
            "INSERT INTO settings (key, value, created_at) VALUES (?, '1', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(settings.value AS INTEGER) + 1 AS TEXT)",
            (self.key, iso()))
        return str(await fetch_value(conn, "SELECT value FROM settings WHERE key = ?", (self.key,)))

    async def value(self, conn: Connection) -> str | None:
        """The counter now; None while nothing was ever counted."""
        value = await fetch_value(conn, "SELECT value FROM settings WHERE key = ?", (self.key,))
        return None if value is None else str(value)


# Every counter, named once (each module that bumps one imports it from here).
DOMAIN_POLICY = Counter("domain_policy.version")
ALLOWLIST = Counter("allowlist.version")
# Moves when what a cached key owner carries changes in a way that must stop or alter
# verification (deleted, suspended, limited, moved, purged): actors/key_cache.py watches it.
ACTOR_KEYS = Counter("actor_keys.version")
# Moves when someone changes an idea through the website: the marketplace pages' cache watches it.
MARKETPLACE = Counter("marketplace.version")


class Watch:
    """One process's view of a counter: `moved()` reads it at most once per `interval` seconds and
    answers True when it differs from the last value read (also at the first read)."""

    def __init__(self, counter: Counter, interval: float = 1.0):
        self.counter = counter
        self.interval = interval
        self.seen: object = _NEVER
        self._next_look = float("-inf")

    async def moved(self, conn: Connection) -> bool:
        now = time.monotonic()
        if now < self._next_look:
            return False
        self._next_look = now + self.interval  # set before the read: concurrent callers do not all read
        value = await self.counter.value(conn)
        if value == self.seen:
            return False
        self.seen = value
        return True
