"""Motions (Anträge): drafted in a box, co-signed, submitted to a district council, answered.

The vocabulary, in ActivityStreams terms:
- submitting: the box sends `Offer` {object: the motion (an `Article` with civicKind "motion"),
  target: the council} to the council's inbox;
- received: the council answers `Read` {object: the Offer};
- on the agenda: `Add` {object: the motion, target: an `Event` (the session) with its startTime};
- decided: `Accept` or `Reject` {object: the Offer, content: the decision's text}.
A council is any Organization actor, here or on another instance.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from actors import remote
from outbox.send import send
from wecreate_fed import ld, sanitize, urls
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, NotFound, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import boxes as box_store
from wecreate_fed.store import civic as civic_store
from wecreate_fed.store import iso
from wecreate_fed.store.actors import Actor

from . import boxes, districts

PATH = "/motions/"
TITLE_MAX, TEXT_MAX, MAX_COSIGNERS = 200, 20_000, 500
STATES = ("draft", "submitted", "received", "on_agenda", "decided")


async def _council(rt: Runtime, ref: str) -> Actor:
    try:
        council = await remote.find_actor(rt, ref)
    except WeCreateError as e:
        raise BadRequest(f"council: cannot find {ref}: {e}")
    if council.type != "Organization":
        raise BadRequest("council must be an organisation (a district council run by the administration)")
    return council


def _validate(rt: Runtime, data: dict) -> dict:
    problems, clean = [], {}
    title = sanitize.plain_text(data.get("title") or "", TITLE_MAX + 1)
    if not title:
        problems.append("title is required")
    elif len(title) > TITLE_MAX:
        problems.append(f"title is longer than {TITLE_MAX} characters")
    clean["title"] = title
    for name in ("request", "reasoning"):
        value = data.get(name) or ""
        if not isinstance(value, str):
            problems.append(f"{name} must be text")
            value = ""
        if len(value) > TEXT_MAX:
            problems.append(f"{name} is longer than {TEXT_MAX} characters")
        clean[name] = value.strip()
    if not clean["request"]:
        problems.append("request is required: what should the council decide?")
    slug = data.get("district")
    clean["district_ap_id"] = None
    if slug:
        try:
            districts.by_slug(rt.config, slug)
            clean["district_ap_id"] = districts.district_ap_id(rt.config, slug)
        except BadRequest as e:
            problems.append(str(e))
    required = data.get("required_cosigners", 0)
    if isinstance(required, str) and required.isdigit():
        required = int(required)
    if not isinstance(required, int) or isinstance(required, bool) or not 0 <= required <= MAX_COSIGNERS:
        problems.append(f"required_cosigners must be a whole number from 0 to {MAX_COSIGNERS}")
        required = 0
    clean["required_cosigners"] = required
    if problems:
        raise BadRequest("; ".join(problems))
    return clean


async def draft(rt: Runtime, member: Actor, box_ref: str, data: dict) -> str:
    """A member starts a motion in a local box; returns its id."""
    box, _ = await boxes.local_box(rt, box_ref)
    if await boxes.role_of(rt, box, member) is None:
        raise Forbidden("only members of this box may draft motions")
    clean = _validate(rt, data)
    council = await _council(rt, data["council"]) if data.get("council") else None
    ap_id = f"{rt.config.base_url}{PATH}{uuid.uuid4()}"
    async with rt.db.transaction() as conn:
        await box_store.add_motion(
            conn, ap_id=ap_id, is_local=True, box_ap_id=box.ap_id, council_ap_id=council.ap_id if council else None,
            district_ap_id=clean["district_ap_id"], title=clean["title"], request=clean["request"],
            reasoning=clean["reasoning"], required_cosigners=clean["required_cosigners"], state="draft",
            created_by=member.ap_id)
    return ap_id


async def _local_motion(rt: Runtime, ap_id: str):
    motion = await box_store.get_motion(rt.db.reader, ap_id)
    if motion is None or not motion["is_local"]:
        raise NotFound(f"no motion {ap_id} here")
    box, _ = await boxes.local_box(rt, motion["box_ap_id"])
    return motion, box


async def _member_motion(rt: Runtime, member: Actor, ap_id: str):
    motion, box = await _local_motion(rt, ap_id)
    if await boxes.role_of(rt, box, member) is None:
        raise Forbidden("only members of the motion's box may do that")
    return motion, box


async def edit(rt: Runtime, member: Actor, ap_id: str, data: dict) -> int:
    """Members edit a draft; each edit is a revision, and co-signatures of the old text lapse."""
    motion, _ = await _member_motion(rt, member, ap_id)
    if motion["state"] != "draft":
        raise Conflict("a submitted motion can no longer be edited")
    current = {"title": motion["title"], "request": motion["request"], "reasoning": motion["reasoning"],
               "district": districts.slug_of(rt.config, motion["district_ap_id"] or ""),
               "required_cosigners": motion["required_cosigners"]}
    clean = _validate(rt, {**current, **{k: v for k, v in data.items() if k in current}})
    council_ap_id = motion["council_ap_id"]
    if data.get("council"):
        council_ap_id = (await _council(rt, data["council"])).ap_id
    async with rt.db.transaction() as conn:
        return await box_store.revise_motion(
            conn, motion["id"], title=clean["title"], request=clean["request"], reasoning=clean["reasoning"],
            council_ap_id=council_ap_id, district_ap_id=clean["district_ap_id"],
            required_cosigners=clean["required_cosigners"], editor_ap_id=member.ap_id)


async def cosign(rt: Runtime, member: Actor, ap_id: str) -> int:
    """A member co-signs the current text; returns the number of co-signers."""
    motion, _ = await _member_motion(rt, member, ap_id)
    if motion["state"] != "draft":
        raise Conflict("the motion was already submitted")
    async with rt.db.transaction() as conn:
        if not await box_store.add_cosigner(conn, motion["id"], member.ap_id):
            raise Conflict("you already co-signed this motion")
        return len(await box_store.list_cosigners(conn, motion["id"]))


async def withdraw_cosignature(rt: Runtime, member: Actor, ap_id: str) -> None:
    motion, _ = await _member_motion(rt, member, ap_id)
    if motion["state"] != "draft":
        raise Conflict("the motion was already submitted")
    async with rt.db.transaction() as conn:
        if not await box_store.delete_cosigner(conn, motion["id"], member.ap_id):
            raise NotFound("you have not co-signed this motion")


async def motion_document(rt: Runtime, motion) -> dict:
    cosigners = await box_store.list_cosigners(rt.db.reader, motion["id"])
    content = (f"<h2>Antrag</h2>{sanitize.markdown_to_html(motion['request'])}"
               f"<h2>Begründung</h2>{sanitize.markdown_to_html(motion['reasoning'])}")
    document = {
        "@context": ld.default_context(), "id": motion["ap_id"], "type": "Article", "civicKind": "motion",
        "name": motion["title"], "content": content,
        "source": {"content": f"{motion['request']}\n\n---\n\n{motion['reasoning']}", "mediaType": "text/markdown"},
        "attributedTo": motion["box_ap_id"], "audience": motion["box_ap_id"], "cosigners": cosigners,
        "civicStatus": motion["state"], "published": motion["submitted_at"] or motion["created_at"],
        "updated": motion["updated_at"], "url": motion["ap_id"],
    }
    if motion["council_ap_id"]:
        document["addressedTo"] = motion["council_ap_id"]
        document["to"] = [motion["council_ap_id"]]
    if motion["district_ap_id"]:
        document["district"] = motion["district_ap_id"]
    return document


async def submit(rt: Runtime, member: Actor, ap_id: str) -> str:
    """Send the motion to its council once it has enough co-signers; returns the Offer's id."""
    motion, box = await _member_motion(rt, member, ap_id)
    if motion["state"] != "draft":
        raise Conflict("the motion was already submitted")
    if not motion["council_ap_id"]:
        raise BadRequest("choose the council the motion is addressed to before submitting")
    cosigners = await box_store.list_cosigners(rt.db.reader, motion["id"])
    if len(cosigners) < motion["required_cosigners"]:
        raise BadRequest(f"the motion needs {motion['required_cosigners']} co-signers and has {len(cosigners)}")
    council = await _council(rt, motion["council_ap_id"])
    document = await motion_document(rt, {**dict(motion), "state": "submitted", "submitted_at": iso()})
    offer = {
        "@context": ld.default_context(), "id": urls.new_activity_id(rt.config), "type": "Offer",
        "actor": box.ap_id, "object": ld.without_context(document),
        "target": council.ap_id, "to": [council.ap_id],
    }
    async with rt.db.transaction() as conn:
        await box_store.set_motion_state(conn, motion["id"], "submitted", offer_ap_id=offer["id"])
    return await send(rt, box, offer)


