"""RFC 9421 HTTP Message Signatures with RFC 9530 Content-Digest, for requests.

`Signature-Input` and `Signature` are RFC 8941 dictionaries, parsed with http-sfv; the
`@signature-params` line is re-serialised from what was parsed, as RFC 9421 §2.3 says.

As for draft-cavage, the algorithm follows the *key*: an RSA key verifies
rsa-v1_5-sha256 (also when `alg` is absent) or, if `alg` says so, rsa-pss-sha512; an
Ed25519 key verifies ed25519. `alg` only ever chooses among the algorithms of the key's
own type, so `hmac-sha256` (or an RSA name on an Ed25519 key) is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from urllib.parse import urldefrag, urlsplit

import http_sfv
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from ..errors import SignatureError

ALGORITHMS_BY_KEY = {"rsa": ("rsa-v1_5-sha256", "rsa-pss-sha512"), "ed25519": ("ed25519",)}
DERIVED = ("@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query")
DIGESTS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}
MAX_LABELS = 3  # signatures tried per request (each may cost a key fetch)


@dataclass(frozen=True)
class Signature:
    """One labelled signature of a request, as parsed."""

    label: str
    components: tuple[str, ...]
    params: dict
    serialized_params: str  # the Signature-Input member, re-serialised (the @signature-params value)
    signature: bytes

    @property
    def key_id(self) -> str:
        return self.params["keyid"]

    @property
    def alg(self) -> str | None:
        return self.params.get("alg")


def _dictionary(value: str, what: str) -> http_sfv.Dictionary:
    parsed = http_sfv.Dictionary()
    try:
        parsed.parse(value.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise SignatureError(f"the {what} header is not a valid structured field") from None
    return parsed


def parse(signature_input: str | None, signature: str | None) -> list[Signature]:
    """The signatures of a request (at most MAX_LABELS), strictly; SignatureError if malformed."""
    if not signature_input or not signature:
        raise SignatureError("an RFC 9421 signature needs both Signature-Input and Signature")
    inputs, values = _dictionary(signature_input, "Signature-Input"), _dictionary(signature, "Signature")
    found = []
    for label, member in list(inputs.items())[:MAX_LABELS]:
        if not isinstance(member, http_sfv.InnerList):
            raise SignatureError(f"Signature-Input '{label}' is not a list of components")
        components = []
        for item in member:
            # Components are sf-strings without parameters (no ;sf, ;key, ;req, ;bs: we use none).
            if type(item.value) is not str or item.params:
                raise SignatureError(f"Signature-Input '{label}' names a component we do not support")
            if item.value.startswith("@") and item.value not in DERIVED:
                raise SignatureError(f"Signature-Input '{label}' covers {item.value}, which we do not support")
            if item.value != item.value.lower() or item.value in components:
                raise SignatureError(f"Signature-Input '{label}' has a bad or repeated component")
            components.append(item.value)
        params = dict(member.params)
        if type(params.get("keyid")) is not str or not params["keyid"]:
            raise SignatureError(f"Signature-Input '{label}' has no keyid")
        for name in ("created", "expires"):
            if name in params and (type(params[name]) is not int or params[name] < 0):
                raise SignatureError(f"Signature-Input '{label}': {name} is not a whole number")
        if "alg" in params and type(params["alg"]) is not str:
            raise SignatureError(f"Signature-Input '{label}': alg is not a string")
        value = values.get(label)
        if value is None or not isinstance(value, http_sfv.Item) or type(value.value) is not bytes:
            raise SignatureError(f"the Signature header has no byte sequence for '{label}'")
        found.append(Signature(label, tuple(components), params, str(member), value.value))
    if not found:
        raise SignatureError("the Signature-Input header lists no signature")
    return found


def _derived(name: str, method: str, url: str) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    if name == "@method":
        return method.upper()
    if name == "@target-uri":
        return url
    if name == "@authority":
        return parts.netloc.lower()
    if name == "@scheme":
        return parts.scheme.lower()
    if name == "@request-target":
        return path + ("?" + parts.query if parts.query else "")
    if name == "@path":
        return path
    return "?" + parts.query  # @query: "?" alone when there is none (RFC 9421 §2.2.7)


def signature_base(components, serialized_params: str, *, method: str, url: str, headers) -> bytes:
    """The signature base of RFC 9421 §2.5; `url` is the full target URI, `headers` case-insensitive."""
    url = urldefrag(url).url  # a fragment is never sent, so never part of the target URI
    lines = []
    for name in components:
        if name.startswith("@"):
            value = _derived(name, method, url)
        else:
            values = headers.getlist(name) if hasattr(headers, "getlist") else [headers.get(name)]
            values = [v for v in values if v is not None]
            if not values:
                raise SignatureError(f"the signed header '{name}' is missing from the request")
            value = ", ".join(v.strip() for v in values)
        if "\n" in value or "\r" in value:
            raise SignatureError(f"the component '{name}' has a line break")
        lines.append(f'"{name}": {value}')
    lines.append(f'"@signature-params": {serialized_params}')
    try:
        return "\n".join(lines).encode("ascii")
    except UnicodeEncodeError:
        raise SignatureError("a signed component is not ASCII") from None


def key_type(key) -> str:
    if isinstance(key, (rsa.RSAPublicKey, rsa.RSAPrivateKey)):
        return "rsa"
    if isinstance(key, (ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey)):
        return "ed25519"
    raise SignatureError("only RSA and Ed25519 keys are accepted")


def algorithm_for(key, alg: str | None) -> str:
    """The algorithm to verify with: the key's own, `alg` choosing only among those (never hmac)."""
    allowed = ALGORITHMS_BY_KEY[key_type(key)]
    if alg is None:
        return allowed[0]
    if alg not in allowed:
        raise SignatureError(f"algorithm '{alg}' does not match the actor's {key_type(key)} key")
    return alg


