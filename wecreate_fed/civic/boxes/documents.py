"""The ActivityStreams documents boxes send: the Group actor, posts, relays (FEP-1b12), invitations,
removals and changes of moderators."""

from __future__ import annotations

from actors.documents import local_actor_document
from outbox import activities
from wecreate_fed import ld, urls
from wecreate_fed.config import Config
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection
from wecreate_fed.store import boxes as box_store
from wecreate_fed.store.actors import Actor

from .access import local_box


async def box_document(rt: Runtime, box: Actor, conn: Connection | None = None) -> dict:
    """The Group actor document with the box's profile, members and moderators collections.

    Read on `conn` when given, so a command can send the document it is changing in its own transaction.
    """
    conn = conn or rt.db.reader
    box, record = await local_box(rt, box.ap_id, conn)
    document = await local_actor_document(conn, box)
    document.update({
        "attributedTo": moderators_id(box),   # FEP-1b12: moderators are listed here
        "postingRestrictedToMods": False,
        "category": "box",
        "visibility": record.visibility,
        "problem": record.problem, "purpose": record.purpose, "goals": record.goals,
        "skillsSought": record.skills_sought, "partners": record.partners, "supportSought": record.support_sought,
        "meetingTime": record.meeting_time, "meetingPlace": record.meeting_place,
        "implements": await box_store.list_linked_ideas(conn, box.id),
    })
    if record.meeting_event_ap_id:
        document["meetingEvent"] = record.meeting_event_ap_id
    if record.district_slug:
        document["district"] = urls.district_id(rt.config, record.district_slug)
    return document


def moderators_id(box: Actor) -> str:
    return f"{box.ap_id}/moderators"


def new_post(config: Config, member: Actor, box: Actor, content: str,
             in_reply_to: str | None) -> tuple[dict, dict]:
    """A member's post to a box: (the Note, its Create), both with the box as `audience`."""
    note = activities.note(config, member, content, to=[box.ap_id],
                           cc=[box.followers_url] if box.followers_url else [], in_reply_to=in_reply_to)
    note["audience"] = box.ap_id
    create = activities.create(config, member, note)
    create["audience"] = box.ap_id
    return note, create


def relay(config: Config, box: Actor, activity: dict, *, private: bool) -> dict:
    """The box announces a member's activity, unchanged (FEP-1b12, as Lemmy reads it)."""
    return {
        "@context": ld.default_context(), "id": urls.new_activity_id(config), "type": "Announce",
        "actor": box.ap_id,
        # A member's proof covers its @context: such an activity is relayed whole, so it still verifies.
        "object": activity if "proof" in activity else {k: v for k, v in activity.items() if k != "@context"},
        "audience": box.ap_id,
        "to": [box.followers_url] if private else [ld.PUBLIC], "cc": [] if private else [box.followers_url],
    }


def boost(config: Config, box: Actor, object_id: str) -> dict:
    """Mastodon resolves an Announce by its object's id and cannot show an announced activity:
    a public box boosts the post itself too, so Mastodon followers see it."""
    return activities.announce(config, box, object_id, None)


def invitation(config: Config, box: Actor, invitee: Actor) -> dict:
    return {"@context": ld.default_context(), "id": urls.new_activity_id(config), "type": "Invite",
            "actor": box.ap_id, "object": box.ap_id, "target": invitee.ap_id, "to": [invitee.ap_id]}


def removal(config: Config, box: Actor, post_ap_id: str) -> dict:
    return {"@context": ld.default_context(), "id": urls.new_activity_id(config), "type": "Remove",
            "actor": box.ap_id, "object": post_ap_id, "target": f"{box.ap_id}/outbox", "audience": box.ap_id}


def moderators_changed(config: Config, box: Actor, member: Actor, *, added: bool) -> dict:
    """Add to or Remove from the moderators collection (as Lemmy tells a group's moderators)."""
    return {"@context": ld.default_context(), "id": urls.new_activity_id(config),
            "type": "Add" if added else "Remove", "actor": box.ap_id, "object": member.ap_id,
            "target": moderators_id(box), "audience": box.ap_id}


def request_of(box: Actor, member: Actor, request_ap_id: str | None, type_: str = "Follow") -> dict:
    """The Follow (or Join) a member asked with, as an Accept or Reject embeds it."""
    return {"id": request_ap_id or f"{member.ap_id}#follow", "type": type_, "actor": member.ap_id,
            "object": box.ap_id}


def to_members(box: Actor, activity: dict) -> dict:
    """Addressed to the box's followers collection (its members), which is where it is delivered."""
    to = [a for a in ld.as_list(activity.get("to")) if a != box.followers_url]
    cc = [a for a in ld.as_list(activity.get("cc")) if a != box.followers_url]
    return {**activity, "to": to, "cc": cc + [box.followers_url]}
