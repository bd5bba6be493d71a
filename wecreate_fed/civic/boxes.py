"""Boxes: collaboration spaces, each a `Group` actor that federates as FEP-1b12 groups do.

People join with Follow (or Mobilizon's Join) and leave with Undo / Leave. What members send
to the box (content with `audience` = the box) is checked and then announced by the box to
every member, remote ones included: the member's activity unchanged (FEP-1b12, as Lemmy reads
it) and, for public boxes, the object itself (an Announce Mastodon shows as a boost).

Open boxes take anyone, closed ones need a moderator's approval, private ones (friend circles)
take invited people only and show nothing to anyone else: their actor, members, posts and
motions are served only to members (or to the instance actor of a member's server, which
signs fetches on its members' behalf), and nothing of them is delivered to non-members.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import date

from actors import local as local_actors
from actors import remote
from actors.documents import actor_document
from outbox import activities
from outbox.send import send
from wecreate_fed import ld, sanitize, urls
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, NotFound, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import boxes as box_store
from wecreate_fed.store import civic as civic_store
from wecreate_fed.store import social
from wecreate_fed.store.actors import Actor

from . import districts

PATH = "/boxes/"
VISIBILITIES = ("open", "closed", "private")
ROLES = ("owner", "moderator", "member")
SLUG = re.compile(r"^[a-z0-9][a-z0-9_]{1,39}$")
TEXT_MAX = 5_000
POST_MAX = 20_000


# --- finding boxes and who may see them ---------------------------------------------------

async def local_box(rt: Runtime, ref: str) -> tuple[Actor, object]:
    """A local box by slug or id: (its Group actor, its row)."""
    ap_id = ref if ref.startswith(("http://", "https://")) else f"{rt.config.base_url}{PATH}{ref}"
    actor = await actors_store.get_actor_by_ap_id(rt.db.reader, ap_id)
    row = await box_store.get_box(rt.db.reader, actor.id) if actor is not None and actor.is_local else None
    if row is None or actor.deleted_at is not None:
        raise NotFound(f"no box {ref} here")
    return actor, row


async def is_local_box(rt: Runtime, actor: Actor | None) -> bool:
    return bool(actor and actor.is_local and actor.type == "Group"
                and await box_store.get_box(rt.db.reader, actor.id) is not None)


async def role_of(rt: Runtime, box: Actor, person: Actor | None) -> str | None:
    """The accepted role of a person in a local box, or None."""
    if person is None:
        return None
    member = await box_store.get_member(rt.db.reader, box.id, person.id)
    return member["role"] if member is not None and member["state"] == "accepted" else None


async def may_view(rt: Runtime, box: Actor, row, viewer: Actor | None, *, invitees: bool = False) -> bool:
    """Open and closed boxes are public; a private one only for members and their servers' instance actors.

    With `invitees`, people invited (and their servers) may see too: an invitee's server
    needs the box's actor document to send the Follow that joins it.
    """
    if row["visibility"] != "private":
        return True
    if viewer is None:
        return False
    if await role_of(rt, box, viewer):
        return True
    # Servers sign their fetches as their instance actor (as we and Mastodon do); a server
    # with a member may see what that member may see, and forwards it to that member only.
    if viewer.type == "Application" and viewer.domain in await box_store.list_member_hosts(rt.db.reader, box.id):
        return True
    if invitees:
        invited = await box_store.list_invitees(rt.db.reader, box.id)
        return viewer.ap_id in invited or (
            viewer.type == "Application" and viewer.domain in {urls.host_of(i) for i in invited})
    return False


async def require_view(rt: Runtime, box: Actor, row, viewer: Actor | None, *, invitees: bool = False) -> None:
    if not await may_view(rt, box, row, viewer, invitees=invitees):
        raise NotFound(f"no box {box.ap_id} here")  # 404, not 403: a private box is not to be known


async def _require_role(rt: Runtime, box: Actor, person: Actor, allowed: tuple[str, ...]) -> str:
    role = await role_of(rt, box, person)
    if role not in allowed:
        needed = "a member" if "member" in allowed else "a moderator" if "moderator" in allowed else "the owner"
        raise Forbidden(f"only {needed} of this box may do that")
    return role


# --- creating and describing boxes -------------------------------------------------------

def _profile(data: dict, config) -> dict:
    profile, problems = {}, []
    for name in box_store.PROFILE_FIELDS:
        if name not in data or data[name] is None:
            continue
        value = data[name]
        if not isinstance(value, str):
            problems.append(f"{name} must be text")
            continue
        if len(value) > TEXT_MAX:
            problems.append(f"{name} is longer than {TEXT_MAX} characters")
        profile[name] = value.strip() if name not in ("meeting_event_ap_id", "district_slug") else (value.strip() or None)
    if profile.get("district_slug"):
        try:
            districts.by_slug(config, profile["district_slug"])
        except BadRequest as e:
            problems.append(str(e))
    if problems:
        raise BadRequest("; ".join(problems))
    return profile


async def create(rt: Runtime, owner: Actor, data: dict) -> Actor:
    """A new box; its creator is its owner. data: name, slug, visibility, summary, profile fields, idea."""
    if not owner.is_local or owner.type not in ("Person", "Organization"):
        raise Forbidden("only local people and organisations create boxes")
    name = sanitize.plain_text(data.get("name") or "", 100)
    slug = (data.get("slug") or _slugify(name)).lower()
    visibility = data.get("visibility") or "open"
    problems = []
    if not name:
        problems.append("name is required")
    if not SLUG.match(slug):
        problems.append("slug must be 2-40 lower-case letters, digits or underscores")
    if visibility not in VISIBILITIES:
        problems.append(f"visibility must be one of {', '.join(VISIBILITIES)}")
    if problems:
        raise BadRequest("; ".join(problems))
    profile = _profile(data, rt.config)
    idea_ap_id = data.get("idea")
    if idea_ap_id and await civic_store.get_idea(rt.db.reader, idea_ap_id) is None:
        raise BadRequest(f"idea: no idea {idea_ap_id} known here")
    async with rt.db.transaction() as conn:
        if await actors_store.get_local_actor(conn, slug) is not None:
            raise Conflict(f"the name '{slug}' is taken; choose another slug")
        box = await local_actors.create_service_actor(
            conn, rt.config, username=slug, path=PATH + slug, type_="Group", name=name,
            summary=sanitize.markdown_to_html(data.get("summary") or ""), category="box",
        )
        await actors_store.update_local_actor(conn, box.id, manually_approves=int(visibility != "open"),
                                              discoverable=int(visibility != "private"))
        await box_store.add_box(conn, box.id, visibility, profile)
        await box_store.set_member(conn, box.id, owner.id, state="accepted", role="owner")
        if idea_ap_id:
            await box_store.link_idea(conn, box.id, idea_ap_id)
    return await actors_store.get_actor(rt.db.reader, box.id)


def _slugify(name: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
    return re.sub(r"[^a-z0-9]+", "_", name.lower().translate(table)).strip("_")[:40]


async def edit_profile(rt: Runtime, moderator: Actor, box_ref: str, data: dict) -> None:
    """Moderators change the box's profile (and the owner its visibility); followers get an Update."""
    box, row = await local_box(rt, box_ref)
    role = await _require_role(rt, box, moderator, ("owner", "moderator"))
    profile = _profile(data, rt.config)
    visibility = data.get("visibility")
    if visibility is not None:
        if role != "owner":
            raise Forbidden("only the owner may change who can join")
        if visibility not in VISIBILITIES:
            raise BadRequest(f"visibility must be one of {', '.join(VISIBILITIES)}")
    async with rt.db.transaction() as conn:
        await box_store.update_box(conn, box.id, visibility=visibility, **profile)
        changes = {}
        if data.get("name"):
            changes["name"] = sanitize.plain_text(data["name"], 100)
        if data.get("summary") is not None:
            changes["summary"] = sanitize.markdown_to_html(data["summary"])
        if visibility is not None:
            changes.update(manually_approves=int(visibility != "open"), discoverable=int(visibility != "private"))
        await actors_store.update_local_actor(conn, box.id, **changes)
    await _tell_members(rt, box, activities.update(rt.config, box, await box_document(rt, box)))


