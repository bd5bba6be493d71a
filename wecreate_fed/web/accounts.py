"""The website's side of accounts: signing up and logging in within the limits of security.py
(per client address and username), and the preferences only the website has (its languages).
The rules themselves (names, passwords, invitations, deleting) are civic.accounts'."""

from __future__ import annotations

from dataclasses import dataclass

from wecreate_fed import passwords
from wecreate_fed.civic import accounts
from wecreate_fed.errors import BadRequest, Problems
from wecreate_fed.i18n import LANGUAGES
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import accounts as accounts_store
from wecreate_fed.store.actors import Actor

from . import consent, security


@dataclass(frozen=True)
class Login:
    actor_id: int


async def register(rt: Runtime, form: dict, address: str) -> Login:
    """A new account from the registration form, at most so many per client address and hour."""
    if rt.config.registration != "closed":
        await security.check_registration_allowed(rt, address)
    language = form["language"] if form.get("language") in LANGUAGES else rt.config.default_language
    consents, problems = await consent.given(rt, form)
    actor = await accounts.register(
        rt, username=form.get("username") or "", name=form.get("name") or "", password=form.get("password") or "",
        password_repeat=form.get("password_repeat") or "", invitation=form.get("invitation") or "",
        district=form.get("district") or None, language=language, consents=consents,
        problems=problems, email=(form.get("email") or "") if rt.config.email_enabled else "")
    await security.record_registration(rt, address)
    return Login(actor.id)


async def authenticate(rt: Runtime, username: str, password: str, address: str) -> Login:
    """Check a login; failures are counted and limited per username and per address."""
    username = username.strip()
    await security.check_login_allowed(rt, username, address)
    account = await accounts_store.get_login(rt.db.reader, username) if username else None
    stored = account["password_hash"] if account is not None else None
    if not passwords.verify(stored, password):  # as slow for an unknown name as for a wrong password
        await security.record_login_failure(rt, username or "-", address)
        raise BadRequest("wrong name or password", field="password", code="login_failed")
    assert account is not None and stored is not None  # verify() is False without a stored hash
    await security.clear_login_failures(rt, username)
    if passwords.needs_rehash(stored):
        async with rt.db.transaction() as conn:
            await accounts_store.rehash_password(conn, account["actor_id"], passwords.hash_password(password))
    return Login(account["actor_id"])


async def update_preferences(rt: Runtime, actor: Actor, *, language: str, district: str | None) -> None:
    problems = Problems()
    if language not in LANGUAGES:
        problems.add("language", "invalid_choice", f"language must be one of {', '.join(LANGUAGES)}")
    if district and district not in {d.slug for d in rt.config.districts}:
        problems.add("district", "district_unknown", f"unknown district '{district}'")
    problems.raise_if_any()
    async with rt.db.transaction() as conn:
        await accounts_store.set_account_preferences(conn, actor.id, language=language, district_slug=district or None)
