"""Who belongs to an organisation space: invitations, requests and their approval, leaving,
removing and roles. Members are local accounts only; nothing here federates (a space's
membership is nobody else's business), and each step is one transaction with its notification.

Board members and admins invite, approve and remove members; only admins change roles or
remove board members and admins; a space never loses its last admin (the Organization account
itself counts as admin too, so a space made without any admin row is still managed by it).
"""

from __future__ import annotations

from wecreate_fed import urls
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, NotFound
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection, notifications
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import orgs as orgs_store
from wecreate_fed.store.actors import Actor

from .. import audience

ROLES = orgs_store.ROLES
MANAGERS = ("board", "admin")


async def space(rt: Runtime, username: str) -> Actor:
    """The local Organization `username` (NotFound for anything else)."""
    org = await actors_store.get_local_user(rt.db.reader, username)
    if org is None or org.type != "Organization":
        raise NotFound(f"no organisation '{username}' here", code="no_such_space")
    return org


async def person(rt: Runtime, username: str) -> Actor:
    """A local account by username, for the invite form (a problem on its field otherwise)."""
    found = await actors_store.get_local_user(rt.db.reader, (username or "").strip().removeprefix("@"))
    if found is None:
        raise BadRequest(f"no account '{username}' here", field="username", code="account_unknown")
    return found


async def require_role(rt: Runtime, org: Actor, actor: Actor, roles: tuple[str, ...] = MANAGERS) -> str:
    role = await audience.role_in(rt, org, actor)
    if role not in roles:
        raise Forbidden("only the board and the admins of this space may do that" if roles == MANAGERS
                        else "only the admins of this space may do that", code="members_not_allowed")
    return role


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise BadRequest(f"the role must be one of {', '.join(ROLES)}", field="role", code="invalid_choice",
                         params={"choices": ", ".join(ROLES)})
    return role


async def tell(conn: Connection, rt: Runtime, ids: list[int], kind: str, org: Actor, by: Actor, **params) -> None:
    await notifications.add(conn, ids, kind=kind, object_ap_id=urls.members_page(rt.config, org.username or ""), by_ap_id=by.ap_id,
                            params={"space": org.name or org.username or "", "name": by.name or by.handle, **params})


async def invite(rt: Runtime, by: Actor, org: Actor, invited: Actor, role: str = "member") -> str:
    """Invite a local account; it joins when it accepts. Returns the state it is in now ("invited",
    or "accepted" when it had asked to join already)."""
    my_role = await require_role(rt, org, by)
    _check_role(role)
    if role != "member" and my_role != "admin":
        raise Forbidden("only admins invite board members and admins", code="members_not_allowed")
    if invited.id == org.id or not invited.is_local or invited.type not in audience.ACCOUNT_TYPES:
        raise BadRequest("only local accounts can be members", field="username", code="account_unknown")
    async with rt.db.transaction() as conn:
        row = await orgs_store.get(conn, org.id, invited.id)
        if row is not None and row.state == "accepted":
            raise Conflict("already a member", field="username", code="members_already")
        if row is not None and row.state == "invited":
            raise Conflict("already invited", field="username", code="members_already_invited")
        state = "accepted" if row is not None and row.state == "requested" else "invited"
        await orgs_store.put(conn, org.id, invited.id, role=role, state=state, invited_by=by.id)
        await tell(conn, rt, [invited.id], "members_approved" if state == "accepted" else "members_invited", org, by)
    return state


async def answer_invitation(rt: Runtime, invited: Actor, org: Actor, accept: bool) -> None:
    """The invited person accepts (a member from now on) or declines (the invitation is gone)."""
    async with rt.db.transaction() as conn:
        row = await orgs_store.get(conn, org.id, invited.id)
        if row is None or row.state != "invited":
            raise NotFound("no invitation to this space", code="members_no_invitation")
        if accept:
            await orgs_store.put(conn, org.id, invited.id, role=row.role, state="accepted")
            if row.invited_by is not None:
                await tell(conn, rt, [row.invited_by], "members_joined", org, invited)
        else:
            await orgs_store.remove(conn, org.id, invited.id)


