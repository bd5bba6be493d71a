"""Remote actors: fetched with a signed GET, validated, cached with their keys.

A cached actor is used for `actor_cache_hours`; a signature that fails to verify with
the cached key triggers one refetch (the actor may have rotated its key), at most one per
key every `key_refetch_seconds`. A key that could not be fetched (404, timeout, refused
address, not an actor listing it) is not fetched again for `key_failure_seconds`, and
requests naming the same unknown key at once share one fetch: a flood of requests naming
a dead or forged key costs the key's server one request, not one per POST.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit

from wecreate_fed import hosts, http, ld, limits, sanitize, signatures, urls
from wecreate_fed.errors import BadRequest, FetchError, NotFound, SignatureError
from wecreate_fed.runtime import Runtime
from wecreate_fed.signatures import rfc9421
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import iso, utcnow
from wecreate_fed.store.actors import Actor

from .key_cache import KeyCache

log = logging.getLogger(__name__)

# name@host[:port]; the name as Mastodon, Lemmy and Pleroma spell them, the host a name or [IPv6].
# The host may be an IDN in Unicode; parse_handle normalises it (hosts.py).
HANDLE = re.compile(r"^([A-Za-z0-9_.\-]+)@([^\s@/?#\[\]:]+(?::\d{1,5})?|\[[0-9A-Fa-f:]+\](?::\d{1,5})?)$")

ACTOR_TYPES = ld.ACTOR_TYPES
# A tuple, not a set: a value from outside may be a list, which `in` a set raises TypeError on (a 500).
CATEGORIES = ("citizen", "party", "administration", "organisation", "district", "box")
def key_cache(rt: Runtime) -> KeyCache:
    if "actor_keys" not in rt.caches:
        rt.caches["actor_keys"] = KeyCache(failure_seconds=rt.config.key_failure_seconds,
                                           refetch_seconds=rt.config.key_refetch_seconds)
    return rt.caches["actor_keys"]


def forget_actor(rt: Runtime, ap_id: str) -> None:
    """Call after a change to an actor's row (its key, its deletion): the cached key is forgotten once
    the change is committed (at the end of the inbox worker's batch), so no request re-caches the old one."""
    rt.db.after_commit(lambda: key_cache(rt).forget(ap_id))


async def instance_signer(rt: Runtime) -> tuple[str, str] | None:
    """(key id, private key) of the instance actor, used to sign our GETs."""
    actor = await actors_store.get_instance_actor(rt.db.reader)
    if actor is None:
        return None
    assert actor.key_id and actor.private_key_pem  # local actors are created with their keys
    return actor.key_id, actor.private_key_pem


async def fetch_document(rt: Runtime, url: str) -> dict:
    """A signed GET of any ActivityPub document (authorised fetch works against us and Mastodon).

    The document is served at its own id (http.fetch_activitypub); that id may differ from `url`
    when `url` was an alias, so callers that need one object compare the id themselves.
    """
    signer = await instance_signer(rt)
    async with rt.db.outside_batch():  # the inbox worker's batch does not hold the writes up meanwhile
        return await rt.http.fetch_activitypub(url, signer=signer)


async def get_actor(rt: Runtime, ap_id: str, *, refresh: bool = False) -> Actor:
    """A local actor, or a remote one from the cache, fetched when absent, stale or `refresh`."""
    cached = await actors_store.get_actor_by_ap_id(rt.db.reader, ap_id)
    if cached is not None and (cached.is_local or (not refresh and _fresh(rt, cached))):
        return cached
    if urls.is_local(rt.config, ap_id):
        raise NotFound(f"no local actor {ap_id}")
    if not urls.is_http_url(ap_id):  # what someone typed or sent: their mistake, not a failed fetch
        raise BadRequest(f"{str(ap_id)[:200]!r} is not an http(s) URL", field="actor", code="url")
    asked_at = iso()
    try:
        document = await fetch_document(rt, ap_id)
    except FetchError:
        if cached is not None and not refresh:
            return cached  # stale beats nothing while the remote server is away
        raise
    return await store_actor_document(rt, document, fetched_from=ap_id, asked_at=asked_at)


def _fresh(rt: Runtime, actor: Actor) -> bool:
    if actor.deleted_at is not None or actor.fetched_at is None:
        return False
    fetched = datetime.fromisoformat(actor.fetched_at.replace("Z", "+00:00"))
    return utcnow() - fetched < timedelta(hours=rt.config.actor_cache_hours)


async def store_actor_document(rt: Runtime, document: dict, *, fetched_from: str, key_id: str | None = None,
                               asked_at: str | None = None) -> Actor:
    """Validate an actor document and cache it (within the size caps of wecreate_fed.limits).
    `asked_at`: when its fetch began (a Delete of the actor stored since then keeps it deleted)."""
    document = limits.trim_actor(document)
    values = parse_actor_document(document, fetched_from=fetched_from, key_id=key_id)
    async with rt.db.transaction() as conn:
        actor = await actors_store.upsert_remote_actor(conn, document=json.dumps(document), asked_at=asked_at,
                                                       **values)
    forget_actor(rt, actor.ap_id)
    return actor


def parse_actor_document(document: dict, *, fetched_from: str, key_id: str | None = None) -> dict:
    """The columns we keep of a remote actor; BadRequest if it is not a usable actor."""
    ap_id = document.get("id")
    actor_type = ld.type_of(document, ACTOR_TYPES)
    if not isinstance(ap_id, str) or actor_type is None:
        raise BadRequest(f"{fetched_from} is not an actor")
    # The document must be the one at its own id (no actor spoofing by an upload, a redirect or another path).
    if not hosts.same_url(ap_id, fetched_from):
        raise BadRequest(f"actor {ap_id[:200]} was served as {fetched_from[:200]}, not at its own id")
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
        username=limits.cut(username, limits.ACTOR_USERNAME, "actor.preferredUsername")
        if isinstance(username, str) else None,
        domain=hosts.authority_of(ap_id),
        type=actor_type,
        name=sanitize.plain_text(_text(document, "name", limits.ACTOR_NAME), limits.ACTOR_NAME),
        summary=sanitize.clean_html(_text(document, "summary", limits.ACTOR_SUMMARY)),
        # only http(s) ever becomes a link or image
        icon_url=urls.http_url(icon_url) if isinstance(icon_url, str) and len(icon_url) <= limits.URL else None,
        url=urls.http_url(url) if isinstance(url, str) and len(url) <= limits.URL else None,
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


def _text(document: dict, name: str, limit: int) -> str:
    value = document.get(name)
    return limits.cut(value, limit, f"actor.{name}") or "" if isinstance(value, str) else ""


def _pick_key(document: dict, key_id: str | None) -> dict | None:
    """The publicKey entry matching key_id (or the first one); it must be owned by the actor and
    have its id on the actor's server: a document elsewhere cannot claim (and so hold) the id of
    someone's key."""
    candidates = [k for k in ld.as_list(document.get("publicKey")) if isinstance(k, dict)]
    candidates = [k for k in candidates if isinstance(k.get("id"), str) and isinstance(k.get("publicKeyPem"), str)
                  and ld.get_id(k.get("owner", document.get("id"))) == document.get("id")
                  and hosts.same_origin(k["id"], document.get("id"))]
    if key_id is not None:
        candidates = [k for k in candidates if k["id"] == key_id]
    return candidates[0] if candidates else None


async def get_actor_by_key_id(rt: Runtime, key_id: str, *, refresh: bool = False) -> Actor:
    """The actor that owns `key_id`, fetching it if unknown; the actor must list that key."""
    return (await _key_owner(rt, key_id, refresh=refresh))[0]


async def _key_owner(rt: Runtime, key_id: str, *, refresh: bool = False) -> tuple[Actor, bool]:
    """(the key's owner, whether it was fetched just now)."""
    cache = key_cache(rt)
    await cache.check(rt.db.reader)  # another process's change (at most one read a second)
    if not refresh:
        cached = cache.get(key_id)
        if cached is not None:
            return cached, False
        generation = cache.generation
        cached = await actors_store.get_actor_by_key_id(rt.db.reader, key_id)
        if cached is not None and cached.public_key_pem:
            cache.put(key_id, cached, generation)
            return cached, False
        failed = cache.failure(key_id)
        if failed is not None:
            raise SignatureError(f"{failed} (failed recently; not fetched again yet)")
    # Shared with others in a task of its own, which writes the actor: the inbox worker's batch
    # must not hold the lock while waiting for it.
    async with rt.db.outside_batch():
        return await cache.fetch_once(key_id, lambda: _fetch_key_owner(rt, key_id)), True


async def _fetch_key_owner(rt: Runtime, key_id: str) -> Actor:
    asked_at = iso()
    try:
        document = await _key_owner_document(rt, key_id)
        actor = await store_actor_document(rt, document, fetched_from=document["id"], key_id=key_id,
                                           asked_at=asked_at)
    except (FetchError, BadRequest) as e:
        raise SignatureError(f"the signing key {key_id} could not be fetched: {e}") from e
    if actor.key_id != key_id or not actor.public_key_pem:
        raise SignatureError(f"actor {actor.ap_id} does not list the key {key_id}")
    return actor


async def _key_owner_document(rt: Runtime, key_id: str) -> dict:
    """The document of the actor owning `key_id`, served at its own id and listing that key.

    `actor#main-key` is looked up in the actor's document, which must be the one at `actor`.
    A key served on its own (GoToSocial) must have the keyId as its id, and its owner's
    document must list it: a JSON file elsewhere on the host cannot claim someone's key.
    """
    base = hosts.parse_url(key_id).without_fragment()
    document = await fetch_document(rt, base)
    if ld.type_of(document, ACTOR_TYPES) is None and isinstance(document.get("publicKeyPem"), str):
        if not hosts.same_url(document.get("id"), key_id):
            raise SignatureError(f"the key document at {key_id} has another id ({str(document.get('id'))[:200]})")
        owner = ld.get_id(document.get("owner"))
        if not owner:
            raise SignatureError(f"key {key_id} names no owner")
        document, base = await fetch_document(rt, owner), owner
    if ld.type_of(document, ACTOR_TYPES) is None or not hosts.same_url(document.get("id"), base):
        raise SignatureError(f"{base} is not the actor owning the key {key_id}")
    if _pick_key(document, key_id) is None:
        raise SignatureError(f"actor {base} does not list the key {key_id}")
    return document


async def verify_signed_request(rt: Runtime, *, method: str, target: str, headers, body: bytes | None) -> Actor:
    """Verify a request's HTTP signature; return the actor whose key signed it.

    RFC 9421 when the request carries `Signature-Input`, draft-cavage otherwise. A failure with
    a cached key is retried once with a freshly fetched key (rotation), at most once per key
    every key_refetch_seconds, and not for a key fetched by this request.
    """
    if "signature-input" in headers:
        return await _verify_rfc9421(rt, method=method, target=target, headers=headers, body=body)
    params = signatures.parse_signature_header(headers.get("signature"))
    check = dict(params=params, method=method, target=target, headers=headers, body=body,
                 max_skew=rt.config.clock_skew_seconds)
    return await _verified_by(rt, params.key_id,
                              lambda pem: signatures.verify_request(public_key_pem=pem, **check))


async def _verify_rfc9421(rt: Runtime, *, method: str, target: str, headers, body: bytes | None) -> Actor:
    """The first of the request's RFC 9421 signatures that verifies (each is tried in turn)."""
    # The target URI as the sender addressed it: our public base URL (we may sit behind a proxy).
    url = rt.config.base_url + target
    first_error: SignatureError | None = None
    for sig in rfc9421.parse(headers.get("signature-input"), headers.get("signature")):
        try:
            base = rfc9421.check_request(sig, method=method, url=url, headers=headers, body=body,
                                         max_skew=rt.config.clock_skew_seconds)

            def check(pem: str, sig=sig, base=base) -> None:
                rfc9421.verify_signature(signatures.load_public_key(pem), sig.alg, base, sig.signature)
            return await _verified_by(rt, sig.key_id, check)
        except SignatureError as e:
            first_error = first_error or e
    assert first_error is not None  # parse() returns at least one signature
    raise first_error


async def _verified_by(rt: Runtime, key_id: str, check) -> Actor:
    """The actor owning `key_id` once `check(public_key_pem)` passes, refetching the key once on failure."""
    try:
        key_host = hosts.parse_url(key_id).authority
    except hosts.InvalidURL as e:
        raise SignatureError(f"the keyId is not a valid http(s) URL: {e}") from None
    if rt.domains.refused(key_host):  # suspended, or off a private instance's allowlist: no key fetch
        raise SignatureError(f"{key_host} is blocked by this instance")
    actor, fetched_now = await _key_owner(rt, key_id)
    assert actor.public_key_pem  # _key_owner returns only actors that list the key
    try:
        check(actor.public_key_pem)
    except SignatureError:
        if actor.is_local or fetched_now or not key_cache(rt).may_refetch(key_id):
            raise
        refreshed = await get_actor_by_key_id(rt, key_id, refresh=True)
        if refreshed.public_key_pem == actor.public_key_pem:
            raise
        assert refreshed.public_key_pem  # as above
        check(refreshed.public_key_pem)
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
    if host == hosts.authority_of(rt.config.base_url):
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
    """`name@host` (with or without a leading @ or acct:) as (name, normalised host[:port])."""
    text = (handle or "").strip().removeprefix("acct:").lstrip("@")
    match = HANDLE.match(text)
    try:
        host = hosts.parse_url(f"https://{match.group(2)}/").authority if match else ""
    except hosts.InvalidURL:
        host = ""
    if not match or not host:
        raise BadRequest(f"'{text}' is not a handle like name@example.org", field="handle", code="handle")
    return match.group(1), host


async def webfinger(rt: Runtime, username: str, host: str) -> dict:
    """The WebFinger JRD of name@host (plain http only for a loopback host where private addresses are allowed)."""
    scheme = "http" if rt.config.allow_private_addresses and http.is_loopback(host) else "https"
    url = f"{scheme}://{host}/.well-known/webfinger?resource={quote(f'acct:{username}@{host}')}"
    signer = await instance_signer(rt)  # signed: a private instance answers allowlisted servers' signed requests only
    async with rt.db.outside_batch():
        return await rt.http.get_json(url, signer=signer)
