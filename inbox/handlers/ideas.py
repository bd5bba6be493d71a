"""Ideas and reform proposals published, edited and deleted on other WeCreate instances."""

from __future__ import annotations

from wecreate_fed.civic import ideas
from wecreate_fed.civic.subjects import Subject

from .context import HandlerContext, attributed_to_signer, concerns_us, object_document
from .notes import note_created
from .registry import INBOUND


@INBOUND.on("Create", "idea")
async def idea_created(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    obj = await object_document(ctx, subject)
    attributed_to_signer(ctx, obj)
    if not ideas.is_idea_document(obj):
        await note_created(ctx, activity, subject)  # a civicKind we do not know: an ordinary post
    elif await concerns_us(ctx, activity, obj):
        await ideas.store_remote(ctx.rt, ctx.signer, ideas.parse_remote(obj))


@INBOUND.on("Update", "idea")
async def idea_updated(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    """A known idea changed at its origin (an unknown one is not for us)."""
    obj = await object_document(ctx, subject)
    attributed_to_signer(ctx, obj, required=False)
    if ideas.is_idea_document(obj) and await ideas.is_known(ctx.rt, obj["id"]):
        await ideas.store_remote(ctx.rt, ctx.signer, ideas.parse_remote(obj))


@INBOUND.on("Delete", "idea")
async def idea_deleted(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    await ideas.remote_deleted(ctx.rt, ctx.signer, subject.object_id or "")
