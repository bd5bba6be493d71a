"""Creating boxes, editing their profile and linked ideas (members' servers get an Update), and
what a box's page shows."""

from __future__ import annotations

from actors import local as local_actors
from outbox import activities
from outbox.send import outgoing
from wecreate_fed import sanitize, urls
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, Problems
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import boxes as box_store
from wecreate_fed.store import civic as civic_store
from wecreate_fed.store import motions as motion_store
from wecreate_fed.store import org_space as org_space_store
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.boxes import Box

from . import delivery, documents, validation
from .access import MODERATORS, local_box, require_role, require_view, role_of


async def create(rt: Runtime, owner: Actor, data: dict, *, org_id: int | None = None) -> Actor:
    """A new box; its creator is its owner. data: name, slug, visibility, summary, profile fields, idea.
    `org_id`: a working group of that organisation space (civic/orgs/groups.py checks who may)."""
    if not owner.is_local or owner.type not in ("Person", "Organization"):
        raise Forbidden("only local people and organisations create boxes")
    problems = Problems()
    new = validation.new_box(data, rt.config, problems)
    idea_ap_id = data.get("idea")
    if idea_ap_id and await civic_store.get_idea(rt.db.reader, idea_ap_id) is None:
        problems.add("idea", "linked_idea", f"idea: no idea {idea_ap_id} known here")
    problems.raise_if_any()
    async with rt.db.transaction() as conn:
        if await actors_store.get_local_actor(conn, new.slug) is not None:
            raise Conflict(f"the name '{new.slug}' is taken; choose another slug", field="slug", code="slug_taken")
        box = await local_actors.create_service_actor(
            conn, rt.config, username=new.slug, path=urls.ID_PATHS["box"] + new.slug, type_="Group",
            name=new.name, summary=new.summary_html, category="box",
        )
        await actors_store.update_local_actor(conn, box.id, manually_approves=int(new.visibility != "open"),
                                              discoverable=int(new.visibility != "private"))
        await box_store.add_box(conn, box.id, new.visibility, new.profile)
        if org_id is not None:
            await org_space_store.set_box_org(conn, box.id, org_id)
        await box_store.set_member(conn, box.id, owner.id, state="accepted", role="owner")
        if idea_ap_id:
            await box_store.link_idea(conn, box.id, idea_ap_id)
    created, _ = await local_box(rt, box.ap_id)
    return created


async def edit_profile(rt: Runtime, moderator: Actor, box_ref: str, data: dict) -> None:
    """Moderators change the box's profile (and the owner its visibility); members get an Update."""
    box, _ = await local_box(rt, box_ref)
    role = await require_role(rt, box, moderator, MODERATORS)
    if data.get("visibility") is not None and role != "owner":
        raise Forbidden("only the owner may change who can join", field="visibility")
    profile, visibility = validation.edit(data, rt.config)
    changes: dict = {}
    if data.get("name"):
        changes["name"] = sanitize.plain_text(data["name"], validation.NAME_MAX)
    if data.get("summary") is not None:
        changes["summary"] = sanitize.markdown_to_html(data["summary"])
    if visibility is not None:
        changes.update(manually_approves=int(visibility != "open"), discoverable=int(visibility != "private"))
    async with outgoing(rt) as out:
        await box_store.update_box(out.conn, box.id, visibility=visibility, **profile)
        await actors_store.update_local_actor(out.conn, box.id, **changes)
        await _tell_changed(rt, out, box)


async def link_idea(rt: Runtime, moderator: Actor, box_ref: str, idea_ap_id: str) -> None:
    """The box implements an idea (its actor document lists it); members get an Update."""
    box, _ = await local_box(rt, box_ref)
    await require_role(rt, box, moderator, MODERATORS)
    idea = await civic_store.get_idea(rt.db.reader, idea_ap_id)
    # A members-only idea is not known to anyone else: the box's document, which federates, cannot list it.
    if idea is None or idea.members_of is not None:
        raise BadRequest(f"no idea {idea_ap_id} known here", field="idea", code="linked_idea")
    async with outgoing(rt) as out:
        if await box_store.link_idea(out.conn, box.id, idea_ap_id):
            await _tell_changed(rt, out, box)


async def _tell_changed(rt: Runtime, out, box: Actor) -> None:
    """The box's document as changed in this transaction, to its members."""
    document = await documents.box_document(rt, box, out.conn)
    await delivery.tell_members(out, box, activities.update(rt.config, box, document))


async def boxes_for_idea(rt: Runtime, idea_ap_id: str) -> list[tuple[Actor, Box]]:
    """The (non-private) boxes implementing an idea, each with its record: a supporter is offered to join them."""
    return await box_store.list_boxes_of_idea(rt.db.reader, idea_ap_id)


async def overview(rt: Runtime, box_ref: str, viewer: Actor | None) -> dict:
    """Everything a box page shows, for a viewer allowed to see it."""
    box, record = await local_box(rt, box_ref)
    await require_view(rt, box, record, viewer)
    conn = rt.db.reader
    return {
        "box": box, "profile": record, "viewer_role": await role_of(rt, box, viewer),
        "members": await box_store.list_members(conn, box.id),
        "pending": await box_store.list_members(conn, box.id, state="pending"),
        "ideas": await box_store.list_linked_ideas(conn, box.id),
        "indicators": await box_store.list_indicators(conn, box.id),
        "milestones": await box_store.list_milestones(conn, box.id),
        "tasks": await box_store.list_tasks(conn, box.id),
        "posts": await box_store.list_posts(conn, box.ap_id),
        "motions": await motion_store.list_motions(conn, box.ap_id),
    }
