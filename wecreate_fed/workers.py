"""What both queue workers share: waiting for work without busy polling."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

from .store import utcnow

MAX_IDLE_WAIT = 30.0


async def wait_for_work(wakeup: asyncio.Event, next_due: str | None, *, max_wait: float = MAX_IDLE_WAIT) -> None:
    """Sleep until woken (a row was added) or the next row falls due, at most max_wait seconds."""
    timeout = max_wait
    if next_due is not None:
        due = datetime.fromisoformat(next_due.replace("Z", "+00:00"))
        timeout = min(max_wait, max(0.05, (due - utcnow()).total_seconds()))
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(wakeup.wait(), timeout)
    wakeup.clear()
