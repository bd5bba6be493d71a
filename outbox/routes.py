"""Outbox routes: the paginated outbox collection and our activities by id.

The client-to-server POST (wecreate_fed.civic.client) and objects by id (wecreate_fed.civic.box_routes)
live above the civic domain, whose rules (box visibility) they apply."""

from __future__ import annotations

import json

from quart import Blueprint, request

from actors.requests import activity_response, signed_fetcher, viewer
from wecreate_fed import collections, ld, runtime, urls
from wecreate_fed.errors import NotFound
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import social
from wecreate_fed.store.actors import Actor

bp = Blueprint("outbox", __name__)


@bp.get("/users/<username>/outbox")
async def outbox(username: str):
    actor = await actors_store.get_local_user(runtime.current().db.reader, username)
    if actor is None:
        raise NotFound(f"no user '{username}' here")
    return await outbox_collection(actor)


async def outbox_collection(actor):
    """The outbox of any local actor: its public activities, newest first."""
    rt = runtime.current()
    await signed_fetcher(rt)
    conn = rt.db.reader
    if request.args.get("page") is None:
        return activity_response(collections.collection(actor.outbox_url, await social.count_outbox(conn, actor.id)))
    max_id = collections.parse_max_id(request.args.get("max_id"))
    rows = await social.list_outbox(conn, actor.id, limit=collections.PAGE_SIZE, before_id=max_id)
    items = [ld.without_context(json.loads(r["data"])) for r in rows]
    return activity_response(collections.page(
        actor.outbox_url, items, max_id=max_id, last_row_id=rows[-1]["id"] if rows else None,
        full=len(rows) == collections.PAGE_SIZE,
    ))


@bp.get("/activities/<uuid>")
async def get_activity(uuid: str):
    rt = runtime.current()
    asking = await viewer(rt)
    row = await social.get_activity(rt.db.reader, urls.id_of(rt.config, "activity", uuid))
    if row is None:
        raise NotFound("no such activity")
    data = json.loads(row["data"])
    if not row["is_public"] and not await may_see(rt, asking, data, row["actor_id"]):
        raise NotFound("no such activity")  # 404, not 403: do not reveal that it exists
    return activity_response(data)


async def may_see(rt: Runtime, asking: Actor | None, document: dict, author_id: int | None) -> bool:
    """A non-public document is shown to its author (token or signature) and to whoever it was
    addressed to, in to / cc / audience or, not shown in it, in bto / bcc."""
    if asking is None:
        return False
    if asking.id == author_id or asking.ap_id in ld.addressees(document):
        return True
    return isinstance(document.get("id"), str) and await social.is_blind_recipient(
        rt.db.reader, document["id"], asking.ap_id)
