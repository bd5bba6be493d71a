"""Sending is two steps: resolve the recipients (network), then queue the activity (SQL only).

`queue_activity(conn, …)` stores an activity and one delivery per target inbox on the
connection of a transaction the caller holds, so a civic change and the activity that
announces it commit together or not at all (a transactional outbox). `outgoing(rt)` opens
that transaction and wakes the workers once it has committed:

    recipients = await resolve_recipients(rt, actor, activity)     # may fetch remote actors
    async with outgoing(rt) as out:
        await civic_store.add_something(out.conn, …)
        await out.queue(actor, activity, recipients)

`send()` is both steps for an activity that changes nothing else here.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from actors import local, remote
from wecreate_fed import ld, urls
from wecreate_fed.errors import Forbidden, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.signatures import proofs
from wecreate_fed.store import Connection, fanout, proof_keys, queue, social
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store.actors import Actor

log = logging.getLogger(__name__)

# What an account that moved away may still send: taking things back, answering, moving on.
# Nothing new (no post, idea, support, follow) comes from it any more; its new account speaks.
AFTER_MOVING = ("Move", "Delete", "Undo", "Accept", "Reject", "Leave", "Flag")


@dataclass
class Recipients:
    """Where one activity goes: remote inboxes, local usernames, and whether to the sender's followers."""

    remote_inboxes: set[str] = field(default_factory=set)
    local_names: set[str] = field(default_factory=set)
    to_followers: bool = False
    # False when the command applies its effects here itself (a support of a local idea):
    # then nothing is bounced through our own inbox, not even to local followers.
    bounce_local: bool = True

    def without_local(self) -> Recipients:
        """For a command that applies its local effects itself instead of through our own inbox."""
        return Recipients(set(self.remote_inboxes), set(), self.to_followers, bounce_local=False)


async def resolve_recipients(rt: Runtime, actor: Actor, activity: dict, *,
                             extra_inboxes: Iterable[str] = ()) -> Recipients:
    """The network step: who `activity` goes to, fetching remote addressees we do not know yet.

    `extra_inboxes` are remote inboxes to deliver to beyond the addressees (an idea's
    supporters, say, who are told of its changes without being listed in cc).
    """
    found = Recipients(remote_inboxes=set(extra_inboxes))
    # Someone in bto / bcc only gets it in their own inbox: a shared inbox could not tell whom
    # it is for once those fields are removed.
    blind = ld.blind_addressees(activity) - ld.addressees(ld.without_blind(activity))
    for target in sorted(ld.addressees(activity) | blind):
        if ld.is_public_id(target):
            continue
        if actor.followers_url and target == actor.followers_url:
            found.to_followers = True
            continue
        if urls.is_local(rt.config, target):
            local = await actors_store.get_actor_by_ap_id(rt.db.reader, target)
            if local is not None and local.username:
                found.local_names.add(local.username)
            continue
        try:
            recipient = await remote.get_actor(rt, target)
        except WeCreateError as e:
            # A remote collection (someone else's followers) or an unreachable actor: nothing to deliver to.
            log.info("not delivering %s to %s: %s", activity.get("id"), target, e)
            continue
        if recipient.deleted_at is None:
            found.remote_inboxes.add(recipient.inbox_url if target in blind else recipient.delivery_inbox)
    return found


