"""The URL scheme of an instance, in one place. Every id we mint comes from here."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from .config import Config


def actor_id(config: Config, username: str) -> str:
    return f"{config.base_url}/users/{username}"


def instance_actor_id(config: Config) -> str:
    return f"{config.base_url}/actor"


def key_id(actor_ap_id: str) -> str:
    return f"{actor_ap_id}#main-key"


def profile_url(config: Config, username: str) -> str:
    return f"{config.base_url}/@{username}"


def shared_inbox(config: Config) -> str:
    return f"{config.base_url}/inbox"


def new_object_id(config: Config) -> str:
    return f"{config.base_url}/objects/{uuid.uuid4()}"


def new_activity_id(config: Config) -> str:
    return f"{config.base_url}/activities/{uuid.uuid4()}"


def is_local(config: Config, ap_id: str | None) -> bool:
    return bool(ap_id) and (ap_id == config.base_url or ap_id.startswith(config.base_url + "/"))


def host_of(ap_id: str | None) -> str:
    """host[:port] of an id, lower-cased: two ids on the same server have the same host."""
    return urlsplit(ap_id or "").netloc.lower()