# --- the council's side -------------------------------------------------------------------------

def is_motion_offer(activity: dict) -> bool:
    obj = activity.get("object")
    return activity.get("type") == "Offer" and isinstance(obj, dict) and obj.get("civicKind") == "motion"


async def offer_received(rt: Runtime, box: Actor, activity: dict) -> None:
    """A box sent a motion to one of our councils: keep it and confirm receipt (Read)."""
    council = await actors_store.get_actor_by_ap_id(rt.db.reader, ld.get_id(activity.get("target")) or "")
    if council is None or not council.is_local or council.type != "Organization":
        raise NotFound("the motion is not addressed to a council here")
    obj = activity["object"]
    if ld.get_id(obj.get("attributedTo")) != box.ap_id or urls.host_of(obj.get("id")) != urls.host_of(box.ap_id):
        raise BadRequest("a motion must be the sending box's own")
    source = obj.get("source") if isinstance(obj.get("source"), dict) else {}
    request_text, _, reasoning = (source.get("content") or "").partition("\n\n---\n\n")
    async with rt.db.transaction() as conn:
        await box_store.add_motion(
            conn, ap_id=obj["id"], is_local=False, box_ap_id=box.ap_id, council_ap_id=council.ap_id,
            district_ap_id=ld.get_id(obj.get("district")),
            title=sanitize.plain_text(obj.get("name"), TITLE_MAX) or "(ohne Titel)",
            request=request_text[:TEXT_MAX], reasoning=reasoning[:TEXT_MAX], required_cosigners=0,
            state="received", created_by=box.ap_id, offer_ap_id=activity["id"])
    await _answer(rt, council, obj["id"], "received")


