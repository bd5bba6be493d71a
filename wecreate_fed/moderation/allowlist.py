"""The allowlist of a private instance (`instance.mode = "private"`), as Mastodon's limited
federation mode and GoToSocial's allowlist mode: only these servers federate with us.

In private mode a server off the list is refused everywhere a suspended one is (http.py's guard:
we neither deliver to nor fetch from it; the inbox answers 403; actors/private_guard.py answers
its signed GETs 403). An entry is a domain (covering its subdomains, any port) or host:port (one
server of a host, e.g. two instances on one machine). config's `federation.allowed_domains` is the
base: always allowed, shown in the list, not removable here.

Without a restart: the list in force lives in memory (`rt.domains.allow`), consulted on every
request. A change made in this process reloads it at once; every change bumps a version counter
in `settings`, which AllowlistWorker of each serving process reads every WATCH_SECONDS, so a change
made with the CLI applies within a second. After a removal the pending deliveries to hosts no
longer allowed are given up (state failed): nothing queued before reaches them later. Cached
actors and objects of a removed server are kept (unlike a suspension's purge): they leave nothing
here, and adding the server back then needs no refetch.
"""

from __future__ import annotations

import asyncio
import logging

from wecreate_fed import hosts
from wecreate_fed.domainpolicy import Allowed
from wecreate_fed.errors import BadRequest, Conflict, NotFound
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import allowlist as store
from wecreate_fed.store import audit
from wecreate_fed.workers import Worker

from .roles import By

log = logging.getLogger(__name__)

WATCH_SECONDS = 1.0
COMMENT_MAX = 500


def normalise(text: str, field: str = "domain") -> str:
    """An entry as stored ("example.org", "example.org:8443"); BadRequest naming the field otherwise."""
    if not (text or "").strip():
        raise BadRequest("the domain is required", field=field, code="required")
    try:
        return hosts.allow_entry(text)
    except hosts.InvalidURL as e:
        raise BadRequest(f"'{text.strip()[:100]}' is not a domain or host:port ({e})", field=field,
                         code="allow_domain", params={"domain": text.strip()[:100]}) from None


def entries(rt: Runtime) -> list[Allowed]:
    """The list in force: config's entries and the stored ones, by domain."""
    return rt.domains.allow.all()


async def add(rt: Runtime, domain: str, *, comment: str = "", by: By) -> tuple[Allowed, bool]:
    """Allow one server (audited); in force at once. (entry, False) if it was already on the list."""
    name = normalise(domain)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise BadRequest(f"the comment is longer than {COMMENT_MAX} characters", field="comment", code="too_long",
                         params={"max": COMMENT_MAX})
    if name in rt.domains.allow.base:
        return rt.domains.allow.base[name], False
    async with rt.db.transaction() as conn:
        added = await store.add(conn, name, comment=comment, added_by=by.name)
        await audit.record(conn, by.actor_id, by.name, "allowlist.add" if added else "allowlist.comment", name,
                           after={"comment": comment})
        await store.VERSION.bump(conn)
    await load(rt)
    return Allowed(name, comment, by.name), added


async def remove(rt: Runtime, domain: str, *, by: By) -> int:
    """Take one server off the list (audited); in force at once. How many queued deliveries were dropped."""
    name = normalise(domain)
    if name in rt.domains.allow.base:
        raise Conflict(f"{name} is in federation.allowed_domains of the configuration; remove it there",
                       field="domain", code="allow_in_config", params={"domain": name})
    async with rt.db.transaction() as conn:
        if not await store.remove(conn, name):
            raise NotFound(f"{name} is not on the allowlist", field="domain", code="not_allowed",
                           params={"domain": name})
        await audit.record(conn, by.actor_id, by.name, "allowlist.remove", name)
        await store.VERSION.bump(conn)
    await load(rt)
    return await drop_refused_deliveries(rt)


async def load(rt: Runtime) -> None:
    """Read the stored entries into memory (at start and after a change)."""
    reader = rt.db.reader
    version = await store.VERSION.value(reader)
    rt.domains.allow.replace(await store.list_entries(reader), version)


async def drop_refused_deliveries(rt: Runtime) -> int:
    """Give up the pending deliveries to every host the list no longer allows (private mode only)."""
    if not rt.config.private:
        return 0
    refused = [h for h in await store.pending_delivery_hosts(rt.db.reader)
               if not rt.domains.allow.allows(h)]
    dropped = 0
    if refused:
        async with rt.db.transaction() as conn:
            for host in refused:
                n = await store.drop_deliveries_to(conn, host, f"given up: {host} is not on the allowlist")
                if n:
                    log.warning("gave up %d deliveries to %s: it is not on the allowlist", n, host)
                dropped += n
    return dropped


class AllowlistWorker(Worker):
    """Keeps `rt.domains.allow` current when another process changed the list (the version counter),
    and then gives up the deliveries queued for servers no longer on it (also once at start)."""

    name = "allowlist-worker"
    max_idle_wait = WATCH_SECONDS

    def __init__(self, rt: Runtime):
        super().__init__(asyncio.Event())
        self.rt = rt
        self.seen: str | None = "never"   # the version at the last round (start: look once)

    async def run_once(self) -> int:
        version = await store.VERSION.value(self.rt.db.reader)
        if version == self.seen:
            return 0
        if version != self.rt.domains.allow.version:
            await load(self.rt)
        self.seen = version
        await drop_refused_deliveries(self.rt)
        return 0
