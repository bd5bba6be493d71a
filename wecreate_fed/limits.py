"""Size caps on what other servers send us, one table, applied before anything is stored.

Text over its cap is cut (and the cut logged); a structure over its cap (too many tags,
attachments or recipients, an actor document too large) is refused. FEDERATION.md lists
the same figures. They are generous: Mastodon's own limits (30 characters of display name,
500 of bio, 500 of a post by default, 4 attachments) fit many times over.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

# text, in characters (after sanitising, so markup does not count twice)
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


def cut(value: str | None, limit: int, what: str) -> str | None:
    """The text cut to `limit` characters; a cut is logged, since it means a remote sent more than we keep."""
    if value is None or len(value) <= limit:
        return value
    log.info("cut %s from %d to %d characters", what, len(value), limit)
    return value[:limit]


def too_many(items, limit: int) -> bool:
    """True when a list (or one value, counted as one) has more than `limit` items."""
    return isinstance(items, list) and len(items) > limit
