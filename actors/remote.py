"""Remote actors: fetched with a signed GET, validated, cached with their keys.

A cached actor is used for `actor_cache_hours`; a signature that fails to verify with
the cached key triggers one refetch (the actor may have rotated its key).
"""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit

from wecreate_fed import http, ld, sanitize, signatures, urls
from wecreate_fed.errors import BadRequest, FetchError, NotFound, SignatureError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import utcnow
from wecreate_fed.store.actors import Actor

log = logging.getLogger(__name__)

# name@host[:port]; the name as Mastodon, Lemmy and Pleroma spell them, the host a name or [IPv6].
HANDLE = re.compile(r"^([A-Za-z0-9_.\-]+)@([A-Za-z0-9.\-]+(?::\d{1,5})?|\[[0-9A-Fa-f:]+\](?::\d{1,5})?)$")

ACTOR_TYPES = ld.ACTOR_TYPES
CATEGORIES = {"citizen", "party", "administration", "organisation", "district", "box"}
KEY_CACHE_SIZE = 10_000
KEY_CACHE_SECONDS = 300.0


class KeyCache:
    """key id -> the actor owning it, so a busy inbox verifies without a database round trip.

    Filled from the database on a miss. Whatever changes a cached actor's row calls
    forget_actor() after its commit (a refetch here, an actor's Delete in the inbox); the
    generation counter keeps a lookup that read the old row before that commit from caching
    it afterwards. Entries also expire after KEY_CACHE_SECONDS, which bounds how stale a
    key can be should several processes ever share one database.
    """

    def __init__(self, size: int = KEY_CACHE_SIZE, max_age: float = KEY_CACHE_SECONDS):
        self.size = size
        self.max_age = max_age
        self.generation = 0
        self._entries: dict[str, tuple[Actor, float]] = {}

    def get(self, key_id: str) -> Actor | None:
        entry = self._entries.get(key_id)
        if entry is None:
            return None
        if time.monotonic() > entry[1]:
            del self._entries[key_id]
            return None
        return entry[0]

    def put(self, key_id: str, actor: Actor, generation: int) -> None:
        """Cache a row read while the cache was at `generation` (dropped if an actor changed since)."""
        if generation != self.generation:
            return
        if key_id not in self._entries and len(self._entries) >= self.size:
            del self._entries[next(iter(self._entries))]  # the oldest entry
        self._entries[key_id] = (actor, time.monotonic() + self.max_age)

    def forget(self, ap_id: str) -> None:
        self.generation += 1
        for key_id in [k for k, (actor, _) in self._entries.items() if actor.ap_id == ap_id]:
            del self._entries[key_id]


def key_cache(rt: Runtime) -> KeyCache:
    if "actor_keys" not in rt.caches:
        rt.caches["actor_keys"] = KeyCache()
    return rt.caches["actor_keys"]


def forget_actor(rt: Runtime, ap_id: str) -> None:
    """Call after committing a change to an actor's row (its key, its deletion)."""
    key_cache(rt).forget(ap_id)


async def instance_signer(rt: Runtime) -> tuple[str, str] | None:
    """(key id, private key) of the instance actor, used to sign our GETs."""
    actor = await actors_store.get_instance_actor(rt.db.reader)
    if actor is None:
        return None
    assert actor.key_id and actor.private_key_pem  # local actors are created with their keys
    return actor.key_id, actor.private_key_pem


async def fetch_document(rt: Runtime, url: str) -> dict:
    """A signed GET of any ActivityPub document (authorised fetch works against us and Mastodon)."""
    return await rt.http.get_json(url, signer=await instance_signer(rt))


async def get_actor(rt: Runtime, ap_id: str, *, refresh: bool = False) -> Actor:
    """A local actor, or a remote one from the cache, fetched when absent, stale or `refresh`."""
    cached = await actors_store.get_actor_by_ap_id(rt.db.reader, ap_id)
    if cached is not None and (cached.is_local or (not refresh and _fresh(rt, cached))):
        return cached
    if urls.is_local(rt.config, ap_id):
        raise NotFound(f"no local actor {ap_id}")
    try:
        document = await fetch_document(rt, ap_id)
    except FetchError:
        if cached is not None and not refresh:
            return cached  # stale beats nothing while the remote server is away
        raise
    return await store_actor_document(rt, document, fetched_from=ap_id)


