"""Who may do what: moderators handle reports, content and accounts; admins also domain policy,
the rules, settings and roles. Changing a role is itself an audited admin action."""

from __future__ import annotations

from dataclasses import dataclass

from wecreate_fed.errors import BadRequest, Conflict, NotFound
from wecreate_fed.store import Connection, audit
from wecreate_fed.store import accounts as accounts_store

ROLES = ("user", "moderator", "admin")


def may_moderate(role: str | None) -> bool:
    return role in ("moderator", "admin")


def may_administer(role: str | None) -> bool:
    return role == "admin"


@dataclass(frozen=True)
class By:
    """Who acts: a logged-in moderator or admin (actor id and username), or the command line."""

    actor_id: int | None
    name: str


CLI = By(None, "cli")
SYSTEM = By(None, "system")


async def set_role(conn: Connection, username: str, role: str, *, by: By) -> tuple[str, str]:
    """Give the account `role`; returns (old, new). The last admin is never demoted (nobody could undo it)."""
    if role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}", field="role", code="invalid_choice")
    row = await accounts_store.get_role(conn, username)
    if row is None:
        raise NotFound(f"no account '{username}' here", code="no_such_account")
    old = row["role"]
    if old == role:
        return old, role
    if old == "admin" and await accounts_store.count_role(conn, "admin") <= 1:
        raise Conflict(f"'{row['username']}' is the last admin; make someone else admin first", code="last_admin")
    await accounts_store.set_role(conn, row["actor_id"], role)
    await audit.record(conn, by.actor_id, by.name, "role.set", row["username"], before={"role": old},
                       after={"role": role})
    return old, role
