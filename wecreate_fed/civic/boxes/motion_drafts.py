"""The box's side of motions: members draft, edit (each edit a revision), co-sign and submit them.

Drafts do not federate; each change is one transaction. Submitting writes the motion's new
state, the `Offer` to the council and its delivery in one transaction; a council on this
instance confirms receipt in the same one.
"""

from __future__ import annotations

from outbox.send import outgoing
from wecreate_fed import urls
from wecreate_fed.errors import Conflict, Forbidden, NotFound, Problems
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import motions as motion_store
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.motions import Motion

from .. import districts
from . import delivery, motion_answers, motion_documents, motion_validation
from .access import local_box, require_view, role_of


async def draft(rt: Runtime, member: Actor, box_ref: str, data: dict) -> str:
    """A member starts a motion in a local box; returns its id."""
    box, _ = await local_box(rt, box_ref)
    if await role_of(rt, box, member) is None:
        raise Forbidden("only members of this box may draft motions")
    problems = Problems()
    text = motion_validation.text(rt.config, data, problems)
    council = await motion_validation.council(rt, data["council"], problems) if data.get("council") else None
    problems.raise_if_any()
    ap_id = urls.motion_id(rt.config, urls.new_key())
    async with rt.db.transaction() as conn:
        await motion_store.add_motion(
            conn, ap_id=ap_id, is_local=True, box_ap_id=box.ap_id, council_ap_id=council.ap_id if council else None,
            district_ap_id=text.district_ap_id, title=text.title, request=text.request, reasoning=text.reasoning,
            required_cosigners=text.required_cosigners, state="draft", created_by=member.ap_id)
    return ap_id


async def _local_motion(rt: Runtime, ap_id: str) -> tuple[Motion, Actor]:
    motion = await motion_store.get_motion(rt.db.reader, ap_id)
    if motion is None or not motion.is_local:
        raise NotFound(f"no motion {ap_id} here")
    box, _ = await local_box(rt, motion.box_ap_id)
    return motion, box


async def _member_motion(rt: Runtime, member: Actor, ap_id: str) -> tuple[Motion, Actor]:
    motion, box = await _local_motion(rt, ap_id)
    if await role_of(rt, box, member) is None:
        raise Forbidden("only members of the motion's box may do that")
    return motion, box


def _still_draft(motion: Motion, message: str = "the motion was already submitted") -> None:
    if motion.state != "draft":
        raise Conflict(message, field="state", code="already_submitted")


async def edit(rt: Runtime, member: Actor, ap_id: str, data: dict) -> int:
    """Members edit a draft; each edit is a revision, and co-signatures of the old text lapse."""
    motion, _ = await _member_motion(rt, member, ap_id)
    _still_draft(motion, "a submitted motion can no longer be edited")
    current = {"title": motion.title, "request": motion.request, "reasoning": motion.reasoning,
               "district": districts.slug_of(rt.config, motion.district_ap_id or ""),
               "required_cosigners": motion.required_cosigners}
    problems = Problems()
    text = motion_validation.text(rt.config, {**current, **{k: v for k, v in data.items() if k in current}}, problems)
    council_ap_id = motion.council_ap_id
    if data.get("council"):
        council = await motion_validation.council(rt, data["council"], problems)
        council_ap_id = council.ap_id if council else council_ap_id
    problems.raise_if_any()
    async with rt.db.transaction() as conn:
        _still_draft(await motion_validation.current(conn, ap_id), "a submitted motion can no longer be edited")
        return await motion_store.revise_motion(
            conn, motion.id, title=text.title, request=text.request, reasoning=text.reasoning,
            council_ap_id=council_ap_id, district_ap_id=text.district_ap_id,
            required_cosigners=text.required_cosigners, editor_ap_id=member.ap_id)


async def cosign(rt: Runtime, member: Actor, ap_id: str) -> int:
    """A member co-signs the current text; returns the number of co-signers."""
    motion, _ = await _member_motion(rt, member, ap_id)
    async with rt.db.transaction() as conn:
        _still_draft(await motion_validation.current(conn, ap_id))
        if not await motion_store.add_cosigner(conn, motion.id, member.ap_id):
            raise Conflict("you already co-signed this motion", code="already_cosigned")
        return len(await motion_store.list_cosigners(conn, motion.id))


async def withdraw_cosignature(rt: Runtime, member: Actor, ap_id: str) -> None:
    motion, _ = await _member_motion(rt, member, ap_id)
    async with rt.db.transaction() as conn:
        _still_draft(await motion_validation.current(conn, ap_id))
        if not await motion_store.delete_cosigner(conn, motion.id, member.ap_id):
            raise NotFound("you have not co-signed this motion")


async def submit(rt: Runtime, member: Actor, ap_id: str) -> str:
    """Send the motion to its council once it has enough co-signers; returns the Offer's id."""
    motion, box = await _member_motion(rt, member, ap_id)
    motion_validation.submittable(motion, await motion_store.list_cosigners(rt.db.reader, motion.id))
    council = await motion_validation.council(rt, motion.council_ap_id or "")  # may fetch: before the transaction
    if council is None:
        raise NotFound(f"no council {motion.council_ap_id}", field="council")
    async with outgoing(rt) as out:
        # As it is now: submitted meanwhile (or by the attempt an interruption cut short), or edited.
        motion = await motion_validation.current(out.conn, ap_id)
        motion_validation.submittable(motion, await motion_store.list_cosigners(out.conn, motion.id))
        if motion.council_ap_id != council.ap_id:
            raise Conflict("the motion's council changed meanwhile; submit it again", field="council")
        offer_ap_id = urls.new_activity_id(rt.config)
        await motion_store.set_motion_state(out.conn, motion.id, "submitted", offer_ap_id=offer_ap_id)
        motion = await motion_validation.current(out.conn, ap_id)
        document = await motion_documents.motion_document(rt, motion, out.conn)
        await out.queue(box, motion_documents.offer(box, council, document, offer_ap_id), delivery.to_actor(council))
        if council.is_local:
            # The council is here: it has the motion (the same row) and confirms receipt at once.
            await motion_answers.answer_in(rt, out, council, box, motion, "received")
    return offer_ap_id


async def view(rt: Runtime, ap_id: str, viewer: Actor | None) -> dict:
    """A motion with its revisions, co-signers and answers, for someone allowed to see its box."""
    motion, box = await _local_motion(rt, ap_id)
    _, record = await local_box(rt, box.ap_id)
    await require_view(rt, box, record, viewer)
    conn = rt.db.reader
    cosigners = await motion_store.list_cosigners(conn, motion.id)
    names = {}
    for named in cosigners + ([motion.council_ap_id] if motion.council_ap_id else []):
        actor = await actors_store.get_actor_by_ap_id(conn, named)
        if actor is not None and actor.name:
            names[named] = actor.name
    return {"motion": motion, "box": box, "revisions": await motion_store.list_revisions(conn, motion.id),
            "cosigners": cosigners, "names": names, "answers": await motion_store.list_answers(conn, motion.id)}
