"""Keeps the impact figures' version cheap to read on PostgreSQL.

Every transaction there that changes a figure leaves one row in figures_changes (migration 0034,
so that writers never wait for one counter row); this worker folds them into figures_version
every FOLD_EVERY seconds, in a transaction of its own, so the table stays small. On SQLite there
is nothing to fold (its triggers update the counter) and the worker sleeps.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from wecreate_fed.runtime import Runtime
from wecreate_fed.store import iso, utcnow
from wecreate_fed.store import marketplace as store
from wecreate_fed.workers import Worker

FOLD_EVERY = 30.0


class FiguresWorker(Worker):
    name = "figures-worker"
    max_idle_wait = FOLD_EVERY

    def __init__(self, rt: Runtime):
        super().__init__(asyncio.Event())   # woken by its timer alone (and at stop)
        self.rt = rt

    async def run_once(self) -> int:
        async with self.rt.db.transaction() as conn:
            await store.fold_figures_changes(conn)
        return 0   # then sleep: folding again at once would only make empty transactions

    async def next_due(self) -> str | None:
        return iso(utcnow() + timedelta(seconds=FOLD_EVERY))
