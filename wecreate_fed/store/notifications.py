"""SQL for notifications (structured events: kind + params JSON), the per-topic mail choices,
and the digests sent (one row per person, frequency and period: never twice)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from . import Connection, fetch_all, fetch_one, fetch_value, iso


async def add(conn: Connection, actor_ids: Iterable[int], *, kind: str, object_ap_id: str | None,
              by_ap_id: str | None, params: dict) -> None:
    """One notification per person: what happened (kind) and the values its text needs, never a text."""
    now, values = iso(), json.dumps(params, ensure_ascii=False, sort_keys=True)
    await conn.executemany(
        "INSERT INTO notifications (actor_id, kind, object_ap_id, by_ap_id, params, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(a, kind, object_ap_id, by_ap_id, values, now) for a in dict.fromkeys(actor_ids)],
    )


def params_of(row) -> dict:
    """The params of a notification row (a dict; {} for anything unreadable)."""
    try:
        value = json.loads(row["params"] or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


async def list_for(conn: Connection, actor_id: int, limit: int = 50):
    return await fetch_all(conn, "SELECT * FROM notifications WHERE actor_id = ? ORDER BY id DESC LIMIT ?",
                           (actor_id, limit))


async def mark_read(conn: Connection, actor_id: int) -> None:
    await conn.execute("UPDATE notifications SET read_at = ? WHERE actor_id = ? AND read_at IS NULL",
                       (iso(), actor_id))


async def local_author_of(conn: Connection, ap_id: str | None) -> int | None:
    """The local person who wrote the idea, event or post `ap_id`, or None."""
    if not ap_id:
        return None
    return await fetch_value(
        conn,
        "SELECT a.id FROM actors a WHERE a.is_local = 1 AND a.id = COALESCE("
        "(SELECT author_id FROM ideas WHERE ap_id = ?), (SELECT organizer_id FROM events WHERE ap_id = ?), "
        "(SELECT actor_id FROM objects WHERE ap_id = ?))",
        (ap_id, ap_id, ap_id))


# --- the choices ------------------------------------------------------------------------

async def preferences(conn: Connection, actor_id: int) -> dict[str, str]:
    """topic -> frequency as chosen (topics without a row take their default)."""
    rows = await fetch_all(conn, "SELECT topic, frequency FROM notification_preferences WHERE actor_id = ?",
                           (actor_id,))
    return {r["topic"]: r["frequency"] for r in rows}


async def set_preferences(conn: Connection, actor_id: int, choices: dict[str, str]) -> None:
    await conn.executemany(
        "INSERT INTO notification_preferences (actor_id, topic, frequency) VALUES (?, ?, ?) "
        "ON CONFLICT (actor_id, topic) DO UPDATE SET frequency = excluded.frequency",
        [(actor_id, topic, frequency) for topic, frequency in choices.items()])


# --- mails at once ----------------------------------------------------------------------

async def list_unmailed(conn: Connection, limit: int):
    """Notifications the mail step has not looked at, oldest first, with their reader's account."""
    return await fetch_all(
        conn,
        "SELECT n.*, c.email AS email, c.language AS language, c.email_confirmed_at AS email_confirmed_at, "
        "a.name AS name, a.username AS username FROM notifications n "
        "JOIN accounts c ON c.actor_id = n.actor_id JOIN actors a ON a.id = n.actor_id "
        "WHERE n.mail_state IS NULL ORDER BY n.id LIMIT ?", (limit,))


async def set_mail_state(conn: Connection, notification_id: int, state: str) -> bool:
    """Only a row still unlooked-at moves (two workers never mail one notification twice)."""
    cur = await conn.execute("UPDATE notifications SET mail_state = ? WHERE id = ? AND mail_state IS NULL",
                             (state, notification_id))
    return cur.rowcount == 1


# --- digests ----------------------------------------------------------------------------

async def list_mail_readers(conn: Connection, *, after_id: int, limit: int):
    """Local people with a confirmed address, by id (the digest worker pages through them)."""
    return await fetch_all(
        conn,
        "SELECT c.actor_id, c.email, c.language, c.district_slug, a.name, a.username "
        "FROM accounts c JOIN actors a ON a.id = c.actor_id "
        "WHERE c.actor_id > ? AND c.email IS NOT NULL AND c.email_confirmed_at IS NOT NULL "
        "AND a.suspended_at IS NULL ORDER BY c.actor_id LIMIT ?", (after_id, limit))


async def digest_done(conn: Connection, actor_id: int, frequency: str, period_start: str) -> bool:
    return await fetch_one(conn, "SELECT 1 FROM digests WHERE actor_id = ? AND frequency = ? AND period_start = ?",
                           (actor_id, frequency, period_start)) is not None


async def claim_digest(conn: Connection, actor_id: int, frequency: str, period_start: str, items: int) -> bool:
    """Record the period as handled; False if it was already (then nothing may be sent)."""
    cur = await conn.execute(
        "INSERT INTO digests (actor_id, frequency, period_start, items, created_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (actor_id, frequency, period_start) DO NOTHING",
        (actor_id, frequency, period_start, items, iso()))
    return cur.rowcount == 1


async def list_for_digest(conn: Connection, actor_id: int, kinds: Iterable[str], start: str, end: str,
                          limit: int = 100):
    """A person's notifications of `kinds` in [start, end) not already mailed at once."""
    kinds = list(kinds)
    if not kinds:
        return []
    marks = ", ".join("?" for _ in kinds)
    return await fetch_all(
        conn,
        f"SELECT * FROM notifications WHERE actor_id = ? AND kind IN ({marks}) AND created_at >= ? "
        "AND created_at < ? AND COALESCE(mail_state, '') <> 'sent' ORDER BY id LIMIT ?",
        (actor_id, *kinds, start, end, limit))


async def district_ideas(conn: Connection, district_ap_id: str, start: str, end: str, limit: int = 20):
    """Ideas of a district published in [start, end), visible ones only, newest first."""
    return await fetch_all(
        conn,
        "SELECT i.ap_id, i.title, i.summary, i.url, i.published, i.support_count FROM ideas i "
        "JOIN idea_districts d ON d.idea_id = i.id WHERE d.district_ap_id = ? AND i.published >= ? "
        "AND i.published < ? AND i.deleted_at IS NULL AND i.hidden_at IS NULL AND i.held_at IS NULL "
        "ORDER BY i.published DESC LIMIT ?", (district_ap_id, start, end, limit))


async def district_events(conn: Connection, district_ap_id: str, start: str, end: str, limit: int = 20):
    """Events of a district published in [start, end) and not over, by their start."""
    return await fetch_all(
        conn,
        "SELECT ap_id, title, url, starts_at, timezone, place_name, status FROM events "
        "WHERE district_ap_id = ? AND published >= ? AND published < ? AND deleted_at IS NULL "
        "AND hidden_at IS NULL AND ends_at >= ? ORDER BY starts_at LIMIT ?",
        (district_ap_id, start, end, end, limit))


async def mail_address(conn: Connection, actor_id: int):
    """An account's address, whether it is confirmed, its language and home district (None: no account)."""
    return await fetch_one(
        conn, "SELECT email, email_confirmed_at, language, district_slug FROM accounts WHERE actor_id = ?",
        (actor_id,))
