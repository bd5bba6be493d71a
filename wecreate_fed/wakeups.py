"""Wake-ups that reach the workers of every process on the database, not only this one's.

`Runtime.inbox_wakeup`, `delivery_wakeup`, `civic_wakeup` and `mail_wakeup` are `Wakeup`s: an asyncio.Event
whose `set()` also tells the other processes (the database's `notify`: PostgreSQL NOTIFY;
on SQLite an in-process event), once `share(rt)` has connected it. A web process that queues
a delivery thus wakes the delivery worker of a worker process at once. The workers keep a slow
poll (workers.MAX_IDLE_WAIT) as a safety net: a notification lost with a dropped connection
costs at most that long, never a row.

A burst (the inbox takes a thousand POSTs a second) sends one notification per channel while
the previous one is on its way, not one per set().
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

CHANNELS = {"inbox": "wecreate_inbox", "delivery": "wecreate_delivery", "civic": "wecreate_civic",
            "mail": "wecreate_mail"}


class Wakeup(asyncio.Event):
    """An asyncio.Event that, once shared, also wakes the same worker in the other processes."""

    def __init__(self) -> None:
        super().__init__()
        self._publish: Callable[[], Awaitable[None]] | None = None  # set by share()
        self._after_commit: Callable[[Callable[[], None]], None] | None = None  # the database's, set by share()
        self._publishing: asyncio.Task | None = None
        self._again = False

    def set(self) -> None:
        if self._after_commit is None:
            super().set()
        else:
            # Woken once what the caller wrote is visible (inside a transaction or a write batch: at
            # its commit), or a worker here or in another process could look too early, find
            # nothing (PostgreSQL does not wait for the COMMIT) and sleep until its next poll.
            self._after_commit(self._set_and_publish)

    def _set_and_publish(self) -> None:
        super().set()
        if self._publish is not None:
            self._schedule()

    def _schedule(self) -> None:
        if self._publishing is not None and not self._publishing.done():
            self._again = True   # one more after the one on its way: it may have read the rows already
            return
        # A fresh context: the notification goes on a connection of its own, not on a batch's.
        self._publishing = asyncio.get_running_loop().create_task(self._send(), context=contextvars.Context())

    def set_here(self) -> None:
        """Woken by another process (or our own notification coming back): no echo."""
        super().set()

    async def _send(self) -> None:
        while True:
            self._again = False
            try:
                if self._publish is not None:
                    await self._publish()
            except Exception:  # the slow poll finds the rows; a wake-up is never worth a failure
                log.warning("could not notify the other processes; their workers find the rows at their next poll",
                            exc_info=True)
            if not self._again:
                return


def wakeups_of(rt) -> dict[str, Wakeup]:
    return {"inbox": rt.inbox_wakeup, "delivery": rt.delivery_wakeup, "civic": rt.civic_wakeup,
            "mail": rt.mail_wakeup}


async def _notify(db, channel: str) -> None:
    result = db.notify(channel)
    if inspect.isawaitable(result):
        await result


def share(rt, listen: tuple[str, ...] = ()) -> list[asyncio.Task]:
    """Connect the Runtime's wake-ups to the database: every set() notifies the other processes;
    and for the queues in `listen` (those this process works), their notifications wake ours.
    Returns the listening tasks (cancel them at stop)."""
    db = rt.db
    for name, event in wakeups_of(rt).items():
        event._publish = (lambda channel=CHANNELS[name]: _notify(db, channel))
        event._after_commit = db.after_commit
    return [asyncio.get_running_loop().create_task(_forward(db, CHANNELS[name], wakeups_of(rt)[name]),
                                                   name=f"listen-{name}")
            for name in listen]


async def _forward(db, channel: str, event: Wakeup) -> None:
    heard = await _listen(db, channel)
    while True:
        await heard.wait()
        heard.clear()
        event.set_here()


async def _listen(db, channel: str):
    result = db.listen(channel)
    return await result if inspect.isawaitable(result) else result


async def stop(tasks: list[asyncio.Task]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
