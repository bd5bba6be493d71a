"""SQL for the hashtag pages: the ideas carrying a topic and the events of those ideas, newest first."""

from __future__ import annotations

from dataclasses import dataclass

from . import Connection, fetch_all, fetch_value
from .sanctions import listed


@dataclass(frozen=True)
class Tagged:
    """One entry of a hashtag page: an idea or an event, by row id."""

    kind: str           # "idea" or "event"
    id: int
    ap_id: str
    published: str


# An event has the topics of the idea it is linked to (events carry no hashtags of their own).
_TAGGED = (
    "SELECT 'idea' AS kind, i.id, i.ap_id, i.published FROM ideas i "
    "WHERE i.id IN (SELECT idea_id FROM idea_topics WHERE topic = :topic) "
    f"AND i.deleted_at IS NULL AND {listed('i', 'author_id')} "
    "UNION ALL "
    "SELECT 'event' AS kind, e.id, e.ap_id, e.published FROM events e JOIN ideas i ON i.ap_id = e.idea_ap_id "
    "WHERE i.id IN (SELECT idea_id FROM idea_topics WHERE topic = :topic) "
    f"AND e.deleted_at IS NULL AND i.deleted_at IS NULL AND {listed('e', 'organizer_id')} AND {listed('i', 'author_id')}"
)


async def list_tagged(conn: Connection, topic: str, *, limit: int, offset: int,
                      hidden_hosts: list[str] | None = None) -> tuple[list[Tagged], int]:
    """One page of what carries `topic` (newest first) and how many there are in all.

    `hidden_hosts`: authors' and organisers' host[:port] kept off (limited domains), as on the marketplace.
    """
    params: dict = {"topic": topic}
    where = ""
    if hidden_hosts:
        marks = ", ".join(f":h{n}" for n in range(len(hidden_hosts)))
        params.update({f"h{n}": h for n, h in enumerate(hidden_hosts)})
        where = (" WHERE t.ap_id NOT IN (SELECT x.ap_id FROM ideas x JOIN actors a ON a.id = x.author_id "
                 f"WHERE a.domain IN ({marks}) UNION SELECT x.ap_id FROM events x JOIN actors a "
                 f"ON a.id = x.organizer_id WHERE a.domain IN ({marks}))")
    rows = await fetch_all(
        conn, f"SELECT t.kind, t.id, t.ap_id, t.published FROM ({_TAGGED}) t{where} "
              "ORDER BY t.published DESC, t.kind, t.id DESC LIMIT :limit OFFSET :offset",
        {**params, "limit": limit, "offset": offset})
    total = await fetch_value(conn, f"SELECT count(*) FROM ({_TAGGED}) t{where}", params)
    return [Tagged(r["kind"], r["id"], r["ap_id"], r["published"]) for r in rows], total
