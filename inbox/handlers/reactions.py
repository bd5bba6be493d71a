"""Supports (Like) and shares (Announce) of our ideas and posts, and their Undo."""

from __future__ import annotations

from wecreate_fed import ld, urls
from wecreate_fed.civic import ideas, instances
from wecreate_fed.civic.subjects import Subject

from .context import HandlerContext, followed_here
from .registry import INBOUND


@INBOUND.on("Like", "idea", "note", "box_post")
@INBOUND.on("Announce", "idea", "note")
async def reacted(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    """Count a support or share of one of ours, once per actor however often it is delivered.

    An Announce of someone else's idea by an actor followed here (a district, an instance)
    brings that idea to our marketplace.
    """
    object_id = subject.object_id or ""
    if not urls.is_local(ctx.rt.config, object_id):
        if subject.type == "Announce" and await followed_here(ctx):
            await instances.keep_boosted(ctx.rt, object_id)
        return
    await ideas.reaction_received(ctx.rt, ctx.signer, subject.type, object_id, activity["id"])


@INBOUND.on("Announce", "remote_object")
async def boosted_elsewhere(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    """A district or instance followed here boosted an idea we do not know yet: keep it."""
    if subject.object_id and await followed_here(ctx):
        await instances.keep_boosted(ctx.rt, subject.object_id)


@INBOUND.on("Undo", "Like", "Announce")
async def reaction_undone(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    """A support or share withdrawn."""
    original = subject.document
    await ideas.reaction_withdrawn(ctx.rt, ctx.signer, activity_ap_id=subject.object_id, kind=subject.kind,
                                   object_ap_id=ld.get_id(original.get("object")) if original is not None else None)
