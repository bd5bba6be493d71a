"""Working groups (Ortsverbände, AGs): boxes inside an organisation space.

A working group is a private box with `org_id` = the Organization: never listed, federated or
shown to anyone outside, seen by the space's members (civic/boxes/access.py), who join it at
once (civic/boxes/membership.py). The board and the admins of the space create them; the
creator is the box's owner, as with any box, and everything else works as in boxes.
"""

from __future__ import annotations

from wecreate_fed.errors import BadRequest
from wecreate_fed.runtime import Runtime
from wecreate_fed.store.actors import Actor

from .. import boxes
from ..boxes.validation import slugify
from .space import Space, require_board

FIELDS = ("name", "slug", "summary", "purpose", "meeting_time", "meeting_place")
RESERVED = ("new",)  # /boxes/new is the box form (web/box_pages.py keeps the same name free)


async def create_group(rt: Runtime, space: Space, data: dict) -> Actor:
    """A new working group of the space (board and admins only); its creator owns it."""
    require_board(space)
    values = {k: data.get(k) for k in FIELDS if data.get(k)}
    if (values.get("slug") or slugify(values.get("name") or "")) in RESERVED:
        raise BadRequest("the site needs that name itself", field="slug", code="slug_reserved")
    return await boxes.create(rt, space.viewer, {**values, "visibility": "private"}, org_id=space.org.id)
