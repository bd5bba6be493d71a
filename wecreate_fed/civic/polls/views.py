"""A poll as people read it (the website and the JSON API, in the shape of Mastodon's Poll entity):
its options with their totals once shown, how many voted, and whether the reader did (and, in an
open ballot, what they chose; a secret ballot keeps that from everyone, the voter included)."""

from __future__ import annotations

from wecreate_fed import urls
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import polls as polls_store
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.polls import Poll

from .. import audience
from . import access, documents


async def summary(rt: Runtime, poll: Poll, viewer: Actor | None, place: access.Place | None = None) -> dict:
    place = place or await access.place_of(rt, poll)
    conn = rt.db.reader
    options = await polls_store.list_options(conn, poll.id)
    shown = documents.results_visible(poll)
    voted = viewer is not None and await polls_store.has_voted(conn, poll.id, viewer.id)
    own = await polls_store.own_choices(conn, poll.id, viewer.id) if voted and viewer and not poll.secret else []
    space = await audience.audience_actor(rt, poll.members_of)
    key = urls.parse(rt.config, poll.ap_id)
    total = sum(o.votes for o in options)
    return {
        "id": poll.ap_id,
        "key": key.key if key else "",
        "url": urls.page_of(rt.config, "poll", key.key if key else ""),
        "question": poll.question,
        "author": place.author.ap_id,
        "box": place.box.username if place.box is not None else None,
        "members_of": space.username if space is not None else None,
        "multiple": poll.multiple,
        "secret": poll.secret,
        "live_results": poll.live_results,
        "expires_at": poll.end_time,
        "expired": poll.is_closed(),
        "closed_at": documents.closed_at(poll),
        "voters_count": poll.voters_count,
        "votes_count": total if shown else None,
        "results_shown": shown,
        "options": [{"position": o.position, "title": o.name, "votes_count": o.votes if shown else None,
                     "percent": round(100 * o.votes / total) if shown and total else (0 if shown else None)}
                    for o in options],
        "voted": voted,
        "own_votes": own,
        "may_vote": (viewer is not None and not voted and not poll.is_closed()
                     and await access.may_vote(rt, poll, viewer, place)),
        "created_at": poll.created_at,
    }


async def visible_polls(rt: Runtime, viewer: Actor | None, polls: list[Poll]) -> list[Poll]:
    """Those of `polls` the viewer may see (a members-only one only to its space's members)."""
    return [p for p in polls if await access.may_see(rt, p, viewer)]