def _pss() -> padding.PSS:
    return padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)  # RFC 9421 §3.3.1


def verify_signature(public_key, alg: str | None, base: bytes, signature: bytes) -> None:
    """Check `signature` over `base` with the key; raise SignatureError."""
    algorithm = algorithm_for(public_key, alg)
    try:
        if algorithm == "rsa-v1_5-sha256":
            public_key.verify(signature, base, padding.PKCS1v15(), hashes.SHA256())
        elif algorithm == "rsa-pss-sha512":
            public_key.verify(signature, base, _pss(), hashes.SHA512())
        else:
            public_key.verify(signature, base)
    except InvalidSignature:
        raise SignatureError("the signature does not verify with the actor's key") from None


def sign_base(private_key, base: bytes) -> tuple[str, bytes]:
    """(alg, signature) with our key: rsa-v1_5-sha256 for RSA (what every verifier knows), else ed25519."""
    if key_type(private_key) == "rsa":
        return "rsa-v1_5-sha256", private_key.sign(base, padding.PKCS1v15(), hashes.SHA256())
    return "ed25519", private_key.sign(base)


def content_digest(body: bytes, algorithm: str = "sha-256") -> str:
    """The RFC 9530 Content-Digest header value."""
    return f"{algorithm}=:{base64.b64encode(DIGESTS[algorithm](body).digest()).decode()}:"


def check_content_digest(value: str | None, body: bytes) -> None:
    """Every sha-256/sha-512 value in Content-Digest must match the body, and there must be one."""
    if not value:
        raise SignatureError("the Content-Digest header is missing")
    known = 0
    for algorithm, member in _dictionary(value, "Content-Digest").items():
        if algorithm not in DIGESTS:
            continue  # another algorithm (RFC 9530 lets senders list several)
        if not isinstance(member, http_sfv.Item) or type(member.value) is not bytes:
            raise SignatureError(f"the Content-Digest {algorithm} value is not a byte sequence")
        if not hmac.compare_digest(member.value, DIGESTS[algorithm](body).digest()):
            raise SignatureError("the Content-Digest does not match the body")
        known += 1
    if not known:
        raise SignatureError("the Content-Digest header has no sha-256 or sha-512 value")


def check_coverage(sig: Signature, *, url: str, has_body: bool) -> None:
    """What a signature must cover to bind it to this request (method, target, body)."""
    covered = set(sig.components)
    missing = [] if "@method" in covered else ["@method"]
    if "@target-uri" not in covered:
        query = urlsplit(url).query
        if "@authority" not in covered:
            missing.append("@authority")
        if "@request-target" not in covered:
            if "@path" not in covered:
                missing.append("@path")
            if query and "@query" not in covered:
                missing.append("@query")
    if has_body and "content-digest" not in covered:
        missing.append("content-digest")
    if missing:
        raise SignatureError(f"the signature does not cover {', '.join(missing)}")