async def box_document(rt: Runtime, box: Actor) -> dict:
    """The Group actor document with the box's profile, members and moderators collections."""
    row = await box_store.get_box(rt.db.reader, box.id)
    box = await actors_store.get_actor(rt.db.reader, box.id)
    document = actor_document(box)
    document.update({
        "attributedTo": f"{box.ap_id}/moderators",   # FEP-1b12: moderators are listed here
        "postingRestrictedToMods": False,
        "category": "box",
        "visibility": row["visibility"],
        "problem": row["problem"], "purpose": row["purpose"], "goals": row["goals"],
        "skillsSought": row["skills_sought"], "partners": row["partners"], "supportSought": row["support_sought"],
        "meetingTime": row["meeting_time"], "meetingPlace": row["meeting_place"],
        "implements": await box_store.list_linked_ideas(rt.db.reader, box.id),
    })
    if row["meeting_event_ap_id"]:
        document["meetingEvent"] = row["meeting_event_ap_id"]
    if row["district_slug"]:
        document["district"] = districts.district_ap_id(rt.config, row["district_slug"])
    return document


# --- membership ---------------------------------------------------------------------------------

async def join(rt: Runtime, person: Actor, box_ap_id: str) -> str:
    """A local person asks to join a box here or elsewhere; returns 'accepted' or 'pending'."""
    target = await _box_actor(rt, box_ap_id)
    if target.is_local:
        _, row = await local_box(rt, target.ap_id)
        state = await _admission(rt, target, row, person.ap_id)
        async with rt.db.transaction() as conn:
            await box_store.set_member(conn, target.id, person.id, state=state)
        return state
    follow = activities.follow(rt.config, person, target)
    async with rt.db.transaction() as conn:
        await social.add_follow(conn, person.id, target.id, follow["id"], accepted=False)
    await send(rt, person, follow)
    return "pending"


