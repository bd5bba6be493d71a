"""Who an incoming activity really comes from, when its HTTP signer is not its actor.

A reply forwarded by a third server (inbox forwarding, AP §7.1.2) or a member's post relayed
by a box (FEP-1b12) is signed over HTTP by the forwarder, not the author. Such an activity is
accepted as its actor's only on (in this order):

1. a valid FEP-8b32 proof (eddsa-jcs-2022) by a key in the actor's `assertionMethod`;
2. a valid RsaSignature2017 LD signature by the actor's own key (Mastodon's forwarding);
3. else the copy fetched from the actor's server by the activity's id, which is what is
   processed then, never the embedded one (Mastodon CVE-2022-24307).

A proof is checked whoever delivered the activity: one that does not verify is refused.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from wecreate_fed import ld, urls
from wecreate_fed.errors import BadRequest, FetchError, NotFound, SignatureError
from wecreate_fed.runtime import Runtime
from wecreate_fed.signatures import ld as ld_signatures
from wecreate_fed.signatures import proofs
from wecreate_fed.store import proof_keys
from wecreate_fed.store.actors import Actor

from . import remote

HTTP_SIGNATURE, PROOF, LD_SIGNATURE, FETCHED = "http-signature", "proof", "ld-signature", "fetched"
REFETCH_SECONDS = 300.0


@dataclass(frozen=True)
class Authenticated:
    activity: dict  # what to process: as delivered, or as fetched from its origin
    actor: Actor    # whom it is proven to come from
    by: str         # HTTP_SIGNATURE, PROOF, LD_SIGNATURE or FETCHED


async def authenticate(rt: Runtime, signer: Actor, activity: dict) -> Authenticated:
    """The activity and its proven actor, given the actor whose HTTP signature brought it."""
    actor_id = ld.get_id(activity.get("actor"))
    if not actor_id:
        raise BadRequest("the activity needs an actor", field="actor")
    proof = proofs.proof_of(activity)
    if proof is not None:
        return Authenticated(activity, await verify_proof(rt, activity, proof, actor_id), PROOF)
    if signer.ap_id == actor_id:
        return Authenticated(activity, signer, HTTP_SIGNATURE)
    if ld_signatures.signature_of(activity) is not None:
        return Authenticated(activity, await verify_ld_signature(rt, activity, actor_id), LD_SIGNATURE)
    try:
        fetched = await fetch_from_origin(rt, activity["id"], actor_id)
        if ld.get_id(fetched.get("actor")) != actor_id or not isinstance(fetched.get("type"), str):
            raise SignatureError(f"the copy of {activity['id']} on its server is not an activity of {actor_id}")
    except SignatureError as e:
        raise SignatureError(f"signed by {signer.ap_id}, but the activity's actor is {actor_id}, it carries "
                             f"no proof, and {e}") from e
    return Authenticated(fetched, await _actor(rt, actor_id), FETCHED)


async def verify_proof(rt: Runtime, document: dict, proof: proofs.Proof, actor_id: str) -> Actor:
    """The actor, if `proof` over `document` verifies with a key listed in its assertionMethod."""
    method = proof.verification_method
    if not urls.same_origin(method, actor_id):
        raise SignatureError(f"the proof's key {method} is not on the server of {actor_id}")
    actor = await _actor(rt, actor_id)
    key = await _assertion_key(rt, actor, method)
    if key is None and _may_refetch(actor):
        actor = await _actor(rt, actor_id, refresh=True)  # a key added since we cached the actor
        key = await _assertion_key(rt, actor, method)
    if key is None:
        raise SignatureError(f"{method} is not an assertionMethod of {actor_id}")
    try:
        proofs.verify(document, proof, key)
    except SignatureError:
        if not _may_refetch(actor):
            raise
        actor = await _actor(rt, actor_id, refresh=True)  # the key may have been rotated
        key = await _assertion_key(rt, actor, method)
        if key is None:
            raise
        proofs.verify(document, proof, key)
    return actor


async def _actor(rt: Runtime, actor_id: str, *, refresh: bool = False) -> Actor:
    try:
        return await remote.get_actor(rt, actor_id, refresh=refresh)
    except (FetchError, BadRequest, NotFound) as e:
        raise SignatureError(f"the actor {actor_id} could not be fetched: {e}") from e


def _may_refetch(actor: Actor) -> bool:
    """A remote actor not fetched in the last REFETCH_SECONDS: so a stream of bad proofs naming
    someone costs their server at most one fetch per few minutes."""
    if actor.is_local or actor.fetched_at is None:
        return not actor.is_local
    fetched = datetime.fromisoformat(actor.fetched_at.replace("Z", "+00:00"))
    return (datetime.now(UTC) - fetched).total_seconds() > REFETCH_SECONDS


async def _assertion_key(rt: Runtime, actor: Actor, method: str):
    """The Ed25519 key `method` names, if the actor lists it as its own assertionMethod."""
    if actor.is_local:
        local = await proof_keys.get_proof_key(rt.db.reader, actor.id)
        if local is None or method != urls.proof_key_id(actor.ap_id):
            return None
        return proofs.public_key_from_multibase(local[1])
    document = await proof_keys.remote_actor_document(rt.db.reader, actor.ap_id)
    for entry in ld.as_list((document or {}).get("assertionMethod")):
        if (isinstance(entry, dict) and entry.get("id") == method and entry.get("type") == "Multikey"
                and ld.get_id(entry.get("controller")) == actor.ap_id):
            return proofs.public_key_from_multibase(str(entry.get("publicKeyMultibase")))
    return None


async def verify_ld_signature(rt: Runtime, activity: dict, actor_id: str) -> Actor:
    """The actor, if the activity's RsaSignature2017 verifies with the actor's own key."""
    signature = ld_signatures.signature_of(activity)
    assert signature is not None  # the caller saw it
    creator = signature["creator"]
    if not urls.same_origin(creator, actor_id):
        raise SignatureError(f"the LD signature's key {creator} is not on the server of {actor_id}")
    owner = await remote.get_actor_by_key_id(rt, creator)
    if owner.ap_id != actor_id:
        raise SignatureError(f"the LD signature is by {owner.ap_id}'s key, but the actor is {actor_id}")
    assert owner.public_key_pem  # get_actor_by_key_id returns only actors that list the key
    # pyld takes milliseconds: in a thread, and only for forwarded activities.
    try:
        await asyncio.to_thread(ld_signatures.verify, activity, public_key_pem=owner.public_key_pem)
    except SignatureError:
        if not _may_refetch(owner):
            raise
        refreshed = await remote.get_actor_by_key_id(rt, creator, refresh=True)
        if refreshed.ap_id != actor_id or refreshed.public_key_pem == owner.public_key_pem:
            raise
        assert refreshed.public_key_pem
        await asyncio.to_thread(ld_signatures.verify, activity, public_key_pem=refreshed.public_key_pem)
        owner = refreshed
    return owner


async def fetch_from_origin(rt: Runtime, ap_id: str, actor_id: str) -> dict:
    """The document `ap_id` as the actor's own server serves it; SignatureError if it does not."""
    if not urls.same_origin(ap_id, actor_id) or urls.is_local(rt.config, ap_id):
        raise SignatureError(f"{ap_id} does not live on the server of {actor_id}, so it cannot be checked there")
    if urlsplit(ap_id).fragment:
        raise SignatureError(f"{ap_id} names a part of a document, which its server cannot confirm")
    try:
        document = await remote.fetch_document(rt, ap_id)
    except FetchError as e:
        raise SignatureError(f"{ap_id} was forwarded without proof and its server does not confirm it: {e}") from e
    if not isinstance(document, dict) or document.get("id") != ap_id:
        raise SignatureError(f"the server of {actor_id} answers {ap_id} with another document")
    return document