async def queue_activity(conn: Connection, actor: Actor, activity: dict,
                         recipients: Recipients) -> tuple[bool, bool, dict]:
    """The SQL step: store `activity` as sent by the local `actor` and queue its deliveries.

    Runs on the caller's transaction. Local recipients need no HTTP: the activity goes
    into our own inbox queue for them. Returns (deliveries queued, local rows queued, the
    activity as stored and sent: without bto/bcc, with its proof).
    """
    await refuse_if_moved(conn, actor, activity)
    # stored, served and sent without bto / bcc (AP §6), with the actor's proof
    delivered = await with_proof(conn, actor, ld.without_blind(activity))
    row_id = await social.add_activity(
        conn, ap_id=activity["id"], actor_id=actor.id, type=activity["type"],
        object_ap_id=ld.get_id(activity.get("object")), is_public=ld.is_public(delivered), data=delivered,
    )
    if blind := ld.blind_addressees(activity):  # they may still fetch what was sent to them
        await social.add_blind_recipients(conn, activity["id"], blind)
        embedded = activity.get("object")
        if isinstance(embedded, dict) and (object_id := ld.get_id(embedded)):
            await social.add_blind_recipients(conn, object_id, blind)
    queued = bool(recipients.remote_inboxes)
    await queue.add_deliveries(conn, row_id, sorted(recipients.remote_inboxes))
    local_names = set(recipients.local_names)
    if recipients.to_followers:
        # The first chunk here; a larger audience is queued by the delivery worker, a chunk per
        # transaction (store/fanout.py), so this transaction stays short for any audience.
        queued = await fanout.start(conn, row_id, actor.id) or queued
        if recipients.bounce_local:
            local_names.update(a.username for a in await social.list_local_followers(conn, actor.id)
                               if a.username)
    local_names.discard(actor.username or "")
    if local_names and recipients.bounce_local:
        only = next(iter(local_names)) if len(local_names) == 1 else None
        await queue.add_incoming(conn, activity=delivered, signer_ap_id=actor.ap_id, recipient_username=only)
    return queued, bool(local_names), delivered


async def refuse_if_moved(conn: Connection, actor: Actor, activity: dict) -> None:
    """A moved account posts no more (read on the caller's transaction: a move that committed a moment
    ago counts, whatever the caller's copy of the actor says). Its profile's Update still goes out."""
    if not actor.is_local or activity.get("type") in AFTER_MOVING:
        return
    current = await actors_store.get_actor(conn, actor.id)
    moved_to = current.moved_to if current is not None else None
    if moved_to is None:
        return
    if activity.get("type") == "Update" and ld.get_id(activity.get("object")) == actor.ap_id:
        return
    raise Forbidden(f"this account moved to {moved_to} and posts no more", field="account", code="account_moved",
                    params={"target": moved_to})


async def with_proof(conn: Connection, actor: Actor, activity: dict) -> dict:
    """The activity with its actor's FEP-8b32 proof: made here, over exactly what is stored and
    delivered (deliveries send the stored JSON, so the proof verifies on the bytes received)."""
    key = await proof_keys.get_proof_key(conn, actor.id)
    if key is None:  # an actor made before proofs, on a database not started since
        await local.add_proof_key(conn, actor)
        key = await proof_keys.get_proof_key(conn, actor.id)
        assert key is not None  # added just now on this connection
    if "@context" not in activity:
        activity = {"@context": ld.default_context(), **activity}
    return proofs.sign(activity, private_key_pem=key[0], verification_method=urls.proof_key_id(actor.ap_id))


class Outgoing:
    """One transaction that may queue activities; the workers are woken after it commits."""

    def __init__(self, rt: Runtime, conn: Connection):
        self.rt = rt
        self.conn = conn
        self._deliveries = False
        self._incoming = False
        self.delivered: dict[str, dict] = {}  # activity id -> the document as sent (with its proof)

    async def queue(self, actor: Actor, activity: dict, recipients: Recipients) -> str:
        deliveries, incoming, delivered = await queue_activity(self.conn, actor, activity, recipients)
        self.delivered[activity["id"]] = delivered
        self._deliveries |= deliveries
        self._incoming |= incoming
        return activity["id"]

    def wake(self) -> None:
        self.rt.civic_wakeup.set()  # a civic change may have moved an idea's counts
        if self._deliveries:
            self.rt.delivery_wakeup.set()
        if self._incoming:
            self.rt.inbox_wakeup.set()


@asynccontextmanager
async def outgoing(rt: Runtime) -> AsyncIterator[Outgoing]:
    """A write transaction in which civic changes and the activities announcing them commit together."""
    async with rt.db.transaction() as conn:
        out = Outgoing(rt, conn)
        yield out
    out.wake()


async def send(rt: Runtime, actor: Actor, activity: dict, *, extra_inboxes: Iterable[str] = ()) -> str:
    """Resolve the recipients, then store and queue `activity` in a transaction of its own; returns its id.

    Only for an activity that changes nothing else here (a Follow, an Accept, a relayed
    post); a civic change queues its activity with `outgoing()` in its own transaction.
    """
    recipients = await resolve_recipients(rt, actor, activity, extra_inboxes=extra_inboxes)
    async with outgoing(rt) as out:
        return await out.queue(actor, activity, recipients)
