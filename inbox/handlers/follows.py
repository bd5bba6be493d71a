"""Follows of our people, organisations, districts and instance, and the answers to ours."""

from __future__ import annotations

from outbox import activities
from outbox.send import outgoing, resolve_recipients
from wecreate_fed import ld
from wecreate_fed.civic import boxes
from wecreate_fed.civic.subjects import Subject
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import social

from .context import HandlerContext, local_actor
from .registry import INBOUND


@INBOUND.on("Follow", "actor", "district")
async def follow(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    """Someone follows one of ours: record it, and Accept unless the actor approves by hand."""
    target = await local_actor(ctx, subject.object_id)
    if target is None:
        return  # addressed to nobody here
    if target.type == "Application" and ctx.signer.type != "Application":
        return  # our instance actor is followed by other instances only
    accepted = not target.manually_approves or target.type == "Application"
    accept = activities.accept(ctx.rt.config, target, activity, ctx.signer.ap_id)
    recipients = await resolve_recipients(ctx.rt, target, accept)
    async with outgoing(ctx.rt) as out:
        state = await social.add_follow(out.conn, ctx.signer.id, target.id, activity["id"], accepted=accepted)
        if state == "accepted":
            # Accept again even if already following: the peer may have missed the first Accept.
            await out.queue(target, accept, recipients)


async def _our_follow_of_signer(ctx: HandlerContext, referenced):
    """The follow row an Accept/Reject refers to; the signer must be the one followed."""
    follow_id = ld.get_id(referenced)
    row = await social.get_follow_by_ap_id(ctx.rt.db.reader, follow_id) if follow_id else None
    # Some servers answer with a Follow carrying another id, or answer the first of two: match by
    # who and whom. Not for a Follow of ours undone since (then followed anew): its late answer is
    # not for the new one.
    if row is None and isinstance(referenced, dict) and not (follow_id and await social.was_withdrawn(
            ctx.rt.db.reader, follow_id)):
        local = await local_actor(ctx, ld.get_id(referenced.get("actor")))
        if local is not None and ld.get_id(referenced.get("object")) == ctx.signer.ap_id:
            row = await social.get_follow(ctx.rt.db.reader, local.id, ctx.signer.id)
    if row is None or row["followee_id"] != ctx.signer.id:
        return None
    return row


@INBOUND.on("Accept", "Follow")
async def follow_accepted(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    row = await _our_follow_of_signer(ctx, activity.get("object"))
    if row is not None:
        async with ctx.rt.db.transaction() as conn:
            await social.mark_follow_accepted(conn, row["follower_id"], ctx.signer.id)


@INBOUND.on("Reject", "Follow")
async def follow_rejected(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    """A remote actor rejected our Follow, or removed one of ours from its followers."""
    row = await _our_follow_of_signer(ctx, activity.get("object"))
    if row is not None:
        async with ctx.rt.db.transaction() as conn:
            await social.delete_follow(conn, row["follower_id"], ctx.signer.id)


@INBOUND.on("Undo", "Follow")
async def unfollow(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    """The signer stops following one of ours (a box: it leaves)."""
    original = subject.document
    target_id = ld.get_id(original.get("object")) if original is not None else None
    row = await social.get_follow_by_ap_id(ctx.rt.db.reader, subject.object_id) if subject.object_id else None
    if row is not None and row["follower_id"] == ctx.signer.id:
        target = await actors_store.get_actor(ctx.rt.db.reader, row["followee_id"])
    else:
        target = await local_actor(ctx, target_id)
    if target is None:
        return
    if await boxes.is_local_box(ctx.rt, target):
        await boxes.leave_received(ctx.rt, ctx.signer, target)
        return
    async with ctx.rt.db.transaction() as conn:
        await social.delete_follow(conn, ctx.signer.id, target.id)
