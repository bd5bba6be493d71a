"""Background workers of one shape, and the supervisor that keeps them running.

Every queue (incoming activities, deliveries, the civic counts) is worked the same way:
claim due rows in a short transaction, handle each on its own (a row that fails records
its attempt and last error and is retried with back-off, so a poison row never blocks the
others), write the outcomes, and sleep until woken or the next row falls due. A worker is
a `Worker`: it implements `run_once()` (one round; how many rows it claimed), `next_due()`
and `release()` (give back rows claimed but not finished, so a restart takes them at once).

`Supervisor` runs the workers of a process: an exception that escapes a round (a bug, a
lost database) is logged, what the worker held is given back, and it is restarted after a
back-off, never silently dead;
`stop()` lets the round in progress finish for a few seconds, then cancels it, and
releases what was claimed, so `serve` always exits within seconds. `begin_stop()` (at
SIGTERM) starts that grace early, while the server is still draining its connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from .store import utcnow

log = logging.getLogger(__name__)

MAX_IDLE_WAIT = 30.0
RESTART_FIRST, RESTART_MAX = 1.0, 60.0   # seconds before a crashed worker runs again, doubling
STOP_GRACE = 5.0                          # seconds a round in progress may take to finish at stop


async def wait_for_work(wakeup: asyncio.Event, next_due: str | None, *, max_wait: float = MAX_IDLE_WAIT) -> None:
    """Sleep until woken (a row was added) or the next row falls due, at most max_wait seconds."""
    timeout = max_wait
    if next_due is not None:
        due = datetime.fromisoformat(next_due.replace("Z", "+00:00"))
        timeout = min(max_wait, max(0.05, (due - utcnow()).total_seconds()))
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(wakeup.wait(), timeout)
    wakeup.clear()


class Worker:
    """One queue's worker. Subclasses implement run_once, next_due and (if they claim) release."""

    name = "worker"
    max_idle_wait = MAX_IDLE_WAIT

    def __init__(self, wakeup: asyncio.Event):
        self.wakeup = wakeup
        self.stopping = asyncio.Event()

    async def run_once(self) -> int:
        """Claim and handle one batch of due rows; return how many were claimed."""
        raise NotImplementedError

    async def next_due(self) -> str | None:
        """When the earliest waiting row falls due (ISO time), or None if none waits."""
        return None

    async def release(self) -> None:
        """Give back rows claimed but not finished (called at stop, after the last round)."""

    async def run(self) -> None:
        """Rounds until stopped: work while there is work, then sleep until woken or due."""
        while not self.stopping.is_set():
            if await self.run_once():
                continue
            if self.stopping.is_set():
                break
            await wait_for_work(self.wakeup, await self.next_due(), max_wait=self.max_idle_wait)


class Supervisor:
    """Runs workers as tasks, restarts one that crashes (with back-off), stops them all cleanly."""

    def __init__(self) -> None:
        self.workers: list[Worker] = []
        self._tasks: list[asyncio.Task] = []
        self.restarts: dict[str, int] = {}
        self._stop_began: float | None = None

    def start(self, worker: Worker) -> None:
        self.workers.append(worker)
        self._tasks.append(asyncio.create_task(self._keep_running(worker), name=worker.name))

    async def _keep_running(self, worker: Worker) -> None:
        delay = RESTART_FIRST
        while not worker.stopping.is_set():
            try:
                await worker.run()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                self.restarts[worker.name] = self.restarts.get(worker.name, 0) + 1
                log.exception("%s crashed; restarting in %.0f s", worker.name, delay)
                await self._release(worker)  # what it held would otherwise wait for its lease (minutes)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(worker.stopping.wait(), delay)
            delay = min(RESTART_MAX, delay * 2)

    @staticmethod
    async def _release(worker: Worker, timeout: float = STOP_GRACE) -> None:
        try:
            await asyncio.wait_for(worker.release(), timeout)
        except Exception:
            log.exception("%s: releasing its claimed rows failed; their lease runs out instead", worker.name)

    def begin_stop(self) -> float:
        """Ask every worker to stop (no new rounds); the grace of `stop()` counts from now.
        Returns the loop time at which stopping first began."""
        if self._stop_began is None:
            self._stop_began = asyncio.get_running_loop().time()
        for worker in self.workers:
            worker.stopping.set()
            worker.wakeup.set()
        return self._stop_began

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Ask every worker to stop, give the rounds in progress `grace` seconds (counted from
        `begin_stop()` if that came first), then cancel and release."""
        began = self.begin_stop()
        left = max(0.0, began + grace - asyncio.get_running_loop().time())
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=left)
            for task in pending:
                task.cancel()
            _, stubborn = await asyncio.wait(self._tasks, timeout=grace)
            for task in stubborn:  # it swallowed the cancellation; the process ends without it
                log.error("%s did not stop when cancelled; leaving it behind", task.get_name())
        for worker in self.workers:
            await self._release(worker, grace)
        self._tasks.clear()
        self.workers.clear()
        self._stop_began = None
