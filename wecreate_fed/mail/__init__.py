"""Email: mails rendered in the recipient's language and queued durably in the caller's transaction.

    await mail.queue(conn, config, to="x@y", lang="de", template="reset", values={...},
                     unsubscribe_url=None | "https://…")

renders `templates/<template>.txt` and `.html` (Jinja, with `_()` speaking `lang`; the text
template sets the subject with `{% set subject = … %}`), builds the whole message (both parts,
the common footer, and with `unsubscribe_url` the RFC 8058 headers `List-Unsubscribe` and
`List-Unsubscribe-Post: List-Unsubscribe=One-Click` and the link in both parts) and adds it to
the `mails` table. The MailWorker (mail/worker.py) sends it once the transaction committed and
retries with back-off while the SMTP server is away. Without an [email] host, email is off:
`queue` returns None and stores nothing (the admin pages say so).
"""

from __future__ import annotations

import asyncio
import re

from wecreate_fed.config import Config
from wecreate_fed.store import Connection
from wecreate_fed.store import mail as mail_store

from .render import compose

__all__ = ["attach", "compose", "queue", "valid_address", "wake", "EMAIL_MAX"]

EMAIL_MAX = 254  # RFC 5321's limit on a forward path
# Deliberately plain: one @, no spaces or angle brackets, a dot in the domain. Whether the address
# exists only its confirmation link can tell.
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+\.[^@\s<>()\[\],;:\"\\.]{2,}$")

# Each database's Runtime.mail_wakeup in this process (wakeups.Wakeup, registered by `attach`):
# set by `queue`, it wakes the MailWorker, here or in another process, once the caller's
# transaction committed.
_wakeups: dict[str, asyncio.Event] = {}


def valid_address(address: str) -> bool:
    return len(address) <= EMAIL_MAX and bool(_ADDRESS.match(address))


def attach(config: Config, wakeup: asyncio.Event) -> None:
    """The event `queue` sets for this instance's database in this process (one per start, so
    that an event never outlives the event loop it was used in)."""
    _wakeups[config.database_url] = wakeup


def wake(config: Config) -> None:
    event = _wakeups.get(config.database_url)
    if event is not None:
        event.set()


async def queue(conn: Connection, config: Config, *, to: str, lang: str, template: str, values: dict,
                unsubscribe_url: str | None = None) -> int | None:
    """Queue one mail inside the caller's transaction; its id, or None when email is off."""
    if not config.email_enabled:
        return None
    if not valid_address(to):
        raise ValueError(f"not an email address: {to!r}")
    message = compose(config, to=to, lang=lang, template=template, values=values, unsubscribe_url=unsubscribe_url)
    mail_id = await mail_store.add_mail(conn, recipient=to, template=template, message=message)
    wake(config)
    return mail_id
