"""SQL for reports: one open report per reported thing, every filing about it (a member, a visitor's
notice, a remote server's Flag), the moderators' notes, and what a report page shows beside them.
The tables are in migration 0012; the rules that decide are in moderation/reports.py."""

from __future__ import annotations

import json
import sqlite3

from . import Connection, fetch_all, fetch_one, fetch_value, iso

PAGE_SIZE = 50


# --- what is reported: the thing as it is now (for the snapshot) ---------------------------

_CONTENT = {
    "idea": "SELECT t.ap_id, t.title, t.summary, t.body_html AS content, t.url, t.is_local, t.deleted_at, "
            "a.ap_id AS author_ap_id, a.name AS author_name, a.username AS author_username, a.domain AS author_domain "
            "FROM ideas t JOIN actors a ON a.id = t.author_id WHERE t.ap_id = ?",
    "event": "SELECT t.ap_id, t.title, '' AS summary, t.description_html AS content, t.ap_id AS url, t.is_local, "
             "t.deleted_at, a.ap_id AS author_ap_id, a.name AS author_name, a.username AS author_username, "
             "a.domain AS author_domain FROM events t JOIN actors a ON a.id = t.organizer_id WHERE t.ap_id = ?",
    "motion": "SELECT t.ap_id, t.title, t.request AS summary, t.reasoning AS content, t.ap_id AS url, t.is_local, "
              "NULL AS deleted_at, a.ap_id AS author_ap_id, a.name AS author_name, a.username AS author_username, "
              "a.domain AS author_domain FROM motions t LEFT JOIN actors a ON a.ap_id = t.box_ap_id WHERE t.ap_id = ?",
    # title, summary and url are read from `data` below (json_extract is SQLite's, ->> PostgreSQL's).
    "object": "SELECT t.ap_id, t.data, t.content, t.is_local, t.deleted_at, t.in_reply_to, "
              "a.ap_id AS author_ap_id, a.name AS author_name, a.username AS author_username, a.domain AS author_domain "
              "FROM objects t JOIN actors a ON a.id = t.actor_id WHERE t.ap_id = ?",
    "actor": "SELECT ap_id, name AS title, '' AS summary, summary AS content, url, is_local, deleted_at, "
             "ap_id AS author_ap_id, name AS author_name, username AS author_username, domain AS author_domain "
             "FROM actors WHERE ap_id = ?",
}


async def content_of(conn: Connection, table: str, ap_id: str) -> dict | None:
    """The reported thing's title, text, author and URL as stored now (`table`: a key of _CONTENT)."""
    row = await fetch_one(conn, _CONTENT[table], (ap_id,))
    if row is None:
        return None
    content = dict(row)
    if "data" in content:
        data = json.loads(content.pop("data") or "{}")
        content.update({key: _json_value(data.get(field)) for key, field in
                        (("title", "name"), ("summary", "summary"), ("url", "url"))})
    return content


