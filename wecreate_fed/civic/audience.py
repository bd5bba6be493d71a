"""The members-only audience (issue 12): who may see an idea, event, post, poll or file whose
`members_of` names an organisation space (or, on a private instance, the instance actor).

`members_of` NULL is the public or followers audience as before. An Organization's id: only
its accepted members and the Organization account itself. The instance actor's id: every local
account. Members are local accounts only, so such items are delivered to no server at all; to
anyone else (remote servers included, signed or not) they do not exist: 404, never 403.
"""

from __future__ import annotations

from .. import urls
from ..config import Config
from ..errors import BadRequest, NotFound
from ..runtime import Runtime
from ..store import Connection
from ..store import actors as actors_store
from ..store import orgs as orgs_store
from ..store.actors import Actor

INSTANCE = "instance"  # the form and API value of "every account of this (private) instance"
ACCOUNT_TYPES = ("Person", "Organization")


def _private(config: Config) -> bool:
    # `instance.mode = "private"` (helper "private" adds Config.private); before that merge, public.
    return bool(getattr(config, "private", False))


def _bad(message: str) -> BadRequest:
    return BadRequest(message, field="members_of", code="invalid_choice")


async def members_of_choice(rt: Runtime, author: Actor, value: str | None) -> int | None:
    """The `members_of` to store for a form or API value: "" or None = public (None); "instance" =
    every local account (private instances only); an Organization's username = its space, if the
    author is an accepted member of it (or is it). Anything else: BadRequest on field members_of."""
    if value is None or not isinstance(value, str) or not value.strip():
        if value is not None and not isinstance(value, str):
            raise _bad("members_of must be a text: an organisation's username, 'instance' or empty")
        return None
    value = value.strip().removeprefix("@")
    if not author.is_local or author.type not in ACCOUNT_TYPES:
        raise _bad("only a local account can choose a members-only audience")
    conn = rt.db.reader
    if value == INSTANCE:
        if not _private(rt.config):
            raise _bad("'instance' is an audience of private instances only")
        instance = await actors_store.get_instance_actor(conn)
        if instance is None:  # made at start; a missing one is a broken database
            raise LookupError("no instance actor")
        return instance.id
    org = await actors_store.get_local_user(conn, value)
    if org is None or org.type != "Organization" or await role_in(rt, org, author, conn) is None:
        raise _bad(f"'{value}' is not an organisation space you are a member of")
    return org.id


async def may_see(rt: Runtime, viewer: Actor | None, members_of: int | None, conn: Connection | None = None) -> bool:
    """True for the public audience (None); else whether `viewer` (a local account, or None for a
    visitor or a remote server) is in the audience `members_of`."""
    if members_of is None:
        return True
    if viewer is None or not viewer.is_local or viewer.deleted_at is not None:
        return False
    return await orgs_store.may_see(conn or rt.db.reader, members_of, viewer.id)


async def require_see(rt: Runtime, viewer: Actor | None, members_of: int | None, what: str,
                      conn: Connection | None = None) -> None:
    """NotFound (404, never 403: a members-only item does not exist for anyone else) unless `viewer` may see it."""
    if not await may_see(rt, viewer, members_of, conn):
        raise NotFound(f"no such {what}", field=what)


async def role_in(rt: Runtime, org: Actor, person: Actor | None, conn: Connection | None = None) -> str | None:
    """'admin', 'board' or 'member' for an accepted member of the space `org`, else None; the
    Organization account itself is admin of its own space."""
    if person is None or not person.is_local or org.type != "Organization" or not org.is_local:
        return None
    if person.id == org.id:
        return "admin"
    return await orgs_store.accepted_role(conn or rt.db.reader, org.id, person.id)


async def organisations_of(rt: Runtime, person: Actor) -> list[Actor]:
    """The spaces `person` is an accepted member of (an Organization: its own first)."""
    if not person.is_local:
        return []
    return await orgs_store.organisations_of(rt.db.reader, person.id)


async def audience_actor(rt: Runtime, members_of: int | None, conn: Connection | None = None) -> Actor | None:
    """The Organization (or instance actor) a `members_of` names, or None for the public audience."""
    if members_of is None:
        return None
    return await actors_store.get_actor(conn or rt.db.reader, members_of)


def audience_collection(config: Config, org: Actor) -> str:
    """The `to` of a members-only activity: the space's members collection (the instance's for the
    instance actor). Never Public, never followers, so no recipient resolver finds a server in it."""
    if org.type == "Application":
        return urls.members_collection_id(config, None)
    assert org.username is not None  # local Organizations always have one
    return urls.members_collection_id(config, org.username)
