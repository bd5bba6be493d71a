"""Outbox routes: the paginated outbox collection, client-to-server POST, and our objects by id."""

from __future__ import annotations

import json

from quart import Blueprint, request

from actors.requests import activity_response, signed_fetcher
from wecreate_fed import collections, ld, runtime
from wecreate_fed.errors import BadRequest, Forbidden, NotFound, PayloadTooLarge, Unauthorized
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import social

from .c2s import post_to_outbox

bp = Blueprint("outbox", __name__)


@bp.get("/users/<username>/outbox")
async def outbox(username: str):
    rt = runtime.current()
    await signed_fetcher(rt)
    conn = rt.db.reader
    actor = await actors_store.get_local_actor(conn, username)
    if actor is None:
        raise NotFound(f"no user '{username}' here")
    if request.args.get("page") is None:
        return activity_response(collections.collection(actor.outbox_url, await social.count_outbox(conn, actor.id)))
    max_id = collections.parse_max_id(request.args.get("max_id"))
    rows = await social.list_outbox(conn, actor.id, limit=collections.PAGE_SIZE, before_id=max_id)
    items = [_without_context(json.loads(r["data"])) for r in rows]
    return activity_response(collections.page(
        actor.outbox_url, items, max_id=max_id, last_row_id=rows[-1]["id"] if rows else None,
        full=len(rows) == collections.PAGE_SIZE,
    ))


@bp.post("/users/<username>/outbox")
async def post_outbox(username: str):
    """Client-to-server: authenticated by a personal access token (Authorization: Bearer …)."""
    rt = runtime.current()
    actor = await _token_actor(rt)
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


async def _token_actor(rt):
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("posting to an outbox needs 'Authorization: Bearer <token>' (wecreate-fed user token NAME)")
    actor = await actors_store.get_actor_by_token(rt.db.reader, token.strip())
    if actor is None:
        raise Unauthorized("the token is not valid")
    return actor


@bp.get("/objects/<uuid>")
async def get_object(uuid: str):
    rt = runtime.current()
    fetcher = await signed_fetcher(rt)
    row = await social.get_object(rt.db.reader, f"{rt.config.base_url}/objects/{uuid}")
    if row is None or not row["is_local"]:
        raise NotFound("no such object")
    if row["deleted_at"] is not None:
        return activity_response({"@context": ld.AS_CONTEXT, **json.loads(row["data"])}, 410)
    data = json.loads(row["data"])
    if not row["is_public"] and not _may_see(fetcher, data):
        raise NotFound("no such object")  # 404, not 403: do not reveal that it exists
    return activity_response({"@context": ld.default_context(), **_without_context(data)})


@bp.get("/activities/<uuid>")
async def get_activity(uuid: str):
    rt = runtime.current()
    fetcher = await signed_fetcher(rt)
    row = await social.get_activity(rt.db.reader, f"{rt.config.base_url}/activities/{uuid}")
    if row is None:
        raise NotFound("no such activity")
    data = json.loads(row["data"])
    if not row["is_public"] and not _may_see(fetcher, data):
        raise NotFound("no such activity")
    return activity_response(data)


def _may_see(fetcher, document: dict) -> bool:
    """A non-public document is shown only to a signed fetcher it is addressed to."""
    return fetcher is not None and fetcher.ap_id in ld.addressees(document)


def _without_context(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "@context"}
