"""Membership commands: joining and leaving boxes here and elsewhere, approving requests, inviting,
removing members, roles and handing over ownership.

Each writes its change, the activity telling the other server and its deliveries in one
transaction; what needs the network (finding a remote box or invitee) happens before it.
"""

from __future__ import annotations

from actors import remote
from outbox import activities
from outbox.send import outgoing
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, NotFound, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import boxes as box_store
from wecreate_fed.store import notifications, social
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.boxes import Box

from .. import audience
from . import delivery, documents, validation
from .access import MODERATORS, local_box, require_role, role_of


async def admission(rt: Runtime, box: Actor, record: Box, person_ap_id: str) -> str:
    """accepted, pending, or Forbidden for a private box without an invitation (a working group
    takes the members of its space at once)."""
    if record.org_id is not None:
        person = await actors_store.get_actor_by_ap_id(rt.db.reader, person_ap_id)
        if person is not None and await audience.may_see(rt, person, record.org_id):
            return "accepted"
    invited = await box_store.has_invitation(rt.db.reader, box.id, person_ap_id)
    if record.visibility == "open" or invited:
        return "accepted"
    if record.visibility == "closed":
        return "pending"
    raise Forbidden("this box takes members by invitation only")


async def join(rt: Runtime, person: Actor, box_ap_id: str) -> str:
    """A local person asks to join a box here or elsewhere; returns 'accepted' or 'pending'."""
    target = await _box_actor(rt, box_ap_id)
    if target.is_local:
        _, record = await local_box(rt, target.ap_id)
        state = await admission(rt, target, record, person.ap_id)
        async with rt.db.transaction() as conn:
            existing = await box_store.get_member(conn, target.id, person.id)
            if existing is not None and existing.state == "accepted":
                return "accepted"  # asking again changes nothing
            await box_store.set_member(conn, target.id, person.id, state=state)
        return state
    follow = activities.follow(rt.config, person, target)
    async with outgoing(rt) as out:
        await social.add_follow(out.conn, person.id, target.id, follow["id"], accepted=False)
        await out.queue(person, follow, delivery.to_actor(target))
    return "pending"


async def _box_actor(rt: Runtime, box_ap_id: str) -> Actor:
    try:
        actor = await remote.get_actor(rt, box_ap_id)
    except WeCreateError as e:
        raise BadRequest(f"cannot find the box {box_ap_id}: {e}", field="object") from e
    if actor.type != "Group":
        raise BadRequest(f"{box_ap_id} is not a box", field="object")
    return actor


async def leave(rt: Runtime, person: Actor, box_ap_id: str) -> None:
    """Leave a box (here: at once; elsewhere: an Undo of the Follow, queued with the change)."""
    target = await actors_store.get_actor_by_ap_id(rt.db.reader, box_ap_id)
    if target is None:
        raise NotFound(f"no box {box_ap_id}")
    if target.is_local:
        role = await role_of(rt, target, person)
        if role is None:
            raise NotFound("you are not a member of this box")
        if role == "owner":
            raise Conflict("the owner must hand over ownership before leaving")
        async with rt.db.transaction() as conn:
            await box_store.delete_member(conn, target.id, person.id)
        return
    follow = await social.get_follow(rt.db.reader, person.id, target.id)
    if follow is None:
        raise NotFound("you are not a member of this box")
    original = {"id": follow["follow_ap_id"], "type": "Follow", "actor": person.ap_id, "object": target.ap_id}
    undo = activities.undo(rt.config, person, original)
    undo["to"] = [target.ap_id]
    async with outgoing(rt) as out:
        if not await social.delete_follow(out.conn, person.id, target.id):
            raise NotFound("you are not a member of this box")
        await out.queue(person, undo, delivery.to_actor(target))


