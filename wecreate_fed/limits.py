"""Size caps on what other servers send us, one table, applied before anything is stored.

Text over its cap is cut (and the cut logged); a structure over its cap (too many tags,
attachments or recipients, an actor document too large) is refused. FEDERATION.md lists
the same figures. They are generous: Mastodon's own limits (30 characters of display name,
500 of bio, 500 of a post by default, 4 attachments) fit many times over.
"""

from __future__ import annotations

import json
import logging

from .errors import BadRequest

log = logging.getLogger(__name__)

# text, in characters (cut before sanitising, so that nh3 never reads more than this)
ACTOR_NAME = 200
ACTOR_USERNAME = 100
ACTOR_SUMMARY = 10_000
TITLE = 300            # idea, event and box-post titles, motion titles
SUMMARY = 5_000        # idea and event summaries
CONTENT = 100_000      # note, idea, event and motion bodies (HTML)
URL = 2_048            # any single URL we keep (icon, image, url, online link)
# structures, in items
TAGS = 100             # tags / hashtags / mentions per object
ATTACHMENTS = 20       # attachments per object (and actor profile fields)
RECIPIENTS = 1_000     # ids in to + cc + bto + bcc + audience together
# documents, in bytes of JSON
ACTOR_DOCUMENT = 256_000

# property -> its cap, for objects and activities (an actor's own are in trim_actor)
OBJECT_TEXT = {"name": TITLE, "summary": SUMMARY, "abstract": SUMMARY, "content": CONTENT}
ACTOR_TEXT = {"name": ACTOR_NAME, "summary": ACTOR_SUMMARY, "preferredUsername": ACTOR_USERNAME}
ADDRESS_FIELDS = ("to", "cc", "bto", "bcc", "audience")


def cut(value: str | None, limit: int, what: str) -> str | None:
    """The text cut to `limit` characters; a cut is logged, since it means a remote sent more than we keep."""
    if value is None or len(value) <= limit:
        return value
    log.info("cut %s from %d to %d characters", what, len(value), limit)
    return value[:limit]


def too_many(items, limit: int) -> bool:
    """True when a list (or one value, counted as one) has more than `limit` items."""
    return isinstance(items, list) and len(items) > limit


def _count(value) -> int:
    return len(value) if isinstance(value, list) else int(value is not None)


def check_structures(document: dict, where: str = "object") -> None:
    """BadRequest when a document has more tags, attachments or recipients than we keep."""
    for name, limit in (("tag", TAGS), ("attachment", ATTACHMENTS)):
        if _count(document.get(name)) > limit:
            raise BadRequest(f"the {where} has {_count(document[name])} {name} entries, more than the {limit} "
                             "accepted", field=f"{where}.{name}", code="too_many", params={"limit": limit})
    recipients = sum(_count(document.get(name)) for name in ADDRESS_FIELDS)
    if recipients > RECIPIENTS:
        raise BadRequest(f"the {where} names {recipients} recipients, more than the {RECIPIENTS} accepted",
                         field=f"{where}.to", code="too_many", params={"limit": RECIPIENTS})


def _cut_texts(document: dict, caps: dict[str, int], where: str) -> dict:
    out = dict(document)
    for name, limit in caps.items():
        if isinstance(out.get(name), str):
            out[name] = cut(out[name], limit, f"{where}.{name}")
        if isinstance(out.get(name + "Map"), dict):
            out[name + "Map"] = {k: cut(v, limit, f"{where}.{name}Map") if isinstance(v, str) else v
                                 for k, v in list(out[name + "Map"].items())[:20]}
    source = out.get("source")
    if isinstance(source, dict) and isinstance(source.get("content"), str):
        out["source"] = {**source, "content": cut(source["content"], CONTENT, f"{where}.source")}
    return out


def capped(document: dict, where: str = "activity") -> dict:
    """A remote activity or object within the caps: its text (and its embedded object's) cut, its
    structures checked (BadRequest when over). Applied where documents enter the inbox's handlers."""
    check_structures(document, where)
    out = _cut_texts(document, OBJECT_TEXT, where)
    inner = out.get("object")
    if isinstance(inner, dict):
        check_structures(inner, f"{where}.object")
        out["object"] = _cut_texts(inner, OBJECT_TEXT, f"{where}.object")
    return out


def trim_actor(document: dict) -> dict:
    """An actor document as we keep it: text cut, tag and attachment lists cut to their caps (an
    actor is refused for neither, or none of its activities could be verified), and then refused
    (BadRequest) if it is still larger than ACTOR_DOCUMENT bytes of JSON."""
    out = _cut_texts(document, ACTOR_TEXT, "actor")
    for name, limit in (("tag", TAGS), ("attachment", ATTACHMENTS)):
        if isinstance(out.get(name), list) and len(out[name]) > limit:
            log.info("cut actor.%s from %d to %d entries", name, len(out[name]), limit)
            out[name] = out[name][:limit]
    size = len(json.dumps(out))
    if size > ACTOR_DOCUMENT:
        raise BadRequest(f"the actor document is {size} bytes, more than the {ACTOR_DOCUMENT} accepted",
                         field="actor", code="too_large", params={"limit": ACTOR_DOCUMENT})
    return out
