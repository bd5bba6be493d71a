"""JSON-LD: the contexts we ship, a loader that never touches the network, id helpers.

Hot paths read activities as plain JSON (pyld costs ~1-3 ms per document); pyld is used
where JSON-LD semantics matter, always with `static_document_loader`, so no @context
URL that a sender names is ever fetched.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from pyld import jsonld

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
_PUBLIC_ALIASES = {PUBLIC, "as:Public", "Public"}
ACTIVITY_JSON = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'

# URL -> bundled file. Copies of the published documents (W3C, w3id, Lemmy, GoToSocial, SWICG).
BUNDLED = {
    AS_CONTEXT: "activitystreams",
    SECURITY_CONTEXT: "security-v1",
    "https://w3id.org/security/data-integrity/v1": "security-data-integrity-v1",
    "https://w3id.org/security/data-integrity/v2": "security-data-integrity-v2",
    "https://w3id.org/security/multikey/v1": "security-multikey-v1",
    "https://www.w3.org/ns/did/v1": "did-v1",
    "https://www.w3.org/ns/cid/v1": "cid-v1",
    "https://w3id.org/identity/v1": "identity-v1",
    "https://join-lemmy.org/context.json": "join-lemmy",
    "https://gotosocial.org/ns": "gotosocial",
    "http://joinmastodon.org/ns": "joinmastodon",
    "https://purl.archive.org/miscellany": "miscellany",
    "https://w3id.org/fep/5711": "fep-5711",
    "https://w3id.org/fep/ef61": "fep-ef61",
}


class UnknownContext(Exception):
    """A document names a @context URL we do not ship; we never fetch it."""


@cache
def bundled_context(name: str) -> dict:
    text = (resources.files(__package__) / "contexts" / f"{name}.jsonld").read_text(encoding="utf-8")
    return json.loads(text)


def our_terms() -> dict:
    """Our own terms, inlined into every document we publish (as Mastodon inlines toot:)."""
    return bundled_context("wecreate")["@context"]


def default_context() -> list:
    return [AS_CONTEXT, SECURITY_CONTEXT, our_terms()]


def static_document_loader(url: str, options=None) -> dict:
    """pyld document loader answering only from bundled copies."""
    name = BUNDLED.get(url.rstrip("#")) or BUNDLED.get(url)
    if name is None:
        raise UnknownContext(f"context {url} is not bundled and is never fetched")
    return {"contextUrl": None, "documentUrl": url, "document": bundled_context(name)}


def expand(document: dict) -> list:
    """JSON-LD expansion with bundled contexts only."""
    return jsonld.expand(document, {"documentLoader": static_document_loader})


def compact(document: dict, context=None) -> dict:
    return jsonld.compact(document, context or default_context(), {"documentLoader": static_document_loader})


def get_id(value) -> str | None:
    """The id of a value that may be a URL string, an embedded object, or a one-item list."""
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        found = value.get("id") or value.get("@id")
        return found if isinstance(found, str) else None
    return None


def without_context(document: dict) -> dict:
    """The document minus its @context: for embedding it in an activity, which carries the context."""
    return {k: v for k, v in document.items() if k != "@context"}


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def ids(value) -> list[str]:
    return [i for i in (get_id(v) for v in as_list(value)) if i]


ADDRESS_FIELDS = ("to", "cc", "bto", "bcc", "audience")
BLIND_FIELDS = ("bto", "bcc")


def addressees(activity: dict) -> set[str]:
    """Every id in to, cc, bto, bcc and audience."""
    found = set()
    for field in ADDRESS_FIELDS:
        found.update(ids(activity.get(field)))
    return found


def blind_addressees(document: dict) -> set[str]:
    """The ids in bto and bcc of a document and of its embedded object (who may receive it, unnamed)."""
    found = {i for f in BLIND_FIELDS for i in ids(document.get(f))}
    obj = document.get("object")
    if isinstance(obj, dict):
        found.update(i for f in BLIND_FIELDS for i in ids(obj.get(f)))
    return found


def without_blind(document: dict) -> dict:
    """The document, and its embedded object, without bto and bcc: what is stored for others or sent (AP §6)."""
    cleaned = {k: v for k, v in document.items() if k not in BLIND_FIELDS}
    obj = cleaned.get("object")
    if isinstance(obj, dict) and any(f in obj for f in BLIND_FIELDS):
        cleaned["object"] = {k: v for k, v in obj.items() if k not in BLIND_FIELDS}
    return cleaned


def has_addressing(*documents: dict) -> bool:
    """Whether any of the documents says who it is for; an empty `to: []` says so too (nobody)."""
    return any(d.get(f) is not None for d in documents for f in ADDRESS_FIELDS)


def merged_addressing(activity: dict, obj: dict) -> dict[str, list[str]]:
    """to, cc, bto, bcc and audience of an activity and of its object, unioned field by field (AP §6.2)."""
    merged = {}
    for field in ADDRESS_FIELDS:
        merged[field] = list(dict.fromkeys(ids(obj.get(field)) + ids(activity.get(field))))
    return merged


# The ActivityStreams 2.0 vocabulary (and the few extension types everyone uses): what a member
# of a `type` list must be for us to understand the document as that type.
ACTIVITY_TYPES = frozenset({
    "Activity", "IntransitiveActivity", "Accept", "Add", "Announce", "Arrive", "Block", "Create", "Delete",
    "Dislike", "Flag", "Follow", "Ignore", "Invite", "Join", "Leave", "Like", "Listen", "Move", "Offer",
    "Question", "Reject", "Read", "Remove", "TentativeReject", "TentativeAccept", "Travel", "Undo", "Update",
    "View",
})
ACTOR_TYPES = frozenset({"Application", "Group", "Organization", "Person", "Service"})
OBJECT_TYPES = frozenset({
    "Object", "Link", "Mention", "Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage",
    "Article", "Audio", "Document", "Event", "Image", "Note", "Page", "Place", "Profile", "Relationship",
    "Tombstone", "Video", "Hashtag", "Emoji", "PropertyValue", "VirtualLocation",
})
KNOWN_TYPES = ACTIVITY_TYPES | ACTOR_TYPES | OBJECT_TYPES


def types_of(document) -> list[str]:
    """Every type a document declares: `type` may be one string or a list (extensions, AS2 §4.1)."""
    if not isinstance(document, dict):
        return []
    return [t for t in as_list(document.get("type")) if isinstance(t, str) and t]


def type_of(document, known=KNOWN_TYPES) -> str | None:
    """The first of the document's types that is in `known`, None when none is (unknown extensions only)."""
    return next((t for t in types_of(document) if t in known), None)


def understood_type(document) -> str:
    """The one type we read a document as: of a list its known member; a lone type as it is (nothing to
    choose from, a handler may still know it); "" when a list names only types we do not know."""
    types = types_of(document)
    return type_of(document) or (types[0] if len(types) == 1 else "")


def has_type(document, type_: str) -> bool:
    return type_ in types_of(document)


def is_public(document: dict) -> bool:
    return bool(addressees(document) & _PUBLIC_ALIASES)


def is_public_id(value: str) -> bool:
    return value in _PUBLIC_ALIASES
