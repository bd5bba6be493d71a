"""Accounts on the website: registration (open, by invitation, closed), password checks,
profile and preferences, avatars, and deleting one's account. Plain functions over the
store, called by the auth and settings routes."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from actors import documents
from actors import local as local_actors
from outbox import activities
from outbox.send import send
from wecreate_fed import ld, sanitize
from wecreate_fed.civic import districts, events, ideas
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, NotFound, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import Connection, iso_in
from wecreate_fed.store import web as web_store
from wecreate_fed.store.actors import Actor

from . import security
from .forms import FormError
from .i18n import LANGUAGES

log = logging.getLogger(__name__)

PASSWORD_MIN, PASSWORD_MAX = 8, 1024  # Argon2 takes any length; the cap keeps a request cheap
NAME_MAX, BIO_MAX = 100, 2000
AVATAR_MAX = 512 * 1024
AVATAR_TYPES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg", b"GIF87a": "gif", b"GIF89a": "gif"}
AVATAR_PATH = "/media/avatars/"
_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked against when the username is unknown, so a wrong name costs as long as a wrong password.

    Made on first use, not at import (hashing is deliberately slow)."""
    return _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Login:
    actor_id: int
    generation: int


def check_password_rules(password: str, repeat: str | None = None, field: str = "password") -> None:
    if len(password) < PASSWORD_MIN:
        raise FormError({field: "form.password_short"}, min=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        raise FormError({field: "form.too_long"}, limit=PASSWORD_MAX)
    if repeat is not None and repeat != password:
        raise FormError({f"{field}_repeat": "form.password_mismatch"})


async def register(rt: Runtime, form: dict, address: str) -> Login:
    """Create a person's account from the registration form; by the instance's registration mode."""
    mode = rt.config.registration
    if mode == "closed":
        raise Forbidden("registration is closed")
    await security.check_registration_allowed(rt, address)
    username = (form.get("username") or "").strip()
    errors = {}
    if not local_actors.USERNAME.match(username):
        errors["username"] = "form.username_rules"
    elif username.lower() in local_actors.RESERVED or username.lower() in {d.slug.replace("-", "_")
                                                                           for d in rt.config.districts}:
        errors["username"] = "form.username_taken"
    elif await web_store.username_taken(rt.db.reader, username):
        errors["username"] = "form.username_taken"
    code = (form.get("invitation") or "").strip()
    if mode == "invite" and not (code and await web_store.invitation_usable(rt.db.reader, code)):
        errors["invitation"] = "form.invitation_invalid"
    district = form.get("district") or None
    if district is not None and district not in {d.slug for d in rt.config.districts}:
        errors["district"] = "form.district_unknown"
    if errors:
        raise FormError(errors)
    password = form.get("password") or ""
    check_password_rules(password, form.get("password_repeat") or "")
    language = form.get("language") if form.get("language") in LANGUAGES else rt.config.default_language
    async with rt.db.transaction() as conn:
        try:
            actor = await local_actors.create_account(conn, rt.config, username=username,
                                                      name=(form.get("name") or "").strip()[:NAME_MAX],
                                                      password=password)
        except Conflict:
            raise FormError({"username": "form.username_taken"})
        if mode == "invite" and not await web_store.use_invitation(conn, code, actor.id):
            raise FormError({"invitation": "form.invitation_invalid"})  # spent meanwhile; rolls back
        await web_store.set_account_preferences(conn, actor.id, language=language, district_slug=district)
    await security.record_registration(rt, address)
    return Login(actor.id, 0)


async def authenticate(rt: Runtime, username: str, password: str, address: str) -> Login:
    """Check a login; failures are counted and limited per username and per address."""
    username = username.strip()
    await security.check_login_allowed(rt, username, address)
    account = await web_store.get_login(rt.db.reader, username) if username else None
    stored = account["password_hash"] if account is not None else None
    try:
        _hasher.verify(stored or _dummy_hash(), password[:PASSWORD_MAX])
        valid = stored is not None
    except (VerificationError, InvalidHashError):
        valid = False
    if not valid:
        await security.record_login_failure(rt, username or "-", address)
        raise FormError({"password": "form.login_failed"})
    await security.clear_login_failures(rt, username)
    if _hasher.check_needs_rehash(stored):
        async with rt.db.transaction() as conn:
            await web_store.rehash_password(conn, account["actor_id"], _hasher.hash(password))
    return Login(account["actor_id"], account["session_generation"])


async def change_password(rt: Runtime, actor: Actor, current: str, new: str, repeat: str) -> int:
    """A new password; every other session ends. Returns the new session generation."""
    await _check_current_password(rt, actor, current, "current_password")
    check_password_rules(new, repeat, "new_password")
    async with rt.db.transaction() as conn:
        return await web_store.set_password_hash(conn, actor.id, local_actors.hash_password(new))


async def _check_current_password(rt: Runtime, actor: Actor, password: str, field: str) -> None:
    account = await web_store.get_login(rt.db.reader, actor.username)
    try:
        _hasher.verify((account["password_hash"] if account else None) or _dummy_hash(), password[:PASSWORD_MAX])
        if account is None or not account["password_hash"]:
            raise VerificationError()
    except (VerificationError, InvalidHashError):
        raise FormError({field: "form.password_wrong"})


async def update_profile(rt: Runtime, actor: Actor, *, name: str, bio: str) -> None:
    """Name and bio (Markdown); followers elsewhere get the new actor document."""
    name = sanitize.plain_text(name, NAME_MAX) or actor.username
    if len(bio) > BIO_MAX:
        raise FormError({"bio": "form.too_long"}, limit=BIO_MAX)
    async with rt.db.transaction() as conn:
        await actors_store.update_local_actor(conn, actor.id, name=name, summary=sanitize.markdown_to_html(bio))
    await _publish_actor(rt, actor.id)


async def set_avatar(rt: Runtime, actor: Actor, data: bytes | None) -> None:
    """Store an uploaded PNG, JPEG or GIF as the avatar (None removes it); the file's bytes decide its type."""
    folder = media_folder(rt) / "avatars"
    icon_url = None
    if data:
        if len(data) > AVATAR_MAX:
            raise FormError({"avatar": "form.avatar_size"}, kb=AVATAR_MAX // 1024)
        extension = next((ext for magic, ext in AVATAR_TYPES.items() if data.startswith(magic)), None)
        if extension is None:
            raise FormError({"avatar": "form.avatar_type"})
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{actor.id}-{hashlib.sha256(data).hexdigest()[:20]}.{extension}"
        (folder / name).write_bytes(data)
        icon_url = f"{rt.config.base_url}{AVATAR_PATH}{name}"
    old = actor.icon_url
    async with rt.db.transaction() as conn:
        await actors_store.update_local_actor(conn, actor.id, icon_url=icon_url)
    if old and old.startswith(rt.config.base_url + AVATAR_PATH) and old != icon_url:
        (folder / old.rsplit("/", 1)[1]).unlink(missing_ok=True)
    await _publish_actor(rt, actor.id)


def media_folder(rt: Runtime) -> Path:
    """Uploaded files live next to the database."""
    return Path(rt.config.database_path).parent / "media"


def avatar_file(rt: Runtime, name: str) -> Path:
    if "/" in name or "\\" in name or name.startswith(".") or name.rsplit(".", 1)[-1] not in AVATAR_TYPES.values():
        raise NotFound("no such file")
    path = media_folder(rt) / "avatars" / name
    if not path.is_file():
        raise NotFound("no such file")
    return path


async def _publish_actor(rt: Runtime, actor_id: int) -> None:
    actor = await actors_store.get_actor(rt.db.reader, actor_id)
    document = {k: v for k, v in documents.actor_document(actor).items() if k != "@context"}
    update = activities.update(rt.config, actor, document)
    update["to"], update["cc"] = [ld.PUBLIC], [actor.followers_url]
    await send(rt, actor, update)


async def update_preferences(rt: Runtime, actor: Actor, *, language: str, district: str | None) -> None:
    if language not in LANGUAGES:
        raise FormError({"language": "form.invalid_choice"})
    if district:
        try:
            districts.by_slug(rt.config, district)
        except BadRequest:
            raise FormError({"district": "form.district_unknown"})
    async with rt.db.transaction() as conn:
        await web_store.set_account_preferences(conn, actor.id, language=language, district_slug=district or None)


async def delete_account(rt: Runtime, actor: Actor, password: str) -> None:
    """Delete one's account: ideas and events become Tombstones, the actor a Delete to its followers."""
    await _check_current_password(rt, actor, password, "delete_password")
    idea_ids, event_ids = await web_store.list_ap_ids_of_author(rt.db.reader, actor.id)
    for ap_id in idea_ids:
        await _quietly(ideas.delete(rt, actor, ap_id), ap_id)
    for ap_id in event_ids:
        await _quietly(events.delete(rt, actor, ap_id), ap_id)
    # Sent before the follows go, so every follower's server hears of it.
    await send(rt, actor, activities.delete(rt.config, actor, actor.ap_id, cc=[actor.followers_url]))
    async with rt.db.transaction() as conn:
        await web_store.mark_local_actor_deleted(conn, actor.id)
    if actor.icon_url:
        (media_folder(rt) / "avatars" / actor.icon_url.rsplit("/", 1)[1]).unlink(missing_ok=True)


async def _quietly(work, ap_id: str) -> None:
    try:
        await work
    except WeCreateError as e:  # already gone: nothing left to delete
        log.info("deleting %s with its account: %s", ap_id, e)


async def create_invitation(conn: Connection, *, note: str = "", uses: int = 1, days: float | None = 30) -> str:
    """A new invitation code, inside the caller's transaction (shown once; only its hash is kept)."""
    if uses < 1:
        raise BadRequest("an invitation needs at least one use")
    if days is not None and days <= 0:
        raise BadRequest("an invitation must be valid for some days")
    code = secrets.token_urlsafe(12)
    await web_store.add_invitation(conn, code, note=note, uses=uses, expires_at=iso_in(days * 86400) if days else None)
    return code
