"""The ActivityStreams shape of a poll, as Mastodon renders one: a `Question` whose options are
Notes with a `name` under `oneOf` (one choice) or `anyOf` (several), each counting its votes in
`replies.totalItems`; `votersCount` (Mastodon's term), `endTime`, and `closed` once it is over.

While the results are hidden (a secret ballot, or an open one that shows them at the end) the
options carry no totals: only how many people voted.
"""

from __future__ import annotations

import html

from wecreate_fed import ld, urls
from wecreate_fed.config import Config
from wecreate_fed.store import iso
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.polls import Option, Poll


def results_visible(poll: Poll, now: str | None = None) -> bool:
    """Totals are shown once closed, or while open when its author chose live results (open ballots only)."""
    return poll.is_closed(now) or (poll.live_results and not poll.secret)


def closed_at(poll: Poll) -> str | None:
    """When it closed: by its author, or at its closing time."""
    if poll.closed_at is not None:
        return poll.closed_at
    return poll.end_time if poll.end_time is not None and poll.end_time <= iso() else None


def question(config: Config, poll: Poll, options: list[Option], author: Actor, *, to: list[str], cc: list[str],
             audience: str | None = None) -> dict:
    key = urls.parse(config, poll.ap_id)
    shown = results_visible(poll)
    choices = []
    for option in options:
        choice: dict = {"type": "Note", "name": option.name}
        if shown:
            choice["replies"] = {"type": "Collection", "totalItems": option.votes}
        choices.append(choice)
    document = {
        "@context": ld.default_context(),
        "id": poll.ap_id,
        "type": "Question",
        "attributedTo": author.ap_id,
        "content": f"<p>{html.escape(poll.question)}</p>",
        "mediaType": "text/html",
        "published": poll.created_at,
        "url": urls.page_of(config, "poll", key.key if key else ""),
        "to": to, "cc": cc,
        "anyOf" if poll.multiple else "oneOf": choices,
        "votersCount": poll.voters_count,
        "secretBallot": poll.secret,
    }
    if audience:
        document["audience"] = audience
    if poll.end_time is not None:
        document["endTime"] = poll.end_time
    if (moment := closed_at(poll)) is not None:
        document["closed"] = moment
        document.setdefault("endTime", moment)
    return document


def option_position(document: dict, options: list[Option]) -> int | None:
    """Which option a vote names (its Note's `name`, the option's exact text), None for none."""
    name = document.get("name")
    if not isinstance(name, str):
        return None
    return next((o.position for o in options if o.name == name.strip()), None)


def is_vote(document: dict) -> bool:
    """A vote has a name and no content of its own (a reply with text is a comment, not a vote)."""
    text = document.get("content")
    return isinstance(document.get("name"), str) and not (isinstance(text, str) and text.strip())
