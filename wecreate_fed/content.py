"""The text of an ActivityStreams object, both ways: `content` and `contentMap` with its language,
`source` as Markdown, and an image's media type.

Mastodon writes `contentMap: {"de": "<p>…</p>"}` beside `content` and reads the language from
it; some servers send only `contentMap`. A client's `source` is Markdown: ActivityPub §3.3
gives it as `{content, mediaType}`, while several clients post it as a plain string.
"""

from __future__ import annotations

import mimetypes
import re
from urllib.parse import urlsplit

from .errors import BadRequest

# BCP 47, as far as we keep it: a primary subtag and optional subtags ("de", "de-AT", "zh-Hant-TW").
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$")
MARKDOWN_TYPES = ("text/markdown", "text/plain")   # plain text is Markdown without marks
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/avif")


def language_tag(value) -> str | None:
    """A well-formed language tag, its primary subtag lower-cased ("DE-at" → "de-at"); else None."""
    if not isinstance(value, str) or not _LANGUAGE.match(value):
        return None
    return value.lower()


def read_content(document: dict) -> tuple[str | None, str | None]:
    """(HTML, language) of an object: `content`, else the first usable `contentMap` entry.

    The language is the contentMap key whose text is the content (or the first well-formed key).
    """
    content = document.get("content")
    content = content if isinstance(content, str) else None
    entries = document.get("contentMap")
    entries = [(language_tag(k), v) for k, v in entries.items()] if isinstance(entries, dict) else []
    entries = [(k, v) for k, v in entries if k and isinstance(v, str)]
    if content is None:
        return (entries[0][1], entries[0][0]) if entries else (None, None)
    same = next((k for k, v in entries if v == content), None)
    return content, same or (entries[0][0] if entries else None)


def content_map(html: str, language: str | None) -> dict:
    """`contentMap` for a document we write (nothing when the language is not known)."""
    return {"contentMap": {language: html}} if language else {}


def markdown_source(obj: dict, field: str = "source") -> str | None:
    """A client's Markdown from `source`: a string, or `{content, mediaType}`; None when absent.

    Any other shape is refused (400) rather than dropped, so an idea is never published empty.
    """
    source = obj.get("source")
    if source is None:
        return None
    if isinstance(source, str):
        return source
    if isinstance(source, dict) and isinstance(source.get("content"), str):
        media_type = source.get("mediaType", "text/markdown")
        if media_type in MARKDOWN_TYPES:
            return source["content"]
        raise BadRequest(f"source.mediaType must be one of {', '.join(MARKDOWN_TYPES)}",
                         field=f"{field}.mediaType", code="invalid_choice", params={"choices": ", ".join(MARKDOWN_TYPES)})
    raise BadRequest("source must be Markdown text, or an object with content (text) and mediaType "
                     "text/markdown", field=field, code="not_text")


def image_media_type(url: str | None, given=None) -> str | None:
    """An image's media type: the one given if it is an image type we show, else guessed from the URL's file name."""
    if isinstance(given, str) and given.lower() in IMAGE_TYPES:
        return given.lower()
    if not isinstance(url, str):
        return None
    guessed, _ = mimetypes.guess_type(urlsplit(url).path, strict=False)
    if guessed is None and urlsplit(url).path.lower().endswith(".avif"):
        guessed = "image/avif"  # not in every Python's table
    return guessed if guessed in IMAGE_TYPES else None
