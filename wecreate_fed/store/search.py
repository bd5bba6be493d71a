"""Full-text search of ideas, events, boxes and people (migration 0032), with each backend's engine.

A query is only ever made from words (letters and digits; at most MAX_WORDS of at most MAX_WORD
characters), never from the text as typed: quotes, operators, brackets or a megabyte of input
cannot reach the engine's query syntax, so a search never fails on what was typed. Every word
must occur (AND), as the beginning of a word (prefix).

- SQLite (FTS5, unicode61 remove_diacritics 2): case and accents folded ("Bürger" finds
  "burger", "Bäume" finds "Baume"), no stemming. A word loses one common German or English ending
  before it becomes a prefix ("Radwege" → radweg*, so it finds "Radweg" and "Radwegen"; "Bäume"
  → baum*, so it finds "Baum"); other inflections ("ging"/"gehen", "Häuser"/"Haus") are not found,
  and "ß" is not "ss".
- PostgreSQL (tsvector, `german`): the Snowball German stemmer on both sides, stop words dropped
  ("die", "und"), with prefixes of the stems; umlauts are folded by the stemmer ("Straße" and
  "Strasse" are both "strass"); English words are stemmed as German words.

Visibility is not in the index: each listing's query keeps its own rules (hidden, members-only,
suspended or limited authors, private boxes, limited domains), read at the time of the search.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from . import Connection, dialect_of, fetch_all, fetch_value
from .sanctions import listed

MAX_WORDS = 8
MAX_WORD = 40
MAX_INPUT = 1_000  # characters of the input looked at; the words come from these
_WORD = re.compile(r"[^\W_]+")
# Endings trimmed on SQLite (longest first), if at least MIN_STEM characters remain.
_ENDINGS = ("ern", "en", "er", "es", "e", "n", "s")
MIN_STEM = 4

# The rowid of search_index on SQLite: id * 4 + what it is (0032_search.sql).
_KIND_OFFSET = {"idea": 0, "event": 1, "box": 2, "person": 3}


def words_of(text: str | None) -> list[str]:
    """The words of a search input, lower-case and NFKC-normalised, without duplicates."""
    found: list[str] = []
    for word in _WORD.findall(unicodedata.normalize("NFKC", str(text or "")[:MAX_INPUT]).lower()):
        word = word[:MAX_WORD]
        if word not in found:
            found.append(word)
        if len(found) == MAX_WORDS:
            break
    return found


def _trimmed(word: str) -> str:
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def fts5_query(words: list[str]) -> str:
    """An FTS5 MATCH expression: every word a quoted prefix ("radweg"* "bau"*). The words hold only
    letters and digits, so the quotes cannot be closed early and no operator can be formed."""
    return " ".join(f'"{_trimmed(w)}"*' for w in words)


def tsquery_text(words: list[str]) -> str:
    """The text for to_tsquery('german', …): every word a prefix, all of them (radwege:* & bau:*)."""
    return " & ".join(f"{w}:*" for w in words)


# SQLite: up to this many matches, the matches drive the query (each row looked up by its key,
# then sorted: ~15 ms in 100,000 ideas); beyond, the listing walks its own index in sort order
# against the matches, stopping after one page (a word in every idea: ~0.4 s, where sorting all
# the matches took 3 s).
DRIVE_LIMIT = 5_000


async def condition(conn: Connection, kind: str, alias: str, words: list[str],
                    actor_alias: str | None = None) -> tuple[str, list]:
    """SQL condition (and its parameters) that row `alias` of `kind` (idea, event, box, person)
    holds every word. For a box, `actor_alias` is its Group actor's row (name and summary)."""
    if dialect_of(conn) == "postgresql":  # the planner weighs the GIN index by its statistics
        if kind == "box":
            return f"({alias}.search_doc || {actor_alias}.search_doc) @@ to_tsquery('german', ?)", [tsquery_text(words)]
        return f"{alias}.search_doc @@ to_tsquery('german', ?)", [tsquery_text(words)]
    offset, match = _KIND_OFFSET[kind], fts5_query(words)
    id_column = f"{alias}.actor_id" if kind == "box" else f"{alias}.id"
    many = await fetch_value(
        conn, "SELECT count(*) FROM (SELECT 1 FROM search_index WHERE search_index MATCH ? AND rowid % 4 = ? LIMIT ?)",
        (match, offset, DRIVE_LIMIT + 1))
    if many <= DRIVE_LIMIT:
        return (f"{id_column} IN (SELECT rowid / 4 FROM search_index WHERE search_index MATCH ? AND rowid % 4 = {offset})",
                [match])
    return (f"+{id_column} * 4 + {offset} IN (SELECT rowid FROM search_index WHERE search_index MATCH ?)", [match])


