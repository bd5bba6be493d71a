"""The federation half of private instance mode: only allowlisted servers' signed requests are
answered (moderation/allowlist.py keeps the list; `rt.domains.refused` asks it).

An app-level before_request, in private mode only. A request "from a server" is one that
carries an HTTP signature, asks for ActivityPub JSON, posts to an inbox, or asks WebFinger:
- a local client with its Bearer token passes (the route checks what it may read);
- unsigned: 401 (authorised fetch is forced on; WebFinger too);
- signed with a key on a server off the list: 403, before any key is fetched (we fetch from
  no one else anyway: http.py's guard);
- signed by an allowlisted server: an inbox POST goes on to the inbox (which verifies it and
  asks the list again for the actor); a GET is verified here, and its signer must be on the
  list too; the route reuses the verified signer (requests.signed_fetcher);
- the instance actor (GET /actor) is served on the claimed key's host alone: verifying a
  signature needs the signer's key, and a private peer's instance actor asks for ours to
  verify that very fetch, so one side must answer first (Mastodon's secure mode does the same
  with an unsigned answer; here only to allowlisted hosts). It holds a name and a key.
NodeInfo stays readable by anyone: it says the instance is private (actors/documents.nodeinfo).
Everything else (the website) is the gate's (web/gate.py): it lets through what `passed` marks.
"""

from __future__ import annotations

from quart import g, request

from wecreate_fed import hosts, runtime
from wecreate_fed.errors import Forbidden, SignatureError, Unauthorized
from wecreate_fed.signatures import parse_signature_header, rfc9421

from . import remote
from .requests import bearer_actor, request_target, wants_activity_json

OPEN_PATHS = ("/.well-known/nodeinfo", "/nodeinfo/")


def is_server_request() -> bool:
    """Whether the request looks like another server's (signed, asks for ActivityPub, an inbox, WebFinger)."""
    if request.path.startswith(OPEN_PATHS):
        return False
    return ("signature" in request.headers or "signature-input" in request.headers or wants_activity_json()
            or (request.method == "POST" and request.path.endswith("/inbox"))
            or request.path == "/.well-known/webfinger")


def claimed_key_ids(headers) -> list[str]:
    """The keyIds a request's signatures name (not verified); SignatureError if they cannot be read."""
    if "signature-input" in headers:
        return [sig.key_id for sig in rfc9421.parse(headers.get("signature-input"), headers.get("signature"))]
    return [parse_signature_header(headers.get("signature")).key_id]


def passed() -> bool:
    """Whether this guard let the request through as an allowlisted server's (for the website's gate)."""
    return bool(g.get("private_guard_passed"))


async def check() -> None:
    rt = runtime.current()
    if not rt.config.private or not is_server_request():
        return
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        await bearer_actor(rt)  # a bad token: 401; a local client: the route decides
        return
    if "signature" not in request.headers:
        raise Unauthorized("this is a private instance: it answers signed requests of allowlisted servers only",
                           code="signature_required")
    try:
        key_ids = claimed_key_ids(request.headers)
    except SignatureError as e:
        raise Unauthorized(str(e), code="signature_invalid") from None
    for key_id in key_ids:
        host = hosts.authority_of(key_id)
        if not host or rt.domains.refused(host):
            raise Forbidden(f"{host or 'this server'} is not on this private instance's allowlist",
                            code="not_allowlisted", params={"domain": host})
    g.private_guard_passed = True
    if request.method != "GET" and request.method != "HEAD":
        return  # an inbox POST: receive() verifies it (with its body) and asks the list for the actor
    if request.path == "/actor":
        return  # see the module's text: the first step of a mutual verification
    signer = await remote.verify_signed_request(rt, method=request.method, target=request_target(),
                                                headers=request.headers, body=None)
    if rt.domains.refused(hosts.authority_of(signer.ap_id)):
        raise Forbidden(f"{signer.ap_id} is not on this private instance's allowlist", code="not_allowlisted",
                        params={"domain": hosts.authority_of(signer.ap_id)})
    g.private_signer = signer