async def request(rt: Runtime, asking: Actor, org: Actor) -> str:
    """Ask to join; the board and admins hear of it. An open invitation is accepted instead."""
    if asking.id == org.id or not asking.is_local or asking.type not in audience.ACCOUNT_TYPES:
        raise Forbidden("only local accounts can join a space", code="members_not_allowed")
    row = await orgs_store.get(rt.db.reader, org.id, asking.id)
    if row is not None and row.state == "invited":
        await answer_invitation(rt, asking, org, True)
        return "accepted"
    async with rt.db.transaction() as conn:
        row = await orgs_store.get(conn, org.id, asking.id)
        if row is not None:
            raise Conflict("already a member" if row.state == "accepted" else "already asked to join",
                           code="members_already" if row.state == "accepted" else "members_already_asked")
        await orgs_store.put(conn, org.id, asking.id, role="member", state="requested")
        await tell(conn, rt, await orgs_store.managers(conn, org.id), "members_requested", org, asking)
    return "requested"


async def answer_request(rt: Runtime, by: Actor, org: Actor, asking: Actor, approve: bool) -> None:
    """A board member or admin approves a request (a member from now on) or turns it down."""
    await require_role(rt, org, by)
    async with rt.db.transaction() as conn:
        row = await orgs_store.get(conn, org.id, asking.id)
        if row is None or row.state != "requested":
            raise NotFound("no such request", code="members_no_request")
        if approve:
            await orgs_store.put(conn, org.id, asking.id, role="member", state="accepted", invited_by=by.id)
            await tell(conn, rt, [asking.id], "members_approved", org, by)
        else:
            await orgs_store.remove(conn, org.id, asking.id)
            await tell(conn, rt, [asking.id], "members_declined", org, by)


async def _keep_an_admin(conn: Connection, org: Actor, member: Actor) -> None:
    """Refuse what would leave the space without an admin person (the Organization account aside)."""
    role = await orgs_store.accepted_role(conn, org.id, member.id)
    if role == "admin" and await orgs_store.count_admins(conn, org.id) <= 1:
        raise Conflict("the space would have no admin left: make someone else admin first", code="members_last_admin")


async def leave(rt: Runtime, member: Actor, org: Actor) -> None:
    """A member leaves (an asked or invited person takes that back); never the last admin."""
    async with rt.db.transaction() as conn:
        row = await orgs_store.get(conn, org.id, member.id)
        if row is None:
            raise NotFound("not a member of this space", code="members_not_member")
        await _keep_an_admin(conn, org, member)
        await orgs_store.remove(conn, org.id, member.id)
        if row.state == "accepted":
            managers = [m for m in await orgs_store.managers(conn, org.id) if m != member.id]
            await tell(conn, rt, managers, "members_left", org, member)


async def remove(rt: Runtime, by: Actor, org: Actor, member: Actor) -> None:
    """Board members remove members (and withdraw invitations); admins anyone; never the last admin."""
    my_role = await require_role(rt, org, by)
    async with rt.db.transaction() as conn:
        row = await orgs_store.get(conn, org.id, member.id)
        if row is None:
            raise NotFound("not a member of this space", code="members_not_member")
        if row.role != "member" and my_role != "admin":
            raise Forbidden("only admins remove board members and admins", code="members_not_allowed")
        await _keep_an_admin(conn, org, member)
        await orgs_store.remove(conn, org.id, member.id)
        if row.state == "accepted":
            await tell(conn, rt, [member.id], "members_removed", org, by)


async def change_role(rt: Runtime, by: Actor, org: Actor, member: Actor, role: str) -> None:
    """Admins only; the last admin keeps the role until another one is made."""
    await require_role(rt, org, by, ("admin",))
    _check_role(role)
    async with rt.db.transaction() as conn:
        row = await orgs_store.get(conn, org.id, member.id)
        if row is None or row.state != "accepted":
            raise NotFound("not a member of this space", code="members_not_member")
        if row.role == role:
            return
        if row.role == "admin":
            await _keep_an_admin(conn, org, member)
        await orgs_store.set_role(conn, org.id, member.id, role)
        await tell(conn, rt, [member.id], "members_role", org, by, role=role)
