"""What one running instance shares between routes and workers: config, database, HTTP client.

Handlers and workers get a Runtime passed in; only routes look it up from the app.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from quart import current_app

from .config import Config
from .http import HttpClient
from .store import Database


@dataclass
class Runtime:
    config: Config
    db: Database
    http: HttpClient
    # Set when a row is added to a queue, so its worker starts at once instead of at its next poll.
    inbox_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    delivery_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    # Set after a change that may alter an idea's counts, so the civic worker publishes them.
    civic_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    # Set after a local suspension (or a test moving its end), so the suspension worker looks again.
    moderation_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    # In-memory caches of this instance, each kept by the module that owns it
    # (actors.remote: key id -> actor, so verifying an inbox POST needs no database read).
    caches: dict = field(default_factory=dict)


def current() -> Runtime:
    """The Runtime of the app serving this request."""
    return current_app.extensions["wecreate"]
