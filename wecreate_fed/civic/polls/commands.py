"""What people do with polls: ask one (on their profile, in a box, or for a space's members), vote,
close it early, delete it. Each is one transaction with the activity announcing it.

A vote changes only totals (and, in an open ballot, the voter's choice); other servers hear of new
totals in one Update per poll a moment later (updates.py), not one per vote.
"""

from __future__ import annotations

import asyncio

from outbox import activities
from outbox.send import Recipients, outgoing
from wecreate_fed import urls
from wecreate_fed.errors import BadRequest, Conflict, Forbidden
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import iso_in
from wecreate_fed.store import polls as polls_store
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.polls import Poll

from .. import audience, boxes
from ..boxes.posts import relay
from . import access, documents
from .validation import validate

SETTLE_SECONDS = 2.0  # votes within this long go out as one Update


async def create(rt: Runtime, author: Actor, data: dict) -> str:
    """A local person or organisation asks a poll; returns its id.

    `data`: question, options (a list or one per line), multiple, secret, live_results, end_time,
    box (a box's slug: a poll inside it, for its members), members_of (audience.members_of_choice)."""
    if not author.is_local or author.type not in ("Person", "Organization"):
        raise Forbidden("only local people and organisations ask polls")
    poll_input = validate(data, timezone=rt.config.timezone)
    members_of = await audience.members_of_choice(rt, author, data.get("members_of"))
    box = record = None
    if isinstance(data.get("box"), str) and data["box"].strip():
        if members_of is not None:
            raise BadRequest("a poll is either in a box or for the members of a space", field="members_of",
                             code="polls_box_or_space")
        box, record = await boxes.local_box(rt, data["box"].strip())
        await boxes.require_view(rt, box, record, author)
        await boxes.require_role(rt, box, author, boxes.ROLES)
    ap_id = urls.poll_id(rt.config, urls.new_key())
    async with outgoing(rt) as out:
        poll_id = await polls_store.add_poll(
            out.conn, ap_id=ap_id, author_id=author.id, box_id=box.id if box else None, members_of=members_of,
            question=poll_input.question, options=poll_input.options, multiple=poll_input.multiple,
            secret=poll_input.secret, live_results=poll_input.live_results,
            end_time=_iso(poll_input.end_time))
        poll = await polls_store.get_poll_by_id(out.conn, poll_id)
        assert poll is not None  # inserted just now
        place = access.Place(author, box, record)
        create_activity = activities.create(rt.config, author, await _question(rt, poll, place, out.conn))
        if box is not None and record is not None:
            # As a post to the box: kept as the author's activity, relayed by the box to its remote members.
            await out.queue(author, create_activity, Recipients(bounce_local=False))
            await relay(rt, out, box, record, out.delivered[create_activity["id"]], ap_id)
        elif members_of is not None:
            await out.queue(author, create_activity, Recipients(bounce_local=False))  # to no server at all
        else:
            await out.queue(author, create_activity, Recipients(to_followers=True, bounce_local=False))
    return ap_id


def _iso(moment) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S.000000Z")


async def _question(rt: Runtime, poll: Poll, place: access.Place, conn=None) -> dict:
    to, cc, box_audience = await access.addressing(rt, poll, place, conn)
    options = await polls_store.list_options(conn or rt.db.reader, poll.id)
    return documents.question(rt.config, poll, options, place.author, to=to, cc=cc, audience=box_audience)


async def question_document(rt: Runtime, poll: Poll, place: access.Place | None = None, conn=None) -> dict:
    """The Question as served and sent, with the totals as they are now (when shown)."""
    return await _question(rt, poll, place or await access.place_of(rt, poll, conn), conn)


