"""Where a poll lives and who may see it, vote in it, and hear of it.

A poll on a profile is public; one in a box is seen by whoever may see the box (a private box's
by its members only) and voted in by its members; a members-only poll (members_of) by the
members of its space only, and it is delivered to no server at all. Anyone else gets 404.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from outbox.send import Recipients
from wecreate_fed import ld, urls
from wecreate_fed.errors import Gone, NotFound
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import boxes as box_store
from wecreate_fed.store import polls as polls_store
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.boxes import Box
from wecreate_fed.store.polls import Poll

from .. import audience, boxes

KEY = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # urls.new_key()


def check_key(key: str) -> str:
    """A poll's key is a uuid: anything else names no poll (404), and never reaches a header or query."""
    if not KEY.fullmatch(key):
        raise NotFound("no such poll", code="polls_not_found")
    return key


@dataclass(frozen=True)
class Place:
    """The poll's author, and its box (with the box's record) when it is in one."""

    author: Actor
    box: Actor | None
    record: Box | None


async def poll_by_id(rt: Runtime, ap_id: str, conn: Connection | None = None) -> Poll:
    """A local poll (NotFound; Gone once deleted)."""
    poll = await polls_store.get_poll(conn or rt.db.reader, ap_id) if urls.is_local(rt.config, ap_id) else None
    if poll is None:
        raise NotFound(f"no poll {ap_id} here", code="polls_not_found")
    if poll.deleted_at is not None:
        raise Gone(f"the poll {ap_id} was deleted")
    return poll


async def poll_by_key(rt: Runtime, key: str) -> Poll:
    return await poll_by_id(rt, urls.poll_id(rt.config, check_key(key)))


async def visible_poll(rt: Runtime, key: str, viewer: Actor | None) -> tuple[Poll, Place]:
    """A poll the viewer may see, with its place; NotFound otherwise. Gone once deleted, but only to
    who could see it: a deleted members-only poll is as unknown to outsiders as a live one."""
    ap_id = urls.poll_id(rt.config, check_key(key))
    poll = await polls_store.get_poll(rt.db.reader, ap_id)
    if poll is None:
        raise NotFound(f"no poll {ap_id} here", code="polls_not_found")
    place = await require_see(rt, poll, viewer)
    if poll.deleted_at is not None:
        raise Gone(f"the poll {ap_id} was deleted")
    return poll, place


async def place_of(rt: Runtime, poll: Poll, conn: Connection | None = None) -> Place:
    conn = conn or rt.db.reader
    author = await actors_store.referenced_actor(conn, poll.author_id)
    if poll.box_id is None:
        return Place(author, None, None)
    box = await actors_store.referenced_actor(conn, poll.box_id)
    return Place(author, box, await box_store.get_box(conn, box.id))


async def may_see(rt: Runtime, poll: Poll, viewer: Actor | None, place: Place | None = None) -> bool:
    place = place or await place_of(rt, poll)
    if place.author.suspended_at is not None or place.author.deleted_at is not None:
        return False
    if poll.members_of is not None and not await audience.may_see(rt, viewer, poll.members_of):
        return False
    if place.box is not None:
        if place.record is None or place.box.deleted_at is not None:
            return False
        return await boxes.may_view(rt, place.box, place.record, viewer)
    return True


async def require_see(rt: Runtime, poll: Poll, viewer: Actor | None, place: Place | None = None) -> Place:
    place = place or await place_of(rt, poll)
    if not await may_see(rt, poll, viewer, place):
        raise NotFound(f"no poll {poll.ap_id} here", code="polls_not_found")  # never 403: not to be known
    return place


async def may_vote(rt: Runtime, poll: Poll, voter: Actor, place: Place, conn: Connection | None = None) -> bool:
    """Who sees a poll votes in it, but in a box only its members."""
    if not await may_see(rt, poll, voter, place):
        return False
    if place.box is None:
        return True
    member = await box_store.get_member(conn or rt.db.reader, place.box.id, voter.id)
    return member is not None and member.state == "accepted"


async def addressing(rt: Runtime, poll: Poll, place: Place,
                     conn: Connection | None = None) -> tuple[list[str], list[str], str | None]:
    """(to, cc, audience) of the Question: public with the author's followers; a box's; or the space's
    members collection only (never Public, never followers)."""
    if poll.members_of is not None:
        org = await audience.audience_actor(rt, poll.members_of, conn)
        assert org is not None  # a foreign key
        return [audience.audience_collection(rt.config, org)], [], None
    if place.box is not None:
        followers = [place.box.followers_url] if place.box.followers_url else []
        return [place.box.ap_id], followers, place.box.ap_id
    return [ld.PUBLIC], [place.author.followers_url] if place.author.followers_url else [], None


async def update_recipients(conn: Connection, poll: Poll, place: Place) -> Recipients:
    """Who hears of new totals: as the Question went (followers, a box's remote members) and the remote
    voters (as Mastodon tells them); for a members-only poll no server at all."""
    if poll.members_of is not None:
        return Recipients(bounce_local=False)
    inboxes = set(await polls_store.list_remote_voter_inboxes(conn, poll.id))
    if place.box is not None:
        inboxes.update(await box_store.list_member_inboxes(conn, place.box.id))
        return Recipients(remote_inboxes=inboxes, bounce_local=False)
    return Recipients(remote_inboxes=inboxes, to_followers=True, bounce_local=False)