def _fresh(rt: Runtime, actor: Actor) -> bool:
    if actor.deleted_at is not None or actor.fetched_at is None:
        return False
    fetched = datetime.fromisoformat(actor.fetched_at.replace("Z", "+00:00"))
    return utcnow() - fetched < timedelta(hours=rt.config.actor_cache_hours)


async def store_actor_document(rt: Runtime, document: dict, *, fetched_from: str, key_id: str | None = None) -> Actor:
    """Validate an actor document and cache it."""
    values = parse_actor_document(document, fetched_from=fetched_from, key_id=key_id)
    async with rt.db.transaction() as conn:
        actor = await actors_store.upsert_remote_actor(conn, document=json.dumps(document), **values)
    forget_actor(rt, actor.ap_id)
    return actor


def parse_actor_document(document: dict, *, fetched_from: str, key_id: str | None = None) -> dict:
    """The columns we keep of a remote actor; BadRequest if it is not a usable actor."""
    ap_id = document.get("id")
    actor_type = ld.type_of(document, ACTOR_TYPES)
    if not isinstance(ap_id, str) or actor_type is None:
        raise BadRequest(f"{fetched_from} is not an actor")
    # The document must come from the host it claims to live on (no actor spoofing by redirect).
    if urlsplit(ap_id).netloc.lower() != urlsplit(fetched_from).netloc.lower():
        raise BadRequest(f"actor {ap_id} was served by another host ({urlsplit(fetched_from).netloc})")
    inbox = document.get("inbox")
    if not isinstance(inbox, str) or urlsplit(inbox).scheme not in ("http", "https"):
        raise BadRequest(f"actor {ap_id} has no inbox")
    key = _pick_key(document, key_id)
    endpoints = document.get("endpoints")
    shared = endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None
    icon = document.get("icon")
    if isinstance(icon, list):
        icon = icon[0] if icon else None
    icon_url = icon.get("url") if isinstance(icon, dict) else icon if isinstance(icon, str) else None
    url = document.get("url")
    if isinstance(url, (list, dict)):
        url = ld.get_id(url) or (url.get("href") if isinstance(url, dict) else None)
    username = document.get("preferredUsername")
    return dict(
        ap_id=ap_id,
        username=username if isinstance(username, str) else None,
        domain=urlsplit(ap_id).netloc.lower(),
        type=actor_type,
        name=sanitize.plain_text(document.get("name") if isinstance(document.get("name"), str) else "", 200),
        summary=sanitize.clean_html(document.get("summary") if isinstance(document.get("summary"), str) else ""),
        icon_url=icon_url if isinstance(icon_url, str) else None,
        url=url if isinstance(url, str) else None,
        inbox_url=inbox,
        shared_inbox_url=shared if isinstance(shared, str) else None,
        outbox_url=ld.get_id(document.get("outbox")),
        followers_url=ld.get_id(document.get("followers")),
        following_url=ld.get_id(document.get("following")),
        manually_approves=int(document.get("manuallyApprovesFollowers") is True),
        discoverable=int(document.get("discoverable", True) is not False),
        key_id=key["id"] if key else None,
        public_key_pem=key["publicKeyPem"] if key else None,
        published=document.get("published") if isinstance(document.get("published"), str) else None,
        # Another WeCreate instance says whether this is a citizen, a party or the administration.
        category=document.get("category") if document.get("category") in CATEGORIES else
        ("organisation" if actor_type == "Organization" else "citizen"),
    )


def _pick_key(document: dict, key_id: str | None) -> dict | None:
    """The publicKey entry matching key_id (or the first one); it must be owned by the actor."""
    candidates = [k for k in ld.as_list(document.get("publicKey")) if isinstance(k, dict)]
    candidates = [k for k in candidates if isinstance(k.get("id"), str) and isinstance(k.get("publicKeyPem"), str)
                  and ld.get_id(k.get("owner", document.get("id"))) == document.get("id")]
    if key_id is not None:
        candidates = [k for k in candidates if k["id"] == key_id]
    return candidates[0] if candidates else None


