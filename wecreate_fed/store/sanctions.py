"""SQL for moderation actions (each row also the statement of reasons sent to the person), their
effects on content and accounts (hidden, sensitive, limited, suspended), and appeals.

Content lives in four tables; CONTENT maps a target kind to its table and the column naming its
author, so one function hides an idea, an event, a motion or a comment alike.
"""

from __future__ import annotations

import sqlite3

from . import Connection, fetch_all, fetch_one, fetch_value, iso

# target kind -> (table, the column holding the author's actor id; None: the author is an ap_id)
CONTENT = {
    "idea": ("ideas", "author_id"),
    "event": ("events", "organizer_id"),
    "motion": ("motions", None),
    "comment": ("objects", "actor_id"),
    "box_post": ("objects", "actor_id"),
}
SENSITIVE_KINDS = ("idea", "comment", "box_post")  # the tables with a sensitive column

# What no listing shows: hidden content, what suspended or limited accounts wrote, and what
# only the members of a space see (issue 12; their own pages list it through civic/audience).
# The subquery is not correlated, so SQLite evaluates it once per statement.
def listed(alias: str, author_column: str) -> str:
    """SQL condition: the row `alias` (an idea or event) is neither hidden, nor by a suspended or
    limited account, nor members-only."""
    return (f"{alias}.hidden_at IS NULL AND {alias}.members_of IS NULL AND {alias}.{author_column} NOT IN "
            "(SELECT id FROM actors WHERE suspended_at IS NOT NULL OR limited_at IS NOT NULL)")


def shown(alias: str, author_column: str) -> str:
    """SQL condition: the row is not hidden and its author not suspended (a limited one's still shows)."""
    return (f"{alias}.hidden_at IS NULL AND {alias}.{author_column} NOT IN "
            "(SELECT id FROM actors WHERE suspended_at IS NOT NULL)")


# --- actions ----------------------------------------------------------------------------

_ACTION = ("SELECT m.*, a.ap_id AS account_ap_id, a.username AS account_username, a.domain AS account_domain, "
           "a.is_local AS account_is_local, a.name AS account_name, mo.username AS moderator_name, "
           "r.text_de AS rule_de, r.text_en AS rule_en "
           "FROM moderation_actions m LEFT JOIN actors a ON a.id = m.account_id "
           "LEFT JOIN actors mo ON mo.id = m.moderator_id LEFT JOIN instance_rules r ON r.id = m.rule_id ")


async def add_action(conn: Connection, *, kind: str, target_ap_id: str, target_kind: str, account_id: int | None,
                     moderator_id: int | None, report_id: int | None, category: str, rule_id: int | None,
                     law: str, explanation: str, final_at: str | None, created_at: str | None = None) -> int:
    cur = await conn.execute(
        "INSERT INTO moderation_actions (kind, target_ap_id, target_kind, account_id, moderator_id, report_id, "
        "category, rule_id, law, explanation, created_at, final_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (kind, target_ap_id, target_kind, account_id, moderator_id, report_id, category, rule_id, law,
         explanation, created_at or iso(), final_at))
    assert cur.lastrowid is not None
    return cur.lastrowid


async def get_action(conn: Connection, action_id: int) -> sqlite3.Row | None:
    return await fetch_one(conn, _ACTION + "WHERE m.id = ?", (action_id,))


async def list_actions_of_account(conn: Connection, account_id: int, limit: int = 100) -> list[sqlite3.Row]:
    return await fetch_all(conn, _ACTION + "WHERE m.account_id = ? ORDER BY m.id DESC LIMIT ?", (account_id, limit))


async def mark_undone(conn: Connection, action_id: int, by_id: int | None) -> bool:
    """Undo an action that is neither undone nor final; False if it was (or became) either."""
    now = iso()
    cur = await conn.execute(
        "UPDATE moderation_actions SET undone_at = ?, undone_by = ? WHERE id = ? AND undone_at IS NULL "
        "AND carried_out_at IS NULL AND (final_at IS NULL OR final_at > ?)", (now, by_id, action_id, now))
    return cur.rowcount == 1


async def rule_exists(conn: Connection, rule_id: int) -> bool:
    return bool(await fetch_value(conn, "SELECT 1 FROM instance_rules WHERE id = ? AND deleted_at IS NULL",
                                  (rule_id,)))


async def report_exists(conn: Connection, report_id: int) -> bool:
    return bool(await fetch_value(conn, "SELECT 1 FROM reports WHERE id = ?", (report_id,)))


