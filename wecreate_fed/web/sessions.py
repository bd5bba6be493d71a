"""Who is logged in: sessions kept on the server.

The signed cookie carries a random session id (and the CSRF token, notices); the database
keeps only its SHA-256 with the account, when it was made and last seen, and the browser's
User-Agent. Logging out revokes the row, so a copy of the cookie taken before is worth
nothing; "log out everywhere", a new password and a deleted account revoke every row of the
account. A session unused for SESSION_DAYS, or older than MAX_DAYS, is refused.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from quart import g, request, session

from wecreate_fed.runtime import Runtime
from wecreate_fed.store import iso, utcnow
from wecreate_fed.store import sessions as sessions_store

from . import security

SESSION_DAYS = security.SESSION_DAYS  # idle: as long as the cookie lives
MAX_DAYS = 90                         # then a new login, however busy the session
TOUCH_EVERY = timedelta(hours=1)      # last_seen is written at most this often (no write per page)
USER_AGENT_MAX = 200


async def start(rt: Runtime, actor_id: int) -> None:
    """A new session for this browser (login, sign-up, new password): a fresh id and CSRF token."""
    session_id = secrets.token_urlsafe(32)
    async with rt.db.transaction() as conn:
        await sessions_store.add_session(conn, session_id, actor_id,
                                         request.headers.get("User-Agent", "")[:USER_AGENT_MAX])
        await sessions_store.prune_sessions(conn, before=iso(utcnow() - timedelta(days=MAX_DAYS)))
    session.clear()
    session.permanent = True
    session["sid"] = session_id
    security.new_csrf_token()


async def current_actor_id(rt: Runtime) -> int | None:
    """The account of this browser's live session, else None (and the stale id is dropped)."""
    session_id = session.get("sid")
    if not isinstance(session_id, str):
        return None
    now = utcnow()
    row = await sessions_store.get_session(rt.db.reader, session_id,
                                           seen_since=iso(now - timedelta(days=SESSION_DAYS)),
                                           created_since=iso(now - timedelta(days=MAX_DAYS)))
    if row is None:
        session.pop("sid", None)  # logged out elsewhere, revoked or expired: a visitor now
        return None
    if datetime.fromisoformat(row["last_seen_at"].replace("Z", "+00:00")) < now - TOUCH_EVERY:
        async with rt.db.transaction() as conn:
            await sessions_store.touch_session(conn, row["id"])
    g.session_id_hash = sessions_store.id_hash(session_id)
    return row["actor_id"]


async def end(rt: Runtime) -> None:
    """Log out this browser: its row is revoked, its cookie emptied."""
    session_id = session.get("sid")
    if isinstance(session_id, str):
        async with rt.db.transaction() as conn:
            await sessions_store.revoke_session(conn, session_id)
    session.clear()
    security.new_csrf_token()


async def end_all(rt: Runtime, actor_id: int) -> None:
    """Log out everywhere: every session of the account, this one included."""
    async with rt.db.transaction() as conn:
        await sessions_store.revoke_all_sessions(conn, actor_id)
    session.clear()
    security.new_csrf_token()


async def list_of(rt: Runtime, actor_id: int) -> list[dict]:
    """The account's live sessions for the settings page, this browser's marked."""
    rows = await sessions_store.list_sessions(rt.db.reader, actor_id,
                                              seen_since=iso(utcnow() - timedelta(days=SESSION_DAYS)))
    here = g.get("session_id_hash")
    return [{"created_at": r["created_at"], "last_seen_at": r["last_seen_at"], "user_agent": r["user_agent"],
             "current": r["id_hash"] == here} for r in rows]
