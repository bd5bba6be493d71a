"""Votes in our polls from other servers: a Create of a Note named after an option, in reply to our
Question (as Mastodon votes); counted once per actor by the civic polls."""

from __future__ import annotations

from wecreate_fed.civic import polls
from wecreate_fed.civic.subjects import Subject

from .context import HandlerContext, attributed_to_signer, object_document
from .registry import INBOUND


@INBOUND.on("Create", "poll_vote")
async def vote_received(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    note = await object_document(ctx, subject)
    attributed_to_signer(ctx, note)
    await polls.vote_received(ctx.rt, ctx.signer, activity, note)