async def answer_request(rt: Runtime, moderator: Actor, box_ref: str, member_ap_id: str, *, approve: bool) -> None:
    """A moderator approves or refuses a pending request; a remote requester's server gets Accept or Reject."""
    box, _ = await local_box(rt, box_ref)
    await require_role(rt, box, moderator, MODERATORS)
    member = await actors_store.get_actor_by_ap_id(rt.db.reader, member_ap_id)
    if member is None:
        raise NotFound(f"no pending request from {member_ap_id}", field="member")
    async with outgoing(rt) as out:
        request = await box_store.get_member(out.conn, box.id, member.id)
        if request is None or request.state != "pending":
            raise NotFound(f"no pending request from {member_ap_id}", field="member")
        if approve:
            await box_store.set_member(out.conn, box.id, member.id, state="accepted")
        else:
            await box_store.delete_member(out.conn, box.id, member.id)
        if not member.is_local:
            builder = activities.accept if approve else activities.reject
            follow = documents.request_of(box, member, request.request_ap_id)
            await out.queue(box, builder(rt.config, box, follow, member.ap_id), delivery.to_actor(member))


async def invite(rt: Runtime, moderator: Actor, box_ref: str, invitee_ref: str) -> Actor:
    """Invite someone (local or remote, by id or handle); a remote invitee's server gets an Invite."""
    box, _ = await local_box(rt, box_ref)
    await require_role(rt, box, moderator, MODERATORS)
    try:
        invitee = await remote.find_actor(rt, invitee_ref)
    except WeCreateError as e:
        raise BadRequest(f"cannot find {invitee_ref}: {e}", field="handle") from e
    async with outgoing(rt) as out:
        await box_store.add_invitation(out.conn, box.id, invitee.ap_id, moderator.id)
        if invitee.is_local:
            await notifications.add(out.conn, [invitee.id], kind="box_invitation", object_ap_id=box.ap_id,
                                    by_ap_id=moderator.ap_id,
                                    params={"box": box.name or box.handle, "name": moderator.name or moderator.handle})
        else:
            await out.queue(box, documents.invitation(rt.config, box, invitee), delivery.to_actor(invitee))
    return invitee


async def remove_member(rt: Runtime, moderator: Actor, box_ref: str, member_ap_id: str) -> None:
    """A moderator removes a member (not the owner); a remote member's server gets a Reject of the Follow."""
    box, _ = await local_box(rt, box_ref)
    await require_role(rt, box, moderator, MODERATORS)
    member = await actors_store.get_actor_by_ap_id(rt.db.reader, member_ap_id)
    if member is None:
        raise NotFound(f"{member_ap_id} is not a member", field="member")
    async with outgoing(rt) as out:
        row = await box_store.get_member(out.conn, box.id, member.id)
        if row is None:
            raise NotFound(f"{member_ap_id} is not a member", field="member")
        if row.role == "owner":
            raise Forbidden("the owner cannot be removed", field="member")
        await box_store.delete_member(out.conn, box.id, member.id)
        if not member.is_local:
            follow = documents.request_of(box, member, row.request_ap_id)
            await out.queue(box, activities.reject(rt.config, box, follow, member.ap_id), delivery.to_actor(member))


async def set_role(rt: Runtime, owner: Actor, box_ref: str, member_ap_id: str, role: str) -> None:
    """The owner makes a member a moderator or back; handing over 'owner' makes the old owner a moderator.

    Members' servers learn of a change of the moderators collection (Add / Remove).
    """
    box, _ = await local_box(rt, box_ref)
    await require_role(rt, box, owner, ("owner",))
    validation.role(role)
    member = await actors_store.get_actor_by_ap_id(rt.db.reader, member_ap_id)
    if member is None or await role_of(rt, box, member) is None:
        raise NotFound(f"{member_ap_id} is not a member", field="member")
    if member.id == owner.id:
        raise BadRequest("hand ownership to another member instead", field="member")
    async with outgoing(rt) as out:
        before = await role_of(rt, box, member, out.conn)
        if before is None:
            raise NotFound(f"{member_ap_id} is not a member", field="member")
        await box_store.set_role(out.conn, box.id, member.id, role)
        if role == "owner":
            await box_store.set_role(out.conn, box.id, owner.id, "moderator")
        if (before in MODERATORS) != (role in MODERATORS):
            change = documents.moderators_changed(rt.config, box, member, added=role in MODERATORS)
            await delivery.tell_members(out, box, change)