def idea_condition_pg(alias: str, words: list[str], *, indexed: bool) -> tuple[str, list]:
    """PostgreSQL: the condition that idea `alias` holds every word; `indexed`: by the GIN index (the
    `@@` operator), else checked row by row (the same test as a function call, which the planner
    cannot take to the index), for a query that walks the ideas in sort order and stops early."""
    if indexed:
        return f"{alias}.search_doc @@ to_tsquery('german', ?)", [tsquery_text(words)]
    return f"ts_match_vq({alias}.search_doc, to_tsquery('german', ?))", [tsquery_text(words)]


# --- events, boxes, people -------------------------------------------------------------------

@dataclass(frozen=True)
class Hit:
    """One found event, box or person: enough for a list of results."""

    kind: str            # event, box, person
    ap_id: str
    title: str
    text: str            # HTML or plain text, as stored; the caller makes it plain
    url: str | None
    is_local: bool
    when: str | None     # an event's start
    username: str | None
    domain: str | None


def _hidden_hosts(alias: str, hosts: list[str]) -> tuple[str, list]:
    if not hosts:
        return "1 = 1", []
    return f"{alias}.domain NOT IN ({', '.join('?' for _ in hosts)})", list(hosts)


async def events(conn: Connection, words: list[str], *, hidden_hosts: list[str], limit: int) -> list[Hit]:
    """Events holding every word that the upcoming list would show (not deleted, not hidden, not
    members-only, organiser neither suspended nor limited), past ones too; latest start first."""
    match, params = await condition(conn, "event", "e", words)
    hosts, host_params = _hidden_hosts("a", hidden_hosts)
    rows = await fetch_all(
        conn,
        "SELECT e.ap_id, e.title, e.description_html AS text, e.url, e.is_local, e.starts_at, a.username, a.domain "
        f"FROM events e JOIN actors a ON a.id = e.organizer_id WHERE e.deleted_at IS NULL AND {listed('e', 'organizer_id')} "
        f"AND {hosts} AND {match} ORDER BY e.starts_at DESC, e.id DESC LIMIT ?",
        (*host_params, *params, limit))
    return [Hit("event", r["ap_id"], r["title"], r["text"], r["url"], bool(r["is_local"]), r["starts_at"],
                r["username"], r["domain"]) for r in rows]


async def boxes(conn: Connection, words: list[str], *, viewer_id: int | None, limit: int) -> list[Hit]:
    """Local boxes holding every word, as the list of boxes shows them: open and closed ones, private
    ones only to their accepted members; none of a deleted, suspended or limited box."""
    match, params = await condition(conn, "box", "b", words, actor_alias="a")
    rows = await fetch_all(
        conn,
        "SELECT a.ap_id, a.name AS title, b.purpose AS text, a.url, a.is_local, a.username, a.domain "
        "FROM boxes b JOIN actors a ON a.id = b.actor_id WHERE a.deleted_at IS NULL AND a.suspended_at IS NULL "
        "AND a.limited_at IS NULL AND (b.visibility != 'private' OR b.actor_id IN "
        "(SELECT box_id FROM box_members WHERE actor_id = ? AND state = 'accepted')) "
        f"AND {match} ORDER BY b.created_at DESC, b.actor_id DESC LIMIT ?",
        (viewer_id, *params, limit))
    return [Hit("box", r["ap_id"], r["title"], r["text"], r["url"], bool(r["is_local"]), None, r["username"],
                r["domain"]) for r in rows]


async def people(conn: Connection, words: list[str], *, hidden_hosts: list[str], limit: int) -> list[Hit]:
    """People and organisations holding every word in their name, handle or profile text: those that
    can be found (discoverable), neither deleted, purged, moved, suspended nor limited; local ones first."""
    match, params = await condition(conn, "person", "a", words)
    hosts, host_params = _hidden_hosts("a", hidden_hosts)
    rows = await fetch_all(
        conn,
        "SELECT a.ap_id, a.name AS title, a.summary AS text, a.url, a.is_local, a.username, a.domain FROM actors a "
        "WHERE a.type IN ('Person', 'Organization') AND a.deleted_at IS NULL AND a.purged_at IS NULL "
        "AND a.moved_to IS NULL AND a.suspended_at IS NULL AND a.limited_at IS NULL AND a.discoverable = 1 "
        f"AND {hosts} AND {match} ORDER BY a.is_local DESC, a.name, a.id LIMIT ?",
        (*host_params, *params, limit))
    return [Hit("person", r["ap_id"], r["title"] or r["username"] or "", r["text"], r["url"], bool(r["is_local"]),
                None, r["username"], r["domain"]) for r in rows]
