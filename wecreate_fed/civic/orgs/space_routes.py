"""The ActivityPub side of organisation spaces: an Organization's `featured` collection.

Only its public pinned notes are in it (civic/orgs/pins.py); nothing of the space's members-only
content is ever served here.
"""

from __future__ import annotations

from quart import Blueprint

from actors.requests import activity_response, signed_fetcher
from wecreate_fed import runtime
from wecreate_fed.errors import NotFound
from wecreate_fed.store import actors as actors_store

from . import pins

bp = Blueprint("org_space_ap", __name__)


@bp.get("/users/<username>/collections/featured")
async def featured(username: str):
    rt = runtime.current()
    await signed_fetcher(rt)  # under authorised fetch, as the other collections
    org = await actors_store.get_local_user(rt.db.reader, username)
    if org is None or org.type != "Organization" or org.suspended_at is not None:
        raise NotFound(f"no featured collection of '{username}' here")
    return activity_response(await pins.featured(rt, org))
