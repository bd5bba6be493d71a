"""FEP-8b32 Object Integrity Proofs: `DataIntegrityProof`, cryptosuite `eddsa-jcs-2022`.

A proof travels inside the document, so an activity relayed by a box (FEP-1b12) or forwarded
by a third server still proves who wrote it. The algorithm (VC Data Integrity EdDSA, JCS
variant, as Fedify implements it): the proof options (the document's @context, type,
cryptosuite, verificationMethod, proofPurpose, created) and the document without `proof`
are each canonicalised by JCS (RFC 8785) and hashed with SHA-256; the Ed25519 signature over
the two digests concatenated is the `proofValue`, multibase base58btc ('z…').

Keys are published as FEP-521a `Multikey` entries in the actor's `assertionMethod`:
`publicKeyMultibase` is 'z' + base58btc(0xed 0x01 + the 32-byte public key).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from .. import ld
from ..errors import SignatureError
from . import load_private_key

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
PURPOSE = "assertionMethod"
DATA_INTEGRITY_CONTEXT = "https://w3id.org/security/data-integrity/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
DID_CONTEXT = "https://www.w3.org/ns/did/v1"  # defines assertionMethod and controller
_ED25519_PUB = b"\xed\x01"  # multicodec ed25519-pub, varint-encoded
_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58btc_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = _ALPHABET[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def base58btc_decode(text: str) -> bytes:
    number = 0
    for char in text:
        index = _ALPHABET.find(char)
        if index < 0:
            raise ValueError(f"'{char}' is not a base58btc character")
        number = number * 58 + index
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def generate_key_pair() -> tuple[str, str]:
    """A fresh Ed25519 key pair as (private PEM, publicKeyMultibase)."""
    key = ed25519.Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return private_pem, multibase_of(key.public_key())


def multibase_of(public_key: ed25519.Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58btc_encode(_ED25519_PUB + raw)


def public_key_from_multibase(value: str) -> ed25519.Ed25519PublicKey:
    if not isinstance(value, str) or not value.startswith("z"):
        raise SignatureError("publicKeyMultibase must be base58btc ('z…')")
    try:
        raw = base58btc_decode(value[1:])
    except ValueError as e:
        raise SignatureError(f"publicKeyMultibase: {e}") from None
    if not raw.startswith(_ED25519_PUB) or len(raw) != 34:
        raise SignatureError("publicKeyMultibase is not an Ed25519 public key")
    return ed25519.Ed25519PublicKey.from_public_bytes(raw[2:])


def multikey(*, key_id: str, controller: str, public_key_multibase: str) -> dict:
    """The FEP-521a entry an actor lists in its `assertionMethod`."""
    return {"id": key_id, "type": "Multikey", "controller": controller, "publicKeyMultibase": public_key_multibase}


def with_context(document: dict, *urls: str) -> dict:
    """`document` with these context URLs appended to its @context where missing (JSON-LD needs
    them to read `proof` and `assertionMethod`; appended last so no earlier term changes meaning)."""
    context = document.get("@context")
    current = ld.as_list(context)
    missing = [u for u in urls if u not in current]
    if not missing:
        return document
    return {**document, "@context": [*current, *missing] if context is not None else missing}


@dataclass(frozen=True)
class Proof:
    verification_method: str
    created: str
    value: bytes
    options: dict  # the proof minus proofValue, as the signer hashed it


def _canonical(value) -> bytes:
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError) as e:
        raise SignatureError(f"the document cannot be canonicalised (JCS): {e}") from None


def _signed_bytes(document: dict, options: dict) -> bytes:
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    return hashlib.sha256(_canonical(options)).digest() + hashlib.sha256(_canonical(unsecured)).digest()


def sign(document: dict, *, private_key_pem: str, verification_method: str, created: str | None = None,
         add_context: bool = True) -> dict:
    """`document` with an eddsa-jcs-2022 `proof` (any earlier proof replaced), and the data-integrity
    context unless `add_context` is False (a context that defines `proof` already)."""
    key = load_private_key(private_key_pem)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise SignatureError("an eddsa-jcs-2022 proof needs an Ed25519 key")
    document = {k: v for k, v in document.items() if k != "proof"}
    if add_context:
        document = with_context(document, DATA_INTEGRITY_CONTEXT)
    # Whole seconds: Fedify re-serialises `created` (Temporal) before hashing, which drops ".000".
    created = created or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    options = {"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE, "verificationMethod": verification_method,
               "proofPurpose": PURPOSE, "created": created}
    value = key.sign(_signed_bytes(document, {"@context": document["@context"], **options}))
    return {**document, "proof": {**options, "proofValue": "z" + base58btc_encode(value)}}


def proof_of(document: dict) -> Proof | None:
    """The document's eddsa-jcs-2022 proof; None if it carries no proof of a suite we know.

    A proof of our suite that is malformed is refused rather than ignored: it is a claim of
    authorship that does not hold.
    """
    found = [p for p in ld.as_list(document.get("proof"))
             if isinstance(p, dict) and p.get("type") == PROOF_TYPE and p.get("cryptosuite") == CRYPTOSUITE]
    if not found:
        return None
    if len(found) > 1:
        raise SignatureError("the document carries more than one eddsa-jcs-2022 proof")
    if not isinstance(document.get("proof"), dict):
        raise SignatureError("a proof set (several proofs) is not supported")
    proof = found[0]
    if proof.get("proofPurpose") != PURPOSE:
        raise SignatureError(f"the proof's purpose must be {PURPOSE}")
    for name in ("verificationMethod", "created", "proofValue"):
        if not isinstance(proof.get(name), str):
            raise SignatureError(f"the proof has no {name}")
    if not proof["proofValue"].startswith("z"):
        raise SignatureError("the proofValue must be base58btc ('z…')")
    try:
        value = base58btc_decode(proof["proofValue"][1:])
    except ValueError as e:
        raise SignatureError(f"proofValue: {e}") from None
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    return Proof(proof["verificationMethod"], proof["created"], value, options)


def verify(document: dict, proof: Proof, public_key: ed25519.Ed25519PublicKey) -> None:
    """Check `proof` over `document` with `public_key`; SignatureError says why not.

    Whose key that is (listed in the actor's assertionMethod) is the caller's check.
    """
    options = {**proof.options}
    if "@context" in document:
        options["@context"] = document["@context"]
    option_sets = [options]
    if "@context" not in proof.options:
        # FEP-8b32 before 2024 (and Mitra then) hashed the proof options without @context.
        option_sets.append(proof.options)
    documents = [document]
    if "signature" in document:
        # Fedify adds its RsaSignature2017 after the proof: the proof covers the document without it.
        documents.append({k: v for k, v in document.items() if k != "signature"})
    for signed in documents:
        for candidate in option_sets:
            try:
                public_key.verify(proof.value, _signed_bytes(signed, candidate))
                return
            except InvalidSignature:
                continue
    raise SignatureError("the proof does not verify with its verification method's key")
