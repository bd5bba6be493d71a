"""ActivityPub client-to-server: a local actor's authenticated POST to its outbox.

Ideas, reform proposals and events (objects carrying our terms), and supports, shares and
comments of ideas, go through the civic functions, with the same validation and errors as
the website. Everything else goes to the generic outbox (outbox.c2s).
"""

from __future__ import annotations

import json

from quart import Blueprint, request

from actors.requests import activity_response
from outbox import c2s
from wecreate_fed import ld, runtime, urls
from wecreate_fed.errors import BadRequest, Forbidden, PayloadTooLarge, Unauthorized
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import social
from wecreate_fed.store.actors import Actor

from . import boxes, districts, events, ideas, motions

bp = Blueprint("client", __name__)
# Activities (as opposed to bare objects, which are wrapped in Create) this outbox understands.
ACTIVITY_KINDS = c2s.ACTIVITY_TYPES | {"Update", "Add", "Join"}


@bp.post("/users/<username>/outbox")
async def post_outbox(username: str):
    """Authenticated by a personal access token (Authorization: Bearer …); answers 201 + Location."""
    rt = runtime.current()
    actor = await token_actor(rt)
    if actor.username.lower() != username.lower():
        raise Forbidden("this token belongs to another actor's outbox")
    body = await request.get_data()
    if len(body) > rt.config.max_body_bytes:
        raise PayloadTooLarge(f"the body is larger than {rt.config.max_body_bytes} bytes")
    try:
        document = json.loads(body)
    except ValueError:
        raise BadRequest("the body is not valid JSON")
    activity_id = await post_to_outbox(rt, actor, document)
    response = activity_response({"id": activity_id}, status=201)
    response.headers["Location"] = activity_id
    return response


async def token_actor(rt: Runtime) -> Actor:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("posting to an outbox needs 'Authorization: Bearer <token>' (wecreate-fed user token NAME)")
    actor = await actors_store.get_actor_by_token(rt.db.reader, token.strip())
    if actor is None:
        raise Unauthorized("the token is not valid")
    return actor


async def post_to_outbox(rt: Runtime, actor: Actor, body) -> str:
    """Dispatch one client activity; returns the id of the activity sent."""
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        raise BadRequest("the body must be an ActivityStreams object or activity with a type")
    handled = await events.from_client(rt, actor, body)  # first: a Delete of an event is no generic Delete
    if handled:
        return handled
    kind = body["type"]
    obj = body.get("object") if kind in ACTIVITY_KINDS else body
    if kind not in ACTIVITY_KINDS or kind == "Create":
        if isinstance(obj, dict) and "civicKind" in obj:
            activity_id, _ = await ideas.publish(rt, actor, idea_fields(rt, obj))
            return activity_id
    object_id = ld.get_id(obj)
    if kind in ("Create", "Note") and isinstance(obj, dict):
        box_id = ld.get_id(obj.get("audience")) or ld.get_id(body.get("audience"))
        if box_id:
            return await boxes.post(rt, actor, box_id, html=obj.get("content"),
                                    in_reply_to=ld.get_id(obj.get("inReplyTo")))
    if kind in ("Follow", "Join") and object_id and await _is_box(rt, object_id):
        await boxes.join(rt, actor, object_id)
        return object_id
    if kind == "Add" and object_id and isinstance(body.get("target"), dict):
        # A council puts a motion on a session's agenda.
        return await motions.put_on_agenda(rt, actor, object_id, body["target"].get("startTime"),
                                           body["target"].get("name") or "")
    if kind in ("Accept", "Reject") and object_id and await _received_motion(rt, object_id):
        return await motions.decide(rt, actor, object_id, accepted=kind == "Accept", text=body.get("content") or "")
    if kind == "Update":
        if not isinstance(obj, dict) or not object_id or not await ideas.is_known(rt, object_id):
            raise BadRequest("Update is accepted for your ideas only")
        return await _update_idea(rt, actor, obj)
    if object_id and await ideas.is_known(rt, object_id):
        if kind == "Like":
            return await ideas.support(rt, actor, object_id)
        if kind == "Announce":
            return await ideas.share(rt, actor, object_id)
        if kind == "Delete":
            await ideas.delete(rt, actor, object_id)
            return object_id
    if kind == "Undo" and object_id:
        undone = await social.get_activity(rt.db.reader, object_id)
        if undone is not None and undone["actor_id"] == actor.id and await ideas.is_known(rt, undone["object_ap_id"] or ""):
            if undone["type"] == "Like":
                return await ideas.withdraw_support(rt, actor, undone["object_ap_id"])
            if undone["type"] == "Announce":
                return await ideas.unshare(rt, actor, undone["object_ap_id"])
    activity_id = await c2s.post_to_outbox(rt, actor, body)
    in_reply_to = ld.get_id(obj.get("inReplyTo")) if isinstance(obj, dict) else None
    if in_reply_to:
        await ideas.comment_sent(rt, in_reply_to)
    return activity_id


async def _is_box(rt: Runtime, ap_id: str) -> bool:
    actor = await actors_store.get_actor_by_ap_id(rt.db.reader, ap_id)
    return actor is not None and actor.type == "Group" and actor.category == "box" or (
        actor is not None and actor.type == "Group" and not actor.is_local)


async def _received_motion(rt: Runtime, ap_id: str) -> bool:
    motion = await motions.motion_for_answer_by_id(rt, ap_id)
    return motion is not None


def idea_fields(rt: Runtime, obj: dict) -> dict:
    """The website's idea fields from an ActivityStreams object carrying our terms."""
    source = obj.get("source") if isinstance(obj.get("source"), dict) else {}
    body = source.get("content") if isinstance(source.get("content"), str) else obj.get("content")
    slugs = []
    for ref in ld.as_list(obj.get("districts")):
        ref = ld.get_id(ref) or ref
        slugs.append(districts.slug_of(rt.config, ref) or ref if isinstance(ref, str) else ref)
    topics = [t.get("name") if isinstance(t, dict) else t for t in ld.as_list(obj.get("tag"))]
    image = ld.get_id(obj.get("image")) or (obj["image"].get("url") if isinstance(obj.get("image"), dict) else None)
    return {"title": obj.get("name"), "summary": obj.get("abstract"), "body": body, "kind": obj.get("civicKind"),
            "districts": slugs, "topics": [t for t in topics if isinstance(t, str)], "image_url": image,
            "addressed_to": ld.get_id(obj.get("addressedTo"))}


async def _update_idea(rt: Runtime, actor: Actor, obj: dict) -> str:
    """An Update of one's idea: changed fields, and/or a new civicStatus."""
    fields = {k: v for k, v in idea_fields(rt, obj).items() if v not in (None, [], "")}
    object_id = obj["id"]
    if not urls.is_local(rt.config, object_id):
        raise BadRequest("only ideas of this instance can be updated here")
    new_status = obj.get("civicStatus")
    if fields:
        await ideas.edit(rt, actor, object_id, fields)
    if new_status:
        await ideas.change_status(rt, actor, object_id, new_status, obj.get("statusNote") or "")
    if not fields and not new_status:
        raise BadRequest("the Update changes nothing")
    return object_id
