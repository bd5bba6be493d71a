"""The URL scheme of an instance, in one place: every id we mint and every path we parse comes from here.

ActivityPub ids (what other servers store) and web pages (where people are sent) are
separate: an idea's id is /ideas/<uuid>, its page /i/<uuid>. `parse()` tells which of our
kinds an id of this instance names, so no other module splits paths by hand.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from . import hosts

if TYPE_CHECKING:  # only for annotations: config imports http, which parses URLs with is_http_url
    from .config import Config

# kind -> path prefix of its ActivityPub id (and, where it has one, of its web page)
ID_PATHS = {
    "user": "/users/",
    "idea": "/ideas/",
    "event": "/events/",
    "box": "/boxes/",
    "motion": "/motions/",
    "poll": "/polls/",
    "district": "/districts/",
    "object": "/objects/",
    "activity": "/activities/",
}
# The website's routes are declared with these prefixes too (web/*.py), so a page's `url` in a
# document and the route that serves it cannot drift apart.
PAGE_PATHS = {"idea": "/i/", "event": "/e/", "box": "/b/", "motion": "/m/", "poll": "/p/", "district": "/d/", "user": "/@"}
INSTANCE_ACTOR_PATH = "/actor"
AVATAR_PATH = "/media/avatars/"


def actor_id(config: Config, username: str) -> str:
    return f"{config.base_url}/users/{username}"


def instance_actor_id(config: Config) -> str:
    return f"{config.base_url}{INSTANCE_ACTOR_PATH}"


def key_id(actor_ap_id: str) -> str:
    return f"{actor_ap_id}#main-key"


def proof_key_id(actor_ap_id: str) -> str:
    """The id of an actor's Ed25519 Multikey (object proofs), as Fedify and Mitra name it."""
    return f"{actor_ap_id}#ed25519-key"


def liked_of(actor_ap_id: str) -> str:
    """A local person's `liked` collection (AP §5.5)."""
    return f"{actor_ap_id}/liked"


def members_collection_id(config: Config, username: str | None) -> str:
    """The members collection of a local Organization's space (`username`), or with None the
    instance's (every local account of a private instance): the `to` of members-only activities."""
    if username is None:
        return f"{config.base_url}{INSTANCE_ACTOR_PATH}/members"
    return f"{actor_id(config, username)}/members"


MEMBERS_PAGE = "/members"  # after an Organization's profile page: /@<org>/members


def members_page(config: Config, username: str) -> str:
    """The web page of a space's membership (join, invitations, and for its board the managing)."""
    return page_of(config, "user", username) + MEMBERS_PAGE


def profile_url(config: Config, username: str) -> str:
    return page_of(config, "user", username)


def shared_inbox(config: Config) -> str:
    return f"{config.base_url}/inbox"


def featured_of(actor_ap_id: str) -> str:
    """An Organization's `featured` collection (its public pinned notes), where Mastodon has it."""
    return f"{actor_ap_id}/collections/featured"


def new_object_id(config: Config) -> str:
    return f"{config.base_url}/objects/{uuid.uuid4()}"


def new_activity_id(config: Config) -> str:
    return f"{config.base_url}/activities/{uuid.uuid4()}"


def new_key() -> str:
    """The random part of a new idea's, event's or motion's id and page."""
    return str(uuid.uuid4())


def id_of(config: Config, kind: str, key: str) -> str:
    """The ActivityPub id of our `kind` (idea, event, box, motion, district, object, activity) named `key`."""
    return f"{config.base_url}{ID_PATHS[kind]}{key}"


def page_of(config: Config, kind: str, key: str) -> str:
    """The web page (`url`) of our idea, event, box, motion, district or user named `key`."""
    return f"{config.base_url}{PAGE_PATHS[kind]}{key}"


def idea_id(config: Config, key: str) -> str:
    return id_of(config, "idea", key)


def event_id(config: Config, key: str) -> str:
    return id_of(config, "event", key)


def box_id(config: Config, slug: str) -> str:
    return id_of(config, "box", slug)


def motion_id(config: Config, key: str) -> str:
    return id_of(config, "motion", key)


def amendment_id(config: Config, motion_key: str, number: int) -> str:
    """An amendment (Änderungsantrag) is part of its motion: /motions/<key>/amendments/<number>."""
    return f"{motion_id(config, motion_key)}/amendments/{number}"


def poll_id(config: Config, key: str) -> str:
    return id_of(config, "poll", key)


def district_id(config: Config, slug: str) -> str:
    return id_of(config, "district", slug)


TAG_PATH = "/tags/"


def tag_url(config: Config, topic: str) -> str:
    """The hashtag page of a topic (HTML, Atom, and an OrderedCollection for servers): the `href` of our Hashtags."""
    return f"{config.base_url}{TAG_PATH}{quote(topic.lower(), safe='')}"


