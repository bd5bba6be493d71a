"""Motions: a box sends one to our council (Offer); a council answers ours (Read, Add, Accept, Reject).

The activity is parsed into a record (the offered motion, the council's answer) and handed
to the civic command; a council's confirmation of receipt (Read) is queued with the motion.
"""

from __future__ import annotations

from wecreate_fed.civic import motions
from wecreate_fed.civic.subjects import Subject

from .context import HandlerContext
from .registry import INBOUND


@INBOUND.on("Offer", "motion")
async def motion_offered(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    if motions.is_motion_offer(activity):
        await motions.offer_received(ctx.rt, ctx.signer, motions.parse_offer(activity))


@INBOUND.on("Read", "motion")
@INBOUND.on("Add", "motion")
@INBOUND.on("Accept", "motion")
@INBOUND.on("Reject", "motion")
async def motion_answered(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    answer = motions.parse_answer(activity)
    motion = await motions.motion_for_answer(ctx.rt, answer.refs)
    if motion is not None:
        await motions.answer_received(ctx.rt, ctx.signer, motion, answer)