async def _box_actor(rt: Runtime, box_ap_id: str) -> Actor:
    try:
        actor = await remote.get_actor(rt, box_ap_id)
    except WeCreateError as e:
        raise BadRequest(f"cannot find the box {box_ap_id}: {e}")
    if actor.type != "Group":
        raise BadRequest(f"{box_ap_id} is not a box")
    return actor


async def _admission(rt: Runtime, box: Actor, row, person_ap_id: str) -> str:
    """accepted, pending, or Forbidden for a private box without an invitation."""
    invited = await box_store.has_invitation(rt.db.reader, box.id, person_ap_id)
    if row["visibility"] == "open" or invited:
        return "accepted"
    if row["visibility"] == "closed":
        return "pending"
    raise Forbidden("this box takes members by invitation only")


async def join_received(rt: Runtime, signer: Actor, box: Actor, request: dict) -> None:
    """A Follow or Join of a local box from another server: admit, queue for approval, or Reject."""
    _, row = await local_box(rt, box.ap_id)
    try:
        state = await _admission(rt, box, row, signer.ap_id)
    except Forbidden:
        await send(rt, box, activities.reject(rt.config, box, request, signer.ap_id))
        return
    async with rt.db.transaction() as conn:
        existing = await box_store.get_member(conn, box.id, signer.id)
        if existing is not None and existing["state"] == "accepted":
            state = "accepted"
        await box_store.set_member(conn, box.id, signer.id, state=state, request_ap_id=request["id"])
    if state == "accepted":
        # Accept again even if already a member: the peer may have missed the first Accept.
        await send(rt, box, activities.accept(rt.config, box, request, signer.ap_id))


async def answer_request(rt: Runtime, moderator: Actor, box_ref: str, member_ap_id: str, *, approve: bool) -> None:
    """A moderator approves or refuses a pending request; the requester's server is told."""
    box, _ = await local_box(rt, box_ref)
    await _require_role(rt, box, moderator, ("owner", "moderator"))
    member = await actors_store.get_actor_by_ap_id(rt.db.reader, member_ap_id)
    request = await box_store.get_member(rt.db.reader, box.id, member.id) if member else None
    if request is None or request["state"] != "pending":
        raise NotFound(f"no pending request from {member_ap_id}")
    async with rt.db.transaction() as conn:
        if approve:
            await box_store.set_member(conn, box.id, member.id, state="accepted")
        else:
            await box_store.delete_member(conn, box.id, member.id)
    if not member.is_local:
        follow = {"id": request["request_ap_id"], "type": "Follow", "actor": member.ap_id, "object": box.ap_id}
        builder = activities.accept if approve else activities.reject
        await send(rt, box, builder(rt.config, box, follow, member.ap_id))


