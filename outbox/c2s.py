"""ActivityPub client-to-server, the generic part: plain notes, follows, reactions, their Undo.

The client routes (wecreate_fed/civic/client.py) resolve what a client activity is about
and call one of these for what is not an idea, event, box or motion: Create of a Note,
Follow, Undo (of the actor's own Follow, Like or Announce), Like, Announce, Delete (of the
actor's own object), and Accept / Reject of a follow request to the actor. Ids, actor,
attribution and publication time are assigned here, never taken from the client.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from actors import remote
from wecreate_fed import ld, sanitize, urls
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, NotFound, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection, iso, social
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store.actors import Actor

from . import activities
from .send import outgoing, resolve_recipients

# Tuples, not sets: a client's "type" may be a list, which `in` a set raises TypeError on (a 500).
OBJECT_TYPES = ("Note",)
ACTIVITY_TYPES = ("Create", "Follow", "Undo", "Like", "Announce", "Delete", "Accept", "Reject")
MAX_CONTENT = 50_000


async def create_note(rt: Runtime, actor: Actor, body: dict, *,
                      also: Callable[[Connection], Awaitable[None]] | None = None) -> str:
    """A Note from a client; `also` runs in the same transaction (a comment counted on its idea)."""
    obj = body.get("object")
    if not isinstance(obj, dict) or ld.type_of(obj, OBJECT_TYPES) is None:
        raise BadRequest(f"Create needs an embedded object of type {', '.join(sorted(OBJECT_TYPES))}",
                         field="object.type", code="unsupported")
    content = obj.get("content")
    if not isinstance(content, str) or not content.strip():
        raise BadRequest("a Note needs non-empty content")
    if len(content) > MAX_CONTENT:
        raise BadRequest(f"content is longer than {MAX_CONTENT} characters")
    # Addressing means what the client said (AP §6): the activity's and the object's recipients
    # together; the public default only when it said nothing, an explicit `to: [], cc: []` is
    # the author alone. bto / bcc are delivered to and never shown (queue_activity strips them).
    said = ld.has_addressing(body, obj)
    addressing = ld.merged_addressing(body, obj)
    to, cc = addressing["to"] or ([] if said else [ld.PUBLIC]), addressing["cc"]
    if any(ld.is_public_id(t) for t in to + cc) and actor.followers_url and actor.followers_url not in to + cc:
        cc.append(actor.followers_url)
    in_reply_to = ld.get_id(obj.get("inReplyTo"))
    note = activities.note(rt.config, actor, sanitize.clean_html(content), to=to, cc=cc, in_reply_to=in_reply_to)
    if isinstance(obj.get("summary"), str) and obj["summary"].strip():
        note["summary"] = sanitize.plain_text(obj["summary"], 500)  # a content warning, as Mastodon shows it
    if in_reply_to and (to or cc or addressing["bto"] or addressing["bcc"]):
        # Make sure the author of what we reply to receives the reply (not for a post to nobody).
        parent_owner = await _object_owner(rt, in_reply_to, required=False)
        if parent_owner and parent_owner not in note["to"] + note["cc"]:
            note["cc"].append(parent_owner)
    activity = activities.create(rt.config, actor, note)
    for field in ld.BLIND_FIELDS:
        if addressing[field]:
            activity[field] = addressing[field]
    recipients = await resolve_recipients(rt, actor, activity)
    async with outgoing(rt) as out:
        await social.add_object(out.conn, ap_id=note["id"], type="Note", actor_id=actor.id, is_local=True,
                                content=note["content"], is_public=ld.is_public(note), data=note,
                                in_reply_to=in_reply_to, published=note["published"])
        if also is not None:
            await also(out.conn)
        return await out.queue(actor, activity, recipients)


async def follow(rt: Runtime, actor: Actor, body: dict) -> str:
    target_ref = ld.get_id(body.get("object"))
    if not target_ref:
        raise BadRequest("Follow needs an object: the id of the actor to follow")
    target = await _resolve_actor(rt, target_ref)
    if target.ap_id == actor.ap_id:
        raise BadRequest("an actor cannot follow itself")
    activity = activities.follow(rt.config, actor, target)
    recipients = await resolve_recipients(rt, actor, activity)
    async with outgoing(rt) as out:
        await social.add_follow(out.conn, actor.id, target.id, activity["id"], accepted=False)
        return await out.queue(actor, activity, recipients)


async def undone_id(rt: Runtime, actor: Actor, body: dict) -> str | None:
    """The id of the activity an Undo names: given, or for an embedded Like / Announce without one
    (a client that read its `liked` collection) the actor's own reaction to that object."""
    obj = body.get("object")
    found = ld.get_id(obj)
    kind = ld.type_of(obj, ("Like", "Announce"))
    if found is None and kind and isinstance(obj, dict) and (target := ld.get_id(obj.get("object"))):
        reaction = await social.get_reaction(rt.db.reader, kind, actor.id, target)
        found = reaction["activity_ap_id"] if reaction is not None else None
    return found