async def list_rules(conn: Connection) -> list[sqlite3.Row]:
    return await fetch_all(conn, "SELECT id, text_de, text_en FROM instance_rules WHERE deleted_at IS NULL "
                                 "ORDER BY position, id")


# --- effects on content -----------------------------------------------------------------

async def content_author(conn: Connection, target_kind: str, ap_id: str) -> int | None:
    """The actor id of whoever wrote the content (a motion: its box), None if unknown."""
    table, column = CONTENT[target_kind]
    if column is None:
        return await fetch_value(conn, "SELECT a.id FROM motions m JOIN actors a ON a.ap_id = m.box_ap_id "
                                       "WHERE m.ap_id = ?", (ap_id,))
    return await fetch_value(conn, f"SELECT {column} FROM {table} WHERE ap_id = ?", (ap_id,))


async def set_hidden(conn: Connection, target_kind: str, ap_id: str, hidden: bool) -> bool:
    table, _ = CONTENT[target_kind]
    cur = await conn.execute(f"UPDATE {table} SET hidden_at = ? WHERE ap_id = ?",
                             (iso() if hidden else None, ap_id))
    return cur.rowcount == 1


async def set_sensitive(conn: Connection, target_kind: str, ap_id: str, sensitive: bool) -> bool:
    table, _ = CONTENT[target_kind]
    cur = await conn.execute(f"UPDATE {table} SET sensitive = ? WHERE ap_id = ?", (int(sensitive), ap_id))
    return cur.rowcount == 1


async def object_flags(conn: Connection, ap_id: str) -> sqlite3.Row | None:
    """hidden_at and sensitive of a comment or box post."""
    return await fetch_one(conn, "SELECT hidden_at, sensitive FROM objects WHERE ap_id = ?", (ap_id,))


# --- posts held for review (spam brake) --------------------------------------------------

async def count_posts(conn: Connection, actor_id: int) -> int:
    """Ideas and comments the account ever posted here (deleted and held ones too)."""
    return int(await fetch_value(
        conn, "SELECT (SELECT count(*) FROM ideas WHERE author_id = :a AND is_local = 1) + "
              "(SELECT count(*) FROM objects WHERE actor_id = :a AND is_local = 1 AND in_reply_to IS NOT NULL)",
        {"a": actor_id}) or 0)


async def hold(conn: Connection, target_kind: str, ap_id: str) -> None:
    """Held: hidden everywhere until a moderator releases it."""
    table, _ = CONTENT[target_kind]
    now = iso()
    await conn.execute(f"UPDATE {table} SET held_at = ?, hidden_at = ? WHERE ap_id = ?", (now, now, ap_id))


async def unhold(conn: Connection, target_kind: str, ap_id: str) -> bool:
    """Released; False if it was not held (released meanwhile)."""
    table, _ = CONTENT[target_kind]
    cur = await conn.execute(f"UPDATE {table} SET held_at = NULL, hidden_at = NULL WHERE ap_id = ? "
                             "AND held_at IS NOT NULL", (ap_id,))
    return cur.rowcount == 1


async def list_held(conn: Connection, limit: int = 100) -> list[sqlite3.Row]:
    """Held ideas and comments, oldest first, with their authors."""
    return await fetch_all(
        conn, "SELECT * FROM (SELECT 'idea' AS kind, i.ap_id, i.title AS text, i.held_at, a.username, a.id AS author_id "
              "FROM ideas i JOIN actors a ON a.id = i.author_id WHERE i.held_at IS NOT NULL AND i.deleted_at IS NULL "
              "UNION ALL SELECT 'comment', o.ap_id, o.content, o.held_at, a.username, a.id FROM objects o "
              "JOIN actors a ON a.id = o.actor_id WHERE o.held_at IS NOT NULL AND o.deleted_at IS NULL) AS held "
              "ORDER BY held_at LIMIT ?", (limit,))


async def held_kind(conn: Connection, ap_id: str) -> str | None:
    """'idea' or 'comment' if `ap_id` is a held post, else None."""
    return await fetch_value(
        conn, "SELECT 'idea' FROM ideas WHERE ap_id = :id AND held_at IS NOT NULL AND deleted_at IS NULL UNION ALL "
              "SELECT 'comment' FROM objects WHERE ap_id = :id AND held_at IS NOT NULL AND deleted_at IS NULL",
        {"id": ap_id})


# --- effects on accounts ----------------------------------------------------------------

async def set_limited(conn: Connection, actor_id: int, limited: bool) -> None:
    await conn.execute("UPDATE actors SET limited_at = ? WHERE id = ?", (iso() if limited else None, actor_id))


