"""Accounts: the rules for names and passwords, registering by the instance's mode, accounts made
by an administrator, changing the password, profile and avatar, invitations, and deleting an account.

The website (web/auth.py, web/settings_pages.py) and the CLI (`user add`, `invite create`) both
call these, so an account follows the same rules however it is made. Every broken rule is a
Problem on the form field it concerns (codes in errors.FORM_CODES); all of them are raised at once.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Mapping
from pathlib import Path

from actors import documents
from actors import local as local_actors
from outbox import activities, c2s
from outbox.send import outgoing, resolve_recipients
from wecreate_fed import ld, owner_only, passwords, sanitize, urls
from wecreate_fed.config import Config
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, NotFound, Problems, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection, iso_in
from wecreate_fed.store import accounts as accounts_store
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import legal as legal_store
from wecreate_fed.store.actors import Actor

from . import addresses, boxes, districts, events, ideas, lifecycle
from .orgs import joining

log = logging.getLogger(__name__)

NAME_MAX, BIO_MAX = 100, 2000
AVATAR_MAX = 512 * 1024
# The file's first bytes decide its type, whatever its name or the browser says.
AVATAR_TYPES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg", b"GIF87a": "gif", b"GIF89a": "gif"}


# --- rules -----------------------------------------------------------------------------------

async def check_username(conn: Connection, config: Config, username: str, problems: Problems) -> None:
    """A free name: the letters of a handle, not one of our routes or a district's handle, never used before."""
    if not local_actors.USERNAME.match(username):
        problems.add("username", "username_rules", "username must be 1-30 letters, digits or underscores")
    elif username.lower() in local_actors.RESERVED | {districts.username(d.slug) for d in config.districts}:
        problems.add("username", "username_taken", f"username '{username}' is reserved")
    elif await accounts_store.username_taken(conn, username):
        # Deleted accounts keep their names, so an id is never someone else's later.
        problems.add("username", "username_taken", f"username '{username}' is taken")


def check_password(password: str, problems: Problems, *, repeat: str | None = None, field: str = "password") -> None:
    if len(password) < passwords.MIN_LENGTH:
        problems.add(field, "password_short", f"the password needs at least {passwords.MIN_LENGTH} characters",
                     min=passwords.MIN_LENGTH)
    elif len(password) > passwords.MAX_LENGTH:
        problems.add(field, "too_long", f"the password is longer than {passwords.MAX_LENGTH} characters",
                     limit=passwords.MAX_LENGTH)
    if repeat is not None and repeat != password:
        problems.add(f"{field}_repeat", "password_mismatch", "the two passwords differ")


# --- making accounts -------------------------------------------------------------------------

async def create(conn: Connection, config: Config, *, username: str, password: str | None = None,
                 **details) -> Actor:
    """An account made by an administrator (`user add`), inside the caller's transaction.

    `details` are those of actors.local.create_account (name, type_, category, role, …)."""
    problems = Problems()
    await check_username(conn, config, username, problems)
    if password is not None:
        check_password(password, problems)
    problems.raise_if_any()
    return await local_actors.create_account(conn, config, username=username, password=password, **details)


async def register(rt: Runtime, *, username: str, name: str, password: str, password_repeat: str,
                   invitation: str, district: str | None, language: str,
                   consents: Mapping[str, str] | None = None, problems: Problems | None = None,
                   email: str = "") -> Actor:
    """A person signs up, by the instance's registration mode (open, invite, closed); `consents`
    (document -> version agreed to: the rules, the privacy policy) are recorded with the account.
    `problems` the caller found already (the website's consent boxes) are raised with these.
    An `email` address (optional) is mailed a link that confirms it (civic/addresses.py)."""
    mode = rt.config.registration
    if mode == "closed":
        raise Forbidden("registration is closed", code="registration_closed")
    username, invitation = username.strip(), invitation.strip()
    problems = problems if problems is not None else Problems()
    await check_username(rt.db.reader, rt.config, username, problems)
    if mode == "invite" and not (invitation and await accounts_store.invitation_usable(rt.db.reader, invitation)):
        problems.add("invitation", "invitation_invalid", "the invitation code is not valid")
    if district is not None and district not in {d.slug for d in rt.config.districts}:
        problems.add("district", "district_unknown", f"unknown district '{district}'")
    check_password(password, problems, repeat=password_repeat)
    email = addresses.check_address(email, problems) if email.strip() else ""
    problems.raise_if_any()
    async with rt.db.transaction() as conn:
        try:
            actor = await local_actors.create_account(conn, rt.config, username=username,
                                                      name=name.strip()[:NAME_MAX], password=password)
        except Conflict as e:  # taken meanwhile
            raise BadRequest(str(e), field="username", code="username_taken") from e
        if mode == "invite" and not await accounts_store.use_invitation(conn, invitation, actor.id):
            # Spent meanwhile: raising rolls the new account back.
            raise BadRequest("the invitation code is not valid", field="invitation", code="invitation_invalid")
        if invitation:  # an organisation space's invitation (its CSV import) also makes the account a member
            await joining.join_on_registration(conn, invitation, actor, spent=mode == "invite")
        await accounts_store.set_account_preferences(conn, actor.id, language=language, district_slug=district)
        for document, version in (consents or {}).items():
            await legal_store.record_consent(conn, actor.id, document, version)
        if email:
            await addresses.set_at_registration(conn, rt, actor, email, language)
    return actor