async def undo(rt: Runtime, actor: Actor, body: dict) -> str:
    original_id = await undone_id(rt, actor, body)
    if not original_id:
        raise BadRequest("Undo needs an object: the id of an earlier activity of yours")
    row = await social.get_activity(rt.db.reader, original_id)
    if row is None:
        raise NotFound(f"no activity {original_id} to undo")
    if row["actor_id"] != actor.id:
        raise Forbidden("you can only undo your own activities")
    original = json.loads(row["data"])
    if original["type"] not in ("Follow", "Like", "Announce"):
        raise BadRequest(f"a {original['type']} cannot be undone; Delete the object instead")
    activity = activities.undo(rt.config, actor, original)
    recipients = await resolve_recipients(rt, actor, activity)
    async with outgoing(rt) as out:
        if original["type"] == "Follow":
            target_id = ld.get_id(original["object"])
            target = await actors_store.get_actor_by_ap_id(out.conn, target_id) if target_id else None
            if target is not None:
                await social.delete_follow(out.conn, actor.id, target.id)
        else:
            await social.delete_reaction(out.conn, actor.id, activity_ap_id=original_id)
        return await out.queue(actor, activity, recipients)


async def react(rt: Runtime, actor: Actor, body: dict) -> str:
    object_id = ld.get_id(body.get("object"))
    if not object_id:
        raise BadRequest(f"{ld.understood_type(body)} needs an object: the id of what you react to")
    owner = await _object_owner(rt, object_id, required=True)
    assert owner is not None  # required=True raises instead
    kind = ld.type_of(body, ("Like", "Announce"))
    builder = activities.like if kind == "Like" else activities.announce
    activity = builder(rt.config, actor, object_id, owner)
    recipients = await resolve_recipients(rt, actor, activity)
    async with outgoing(rt) as out:
        if not await social.add_reaction(out.conn, activity["type"], actor.id, object_id, activity["id"]):
            raise Conflict(f"you already sent a {activity['type']} of {object_id}", code="already_done")
        return await out.queue(actor, activity, recipients)


async def delete_object(rt: Runtime, actor: Actor, body: dict, *,
                        also: Callable[[Connection], Awaitable[None]] | None = None) -> str:
    """The actor deletes its own object; `also` runs in the same transaction (a moderator's removal)."""
    object_id = ld.get_id(body.get("object"))
    row = await social.get_object(rt.db.reader, object_id) if object_id else None
    if not object_id or row is None or not row["is_local"]:
        raise NotFound(f"no object {object_id} of yours to delete")
    if row["actor_id"] != actor.id:
        raise Forbidden("you can only delete your own objects")
    if row["deleted_at"] is not None:
        raise BadRequest(f"{object_id} is already deleted")
    data = json.loads(row["data"])
    # The Delete goes where the object went, bto / bcc included, and is no more public than it was.
    activity = activities.delete(rt.config, actor, object_id, to=ld.ids(data.get("to")) or (
        [ld.PUBLIC] if row["is_public"] else []), cc=ld.ids(data.get("cc")))
    if blind := await social.list_blind_recipients(rt.db.reader, object_id):
        activity["bcc"] = blind
    tombstone = {"id": object_id, "type": "Tombstone", "formerType": row["type"], "deleted": iso()}
    recipients = await resolve_recipients(rt, actor, activity)
    async with outgoing(rt) as out:
        await social.mark_object_deleted(out.conn, object_id, tombstone)
        if also is not None:
            await also(out.conn)
        return await out.queue(actor, activity, recipients)


async def answer_follow(rt: Runtime, actor: Actor, body: dict) -> str:
    """Approve or refuse a follow request (or, with Reject, remove an existing follower)."""
    follow_id = ld.get_id(body.get("object"))
    row = await social.get_follow_by_ap_id(rt.db.reader, follow_id) if follow_id else None
    if row is None or row["followee_id"] != actor.id:
        raise NotFound(f"no follow request {follow_id} to you")
    follower = await actors_store.get_actor(rt.db.reader, row["follower_id"])
    assert follower is not None  # the follow row references it
    follow = {"id": follow_id, "type": "Follow", "actor": follower.ap_id, "object": actor.ap_id}
    accepting = ld.understood_type(body) == "Accept"
    builder = activities.accept if accepting else activities.reject
    answer = builder(rt.config, actor, follow, follower.ap_id)
    recipients = await resolve_recipients(rt, actor, answer)
    async with outgoing(rt) as out:
        if accepting:
            await social.mark_follow_accepted(out.conn, follower.id, actor.id)
        else:
            await social.delete_follow(out.conn, follower.id, actor.id)
        return await out.queue(actor, answer, recipients)


async def _resolve_actor(rt: Runtime, ref: str) -> Actor:
    """An actor id or a handle (name@host)."""
    try:
        return await remote.find_actor(rt, ref)
    except WeCreateError as e:
        raise BadRequest(f"cannot find the actor {ref}: {e}") from e


async def _object_owner(rt: Runtime, object_id: str, *, required: bool) -> str | None:
    """Who attributed an object: from our table, else from a signed fetch of it."""
    row = await social.get_object(rt.db.reader, object_id)
    if row is not None:
        owner = ld.get_id(json.loads(row["data"]).get("attributedTo"))
        if owner:
            return owner
    if urls.is_local(rt.config, object_id):
        if required:
            raise NotFound(f"no object {object_id} here")
        return None
    try:
        document = await remote.fetch_document(rt, object_id)
    except WeCreateError as e:
        if required:
            raise BadRequest(f"cannot fetch {object_id}: {e}") from e
        return None
    owner = ld.get_id(document.get("attributedTo")) or ld.get_id(document.get("actor"))
    if required and not owner:
        raise BadRequest(f"{object_id} names no author")
    return owner
