"""Retention: the database keeps what the instance needs, not all traffic it ever saw.

One pass (`Pruner.run`) deletes, in this order and in batches of `retention.batch_size` rows per
transaction with `retention.pause_seconds` between them (a writer waits at most one batch):
handled incoming rows older than `incoming_days` (their ids kept as a hash in seen_activities
for the duplicate check), finished deliveries older than `deliveries_days`, seen ids, undone
activity ids, each remote actor's last Join or Leave of a thing and remote boxes' removals older
than `seen_days`, then cached remote ideas, events and posts older than `remote_objects_days`
that nothing here names (store/retention.py says what keeps them). A setting of 0 keeps that
kind for ever. Then the freed pages go back to the file system in small steps when the file is
in auto_vacuum = INCREMENTAL (new databases are; `wecreate-fed db vacuum` converts an old one).

`RetentionWorker` runs a pass in the server every `interval_minutes`; `wecreate-fed db prune`
runs one from the command line with progress output.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from .config import Config
from .store import AnyDatabase, iso, utcnow
from .store import retention as store
from .workers import Worker

log = logging.getLogger(__name__)

# Pages given back per transaction: the first step's count, the most, and the time one step aims at
# (writers wait that long at most; relocating pages is slow on a busy disk, ~0.1-0.5 ms a page).
VACUUM_PAGES_FIRST, VACUUM_PAGES_MAX, VACUUM_STEP_SECONDS = 64, 4096, 0.1
BATCH_SECONDS, MIN_BATCH = 0.1, 20  # a batch aims to hold the write lock no longer than this
FIRST_PASS_SECONDS = 30.0  # after start-up, so that starting is not slowed by a long pass
QUEUES = ("incoming", "deliveries", "seen_activities", *store.KEPT_WITH_SEEN)
CONTENT = tuple(store.REMOTE_CONTENT)  # ideas, events, objects: replies after what they answer


@dataclass
class Step:
    """What a pass did to one table."""

    table: str
    rows: int = 0            # rows deleted; for "free pages", bytes given back
    batches: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


Progress = Callable[[Step, bool], None]  # (the step so far, finished)


def cutoffs(config: Config) -> dict[str, str | None]:
    """Per table, the time before which its rows may go (None: kept for ever)."""
    days = {"incoming": config.retention_incoming_days, "deliveries": config.retention_deliveries_days,
            "seen_activities": config.retention_seen_days,
            **{table: config.retention_seen_days for table in store.KEPT_WITH_SEEN},
            **{table: config.retention_remote_objects_days for table in CONTENT}}
    now = utcnow()
    return {table: iso(now - timedelta(days=d)) if d > 0 else None for table, d in days.items()}


class Pruner:
    def __init__(self, db: AnyDatabase, config: Config, *, progress: Progress | None = None,
                 stopping: asyncio.Event | None = None):
        self.db, self.config = db, config
        self.progress = progress or (lambda step, finished: None)
        self.stopping = stopping or asyncio.Event()
        self.prefix = config.base_url + "/"
        self._limit, self._took = config.retention_batch_size, 0.0

    async def run(self) -> list[Step]:
        """One pass over every table; stops early (between batches) when `stopping` is set."""
        steps = []
        for table, before in cutoffs(self.config).items():
            if before is None or self.stopping.is_set():
                continue
            steps.append(await (self._queue(table, before) if table in QUEUES else self._content(table, before)))
        if not self.stopping.is_set():
            await self.give_back_free_pages()
        return steps

    async def _batch(self, work):
        """`work(conn, limit)` in one transaction, with `limit` sized so that a batch holds the write
        lock about BATCH_SECONDS (halved when one took longer, doubled up to batch_size when it took
        less than half); returns (its result, the limit it had)."""
        limit, started = self._limit, time.monotonic()
        async with self.db.transaction() as conn:
            result = await work(conn, limit)
        self._took = time.monotonic() - started
        if self._took > BATCH_SECONDS:
            self._limit = max(MIN_BATCH, limit // 2)
        elif self._took < BATCH_SECONDS / 2:
            self._limit = min(self.config.retention_batch_size, limit * 2)
        return result, limit

    async def _rest(self) -> None:
        """At least pause_seconds, and as long as the last batch took: pruning never has more than
        half of the writer's time, however slow the disk."""
        await asyncio.sleep(max(self.config.retention_pause_seconds, self._took))

    async def _queue(self, table: str, before: str) -> Step:
        prune: Callable[..., Awaitable[int]] = (
            functools.partial(store.prune_kept, table=table) if table in store.KEPT_WITH_SEEN else
            {"incoming": store.prune_incoming, "deliveries": store.prune_deliveries,
             "seen_activities": store.prune_seen}[table])
        step, started = Step(table), time.monotonic()
        while not self.stopping.is_set():
            deleted, limit = await self._batch(lambda conn, n: prune(conn, before=before, limit=n))
            step.rows += deleted
            step.batches += 1
            step.seconds = time.monotonic() - started
            if deleted < limit:
                break
            self.progress(step, False)
            await self._rest()
        self.progress(step, True)
        return step

    async def _content(self, table: str, before: str) -> Step:
        step, started, after = Step(table), time.monotonic(), 0
        while not self.stopping.is_set():
            (deleted, last), _ = await self._batch(lambda conn, n, after=after: store.expire(
                conn, table, before=before, prefix=self.prefix, after=after, limit=n))
            step.rows += deleted
            step.batches += 1
            step.seconds = time.monotonic() - started
            if last is None:
                break
            if not deleted:  # else the same window again: replies to what just expired may follow it
                after = last
            self.progress(step, False)
            await self._rest()
        self.progress(step, True)
        return step

    async def give_back_free_pages(self) -> int:
        """Free pages back to the file system in steps sized to take about VACUUM_STEP_SECONDS each
        (moving a page costs more the busier the disk); bytes given back."""
        before = await store.size(self.db.reader)
        if before["auto_vacuum"] != 2:
            return 0
        free, pages = before["free_bytes"], VACUUM_PAGES_FIRST
        step, began = Step("free pages"), time.monotonic()
        while free > 0 and not self.stopping.is_set():
            started = time.monotonic()
            async with self.db.alone() as conn:
                await store.incremental_vacuum(conn, pages)
            took = time.monotonic() - started
            pages = max(8, min(VACUUM_PAGES_MAX, int(pages * min(2.0, VACUUM_STEP_SECONDS / max(took, 1e-3)))))
            now_free = (await store.size(self.db.reader))["free_bytes"]
            step.rows += max(0, free - now_free)
            step.batches += 1
            step.seconds = time.monotonic() - began
            if now_free >= free:
                break
            free = now_free
            self.progress(step, False)
            await asyncio.sleep(self.config.retention_pause_seconds)
        self.progress(step, True)
        return step.rows

    async def dry_run(self) -> dict[str, int]:
        """How many rows a pass would delete now, per table (replies of expiring posts that stay
        only for them are counted at the next dry run: they expire in the same pass, after them)."""
        when = cutoffs(self.config)
        counts = await store.count_prunable(self.db.reader, incoming_before=when["incoming"],
                                            deliveries_before=when["deliveries"], seen_before=when["seen_activities"])
        for table in CONTENT:
            before = when[table]
            if before is None:
                continue
            counts[table], after = 0, 0
            while True:
                rows, last = await store.expiring(self.db.reader, table, before=before, prefix=self.prefix,
                                                  after=after, limit=self.config.retention_batch_size * 10)
                counts[table] += len(rows)
                if last is None:
                    break
                after = last
        return counts


class RetentionWorker(Worker):
    """A pruning pass every `retention.interval_minutes` (the first shortly after start-up)."""

    name = "retention-worker"

    def __init__(self, db: AnyDatabase, config: Config):
        super().__init__(asyncio.Event())
        self.db, self.config = db, config
        self.passes = 0
        self._next = time.monotonic() + FIRST_PASS_SECONDS

    async def run_once(self) -> int:
        if time.monotonic() < self._next:
            return 0
        started = time.monotonic()
        steps = await Pruner(self.db, self.config, stopping=self.stopping).run()
        self.passes += 1
        self._next = time.monotonic() + self.config.retention_interval_minutes * 60
        if any(step.rows for step in steps):
            log.info("retention pass in %.1f s: %s", time.monotonic() - started,
                     ", ".join(f"{s.table} {s.rows} ({s.rate:.0f}/s)" for s in steps if s.rows))
        return 0

    async def next_due(self) -> str | None:
        return iso(utcnow() + timedelta(seconds=max(0.0, self._next - time.monotonic())))
