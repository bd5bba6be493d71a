"""Hashtag pages: the ideas carrying a topic, and the events linked to those ideas.

One list (newest first, paginated) behind three shapes at `urls.tag_url`: the web page, an Atom
feed, and an ActivityPub OrderedCollection of the items' ids as Mastodon serves its tag
collections (`totalItems`, `first`, pages of `orderedItems`), so that the `href` of the
Hashtags in our federated ideas leads somewhere. A well-formed topic nobody used yet is an
empty list, not an error; a malformed one names no page (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from wecreate_fed import inputs, ld, urls
from wecreate_fed.errors import BadRequest, NotFound
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import civic as civic_store
from wecreate_fed.store import domains as domains_store
from wecreate_fed.store import events as events_store
from wecreate_fed.store import iso
from wecreate_fed.store import tags as tags_store
from wecreate_fed.store.civic import Idea
from wecreate_fed.store.events import Event

from .ideas.validation import TOPIC

PAGE_SIZE = 20
MAX_PAGE_NUMBER = 10_000  # so that the offset stays a number SQLite binds


@dataclass(frozen=True)
class Entry:
    """An idea or an event on a hashtag page, with the name of who published it."""

    kind: str                   # "idea" or "event"
    record: Idea | Event
    by_name: str
    by_ap_id: str
    topics: list[str]           # an idea's topics (an event's: those of its idea)


@dataclass(frozen=True)
class TagPage:
    topic: str
    entries: list[Entry]
    total: int
    page: int
    pages: int


def topic_of(value: str) -> str:
    """The topic a path names ("Wasser" → "wasser"); NotFound when it cannot be a hashtag."""
    if not isinstance(value, str) or not TOPIC.match(value):
        raise NotFound("a hashtag is one word of letters, digits and _ (at most 50)", field="tag", code="tag_invalid")
    return value.lower()


def page_number(value: str | None) -> int:
    """The page asked for (1 when none); 400 for anything but a whole number in range."""
    if value in (None, ""):
        return 1
    number = inputs.whole_number(value, high=MAX_PAGE_NUMBER)
    if number is None or number < 1:
        raise BadRequest(f"page must be a whole number from 1 to {MAX_PAGE_NUMBER}", field="page", code="number")
    return number


async def _hidden_hosts(rt: Runtime) -> list[str]:
    if not rt.domains.any_limited():
        return []
    return [h for h in await domains_store.remote_actor_hosts(rt.db.reader) if rt.domains.limited(h)]


async def total(rt: Runtime, topic: str) -> int:
    """How many ideas and events carry `topic` (the collection's totalItems)."""
    _, count = await tags_store.list_tagged(rt.db.reader, topic, limit=0, offset=0,
                                            hidden_hosts=await _hidden_hosts(rt))
    return count


async def page(rt: Runtime, topic: str, number: int = 1) -> TagPage:
    """One page of what carries `topic`, with the same rules as the marketplace (hidden, suspended and
    limited accounts' items left off)."""
    conn = rt.db.reader
    rows, count = await tags_store.list_tagged(conn, topic, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE,
                                               hidden_hosts=await _hidden_hosts(rt))
    entries = []
    for row in rows:
        record: Idea | Event | None
        if row.kind == "idea":
            record = await civic_store.get_idea_by_id(conn, row.id)
            topics = await civic_store.list_idea_topics(conn, row.id) if record else []
            by = record.author_id if record else None
        else:
            record = await events_store.get_event_by_id(conn, row.id)
            idea = await civic_store.get_idea(conn, record.idea_ap_id) if record and record.idea_ap_id else None
            topics = await civic_store.list_idea_topics(conn, idea.id) if idea else [topic]
            by = record.organizer_id if record else None
        author = await actors_store.get_actor(conn, by) if by is not None else None
        if record is not None and author is not None:  # gone between the two reads: left off
            entries.append(Entry(row.kind, record, author.name or author.username or author.ap_id, author.ap_id, topics))
    return TagPage(topic, entries, count, number, max(1, -(-count // PAGE_SIZE)))


def collection(rt: Runtime, topic: str, total: int) -> dict:
    """The OrderedCollection itself: its total and its first page."""
    collection_id = urls.tag_url(rt.config, topic)
    return {"@context": ld.AS_CONTEXT, "id": collection_id, "type": "OrderedCollection", "totalItems": total,
            "first": f"{collection_id}?page=1"}


def collection_page(rt: Runtime, data: TagPage) -> dict:
    """One OrderedCollectionPage: the ids of the ideas and events, newest first."""
    collection_id = urls.tag_url(rt.config, data.topic)
    document = {"@context": ld.AS_CONTEXT, "id": f"{collection_id}?page={data.page}", "type": "OrderedCollectionPage",
                "partOf": collection_id, "totalItems": data.total,
                "orderedItems": [entry.record.ap_id for entry in data.entries]}
    if data.page < data.pages:
        document["next"] = f"{collection_id}?page={data.page + 1}"
    if data.page > 1:
        document["prev"] = f"{collection_id}?page={data.page - 1}"
    return document


def atom(rt: Runtime, data: TagPage, self_url: str, title: str) -> str:
    """The page as an Atom 1.0 feed (RFC 4287), the entries linking to their web pages."""
    updated = max((entry.record.published for entry in data.entries), default=iso())
    parts = []
    for entry in data.entries:
        record = entry.record
        summary = record.summary if isinstance(record, Idea) else ""
        categories = "".join(f'<category term="{escape(t)}"/>' for t in entry.topics)
        parts.append(
            "<entry>"
            f"<id>{escape(record.ap_id)}</id><title>{escape(record.title)}</title>"
            f'<link rel="alternate" type="text/html" href="{escape(record.url or record.ap_id)}"/>'
            f"<updated>{escape(record.updated or record.published)}</updated>"
            f"<published>{escape(record.published)}</published>"
            f"<author><name>{escape(entry.by_name)}</name><uri>{escape(entry.by_ap_id)}</uri></author>"
            f"<summary>{escape(summary or record.title)}</summary>{categories}"
            "</entry>")
    page_url = urls.tag_url(rt.config, data.topic)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{escape(page_url)}</id><title>{escape(title)}</title>"
        f'<link rel="self" type="application/atom+xml" href="{escape(self_url)}"/>'
        f'<link rel="alternate" type="text/html" href="{escape(page_url)}"/>'
        f"<updated>{escape(updated)}</updated>{''.join(parts)}</feed>\n"
    )