def chosen_positions(poll: Poll, option_count: int, choices) -> list[int]:
    """The options a local voter ticked (their positions), checked: at least one, each once, one
    only for a oneOf poll."""
    if isinstance(choices, (str, int)):
        choices = [choices]
    if not isinstance(choices, list) or not choices:
        raise BadRequest("choose an option", field="choices", code="polls_choose")
    positions = []
    for choice in choices:
        try:
            position = int(choice)
        except (TypeError, ValueError):
            position = -1
        if isinstance(choice, bool) or not 0 <= position < option_count:
            raise BadRequest(f"there is no option {str(choice)[:20]!r}", field="choices", code="invalid_choice")
        positions.append(position)
    if len(set(positions)) != len(positions):
        raise BadRequest("each option counts once", field="choices", code="invalid_choice")
    if not poll.multiple and len(positions) != 1:
        raise BadRequest("this poll takes one option", field="choices", code="polls_one_choice")
    return positions


async def vote(rt: Runtime, voter: Actor, poll_ap_id: str, choices) -> None:
    """A local person votes, once, for one option (oneOf) or several (anyOf)."""
    poll = await access.poll_by_id(rt, poll_ap_id)
    place = await access.require_see(rt, poll, voter)
    if not await access.may_vote(rt, poll, voter, place):
        raise Forbidden("only members of its box vote in this poll", code="members_only")
    if poll.is_closed():
        raise Conflict("this poll is closed", field="choices", code="polls_closed")
    options = await polls_store.list_options(rt.db.reader, poll.id)
    positions = chosen_positions(poll, len(options), choices)
    async with rt.db.transaction() as conn:
        current = await polls_store.get_poll_by_id(conn, poll.id)
        if current is None or current.deleted_at is not None or current.is_closed():
            raise Conflict("this poll is closed", field="choices", code="polls_closed")  # closed meanwhile
        if not await polls_store.add_voter(conn, poll.id, voter.id):
            raise Conflict("you voted in this poll already", field="choices", code="polls_voted")
        for position in positions:
            await polls_store.count_option(conn, poll.id, position)
            if not poll.secret:
                await polls_store.add_choice(conn, poll.id, voter.id, position, None)
        await totals_changed(conn, poll)
    wake_when_settled(rt)


async def totals_changed(conn, poll: Poll) -> None:
    """New totals go out a moment later in one Update with every vote of the moment (not for a
    members-only poll, which goes to no server)."""
    if poll.members_of is None:
        await polls_store.schedule_update(conn, poll.id, iso_in(SETTLE_SECONDS))


def wake_when_settled(rt: Runtime) -> None:
    """Wake the civic worker once the Update is due: woken at once it could look before the vote's
    transaction commits (an inbox batch commits after its handlers) and sleep past it."""
    asyncio.get_running_loop().call_later(SETTLE_SECONDS + 0.05, rt.civic_wakeup.set)


async def close(rt: Runtime, actor: Actor, poll_ap_id: str) -> None:
    """Its author closes a poll before its time (the final totals go out at once)."""
    poll = await access.poll_by_id(rt, poll_ap_id)
    await access.require_see(rt, poll, actor)
    if poll.author_id != actor.id:
        raise Forbidden("only who asked this poll may close it", code="not_yours")
    async with rt.db.transaction() as conn:
        if not await polls_store.close_poll(conn, poll.id):
            raise Conflict("this poll is closed already", code="polls_closed")
    rt.civic_wakeup.set()


async def delete(rt: Runtime, actor: Actor, poll_ap_id: str, *, moderator: bool = False) -> str:
    """Its author (or a moderator) deletes a poll; who got the Question gets the Delete."""
    poll = await access.poll_by_id(rt, poll_ap_id)
    place = await access.require_see(rt, poll, actor)
    if poll.author_id != actor.id and not moderator:
        raise Forbidden("only who asked this poll may delete it", code="not_yours")
    to, cc, _ = await access.addressing(rt, poll, place)
    async with outgoing(rt) as out:
        recipients = await access.update_recipients(out.conn, poll, place)
        if not await polls_store.mark_deleted(out.conn, poll.id):
            raise Conflict("this poll was deleted already", code="gone")
        return await out.queue(place.author, activities.delete(rt.config, place.author, poll.ap_id, to=to, cc=cc),
                               recipients)
