"""What one running instance shares between routes and workers: config, database, HTTP client.

Handlers and workers get a Runtime passed in; only routes look it up from the app.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field

from quart import current_app

from .config import Config
from .domainpolicy import PolicyTable
from .http import HttpClient
from .store import Database, PostgresDatabase
from .wakeups import Wakeup


@dataclass
class Runtime:
    config: Config
    db: Database | PostgresDatabase
    http: HttpClient
    # Set when a row is added to a queue, so its worker starts at once instead of at its next poll
    # (in every process on the database, once wakeups.share connected them).
    inbox_wakeup: Wakeup = field(default_factory=Wakeup)
    delivery_wakeup: Wakeup = field(default_factory=Wakeup)
    # Set after a change that may alter an idea's counts, so the civic worker publishes them.
    civic_wakeup: Wakeup = field(default_factory=Wakeup)
    # Set after a mail was queued (mail.queue), so the mail worker sends it at once.
    mail_wakeup: Wakeup = field(default_factory=Wakeup)
    # Set after a domain policy changed here, so the domain worker starts a suspension's purge.
    policy_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    # Set after a local suspension (or a test moving its end), so the suspension worker looks again.
    moderation_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    # Set after an account was deleted, so the purge worker reckons its next purge again.
    purge_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    # In-memory caches of this instance, each kept by the module that owns it
    # (actors.remote: key id -> actor, so verifying an inbox POST needs no database read).
    caches: dict = field(default_factory=dict)
    # This process's name on the rows its workers claim (locked_by) and in the workers table:
    # random, minted at start, so a restart is another holder than the process it replaces.
    process_id: str = field(default_factory=lambda: secrets.token_hex(8))
    # The domain policy in force (config's blocked_domains + domain_policies), kept current by
    # moderation.domains; None here means "the config list until moderation.domains.load".
    domains: PolicyTable = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.domains is None:
            self.domains = PolicyTable.from_config(self.config)
        # Every outgoing request asks the live table (a suspension or an allowlist change needs no restart).
        self.http.blocked = self.domains.refused


def current() -> Runtime:
    """The Runtime of the app serving this request."""
    return current_app.extensions["wecreate"]
