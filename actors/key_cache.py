"""The cache of remote signing keys: key id -> the actor owning it, plus what failed.

Bounded in memory; a failing key id is remembered for a while (negative cache), requests
naming the same unknown key at once share one fetch, and a key is refetched at most once
per interval. actors/remote.py owns the fetching; this module only remembers.
"""

from __future__ import annotations

import asyncio
import time

from wecreate_fed.errors import SignatureError
from wecreate_fed.store import Connection, counters
from wecreate_fed.store.actors import Actor

KEY_CACHE_SIZE = 10_000
KEY_CACHE_SECONDS = 300.0
KEY_FAILURES_SIZE = 10_000  # remembered failing key ids / refetch times (oldest dropped first)
WATCH_SECONDS = 1.0         # how often the actor_keys counter is read (changes by other processes)


class KeyCache:
    """key id -> the actor owning it, so a busy inbox verifies without a database round trip.

    Filled from the database on a miss. Whatever changes a cached actor's row calls
    forget_actor() after its commit (a refetch here, an actor's Delete in the inbox); the
    generation counter keeps a lookup that read the old row before that commit from caching
    it afterwards. Another process's change (the inbox worker's, the CLI's) bumps the store's
    actor_keys counter in its transaction; `check()` reads it at most every WATCH_SECONDS and
    empties the cache when it moved. Entries also expire after KEY_CACHE_SECONDS (a rotated
    key of an actor updated elsewhere: the failed verification refetches it anyway).
    """

    def __init__(self, size: int = KEY_CACHE_SIZE, max_age: float = KEY_CACHE_SECONDS, *,
                 failure_seconds: float = 300.0, refetch_seconds: float = 300.0):
        self.size = size
        self.max_age = max_age
        self.generation = 0
        self._entries: dict[str, tuple[Actor, float]] = {}
        self.failure_seconds = failure_seconds
        self.refetch_seconds = refetch_seconds
        self._failures: dict[str, tuple[float, str]] = {}   # key id -> (not before, why it failed)
        self._refetched: dict[str, float] = {}              # key id -> no other refetch before
        self._fetching: dict[str, asyncio.Task] = {}        # key id -> the fetch under way
        self.watch = counters.Watch(counters.ACTOR_KEYS, WATCH_SECONDS)

    async def check(self, conn: Connection) -> None:
        """Forget every entry when another process changed a cached actor (at most one read a second)."""
        if await self.watch.moved(conn):
            self.generation += 1
            self._entries.clear()

    def get(self, key_id: str) -> Actor | None:
        entry = self._entries.get(key_id)
        if entry is None:
            return None
        if time.monotonic() > entry[1]:
            del self._entries[key_id]
            return None
        return entry[0]

    def put(self, key_id: str, actor: Actor, generation: int) -> None:
        """Cache a row read while the cache was at `generation` (dropped if an actor changed since)."""
        if generation != self.generation:
            return
        if key_id not in self._entries and len(self._entries) >= self.size:
            del self._entries[next(iter(self._entries))]  # the oldest entry
        self._entries[key_id] = (actor, time.monotonic() + self.max_age)

    def forget(self, ap_id: str) -> None:
        self.generation += 1
        for key_id in [k for k, (actor, _) in self._entries.items() if actor.ap_id == ap_id]:
            del self._entries[key_id]

    def failure(self, key_id: str) -> str | None:
        """Why fetching `key_id` failed, if it did less than failure_seconds ago."""
        entry = self._failures.get(key_id)
        if entry is None:
            return None
        if time.monotonic() > entry[0]:
            del self._failures[key_id]
            return None
        return entry[1]

    def may_refetch(self, key_id: str) -> bool:
        """True (and counted) unless this key was refetched less than refetch_seconds ago."""
        now = time.monotonic()
        if self._refetched.get(key_id, 0.0) > now:
            return False
        _remember(self._refetched, key_id, now + self.refetch_seconds)
        return True

    async def fetch_once(self, key_id: str, fetch) -> Actor:
        """`await fetch()`, shared by every caller asking for the same key meanwhile; a failure
        (SignatureError) is remembered for failure_seconds."""
        task = self._fetching.get(key_id)
        if task is None:
            task = asyncio.ensure_future(self._fetch_remembering(key_id, fetch))
            self._fetching[key_id] = task
            task.add_done_callback(lambda done: self._fetched(key_id, done))
        # Shielded: a caller that goes away (its client hung up) does not cancel the others' fetch.
        return await asyncio.shield(task)

    async def _fetch_remembering(self, key_id: str, fetch) -> Actor:
        try:
            actor = await fetch()
        except SignatureError as e:
            if self.failure_seconds > 0:
                _remember(self._failures, key_id, (time.monotonic() + self.failure_seconds, str(e)))
            raise
        self._failures.pop(key_id, None)
        return actor

    def _fetched(self, key_id: str, task: asyncio.Task) -> None:
        if self._fetching.get(key_id) is task:
            del self._fetching[key_id]
        if not task.cancelled():
            task.exception()  # retrieved here, so a fetch nobody waits for any more logs nothing


def _remember(entries: dict, key, value) -> None:
    """Set entries[key], dropping the oldest entry when the dict is full (bounded memory)."""
    entries.pop(key, None)
    if len(entries) >= KEY_FAILURES_SIZE:
        del entries[next(iter(entries))]
    entries[key] = value
