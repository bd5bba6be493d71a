"""Boxes (FEP-1b12 groups): joining and leaving ours, posts to ours, and what boxes we belong to relay.

Each handler parses what arrived into a record and hands it to the civic command, which
applies it and queues any answer (Accept, Reject, the relay to members) in one transaction.
"""

from __future__ import annotations

from wecreate_fed import ld
from wecreate_fed.civic import boxes
from wecreate_fed.civic.subjects import Subject, activity_type

from .context import HandlerContext, attributed_to_signer, followed_here, local_actor, object_document
from .notes import note_created
from .reactions import reacted
from .registry import INBOUND


@INBOUND.on("Follow", "box")
@INBOUND.on("Join", "box")
async def box_joined(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    box = await local_actor(ctx, subject.object_id)
    if box is not None and await boxes.is_local_box(ctx.rt, box):
        await boxes.join_received(ctx.rt, ctx.signer, box, boxes.JoinRequest(activity["id"], activity_type(activity)))


@INBOUND.on("Leave", "box")
async def box_left(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    box = await local_actor(ctx, subject.object_id)
    if box is not None and await boxes.is_local_box(ctx.rt, box):
        await boxes.leave_received(ctx.rt, ctx.signer, box)


@INBOUND.on("Create", "box_post")
async def box_post_created(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    """A member's post to one of our boxes (relayed to every member), or to a remote box (kept as a note)."""
    obj = await object_document(ctx, subject)
    attributed_to_signer(ctx, obj)
    box = await boxes.content_for_box(ctx.rt, activity, obj)
    if box is not None:
        await boxes.post_received(ctx.rt, ctx.signer, box, boxes.parse_post(activity, obj))
        return
    # Not for one of our boxes: an ordinary post (a remote box's member writing to it, say).
    await note_created(ctx, activity, subject)


@INBOUND.on("Announce", "box_post")
async def box_relayed(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    """A box we belong to relayed a member's post (FEP-1b12); else a share of a post in one of our boxes."""
    if ctx.signer.type == "Group" and await followed_here(ctx):
        relayed = boxes.parse_relay(activity)
        if relayed is not None:
            await boxes.relay_received(ctx.rt, ctx.signer, relayed)
            return
    if subject.document is None:
        await reacted(ctx, activity, subject)


@INBOUND.on("Remove", "box_post")
async def box_post_removed(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    """A box we belong to removed a post (moderation)."""
    if ctx.signer.type == "Group":
        await boxes.remove_received(ctx.rt, ctx.signer, ld.get_id(activity.get("object")) or "")
