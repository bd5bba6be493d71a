"""All signing and verifying: keys, Digest, and HTTP Signatures (draft-cavage-12).

We sign with `cryptography` and verify by the *key's own type*, never by the
sender's `algorithm` parameter: httpsig 1.3.0 trusts that parameter, so an
`hmac-sha256` "signature" keyed by a public key passes there. Here an RSA key
is checked with RSASSA-PKCS1-v1_5/SHA-256 and an Ed25519 key with Ed25519,
whatever the header says; `algorithm` may only be absent, `hs2019`, or the name
matching the key's type.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from functools import lru_cache
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from ..errors import SignatureError

# Mastodon signs (request-target) host date digest on POST and the same minus digest on GET.
REQUIRED_POST_HEADERS = ("(request-target)", "host", "digest")
REQUIRED_GET_HEADERS = ("(request-target)", "host")
ALGORITHMS_BY_KEY = {"rsa": ("rsa-sha256", "hs2019"), "ed25519": ("ed25519", "hs2019")}
_PARAM = re.compile(r'\s*([a-zA-Z]+)\s*=\s*"([^"]*)"\s*(?:,|$)')


def generate_key_pair() -> tuple[str, str]:
    """A fresh RSA-2048 key pair as (private PEM, public PEM); RSA because every fediverse server reads it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return private_pem, public_pem


@lru_cache(maxsize=4096)
def load_private_key(pem: str):
    # Parsing a PEM costs ~1 ms (RSA consistency checks): cache, since we sign with few keys often.
    return serialization.load_pem_private_key(pem.encode(), password=None)


@lru_cache(maxsize=16384)
def load_public_key(pem: str):
    try:
        key = serialization.load_pem_public_key(pem.strip().encode())
    except (ValueError, TypeError) as e:
        raise SignatureError(f"the actor's public key cannot be read: {e}") from e
    if not isinstance(key, (rsa.RSAPublicKey, ed25519.Ed25519PublicKey)):
        raise SignatureError("only RSA and Ed25519 keys are accepted")
    return key


def digest_header(body: bytes) -> str:
    """The RFC 3230 Digest header value Mastodon expects."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def http_date(now: float | None = None) -> str:
    return formatdate(now if now is not None else time.time(), usegmt=True)


def sign_request(
    method: str, url: str, *, key_id: str, private_key_pem: str, body: bytes | None = None,
    content_type: str = "application/activity+json", now: float | None = None,
) -> dict[str, str]:
    """Headers for a request signed as Mastodon signs: (request-target) host date [digest]."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    headers = {"Host": parts.netloc, "Date": http_date(now)}
    signed = ["(request-target)", "host", "date"]
    if body is not None:
        headers["Digest"] = digest_header(body)
        headers["Content-Type"] = content_type
        signed.append("digest")
    lines = [f"(request-target): {method.lower()} {target}"]
    lines += [f"{name}: {headers[name.title()]}" for name in signed[1:]]
    key = load_private_key(private_key_pem)
    signature = _sign(key, "\n".join(lines).encode())
    # Name the algorithm after the key: "rsa-sha256" on an Ed25519 signature is refused (by us too).
    algorithm = "rsa-sha256" if isinstance(key, rsa.RSAPrivateKey) else "hs2019"
    headers["Signature"] = (
        f'keyId="{key_id}",algorithm="{algorithm}",headers="{" ".join(signed)}",'
        f'signature="{base64.b64encode(signature).decode()}"'
    )
    return headers


