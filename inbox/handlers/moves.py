"""A remote account moved (Move, FEP-7628): our people who followed it follow its new account."""

from __future__ import annotations

from wecreate_fed.civic import moving
from wecreate_fed.civic.subjects import Subject

from .context import HandlerContext
from .registry import INBOUND


@INBOUND.on("Move", "actor")
async def moved(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    """Checked again with a fresh copy of the target (the inbox may have let an unreachable one through);
    a refused Move raises, so the worker logs it and drops it, and nothing changes."""
    if ctx.signer.is_local:
        return  # our own accounts move through their settings; their local followers moved then
    target = await moving.check_received(ctx.rt, ctx.signer, activity, at_inbox=False)
    assert target is not None  # at_inbox=False: a failed fetch raised and is retried
    await moving.move_received(ctx.rt, ctx.signer, target, activity["id"])
