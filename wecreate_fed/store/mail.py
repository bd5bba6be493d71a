"""SQL for email: the outgoing mail queue, the one-time links (tokens) mailed to people, and the
account's address and whether it is confirmed.

The queue is worked as the delivery queue is (store/queue.py): a worker claims due rows with a
lease (locked_until, locked_by), records each attempt, and gives back what it did not finish.
"""

from __future__ import annotations

import hashlib

from . import Connection, fetch_all, fetch_one, fetch_value, iso, iso_in
from .queue import skip_locked

# --- the queue ---------------------------------------------------------------------------------

async def add_mail(conn: Connection, *, recipient: str, template: str, message: bytes) -> int:
    """One pending mail, due at once; its id."""
    now = iso()
    cur = await conn.execute(
        "INSERT INTO mails (recipient, template, message, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)",
        (recipient, template, message, now, now))
    assert cur.lastrowid is not None
    return cur.lastrowid


async def claim_mails(conn: Connection, *, limit: int, lock_seconds: float, owner: str):
    """Lock up to `limit` due pending mails for the process `owner`, longest due first."""
    now = iso()
    rows = await fetch_all(
        conn,
        "SELECT id, recipient, message, attempts, created_at FROM mails WHERE state = 'pending' "
        "AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?) ORDER BY next_attempt_at, id LIMIT ?"
        + skip_locked(conn), (now, now, limit))
    if rows:
        until = iso_in(lock_seconds)
        await conn.executemany("UPDATE mails SET locked_until = ?, locked_by = ? WHERE id = ?",
                               [(until, owner, r["id"]) for r in rows])
    return rows


async def mark_mails(conn: Connection, outcomes: list[tuple[int, str, str | None, float | None]]) -> None:
    """A round's outcomes: (mail id, state sent|pending|failed, error or None, retry in seconds or None).
    A settled mail keeps no body: the links in it (a password reset) are not left in the database."""
    now = iso()
    await conn.executemany(
        "UPDATE mails SET state = ?, attempts = attempts + 1, last_error = ?, locked_until = NULL, locked_by = NULL, "
        "next_attempt_at = COALESCE(?, next_attempt_at), sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END, "
        # The empty body as a parameter: X'' is a blob in SQLite, a bit string in PostgreSQL.
        "message = CASE WHEN ? = 'pending' THEN message ELSE ? END WHERE id = ?",
        [(state, error, iso_in(delay) if delay is not None else None, state, now, state, b"", mail_id)
         for mail_id, state, error, delay in outcomes])


async def prune_mails(conn: Connection, before: str) -> int:
    """Settled mails (sent or given up) queued before `before`: their record is of no use any more."""
    cur = await conn.execute("DELETE FROM mails WHERE state <> 'pending' AND created_at < ?", (before,))
    return cur.rowcount


async def release_mails(conn: Connection, mail_ids: list[int]) -> None:
    """Give back claimed mails that were not attempted (a worker stopping): due again at once."""
    await conn.executemany("UPDATE mails SET locked_until = NULL, locked_by = NULL WHERE id = ? AND state = 'pending'",
                           [(i,) for i in mail_ids])


async def release_all_mails(conn: Connection) -> int:
    """At start-up of the process that owns the database: leases left by a crash end now."""
    cur = await conn.execute("UPDATE mails SET locked_until = NULL, locked_by = NULL WHERE locked_by IS NOT NULL")
    return cur.rowcount


async def next_mail_due(conn: Connection) -> str | None:
    return await fetch_value(conn, "SELECT min(next_attempt_at) FROM mails WHERE state = 'pending'")


async def count_mails(conn: Connection) -> dict[str, int]:
    """Mails by state (the admin dashboard)."""
    rows = await fetch_all(conn, "SELECT state, count(*) AS n FROM mails GROUP BY state")
    return {r["state"]: r["n"] for r in rows}


async def last_mail_error(conn: Connection) -> str | None:
    """Why the latest failed attempt failed, while mails are still waiting (the admin notice)."""
    return await fetch_value(conn, "SELECT last_error FROM mails WHERE state = 'pending' AND last_error IS NOT NULL "
                                   "ORDER BY id DESC LIMIT 1")


