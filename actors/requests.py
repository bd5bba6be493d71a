"""Request helpers shared by every ActivityPub route: content negotiation, JSON answers,
signed GETs (authorised fetch) and error answers."""

from __future__ import annotations

import json
from collections.abc import Mapping

from quart import Response, g, request

from wecreate_fed import ld
from wecreate_fed.errors import SignatureError, Unauthorized
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store.actors import Actor

from . import remote

_AP_TYPES = ("application/activity+json", "application/ld+json")


def wants_activity_json() -> bool:
    """True when the client asks for ActivityPub JSON rather than a web page."""
    accept = request.headers.get("Accept", "")
    return any(t in accept for t in _AP_TYPES)


def activity_response(document: dict, status: int = 200, *, content_type: str = ld.ACTIVITY_JSON) -> Response:
    response = Response(json.dumps(document, ensure_ascii=False), status=status, content_type=content_type)
    response.headers["Vary"] = "Accept, Signature, Authorization"  # who asks may change the answer
    return response


def request_target() -> str:
    """The path and query exactly as the client sent them, as the signature covers them."""
    return target_of(request.scope)


def target_of(scope: Mapping) -> str:
    """request_target from an ASGI scope (inbox/front.py serves some requests without Quart)."""
    raw = scope.get("raw_path") or scope["path"].encode()
    target = raw.decode("latin-1")
    query = scope.get("query_string") or b""
    if query and "?" not in target:
        target += "?" + query.decode("latin-1")
    return target


async def bearer_actor(rt: Runtime) -> Actor | None:
    """The local actor of an `Authorization: Bearer` token, None without one; Unauthorized for a bad one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    actor = await actors_store.get_actor_by_token(rt.db.reader, token.strip())
    if actor is None:
        raise Unauthorized("the token is not valid")
    return actor


async def viewer(rt: Runtime) -> Actor | None:
    """Who asks: a local client by its token, else the signer of a signed GET, else nobody (None)."""
    return await bearer_actor(rt) or await signed_fetcher(rt)


async def signed_fetcher(rt: Runtime) -> Actor | None:
    """The actor behind a signed GET, None for an unsigned one; raises for a bad signature.

    When federation.require_signed_fetch is on, an unsigned GET raises Unauthorized.
    """
    verified = g.get("private_signer")  # verified already by private_guard (private mode)
    if verified is not None:
        return verified
    if "signature" not in request.headers:
        if rt.config.require_signed_fetch:
            raise Unauthorized("this instance requires signed fetches (authorised fetch)")
        return None
    try:
        return await remote.verify_signed_request(
            rt, method="GET", target=request_target(),
            headers=request.headers, body=None,
        )
    except SignatureError:
        if rt.config.require_signed_fetch:
            raise
        return None  # an unverifiable signature on a public GET is treated as anonymous
