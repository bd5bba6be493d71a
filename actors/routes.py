"""Discovery and actor routes: WebFinger, host-meta, NodeInfo, actor documents, follow collections."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote, urlsplit

from quart import Blueprint, Response, redirect, request

from wecreate_fed import collections, ld, runtime, urls
from wecreate_fed.errors import BadRequest, Forbidden, NotFound
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import iso, social, utcnow
from wecreate_fed.store import legal as legal_store

from . import documents
from .requests import activity_response, signed_fetcher, viewer, wants_activity_json

bp = Blueprint("actors", __name__)


@bp.get("/.well-known/webfinger")
async def webfinger():
    rt = runtime.current()
    resource = request.args.get("resource", "")
    if not resource:
        raise BadRequest("the resource parameter is required")
    actor = await _actor_for_resource(rt, resource)
    return activity_response(documents.webfinger(rt.config, actor), content_type="application/jrd+json")


async def _actor_for_resource(rt, resource: str):
    """acct:name@host, an actor id, or a profile URL of ours."""
    conn, config = rt.db.reader, rt.config
    if resource.startswith("acct:"):
        username, _, host = unquote(resource[5:]).lstrip("@").rpartition("@")
        if host.lower() not in (config.host.lower(), config.domain.lower()):
            raise NotFound(f"{resource} is not on this instance")
    elif resource.startswith(config.base_url + "/"):
        path = urlsplit(resource).path
        if path == "/actor":
            username = config.domain
        elif path.startswith("/users/"):
            username = path[len("/users/"):]
        elif path.startswith(("/boxes/", "/districts/")):
            found = await actors_store.get_actor_by_ap_id(conn, resource)
            username = (found.username or "") if found else ""
        elif path.startswith("/@"):
            username = path[2:]
        else:
            raise NotFound(f"{resource} is not an actor here")
    else:
        raise NotFound(f"{resource} is not on this instance")
    actor = await actors_store.get_local_actor(conn, username)
    if actor is None or (actor.type == "Group" and not actor.discoverable):
        raise NotFound(f"no actor for {resource}")  # a private box is not to be found
    return actor


@bp.get("/.well-known/host-meta")
async def host_meta():
    base = runtime.current().config.base_url
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template="{base}/.well-known/webfinger?resource={{uri}}"/>\n'
        "</XRD>\n"
    )
    return Response(xml, content_type="application/xrd+xml")


@bp.get("/.well-known/nodeinfo")
async def nodeinfo_links():
    return activity_response(documents.nodeinfo_links(runtime.current().config), content_type="application/json")


@bp.get("/nodeinfo/<version>")
async def nodeinfo(version: str):
    if version not in documents.NODEINFO_SCHEMAS:
        raise NotFound(f"NodeInfo {version} is not served; try 2.0 or 2.1")
    rt = runtime.current()
    conn = rt.db.reader
    now = utcnow()
    document = documents.nodeinfo(
        rt.config, version,
        users=await actors_store.count_local_people(conn),
        active_month=await actors_store.count_active_local_people(conn, iso(now - timedelta(days=30))),
        active_halfyear=await actors_store.count_active_local_people(conn, iso(now - timedelta(days=180))),
        local_posts=await social.count_local_posts(conn),
        rules=[{"id": str(r["id"]), "text": r["text_en"] if rt.config.default_language == "en" and r["text_en"]
                else r["text_de"]} for r in await legal_store.rules(conn)],
    )
    schema = documents.NODEINFO_SCHEMAS[version]
    return activity_response(document, content_type=f'application/json; profile="{schema}#"')


@bp.get("/actor")
async def instance_actor():
    """The instance actor; always served unsigned, since others need its key to verify our GETs."""
    rt = runtime.current()
    actor = await actors_store.get_instance_actor(rt.db.reader)
    if actor is None:
        raise NotFound("this instance has no instance actor yet; run 'wecreate-fed init'")
    return activity_response(await documents.local_actor_document(rt.db.reader, actor))


@bp.get("/actor/<direction>")
async def instance_actor_collection(direction: str):
    """Which instances follow this one, and which it follows."""
    if direction not in ("followers", "following"):
        raise NotFound("no such collection")
    actor = await actors_store.get_instance_actor(runtime.current().db.reader)
    if actor is None:
        raise NotFound("this instance has no instance actor yet; run 'wecreate-fed init'")
    return await follow_collection(actor, direction)


@bp.get("/users/<username>")
async def actor(username: str):
    """Actor JSON for ActivityPub clients; browsers are sent to the profile page.

    Actor documents stay readable unsigned even under authorised fetch: servers need
    them to get the key that verifies the very signatures we require.
    """
    rt = runtime.current()
    found = await actors_store.get_local_user(rt.db.reader, username)
    if found is None and wants_activity_json():
        gone = await actors_store.get_deleted_local_actor(rt.db.reader, username)
        if gone is not None and gone.type in ("Person", "Organization"):
            return activity_response({"@context": ld.AS_CONTEXT, "id": gone.ap_id, "type": "Tombstone",
                                      "formerType": gone.type, "deleted": gone.deleted_at}, 410)
    if found is None:
        raise NotFound(f"no user '{username}' here")  # districts and boxes live at their own paths
    if found.suspended_at is not None and wants_activity_json():
        # Suspended by moderation: gone for other servers (the data waits here for an appeal).
        return activity_response({"@context": ld.AS_CONTEXT, "id": found.ap_id, "type": "Tombstone",
                                  "formerType": found.type, "deleted": found.suspended_at}, 410)
    if not wants_activity_json():
        return redirect(found.url or "/", 302)
    return activity_response(await documents.local_actor_document(rt.db.reader, found))


@bp.get("/users/<username>/followers")
async def followers(username: str):
    return await _follow_collection(username, "followers")


@bp.get("/users/<username>/following")
async def following(username: str):
    return await _follow_collection(username, "following")


@bp.get("/users/<username>/liked")
async def liked(username: str):
    """What the actor liked (AP §5.5), newest first, paged like the other collections; for the actor
    alone (its token or its signature), since its Likes went to the liked objects' authors only."""
    rt = runtime.current()
    found = await actors_store.get_local_actor(rt.db.reader, username)
    if found is None or found.type not in documents.LIKING_TYPES:
        raise NotFound(f"no user '{username}' here")
    asking = await viewer(rt)
    if asking is None or asking.id != found.id:
        raise Forbidden("only its owner may read an actor's liked collection (with its token or signature)")
    collection_id = urls.liked_of(found.ap_id)
    if request.args.get("page") is None:
        return activity_response(collections.collection(collection_id, await social.count_liked(rt.db.reader, found.id)))
    max_id = collections.parse_max_id(request.args.get("max_id"))
    rows = await social.list_liked(rt.db.reader, found.id, limit=collections.PAGE_SIZE, before_id=max_id)
    return activity_response(collections.page(
        collection_id, [r["object_ap_id"] for r in rows], max_id=max_id,
        last_row_id=rows[-1]["id"] if rows else None, full=len(rows) == collections.PAGE_SIZE,
    ))


async def _follow_collection(username: str, direction: str):
    rt = runtime.current()
    found = await actors_store.get_local_user(rt.db.reader, username)
    if found is None:
        raise NotFound(f"no user '{username}' here")
    return await follow_collection(found, direction)


async def follow_collection(found, direction: str):
    """The followers or following collection of any local actor (people, districts, boxes)."""
    rt = runtime.current()
    await signed_fetcher(rt)
    conn = rt.db.reader
    collection_id = f"{found.ap_id}/{direction}"
    if request.args.get("page") is None:
        total = await social.count_follows(conn, found.id, direction=direction)
        return activity_response(collections.collection(collection_id, total))
    max_id = collections.parse_max_id(request.args.get("max_id"))
    rows = await social.list_follows(conn, found.id, direction=direction, limit=collections.PAGE_SIZE,
                                     before_id=max_id)
    return activity_response(collections.page(
        collection_id, [a.ap_id for _, a in rows], max_id=max_id,
        last_row_id=rows[-1][0] if rows else None, full=len(rows) == collections.PAGE_SIZE,
    ))