async def _received_motion(rt: Runtime, council: Actor, motion_ap_id: str):
    # A box on this same instance shares the motion's row with its council here.
    motion = await box_store.get_motion(rt.db.reader, motion_ap_id)
    if motion is None or motion["council_ap_id"] != council.ap_id or motion["state"] == "draft":
        raise NotFound(f"no motion {motion_ap_id} was sent to {council.ap_id}")
    return motion


async def put_on_agenda(rt: Runtime, council: Actor, motion_ap_id: str, session_date: str,
                        session_name: str = "") -> str:
    """The council schedules the motion for a session (ISO date or date-time)."""
    try:
        datetime.fromisoformat(session_date)
    except (TypeError, ValueError):
        raise BadRequest("the session date must be an ISO date, like 2026-12-10 or 2026-12-10T18:00+01:00")
    await _received_motion(rt, council, motion_ap_id)
    return await _answer(rt, council, motion_ap_id, "on_agenda", agenda_date=session_date,
                         text=sanitize.plain_text(session_name, 200))


async def decide(rt: Runtime, council: Actor, motion_ap_id: str, *, accepted: bool, text: str = "") -> str:
    """The council's decision, with its reasons."""
    motion = await _received_motion(rt, council, motion_ap_id)
    if motion["state"] == "decided":
        raise Conflict("the motion was already decided")
    return await _answer(rt, council, motion_ap_id, "decided", decision="accepted" if accepted else "rejected",
                         text=sanitize.plain_text(text, TEXT_MAX))


async def _answer(rt: Runtime, council: Actor, motion_ap_id: str, kind: str, *, agenda_date: str | None = None,
                  decision: str | None = None, text: str = "") -> str:
    motion = await box_store.get_motion(rt.db.reader, motion_ap_id)
    activity = {"@context": ld.default_context(), "id": urls.new_activity_id(rt.config), "actor": council.ap_id,
                "to": [motion["box_ap_id"]], "published": iso()}
    offer_ref = {"id": motion["offer_ap_id"], "type": "Offer", "actor": motion["box_ap_id"], "object": motion_ap_id}
    if kind == "received":
        activity.update(type="Read", object=offer_ref)
    elif kind == "on_agenda":
        activity.update(type="Add", object=motion_ap_id,
                        target={"type": "Event", "name": text or "Sitzung des Stadtbezirksbeirats",
                                "startTime": agenda_date})
    else:
        activity.update(type="Accept" if decision == "accepted" else "Reject", object=offer_ref, content=text)
    async with rt.db.transaction() as conn:
        await box_store.add_answer(conn, motion["id"], kind=kind, activity_ap_id=activity["id"],
                                   agenda_date=agenda_date, decision=decision, text=text)
        await box_store.set_motion_state(conn, motion["id"], kind, agenda_date=agenda_date, decision=decision,
                                         decision_text=text if kind == "decided" else None)
    return await send(rt, council, activity)


