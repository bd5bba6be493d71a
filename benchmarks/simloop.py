"""An asyncio event loop whose clock is simulated, for benchmarks/simulate_delivery.py.

When nothing is ready to run and no database statement is under way in aiosqlite's thread, the
loop's clock jumps to the next timer instead of sleeping: a worker's `asyncio.sleep(0.2)`, a
remote host's latency or a back-off of six hours take no real time, while the real code runs
exactly as it would (the store reads the same clock through `store.clock`). Database statements
take no simulated time; their real cost is what the real run time measures.

Jumps are rounded up to `quantum` seconds, so that what falls due within one quantum runs in one
loop iteration (outcomes finishing together are written in one transaction, as on a busy server).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta

import aiosqlite

from wecreate_fed import store


class _JumpingSelector:
    """The loop's selector, which jumps the clock where a real one would block."""

    def __init__(self, inner, loop: SimulatedLoop):
        self._inner = inner
        self._loop = loop

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def select(self, timeout=None):
        loop = self._loop
        if timeout == 0:
            return self._inner.select(0)
        if loop.busy or not loop.jumping:  # a statement in aiosqlite's thread wakes us through the self-pipe
            return self._inner.select(1.0 if timeout is None or loop.busy else min(timeout, 1.0))
        events = self._inner.select(0)
        if events or timeout is None:
            return events or self._inner.select(1.0)
        target = loop.now + timeout
        loop.now = max(target, math.ceil(target / loop.quantum) * loop.quantum)
        return []


class SimulatedLoop(asyncio.SelectorEventLoop):
    def __init__(self, *, quantum: float = 0.01):
        super().__init__()
        self.quantum = quantum
        self.now = 0.0
        self.busy = 0        # database statements under way in aiosqlite's threads
        self.jumping = True  # False: time stands still (closing down)
        self._selector = _JumpingSelector(self._selector, self)

    def time(self) -> float:
        return self.now


@contextlib.contextmanager
def simulated(loop: SimulatedLoop, start: datetime) -> Iterator[None]:
    """While inside: the store's clock is `start` plus the loop's time, and aiosqlite's statements
    count as work under way (the clock does not jump while one runs)."""
    execute, connect, close = aiosqlite.Connection._execute, aiosqlite.Connection._connect, aiosqlite.Connection.close

    async def counted_execute(self, fn, *args, **kwargs):
        loop.busy += 1
        try:
            return await execute(self, fn, *args, **kwargs)
        finally:
            loop.busy -= 1

    async def counted_connect(self):
        loop.busy += 1
        try:
            return await connect(self)
        finally:
            loop.busy -= 1

    async def counted_close(self):
        loop.busy += 1
        try:
            return await close(self)
        finally:
            loop.busy -= 1

    aiosqlite.Connection._execute, aiosqlite.Connection._connect = counted_execute, counted_connect
    aiosqlite.Connection.close = counted_close
    clock = sys.modules[store.utcnow.__module__]  # where the store keeps its clock (the seam)
    clock.clock = lambda: start + timedelta(seconds=loop.now)
    try:
        yield
    finally:
        aiosqlite.Connection._execute, aiosqlite.Connection._connect = execute, connect
        aiosqlite.Connection.close = close
        clock.clock = clock._wall_clock


def run(main, *, start: datetime, quantum: float):
    """asyncio.run(main) on a simulated loop whose clock starts at `start`."""
    loop = SimulatedLoop(quantum=quantum)
    try:
        with simulated(loop, start):
            return loop.run_until_complete(main)
    finally:
        loop.jumping = False
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