async def create_invitation(conn: Connection, *, note: str = "", uses: int = 1, days: float | None = 30) -> str:
    """A new invitation code, inside the caller's transaction (shown once; only its hash is kept)."""
    problems = Problems()
    if uses < 1:
        problems.add("uses", "number", "an invitation needs at least one use")
    if days is not None and days <= 0:
        problems.add("days", "number", "an invitation must be valid for some days")
    problems.raise_if_any()
    code = secrets.token_urlsafe(12)
    await accounts_store.add_invitation(conn, code, note=note, uses=uses,
                                        expires_at=iso_in(days * 86400) if days else None)
    return code


# --- passwords -------------------------------------------------------------------------------

async def check_current_password(rt: Runtime, actor: Actor, password: str, field: str) -> None:
    """The account's own password, asked again before changing it or deleting the account."""
    account = await accounts_store.get_login(rt.db.reader, actor.username or "")
    if not passwords.verify(account["password_hash"] if account else None, password):
        raise BadRequest("the password is not correct", field=field, code="password_wrong")


async def change_password(rt: Runtime, actor: Actor, current: str, new: str, repeat: str) -> int:
    """A new password; every other session ends. Returns the new session generation."""
    await check_current_password(rt, actor, current, "current_password")
    problems = Problems()
    check_password(new, problems, repeat=repeat, field="new_password")
    problems.raise_if_any()
    async with rt.db.transaction() as conn:
        return await accounts_store.set_password_hash(conn, actor.id, passwords.hash_password(new))


# --- profile ---------------------------------------------------------------------------------

async def update_profile(rt: Runtime, actor: Actor, *, name: str, bio: str) -> None:
    """Name and bio (Markdown); followers elsewhere get the new actor document."""
    if len(bio) > BIO_MAX:
        raise BadRequest(f"the bio is longer than {BIO_MAX} characters", field="bio", code="too_long",
                         params={"limit": BIO_MAX})
    await _change_profile(rt, actor, name=sanitize.plain_text(name, NAME_MAX) or actor.username,
                          summary=sanitize.markdown_to_html(bio))