async def invite(rt: Runtime, moderator: Actor, box_ref: str, invitee_ref: str) -> Actor:
    """Invite someone (local or remote, by id or handle); a remote invitee's server gets an Invite."""
    box, _ = await local_box(rt, box_ref)
    await _require_role(rt, box, moderator, ("owner", "moderator"))
    try:
        invitee = await remote.find_actor(rt, invitee_ref)
    except WeCreateError as e:
        raise BadRequest(f"cannot find {invitee_ref}: {e}")
    async with rt.db.transaction() as conn:
        await box_store.add_invitation(conn, box.id, invitee.ap_id, moderator.id)
        if invitee.is_local:
            await civic_store.add_notifications(conn, [invitee.id], kind="box_invitation", object_ap_id=box.ap_id,
                                                by_ap_id=moderator.ap_id, text=box.name)
    if not invitee.is_local:
        invitation = {"@context": ld.default_context(), "id": urls.new_activity_id(rt.config), "type": "Invite",
                      "actor": box.ap_id, "object": box.ap_id, "target": invitee.ap_id, "to": [invitee.ap_id]}
        await send(rt, box, invitation)
    return invitee


async def leave(rt: Runtime, person: Actor, box_ap_id: str) -> None:
    """Leave a box (here: at once; elsewhere: an Undo of the Follow)."""
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
    async with rt.db.transaction() as conn:
        await social.delete_follow(conn, person.id, target.id)
    original = {"id": follow["follow_ap_id"], "type": "Follow", "actor": person.ap_id, "object": target.ap_id}
    undo = activities.undo(rt.config, person, original)
    undo["to"] = [target.ap_id]
    await send(rt, person, undo)


async def leave_received(rt: Runtime, signer: Actor, box: Actor) -> None:
    async with rt.db.transaction() as conn:
        member = await box_store.get_member(conn, box.id, signer.id)
        if member is not None and member["role"] != "owner":
            await box_store.delete_member(conn, box.id, signer.id)


async def remove_member(rt: Runtime, moderator: Actor, box_ref: str, member_ap_id: str) -> None:
    """A moderator removes a member (not the owner); a remote member's server gets a Reject of the Follow."""
    box, _ = await local_box(rt, box_ref)
    await _require_role(rt, box, moderator, ("owner", "moderator"))
    member = await actors_store.get_actor_by_ap_id(rt.db.reader, member_ap_id)
    row = await box_store.get_member(rt.db.reader, box.id, member.id) if member else None
    if row is None:
        raise NotFound(f"{member_ap_id} is not a member")
    if row["role"] == "owner":
        raise Forbidden("the owner cannot be removed")
    async with rt.db.transaction() as conn:
        await box_store.delete_member(conn, box.id, member.id)
    if not member.is_local:
        follow = {"id": row["request_ap_id"] or f"{member.ap_id}#follow", "type": "Follow",
                  "actor": member.ap_id, "object": box.ap_id}
        await send(rt, box, activities.reject(rt.config, box, follow, member.ap_id))


async def set_role(rt: Runtime, owner: Actor, box_ref: str, member_ap_id: str, role: str) -> None:
    """The owner makes a member a moderator or back; handing over 'owner' makes the old owner a moderator."""
    box, _ = await local_box(rt, box_ref)
    await _require_role(rt, box, owner, ("owner",))
    if role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}")
    member = await actors_store.get_actor_by_ap_id(rt.db.reader, member_ap_id)
    if member is None or await role_of(rt, box, member) is None:
        raise NotFound(f"{member_ap_id} is not a member")
    if member.id == owner.id:
        raise BadRequest("hand ownership to another member instead")
    async with rt.db.transaction() as conn:
        await box_store.set_role(conn, box.id, member.id, role)
        if role == "owner":
            await box_store.set_role(conn, box.id, owner.id, "moderator")


# --- posts -----------------------------------------------------------------------------------------