def _json_value(value):
    """A document's field as SQLite's json_extract gave it: a string or number as is, a list or an
    object as compact JSON text."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False) if isinstance(value, (list, dict)) else value


async def actor_of(conn: Connection, ap_id: str) -> sqlite3.Row | None:
    return await fetch_one(conn, "SELECT id, ap_id, is_local, domain, inbox_url, shared_inbox_url, suspended_at, "
                                 "deleted_at FROM actors WHERE ap_id = ?", (ap_id,))


async def rules(conn: Connection) -> list[sqlite3.Row]:
    """The instance's rules in order (the ones not deleted): further choices of a report's category."""
    return await fetch_all(conn, "SELECT id, position, text_de, text_en FROM instance_rules "
                                 "WHERE deleted_at IS NULL ORDER BY position, id")


# --- reports and their filings ---------------------------------------------------------------

async def open_report(conn: Connection, target_ap_id: str) -> sqlite3.Row | None:
    return await fetch_one(conn, "SELECT * FROM reports WHERE target_ap_id = ? AND state = 'open'", (target_ap_id,))


async def add_report(conn: Connection, *, target_ap_id: str, target_kind: str, account_ap_id: str,
                     snapshot: dict) -> int:
    now = iso()
    cur = await conn.execute(
        "INSERT INTO reports (target_ap_id, target_kind, account_ap_id, snapshot, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (target_ap_id, target_kind, account_ap_id, json.dumps(snapshot, ensure_ascii=False, sort_keys=True), now, now))
    assert cur.lastrowid is not None
    return cur.lastrowid


async def add_filing(conn: Connection, report_id: int, *, source: str, category: str, reporter_id: int | None = None,
                     rule_id: int | None = None, comment: str = "", location: str = "", flag_ap_id: str | None = None,
                     forward: bool = False, receipt: str | None = None, notice_name: str | None = None,
                     notice_email: str | None = None) -> int:
    now = iso()
    cur = await conn.execute(
        "INSERT INTO report_filings (report_id, source, reporter_id, notice_name, notice_email, category, rule_id, "
        "comment, location, flag_ap_id, forward, receipt, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (report_id, source, reporter_id, notice_name, notice_email, category, rule_id, comment, location, flag_ap_id,
         int(forward), receipt, now))
    await conn.execute("UPDATE reports SET updated_at = ? WHERE id = ?", (now, report_id))
    assert cur.lastrowid is not None
    return cur.lastrowid


async def flag_known(conn: Connection, flag_ap_id: str) -> bool:
    return bool(await fetch_value(conn, "SELECT 1 FROM report_filings WHERE flag_ap_id = ?", (flag_ap_id,)))


async def mark_forwarded(conn: Connection, filing_id: int, flag_ap_id: str | None) -> None:
    """Told to the remote server; `flag_ap_id` the Flag sent for this filing alone (None: one for several)."""
    await conn.execute("UPDATE report_filings SET forwarded_at = ?, flag_ap_id = coalesce(?, flag_ap_id) WHERE id = ?",
                       (iso(), flag_ap_id, filing_id))


async def filings_since(conn: Connection, reporter_id: int, since: str) -> int:
    """How many reports this account filed since then (the per-account rate limit)."""
    return int(await fetch_value(conn, "SELECT count(*) FROM report_filings WHERE reporter_id = ? AND source = 'member' "
                                       "AND created_at >= ?", (reporter_id, since)) or 0)


async def filing_by_receipt(conn: Connection, receipt: str) -> sqlite3.Row | None:
    return await fetch_one(conn, "SELECT f.id, f.receipt, f.created_at, f.location, f.category FROM report_filings f "
                                 "WHERE f.receipt = ?", (receipt,))


async def get(conn: Connection, report_id: int) -> dict | None:
    row = await fetch_one(
        conn, "SELECT r.*, m.username AS assigned_name, rb.username AS resolved_name FROM reports r "
              "LEFT JOIN actors m ON m.id = r.assigned_to LEFT JOIN actors rb ON rb.id = r.resolved_by "
              "WHERE r.id = ?", (report_id,))
    return None if row is None else {**dict(row), "snapshot": json.loads(row["snapshot"])}


async def listing(conn: Connection, *, state: str, category: str = "", source: str = "",
                  before_id: int | None = None, limit: int = PAGE_SIZE) -> list[dict]:
    """Reports in one state, newest first, with their filings' count, categories and sources;
    `category` / `source` keep those with at least one such filing."""
    where, params = ["r.state = ?", "r.id < ?"], [state, before_id if before_id is not None else 2 ** 62]
    for column, value in (("category", category), ("source", source)):
        if value:
            where.append(f"EXISTS (SELECT 1 FROM report_filings x WHERE x.report_id = r.id AND x.{column} = ?)")
            params.append(value)
    rows = await fetch_all(
        conn, "SELECT r.id, r.target_ap_id, r.target_kind, r.account_ap_id, r.snapshot, r.state, r.created_at, "
              "r.updated_at, m.username AS assigned_name, "
              "(SELECT count(*) FROM report_filings f WHERE f.report_id = r.id) AS filings "
              f"FROM reports r LEFT JOIN actors m ON m.id = r.assigned_to WHERE {' AND '.join(where)} "
              "ORDER BY r.id DESC LIMIT ?", (*params, limit))
    # The categories and sources of the page's filings in one more query (group_concat is SQLite's).
    kinds: dict[int, tuple[set, set]] = {r["id"]: (set(), set()) for r in rows}
    if kinds:
        for f in await fetch_all(conn, "SELECT DISTINCT report_id, category, source FROM report_filings "
                                       f"WHERE report_id IN ({', '.join('?' * len(kinds))})", list(kinds)):
            kinds[f["report_id"]][0].add(f["category"])
            kinds[f["report_id"]][1].add(f["source"])
    return [{**dict(r), "snapshot": json.loads(r["snapshot"]), "categories": sorted(kinds[r["id"]][0]),
             "sources": sorted(kinds[r["id"]][1])} for r in rows]


async def filings(conn: Connection, report_id: int) -> list[sqlite3.Row]:
    return await fetch_all(
        conn, "SELECT f.*, a.ap_id AS reporter_ap_id, a.username AS reporter_username, a.domain AS reporter_domain, "
              "a.is_local AS reporter_is_local, ru.text_de AS rule_de, ru.text_en AS rule_en FROM report_filings f "
              "LEFT JOIN actors a ON a.id = f.reporter_id LEFT JOIN instance_rules ru ON ru.id = f.rule_id "
              "WHERE f.report_id = ? ORDER BY f.id", (report_id,))


async def unforwarded(conn: Connection, report_id: int) -> list[sqlite3.Row]:
    """Filings whose reporter asked to tell the remote server and that were not forwarded yet."""
    return await fetch_all(conn, "SELECT * FROM report_filings WHERE report_id = ? AND forwarded_at IS NULL "
                                 "AND source = 'member' ORDER BY id", (report_id,))


async def earlier(conn: Connection, account_ap_id: str, report_id: int) -> list[sqlite3.Row]:
    """Other reports about the same account (its content or its profile), newest first."""
    return await fetch_all(conn, "SELECT id, target_ap_id, target_kind, state, created_at, resolution FROM reports "
                                 "WHERE account_ap_id = ? AND id != ? ORDER BY id DESC LIMIT 50",
                           (account_ap_id, report_id))


async def actions_against(conn: Connection, account_ap_id: str) -> list[sqlite3.Row]:
    """Moderation actions against the account or its content, newest first."""
    return await fetch_all(
        conn, "SELECT ma.id, ma.kind, ma.target_ap_id, ma.category, ma.explanation, ma.created_at, ma.undone_at, "
              "m.username AS moderator_name FROM moderation_actions ma LEFT JOIN actors m ON m.id = ma.moderator_id "
              "WHERE ma.account_id = (SELECT id FROM actors WHERE ap_id = ?) OR ma.target_ap_id = ? "
              "ORDER BY ma.id DESC LIMIT 50", (account_ap_id, account_ap_id))


async def set_assigned(conn: Connection, report_id: int, actor_id: int | None) -> None:
    await conn.execute("UPDATE reports SET assigned_to = ?, updated_at = ? WHERE id = ?", (actor_id, iso(), report_id))


async def set_resolved(conn: Connection, report_id: int, by_id: int | None, resolution: str) -> None:
    now = iso()
    await conn.execute("UPDATE reports SET state = 'resolved', resolution = ?, resolved_by = ?, resolved_at = ?, "
                       "updated_at = ? WHERE id = ?", (resolution, by_id, now, now, report_id))


async def set_reopened(conn: Connection, report_id: int) -> None:
    """Open again (sqlite3.IntegrityError when another report about the same thing is open meanwhile)."""
    await conn.execute("UPDATE reports SET state = 'open', resolved_by = NULL, resolved_at = NULL, updated_at = ? "
                       "WHERE id = ?", (iso(), report_id))


async def add_note(conn: Connection, report_id: int, author_id: int | None, text: str) -> int:
    cur = await conn.execute("INSERT INTO report_notes (report_id, author_id, text, created_at) VALUES (?, ?, ?, ?)",
                             (report_id, author_id, text, iso()))
    await conn.execute("UPDATE reports SET updated_at = ? WHERE id = ?", (iso(), report_id))
    assert cur.lastrowid is not None
    return cur.lastrowid


async def notes(conn: Connection, report_id: int) -> list[sqlite3.Row]:
    return await fetch_all(conn, "SELECT n.id, n.text, n.created_at, a.username AS author_name FROM report_notes n "
                                 "LEFT JOIN actors a ON a.id = n.author_id WHERE n.report_id = ? ORDER BY n.id",
                           (report_id,))


async def count(conn: Connection, state: str) -> int:
    return int(await fetch_value(conn, "SELECT count(*) FROM reports WHERE state = ?", (state,)) or 0)
