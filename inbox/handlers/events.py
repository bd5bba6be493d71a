"""Events (FEP-8a8e) from other servers, and joining and leaving ours (and answers to our Joins)."""

from __future__ import annotations

from wecreate_fed import ld
from wecreate_fed.civic import boxes, events
from wecreate_fed.civic.subjects import Subject

from .context import HandlerContext, attributed_to_signer, concerns_us, local_actor, object_document, said_at
from .registry import INBOUND


@INBOUND.on("Create", "event")
async def event_created(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    obj = await object_document(ctx, subject)
    attributed_to_signer(ctx, obj)
    if await concerns_us(ctx, activity, obj):
        await events.store_remote(ctx.rt, ctx.signer, events.parse_remote(obj, ctx.signer.ap_id))


@INBOUND.on("Update", "event")
async def event_updated(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    obj = await object_document(ctx, subject)
    attributed_to_signer(ctx, obj, required=False)
    if events.is_event_document(obj) and await events.is_known(ctx.rt, obj["id"]):
        await events.store_remote(ctx.rt, ctx.signer, events.parse_remote(obj, ctx.signer.ap_id))


@INBOUND.on("Delete", "event")
async def event_deleted(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    await events.remote_deleted(ctx.rt, ctx.signer, subject.object_id or "")


@INBOUND.on("Join", "event")
async def event_joined(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    """Attendance and the Accept or Reject are one transaction (events.join_received)."""
    await events.join_received(ctx.rt, ctx.signer, events.join_of(activity))


@INBOUND.on("Leave", "event")
async def event_left(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    await events.leave_received(ctx.rt, ctx.signer, event_ap_id=subject.object_id)


@INBOUND.on("Undo", "Join")
async def join_undone(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    """An Undo of a Join: leaving one of our events, or one of our boxes (Mobilizon's way)."""
    join = events.join_of(activity.get("object"))
    if await events.leave_received(ctx.rt, ctx.signer, event_ap_id=join.event, join_ap_id=join.id):
        return
    inner = subject.document
    box = await local_actor(ctx, ld.get_id(inner.get("object")) if isinstance(inner, dict) else None)
    if box is not None and await boxes.is_local_box(ctx.rt, box):
        await boxes.leave_received(ctx.rt, ctx.signer, box)


@INBOUND.on("Accept", "Join")
async def join_accepted(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    await events.join_answered(ctx.rt, ctx.signer, events.join_of(activity.get("object")), accepted=True,
                               said_at=said_at(activity))


@INBOUND.on("Reject", "Join")
async def join_rejected(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    await events.join_answered(ctx.rt, ctx.signer, events.join_of(activity.get("object")), accepted=False,
                               said_at=said_at(activity))