async def post(rt: Runtime, member: Actor, box_ap_id: str, text: str | None = None, *, html: str | None = None,
               in_reply_to: str | None = None) -> str:
    """A local member posts Markdown `text` (or, from a client, `html`) to a box here or elsewhere."""
    source = text if text is not None else html
    if not isinstance(source, str) or not source.strip():
        raise BadRequest("a post needs text")
    if len(source) > POST_MAX:
        raise BadRequest(f"a post is longer than {POST_MAX} characters")
    content = sanitize.markdown_to_html(text) if text is not None else sanitize.clean_html(html)
    box = await actors_store.get_actor_by_ap_id(rt.db.reader, box_ap_id)
    if box is None or box.type != "Group":
        raise NotFound(f"no box {box_ap_id}")
    if box.is_local:
        await _require_role(rt, box, member, ROLES)
    elif (await social.get_follow(rt.db.reader, member.id, box.id) or {"state": None})["state"] != "accepted":
        raise Forbidden("only members may post to this box")
    note = activities.note(rt.config, member, content, to=[box.ap_id],
                           cc=[box.followers_url] if box.followers_url else [], in_reply_to=in_reply_to)
    note["audience"] = box.ap_id
    create = activities.create(rt.config, member, note)
    create["audience"] = box.ap_id
    # Kept at once, so the member sees it; a local box then relays it from our own inbox queue
    # (storing it again there changes nothing), a remote box from its server.
    is_public = False
    if box.is_local:
        is_public = (await box_store.get_box(rt.db.reader, box.id))["visibility"] != "private"
    async with rt.db.transaction() as conn:
        await social.add_object(conn, ap_id=note["id"], type="Note", actor_id=member.id, is_local=True,
                                content=content, is_public=is_public, data=note, in_reply_to=in_reply_to,
                                published=note["published"], audience=box.ap_id)
    return await send(rt, member, create)


async def content_for_box(rt: Runtime, activity: dict, obj: dict) -> Actor | None:
    """The local box a Create is meant for (by `audience`, else by addressing), or None."""
    candidates = ld.ids(obj.get("audience")) + ld.ids(activity.get("audience")) + sorted(
        ld.addressees(obj) | ld.addressees(activity))
    for candidate in candidates:
        if urls.is_local(rt.config, candidate) and candidate.startswith(rt.config.base_url + PATH):
            box = await actors_store.get_actor_by_ap_id(rt.db.reader, candidate)
            if await is_local_box(rt, box):
                return box
    return None


async def check_incoming(rt: Runtime, signer: Actor, activity: dict) -> None:
    """Called by the inbox before it stores anything: a post to one of our boxes must come from a member."""
    if activity.get("type") != "Create" or not isinstance(activity.get("object"), dict):
        return
    box = await content_for_box(rt, activity, activity["object"])
    if box is not None:
        await check_post(rt, signer, box)


async def check_post(rt: Runtime, signer: Actor, box: Actor) -> None:
    """Only accepted members post to a box."""
    if await role_of(rt, box, signer) is None:
        raise Forbidden(f"{signer.ap_id} is not a member of {box.ap_id}")


async def post_received(rt: Runtime, signer: Actor, box: Actor, activity: dict, obj: dict) -> None:
    """A member's post reached the box: keep it, then announce it to every member."""
    await check_post(rt, signer, box)
    _, row = await local_box(rt, box.ap_id)
    async with rt.db.transaction() as conn:
        await social.add_object(
            conn, ap_id=obj["id"], type=obj.get("type", "Note"), actor_id=signer.id, is_local=signer.is_local,
            content=sanitize.clean_html(obj.get("content")), is_public=row["visibility"] != "private",
            data=obj, in_reply_to=ld.get_id(obj.get("inReplyTo")), published=obj.get("published"),
            audience=box.ap_id,
        )
    relayed = ld.without_context(activity)
    private = row["visibility"] == "private"
    announce = {
        "@context": ld.default_context(), "id": urls.new_activity_id(rt.config), "type": "Announce",
        "actor": box.ap_id, "object": relayed, "audience": box.ap_id,
        "to": [box.followers_url] if private else [ld.PUBLIC], "cc": [] if private else [box.followers_url],
    }
    await _tell_members(rt, box, announce)
    if not private:
        # Mastodon resolves an Announce by its object's id and cannot show an announced activity:
        # boost the post itself too, so Mastodon followers of a public box see it.
        await _tell_members(rt, box, activities.announce(rt.config, box, obj["id"], None))


async def _tell_members(rt: Runtime, box: Actor, activity: dict) -> None:
    """Deliver to the box's remote members only (never its followers collection by address)."""
    activity = {**activity, "to": [a for a in ld.as_list(activity.get("to")) if a != box.followers_url],
                "cc": [a for a in ld.as_list(activity.get("cc")) if a != box.followers_url]}
    activity["cc"].append(box.followers_url)
    inboxes = await box_store.list_member_inboxes(rt.db.reader, box.id)
    await send(rt, _without_followers(box), activity, extra_inboxes=inboxes)


