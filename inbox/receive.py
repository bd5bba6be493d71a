"""Inbox routes: cap the body, verify the signature, check the signer is the actor, store, 202.

Nothing is processed here: the inbox worker handles stored rows after the response, so a
crash between the two loses nothing, and the same activity id stored twice counts once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from quart import Blueprint, request

from actors import authenticity, remote
from actors.requests import request_target
from wecreate_fed import hosts, jsonbody, ld, limits, ratelimit, runtime, urls
from wecreate_fed.civic import boxes, moving
from wecreate_fed.errors import BadRequest, Forbidden, NotFound, PayloadTooLarge, SignatureError
from wecreate_fed.moderation import reports
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import queue

from . import backlog

bp = Blueprint("inbox", __name__)

# Activities whose object must live on the actor's own host (no forging others' posts).
OWN_OBJECT_TYPES = ("Create", "Update", "Delete")


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
    """The Quart route: the request's parts to accept(); 202 once stored."""
    rt = runtime.current()
    await accept(rt, local_name=local_name, headers=request.headers, target=request_target(),
                 address=ratelimit.client_address(rt.config.trusted_proxies),
                 content_length=request.content_length,
                 # All three spelled out: Quart's overloads type only this call as bytes.
                 read_body=lambda: request.get_data(cache=True, as_text=False, parse_form_data=False))
    return "", 202


async def accept(rt: Runtime, *, local_name: str | None, headers, target: str, address: str,
                 content_length: int | None, read_body: Callable[[], Awaitable[bytes]]) -> None:
    """Verify, store; returns once committed (the caller answers 202), raises the 4xx otherwise.
    The inbox worker does the rest. Shared by the Quart route and the thin front (front.py)."""
    ratelimit.check_inbox_address(rt, address)  # first: a flood from one address costs nothing more
    await backlog.recount_if_due(rt)  # here too: a web process without an inbox worker only ever adds
    backlog.refuse_if_full(rt)  # a queue past its depth: the sender retries later, nothing is read
    if local_name is not None and await actors_store.get_local_user(rt.db.reader, local_name) is None:
        raise NotFound(f"no user '{local_name}' here")
    if content_length is not None and content_length > rt.config.max_body_bytes:
        raise PayloadTooLarge(f"the body is larger than {rt.config.max_body_bytes} bytes")
    body = await read_body()
    if len(body) > rt.config.max_body_bytes:
        raise PayloadTooLarge(f"the body is larger than {rt.config.max_body_bytes} bytes")
    # bto and bcc are for delivery only (AP §6): never stored or shown here, whoever sent them.
    activity = ld.without_blind(parse_activity(body))
    check_policy(rt, activity)
    signer = await remote.verify_signed_request(rt, method="POST", target=target, headers=headers, body=body)
    ratelimit.check_inbox_host(rt, urls.host_of(signer.ap_id))  # the proven signer's host, not a claimed one
    if signer.suspended_at is not None:  # suspended by a moderator here: nothing of it is stored
        raise Forbidden(f"{signer.ap_id} is suspended on this instance", code="actor_suspended")
    # Forwarded or relayed (signer is not the actor): its proof, LD signature, or a fetch decides.
    proven = await authenticity.authenticate(rt, signer, activity)
    if proven.activity is not activity:  # the copy fetched from its origin: held to the same caps
        activity = ld.without_blind(limits.capped(proven.activity))
    check_signer_is_actor(proven.actor.ap_id, activity)
    if proven.actor.suspended_at is not None:
        raise Forbidden(f"{proven.actor.ap_id} is suspended on this instance", code="actor_suspended")
    if ld.understood_type(activity) == "Flag":  # a report naming nothing of ours, or far too much: 400, not stored
        await reports.check_flag(rt, activity)
    if ld.understood_type(activity) == "Move":  # not confirmed by its target: 4xx, not stored
        await moving.check_received(rt, proven.actor, activity, at_inbox=True)
    await boxes.check_incoming(rt, proven.actor, activity)  # a non-member's post to a box: 403, nothing stored
    await queue.save_incoming(rt.db, activity=activity, signer_ap_id=proven.actor.ap_id,
                              recipient_username=local_name, authenticated_by=proven.by)
    backlog.added(rt)
    rt.inbox_wakeup.set()


def parse_activity(body: bytes) -> dict:
    """The activity as a dict with an http(s) id, a type and an actor; BadRequest otherwise."""
    activity = jsonbody.activity_document(body)
    if not hosts.is_valid_url(activity.get("id")):
        raise BadRequest("the activity needs an http(s) id (no user name or password in it)", field="id", code="url")
    if not ld.types_of(activity):
        raise BadRequest("the activity needs a type", field="type", code="required")
    actor = ld.get_id(activity.get("actor"))
    if not actor:
        raise BadRequest("the activity needs an actor", field="actor")
    if not hosts.is_valid_url(actor):
        raise BadRequest("the activity's actor is not a valid http(s) id", field="actor", code="url")
    return limits.capped(activity)  # what is stored: text cut, too many tags or recipients refused


def check_policy(rt: Runtime, activity: dict) -> None:
    host = hosts.parse_url(ld.get_id(activity["actor"])).authority  # parse_activity checked it is valid
    # config's blocked_domains, suspended domain policies, and on a private instance every server off the allowlist
    if rt.domains.refused(host):
        raise Forbidden(f"{host} is blocked by this instance")


def check_signer_is_actor(signer_id: str, activity: dict) -> None:
    """The proven sender must be the activity's actor, and what it creates must live on its host."""
    actor_id = ld.get_id(activity["actor"])
    if signer_id != actor_id:
        raise SignatureError(f"signed by {signer_id}, but the activity's actor is {actor_id}")
    if not urls.same_origin(activity["id"], actor_id):
        raise BadRequest("the activity's id is not on its actor's host")
    type_ = ld.understood_type(activity)
    if type_ in OWN_OBJECT_TYPES:
        object_id = ld.get_id(activity.get("object"))
        if not urls.is_http_url(object_id):
            raise BadRequest(f"{type_} needs an object with an id")
        if not urls.same_origin(object_id, actor_id):
            raise BadRequest(f"{type_} of {object_id}, which does not live on the actor's host")
