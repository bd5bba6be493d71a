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
from collections.abc import Callable

from wecreate_fed.config import Config
from wecreate_fed.store import AnyDatabase, Connection
from wecreate_fed.store import mail as mail_store

from .render import compose

__all__ = ["compose", "queue", "valid_address", "wake", "EMAIL_MAX"]

EMAIL_MAX = 254  # RFC 5321's limit on a forward path
# Deliberately plain: one @, no spaces or angle brackets, a dot in the domain. Whether the address
# exists only its confirmation link can tell.
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+\.[^@\s<>()\[\],;:\"\\.]{2,}$")

# The MailWorker of each database in this process waits on its event; `queue` sets it once the
# caller's transaction committed (the database's after_commit): woken earlier, the worker could
# claim before the COMMIT, find nothing (PostgreSQL does not wait for it) and sleep until its poll.
_wakeups: dict[str, tuple[asyncio.Event, Callable[[Callable[[], None]], None]]] = {}


def valid_address(address: str) -> bool:
    return len(address) <= EMAIL_MAX and bool(_ADDRESS.match(address))


def new_wakeup(config: Config, db: AnyDatabase) -> asyncio.Event:
    """A fresh event for the MailWorker of this instance's database to sleep on (one per start,
    so that an event never outlives the event loop it was used in)."""
    event = asyncio.Event()
    _wakeups[config.database_url] = (event, db.after_commit)
    return event


def wake(config: Config) -> None:
    """Wake this process's MailWorker once what the current task wrote is committed."""
    found = _wakeups.get(config.database_url)
    if found is not None:
        event, after_commit = found
        after_commit(event.set)


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