# --- the box's side: answers arrive -------------------------------------------------------------

async def motion_for_answer_by_id(rt: Runtime, ap_id: str):
    """A motion submitted to a council (here or, for a box on this instance, drafted here), by its id."""
    motion = await box_store.get_motion(rt.db.reader, ap_id)
    return motion if motion is not None and motion["state"] != "draft" else None


async def motion_for_answer(rt: Runtime, activity: dict):
    """The local motion a council's Read / Add / Accept / Reject is about, or None."""
    obj = activity.get("object")
    refs = [ld.get_id(obj)]
    if isinstance(obj, dict):
        refs.append(ld.get_id(obj.get("object")))
    for ref in filter(None, refs):
        motion = await box_store.get_motion_by_offer(rt.db.reader, ref) or await box_store.get_motion(rt.db.reader, ref)
        if motion is not None and motion["is_local"]:
            return motion
    return None


async def answer_received(rt: Runtime, council: Actor, motion, activity: dict) -> None:
    """Record the council's answer on the motion and tell the box's local members."""
    if motion["council_ap_id"] != council.ap_id:
        raise Forbidden("only the council the motion was sent to may answer it")
    kind = {"Read": "received", "Add": "on_agenda", "Accept": "decided", "Reject": "decided"}[activity["type"]]
    agenda_date = decision = None
    text = sanitize.plain_text(activity.get("content") or "", TEXT_MAX)
    if kind == "on_agenda":
        target = activity.get("target") if isinstance(activity.get("target"), dict) else {}
        agenda_date = target.get("startTime") if isinstance(target.get("startTime"), str) else None
        text = sanitize.plain_text(target.get("name") or "", 200)
        if not agenda_date:
            raise BadRequest("an agenda answer needs the session's startTime")
    if kind == "decided":
        decision = "accepted" if activity["type"] == "Accept" else "rejected"
    async with rt.db.transaction() as conn:
        if not await box_store.add_answer(conn, motion["id"], kind=kind, activity_ap_id=activity["id"],
                                          agenda_date=agenda_date, decision=decision, text=text):
            return  # the same answer delivered twice
        # Answers may arrive out of order; the state only moves forward.
        if STATES.index(kind) > STATES.index(motion["state"]):
            await box_store.set_motion_state(conn, motion["id"], kind, agenda_date=agenda_date, decision=decision,
                                             decision_text=text if kind == "decided" else None)
        box = await actors_store.get_actor_by_ap_id(conn, motion["box_ap_id"])
        members = [a.id for _, a in await box_store.list_members(conn, box.id) if a.is_local]
        await civic_store.add_notifications(conn, members, kind=f"motion_{kind}", object_ap_id=motion["ap_id"],
                                            by_ap_id=council.ap_id, text=motion["title"])


async def view(rt: Runtime, ap_id: str, viewer: Actor | None) -> dict:
    """A motion with its revisions, co-signers and answers, for someone allowed to see its box."""
    motion, box = await _local_motion(rt, ap_id)
    _, row = await boxes.local_box(rt, box.ap_id)
    await boxes.require_view(rt, box, row, viewer)
    conn = rt.db.reader
    cosigners = await box_store.list_cosigners(conn, motion["id"])
    names = {}
    for ap_id in cosigners + [motion["council_ap_id"]] if motion["council_ap_id"] else cosigners:
        actor = await actors_store.get_actor_by_ap_id(conn, ap_id)
        if actor is not None and actor.name:
            names[ap_id] = actor.name
    return {"motion": motion, "box": box, "revisions": await box_store.list_revisions(conn, motion["id"]),
            "cosigners": cosigners, "names": names, "answers": await box_store.list_answers(conn, motion["id"])}