def check_window(sig: Signature, now: float, max_skew: int) -> None:
    created, expires = sig.params.get("created"), sig.params.get("expires")
    if created is None:
        raise SignatureError("the signature has no created time")
    if created > now + max_skew:
        raise SignatureError("the signature was created in the future")
    if now - created > max_skew:
        raise SignatureError(f"the signature was created more than {max_skew} s ago (replay?)")
    if expires is not None and expires < now:
        raise SignatureError("the signature has expired")


def verify_request(sig: Signature, *, method: str, url: str, headers, body: bytes | None,
                   public_key, max_skew: int, now: float | None = None) -> None:
    """Check one parsed signature against a request; raise SignatureError with the reason.

    `url` is the full target URI as the sender addressed it (our base URL + the raw path).
    """
    base = check_request(sig, method=method, url=url, headers=headers, body=body, max_skew=max_skew, now=now)
    verify_signature(public_key, sig.alg, base, sig.signature)


def check_request(sig: Signature, *, method: str, url: str, headers, body: bytes | None, max_skew: int,
                  now: float | None = None) -> bytes:
    """Everything but the key: coverage, time window, Content-Digest; returns the signature base.

    Done before the key is looked up, so a stale or unbound signature costs us no fetch.
    """
    now = time.time() if now is None else now
    check_coverage(sig, url=url, has_body=body is not None)
    check_window(sig, now, max_skew)
    if body is not None:
        check_content_digest(headers.get("content-digest"), body)
    return signature_base(sig.components, sig.serialized_params, method=method, url=url, headers=headers)


def sign_request(method: str, url: str, *, key_id: str, private_key, body: bytes | None = None,
                 content_type: str = "application/activity+json", date: str, now: float | None = None,
                 components: tuple[str, ...] | None = None, label: str = "sig1",
                 extra_params: dict | None = None) -> dict[str, str]:
    """Headers for an RFC 9421-signed request.

    By default it covers @method @target-uri @authority date and, with a body, content-digest;
    an Accept-Signature request may ask for other `components`, `label` and params (nonce, tag).
    """
    headers = {"Host": urlsplit(url).netloc, "Date": date}
    if body is not None:
        headers["Content-Digest"] = content_digest(body)
        headers["Content-Type"] = content_type
    wanted = list(components or ("@method", "@target-uri", "@authority", "date"))
    if body is not None and "content-digest" not in wanted:
        wanted.append("content-digest")
    inner = http_sfv.InnerList([http_sfv.Item(name) for name in wanted])
    created = int(time.time() if now is None else now)
    # Only `alg` is decided here; what the requester asked for (nonce, tag) is passed through.
    params: dict = {k: v for k, v in (extra_params or {}).items() if k in ("nonce", "tag") and type(v) is str}
    params.update(created=created, keyid=key_id)
    alg = "rsa-v1_5-sha256" if key_type(private_key) == "rsa" else "ed25519"
    params["alg"] = alg
    inner.params.update(params)
    serialized = str(inner)
    base = signature_base(wanted, serialized, method=method, url=url, headers=_Lower(headers))
    _, signature = sign_base(private_key, base)
    headers["Signature-Input"] = f"{label}={serialized}"
    headers["Signature"] = f"{label}=:{base64.b64encode(signature).decode()}:"
    return headers


class _Lower(dict):
    """Our own headers, read case-insensitively while we build their signature base."""

    def __init__(self, headers: dict[str, str]):
        super().__init__((k.lower(), v) for k, v in headers.items())

    def get(self, key, default=None):
        return super().get(key.lower(), default)


def accepted(value: str | None, *, key_id: str, private_key, available: set[str]) -> dict | None:
    """What an `Accept-Signature` answer (RFC 9421 §5.1) asks for, if we can do it.

    Returns {label, components, params} for the first member whose components we can
    provide (derived ones we know, headers we send) and whose keyid/alg fit our key; None else.
    """
    if not value:
        return None
    try:
        members = _dictionary(value, "Accept-Signature")
    except SignatureError:
        return None
    ours = "rsa-v1_5-sha256" if key_type(private_key) == "rsa" else "ed25519"
    for label, member in members.items():
        if not isinstance(member, http_sfv.InnerList):
            continue
        names = [item.value for item in member if type(item.value) is str and not item.params]
        if len(names) != len(member) or any(n not in DERIVED and n not in available for n in names):
            continue
        params = dict(member.params)
        if params.get("keyid") not in (None, key_id) or params.get("alg") not in (None, ours):
            continue
        return {"label": label, "components": tuple(names), "params": params}
    return None
