"""A person's email address: given at registration or changed later, it counts once the link
mailed to it is followed (confirmed). Only a confirmed address gets any mail but its own
confirmation. A change takes effect when the new address confirms it, and the old one is told.

Every link carries a random token (256 bits); only its SHA-256 is stored (store/mail.py), so a
copy of the database opens no account. A link works once and for a limited time, and a newer
link of the same kind voids the older ones. The link's page asks for a click before confirming
(a mail scanner that opens every link must not confirm an address someone mistyped).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from wecreate_fed import mail, passwords, urls
from wecreate_fed.errors import BadRequest, Problems
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection, iso, utcnow
from wecreate_fed.store import accounts as accounts_store
from wecreate_fed.store import mail as mail_store
from wecreate_fed.store.actors import Actor

CONFIRM_HOURS = 48
CONFIRM_PER_DAY = 5   # confirmation links one account may have mailed a day (to any addresses)


@dataclass(frozen=True)
class Account:
    actor_id: int
    username: str
    name: str
    language: str


def check_address(email: str, problems: Problems, field: str = "email") -> str:
    """The address as given, trimmed; a Problem if it is not one."""
    email = email.strip()
    if not mail.valid_address(email):
        problems.add(field, "email", "not an email address")
    return email


async def _account(conn: Connection, actor_id: int) -> Account:
    row = await accounts_store.get_session_account(conn, actor_id)
    return Account(actor_id, row["username"], row["name"] or row["username"], row["language"])


async def send_confirmation(conn: Connection, rt: Runtime, actor: Actor, email: str, lang: str) -> bool:
    """Mail `email` a link that makes it the account's address (inside the caller's transaction).
    False when email is off (nothing sent; the address stays unconfirmed)."""
    if not rt.config.email_enabled:
        return False
    token = secrets.token_urlsafe(32)
    await mail_store.add_token(conn, token, actor_id=actor.id, purpose="confirm", email=email,
                               seconds=CONFIRM_HOURS * 3600)
    await mail.queue(conn, rt.config, to=email, lang=lang, template="confirm", values={
        "name": actor.name or actor.username, "username": actor.username, "email": email,
        "url": urls.confirm_email_url(rt.config, token), "hours": CONFIRM_HOURS})
    return True


async def set_at_registration(conn: Connection, rt: Runtime, actor: Actor, email: str, lang: str) -> None:
    """The optional address of a new account: kept unconfirmed, and its confirmation mailed."""
    await mail_store.set_unconfirmed_email(conn, actor.id, email)
    await send_confirmation(conn, rt, actor, email, lang)


async def pending_confirmation(rt: Runtime, token: str) -> str | None:
    """The address a confirmation link would confirm, or None if the link does not work (any more)."""
    row = await mail_store.find_token(rt.db.reader, token, "confirm")
    return row["email"] if row else None


async def confirm(rt: Runtime, token: str) -> int:
    """Confirm the address of a link; the account's id. The previous confirmed address, if
    another, is told of the change."""
    async with rt.db.transaction() as conn:
        row = await mail_store.use_token(conn, token, "confirm")
        if row is None:
            raise BadRequest("this link is not valid (any more)", code="link_invalid")
        before = await mail_store.account_email(conn, row["actor_id"])
        await mail_store.confirm_email(conn, row["actor_id"], row["email"])
        old = before["email"] if before and before["email_confirmed_at"] else None
        if old and old.lower() != row["email"].lower():
            account = await _account(conn, row["actor_id"])
            await mail.queue(conn, rt.config, to=old, lang=account.language, template="email_changed", values={
                "name": account.name, "username": account.username, "email": row["email"],
                "reset_url": urls.forgot_password_url(rt.config)})
    return row["actor_id"]


async def change_address(rt: Runtime, actor: Actor, *, email: str, password: str, lang: str) -> None:
    """A new address for the account: it takes effect once confirmed by the link mailed to it.
    The current password is asked, so a browser left logged in cannot take over the account."""
    problems = Problems()
    email = check_address(email, problems)
    problems.raise_if_any()
    account = await accounts_store.get_login(rt.db.reader, actor.username or "")
    if not passwords.verify(account["password_hash"] if account else None, password):
        raise BadRequest("the password is not correct", field="password", code="password_wrong")
    current = await mail_store.account_email(rt.db.reader, actor.id)
    if current and current["email_confirmed_at"] and (current["email"] or "").lower() == email.lower():
        raise BadRequest("this is your address already", field="email", code="email_same")
    day_ago = iso(utcnow() - timedelta(days=1))
    if await mail_store.tokens_sent_since(rt.db.reader, actor.id, "confirm", day_ago) >= CONFIRM_PER_DAY:
        raise BadRequest("enough confirmation links were sent today", field="email", code="email_too_often")
    async with rt.db.transaction() as conn:
        if not (current and current["email_confirmed_at"]):
            await mail_store.set_unconfirmed_email(conn, actor.id, email)  # nothing confirmed to keep
        await send_confirmation(conn, rt, actor, email, lang)


