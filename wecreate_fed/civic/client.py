"""ActivityPub client-to-server: a local actor's authenticated POST to its outbox.

The same resolver as the inbox (subjects.subject_of) says what the activity is about, and
the one handler registered in CLIENT for (activity type, kind) does it: ideas, reform
proposals and events (objects carrying our terms), supports, shares and comments of ideas,
posts to boxes, joining boxes and events, a council's answers to motions go through the
civic commands with the same validation and errors as the website; plain notes, follows
and reactions to anything else through the generic outbox (outbox.c2s).
"""

from __future__ import annotations

from quart import Blueprint, request

from actors.requests import activity_response, bearer_actor
from outbox import c2s
from wecreate_fed import content, jsonbody, ld, runtime, urls
from wecreate_fed.errors import BadRequest, Forbidden, NotFound, PayloadTooLarge, Unauthorized
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import social
from wecreate_fed.store.actors import Actor

from . import audience, boxes, brakes, districts, events, ideas, motions
from .subjects import Registry, Subject, activity_type, check_owner, subject_of

bp = Blueprint("client", __name__)
CLIENT = Registry("client")
# Bare objects a client may post; they are wrapped in a Create.
OBJECT_TYPES = ("Note", "Event", "Article")


@bp.post("/users/<username>/outbox")
async def post_outbox(username: str):
    """Authenticated by a personal access token (Authorization: Bearer …); answers 201 + Location."""
    rt = runtime.current()
    actor = await token_actor(rt)
    if (actor.username or "").lower() != username.lower():
        raise Forbidden("this token belongs to another actor's outbox")
    # All three spelled out: Quart's overloads type only this call as bytes.
    body = await request.get_data(cache=True, as_text=False, parse_form_data=False)
    if len(body) > rt.config.max_body_bytes:
        raise PayloadTooLarge(f"the body is larger than {rt.config.max_body_bytes} bytes")
    document = jsonbody.activity_document(body)
    activity_id = await post_to_outbox(rt, actor, document)
    response = activity_response({"id": activity_id}, status=201)
    response.headers["Location"] = activity_id
    return response


async def token_actor(rt: Runtime) -> Actor:
    actor = await bearer_actor(rt)
    if actor is None:
        raise Unauthorized("posting to an outbox needs 'Authorization: Bearer <token>' (wecreate-fed user token NAME)")
    return actor


async def post_to_outbox(rt: Runtime, actor: Actor, body) -> str:
    """Do one client activity; returns the id of the activity sent (or of what it created)."""
    if not isinstance(body, dict) or not ld.types_of(body):
        raise BadRequest("the body must be an ActivityStreams object or activity with a type", field="type",
                         code="required")
    if not activity_type(body):
        raise BadRequest(f"none of the types {ld.types_of(body)} is one this server understands", field="type",
                         code="unsupported", params={"type": ", ".join(ld.types_of(body))})
    if activity_type(body) in OBJECT_TYPES:
        body = {"type": "Create", "object": body, **{f: body[f] for f in ld.ADDRESS_FIELDS if f in body}}
    subject = await subject_of(rt, body, actor_ap_id=actor.ap_id)
    account = await actors_store.get_account(rt.db.reader, actor.id)
    # 403 for changing what is not one's own (moderators: what local people own), 410 for what was deleted.
    await check_owner(rt, subject, actor.ap_id, moderator=account is not None and account["role"] in ("moderator", "admin"))
    handler = CLIENT.get(subject)
    if handler is None:
        raise BadRequest(f"{subject.type} of this object ({subject.kind}) is not accepted here", field="type",
                         code="unsupported", params={"type": subject.type, "kind": subject.kind})
    return await handler(rt, actor, body, subject)


# --- ideas ---------------------------------------------------------------------------------

