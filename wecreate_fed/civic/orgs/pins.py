"""Announcements of an organisation space and the pinned ones: notes of the Organization, written
in the space by its board or admins, for the members only or public, and pinned there.

A members-only announcement is addressed to the space's members collection and delivered to no
server (members are local accounts). A public one goes to the Organization's followers as any
public note, and once pinned it is in the Organization's `featured` collection (Mastodon's
shape: an OrderedCollection of the notes themselves); pinning and unpinning it tell the
followers with Add / Remove targeting that collection, as Mastodon does. Members-only notes are
never in `featured`, and pinning one tells no one.
"""

from __future__ import annotations

import json

from outbox import activities, c2s
from outbox.send import Recipients, outgoing, resolve_recipients
from wecreate_fed import ld, sanitize, urls
from wecreate_fed.errors import BadRequest, Conflict, NotFound
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import org_space as space_store
from wecreate_fed.store import social
from wecreate_fed.store.actors import Actor

from .. import audience
from .space import Space, require_board

TEXT_MAX = 5_000
PUBLIC, MEMBERS = "public", "members"
AUDIENCES = (MEMBERS, PUBLIC)


async def announce(rt: Runtime, space: Space, text: str | None, audience_choice: str | None) -> str:
    """A new announcement of the Organization (board and admins); returns the note's id."""
    require_board(space)
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("an announcement needs text", field="text", code="required")
    if len(text) > TEXT_MAX:
        raise BadRequest(f"an announcement is longer than {TEXT_MAX} characters", field="text", code="too_long",
                         params={"limit": TEXT_MAX})
    if audience_choice not in AUDIENCES:
        raise BadRequest(f"audience must be one of {', '.join(AUDIENCES)}", field="audience", code="invalid_choice")
    org = space.org
    content = sanitize.markdown_to_html(text)
    if audience_choice == MEMBERS:
        note = activities.note(rt.config, org, content, to=[audience.audience_collection(rt.config, org)])
        recipients = Recipients()  # members are local accounts: no server receives it
    else:
        note = activities.note(rt.config, org, content, to=[ld.PUBLIC],
                               cc=[org.followers_url] if org.followers_url else [])
    activity = activities.create(rt.config, org, note)
    if audience_choice == PUBLIC:
        recipients = await resolve_recipients(rt, org, activity)  # as any public note: followers here too
    async with outgoing(rt) as out:
        await social.add_object(out.conn, ap_id=note["id"], type="Note", actor_id=org.id, is_local=True,
                                content=content, is_public=audience_choice == PUBLIC, data=note,
                                published=note["published"], members_of=org.id if audience_choice == MEMBERS else None)
        await out.queue(org, activity, recipients)
    return note["id"]


async def set_pinned(rt: Runtime, space: Space, ap_id: str, pinned: bool) -> None:
    """Pin or unpin one of the space's announcements (board and admins)."""
    require_board(space)
    org = space.org
    found = await space_store.get_announcement(rt.db.reader, org.id, ap_id)
    if found is None:
        raise NotFound(f"no announcement {ap_id} in this space", field="announcement")
    change = _featured_change(rt, org, ap_id, pinned) if found.is_public and not found.members_only else None
    # Our own pins are our database; only other servers need telling.
    recipients = (await resolve_recipients(rt, org, change)).without_local() if change else None
    async with outgoing(rt) as out:
        changed = (await space_store.pin(out.conn, org.id, found.id, space.viewer.id) if pinned
                   else await space_store.unpin(out.conn, org.id, found.id))
        if not changed:
            raise Conflict("it is pinned already" if pinned else "it is not pinned", field="announcement",
                           code="already_done")
        if change is not None and recipients is not None:
            await out.queue(org, change, recipients)


async def delete_announcement(rt: Runtime, space: Space, ap_id: str) -> None:
    """The board takes an announcement back: the Organization deletes its note (a Delete goes where
    the note went: to no server for a members-only one); a pinned one leaves `featured` with it."""
    require_board(space)
    if await space_store.get_announcement(rt.db.reader, space.org.id, ap_id) is None:
        raise NotFound(f"no announcement {ap_id} in this space", field="announcement")
    await c2s.delete_object(rt, space.org, {"type": "Delete", "object": ap_id})


def _featured_change(rt: Runtime, org: Actor, object_id: str, pinned: bool) -> dict:
    """Add (pinned) or Remove (unpinned) of a public note in the Organization's featured collection."""
    return activities.collection_change(rt.config, org, "Add" if pinned else "Remove", object_id,
                                        urls.featured_of(org.ap_id), to=[ld.PUBLIC],
                                        cc=[org.followers_url] if org.followers_url else [])


async def featured(rt: Runtime, org: Actor) -> dict:
    """The `featured` collection of a local Organization: its public pinned notes, newest pin first."""
    items = [ld.without_context(json.loads(data)) for data in await space_store.list_featured(rt.db.reader, org.id)]
    return {"@context": ld.default_context(), "id": urls.featured_of(org.ap_id), "type": "OrderedCollection",
            "totalItems": len(items), "orderedItems": items}
