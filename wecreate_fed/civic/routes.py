"""Civic ActivityPub and JSON routes: ideas and their collections, district actors, the
marketplace (JSON and Atom) and impact figures. Web pages live in wecreate_fed.web."""

from __future__ import annotations

from quart import Blueprint, Response, redirect, request

from actors import documents
from actors.requests import activity_response, signed_fetcher, wants_activity_json
from actors.routes import follow_collection
from outbox.routes import outbox_collection
from wecreate_fed import collections, runtime, urls
from wecreate_fed.errors import BadRequest, NotFound
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import civic as civic_store
from wecreate_fed.store import social
from wecreate_fed.store.civic import Idea

from . import audience, districts, ideas, lifecycle, marketplace, search

bp = Blueprint("civic", __name__)


async def _idea_row(uuid: str) -> Idea:
    rt = runtime.current()
    idea = await civic_store.get_idea(rt.db.reader, urls.idea_id(rt.config, uuid))
    if idea is None or not idea.is_local:
        raise NotFound("no such idea")
    await audience.require_asking(rt, idea.members_of, "idea")  # members-only: 404 to anyone else
    return idea


@bp.get("/ideas/<uuid>")
async def idea(uuid: str):
    """The idea as ActivityStreams (410 with a Tombstone once deleted); browsers go to its page."""
    rt = runtime.current()
    row = await _idea_row(uuid)
    if not wants_activity_json():
        return redirect(row.url or urls.page_of(rt.config, "idea", uuid), 302)
    await signed_fetcher(rt)
    if row.deleted_at is not None:
        return activity_response(lifecycle.tombstone(ideas.IDEA, row), 410)
    author = await actors_store.get_actor(rt.db.reader, row.author_id)
    if row.held_at is not None or (author is not None and author.suspended_at is not None):
        raise NotFound("no such idea")  # not sent yet (held for review), or its account is suspended
    return activity_response(await ideas.document_for(rt.db.reader, rt.config, row))


@bp.get("/ideas/<uuid>/likes")
async def idea_likes(uuid: str):
    return await _reactors(uuid, "Like", "likes")


@bp.get("/ideas/<uuid>/shares")
async def idea_shares(uuid: str):
    return await _reactors(uuid, "Announce", "shares")


async def _reactors(uuid: str, kind: str, name: str):
    rt = runtime.current()
    await signed_fetcher(rt)
    row = await _idea_row(uuid)
    collection_id = f"{row.ap_id}/{name}"
    total = row.support_count if kind == "Like" else row.share_count
    if request.args.get("page") is None:
        return activity_response(collections.collection(collection_id, total))
    max_id = collections.parse_max_id(request.args.get("max_id"))
    rows = await civic_store.list_reactors(rt.db.reader, row.ap_id, kind, limit=collections.PAGE_SIZE,
                                           before_id=max_id)
    return activity_response(collections.page(
        collection_id, [r["ap_id"] for r in rows], max_id=max_id, last_row_id=rows[-1]["id"] if rows else None,
        full=len(rows) == collections.PAGE_SIZE))


@bp.get("/ideas/<uuid>/replies")
async def idea_replies(uuid: str):
    """Direct replies to the idea (each reply's own `replies` continues the thread)."""
    rt = runtime.current()
    await signed_fetcher(rt)
    row = await _idea_row(uuid)
    replies = await social.list_replies(rt.db.reader, row.ap_id, limit=collections.PAGE_SIZE * 5)
    document = collections.collection(f"{row.ap_id}/replies", row.comment_count)
    document.pop("first")
    document["type"] = "OrderedCollection"
    document["orderedItems"] = [r["ap_id"] for r in replies if r["is_public"]]
    return activity_response(document)


async def _district(slug: str):
    rt = runtime.current()
    try:
        districts.by_slug(rt.config, slug)
    except BadRequest as e:  # a path that names no district: not there (404), as for an unknown idea
        raise NotFound(str(e), code="no_such_district") from e
    actor = await actors_store.get_actor_by_ap_id(rt.db.reader, districts.district_ap_id(rt.config, slug))
    if actor is None:
        raise NotFound(f"district '{slug}' has no actor yet")
    return actor


@bp.get("/districts/<slug>")
async def district(slug: str):
    """The district's Group actor; browsers see the marketplace filtered to it."""
    actor = await _district(slug)
    if not wants_activity_json():
        return redirect(urls.page_of(runtime.current().config, "district", slug), 302)
    return activity_response(await documents.local_actor_document(runtime.current().db.reader, actor))


@bp.get("/districts/<slug>/followers")
async def district_followers(slug: str):
    return await follow_collection(await _district(slug), "followers")


@bp.get("/districts/<slug>/following")
async def district_following(slug: str):
    return await follow_collection(await _district(slug), "following")


@bp.get("/districts/<slug>/outbox")
async def district_outbox(slug: str):
    return await outbox_collection(await _district(slug))


@bp.get("/api/marketplace")
async def marketplace_json():
    """Filters: district (repeatable), kind, status, author, topic, sort, page, per_page, local."""
    rt = runtime.current()
    query = marketplace.parse_query(rt.config, request.args)
    return activity_response(await marketplace.page(rt, query), content_type="application/json")


@bp.get("/api/search")
async def search_json():
    """Ideas, events, boxes and people holding every word of `q`: `types` (idea,event,box,person),
    `limit`, and the marketplace's filters for the ideas. A client's token shows its private boxes."""
    rt = runtime.current()
    return activity_response(await search.search(rt, request.args, await audience.asking(rt)),
                             content_type="application/json")


@bp.get("/marketplace.atom")
async def marketplace_atom():
    rt = runtime.current()
    data = await marketplace.page(rt, marketplace.parse_query(rt.config, request.args))
    return Response(marketplace.atom(rt.config, data, request.url), content_type="application/atom+xml; charset=utf-8")


@bp.get("/api/impact")
async def impact():
    rt = runtime.current()
    return activity_response(await marketplace.impact(rt, request.args.get("district") or None),
                             content_type="application/json")