def _without_followers(box: Actor) -> Actor:
    """The box as sender, with its followers collection unknown to send(): members are listed explicitly."""
    return replace(box, followers_url=None)


async def announce_received(rt: Runtime, box: Actor, activity: dict) -> bool:
    """A remote box we belong to relayed a member's post: keep it for our members. True if handled."""
    inner = activity.get("object")
    if not isinstance(inner, dict) or inner.get("type") not in ("Create", "Update"):
        return False
    obj = inner.get("object")
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        return False
    author_id = ld.get_id(inner.get("actor"))
    if not author_id or ld.get_id(obj.get("attributedTo")) != author_id:
        raise BadRequest("the relayed post is not attributed to the relayed activity's actor")
    if urls.host_of(obj["id"]) != urls.host_of(author_id):
        raise BadRequest("the relayed post does not live on its author's server")
    # Members trust their box to relay faithfully what its members wrote (FEP-1b12); the post
    # can also be fetched from its origin when it is public.
    author = await remote.get_actor(rt, author_id)
    async with rt.db.transaction() as conn:
        await social.add_object(
            conn, ap_id=obj["id"], type=obj.get("type", "Note"), actor_id=author.id, is_local=author.is_local,
            content=sanitize.clean_html(obj.get("content")), is_public=ld.is_public(activity),
            data=obj, in_reply_to=ld.get_id(obj.get("inReplyTo")), published=obj.get("published"),
            audience=box.ap_id,
        )
    return True


async def remove_post(rt: Runtime, moderator: Actor, box_ref: str, post_ap_id: str) -> None:
    """A moderator removes a post from the box; members' servers get a Remove."""
    box, _ = await local_box(rt, box_ref)
    await _require_role(rt, box, moderator, ("owner", "moderator"))
    row = await social.get_object(rt.db.reader, post_ap_id)
    if row is None or row["audience"] != box.ap_id:
        raise NotFound(f"no post {post_ap_id} in this box")
    async with rt.db.transaction() as conn:
        await social.mark_object_deleted(conn, post_ap_id, {"id": post_ap_id, "type": "Tombstone"})
    removal = {"@context": ld.default_context(), "id": urls.new_activity_id(rt.config), "type": "Remove",
               "actor": box.ap_id, "object": post_ap_id, "target": f"{box.ap_id}/outbox", "audience": box.ap_id}
    await _tell_members(rt, box, removal)


async def remove_received(rt: Runtime, box: Actor, post_ap_id: str) -> None:
    """A box we belong to removed a post: drop our copy."""
    async with rt.db.transaction() as conn:
        row = await social.get_object(conn, post_ap_id)
        if row is not None and row["audience"] == box.ap_id:
            await social.mark_object_deleted(conn, post_ap_id, {"id": post_ap_id, "type": "Tombstone"})


# --- profile parts: ideas, indicators, milestones, tasks ------------------------------------------

async def link_idea(rt: Runtime, moderator: Actor, box_ref: str, idea_ap_id: str) -> None:
    box, _ = await local_box(rt, box_ref)
    await _require_role(rt, box, moderator, ("owner", "moderator"))
    if await civic_store.get_idea(rt.db.reader, idea_ap_id) is None:
        raise BadRequest(f"no idea {idea_ap_id} known here")
    async with rt.db.transaction() as conn:
        await box_store.link_idea(conn, box.id, idea_ap_id)


async def boxes_for_idea(rt: Runtime, idea_ap_id: str) -> list[Actor]:
    """The (non-private) boxes implementing an idea: a supporter is offered to join them."""
    rows = await box_store.list_boxes_of_idea(rt.db.reader, idea_ap_id)
    return [await actors_store.get_actor_by_ap_id(rt.db.reader, r["ap_id"]) for r in rows]


async def add_indicator(rt: Runtime, moderator: Actor, box_ref: str, name: str, target: float,
                        unit: str = "", current: float = 0) -> int:
    box, _ = await local_box(rt, box_ref)
    await _require_role(rt, box, moderator, ("owner", "moderator"))
    name = sanitize.plain_text(name, 200)
    if not name:
        raise BadRequest("an indicator needs a name")
    target, current = _number(target, "target"), _number(current, "current")
    async with rt.db.transaction() as conn:
        return await box_store.add_indicator(conn, box.id, name, sanitize.plain_text(unit, 30), target, current)


