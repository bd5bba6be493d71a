"""The thin front: inbox POSTs served straight from ASGI, everything else by the Quart app.

Quart's request and response machinery cost more than the work a delivery needs (issue 13:
the bare framework was more than half of an inbox POST's CPU). This serves POST /inbox,
/actor/inbox and /users/<name>/inbox with the route's own accept() (receive.py): the same
checks in the same order, the same statuses and JSON error bodies, the same headers. What
it does not do itself it leaves to Quart, whole: any other request, a private instance
(actors/private_guard.py checks those before any route).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re

from quart import g
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge, RequestTimeout

from actors.requests import target_of
from wecreate_fed import ratelimit
from wecreate_fed.errors import WeCreateError
from wecreate_fed.runtime import Runtime

from .receive import accept

log = logging.getLogger(__name__)

INBOX_PATH = re.compile(r"/(?:inbox|actor/inbox|users/([^/]+)/inbox)")
NOT_OURS = object()  # route(): a request for Quart


class Disconnected(Exception):
    """The client went away before its body arrived: nothing to answer (as Quart)."""


class InboxFront:
    """`route(scope)` says whether a request is the front's; `serve()` answers it.

    `accepted_headers`: the 202's headers as Quart sends them (with the website's after_request
    headers); `error_headers`: those of a JSON error, without its length. `app` gives the app
    context (flask-style `g`, runtime.current()) and the body timeout."""

    def __init__(self, app, rt: Runtime, *, accepted_headers: list, error_headers: list):
        self.app = app
        self.rt = rt
        self.accepted_headers = accepted_headers
        self.error_headers = error_headers

    def route(self, scope: dict):
        """The local user name of a personal inbox, None for the shared ones, NOT_OURS otherwise."""
        if scope["type"] != "http" or scope["method"] != "POST" or self.rt.config.private:
            return NOT_OURS
        match = INBOX_PATH.fullmatch(scope["path"])
        if match is None:
            return NOT_OURS
        return match.group(1)

    async def serve(self, scope: dict, receive, send, local_name: str | None) -> None:
        rt = self.rt
        headers = Headers()
        # The two read here are taken on the way: werkzeug's lookup of an absent header raises
        # (and builds) an HTTP exception inside, a tenth of this front's own time.
        forwarded, declared = "", None
        for name, value in scope["headers"]:
            text = value.decode("latin-1")
            headers.add(name.decode("latin-1").title(), text)
            if name == b"x-forwarded-for":
                forwarded = forwarded or text
            elif name == b"content-length" and declared is None:
                declared = text
        client = scope.get("client")
        address = ratelimit.address_of(client[0] if client else "", forwarded, rt.config.trusted_proxies)
        try:
            content_length = int(declared) if declared is not None else None
        except ValueError:
            content_length = None  # (as werkzeug reads it; the server refuses a bad one anyway)
        async with self.app.app_context():
            try:
                await accept(rt, local_name=local_name, headers=headers, target=target_of(scope), address=address,
                             content_length=content_length, read_body=lambda: self._body(receive, content_length))
            except Disconnected:
                return
            except WeCreateError as error:
                if error.status >= 500:
                    log.warning("POST %s: %s", scope["path"], error)
                await self._error(send, error.status, error.as_json())
            except HTTPException as error:
                await self._http_error(send, error)
            except Exception as error:  # a bug: logged, and answered as Quart answers it
                log.exception("Exception on request POST %s", scope["path"])
                await self._http_error(send, InternalServerError(original_exception=error))
            else:
                await send({"type": "http.response.start", "status": 202, "headers": self.accepted_headers})
                await send({"type": "http.response.body", "body": b""})

    async def _body(self, receive, declared: int | None) -> bytes:
        """The body, read up to one byte past the limit, within Quart's timeout. Past the limit
        accept() refuses it; a body of no declared length Quart's limit refuses (413, its text)."""
        limit = self.rt.config.max_body_bytes
        chunks, size = [], 0
        try:
            async with asyncio.timeout(self.app.config["BODY_TIMEOUT"]):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        raise Disconnected
                    chunk = message.get("body", b"")
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > limit and declared is None:
                        raise RequestEntityTooLarge()
                    if size > limit or not message.get("more_body", False):
                        return b"".join(chunks)
        except TimeoutError:
            raise RequestTimeout() from None

    async def _http_error(self, send, error: HTTPException) -> None:
        """As app.py's handler renders one for a machine (an inbox answers JSON whatever it is asked)."""
        await self._error(send, error.code or 500, {
            "error": (error.name or "error").lower().replace(" ", "_"), "field": None,
            "message": error.description or error.name})

    async def _error(self, send, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        headers = [*self.error_headers, (b"content-length", str(len(data)).encode())]
        # ratelimit.add_retry_after's rule: a refusal of ours carries the seconds it set in g.
        seconds = g.get("retry_after")
        if seconds is not None and status in (429, 503):
            headers.append((b"retry-after", str(seconds).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})
