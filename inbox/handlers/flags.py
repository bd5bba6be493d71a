"""A report from another server: a `Flag` (Mastodon, GoToSocial, Misskey) naming an account and
posts of ours becomes a filing in our report queue (moderation/reports.py)."""

from __future__ import annotations

from wecreate_fed.civic.subjects import Subject
from wecreate_fed.moderation import reports

from .context import HandlerContext
from .registry import INBOUND


@INBOUND.on("Flag", "report")
async def flagged(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    await reports.receive_flag(ctx.rt, ctx.signer, activity)
