"""How deep the inbox queue is, known without counting per request, and the 503 past a depth.

The inbox refuses new deliveries with 503 and Retry-After once `federation.inbox_max_pending`
rows wait (0: never), so a worker that cannot keep up makes the senders wait and retry instead
of growing the queue without bound. The depth is a number kept in memory: the inbox adds one
per stored row, the worker takes off what it finished, and both recount (one indexed count on the
reader) every REFRESH_SECONDS to correct for duplicates and other processes. The inbox recounts
too, since a web process whose rows are handled by `worker` processes only adds: without its
own recount it refused every delivery for good after its first `inbox_max_pending`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from quart import g

from wecreate_fed.errors import Unavailable
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import queue

REFRESH_SECONDS = 10.0
RETRY_AFTER_SECONDS = 30


@dataclass
class Backlog:
    pending: int = 0
    counted_at: float = float("-inf")


def of(rt: Runtime) -> Backlog:
    backlog = rt.caches.get("inbox_backlog")
    if backlog is None:
        backlog = rt.caches["inbox_backlog"] = Backlog()
    return backlog


def refuse_if_full(rt: Runtime) -> None:
    """Before any work on a delivery: 503 with Retry-After while the queue is past its depth."""
    limit = rt.config.inbox_max_pending
    if limit and of(rt).pending >= limit:
        g.retry_after = RETRY_AFTER_SECONDS
        raise Unavailable(f"the inbox queue is full ({limit} activities wait); try again in "
                          f"{RETRY_AFTER_SECONDS} s", params={"seconds": RETRY_AFTER_SECONDS})


def added(rt: Runtime) -> None:
    of(rt).pending += 1


def finished(rt: Runtime, rows: int) -> None:
    backlog = of(rt)
    backlog.pending = max(0, backlog.pending - rows)


async def recount_if_due(rt: Runtime) -> None:
    """The depth counted again once REFRESH_SECONDS have passed; the first caller counts, the rest go on."""
    backlog = of(rt)
    if time.monotonic() - backlog.counted_at >= REFRESH_SECONDS:
        backlog.counted_at = time.monotonic()
        backlog.pending = await queue.count_incoming(rt.db.reader, "pending")