def avatar_url(config: Config, filename: str) -> str:
    return f"{config.base_url}{AVATAR_PATH}{filename}"


def invitation_url(config: Config, code: str) -> str:
    return f"{config.base_url}/register?invitation={code}"


# The links mailed to people (wecreate_fed/civic/email_links.py); the token is the path's last part.
RESET_PATH = "/password/reset/"
CONFIRM_EMAIL_PATH = "/email/confirm/"


def reset_url(config: Config, token: str) -> str:
    return f"{config.base_url}{RESET_PATH}{token}"


def forgot_password_url(config: Config) -> str:
    return f"{config.base_url}/password/forgot"


def confirm_email_url(config: Config, token: str) -> str:
    return f"{config.base_url}{CONFIRM_EMAIL_PATH}{token}"


DECISION_PATH = "/moderation/decisions/"


def decision_url(config: Config, action_id: int) -> str:
    """The page where a person reads a moderation decision about them and can appeal it."""
    return f"{config.base_url}{DECISION_PATH}{action_id}"


UNSUBSCRIBE_PATH = "/unsubscribe/"


def unsubscribe_url(config: Config, token: str) -> str:
    """A mail's one-click unsubscribe link (RFC 8058): GET asks, POST unsubscribes, no login."""
    return f"{config.base_url}{UNSUBSCRIBE_PATH}{token}"


def notification_settings_url(config: Config) -> str:
    return f"{config.base_url}/settings/notifications"


@dataclass(frozen=True)
class Local:
    """What an id of this instance names: its kind and key (a uuid, slug or username), and the rest of the path."""

    kind: str
    key: str
    rest: str = ""


def parse(config: Config, ap_id: str | None) -> Local | None:
    """The kind and key of one of our ids (`…/ideas/<uuid>/likes` → idea, <uuid>, "likes"), else None."""
    if ap_id is None or not is_local(config, ap_id):
        return None
    path = urlsplit(ap_id).path
    if path == INSTANCE_ACTOR_PATH:
        return Local("instance", "")
    for kind, prefix in ID_PATHS.items():
        if path.startswith(prefix):
            key, _, rest = path[len(prefix):].partition("/")
            return Local(kind, key, rest) if key else None
    return None


# The words an error page uses for what a path names (error.no_such_<word>).
_PATH_KINDS = {"idea": "idea", "event": "event", "box": "box", "motion": "motion", "district": "district",
               "user": "person"}


def kind_of_path(path: str) -> str | None:
    """What one of our page or id paths names (`/i/<key>`, `/ideas/<uuid>/likes` → "idea",
    `/@anna` → "person"), for an error page's words; None for any other path (`/events`, `/b/`)."""
    query_idea = path == "/idea"  # a remote idea's page: /idea?id=…
    for prefixes in (PAGE_PATHS, ID_PATHS):
        for kind, prefix in prefixes.items():
            if kind in _PATH_KINDS and path.startswith(prefix) and len(path) > len(prefix):
                return _PATH_KINDS[kind]
    return "idea" if query_idea else None


def is_local(config: Config, ap_id: str | None) -> bool:
    if not ap_id:
        return False
    return ap_id == config.base_url or ap_id.startswith(config.base_url + "/")


def host_of(ap_id: str | None) -> str:
    """host[:port] of an id, normalised (hosts.py): two ids on the same server have the same host; "" if invalid."""
    return hosts.authority_of(ap_id)


def same_origin(a: str | None, b: str | None) -> bool:
    """Both ids live on the same server (scheme, host and port, however spelled); False if either is invalid.

    Every "does this live on its actor's host" check goes through here.
    """
    return hosts.same_origin(a, b)


def is_http_url(value) -> bool:
    """An http(s) URL with a host that urlsplit() and .port read without raising (`http://[::1` does not)."""
    return isinstance(value, str) and _is_http_url(value)


@lru_cache(maxsize=8192)  # the same ids come again in every delivery (see hosts.parse_url)
def _is_http_url(value: str) -> bool:
    if hosts.plain_url(value) is not None:  # every new id of a delivery: a fifth of urlsplit's time
        return True
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in range
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


# Browsers drop leading/trailing C0 controls and spaces and ignore tabs and newlines inside a
# URL, so " javascript:" and "java\tscript:" are scripts to them: such values are refused whole.
_URL_JUNK = frozenset(chr(c) for c in range(0x21)) | {"\x7f"}


def http_url(value: object) -> str | None:
    """An absolute http(s) URL from outside, scheme lower-cased; None for anything else.

    The one gate before a URL from another server (or a query parameter) becomes a link or an
    image: no javascript:, data:, scheme-relative //host, or whitespace tricks.
    """
    if not isinstance(value, str) or not value or len(value) > 4096 or any(c in _URL_JUNK for c in value):
        return None
    if not is_http_url(value):
        return None
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc or parts.netloc.startswith(("/", "\\")):
        return None
    return scheme + value[len(parts.scheme):]
