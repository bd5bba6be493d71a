"""Finding local boxes, who has which role in them, and who may see them.

Open and closed boxes are public. A private one is seen only by its members and by the
instance actors of its members' servers (servers sign their fetches as their instance
actor, and forward what they fetch to that member only); with `invitees`, by invited people
and their servers too, who need the box's actor document to join it. A working group of an
organisation space (a private box with `org_id`) is seen by the space's members too, who may
join it. Everyone else gets 404, never 403: a private box is not to be known.
"""

from __future__ import annotations

from wecreate_fed import urls
from wecreate_fed.errors import BadRequest, Forbidden, NotFound
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import boxes as box_store
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.boxes import Box

from .. import audience

MODERATORS = ("owner", "moderator")


async def local_box(rt: Runtime, ref: str, conn: Connection | None = None) -> tuple[Actor, Box]:
    """A local box by slug or id: (its Group actor, its record)."""
    conn = conn or rt.db.reader
    ap_id = ref if ref.startswith(("http://", "https://")) else urls.box_id(rt.config, ref)
    actor = await actors_store.get_actor_by_ap_id(conn, ap_id)
    box = await box_store.get_box(conn, actor.id) if actor is not None and actor.is_local else None
    if actor is None or box is None or actor.deleted_at is not None:
        raise NotFound(f"no box {ap_id} here")  # worded as require_view's: a hidden box reads as a missing one
    return actor, box


async def is_local_box(rt: Runtime, actor: Actor | None) -> bool:
    return bool(actor and actor.is_local and actor.type == "Group"
                and await box_store.get_box(rt.db.reader, actor.id) is not None)


def local_box_id(rt: Runtime, ap_id: str) -> bool:
    """Whether `ap_id` has the form of one of our boxes' ids (not of its collections)."""
    local = urls.parse(rt.config, ap_id)
    return local is not None and local.kind == "box" and not local.rest


async def role_of(rt: Runtime, box: Actor, person: Actor | None, conn: Connection | None = None) -> str | None:
    """The accepted role of a person in a local box, or None."""
    if person is None:
        return None
    member = await box_store.get_member(conn or rt.db.reader, box.id, person.id)
    return member.role if member is not None and member.state == "accepted" else None


async def may_view(rt: Runtime, box: Actor, record: Box, viewer: Actor | None, *, invitees: bool = False) -> bool:
    if record.visibility != "private":
        return True
    if viewer is None:
        return False
    if await role_of(rt, box, viewer):
        return True
    if record.org_id is not None and await audience.may_see(rt, viewer, record.org_id):
        return True  # a working group: the members of its space
    if viewer.type == "Application" and viewer.domain in await box_store.list_member_hosts(rt.db.reader, box.id):
        return True
    if invitees:
        invited = await box_store.list_invitees(rt.db.reader, box.id)
        return viewer.ap_id in invited or (
            viewer.type == "Application" and viewer.domain in {urls.host_of(i) for i in invited})
    return False


async def require_view(rt: Runtime, box: Actor, record: Box, viewer: Actor | None, *,
                       invitees: bool = False) -> None:
    if not await may_view(rt, box, record, viewer, invitees=invitees):
        raise NotFound(f"no box {box.ap_id} here")


async def require_role(rt: Runtime, box: Actor, person: Actor, allowed: tuple[str, ...],
                       conn: Connection | None = None) -> str:
    role = await role_of(rt, box, person, conn)
    if role not in allowed:
        needed = "a member" if "member" in allowed else "a moderator" if "moderator" in allowed else "the owner"
        raise Forbidden(f"only {needed} of this box may do that")
    return role


async def member_by_ap_id(rt: Runtime, box: Actor, ap_id: str) -> Actor:
    actor = await actors_store.get_actor_by_ap_id(rt.db.reader, ap_id)
    if actor is None or await role_of(rt, box, actor) is None:
        raise BadRequest(f"{ap_id} is not a member of this box", field="assignee", code="invalid_choice")
    return actor
