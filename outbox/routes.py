"""Outbox routes: the paginated outbox collection and our activities by id.

The client-to-server POST (wecreate_fed.civic.client) and objects by id (wecreate_fed.civic.box_routes)
live above the civic domain, whose rules (box visibility) they apply."""

from __future__ import annotations

import json

from quart import Blueprint, request

from actors.requests import activity_response, signed_fetcher
from wecreate_fed import collections, ld, runtime, urls
from wecreate_fed.errors import NotFound
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import social

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
    fetcher = await signed_fetcher(rt)
    row = await social.get_activity(rt.db.reader, urls.id_of(rt.config, "activity", uuid))
    if row is None:
        raise NotFound("no such activity")
    data = json.loads(row["data"])
    if not row["is_public"] and not may_see(fetcher, data):
        raise NotFound("no such activity")
    return activity_response(data)


def may_see(fetcher, document: dict) -> bool:
    """A non-public document is shown only to a signed fetcher it is addressed to."""
    return fetcher is not None and fetcher.ap_id in ld.addressees(document)
