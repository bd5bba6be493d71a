"""The council's side of motions (receiving them, putting them on an agenda, deciding) and the box's
side of the answers.

Each answer is its state change, its answer record and the answer activity in one
transaction. A box on this instance shares its motion's row with the council here: its
members are told at once, and nothing goes through our own inbox.
"""

from __future__ import annotations

from datetime import datetime

from actors import remote
from outbox.send import Outgoing, outgoing
from wecreate_fed import sanitize, urls
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, NotFound
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection, notifications
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import boxes as box_store
from wecreate_fed.store import motions as motion_store
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.motions import Motion

from . import delivery, motion_documents, motion_validation
from .motion_documents import CouncilAnswer, IncomingMotion
from .motion_validation import STATES, TEXT_MAX

# The states a council's answer moves a motion from: receipt only from before it, the agenda (again,
# for another session) and the decision from anything not yet decided.
_MOVES_FROM = {"received": STATES[:STATES.index("received") + 1], "on_agenda": STATES[:-1], "decided": STATES[:-1]}


async def answer_in(rt: Runtime, out: Outgoing, council: Actor, box: Actor, motion: Motion, kind: str, *,
                    agenda_date: str | None = None, decision: str | None = None, text: str = "") -> str:
    """Record the council's answer and queue it to the box, in the caller's transaction; its id."""
    activity = motion_documents.answer(rt.config, council, motion, kind, agenda_date=agenda_date,
                                       decision=decision, text=text)
    await motion_store.add_answer(out.conn, motion.id, kind=kind, activity_ap_id=activity["id"],
                                  agenda_date=agenda_date, decision=decision, text=text)
    # Nothing moves a decided motion (two decisions sent side by side cannot both pass the
    # caller's check; an agenda after the decision would move it back). A receipt, confirmed once
    # with the Offer's arrival, has nothing to refuse.
    if not await motion_store.set_motion_state(out.conn, motion.id, kind, agenda_date=agenda_date, decision=decision,
                                               decision_text=text if kind == "decided" else None,
                                               only_from=_MOVES_FROM[kind]) and kind != "received":
        raise Conflict("the motion was already decided", field="motion", code="already_decided")
    if box.is_local:
        await _tell_box_members(out.conn, box, motion, kind, council)
    return await out.queue(council, activity, delivery.to_actor(box))


async def offer_received(rt: Runtime, box: Actor, incoming: IncomingMotion) -> None:
    """A box sent a motion to one of our councils: keep it and confirm receipt (Read), together."""
    council = await actors_store.get_actor_by_ap_id(rt.db.reader, incoming.council_ap_id or "")
    if council is None or not council.is_local or council.type != "Organization":
        raise NotFound("the motion is not addressed to a council here", field="target")
    if incoming.attributed_to != box.ap_id or not urls.same_origin(incoming.ap_id, box.ap_id):
        raise BadRequest("a motion must be the sending box's own", field="object.attributedTo")
    async with outgoing(rt) as out:
        _, new = await motion_store.add_motion(
            out.conn, ap_id=incoming.ap_id, is_local=False, box_ap_id=box.ap_id, council_ap_id=council.ap_id,
            district_ap_id=incoming.district_ap_id, title=incoming.title, request=incoming.request,
            reasoning=incoming.reasoning, required_cosigners=0, state="received", created_by=box.ap_id,
            offer_ap_id=incoming.offer_ap_id)
        if new:  # the same Offer delivered again is confirmed once
            motion = await motion_validation.current(out.conn, incoming.ap_id)
            await answer_in(rt, out, council, box, motion, "received")


async def _received_motion(rt: Runtime, council: Actor, motion_ap_id: str, conn: Connection | None = None) -> Motion:
    # A box on this same instance shares the motion's row with its council here.
    motion = await motion_store.get_motion(conn or rt.db.reader, motion_ap_id)
    if motion is None or motion.council_ap_id != council.ap_id or motion.state == "draft":
        raise NotFound(f"no motion {motion_ap_id} was sent to {council.ap_id}", field="motion")
    return motion


async def put_on_agenda(rt: Runtime, council: Actor, motion_ap_id: str, session_date: str,
                        session_name: str = "") -> str:
    """The council schedules the motion for a session (ISO date or date-time)."""
    try:
        datetime.fromisoformat(session_date)
    except (TypeError, ValueError):
        raise BadRequest("the session date must be an ISO date, like 2026-12-10 or 2026-12-10T18:00+01:00",
                         field="session_date", code="datetime") from None
    return await _answer(rt, council, motion_ap_id, "on_agenda", agenda_date=session_date,
                         text=sanitize.plain_text(session_name, 200))


async def decide(rt: Runtime, council: Actor, motion_ap_id: str, *, accepted: bool, text: str = "") -> str:
    """The council's decision, with its reasons."""
    return await _answer(rt, council, motion_ap_id, "decided", decision="accepted" if accepted else "rejected",
                         text=sanitize.plain_text(text, TEXT_MAX))


async def _answer(rt: Runtime, council: Actor, motion_ap_id: str, kind: str, **answer) -> str:
    motion = await _received_motion(rt, council, motion_ap_id)
    box = await remote.get_actor(rt, motion.box_ap_id)  # known: it sent the Offer (or is here)
    async with outgoing(rt) as out:
        motion = await _received_motion(rt, council, motion_ap_id, out.conn)
        if kind == "decided" and motion.state == "decided":
            raise Conflict("the motion was already decided", field="motion", code="already_decided")
        return await answer_in(rt, out, council, box, motion, kind, **answer)


# --- the box's side: answers arrive -------------------------------------------------------------

async def motion_for_answer(rt: Runtime, refs: tuple[str, ...]) -> Motion | None:
    """The local motion a council's answer refers to (by its Offer's id or its own), or None."""
    for ref in refs:
        motion = (await motion_store.get_motion_by_offer(rt.db.reader, ref)
                  or await motion_store.get_motion(rt.db.reader, ref))
        if motion is not None and motion.is_local:
            return motion
    return None


async def answer_received(rt: Runtime, council: Actor, motion: Motion, answer: CouncilAnswer) -> None:
    """Record the council's answer on the motion and tell the box's local members."""
    if motion.council_ap_id != council.ap_id:
        raise Forbidden("only the council the motion was sent to may answer it")
    async with rt.db.transaction() as conn:
        if not await motion_store.add_answer(conn, motion.id, kind=answer.kind, activity_ap_id=answer.activity_ap_id,
                                             agenda_date=answer.agenda_date, decision=answer.decision,
                                             text=answer.text):
            return  # the same answer delivered twice
        # Answers may arrive out of order, and be handled side by side: the state only moves forward.
        await motion_store.set_motion_state(conn, motion.id, answer.kind, agenda_date=answer.agenda_date,
                                            decision=answer.decision,
                                            decision_text=answer.text if answer.kind == "decided" else None,
                                            only_from=STATES[:STATES.index(answer.kind)])
        box = await actors_store.get_actor_by_ap_id(conn, motion.box_ap_id)
        if box is not None:
            await _tell_box_members(conn, box, motion, answer.kind, council)


async def _tell_box_members(conn: Connection, box: Actor, motion: Motion, kind: str, council: Actor) -> None:
    members = [a.id for _, a in await box_store.list_members(conn, box.id) if a.is_local]
    await notifications.add(conn, members, kind=f"motion_{kind}", object_ap_id=motion.ap_id, by_ap_id=council.ap_id,
                            params={"title": motion.title, "council": council.name or council.handle})