async def set_suspended(conn: Connection, actor_id: int, suspended: bool) -> None:
    await conn.execute("UPDATE actors SET suspended_at = ? WHERE id = ?", (iso() if suspended else None, actor_id))


async def remove_follows_of_local_actors(conn: Connection, follower_id: int) -> int:
    """A suspended remote actor no longer follows anyone here."""
    cur = await conn.execute(
        "DELETE FROM follows WHERE follower_id = ? AND followee_id IN (SELECT id FROM actors WHERE is_local = 1)",
        (follower_id,))
    return cur.rowcount


async def search_accounts(conn: Connection, query: str, *, limit: int = 50) -> list[sqlite3.Row]:
    """People and organisations, local and remote, by handle, name or id (newest first)."""
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    # The database's lower() on both sides: SQLite's LIKE ignores case (ASCII), PostgreSQL's does not.
    return await fetch_all(
        conn, "SELECT id, ap_id, username, domain, name, is_local, limited_at, suspended_at, deleted_at, created_at "
              "FROM actors WHERE type IN ('Person', 'Organization', 'Service', 'Application') AND category != 'box' "
              "AND (lower(username || '@' || domain) LIKE lower(?) ESCAPE '\\' OR lower(name) LIKE lower(?) "
              "ESCAPE '\\' OR ap_id = ?) "
              "ORDER BY id DESC LIMIT ?", (pattern, pattern, query, limit))


# --- the grace period of a local suspension ----------------------------------------------

async def due_suspensions(conn: Connection, *, now: str, limit: int = 10) -> list[sqlite3.Row]:
    """Local suspensions whose grace period ended and whose account is not deleted yet."""
    return await fetch_all(
        conn, "SELECT m.id, m.account_id FROM moderation_actions m JOIN actors a ON a.id = m.account_id "
              "WHERE m.kind = 'suspend' AND m.undone_at IS NULL AND m.carried_out_at IS NULL AND m.final_at <= ? "
              "AND a.is_local = 1 ORDER BY m.final_at LIMIT ?", (now, limit))


async def next_suspension_due(conn: Connection) -> str | None:
    return await fetch_value(
        conn, "SELECT min(m.final_at) FROM moderation_actions m JOIN actors a ON a.id = m.account_id "
              "WHERE m.kind = 'suspend' AND m.undone_at IS NULL AND m.carried_out_at IS NULL AND a.is_local = 1")


async def mark_carried_out(conn: Connection, action_id: int) -> None:
    await conn.execute("UPDATE moderation_actions SET carried_out_at = ? WHERE id = ?", (iso(), action_id))


# --- appeals ----------------------------------------------------------------------------

_APPEAL = ("SELECT p.*, m.kind AS action_kind, m.target_ap_id, m.moderator_id, m.explanation, "
           "ap.username AS appellant_name, d.username AS decided_by_name "
           "FROM appeals p JOIN moderation_actions m ON m.id = p.action_id "
           "LEFT JOIN actors ap ON ap.id = p.appellant_id LEFT JOIN actors d ON d.id = p.decided_by ")


async def add_appeal(conn: Connection, action_id: int, appellant_id: int, text: str) -> int | None:
    """The appeal against an action; None if the action has one already (one appeal per action)."""
    cur = await conn.execute(
        "INSERT INTO appeals (action_id, appellant_id, text, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (action_id) DO NOTHING", (action_id, appellant_id, text, iso()))
    return cur.lastrowid if cur.rowcount == 1 else None


async def get_appeal(conn: Connection, appeal_id: int) -> sqlite3.Row | None:
    return await fetch_one(conn, _APPEAL + "WHERE p.id = ?", (appeal_id,))


async def get_appeal_of_action(conn: Connection, action_id: int) -> sqlite3.Row | None:
    return await fetch_one(conn, _APPEAL + "WHERE p.action_id = ?", (action_id,))


async def list_appeals(conn: Connection, state: str, limit: int = 100) -> list[sqlite3.Row]:
    return await fetch_all(conn, _APPEAL + "WHERE p.state = ? ORDER BY p.id LIMIT ?", (state, limit))


async def decide_appeal(conn: Connection, appeal_id: int, *, by_id: int | None, state: str, decision: str) -> bool:
    """Decide an open appeal; False if it was decided meanwhile."""
    cur = await conn.execute(
        "UPDATE appeals SET state = ?, decided_by = ?, decision = ?, decided_at = ? WHERE id = ? AND state = 'open'",
        (state, by_id, decision, iso(), appeal_id))
    return cur.rowcount == 1
