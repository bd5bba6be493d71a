"""Builders: one function per activity type, each returning the dict we send."""

from __future__ import annotations

from wecreate_fed import ld, urls
from wecreate_fed.config import Config
from wecreate_fed.store import iso
from wecreate_fed.store.actors import Actor


def _activity(config: Config, actor: Actor, type_: str, object_, *, to=(), cc=()) -> dict:
    activity = {
        "@context": ld.default_context(),
        "id": urls.new_activity_id(config),
        "type": type_,
        "actor": actor.ap_id,
        "object": object_,
        "published": iso(),
    }
    if to:
        activity["to"] = list(to)
    if cc:
        activity["cc"] = list(cc)
    return activity


def follow(config: Config, actor: Actor, target: Actor) -> dict:
    return _activity(config, actor, "Follow", target.ap_id, to=[target.ap_id])


def accept(config: Config, actor: Actor, request: dict, requester_id: str) -> dict:
    """Accept a Follow (or Join); the request is embedded, as Mastodon expects."""
    return _activity(config, actor, "Accept", ld.without_context(request), to=[requester_id])


def reject(config: Config, actor: Actor, request: dict, requester_id: str) -> dict:
    return _activity(config, actor, "Reject", ld.without_context(request), to=[requester_id])


def undo(config: Config, actor: Actor, original: dict) -> dict:
    return _activity(config, actor, "Undo", ld.without_context(original),
                     to=original.get("to", []), cc=original.get("cc", []))


def move(config: Config, actor: Actor, target_ap_id: str) -> dict:
    """The actor moves itself to `target_ap_id` (FEP-7628), to its followers, whose servers then follow the target."""
    activity = _activity(config, actor, "Move", actor.ap_id, to=[actor.followers_url] if actor.followers_url else ())
    activity["target"] = target_ap_id
    return activity


def like(config: Config, actor: Actor, object_id: str, object_owner_id: str) -> dict:
    return _activity(config, actor, "Like", object_id, to=[object_owner_id])


def announce(config: Config, actor: Actor, object_id: str, object_owner_id: str | None) -> dict:
    """A share (boost); the owner is told unless None (a district or instance relaying its own city's news)."""
    cc = [actor.followers_url] + ([object_owner_id] if object_owner_id else [])
    return _activity(config, actor, "Announce", object_id, to=[ld.PUBLIC], cc=cc)


def create(config: Config, actor: Actor, obj: dict) -> dict:
    """Wrap an object in Create, with the object's own addressing (Mastodon copies it too)."""
    return _activity(config, actor, "Create", obj, to=obj.get("to", []), cc=obj.get("cc", []))


def update(config: Config, actor: Actor, obj: dict) -> dict:
    return _activity(config, actor, "Update", obj, to=obj.get("to", []), cc=obj.get("cc", []))


def collection_change(config: Config, actor: Actor, type_: str, object_id: str, target: str, *, to=(), cc=()) -> dict:
    """Add or Remove of an object in one of the actor's collections (`featured`: a pin, as Mastodon sends it)."""
    activity = _activity(config, actor, type_, object_id, to=to, cc=cc)
    activity["target"] = target
    return activity


def delete(config: Config, actor: Actor, object_id: str, *, to=(ld.PUBLIC,), cc=()) -> dict:
    """A Delete, public unless told otherwise (`to=()`: a non-public object's goes to its recipients only)."""
    tombstone = {"id": object_id, "type": "Tombstone"}
    return _activity(config, actor, "Delete", tombstone, to=to, cc=cc)


def note(config: Config, actor: Actor, content_html: str, *, to, cc=(), in_reply_to: str | None = None) -> dict:
    obj = {
        "id": urls.new_object_id(config),
        "type": "Note",
        "attributedTo": actor.ap_id,
        "content": content_html,
        "published": iso(),
        "to": list(to),
        "cc": list(cc),
    }
    if in_reply_to:
        obj["inReplyTo"] = in_reply_to
    return obj
