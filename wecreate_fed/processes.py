"""Which workers a process runs: all of them inside `serve` (SQLite, one process), or the queues
named by `wecreate-fed worker --queues …` in processes of their own, any number on one database.

The queues: `inbox` (stored incoming activities), `delivery` (outgoing POSTs), `civic` (the
counts' Updates), `mail` (the mail queue) and `housekeeping` (node info, suspensions' ends,
notification mails and digests, account purges, retention, the figures' fold). Every process, whatever it works,
keeps the domain policy and the allowlist current (they guard its outgoing requests).

A process that owns the database alone (`serve` on SQLite with its workers) takes every lease
over at start (leases.take_over); one that shares the queues joins the others (leases.join)
and gives back only what dead processes held. Both beat (leases.LeaseKeeper) while they work.
"""

from __future__ import annotations

import asyncio
import logging

import inbox.worker
from outbox.delivery import DeliveryWorker

from . import leases, mail, nodeinfo, wakeups
from .civic import figures, purge
from .civic import worker as civic_worker
from .errors import ConfigError
from .mail.worker import MailWorker
from .moderation import allowlist
from .moderation import domains as domain_policy
from .moderation import worker as moderation_worker
from .notify.worker import NotifyWorker
from .retention import RetentionWorker
from .runtime import Runtime
from .workers import Supervisor

log = logging.getLogger(__name__)

QUEUES = ("inbox", "delivery", "civic", "mail", "housekeeping")


def parse_queues(text: str) -> tuple[str, ...]:
    """"inbox,delivery" → ("inbox", "delivery"); an unknown or empty name is a ConfigError."""
    names = [name.strip().lower() for name in text.split(",")]
    unknown = [name for name in names if name not in QUEUES]
    if unknown or not names:
        raise ConfigError(f"unknown queue {', '.join(repr(n) for n in unknown) or '(none)'}: "
                          f"choose from {', '.join(QUEUES)}")
    return tuple(name for name in QUEUES if name in names)


async def claim_leases(rt: Runtime, conn, *, alone: bool) -> None:
    """Before the workers start, in the start-up transaction: the leases of this process."""
    released = await (leases.take_over(conn, rt) if alone else leases.join(conn, rt))
    if released:
        # (No wake-up needed: the workers start after this and find the rows at their first round.)
        log.warning("released %d incoming and %d delivery rows claimed before a restart",
                    released.incoming, released.deliveries)


def start_guards(rt: Runtime, supervisor: Supervisor) -> None:
    """What every process runs: the domain policy (other processes' changes, a suspension's purge)
    and, on a private instance, the allowlist."""
    supervisor.start(domain_policy.DomainWorker(rt))
    if rt.config.private:
        supervisor.start(allowlist.AllowlistWorker(rt))


def start_workers(rt: Runtime, supervisor: Supervisor, queues: tuple[str, ...]) -> None:
    """The workers of `queues` (claim_leases first), then the lease keeper, which stops last."""
    config = rt.config
    if "inbox" in queues:
        for number in range(1, inbox.worker.side_by_side(rt) + 1):
            supervisor.start(inbox.worker.InboxWorker(rt, number))
    if "delivery" in queues:
        supervisor.start(DeliveryWorker(rt))
    if "civic" in queues:
        supervisor.start(civic_worker.CivicWorker(rt))
    if "housekeeping" in queues:
        supervisor.start(nodeinfo.NodeInfoWorker(rt))
        supervisor.start(moderation_worker.SuspensionWorker(rt))
    if "mail" in queues and config.email_enabled:
        supervisor.start(MailWorker(config, rt.db, wakeup=rt.mail_wakeup, process_id=rt.process_id))
    if "housekeeping" in queues:
        supervisor.start(NotifyWorker(rt))  # notification mails at once, and the digests
        supervisor.start(purge.PurgeWorker(rt))
        supervisor.start(figures.FiguresWorker(rt))   # PostgreSQL's figures_changes folded
        if config.retention_enabled:
            supervisor.start(RetentionWorker(rt.db, config))
    if queues:
        supervisor.start(leases.LeaseKeeper(rt))  # last: it stops last, after the others gave back theirs


def share_wakeups(rt: Runtime, queues: tuple[str, ...]) -> list[asyncio.Task]:
    """This process's wake-ups reach the others; theirs wake the workers of `queues` here."""
    mail.attach(rt.config, rt.mail_wakeup)  # mail.queue has no Runtime at hand
    return wakeups.share(rt, listen=tuple(q for q in queues if q in wakeups.CHANNELS))
