"""Linked Data Signatures as Mastodon makes them (`RsaSignature2017`), for forwarded activities.

Mastodon forwards a reply to the followers of what it answers with the author's LD signature,
while the HTTP signature is the forwarder's. The algorithm (Mastodon's LinkedDataSignature):
the options {creator, created} under the identity-v1 context and the document without its
`signature` are each canonicalised (URDNA2015, N-Quads), hashed (SHA-256, hex), and the two
hex strings concatenated are signed with RSASSA-PKCS1-v1_5 / SHA-256.

pyld costs milliseconds per document, so this runs only for forwarded activities, in a
thread; contexts come from the bundled copies only (a sender's @context is never fetched).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pyld import jsonld

from .. import ld
from ..errors import SignatureError
from . import load_private_key, load_public_key

SIGNATURE_TYPE = "RsaSignature2017"
IDENTITY_CONTEXT = "https://w3id.org/identity/v1"


def _canonical(document: dict) -> str:
    try:
        return jsonld.normalize(document, {
            "algorithm": "URDNA2015", "format": "application/n-quads",
            "documentLoader": ld.static_document_loader,
        })
    except (jsonld.JsonLdError, ld.UnknownContext, TypeError, ValueError, RecursionError) as e:
        raise SignatureError(f"the document cannot be canonicalised for its LD signature: {_reason(e)}") from None


def _reason(error: BaseException) -> str:
    # pyld wraps a loader failure (an unbundled context) several levels deep: name the innermost.
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ld.UnknownContext):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    return str(error.args[0] if error.args else error)[:200]


def _hash(document: dict) -> str:
    return hashlib.sha256(_canonical(document).encode()).hexdigest()


def _to_be_signed(document: dict, options: dict) -> bytes:
    unsigned = {k: v for k, v in document.items() if k != "signature"}
    return (_hash({"@context": IDENTITY_CONTEXT, **options}) + _hash(unsigned)).encode()


def sign(document: dict, *, key_id: str, private_key_pem: str, created: str | None = None) -> dict:
    """`document` with an RsaSignature2017 `signature` by `key_id` added."""
    key = load_private_key(private_key_pem)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SignatureError("RsaSignature2017 needs an RSA key")
    created = created or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    options = {"creator": key_id, "created": created}
    value = key.sign(_to_be_signed(document, options), padding.PKCS1v15(), hashes.SHA256())
    return {**document, "signature": {"type": SIGNATURE_TYPE, **options,
                                      "signatureValue": base64.b64encode(value).decode()}}


def signature_of(document: dict) -> dict | None:
    """The document's RsaSignature2017 block, or None when it carries none (a malformed one is refused)."""
    signature = document.get("signature")
    if signature is None:
        return None
    if not isinstance(signature, dict) or signature.get("type") != SIGNATURE_TYPE:
        raise SignatureError(f"the LD signature is not an {SIGNATURE_TYPE}")
    for name in ("creator", "created", "signatureValue"):
        if not isinstance(signature.get(name), str):
            raise SignatureError(f"the LD signature has no {name}")
    return signature


def verify(document: dict, *, public_key_pem: str) -> None:
    """Check the document's RsaSignature2017 with `public_key_pem`; SignatureError says why not.

    Whose key that is (the signature's `creator`, owned by the activity's actor) is the
    caller's check: this only proves the document is what that key signed.
    """
    signature = signature_of(document)
    if signature is None:
        raise SignatureError("the document carries no LD signature")
    key = load_public_key(public_key_pem)
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureError("an RsaSignature2017 needs an RSA key")
    try:
        value = base64.b64decode(signature["signatureValue"], validate=True)
    except ValueError:
        raise SignatureError("the LD signature is not valid base64") from None
    options = {k: v for k, v in signature.items() if k not in ("type", "id", "signatureValue")}
    try:
        key.verify(value, _to_be_signed(document, options), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise SignatureError("the LD signature does not verify with its creator's key") from None
