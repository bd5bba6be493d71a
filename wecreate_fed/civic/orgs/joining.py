"""Registering with an organisation space's invitation (mailed by the CSV import) joins the space."""

from __future__ import annotations

from wecreate_fed.store import Connection
from wecreate_fed.store import accounts as accounts_store
from wecreate_fed.store import orgs as orgs_store
from wecreate_fed.store.actors import Actor


async def join_on_registration(conn: Connection, code: str, actor: Actor, *, spent: bool) -> bool:
    """A new account registered with a space's invitation joins the space, in the registration's
    transaction; `spent` says whether registration used the code up already (invite mode). True if it joined."""
    invitation_id = await orgs_store.invitation_id(conn, code) if code else None
    found = await orgs_store.invitation_for(conn, invitation_id) if invitation_id is not None else None
    if found is None:
        return False
    if not spent and not await accounts_store.use_invitation(conn, code, actor.id):
        return False  # used up or expired: the account is made, it just does not join
    await orgs_store.put(conn, found["org_id"], actor.id, role=found["role"], state="accepted",
                         invited_by=found["invited_by"])
    return True
