"""New totals to other servers: one Update of the Question per poll for a burst of votes (as
Mastodon batches its poll updates), and the final one with `closed` when the poll closes.

Run by the civic worker. The Update, its deliveries and the cleared flag are one transaction; a
poll whose Update fails is retried with back-off, the others go out meanwhile. A members-only
poll goes to no server: its flags are only cleared.
"""

from __future__ import annotations

import logging

from outbox import activities
from outbox.send import outgoing
from wecreate_fed import retry
from wecreate_fed.errors import WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import iso, iso_in
from wecreate_fed.store import polls as polls_store
from wecreate_fed.store.polls import Poll

from . import access
from .commands import question_document

log = logging.getLogger(__name__)
BATCH = 50
LEASE_SECONDS = 120.0   # as the ideas' counts (civic/worker.py): a dead worker's polls go out after this


async def publish_due(rt: Runtime, stopping=None) -> int:
    """Send the Updates that are due; returns how many polls were looked at.

    They are claimed first (a lease), so that the civic workers of several processes never send
    one poll's Update twice; one that dies leaves its polls to the others once the lease ends."""
    now, lease_until = iso(), iso_in(LEASE_SECONDS)
    async with rt.db.transaction() as conn:
        due = await polls_store.claim_updates_due(conn, now=now, limit=BATCH, lease_until=lease_until)
    for index, poll in enumerate(due):
        if stopping is not None and stopping.is_set():
            async with rt.db.transaction() as conn:  # still due: the next round (or start) sends them
                await polls_store.release_updates(conn, [p.id for p in due[index:]], lease_until=lease_until)
            break
        try:
            await publish(rt, poll, now, lease_until)
        except Exception as e:
            if not isinstance(e, WeCreateError):
                log.exception("the Update of the poll %s failed", poll.ap_id)
            delay = retry.inbox_delay(poll.update_attempts)
            async with rt.db.transaction() as conn:
                await polls_store.mark_update_failed(conn, poll.id, f"{type(e).__name__}: {e}",
                                                     None if delay is None else iso_in(delay))
    return len(due)


async def publish(rt: Runtime, poll: Poll, now: str, lease_until: str | None = None) -> None:
    place = await access.place_of(rt, poll)
    async with outgoing(rt) as out:
        current = await polls_store.get_poll_by_id(out.conn, poll.id)
        if current is None or current.deleted_at is not None:
            return
        closed = current.is_closed(now)
        if current.members_of is None:
            document = await question_document(rt, current, place, out.conn)
            recipients = await access.update_recipients(out.conn, current, place)
            await out.queue(place.author, activities.update(rt.config, place.author, document), recipients)
        await polls_store.mark_update_sent(out.conn, poll.id, closed=closed, due_before=now, lease_until=lease_until)


async def next_due(rt: Runtime) -> str | None:
    return await polls_store.next_update_due(rt.db.reader)
