"""The ActivityStreams side of motions: the motion as an `Article`, the box's `Offer` of it to a
council, the council's answers (`Read`, `Add` to a session, `Accept` / `Reject`), and what
arrives of them parsed into records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wecreate_fed import ld, sanitize, urls
from wecreate_fed.config import Config
from wecreate_fed.errors import BadRequest
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection, iso
from wecreate_fed.store import motions as motion_store
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.motions import Motion

from .motion_validation import TEXT_MAX, TITLE_MAX

ANSWER_KINDS = {"Read": "received", "Add": "on_agenda", "Accept": "decided", "Reject": "decided"}
SOURCE_SEPARATOR = "\n\n---\n\n"  # between the request and the reasoning in the Markdown source


@dataclass(frozen=True)
class IncomingMotion:
    """A motion a box offered to one of our councils."""

    ap_id: str
    offer_ap_id: str
    council_ap_id: str | None
    attributed_to: str | None
    district_ap_id: str | None
    title: str
    request: str
    reasoning: str


@dataclass(frozen=True)
class CouncilAnswer:
    """A council's answer to a motion, and the ids it may refer to the motion by (the Offer's, the motion's)."""

    activity_ap_id: str
    kind: str                    # received, on_agenda, decided
    agenda_date: str | None
    decision: str | None         # accepted, rejected
    text: str
    refs: tuple[str, ...]


async def motion_document(rt: Runtime, motion: Motion, conn: Connection | None = None) -> dict:
    cosigners = await motion_store.list_cosigners(conn or rt.db.reader, motion.id)
    content = (f"<h2>Antrag</h2>{sanitize.markdown_to_html(motion.request)}"
               f"<h2>Begründung</h2>{sanitize.markdown_to_html(motion.reasoning)}")
    document = {
        "@context": ld.default_context(), "id": motion.ap_id, "type": "Article", "civicKind": "motion",
        "name": motion.title, "content": content,
        "source": {"content": f"{motion.request}{SOURCE_SEPARATOR}{motion.reasoning}", "mediaType": "text/markdown"},
        "attributedTo": motion.box_ap_id, "audience": motion.box_ap_id, "cosigners": cosigners,
        "civicStatus": motion.state, "published": motion.submitted_at or motion.created_at,
        "updated": motion.updated_at, "url": motion.ap_id,
    }
    if motion.council_ap_id:
        document["addressedTo"] = motion.council_ap_id
        document["to"] = [motion.council_ap_id]
    if motion.district_ap_id:
        document["district"] = motion.district_ap_id
    return document


def offer(box: Actor, council: Actor, document: dict, offer_ap_id: str) -> dict:
    return {"@context": ld.default_context(), "id": offer_ap_id, "type": "Offer", "actor": box.ap_id,
            "object": {k: v for k, v in document.items() if k != "@context"},
            "target": council.ap_id, "to": [council.ap_id]}


def answer(config: Config, council: Actor, motion: Motion, kind: str, *, agenda_date: str | None = None,
           decision: str | None = None, text: str = "") -> dict:
    """The council's answer to the box: Read (received), Add (on a session's agenda), Accept / Reject."""
    activity: dict[str, Any] = {"@context": ld.default_context(), "id": urls.new_activity_id(config),
                                "actor": council.ap_id, "to": [motion.box_ap_id], "published": iso()}
    offer_ref = {"id": motion.offer_ap_id, "type": "Offer", "actor": motion.box_ap_id, "object": motion.ap_id}
    if kind == "received":
        activity.update(type="Read", object=offer_ref)
    elif kind == "on_agenda":
        activity.update(type="Add", object=motion.ap_id,
                        target={"type": "Event", "name": text or "Sitzung des Stadtbezirksbeirats",
                                "startTime": agenda_date})
    else:
        activity.update(type="Accept" if decision == "accepted" else "Reject", object=offer_ref, content=text)
    return activity


def is_motion_offer(activity: dict) -> bool:
    obj = activity.get("object")
    return ld.understood_type(activity) == "Offer" and isinstance(obj, dict) and obj.get("civicKind") == "motion"


def parse_offer(activity: dict) -> IncomingMotion:
    obj = activity.get("object")
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        raise BadRequest("the Offer carries no motion with an id", field="object", code="required")
    source = obj.get("source")
    content = source.get("content") if isinstance(source, dict) else None
    content = content if isinstance(content, str) else ""
    request_text, _, reasoning = content.partition(SOURCE_SEPARATOR)
    return IncomingMotion(
        ap_id=obj["id"], offer_ap_id=activity["id"], council_ap_id=ld.get_id(activity.get("target")),
        attributed_to=ld.get_id(obj.get("attributedTo")), district_ap_id=ld.get_id(obj.get("district")),
        title=sanitize.plain_text(obj.get("name"), TITLE_MAX) or "(ohne Titel)",
        request=request_text[:TEXT_MAX], reasoning=reasoning[:TEXT_MAX])


def parse_answer(activity: dict) -> CouncilAnswer:
    type_ = ld.understood_type(activity)
    kind = ANSWER_KINDS.get(type_)
    if kind is None:
        raise BadRequest("not an answer to a motion", field="type")
    agenda_date = decision = None
    text = sanitize.plain_text(activity.get("content") or "", TEXT_MAX)
    if kind == "on_agenda":
        target = activity.get("target")
        target = target if isinstance(target, dict) else {}
        agenda_date = target.get("startTime") if isinstance(target.get("startTime"), str) else None
        text = sanitize.plain_text(target.get("name") or "", 200)
        if not agenda_date:
            raise BadRequest("an agenda answer needs the session's startTime", field="target.startTime",
                             code="required")
    if kind == "decided":
        decision = "accepted" if type_ == "Accept" else "rejected"
    obj = activity.get("object")
    refs = [ld.get_id(obj)] + ([ld.get_id(obj.get("object"))] if isinstance(obj, dict) else [])
    return CouncilAnswer(activity["id"], kind, agenda_date, decision, text, tuple(r for r in refs if r))
