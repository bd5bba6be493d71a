"""ActivityPub routes of boxes and motions, and of our objects by id.

A private box shows nothing to non-members: every route here answers 404 unless the
(signed) fetcher may see the box — never 403, so its existence is not revealed either.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from quart import Blueprint, redirect

from actors.requests import activity_response, signed_fetcher, viewer, wants_activity_json
from outbox.routes import may_see, outbox_collection
from wecreate_fed import ld, runtime, urls
from wecreate_fed.errors import NotFound
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import boxes as box_store
from wecreate_fed.store import social

from . import audience, boxes, motions

bp = Blueprint("boxes", __name__)


async def _visible_box(slug: str, *, invitees: bool = False):
    rt = runtime.current()
    # The signature first: under authorised fetch an unsigned request then gets the same 401
    # whether the box is private or missing, never a 404/401 pair that tells them apart.
    fetcher = await signed_fetcher(rt)
    box, row = await boxes.local_box(rt, slug)
    await boxes.require_view(rt, box, row, fetcher, invitees=invitees)
    return rt, box, row


@bp.get("/boxes/<slug>")
async def box_actor(slug: str):
    if not wants_activity_json():
        return redirect(urls.PAGE_PATHS["box"] + quote(slug, safe=""), 302)  # a browser: to the box's page
    rt, box, _ = await _visible_box(slug, invitees=True)
    return activity_response(await boxes.box_document(rt, box))


@bp.get("/boxes/<slug>/followers")
async def box_members(slug: str):
    """The members (FEP-1b12: a group's followers are its members)."""
    rt, box, _ = await _visible_box(slug)
    members = await box_store.list_members(rt.db.reader, box.id)
    return activity_response(_collection(f"{box.ap_id}/followers", [a.ap_id for _, a in members]))


@bp.get("/boxes/<slug>/moderators")
async def box_moderators(slug: str):
    """FEP-1b12: the collection at the group's attributedTo lists its moderators."""
    rt, box, _ = await _visible_box(slug)
    moderators = await box_store.list_members(rt.db.reader, box.id, roles=("owner", "moderator"))
    return activity_response(_collection(f"{box.ap_id}/moderators", [a.ap_id for _, a in moderators]))


@bp.get("/boxes/<slug>/following")
async def box_following(slug: str):
    _, box, _ = await _visible_box(slug)
    return activity_response(_collection(f"{box.ap_id}/following", []))


@bp.get("/boxes/<slug>/posts")
async def box_posts(slug: str):
    """The box's discussion, oldest first."""
    rt, box, _ = await _visible_box(slug)
    posts = await box_store.list_posts(rt.db.reader, box.ap_id)
    return activity_response(_collection(f"{box.ap_id}/posts", [p.ap_id for p in posts]))


@bp.get("/boxes/<slug>/outbox")
async def box_outbox(slug: str):
    _, box, _ = await _visible_box(slug)
    return await outbox_collection(box)


def _collection(collection_id: str, items: list[str]) -> dict:
    return {"@context": ld.AS_CONTEXT, "id": collection_id, "type": "OrderedCollection",
            "totalItems": len(items), "orderedItems": items}


@bp.get("/motions/<uuid>")
async def motion(uuid: str):
    if not wants_activity_json():
        return redirect(urls.PAGE_PATHS["motion"] + quote(uuid, safe=""), 302)
    rt = runtime.current()
    data = await motions.view(rt, urls.motion_id(rt.config, uuid), await signed_fetcher(rt))
    return activity_response(await motions.motion_document(rt, data["motion"]))


@bp.get("/objects/<uuid>")
async def get_object(uuid: str):
    """Our objects: public ones for anyone, others for their author and those they are addressed to
    (see outbox.routes.may_see), and a box's posts for whoever may see the box."""
    rt = runtime.current()
    fetcher = await viewer(rt)
    row = await social.get_object(rt.db.reader, urls.id_of(rt.config, "object", uuid))
    if row is None or not row["is_local"]:
        raise NotFound("no such object")
    data = json.loads(row["data"])
    if row["members_of"] is not None:  # members-only (issue 12): its members, nobody else
        await audience.require_see(rt, fetcher, row["members_of"], "object")
    elif row["audience"]:
        box = await actors_store.get_actor_by_ap_id(rt.db.reader, row["audience"])
        if box is not None and await boxes.is_local_box(rt, box):
            _, box_row = await boxes.local_box(rt, box.ap_id)
            await boxes.require_view(rt, box, box_row, fetcher)
        elif not row["is_public"] and not await may_see(rt, fetcher, data, row["actor_id"]):
            raise NotFound("no such object")
    elif not row["is_public"] and not await may_see(rt, fetcher, data, row["actor_id"]):
        raise NotFound("no such object")  # 404, not 403: do not reveal that it exists
    if row["deleted_at"] is not None:
        return activity_response({"@context": ld.AS_CONTEXT, **data}, 410)
    return activity_response({"@context": ld.default_context(), **ld.without_context(data)})
