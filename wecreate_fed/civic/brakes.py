"""Spam brakes for new accounts (config [moderation]): an account younger than
new_account_link_hours may put at most new_account_max_links links in one idea or comment,
refused as a form problem on the field that holds them (code too_many_links); and an account's
first hold_first_posts ideas and comments wait for a moderator before they are shown or sent
(lifecycle.publish's `held`, released by moderation/held.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from wecreate_fed.config import Config
from wecreate_fed.errors import BadRequest
from wecreate_fed.store import Connection, sanctions, utcnow
from wecreate_fed.store.actors import Actor

# What a reader can follow: a written URL or a www. address (Markdown links and bare ones alike).
LINK = re.compile(r"(?i)\b(?:https?://|www\.)")


def is_new(config: Config, actor: Actor) -> bool:
    created = datetime.fromisoformat(actor.created_at.replace("Z", "+00:00"))
    return utcnow() - created < timedelta(hours=config.new_account_link_hours)


def check_links(config: Config, actor: Actor, texts: Iterable[str | None], field: str) -> None:
    """BadRequest (field, too_many_links) when a new account's post holds more links than allowed."""
    if not actor.is_local or not is_new(config, actor):
        return
    found = sum(len(LINK.findall(text)) for text in texts if isinstance(text, str))
    if found > config.new_account_max_links:
        hours = int(config.new_account_link_hours) if config.new_account_link_hours.is_integer() \
            else config.new_account_link_hours
        raise BadRequest(f"accounts younger than {hours} hours may post at most {config.new_account_max_links} "
                         f"links per post", field=field, code="too_many_links",
                         params={"limit": config.new_account_max_links, "hours": hours})


async def held(conn: Connection, config: Config, author: Actor) -> bool:
    """Whether the author's next idea or comment waits for a moderator (its first hold_first_posts)."""
    if config.hold_first_posts <= 0 or not author.is_local:
        return False
    return await sanctions.count_posts(conn, author.id) < config.hold_first_posts