async def get_actor_by_key_id(rt: Runtime, key_id: str, *, refresh: bool = False) -> Actor:
    """The actor that owns `key_id`, fetching it if unknown; the actor must list that key."""
    if not refresh:
        cache = key_cache(rt)
        cached = cache.get(key_id)
        if cached is not None:
            return cached
        generation = cache.generation
        cached = await actors_store.get_actor_by_key_id(rt.db.reader, key_id)
        if cached is not None and cached.public_key_pem:
            cache.put(key_id, cached, generation)
            return cached
    try:
        document = await fetch_document(rt, key_id)
        if "publicKeyPem" in document and "owner" in document and ld.type_of(document, ACTOR_TYPES) is None:
            # GoToSocial and others serve the key as its own document pointing at its owner.
            owner = ld.get_id(document.get("owner"))
            if not owner:
                raise SignatureError(f"key {key_id} names no owner")
            document = await fetch_document(rt, owner)
            fetched_from = owner
        else:
            fetched_from = key_id
        actor = await store_actor_document(rt, document, fetched_from=fetched_from, key_id=key_id)
    except (FetchError, BadRequest) as e:
        raise SignatureError(f"the signing key {key_id} could not be fetched: {e}") from e
    if actor.key_id != key_id or not actor.public_key_pem:
        raise SignatureError(f"actor {actor.ap_id} does not list the key {key_id}")
    return actor


async def verify_signed_request(rt: Runtime, *, method: str, target: str, headers, body: bytes | None) -> Actor:
    """Verify a request's HTTP signature; return the actor whose key signed it.

    A failure with a cached key is retried once with a freshly fetched key (rotation).
    """
    params = signatures.parse_signature_header(headers.get("signature"))
    key_host = (urlsplit(params.key_id).hostname or "").lower()
    if http.domain_blocked(key_host, rt.config.blocked_domains):
        raise SignatureError(f"{key_host} is blocked by this instance")
    actor = await get_actor_by_key_id(rt, params.key_id)
    assert actor.public_key_pem  # get_actor_by_key_id returns only actors that list the key
    check = dict(params=params, method=method, target=target, headers=headers, body=body,
                 max_skew=rt.config.clock_skew_seconds)
    try:
        signatures.verify_request(public_key_pem=actor.public_key_pem, **check)
    except SignatureError:
        if actor.is_local:
            raise
        refreshed = await get_actor_by_key_id(rt, params.key_id, refresh=True)
        if refreshed.public_key_pem == actor.public_key_pem:
            raise
        assert refreshed.public_key_pem  # as above
        signatures.verify_request(public_key_pem=refreshed.public_key_pem, **check)
        actor = refreshed
    return actor


async def find_actor(rt: Runtime, ref: str) -> Actor:
    """An actor by its id (https://…) or its handle (name@host)."""
    if ref.startswith(("http://", "https://")):
        return await get_actor(rt, ref)
    return await resolve_handle(rt, ref)


async def resolve_handle(rt: Runtime, handle: str) -> Actor:
    """`user@host` (with or without a leading @ or acct:) to an actor, through WebFinger."""
    username, host = parse_handle(handle)
    if host == rt.config.host.lower():
        local = await actors_store.get_local_actor(rt.db.reader, username)
        if local is None:
            raise NotFound(f"no local user '{username}'")
        return local
    cached = await actors_store.get_remote_actor_by_handle(rt.db.reader, username, host)
    if cached is not None and _fresh(rt, cached):
        return cached
    jrd = await webfinger(rt, username, host)
    for link in ld.as_list(jrd.get("links")):
        if (isinstance(link, dict) and link.get("rel") == "self"
                and link.get("type", "").split(";")[0] in ("application/activity+json", "application/ld+json")
                and isinstance(link.get("href"), str)):
            return await get_actor(rt, link["href"])
    raise NotFound(f"{username}@{host} has no ActivityPub actor")


def parse_handle(handle: str) -> tuple[str, str]:
    """`name@host` (with or without a leading @ or acct:) as (name, lower-cased host[:port])."""
    text = (handle or "").strip().removeprefix("acct:").lstrip("@")
    match = HANDLE.match(text)
    if not match:
        raise BadRequest(f"'{text}' is not a handle like name@example.org", field="handle", code="handle")
    return match.group(1), match.group(2).lower()


async def webfinger(rt: Runtime, username: str, host: str) -> dict:
    """The WebFinger JRD of name@host (plain http only for a loopback host where private addresses are allowed)."""
    scheme = "http" if rt.config.allow_private_addresses and http.is_loopback(host) else "https"
    url = f"{scheme}://{host}/.well-known/webfinger?resource={quote(f'acct:{username}@{host}')}"
    return await rt.http.get_json(url, accept="application/jrd+json, application/json")
