"""The mail worker: sends queued mails over SMTP, retries with back-off, gives up after days.

aiosmtplib talks SMTP on the event loop itself (no thread per mail), so a worker stopping at
SIGTERM cancels a hanging connection at once, as it does an HTTP delivery. One connection per
round carries every mail claimed in it.

An answer of the server decides a mail's fate as an HTTP status decides a delivery's: a 5xx for
the recipient (no such mailbox) or the message ends it as failed; no connection, a timeout, a
4xx, or a refused login or sender (our configuration, mended by the operator) is retried
(retry base doubling up to its cap), until the mail is email.give_up_days old. A crash between
the server's "250 OK" and our record of it sends that mail again at the next start (at least
once, never lost).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import datetime, timedelta

import aiosmtplib

from wecreate_fed.config import Config
from wecreate_fed.store import AnyDatabase, iso, utcnow
from wecreate_fed.store import mail as mail_store
from wecreate_fed.workers import Worker

from . import render

log = logging.getLogger(__name__)

BATCH = 50             # mails claimed (and sent over one connection) per round
KEEP_DAYS = 30         # how long the record of a sent or given-up mail (without its body) is kept
PRUNE_EVERY = 3600.0   # seconds between two prunings of those records
LOCK_SECONDS = 600.0   # the lease; a crashed process's mails are taken back at its next start at once


def retry_delay(config: Config, attempts: int, rand=random.random) -> float:
    """Seconds before attempt `attempts + 1`: the base doubling to the cap, with jitter."""
    base, cap = config.email_retry_base_seconds, config.email_retry_cap_seconds
    return min(cap, base * 2 ** min(attempts, 30)) * (1 + rand() / 4)


def outcome(config: Config, error: Exception | None, *, attempts: int, created_at: str) -> tuple[str, float | None]:
    """(state, retry delay) of an attempt that ended with `error` (None: accepted)."""
    if error is None:
        return "sent", None
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        error = error.recipients[0]  # one recipient per mail: its own answer
    # Only a refusal of this mail itself is final: its recipient, or its content. A refused login
    # or sender is our configuration's fault, retried until the operator has mended it.
    permanent = (isinstance(error, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError)
                 and 500 <= error.code < 600)
    age = (utcnow() - datetime.fromisoformat(created_at.replace("Z", "+00:00"))).total_seconds()
    if permanent or age >= config.email_give_up_days * 86400:
        return "failed", None
    return "pending", retry_delay(config, attempts)


def describe(error: Exception) -> str:
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        error = error.recipients[0]
    text = f"{error.__class__.__name__}: {error}"
    return text[:500]


async def send(config: Config, mails: list[tuple[str, bytes]]) -> list[Exception | None]:
    """Send (recipient, message) pairs over one connection: each one's error, or None if accepted.
    A connection that fails fails every mail alike."""
    client = aiosmtplib.SMTP(
        hostname=config.email_host, port=config.email_port, timeout=config.email_timeout_seconds,
        use_tls=config.email_security == "tls", start_tls=config.email_security == "starttls",
        username=config.email_user or None, password=config.email_password or None,
        cert_bundle=config.email_ca_file or None)
    try:
        await client.connect()
    except (aiosmtplib.SMTPException, OSError) as error:
        return [error] * len(mails)
    results: list[Exception | None] = []
    try:
        for recipient, message in mails:
            try:
                await client.sendmail(render.envelope_sender(config), [recipient], message)
                results.append(None)
            except aiosmtplib.SMTPServerDisconnected as error:
                results += [error] * (len(mails) - len(results))  # this one and the rest: next round
                break
            except (aiosmtplib.SMTPException, OSError) as error:
                results.append(error)
    finally:
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            client.close()
    return results


class MailWorker(Worker):
    name = "mail-worker"

    def __init__(self, config: Config, db: AnyDatabase, *, wakeup: asyncio.Event, process_id: str):
        super().__init__(wakeup)
        self.config = config
        self.db = db
        self.process_id = process_id
        self._claimed: set[int] = set()
        self._started = False
        self._pruned_at = -PRUNE_EVERY
        self.sent = 0

    async def run_once(self) -> int:
        if not self._started:
            # This process owns the SQLite database: what a crashed run had claimed is free now.
            async with self.db.transaction() as conn:
                if released := await mail_store.release_all_mails(conn):
                    log.warning("released %d mails claimed before a restart", released)
            self._started = True
        if time.monotonic() - self._pruned_at >= PRUNE_EVERY:
            async with self.db.transaction() as conn:
                await mail_store.prune_mails(conn, iso(utcnow() - timedelta(days=KEEP_DAYS)))
            self._pruned_at = time.monotonic()
        async with self.db.transaction() as conn:
            rows = await mail_store.claim_mails(conn, limit=BATCH, lock_seconds=LOCK_SECONDS, owner=self.process_id)
        if not rows:
            return 0
        self._claimed.update(row["id"] for row in rows)
        results = await self._send(rows)
        outcomes = []
        for row, error in zip(rows, results, strict=True):
            state, delay = outcome(self.config, error, attempts=row["attempts"], created_at=row["created_at"])
            if error is not None:
                log.log(logging.WARNING if state == "failed" else logging.INFO, "mail %d to %s: %s (%s)",
                        row["id"], row["recipient"], describe(error), state)
            outcomes.append((row["id"], state, None if error is None else describe(error), delay))
        async with self.db.transaction() as conn:
            await mail_store.mark_mails(conn, outcomes)
        self._claimed.difference_update(row["id"] for row in rows)
        self.sent += sum(1 for _, state, _, _ in outcomes if state == "sent")
        return len(rows)

    async def _send(self, rows) -> list[Exception | None]:
        return await send(self.config, [(row["recipient"], bytes(row["message"])) for row in rows])

    async def next_due(self) -> str | None:
        return await mail_store.next_mail_due(self.db.reader)

    async def release(self) -> None:
        if self._claimed:
            async with self.db.transaction() as conn:
                await mail_store.release_mails(conn, sorted(self._claimed))
            self._claimed.clear()