def _sign(key, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    raise SignatureError("unsupported private key type")


@dataclass(frozen=True)
class SignatureParams:
    key_id: str
    algorithm: str | None
    headers: tuple[str, ...]
    signature: bytes
    created: int | None
    expires: int | None


def parse_signature_header(value: str | None) -> SignatureParams:
    """Parse a draft-cavage Signature header; raise SignatureError on anything malformed."""
    if not value:
        raise SignatureError("the request carries no Signature header")
    params, pos = {}, 0
    while pos < len(value):
        match = _PARAM.match(value, pos)
        if not match:
            # Bare numbers are allowed for created/expires.
            bare = re.compile(r"\s*([a-zA-Z]+)\s*=\s*(\d+)\s*(?:,|$)").match(value, pos)
            if not bare:
                raise SignatureError("the Signature header is malformed")
            match = bare
        name = match.group(1).lower()
        if name in params:
            raise SignatureError(f"the Signature header repeats '{name}'")
        params[name] = match.group(2)
        pos = match.end()
    if "keyid" not in params or "signature" not in params:
        raise SignatureError("the Signature header lacks keyId or signature")
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except ValueError:
        raise SignatureError("the signature is not valid base64") from None

    def number(name):
        if name not in params:
            return None
        # isdigit() alone admits "²", which int() refuses; only ASCII digits are a number here.
        if not (params[name].isascii() and params[name].isdigit()):
            raise SignatureError(f"the Signature header's {name} is not a number")
        return int(params[name])

    return SignatureParams(
        key_id=params["keyid"],
        algorithm=params.get("algorithm", "").lower() or None,
        headers=tuple(params.get("headers", "date").lower().split()),
        signature=signature,
        created=number("created"),
        expires=number("expires"),
    )


def verify_request(
    params: SignatureParams, *, method: str, target: str, headers, body: bytes | None,
    public_key_pem: str, max_skew: int, now: float | None = None,
) -> None:
    """Check a parsed signature against one request; raise SignatureError with the reason.

    `target` is the path with its query string; `headers` a case-insensitive mapping.
    Checked: the key's algorithm, the signed header set, the Date/created window, the
    Digest against the body, and the signature itself.
    """
    now = time.time() if now is None else now
    key = load_public_key(public_key_pem)
    key_type = "rsa" if isinstance(key, rsa.RSAPublicKey) else "ed25519"
    if params.algorithm is not None and params.algorithm not in ALGORITHMS_BY_KEY[key_type]:
        raise SignatureError(f"algorithm '{params.algorithm}' does not match the actor's {key_type} key")
    required = REQUIRED_POST_HEADERS if body is not None else REQUIRED_GET_HEADERS
    missing = [h for h in required if h not in params.headers]
    if "date" not in params.headers and "(created)" not in params.headers:
        missing.append("date")
    if missing:
        raise SignatureError(f"the signature does not cover {', '.join(missing)}")
    _check_time(params, headers, now, max_skew)
    if body is not None:
        _check_digest(headers, body)
    try:
        _verify_cavage(params, key, key_type, method=method, target=target, headers=headers)
    except SignatureError:
        # Fedify and older Mastodon sign (request-target) over the path without its query;
        # Mastodon and GoToSocial accept both forms for any method, and so do we.
        if "?" not in target:
            raise
        _verify_cavage(params, key, key_type, method=method, target=target.partition("?")[0], headers=headers)


def _verify_cavage(params: SignatureParams, key, key_type: str, *, method: str, target: str, headers) -> None:
    lines = []
    for name in params.headers:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {target}")
        elif name == "(created)":
            if params.created is None:
                raise SignatureError("(created) is signed but not given")
            lines.append(f"(created): {params.created}")
        elif name == "(expires)":
            if params.expires is None:
                raise SignatureError("(expires) is signed but not given")
            lines.append(f"(expires): {params.expires}")
        else:
            values = headers.getlist(name) if hasattr(headers, "getlist") else [headers.get(name)]
            values = [v for v in values if v is not None]
            if not values:
                raise SignatureError(f"the signed header '{name}' is missing from the request")
            lines.append(f"{name}: {', '.join(v.strip() for v in values)}")
    data = "\n".join(lines).encode()
    try:
        if key_type == "rsa":
            key.verify(params.signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            key.verify(params.signature, data)
    except InvalidSignature:
        raise SignatureError("the signature does not verify with the actor's key") from None


def _check_time(params: SignatureParams, headers, now: float, max_skew: int) -> None:
    if "date" in params.headers:
        raw = headers.get("date")
        if not raw:
            raise SignatureError("the Date header is missing")
        try:
            sent = parsedate_to_datetime(raw).timestamp()
        except (TypeError, ValueError):
            raise SignatureError("the Date header cannot be read") from None
        if abs(now - sent) > max_skew:
            raise SignatureError(f"the Date header is more than {max_skew} s away from our clock (replay?)")
    if params.created is not None and params.created > now + max_skew:
        raise SignatureError("the signature was created in the future")
    if params.created is not None and now - params.created > max_skew:
        raise SignatureError(f"the signature was created more than {max_skew} s ago (replay?)")
    if params.expires is not None and params.expires < now:
        raise SignatureError("the signature has expired")


def _check_digest(headers, body: bytes) -> None:
    raw = headers.get("digest")
    if not raw:
        raise SignatureError("the Digest header is missing")
    # Digest may list several algorithms; we need a SHA-256 one and it must match.
    for item in raw.split(","):
        algorithm, _, value = item.strip().partition("=")
        if algorithm.lower() == "sha-256":
            if value != digest_header(body)[len("SHA-256="):]:
                raise SignatureError("the Digest does not match the body")
            return
    raise SignatureError("the Digest header has no SHA-256 value")


def key_owner_hint(key_id: str) -> str:
    """The actor id a key id most likely belongs to (Mastodon's `actor#main-key`)."""
    return key_id.split("#", 1)[0]
