"""Where what a box sends goes: to its remote members, or to the one remote actor it answers.

Local members need no delivery (they read the box here) and a command applies its local
effects itself, so nothing a box sends is bounced through our own inbox.
"""

from __future__ import annotations

from outbox.send import Outgoing, Recipients
from wecreate_fed.store import boxes as box_store
from wecreate_fed.store.actors import Actor

from . import documents


def to_actor(actor: Actor) -> Recipients:
    """The one actor an answer (Accept, Reject, Invite, Undo …) goes to; nothing to deliver to a local one."""
    if actor.is_local or actor.deleted_at is not None:
        return Recipients(bounce_local=False)
    return Recipients(remote_inboxes={actor.delivery_inbox}, bounce_local=False)


async def tell_members(out: Outgoing, box: Actor, activity: dict) -> str:
    """Queue `activity` from the box to its remote members, read on the command's own transaction."""
    inboxes = await box_store.list_member_inboxes(out.conn, box.id)
    return await out.queue(box, documents.to_members(box, activity),
                           Recipients(remote_inboxes=set(inboxes), bounce_local=False))
