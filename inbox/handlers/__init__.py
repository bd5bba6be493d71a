"""Inbound handlers: one per (activity type, object kind), one small module per family.

`dispatch()` asks the civic resolver once what an activity is about and calls the one
handler registered for the pair in INBOUND, once `check_owner` made sure that whatever the
activity creates, changes or deletes is the signer's own as stored here and not deleted. A
handler gets a HandlerContext and the resolved Subject; every effect is idempotent, so a
handler that runs again after a crash changes nothing. Network look-ups happen before a
transaction opens.
"""

from __future__ import annotations

import logging

from wecreate_fed import ld
from wecreate_fed.civic import ownership
from wecreate_fed.civic.subjects import check_owner, subject_of
from wecreate_fed.errors import BadRequest
from wecreate_fed.store import lookup

# The families register their handlers on import.
from . import actors, boxes, events, flags, follows, ideas, motions, moves, notes, polls, reactions  # noqa: F401
from .context import HandlerContext, said_at
from .registry import INBOUND

log = logging.getLogger(__name__)


# Activities whose handlers read what another one about the same object writes (a Delete
# handled beside its Create, a relay's Remove beside its Announce, two answers to one motion,
# two Joins for an event's last seat): on PostgreSQL two inbox batches, or two worker
# processes, would otherwise handle them side by side, neither seeing the other's row.
ONE_AT_A_TIME = ("Create", "Update", "Delete", "Remove", "Add", "Announce", "Offer", "Read", "Accept", "Reject",
                 "Join", "Leave", "Undo")
# Activities an Undo takes back: held by their own id too (their Undo holds it as its object), and
# never taking effect once their actor undid them (its Undo overtook them).
UNDOABLE = ("Like", "Announce", "Follow", "Join")
# Joining and leaving one thing (an event, a box): the sender's own clock (`published`) says which
# came last. A Join whose delivery failed and came again after its Leave's is older, and changes nothing.
JOIN_OR_LEAVE = ("Join", "Leave")


def one_at_a_time(activity: dict) -> list[str]:
    """The ids (an undoable activity's own, the object's, an embedded activity's object's) whose
    activities the inbox handles one after the other: its unit holds them (`transaction(holding=…)`)
    until its batch commits, and the next one about them then sees what it wrote."""
    kind = ld.type_of(activity)
    names = [ld.get_id(activity)] if kind in UNDOABLE else []
    if kind in ONE_AT_A_TIME:
        obj = activity.get("object")
        names.append(ld.get_id(obj))
        if isinstance(obj, dict):
            names.append(ld.get_id(obj.get("object")))
    return [name for name in names if name]


async def dispatch(ctx: HandlerContext, activity: dict) -> None:
    """Run the one handler for what `activity` is about; an activity nobody handles is not for us."""
    activity_id = ld.get_id(activity)
    if activity_id and ld.type_of(activity) in UNDOABLE and await lookup.was_undone(
            ctx.rt.db.reader, activity_id, ctx.signer.ap_id):
        log.debug("%s was undone before it arrived", activity_id)
        return
    said = _join_or_leave(activity)
    if said is not None and await lookup.is_older_than_last_join_or_leave(ctx.rt.db.reader, *said, ctx.signer.ap_id):
        log.debug("%s is older than its actor's last Join or Leave of the same", activity_id)
        return
    subject = await subject_of(ctx.rt, activity, actor_ap_id=ctx.signer.ap_id)
    inner = subject.document
    if subject.type == "Undo" and inner is not None and ld.get_id(inner.get("actor")) not in (None, ctx.signer.ap_id):
        raise BadRequest("Undo of someone else's activity", field="object.actor", code="forbidden")
    await check_owner(ctx.rt, subject, ctx.signer.ap_id)
    handler = None if await _nothing_left_to_undo(ctx, subject) else INBOUND.get(subject)
    if handler is None:
        if ld.type_of(activity) is None:  # extension types only: refused for good, not retried
            raise BadRequest(f"none of the types {ld.types_of(activity)} is one this server understands",
                             field="type", code="unsupported")
        log.debug("no handler for %s about %s (%s)", subject.type, subject.kind, activity.get("id"))
    else:
        await handler(ctx, activity, subject)
    if subject.type == "Delete" and subject.kind != "actor" and subject.object_id:
        # Known or not (a Delete may overtake its Create), the id stays deleted.
        await ownership.bury(ctx.rt, subject.object_id, ctx.signer.ap_id)
    if said is not None:  # taken effect (or about nothing here): the last word of its actor on the object
        async with ctx.rt.db.transaction() as conn:
            await lookup.note_join_or_leave(conn, *said, ctx.signer.ap_id)
    if subject.type == "Undo" and subject.object_id:
        # Known or not (an Undo may overtake what it undoes), the activity stays undone.
        async with ctx.rt.db.transaction() as conn:
            await lookup.mark_undone(conn, subject.object_id, ctx.signer.ap_id)


async def _nothing_left_to_undo(ctx: HandlerContext, subject) -> bool:
    """An Undo of an activity its actor sent here, which no row holds: a newer Follow, Join or Like
    took its place (this Undo came late), it was undone or refused already, or it is still to be
    handled (and then never will be: its id is kept as undone). The handlers' match by actor and
    object (for servers that undo with a fresh id) must then not take back the newer one."""
    return subject.type == "Undo" and bool(subject.object_id) and await lookup.was_let_go(
        ctx.rt.db.reader, subject.object_id, ctx.signer.ap_id)


def _join_or_leave(activity: dict) -> tuple[str, str, str] | None:
    """A Join's or Leave's type, object id and `published` as stored times are (UTC text, sorting
    as time); None for any other activity, or one without both (it takes effect as it comes)."""
    kind = ld.type_of(activity)
    object_id = ld.get_id(activity.get("object"))
    if kind not in JOIN_OR_LEAVE or not object_id:
        return None
    moment = said_at(activity)
    return None if moment is None else (kind, object_id, moment)


__all__ = ["INBOUND", "HandlerContext", "dispatch", "one_at_a_time"]