# --- one-time links ----------------------------------------------------------------------------

def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def add_token(conn: Connection, token: str, *, actor_id: int, purpose: str, email: str,
                    seconds: float) -> None:
    """A new link for `purpose`; the account's older unused links of that purpose stop working."""
    now = iso()
    await conn.execute("UPDATE email_tokens SET used_at = ? WHERE actor_id = ? AND purpose = ? AND used_at IS NULL",
                       (now, actor_id, purpose))
    await conn.execute(
        "INSERT INTO email_tokens (token_hash, actor_id, purpose, email, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?)", (token_hash(token), actor_id, purpose, email, now, iso_in(seconds)))


async def find_token(conn: Connection, token: str, purpose: str):
    """The unused, unexpired link of this purpose (actor_id, email), or None."""
    return await fetch_one(
        conn, "SELECT t.actor_id, t.email FROM email_tokens t JOIN actors a ON a.id = t.actor_id "
              "WHERE t.token_hash = ? AND t.purpose = ? AND t.used_at IS NULL AND t.expires_at > ? "
              "AND a.deleted_at IS NULL", (token_hash(token), purpose, iso()))


async def use_token(conn: Connection, token: str, purpose: str):
    """Spend a valid link (inside the transaction that acts on it): its (actor_id, email), or None
    if it is unknown, used or expired. Two clicks at once: only one gets it."""
    row = await find_token(conn, token, purpose)
    if row is None:
        return None
    cur = await conn.execute("UPDATE email_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
                             (iso(), token_hash(token)))
    return row if cur.rowcount else None


async def pending_email(conn: Connection, actor_id: int) -> str | None:
    """The address the account's newest working confirmation link would confirm, if any."""
    return await fetch_value(conn, "SELECT email FROM email_tokens WHERE actor_id = ? AND purpose = 'confirm' "
                                   "AND used_at IS NULL AND expires_at > ? ORDER BY created_at DESC LIMIT 1",
                             (actor_id, iso()))


async def tokens_sent_since(conn: Connection, actor_id: int, purpose: str, since: str) -> int:
    return await fetch_value(conn, "SELECT count(*) FROM email_tokens WHERE actor_id = ? AND purpose = ? "
                                   "AND created_at >= ?", (actor_id, purpose, since))


async def prune_tokens(conn: Connection, before: str) -> int:
    """Links expired before `before` are of no use any more."""
    cur = await conn.execute("DELETE FROM email_tokens WHERE expires_at < ?", (before,))
    return cur.rowcount


# --- the account's address ---------------------------------------------------------------------

async def account_email(conn: Connection, actor_id: int):
    """(email, email_confirmed_at, language) of a local account, or None."""
    return await fetch_one(conn, "SELECT email, email_confirmed_at, language FROM accounts WHERE actor_id = ?",
                           (actor_id,))


async def accounts_for_reset(conn: Connection, who: str):
    """The living local accounts with a confirmed address that `who` names: by that address (several
    accounts may share one) or by username (case-insensitive). Each: actor_id, username, name, email,
    language."""
    by = "lower(acc.email) = lower(?)" if "@" in who else "lower(a.username) = lower(?)"
    return await fetch_all(
        conn, "SELECT acc.actor_id, a.username, a.name, acc.email, acc.language FROM accounts acc "
              "JOIN actors a ON a.id = acc.actor_id WHERE a.is_local = 1 AND a.deleted_at IS NULL "
              f"AND acc.email IS NOT NULL AND acc.email_confirmed_at IS NOT NULL AND {by} "
              "ORDER BY acc.actor_id LIMIT 10", (who,))


async def set_unconfirmed_email(conn: Connection, actor_id: int, email: str | None) -> None:
    """An address given at registration, waiting for its confirmation."""
    await conn.execute("UPDATE accounts SET email = ?, email_confirmed_at = NULL WHERE actor_id = ?",
                       (email, actor_id))


async def confirm_email(conn: Connection, actor_id: int, email: str) -> None:
    """The address is the account's, and confirmed now."""
    await conn.execute("UPDATE accounts SET email = ?, email_confirmed_at = ? WHERE actor_id = ?",
                       (email, iso(), actor_id))
