"""Inbox routes: cap the body, verify the signature, check the signer is the actor, store, 202.

Nothing is processed here: the inbox worker handles stored rows after the response, so a
crash between the two loses nothing, and the same activity id stored twice counts once.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from quart import Blueprint, request

from actors import remote
from actors.requests import request_target
from wecreate_fed import ld, runtime
from wecreate_fed.civic import boxes
from wecreate_fed.errors import BadRequest, Forbidden, NotFound, PayloadTooLarge, SignatureError
from wecreate_fed.http import domain_blocked
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import queue

bp = Blueprint("inbox", __name__)

# Activities whose object must live on the actor's own host (no forging others' posts).
OWN_OBJECT_TYPES = {"Create", "Update", "Delete"}


@bp.post("/inbox")
async def shared_inbox():
    return await receive(local_name=None)


@bp.post("/users/<username>/inbox")
async def personal_inbox(username: str):
    return await receive(local_name=username)


@bp.post("/actor/inbox")
async def instance_inbox():
    return await receive(local_name=None)


async def receive(local_name: str | None):
    """Verify, store, acknowledge. The inbox worker does the rest."""
    rt = runtime.current()
    if local_name is not None and await actors_store.get_local_actor(rt.db.reader, local_name) is None:
        raise NotFound(f"no user '{local_name}' here")
    declared = request.content_length
    if declared is not None and declared > rt.config.max_body_bytes:
        raise PayloadTooLarge(f"the body is larger than {rt.config.max_body_bytes} bytes")
    # All three spelled out: Quart's overloads type only this call as bytes.
    body = await request.get_data(cache=True, as_text=False, parse_form_data=False)
    if len(body) > rt.config.max_body_bytes:
        raise PayloadTooLarge(f"the body is larger than {rt.config.max_body_bytes} bytes")
    # bto and bcc are for delivery only (AP §6): never stored or shown here, whoever sent them.
    activity = ld.without_blind(parse_activity(body))
    check_policy(rt, activity)
    signer = await remote.verify_signed_request(
        rt, method="POST", target=request_target(), headers=request.headers, body=body,
    )
    check_signer_is_actor(signer.ap_id, activity)
    await boxes.check_incoming(rt, signer, activity)  # a non-member's post to a box: 403, nothing stored
    await queue.save_incoming(rt.db, activity=activity, signer_ap_id=signer.ap_id, recipient_username=local_name)
    rt.inbox_wakeup.set()
    return "", 202


def parse_activity(body: bytes) -> dict:
    """The activity as a dict with an http(s) id, a type and an actor; BadRequest otherwise."""
    try:
        activity = json.loads(body)
    except ValueError:
        raise BadRequest("the body is not valid JSON") from None
    if not isinstance(activity, dict):
        raise BadRequest("the body must be a JSON object")
    activity_id = activity.get("id")
    if not isinstance(activity_id, str) or urlsplit(activity_id).scheme not in ("http", "https"):
        raise BadRequest("the activity needs an http(s) id")
    if not ld.types_of(activity):
        raise BadRequest("the activity needs a type", field="type", code="required")
    if not ld.get_id(activity.get("actor")):
        raise BadRequest("the activity needs an actor")
    return activity


def check_policy(rt: Runtime, activity: dict) -> None:
    host = (urlsplit(ld.get_id(activity["actor"]) or "").hostname or "").lower()
    if domain_blocked(host, rt.config.blocked_domains):
        raise Forbidden(f"{host} is blocked by this instance")


def check_signer_is_actor(signer_id: str, activity: dict) -> None:
    """The key's owner must be the activity's actor, and what it creates must live on its host."""
    actor_id = ld.get_id(activity["actor"])
    if signer_id != actor_id:
        raise SignatureError(f"signed by {signer_id}, but the activity's actor is {actor_id}")
    actor_host = urlsplit(actor_id).netloc.lower()
    if urlsplit(activity["id"]).netloc.lower() != actor_host:
        raise BadRequest("the activity's id is not on its actor's host")
    type_ = ld.understood_type(activity)
    if type_ in OWN_OBJECT_TYPES:
        object_id = ld.get_id(activity.get("object"))
        if not object_id:
            raise BadRequest(f"{type_} needs an object with an id")
        if urlsplit(object_id).netloc.lower() != actor_host:
            raise BadRequest(f"{type_} of {object_id}, which does not live on the actor's host")
