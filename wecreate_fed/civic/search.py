"""Search of ideas, events, boxes and people by words (issue 13), for the API's /api/search.

Ideas are searched through the marketplace (the same query with `words`, so every filter and sort
of the marketplace applies, and what it hides stays hidden); events, boxes and people through
store/search.py with the rules of their own lists. What anyone finds is only what the same person
sees in those lists: nothing members-only, hidden, deleted, of a suspended or limited account or
domain, and private boxes only for their accepted members.
"""

from __future__ import annotations

import dataclasses

from wecreate_fed import sanitize
from wecreate_fed.errors import BadRequest
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import domains as domains_store
from wecreate_fed.store import search as search_store
from wecreate_fed.store.actors import Actor

from . import marketplace

KINDS = ("idea", "event", "box", "person")
LIMIT, MAX_LIMIT = 10, 50


def parse_kinds(value: str | None) -> tuple[str, ...]:
    """`types=idea,event`: those kinds; empty: all of them. (`kind` is the marketplace's filter of
    ideas by their kind, which applies here too.)"""
    if not value:
        return KINDS
    asked = tuple(k.strip() for k in value.split(",") if k.strip())
    for kind in asked:
        if kind not in KINDS:
            raise BadRequest(f"types must be of {', '.join(KINDS)}", field="types", code="invalid_choice",
                             params={"choices": ", ".join(KINDS)})
    return asked or KINDS


async def hidden_hosts(rt: Runtime) -> list[str]:
    """Hosts of limited (and suspended) domains, whose accounts and content no list shows."""
    if not rt.domains.any_limited():
        return []
    return [h for h in await domains_store.remote_actor_hosts(rt.db.reader) if rt.domains.limited(h)]


async def search(rt: Runtime, args, viewer: Actor | None) -> dict:
    """Everything of `kinds` holding every word of `q`, for `viewer` (None: a visitor)."""
    words = search_store.words_of(args.get("q"))
    kinds = parse_kinds(args.get("types"))
    limit = min(marketplace.positive_int(args.get("limit"), "limit", LIMIT), MAX_LIMIT)
    result: dict = {"q": args.get("q") or "", "words": words,
                    "ideas": [], "events": [], "boxes": [], "people": []}
    if not words:  # nothing to look for (empty, or only punctuation): nothing found
        return result
    hosts = await hidden_hosts(rt)
    conn = rt.db.reader
    if "idea" in kinds:
        query = dataclasses.replace(marketplace.parse_query(rt.config, args), limit=limit, offset=0)
        data = await marketplace.page(rt, query)
        result["ideas"] = data["items"]
        result["ideas_total"] = data["total"]
    if "event" in kinds:
        result["events"] = [_hit(h) for h in await search_store.events(conn, words, hidden_hosts=hosts, limit=limit)]
    if "box" in kinds:
        result["boxes"] = [_hit(h) for h in await search_store.boxes(
            conn, words, viewer_id=viewer.id if viewer is not None and viewer.is_local else None, limit=limit)]
    if "person" in kinds:
        result["people"] = [_hit(h) for h in await search_store.people(conn, words, hidden_hosts=hosts, limit=limit)]
    return result


def _hit(hit: search_store.Hit) -> dict:
    found = {"id": hit.ap_id, "url": hit.url or hit.ap_id, "name": hit.title,
             "summary": sanitize.plain_text(hit.text, 240), "local": hit.is_local}
    if hit.kind == "event":
        found["starts_at"] = hit.when
    if hit.username:
        found["handle"] = f"@{hit.username}@{hit.domain}"
        found["username"] = hit.username
    return found
