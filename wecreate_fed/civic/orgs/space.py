"""An organisation space as its members see it: the home (announcements, next internal events,
working groups, internal drafts), the member directory (name, role, skills, groups), each
member's own skills, the internal calendar and the internal drafts.

Every function takes a `Space`, which `space_of` gives only to an accepted member (or the
Organization account itself): to anyone else, logged in or not, the space does not exist (404,
never 403), as members-only items do not (civic/audience.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from wecreate_fed import sanitize
from wecreate_fed.errors import BadRequest, Forbidden, NotFound
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import iso
from wecreate_fed.store import org_space as space_store
from wecreate_fed.store import orgs as orgs_store
from wecreate_fed.store.actors import Actor

from .. import audience

BOARD = ("admin", "board")  # who creates working groups, writes and pins announcements
SKILLS_MAX = 500
HOME_EVENTS, HOME_DRAFTS, HOME_ANNOUNCEMENTS = 5, 5, 10


@dataclass(frozen=True)
class Space:
    """An Organization's space and the role in it of the member looking at it."""

    org: Actor
    viewer: Actor
    role: str  # admin, board, member

    @property
    def is_board(self) -> bool:
        return self.role in BOARD


async def space_of(rt: Runtime, username: str, viewer: Actor | None) -> Space:
    """The space of the local Organization `username` for one of its members; NotFound otherwise."""
    org = await actors_store.get_local_user(rt.db.reader, username)
    if org is None or org.type != "Organization" or org.suspended_at is not None:
        raise NotFound(f"no organisation space '{username}' here", field="space", code="space_not_found")
    role = await audience.role_in(rt, org, viewer)
    if role is None or viewer is None:
        raise NotFound(f"no organisation space '{username}' here", field="space", code="space_not_found")
    return Space(org, viewer, role)


def require_board(space: Space) -> None:
    if not space.is_board:
        raise Forbidden("only the board and the admins of this space may do that", code="space_board_only")


async def home(rt: Runtime, space: Space) -> dict:
    """What the space's home page shows."""
    conn = rt.db.reader
    return {
        "announcements": await space_store.list_announcements(conn, space.org.id, limit=HOME_ANNOUNCEMENTS),
        "events": await space_store.list_space_events(conn, space.org.id, after=iso(), limit=HOME_EVENTS),
        "groups": await working_groups(rt, space),
        "drafts": await space_store.list_drafts(conn, space.org.id, limit=HOME_DRAFTS),
    }


async def working_groups(rt: Runtime, space: Space) -> list[dict]:
    """The space's working groups, each with its member count and whether the viewer is in it."""
    conn = rt.db.reader
    mine = {g.id for g in (await space_store.groups_of_members(conn, space.org.id)).get(space.viewer.id, [])}
    return [{"box": box, "profile": record, "members": count, "joined": box.id in mine}
            for box, record, count in await space_store.list_working_groups(conn, space.org.id)]


async def directory(rt: Runtime, space: Space) -> list[dict]:
    """The member directory: each accepted member's name, role, skills and working groups."""
    conn = rt.db.reader
    groups = await space_store.groups_of_members(conn, space.org.id)
    return [{"actor": actor, "role": m.role, "skills": m.skills, "groups": groups.get(actor.id, [])}
            for actor, m in await orgs_store.list_members(conn, space.org.id)]


async def own_skills(rt: Runtime, space: Space) -> str:
    found = await orgs_store.get(rt.db.reader, space.org.id, space.viewer.id)
    return found.skills if found is not None else ""


async def set_own_skills(rt: Runtime, space: Space, text: str | None) -> str:
    """A member writes their own skills (plain text); the Organization account has no row to write."""
    if text is not None and not isinstance(text, str):
        raise BadRequest("skills must be text", field="skills", code="not_text")
    value = (text or "").strip()
    if len(value) > SKILLS_MAX:
        raise BadRequest(f"skills are longer than {SKILLS_MAX} characters", field="skills", code="too_long",
                         params={"limit": SKILLS_MAX})
    skills = sanitize.plain_text(value, SKILLS_MAX)
    async with rt.db.transaction() as conn:
        membership = await orgs_store.get(conn, space.org.id, space.viewer.id)
        if membership is None or membership.state != "accepted":
            raise Forbidden("only members of the space have skills in its directory", code="space_no_row")
        await orgs_store.set_skills(conn, space.org.id, space.viewer.id, skills)
    return skills


async def calendar(rt: Runtime, space: Space) -> list:
    """The internal calendar: upcoming members-only events of the space and its working groups' meetings."""
    return await space_store.list_space_events(rt.db.reader, space.org.id, after=iso())


async def drafts(rt: Runtime, space: Space) -> list:
    """The internal drafts: the space's members-only ideas and reform proposals, newest first."""
    return await space_store.list_drafts(rt.db.reader, space.org.id)
