"""What an activity is about, resolved once, and the registries that map (activity type, kind) to one handler.

The inbox (activities from other servers) and the client-to-server outbox (a local
client's activities) both ask `subject_of()` what an activity concerns — an idea, an
event, a box, a motion, a post in a box, a vote in one of our polls, a plain note, an actor, or for Accept / Reject /
Undo the kind of activity answered (Follow, Join, Like, Announce) — and then call the one
handler registered for the pair, e.g. ("Like", "idea"), ("Accept", "Join"),
("Create", "box_post"). A pair nobody registered is not for us and is ignored (inbox) or
refused with a clear 400 (client).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from wecreate_fed import ld, urls
from wecreate_fed.runtime import Runtime
from wecreate_fed.store.lookup import what_is

from . import events, ideas, ownership

UNKNOWN = "unknown"
ANSWERS = ("Accept", "Reject", "Undo")


@dataclass(frozen=True)
class Subject:
    """The pair a handler is registered for, and what it is about."""

    type: str                    # the activity's type
    kind: str                    # idea, event, box, motion, box_post, note, actor, district, Follow, Join, …
    object_id: str | None        # the id of the activity's object
    document: dict | None        # the object as embedded in the activity, when it was

    @property
    def key(self) -> tuple[str, str]:
        return (self.type, self.kind)


activity_type = ld.understood_type  # (the name the handlers know it by)


async def subject_of(rt: Runtime, activity: dict, *, actor_ap_id: str) -> Subject:
    """Resolve what `activity` (sent by `actor_ap_id`) is about. Reads only; never fetches."""
    kind_of_activity = activity_type(activity)
    obj = activity.get("object")
    object_id = ld.get_id(obj)
    document = obj if isinstance(obj, dict) else None
    kind = await _kind(rt, kind_of_activity, activity, object_id, document, actor_ap_id)
    return Subject(kind_of_activity, kind, object_id, document)


async def _kind(rt: Runtime, type_: str, activity: dict, object_id: str | None, document: dict | None,
                actor_ap_id: str) -> str:
    if type_ in ANSWERS:
        return await _answered_kind(rt, type_, object_id, document)
    if type_ == "Flag":
        return "report"  # names an account and posts at once (moderation/reports.py reads them)
    if type_ in ("Read", "Add"):
        return "motion" if await _is_motion_ref(rt, object_id, document) else UNKNOWN
    if type_ == "Offer":
        return "motion" if isinstance(document, dict) and document.get("civicKind") == "motion" else UNKNOWN
    if type_ in ("Create", "Update"):
        if object_id is not None and object_id == actor_ap_id:
            return "actor"
        if type_ == "Update" or document is None or not ld.types_of(document):
            # What we already know it as (an Update may embed only the changed fields);
            # with only an id and nothing known, the handler fetches it.
            known = await _known_kind(rt, object_id)
            if known in ("idea", "event", "box_post", "note", "motion"):
                return known
            if document is None or not ld.types_of(document):
                return "note"
        if await _is_poll_vote(rt, document):
            return "poll_vote"  # Mastodon's vote: a Note named after an option, in reply to our Question
        if ideas.is_idea_document(document) or document.get("civicKind") not in (None, "motion"):
            return "idea"  # (an unknown civicKind too: refused by the idea's own checks)
        if events.is_event_document(document) or activity_type(document) == "Event":
            return "event"  # (a client's new Event has no id yet)
        if ld.ids(document.get("audience")) or ld.ids(activity.get("audience")) or any(
                _is_local_box_id(rt, a) for a in ld.addressees(document) | ld.addressees(activity)):
            return "box_post"
        return "note"
    if type_ == "Delete":
        if object_id is not None and object_id == actor_ap_id:
            return "actor"
        return await _known_kind(rt, object_id) or UNKNOWN
    if type_ == "Announce" and isinstance(document, dict) and activity_type(document) in ("Create", "Update"):
        return "box_post"  # a box relaying a member's activity (FEP-1b12)
    if type_ == "Remove":
        return "box_post"
    known = await _known_kind(rt, object_id)
    if type_ in ("Like", "Announce"):
        if known is None and object_id and not urls.is_local(rt.config, object_id):
            return "remote_object"  # e.g. a followed district boosting an idea we do not have yet
        return known or UNKNOWN
    if type_ in ("Follow", "Join", "Leave"):
        if known in ("box", "event", "actor", "district"):
            return known
        return "actor" if known is None and object_id and not urls.is_local(rt.config, object_id) else (known or UNKNOWN)
    return known or UNKNOWN


async def _answered_kind(rt: Runtime, type_: str, object_id: str | None, document: dict | None) -> str:
    """For Accept / Reject / Undo: the kind of activity answered (Follow, Join, Like, …) or 'motion'."""
    if type_ != "Undo" and await _is_motion_ref(rt, object_id, document):
        return "motion"
    inner = activity_type(document) if document is not None else ""
    if inner:
        return inner
    known = await _known_kind(rt, object_id)
    if known is not None and known.startswith("activity:"):
        known = known.split(":", 1)[1]
    return known or UNKNOWN


async def _is_motion_ref(rt: Runtime, object_id: str | None, document: dict | None) -> bool:
    refs = [object_id]
    if document is not None:
        refs.append(ld.get_id(document.get("object")))
        if activity_type(document) == "Offer" and isinstance(document.get("object"), dict):
            if document["object"].get("civicKind") == "motion":
                return True
    for ref in refs:
        if ref and await _known_kind(rt, ref) == "motion":
            return True
    return False


async def _is_poll_vote(rt: Runtime, document: dict) -> bool:
    if activity_type(document) != "Note" or not isinstance(document.get("name"), str):
        return False
    reply_to = ld.get_id(document.get("inReplyTo"))
    return bool(reply_to and urls.is_local(rt.config, reply_to) and await _known_kind(rt, reply_to) == "poll")


def _is_local_box_id(rt: Runtime, ap_id: str) -> bool:
    local = urls.parse(rt.config, ap_id)
    return local is not None and local.kind == "box" and not local.rest


async def _known_kind(rt: Runtime, ap_id: str | None) -> str | None:
    return await what_is(rt.db.reader, ap_id) if ap_id else None


def claims(subject: Subject, actor_ap_id: str) -> list[tuple[str, str, str]]:
    """(verb, object id, actor) for each change of an object the activity makes, relayed ones included."""
    found = []
    if subject.object_id and subject.type in ownership.CHANGES and (subject.type != "Offer" or subject.kind == "motion"):
        found.append((subject.type, subject.object_id, actor_ap_id))
    inner = subject.document
    if subject.type == "Announce" and inner is not None and activity_type(inner) in ("Create", "Update"):
        # A box relaying a member's activity (FEP-1b12): the member must own what it changes.
        inner_object, inner_actor = ld.get_id(inner.get("object")), ld.get_id(inner.get("actor"))
        if inner_object and inner_actor:
            found.append((activity_type(inner), inner_object, inner_actor))
    return found


async def check_owner(rt: Runtime, subject: Subject, actor_ap_id: str, *, moderator: bool = False) -> None:
    """Before any handler runs: every object the activity creates, changes or deletes is the actor's own
    as stored here (Forbidden), and none was deleted (Gone). See ownership."""
    for verb, object_id, actor in claims(subject, actor_ap_id):
        await ownership.check_change(rt.db.reader, verb, object_id, actor, moderator=moderator)


Handler = Callable[..., Awaitable[Any]]


class Registry:
    """(activity type, kind) → the one handler for it. Registering a pair twice is a bug."""

    def __init__(self, name: str):
        self.name = name
        self.handlers: dict[tuple[str, str], Handler] = {}

    def on(self, type_: str, *kinds: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for kind in kinds:
                if (type_, kind) in self.handlers:
                    raise RuntimeError(f"{self.name}: ({type_}, {kind}) is registered twice")
                self.handlers[(type_, kind)] = handler
            return handler
        return register

    def get(self, subject: Subject) -> Handler | None:
        return self.handlers.get(subject.key)