async def update_indicator(rt: Runtime, moderator: Actor, box_ref: str, indicator_id: int, current: float) -> None:
    box, _ = await local_box(rt, box_ref)
    await _require_role(rt, box, moderator, ("owner", "moderator"))
    async with rt.db.transaction() as conn:
        if not await box_store.set_indicator_value(conn, box.id, indicator_id, _number(current, "current")):
            raise NotFound(f"no indicator {indicator_id} in this box")


def _number(value, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be a number")
    if number != number or abs(number) > 1e12:
        raise BadRequest(f"{name} must be a finite number")
    return number


async def add_milestone(rt: Runtime, moderator: Actor, box_ref: str, title: str, due: str | None = None) -> int:
    box, _ = await local_box(rt, box_ref)
    await _require_role(rt, box, moderator, ("owner", "moderator"))
    title = sanitize.plain_text(title, 200)
    if not title:
        raise BadRequest("a milestone needs a title")
    if due:
        try:
            due = date.fromisoformat(due).isoformat()
        except (TypeError, ValueError):
            raise BadRequest("due must be a date like 2026-12-01")
    async with rt.db.transaction() as conn:
        return await box_store.add_milestone(conn, box.id, title, due or None)


async def mark_milestone(rt: Runtime, moderator: Actor, box_ref: str, milestone_id: int, done: bool) -> None:
    box, _ = await local_box(rt, box_ref)
    await _require_role(rt, box, moderator, ("owner", "moderator"))
    async with rt.db.transaction() as conn:
        if not await box_store.mark_milestone(conn, box.id, milestone_id, done):
            raise NotFound(f"no milestone {milestone_id} in this box")


async def add_task(rt: Runtime, member: Actor, box_ref: str, title: str, assignee_ap_id: str | None = None) -> int:
    box, _ = await local_box(rt, box_ref)
    await _require_role(rt, box, member, ROLES)
    title = sanitize.plain_text(title, 200)
    if not title:
        raise BadRequest("a task needs a title")
    assignee = await _member_by_ap_id(rt, box, assignee_ap_id) if assignee_ap_id else None
    async with rt.db.transaction() as conn:
        return await box_store.add_task(conn, box.id, title, member.id, assignee.id if assignee else None)


async def update_task(rt: Runtime, member: Actor, box_ref: str, task_id: int, *, done: bool | None = None,
                      assignee_ap_id: str | None = None, unassign: bool = False) -> None:
    """Mark a task done or open, and/or (re)assign it to a member or to nobody."""
    box, _ = await local_box(rt, box_ref)
    await _require_role(rt, box, member, ROLES)
    assignee = await _member_by_ap_id(rt, box, assignee_ap_id) if assignee_ap_id else None
    async with rt.db.transaction() as conn:
        changed = await box_store.update_task(conn, box.id, task_id,
                                              state=None if done is None else ("done" if done else "open"),
                                              assignee_id=assignee.id if assignee else None, unassign=unassign)
        if not changed:
            raise NotFound(f"no task {task_id} in this box")


async def _member_by_ap_id(rt: Runtime, box: Actor, ap_id: str) -> Actor:
    actor = await actors_store.get_actor_by_ap_id(rt.db.reader, ap_id)
    if actor is None or await role_of(rt, box, actor) is None:
        raise BadRequest(f"{ap_id} is not a member of this box")
    return actor


async def overview(rt: Runtime, box_ref: str, viewer: Actor | None) -> dict:
    """Everything a box page shows, for a viewer allowed to see it."""
    box, row = await local_box(rt, box_ref)
    await require_view(rt, box, row, viewer)
    conn = rt.db.reader
    members = await box_store.list_members(conn, box.id)
    return {
        "box": box, "profile": row, "viewer_role": await role_of(rt, box, viewer),
        "members": members,
        "pending": await box_store.list_members(conn, box.id, state="pending"),
        "ideas": await box_store.list_linked_ideas(conn, box.id),
        "indicators": await box_store.list_indicators(conn, box.id),
        "milestones": await box_store.list_milestones(conn, box.id),
        "tasks": await box_store.list_tasks(conn, box.id),
        "posts": await box_store.list_posts(conn, box.ap_id),
        "motions": await box_store.list_motions(conn, box.ap_id),
    }


def new_motion_id(rt: Runtime) -> str:
    return f"{rt.config.base_url}/motions/{uuid.uuid4()}"
