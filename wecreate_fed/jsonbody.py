"""Every JSON document from outside is parsed here: bounded depth, sane numbers, real text, parseable URLs.

Python's json module recurses once per nesting level and raises RecursionError (a 500)
on a 100,000-deep array; integers past SQLite's 64 bits, NaN, and `\\ud800` (a lone
surrogate, which no database or page can encode) parse fine and fail later, deep in a
handler. So the depth is counted on the bytes BEFORE json.loads, numbers and text are
checked while parsing, and what is not a usable document is refused here, with a reason,
before anything else reads it. Used by the inbox, the client-to-server outbox and every
fetch of a remote document (http.get_json).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from . import nul, urls
from .errors import BadRequest

# Real ActivityPub documents nest a handful of levels (activity > object > tag > icon);
# 64 leaves room for any extension and stays far below the interpreter's recursion limit.
MAX_DEPTH = 64
_INT64 = 2**63
# A JSON string, unrolled so that the regex engine walks long strings without backtracking.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPEN = frozenset(b"[{")
# A surrogate can only come from a \uD800-\uDFFF escape (raw surrogate bytes are invalid UTF-8).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_NUL_ESCAPE = b"\\u0000"


# Text, not references: a post may well begin with "http://[" and is never parsed as a URL.
_TEXT_PROPERTIES = frozenset({"content", "summary", "name", "contentMap", "summaryMap", "nameMap", "source"})


class InvalidJSON(ValueError):
    """The bytes are not a JSON document we accept; str(e) says why."""


def nesting_depth(data: bytes, stop_after: int = MAX_DEPTH) -> int:
    """How deep brackets nest outside strings (stops counting once past `stop_after`)."""
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    level = deepest = 0
    for byte in brackets:
        if byte in _OPEN:
            level += 1
            if level > deepest:
                deepest = level
                if deepest > stop_after:
                    break
        else:
            level -= 1
    return deepest


def _parse_int(text: str) -> int:
    value = int(text)
    if not -_INT64 <= value < _INT64:
        raise InvalidJSON(f"the number {text[:30]}… does not fit in 64 bits")
    return value


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InvalidJSON(f"the number {text[:30]} is out of range")
    return value


def _parse_constant(name: str):
    raise InvalidJSON(f"{name} is not JSON")


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """json.loads with the bounds above; InvalidJSON (a ValueError) says what is wrong."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    if nesting_depth(raw, max_depth) > max_depth:
        raise InvalidJSON(f"the JSON nests deeper than {max_depth} levels")
    try:
        value = json.loads(raw, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
    except InvalidJSON:
        raise
    except RecursionError:  # cannot happen below MAX_DEPTH; kept so that a smaller stack stays a 4xx
        raise InvalidJSON("the JSON nests too deeply") from None
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError, int() past 4,300 digits
        raise InvalidJSON(f"not valid JSON ({str(e)[:120]})") from None
    if _SURROGATE_ESCAPE.search(raw) and _has_lone_surrogate(value):
        raise InvalidJSON("the JSON holds an unpaired UTF-16 surrogate (\\ud800-\\udfff), which is not text")
    # U+0000 can only come from a \u0000 escape (JSON has no raw control characters in strings);
    # PostgreSQL refuses it in text, and no text needs it: dropped (nul.py).
    if _NUL_ESCAPE in raw:
        value = nul.without_nul(value)
    return value


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and not item.isascii():
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


def malformed_url(document: Any) -> tuple[str, str] | None:
    """(property, value) of the first http(s) URL anywhere in a document that does not parse, else None.

    `http://[::1`, `http://host:99999/` and the like make urlsplit() raise wherever they are
    read later; refusing the document once here means no handler has to expect them.
    """
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        name, item = stack.pop()
        if name in _TEXT_PROPERTIES:
            continue
        if isinstance(item, dict):
            stack.extend(item.items())
        elif isinstance(item, list):
            stack.extend((name, v) for v in item)
        elif isinstance(item, str) and item[:8].lower().startswith(("http://", "https://")):
            if not urls.is_http_url(item):
                return name, item
    return None


def activity_document(body: bytes) -> dict:
    """A request body that must be one ActivityStreams object: a dict, every URL in it parseable.

    BadRequest (400, with the reason and the property) otherwise; the inbox and the outbox use it.
    """
    try:
        document = loads(body)
    except InvalidJSON as e:
        raise BadRequest(f"the body is not usable JSON: {e}", code="invalid_json") from None
    if not isinstance(document, dict):
        raise BadRequest("the body must be a JSON object", code="not_an_object")
    bad = malformed_url(document)
    if bad is not None:
        raise BadRequest(f"'{bad[0]}' holds a malformed URL: {bad[1][:200]!r}", field=bad[0] or None, code="url")
    return document