async def set_avatar(rt: Runtime, actor: Actor, data: bytes | None) -> None:
    """Store an uploaded PNG, JPEG or GIF as the avatar (None removes it)."""
    folder = avatar_folder(rt.config)
    icon_url = None
    if data:
        if len(data) > AVATAR_MAX:
            raise BadRequest(f"the picture is larger than {AVATAR_MAX // 1024} KB", field="avatar",
                             code="avatar_size", params={"kb": AVATAR_MAX // 1024})
        extension = next((ext for magic, ext in AVATAR_TYPES.items() if data.startswith(magic)), None)
        if extension is None:
            raise BadRequest("the picture is not a PNG, JPEG or GIF", field="avatar", code="avatar_type")
        owner_only.make_dir(folder)
        name = f"{actor.id}-{hashlib.sha256(data).hexdigest()[:20]}.{extension}"
        owner_only.write_file(folder / name, data)
        icon_url = urls.avatar_url(rt.config, name)
    old = actor.icon_url
    await _change_profile(rt, actor, icon_url=icon_url)
    if old and old.startswith(urls.avatar_url(rt.config, "")) and old != icon_url:
        (folder / old.rsplit("/", 1)[1]).unlink(missing_ok=True)


def media_folder(config: Config) -> Path:
    """Uploaded files live next to the database (and, like it, are the instance user's only)."""
    assert config.data_dir is not None, "set by config.from_dict"
    return Path(config.data_dir) / "media"


def avatar_folder(config: Config) -> Path:
    return media_folder(config) / "avatars"


def avatar_file(config: Config, name: str) -> Path:
    """The stored picture of that name (NotFound for anything else, such as a path)."""
    if "/" in name or "\\" in name or name.startswith(".") or name.rsplit(".", 1)[-1] not in AVATAR_TYPES.values():
        raise NotFound("no such file")
    path = avatar_folder(config) / name
    if not path.is_file():
        raise NotFound("no such file")
    return path


async def _change_profile(rt: Runtime, actor: Actor, **changes) -> None:
    """Change the actor's profile and queue its new document as Update to followers, in one transaction."""
    addressing = {"to": [ld.PUBLIC], "cc": [actor.followers_url]}
    recipients = await resolve_recipients(rt, actor, addressing)  # Public and followers: nothing to fetch
    async with outgoing(rt) as out:
        await actors_store.update_local_actor(out.conn, actor.id, **changes)
        changed = await actors_store.get_actor(out.conn, actor.id)
        if changed is None:
            raise NotFound("the account is gone")
        update = activities.update(rt.config, changed, ld.without_context(await documents.local_actor_document(out.conn, changed)))
        update.update(addressing)
        await out.queue(changed, update, recipients)


# --- deleting --------------------------------------------------------------------------------

async def delete_account(rt: Runtime, actor: Actor, password: str) -> None:
    """Delete one's account: ideas and events become Tombstones, the actor a Delete to its followers."""
    await check_current_password(rt, actor, password, "delete_password")
    await delete_account_data(rt, actor)


async def delete_account_data(rt: Runtime, actor: Actor, *, also: lifecycle.Write | None = None) -> None:
    """Delete an account as its owner would (also at the end of a suspension's grace period): ideas,
    events, comments and box posts become Tombstones, each with its Delete to those who had it, then
    the actor a Delete to its followers (`also` in that last transaction). Logins, tokens and
    sessions end before anything else; the purge (civic/purge.py) removes the rest after accounts.deletion_grace_days."""
    async with rt.db.transaction() as conn:  # first: no login, token or session while the content goes
        await accounts_store.lock_account(conn, actor.id)
    idea_ids, event_ids = await accounts_store.list_ap_ids_of_author(rt.db.reader, actor.id)
    for ap_id in idea_ids:
        await _quietly(ideas.delete(rt, actor, ap_id), ap_id)
    for ap_id in event_ids:
        await _quietly(events.delete(rt, actor, ap_id), ap_id)
    for post in await accounts_store.list_posts_of_author(rt.db.reader, actor.id):
        recount = _recount_thread(post["in_reply_to"])
        await _quietly(boxes.delete_own_post(rt, actor, post["ap_id"], also=recount) if post["audience"] else
                       c2s.delete_object(rt, actor, {"object": post["ap_id"]}, also=recount), post["ap_id"])
    # Queued before the follows go (in the same transaction), so every follower's server hears of it.
    delete = activities.delete(rt.config, actor, actor.ap_id, cc=[actor.followers_url])
    recipients = await resolve_recipients(rt, actor, delete)
    async with outgoing(rt) as out:
        await out.queue(actor, delete, recipients)
        await accounts_store.mark_local_actor_deleted(out.conn, actor.id)
        if also is not None:
            await also(out.conn)
    rt.purge_wakeup.set()  # the purge worker reckons when this account's purge falls due
    if actor.icon_url:
        (avatar_folder(rt.config) / actor.icon_url.rsplit("/", 1)[1]).unlink(missing_ok=True)


def _recount_thread(in_reply_to: str | None) -> lifecycle.Write:
    async def recount(conn: Connection) -> None:
        await ideas.thread_changed(conn, in_reply_to)
    return recount


async def _quietly(work, ap_id: str) -> None:
    try:
        await work
    except WeCreateError as e:  # already gone: nothing left to delete
        log.info("deleting %s with its account: %s", ap_id, e)
