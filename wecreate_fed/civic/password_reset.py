"""Resetting a forgotten password with a link mailed to the account's confirmed address.

The link is one-time, valid for RESET_MINUTES, and stored hashed (see civic/addresses.py).
Asking never says whether the address or name is known (the website answers the same either
way); an account gets at most RESET_PER_HOUR reset mails an hour, however often someone asks
(the website limits the asking per client address as well). Setting the new password ends every
session of the account.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from wecreate_fed import mail, passwords, urls
from wecreate_fed.errors import BadRequest, Problems
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import accounts as accounts_store
from wecreate_fed.store import iso, utcnow
from wecreate_fed.store import mail as mail_store

from .accounts import check_password

RESET_MINUTES = 60
RESET_PER_HOUR = 3


async def request_reset(rt: Runtime, who: str) -> None:
    """Mail a reset link to the confirmed address of the account named by `who` (its address or its
    username). Says nothing either way: an unknown address or name is no error."""
    who = who.strip()
    if not who or not rt.config.email_enabled:
        return
    accounts = await mail_store.accounts_for_reset(rt.db.reader, who)
    since = iso(utcnow() - timedelta(hours=1))
    async with rt.db.transaction() as conn:
        for account in accounts:
            if await mail_store.tokens_sent_since(conn, account["actor_id"], "reset", since) >= RESET_PER_HOUR:
                continue
            token = secrets.token_urlsafe(32)
            await mail_store.add_token(conn, token, actor_id=account["actor_id"], purpose="reset",
                                       email=account["email"], seconds=RESET_MINUTES * 60)
            await mail.queue(conn, rt.config, to=account["email"], lang=account["language"], template="reset", values={
                "name": account["name"] or account["username"], "username": account["username"],
                "url": urls.reset_url(rt.config, token), "minutes": RESET_MINUTES})
        await mail_store.prune_tokens(conn, iso(utcnow() - timedelta(days=7)))


async def reset_username(rt: Runtime, token: str) -> str | None:
    """Whose password a reset link would set (shown on its page), or None if it does not work."""
    row = await mail_store.find_token(rt.db.reader, token, "reset")
    if row is None:
        return None
    return await _username(rt, row["actor_id"])


async def reset_password(rt: Runtime, token: str, new: str, repeat: str) -> int:
    """Set the new password of a reset link, spending it; every session of the account ends.
    The account's id (the website logs this browser in)."""
    problems = Problems()
    check_password(new, problems, repeat=repeat)
    problems.raise_if_any()
    password_hash = passwords.hash_password(new)  # slow on purpose: before taking the write lock
    async with rt.db.transaction() as conn:
        row = await mail_store.use_token(conn, token, "reset")
        if row is None:
            raise BadRequest("this link is not valid (any more)", code="link_invalid")
        await accounts_store.set_password_hash(conn, row["actor_id"], password_hash)
    return row["actor_id"]


async def _username(rt: Runtime, actor_id: int) -> str:
    row = await accounts_store.get_session_account(rt.db.reader, actor_id)
    return row["username"]
