"""NUL characters (U+0000) from outside are removed where text comes in.

PostgreSQL refuses U+0000 in a text column (SQLite keeps it, and it shows as nothing), so a
post, a name or a form field holding one would fail deep in an insert, a 500 on PostgreSQL only.
No text needs it: it is dropped at every entrance instead — JSON documents (the inbox, the
client-to-server outbox, every fetched document: jsonbody.loads) and the website's query
parameters and form fields (`Request` below, which web/file_pages.py's request class extends) — so
both backends store the same text without it. A path holding one (/users/a%00b) names nothing here:
404 before any route reads it (`refuse_path`, app.py).
"""

from __future__ import annotations

from typing import Any

from quart import Request as QuartRequest
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

NUL = "\x00"


def without_nul(value: Any) -> Any:
    """`value` with U+0000 removed from every string in it (keys too); the same object if it had none."""
    if isinstance(value, str):
        return value.replace(NUL, "") if NUL in value else value
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value


def _pairs(mapping: Any) -> list[tuple[Any, Any]]:
    if mapping is None:
        return []
    if isinstance(mapping, MultiDict):
        items = list(mapping.items(multi=True))
    elif isinstance(mapping, dict):
        items = list(mapping.items())
    else:
        items = list(mapping)
    # Only text: an uploaded file (FileStorage) stays as it is.
    return [(without_nul(k), without_nul(v) if isinstance(v, str) else v) for k, v in items]


class NulFreeMultiDict(ImmutableMultiDict):
    """Werkzeug's query / form storage with U+0000 taken out of names and values."""

    def __init__(self, mapping: Any = None):
        super().__init__(_pairs(mapping))


class Request(QuartRequest):
    """Quart's request; its `args` and `form` (and `files`' field names) hold no NUL."""

    parameter_storage_class = NulFreeMultiDict


NOT_FOUND = b"no such page: the path holds U+0000"


async def refuse_path(scope, send) -> bool:
    """Answer 404 to an HTTP request whose path holds U+0000 (True if it did)."""
    if scope.get("type") != "http" or NUL not in scope.get("path", ""):
        return False
    await send({"type": "http.response.start", "status": 404,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(NOT_FOUND)).encode())]})
    await send({"type": "http.response.body", "body": NOT_FOUND})
    return True
