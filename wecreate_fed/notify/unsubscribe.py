"""Signed unsubscribe links (RFC 8058 one-click): `<actor id>.<scope>.<signature>`.

The scope is a topic, "all", or a digest's frequency ("daily", "weekly": every topic the person
gets at that frequency). The signature is an HMAC-SHA256 with the instance's unsubscribe secret
(made once, kept in the settings table), so a link names one person and one scope and cannot be
forged or changed into another; it needs no login and does not expire (a mail may be read late).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from wecreate_fed import urls
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import notifications as store
from wecreate_fed.store import web as settings_store

from . import preferences, topics

SECRET_SETTING = "unsubscribe_secret"
CACHE_KEY = "notify.unsubscribe_secret"
SCOPES = (*topics.TOPICS, topics.ALL, *topics.DIGESTS)
_TOKEN = re.compile(r"^([0-9]{1,19})\.([a-z]{2,20})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class Link:
    actor_id: int
    scope: str


async def _secret(rt: Runtime) -> bytes:
    cached = rt.caches.get(CACHE_KEY)
    if cached is None:
        async with rt.db.transaction() as conn:
            value = await settings_store.add_setting_once(conn, SECRET_SETTING, secrets.token_urlsafe(32))
        cached = rt.caches[CACHE_KEY] = value.encode()
    return cached


def _signature(secret: bytes, actor_id: int, scope: str) -> str:
    digest = hmac.new(secret, f"unsubscribe:{actor_id}:{scope}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def token(rt: Runtime, actor_id: int, scope: str) -> str:
    if scope not in SCOPES:
        raise ValueError(f"no unsubscribe scope {scope!r}")
    return f"{actor_id}.{scope}.{_signature(await _secret(rt), actor_id, scope)}"


async def url(rt: Runtime, actor_id: int, scope: str) -> str:
    return urls.unsubscribe_url(rt.config, await token(rt, actor_id, scope))


async def verify(rt: Runtime, value: str) -> Link | None:
    """The person and scope a token names, or None for anything forged, changed or malformed."""
    match = _TOKEN.match(value or "")
    if match is None or match[2] not in SCOPES:
        return None
    actor_id, scope = int(match[1]), match[2]
    if not hmac.compare_digest(match[3], _signature(await _secret(rt), actor_id, scope)):
        return None
    if await store.mail_address(rt.db.reader, actor_id) is None:  # the account is gone
        return None
    return Link(actor_id, scope)


async def apply(rt: Runtime, link: Link) -> None:
    """Unsubscribe: the scope's topics to never (a digest's scope: the topics at that frequency)."""
    if link.scope in topics.DIGESTS:
        current = await preferences.current(rt, link.actor_id)
        for topic, frequency in current.items():
            if frequency == link.scope:
                await preferences.unsubscribe(rt, link.actor_id, topic)
    else:
        await preferences.unsubscribe(rt, link.actor_id, link.scope)
