"""The JSON documents that describe actors: actor objects, WebFinger JRDs, NodeInfo."""

from __future__ import annotations

from wecreate_fed import __version__, ld, urls
from wecreate_fed.config import Config
from wecreate_fed.signatures import proofs
from wecreate_fed.store import Connection, moves, proof_keys
from wecreate_fed.store.actors import Actor

LIKING_TYPES = ("Person", "Organization")  # the actors at /users/<name>, who have a `liked` collection
NODEINFO_SCHEMAS = {
    "2.0": "http://nodeinfo.diaspora.software/ns/schema/2.0",
    "2.1": "http://nodeinfo.diaspora.software/ns/schema/2.1",
}


def actor_document(actor: Actor, proof_key: str | None = None, aliases: list[str] | tuple[str, ...] = ()) -> dict:
    """The ActivityPub actor object of a local actor; `proof_key` its Ed25519 publicKeyMultibase,
    `aliases` the other accounts it says it also is (alsoKnownAs: one of them may move here)."""
    doc = {
        "@context": ld.default_context(),
        "id": actor.ap_id,
        "type": actor.type,
        "preferredUsername": actor.username,
        "name": actor.name,
        "summary": actor.summary,
        "url": actor.url,
        "inbox": actor.inbox_url,
        "outbox": actor.outbox_url,
        "endpoints": {"sharedInbox": actor.shared_inbox_url},
        "publicKey": {"id": actor.key_id, "owner": actor.ap_id, "publicKeyPem": actor.public_key_pem},
        "manuallyApprovesFollowers": actor.manually_approves,
        "discoverable": actor.discoverable,
        "indexable": actor.discoverable,
        "published": actor.published,
        "category": actor.category,
    }
    if actor.followers_url:
        doc["followers"] = actor.followers_url
    if actor.following_url:
        doc["following"] = actor.following_url
    if actor.type in LIKING_TYPES:
        doc["liked"] = urls.liked_of(actor.ap_id)
    if aliases:
        doc["alsoKnownAs"] = list(aliases)
    if actor.moved_to:  # FEP-7628: the account it moved to; a Move went to its followers
        doc["movedTo"] = actor.moved_to
    if actor.icon_url:
        doc["icon"] = {"type": "Image", "url": actor.icon_url}
    if proof_key:
        # FEP-521a: the key our object proofs are made with (the RSA publicKey stays for HTTP signatures).
        doc = proofs.with_context(doc, proofs.DID_CONTEXT, proofs.MULTIKEY_CONTEXT)
        doc["assertionMethod"] = [proofs.multikey(
            key_id=urls.proof_key_id(actor.ap_id), controller=actor.ap_id, public_key_multibase=proof_key)]
    return doc


async def local_actor_document(conn: Connection, actor: Actor) -> dict:
    """actor_document() with the actor's proof key and aliases, read on `conn`."""
    key = await proof_keys.get_proof_key(conn, actor.id)
    return actor_document(actor, key[1] if key else None, await moves.list_aliases(conn, actor.id))


def webfinger(config: Config, actor: Actor) -> dict:
    """RFC 7033 JRD for one local actor."""
    links = [
        {"rel": "self", "type": ld.ACTIVITY_JSON, "href": actor.ap_id},
        {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": actor.url},
        # Remote follow / interaction: where a visitor's server sends them to act on a URI.
        {"rel": "http://ostatus.org/schema/1.0/subscribe", "template": f"{config.base_url}/authorize_interaction?uri={{uri}}"},
    ]
    return {
        "subject": f"acct:{actor.username}@{config.host}",
        "aliases": [actor.ap_id] + ([actor.url] if actor.url and actor.url != actor.ap_id else []),
        "links": links,
    }


def nodeinfo_links(config: Config) -> dict:
    return {"links": [
        {"rel": schema, "href": f"{config.base_url}/nodeinfo/{version}"} for version, schema in NODEINFO_SCHEMAS.items()
    ]}


def nodeinfo(config: Config, version: str, *, users: int, active_month: int, active_halfyear: int,
             local_posts: int, rules: list[dict] | None = None) -> dict:
    software = {"name": "wecreate-fed", "version": __version__}
    return {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        # A private instance takes no sign-ups from outside (invitations and admins only).
        "openRegistrations": config.registration == "open" and not config.private,
        "usage": {
            "users": {"total": users, "activeMonth": active_month, "activeHalfyear": active_halfyear},
            "localPosts": local_posts,
        },
        "metadata": {
            "nodeName": config.instance_name,
            "nodeDescription": config.description,
            "city": config.city_name,
            "districts": [d.name for d in config.districts],
            # The instance's rules as /api/v1/instance/rules has them ([{id, text}]).
            **({"rules": rules} if rules is not None else {}),
            # Private instance mode: federation with allowlisted servers only (the list itself is not shown).
            "private": config.private,
            "federation": {"mode": "allowlist" if config.private else "open"},
        },
    }