@CLIENT.on("Create", "idea")
async def _publish_idea(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    activity_id, document = await ideas.publish(rt, actor, idea_fields(rt, body["object"]))
    return activity_id or document["id"]  # held for a moderator (nothing sent yet): the idea's own id


@CLIENT.on("Update", "idea")
async def _update_idea(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    """An Update of one's idea: changed fields, and/or a new civicStatus."""
    obj = subject.document
    object_id = subject.object_id
    if obj is None or not object_id:
        raise BadRequest("Update needs the changed idea embedded", field="object", code="required")
    if not urls.is_local(rt.config, object_id):
        raise BadRequest("only ideas of this instance can be updated here", field="object")
    fields = {k: v for k, v in idea_fields(rt, obj).items() if v not in (None, [], "")}
    new_status = obj.get("civicStatus")
    if not fields and not new_status:
        raise BadRequest("the Update changes nothing", field="object")
    if fields:
        await ideas.edit(rt, actor, object_id, fields)
    if new_status:
        await ideas.change_status(rt, actor, object_id, new_status, obj.get("statusNote") or "")
    return object_id


@CLIENT.on("Delete", "idea")
async def _delete_idea(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    await ideas.delete(rt, actor, subject.object_id or "")
    return subject.object_id or ""


@CLIENT.on("Like", "idea")
async def _support(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    return await ideas.support(rt, actor, subject.object_id or "")


@CLIENT.on("Announce", "idea")
async def _share(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    return await ideas.share(rt, actor, subject.object_id or "")


@CLIENT.on("Undo", "Like", "Announce")
async def _undo_reaction(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    """Withdraw a support or share of an idea; of anything else, the generic Undo."""
    undone = await social.get_activity(rt.db.reader, await c2s.undone_id(rt, actor, body) or "")
    if undone is not None and undone["actor_id"] == actor.id and await ideas.is_known(rt, undone["object_ap_id"] or ""):
        if undone["type"] == "Like":
            return await ideas.withdraw_support(rt, actor, undone["object_ap_id"])
        return await ideas.unshare(rt, actor, undone["object_ap_id"])
    return await c2s.undo(rt, actor, body)


# --- events --------------------------------------------------------------------------------

@CLIENT.on("Create", "event")
async def _publish_event(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    obj = body["object"]
    activity_id, _ = await events.publish(rt, actor, {**events.fields_from_object(rt.config, obj),
                                                      "members_of": audience.value_of_object(rt.config, obj)})
    return activity_id


@CLIENT.on("Update", "event")
async def _update_event(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    obj = subject.document or {}
    fields = {k: v for k, v in {**events.fields_from_object(rt.config, obj),
                                "members_of": audience.value_of_object(rt.config, obj)}.items() if v is not None}
    if not fields:
        raise BadRequest("the Update changes nothing", field="object")
    await events.edit(rt, actor, subject.object_id or "", fields)
    return subject.object_id or ""


@CLIENT.on("Delete", "event")
async def _delete_event(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    await events.delete(rt, actor, subject.object_id or "")
    return subject.object_id or ""


@CLIENT.on("Join", "event")
async def _attend(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    return await events.attend(rt, actor, subject.object_id or "") or subject.object_id or ""


@CLIENT.on("Leave", "event")
async def _leave_event(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    return await events.leave(rt, actor, subject.object_id or "") or subject.object_id or ""


@CLIENT.on("Undo", "Join")
async def _undo_join(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    event = await events.attended_event(rt, actor, subject.object_id or "")
    if event is None:
        raise NotFound("no attendance of yours to undo", field="object")
    return await events.leave(rt, actor, event) or event


# --- boxes and motions -----------------------------------------------------------------------

@CLIENT.on("Create", "box_post")
async def _post_to_box(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    obj = subject.document or {}
    box_id = ld.get_id(obj.get("audience")) or ld.get_id(body.get("audience"))
    if not box_id:
        box_id = next((a for a in sorted(ld.addressees(obj) | ld.addressees(body))
                       if (local := urls.parse(rt.config, a)) is not None and local.kind == "box"), None)
    if not box_id:
        raise BadRequest("a post to a box needs the box as its audience", field="audience", code="required")
    return await boxes.post(rt, actor, box_id, html=obj.get("content"), in_reply_to=ld.get_id(obj.get("inReplyTo")))


@CLIENT.on("Follow", "box")
@CLIENT.on("Join", "box")
async def _join_box(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    await boxes.join(rt, actor, subject.object_id or "")
    return subject.object_id or ""


@CLIENT.on("Add", "motion")
async def _put_on_agenda(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    """A council puts a motion on a session's agenda."""
    target = body.get("target")
    if not isinstance(target, dict) or not isinstance(target.get("startTime"), str):
        raise BadRequest("Add of a motion needs the session (with its startTime) as its target", field="target",
                         code="required")
    return await motions.put_on_agenda(rt, actor, subject.object_id or "", target["startTime"],
                                       str(target.get("name") or ""))


@CLIENT.on("Accept", "motion")
@CLIENT.on("Reject", "motion")
async def _decide(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    return await motions.decide(rt, actor, subject.object_id or "", accepted=subject.type == "Accept",
                                text=body.get("content") or "")


# --- everything else: the generic outbox -----------------------------------------------------

@CLIENT.on("Create", "note")
async def _create_note(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    """A plain note; a reply in an idea's thread is counted there in the same transaction."""
    in_reply_to = ld.get_id((subject.document or {}).get("inReplyTo"))
    content = (subject.document or {}).get("content")
    brakes.check_links(rt.config, actor, [content if isinstance(content, str) else None], "content")

    async def count(conn) -> None:
        await ideas.comment_counted(conn, in_reply_to, actor)

    return await c2s.create_note(rt, actor, body, also=count if in_reply_to else None)


@CLIENT.on("Follow", "actor", "district", "unknown")
@CLIENT.on("Join", "actor", "unknown")
async def _follow(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    """Follow someone (by id or handle); a remote Group is a box to join, a remote Event one to attend."""
    if subject.type == "Join" and subject.object_id and await events.is_event_ref(rt, subject.object_id):
        return await events.attend(rt, actor, subject.object_id) or subject.object_id
    if subject.object_id and await _is_remote_group(rt, subject.object_id):
        await boxes.join(rt, actor, subject.object_id)
        return subject.object_id
    if subject.type == "Join":
        raise BadRequest("Join is accepted for events and boxes only", field="object", code="unsupported")
    return await c2s.follow(rt, actor, body)


@CLIENT.on("Like", "note", "box_post", "event", "remote_object")
@CLIENT.on("Announce", "note", "box_post", "event", "remote_object")
async def _react(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    return await c2s.react(rt, actor, body)


@CLIENT.on("Undo", "Follow", "unknown")
async def _undo(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    return await c2s.undo(rt, actor, body)


@CLIENT.on("Delete", "note", "box_post", "unknown")
async def _delete_object(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    return await c2s.delete_object(rt, actor, body)


@CLIENT.on("Accept", "Follow")
@CLIENT.on("Reject", "Follow")
async def _answer_follow(rt: Runtime, actor: Actor, body: dict, subject: Subject) -> str:
    return await c2s.answer_follow(rt, actor, body)


async def _is_remote_group(rt: Runtime, ap_id: str) -> bool:
    if urls.is_local(rt.config, ap_id) or not ap_id.startswith(("http://", "https://")):
        return False
    actor = await actors_store.get_actor_by_ap_id(rt.db.reader, ap_id)
    return actor is not None and actor.type == "Group"


def idea_fields(rt: Runtime, obj: dict) -> dict:
    """The website's idea fields from an ActivityStreams object carrying our terms.

    The body is `source` (Markdown: a string or {content, mediaType}), else `content`/`contentMap`;
    the image is `image` or the first Image attachment, its alt text that object's `name`.
    """
    html, language = content.read_content(obj)
    body = content.markdown_source(obj)
    if body is None:
        body = html  # HTML is Markdown too (the renderer sanitises it)
    slugs = []
    for ref in ld.as_list(obj.get("districts")):
        ref = ld.get_id(ref) or ref
        slugs.append(districts.slug_of(rt.config, ref) or ref if isinstance(ref, str) else ref)
    topics = [t.get("name") if isinstance(t, dict) else t for t in ld.as_list(obj.get("tag"))]
    picture = obj.get("image") or next((a for a in ld.as_list(obj.get("attachment"))
                                        if isinstance(a, dict) and ld.has_type(a, "Image")), None)
    image = picture.get("url") if isinstance(picture, dict) else picture
    image = ld.get_id(image) or image
    described = picture if isinstance(picture, dict) else {}
    return {"title": obj.get("name"), "summary": obj.get("abstract"), "body": body, "kind": obj.get("civicKind"),
            "districts": slugs, "topics": [t for t in topics if isinstance(t, str)], "image_url": image,
            "image_alt": described.get("name"), "image_media_type": described.get("mediaType"),
            "language": language,
            "addressed_to": ld.get_id(obj.get("addressedTo")),
            "members_of": audience.value_of_object(rt.config, obj)}
