"""send(): store an activity and, in the same transaction, one delivery per target inbox."""

from __future__ import annotations

import logging

from actors import remote
from wecreate_fed import ld, urls
from wecreate_fed.errors import WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import queue, social
from wecreate_fed.store.actors import Actor

log = logging.getLogger(__name__)

FOLLOWER_PAGE = 5000  # inboxes read and inserted at a time, so memory stays flat for any audience


async def send(rt: Runtime, actor: Actor, activity: dict, *, extra_inboxes: list[str] = ()) -> str:
    """Record `activity` as sent by the local `actor` and queue its delivery; returns its id.

    Remote addressees are resolved first (that may fetch them), so the transaction that
    stores the activity and its deliveries holds the write lock only for SQL.
    `extra_inboxes` are remote inboxes to deliver to beyond the addressees (an idea's
    supporters, say, who are told of its changes without being listed in cc).
    """
    remote_inboxes, local_names, to_followers = await _resolve_recipients(rt, actor, activity)
    remote_inboxes.update(extra_inboxes)
    delivered = {k: v for k, v in activity.items() if k not in ("bto", "bcc")}
    async with rt.db.transaction() as conn:
        row_id = await social.add_activity(
            conn, ap_id=activity["id"], actor_id=actor.id, type=activity["type"],
            object_ap_id=ld.get_id(activity.get("object")), is_public=ld.is_public(activity), data=delivered,
        )
        await queue.add_deliveries(conn, row_id, sorted(remote_inboxes))
        if to_followers:
            after = ""
            while inboxes := await social.list_follower_inboxes(conn, actor.id, after=after, limit=FOLLOWER_PAGE):
                await queue.add_deliveries(conn, row_id, inboxes)
                after = inboxes[-1]
            local_names.update(a.username for a in await social.list_local_followers(conn, actor.id))
        local_names.discard(actor.username)
        if local_names:
            # Local recipients need no HTTP: the activity goes straight into our own inbox queue.
            only = next(iter(local_names)) if len(local_names) == 1 else None
            await queue.add_incoming(conn, activity=delivered, signer_ap_id=actor.ap_id, recipient_username=only)
    rt.delivery_wakeup.set()
    if local_names:
        rt.inbox_wakeup.set()
    return activity["id"]


async def _resolve_recipients(rt: Runtime, actor: Actor, activity: dict) -> tuple[set[str], set[str], bool]:
    remote_inboxes: set[str] = set()
    local_names: set[str] = set()
    to_followers = False
    for target in sorted(ld.addressees(activity)):
        if ld.is_public_id(target):
            continue
        if actor.followers_url and target == actor.followers_url:
            to_followers = True
            continue
        if urls.is_local(rt.config, target):
            local = await actors_store.get_actor_by_ap_id(rt.db.reader, target)
            if local is not None and local.username:
                local_names.add(local.username)
            continue
        try:
            recipient = await remote.get_actor(rt, target)
        except WeCreateError as e:
            # A remote collection (someone else's followers) or an unreachable actor: nothing to deliver to.
            log.info("not delivering %s to %s: %s", activity.get("id"), target, e)
            continue
        if recipient.deleted_at is None:
            remote_inboxes.add(recipient.delivery_inbox)
    return remote_inboxes, local_names, to_followers
