"""Votes from other servers, as Mastodon sends them: a `Create` of a `Note` whose `name` is the
option's text and whose `inReplyTo` is our Question, one per chosen option.

Counted once per actor (per option in an open anyOf poll); a vote after the closing time, a second
vote, an option the poll has not, or a vote in a poll the voter may not see is refused with its
reason (the inbox records it). A secret ballot's vote message is forgotten in the transaction that
counts it (only its id is kept, so it is never taken twice), and one it refuses is forgotten the
same way and only logged: what it said is kept nowhere.
"""

from __future__ import annotations

import logging

from wecreate_fed import ld
from wecreate_fed.errors import BadRequest, NotFound
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import polls as polls_store
from wecreate_fed.store.actors import Actor

from . import access, documents
from .commands import totals_changed, wake_when_settled

log = logging.getLogger(__name__)


async def vote_received(rt: Runtime, voter: Actor, activity: dict, note: dict) -> None:
    poll_ap_id = ld.get_id(note.get("inReplyTo")) or ""
    poll = await polls_store.get_poll(rt.db.reader, poll_ap_id)
    if poll is None or poll.deleted_at is not None:
        raise NotFound(f"no poll {poll_ap_id} here", code="polls_not_found")
    activity_id = activity.get("id") if isinstance(activity.get("id"), str) else None
    try:
        await _count(rt, voter, poll, note, activity_id)
    except BadRequest as refused:
        if not poll.secret:
            raise
        async with rt.db.transaction() as conn:
            if activity_id:
                await polls_store.forget_vote_message(conn, activity_id)
        log.info("a vote by %s in the secret ballot %s was not counted: %s", voter.ap_id, poll.ap_id, refused)
        return
    wake_when_settled(rt)


async def _count(rt: Runtime, voter: Actor, poll, note: dict, activity_id: str | None) -> None:
    place = await access.place_of(rt, poll)
    if not await access.may_vote(rt, poll, voter, place):
        # A members-only poll, a private box's, or a box the voter is not a member of: not there for them.
        raise BadRequest(f"{voter.ap_id} may not vote in {poll.ap_id}", field="object.inReplyTo",
                         code="polls_not_found")
    if not documents.is_vote(note):
        raise BadRequest("a vote is a Note with the option as its name and no content", field="object.name",
                         code="polls_choose")
    options = await polls_store.list_options(rt.db.reader, poll.id)
    position = documents.option_position(note, options)
    if position is None:
        raise BadRequest(f"the poll has no option {str(note.get('name'))[:100]!r}", field="object.name",
                         code="invalid_choice")
    vote_id = note.get("id") if isinstance(note.get("id"), str) else None
    async with rt.db.transaction() as conn:
        current = await polls_store.get_poll_by_id(conn, poll.id)
        if current is None or current.is_closed():
            raise BadRequest(f"the poll {poll.ap_id} is closed", field="object.inReplyTo", code="polls_closed")
        if poll.secret:
            # oneOf only (validation): who voted once counts once; nothing ties them to the option.
            if not await polls_store.add_voter(conn, poll.id, voter.id):
                raise BadRequest(f"{voter.ap_id} voted in this poll already", code="polls_voted")
            await polls_store.count_option(conn, poll.id, position)
            if activity_id:
                await polls_store.forget_vote_message(conn, activity_id)
        elif poll.multiple:
            # Mastodon sends one Create per chosen option: each option once per actor.
            if not await polls_store.add_choice(conn, poll.id, voter.id, position, vote_id):
                raise BadRequest(f"{voter.ap_id} voted for this option already", code="polls_voted")
            await polls_store.add_voter(conn, poll.id, voter.id)
            await polls_store.count_option(conn, poll.id, position)
        else:
            if not await polls_store.add_voter(conn, poll.id, voter.id):
                raise BadRequest(f"{voter.ap_id} voted in this poll already", code="polls_voted")
            await polls_store.add_choice(conn, poll.id, voter.id, position, vote_id)
            await polls_store.count_option(conn, poll.id, position)
        await totals_changed(conn, poll)
