"""Which signature scheme to sign an outgoing request with: double-knocking, per host.

We try the scheme remembered for the host, else the configured first one
(`federation.signature_first`, default draft-cavage); on 400/401/403 (and 404 for a GET,
since some servers hide what an unverified fetch may not see) we try the other one once,
and remember per host whichever got an answer below 400. A 401 carrying
`Accept-Signature` (RFC 9421 §5.2) is answered with the RFC 9421 signature it asks for,
when we can make it. The memory lives in this process (a restart costs at most one extra
request per host that needs the other scheme, so it is not worth a table).

Why cavage first: every fediverse server in use verifies it, while Mastodon before 4.5
and many others refuse an RFC 9421-only signature, so trying RFC 9421 first (as Fedify
does) would cost them a refused request at each first contact; servers that want RFC 9421
say so with Accept-Signature or by refusing cavage.
"""

from __future__ import annotations

import time

from . import http_date, load_private_key, rfc9421, sign_request

SCHEMES = ("cavage", "rfc9421")
MEMORY_SECONDS = 24 * 3600.0
MEMORY_SIZE = 10_000


def knock_statuses(method: str) -> tuple[int, ...]:
    """Answers after which the other scheme is tried."""
    return (400, 401, 403, 404) if method == "GET" else (400, 401, 403)


def other(scheme: str) -> str:
    return "rfc9421" if scheme == "cavage" else "cavage"


def sign(scheme: str, method: str, url: str, *, key_id: str, private_key_pem: str, body: bytes | None = None,
         accept: dict | None = None, now: float | None = None) -> dict[str, str]:
    """Headers for `method url` signed with `scheme` (`accept`: what an Accept-Signature asked for)."""
    if scheme == "cavage":
        return sign_request(method, url, key_id=key_id, private_key_pem=private_key_pem, body=body, now=now)
    from_accept = accept or {}
    return rfc9421.sign_request(
        method, url, key_id=key_id, private_key=load_private_key(private_key_pem), body=body,
        date=http_date(now), now=now, components=from_accept.get("components"),
        label=from_accept.get("label", "sig1"), extra_params=from_accept.get("params"),
    )


class SchemeMemory:
    """host -> the scheme that last got through to it, for MEMORY_SECONDS."""

    def __init__(self, first: str = "cavage", max_age: float = MEMORY_SECONDS, size: int = MEMORY_SIZE):
        assert first in SCHEMES
        self.first = first
        self.max_age = max_age
        self.size = size
        self._hosts: dict[str, tuple[str, float]] = {}

    def get(self, host: str) -> str | None:
        entry = self._hosts.get(host)
        if entry is None:
            return None
        if time.monotonic() > entry[1]:
            del self._hosts[host]
            return None
        return entry[0]

    def remember(self, host: str, scheme: str) -> None:
        if host not in self._hosts and len(self._hosts) >= self.size:
            del self._hosts[next(iter(self._hosts))]  # the oldest entry
        self._hosts[host] = (scheme, time.monotonic() + self.max_age)
