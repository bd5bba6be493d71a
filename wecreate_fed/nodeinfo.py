"""What software the other instances run: their NodeInfo, asked for in the background.

`NodeInfoWorker` adds every host we know an actor from to the known instances (at most every
DISCOVER_EVERY seconds), and asks each for its NodeInfo at most once a day (FETCH_EVERY):
GET /.well-known/nodeinfo, then the newest 2.x document it links to, both through http.py (the
address guard, blocked domains, size caps and timeouts apply). What it says is stored
(store/admin_stats); a failure is stored as the error and what was known before stays.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import hosts
from .errors import WeCreateError
from .runtime import Runtime
from .store import admin_stats, iso, utcnow
from .workers import Worker

log = logging.getLogger(__name__)

FETCH_EVERY = 24 * 3600.0     # seconds between two questions to one host
DISCOVER_EVERY = 600.0        # seconds between two looks for new hosts
BATCH, CONCURRENCY = 20, 4
WAKEUP = "nodeinfo.wakeup"  # rt.caches: the worker's wake-up event
SCHEMA = re.compile(r"^https?://nodeinfo\.diaspora\.software/ns/schema/2\.(\d+)$")


@dataclass(frozen=True)
class NodeInfo:
    software: str
    version: str | None
    users: int | None
    open_registrations: bool | None
    # metadata.city of a WeCreate instance (the name its ideas are labelled with here), metadata.nodeName
    city: str | None = None
    node_name: str | None = None


def document_url(links: dict) -> str:
    """The newest NodeInfo 2.x document a /.well-known/nodeinfo answer links to."""
    found: list[tuple[int, str]] = []
    entries = links.get("links")
    for link in entries if isinstance(entries, list) else []:
        if not isinstance(link, dict) or not isinstance(link.get("rel"), str):
            continue
        match = SCHEMA.match(link["rel"].strip())
        if match and hosts.is_valid_url(link.get("href")):
            found.append((int(match.group(1)), link["href"]))
    if not found:
        raise WeCreateError("its /.well-known/nodeinfo links to no NodeInfo 2.x document", code="no_nodeinfo")
    return max(found)[1]


def parse(document: dict) -> NodeInfo:
    """The software's name and version, the number of users and whether registration is open."""
    software = document.get("software")
    name = software.get("name") if isinstance(software, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise WeCreateError("its NodeInfo names no software", code="no_nodeinfo")
    version = software.get("version") if isinstance(software, dict) else None
    usage = document.get("usage")
    users = usage.get("users") if isinstance(usage, dict) else None
    total = users.get("total") if isinstance(users, dict) else None
    registrations = document.get("openRegistrations")
    found = document.get("metadata")
    metadata: dict = found if isinstance(found, dict) else {}
    return NodeInfo(
        software=name.strip().lower()[:100],
        version=version.strip()[:100] if isinstance(version, str) and version.strip() else None,
        users=total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else None,
        open_registrations=registrations if isinstance(registrations, bool) else None,
        city=_name(metadata.get("city")), node_name=_name(metadata.get("nodeName")),
    )


def _name(value: object) -> str | None:
    """A short name as plain text (another server's words: no markup, at most 100 characters)."""
    if not isinstance(value, str):
        return None
    text = " ".join(re.sub(r"<[^>]*>", "", value).split())[:100]
    return text or None


async def ask_soon(rt: Runtime, found: list[str]) -> None:
    """Hosts whose ideas are shown but are no known instance yet become one, and the worker asks
    every host never asked at once (not at its next look for new hosts, minutes away)."""
    asked = False
    for host in dict.fromkeys(h for h in found if h and h != rt.config.host):
        row = await admin_stats.get_instance(rt.db.reader, host)
        if row is None:
            async with rt.db.transaction() as conn:
                await admin_stats.add_instances(conn, [host])
        asked = asked or row is None or row["last_fetched"] is None
    wakeup = rt.caches.get(WAKEUP)
    if asked and wakeup is not None:
        # Once the new row is committed: inside the inbox worker's batch, at its commit (woken
        # earlier, the worker found nothing due and slept until its next discovery).
        rt.db.after_commit(wakeup.set)


async def fetch(rt: Runtime, base: str) -> NodeInfo:
    """The NodeInfo of the server at `base` (scheme://host[:port])."""
    links = await rt.http.get_json(f"{base}/.well-known/nodeinfo")
    return parse(await rt.http.get_json(document_url(links), accept="application/json"))


async def base_of(rt: Runtime, host: str) -> str:
    """scheme://host of the instance, by the id of an actor we know from it (https when none says)."""
    ap_id = await admin_stats.an_ap_id_from(rt.db.reader, host)
    scheme = hosts.parse_url(ap_id).scheme if ap_id and hosts.is_valid_url(ap_id) else "https"
    return f"{scheme}://{host}"


async def refresh(rt: Runtime, host: str) -> None:
    """Ask one host and store the answer or the error."""
    try:
        async with asyncio.timeout(rt.config.fetch_timeout_seconds * 3):
            info = await fetch(rt, await base_of(rt, host))
    except (WeCreateError, TimeoutError) as error:
        message = str(error) or type(error).__name__
        async with rt.db.transaction() as conn:
            await admin_stats.record_nodeinfo_error(conn, host, message)
        log.info("NodeInfo of %s: %s", host, message)
        return
    async with rt.db.transaction() as conn:
        await admin_stats.record_nodeinfo(conn, host, software=info.software, version=info.version, users=info.users,
                                          open_registrations=info.open_registrations, city=info.city,
                                          node_name=info.node_name)


class NodeInfoWorker(Worker):
    name = "nodeinfo-worker"
    max_idle_wait = DISCOVER_EVERY

    def __init__(self, rt: Runtime):
        super().__init__(asyncio.Event())
        self.rt = rt
        rt.caches[WAKEUP] = self.wakeup  # ask_soon() wakes it
        self._discovered_at: float | None = None

    async def discover(self) -> int:
        """New hosts among the actors we know become known instances; how many."""
        new = [host for host in await admin_stats.domains_not_in_instances(self.rt.db.reader)
               if host != self.rt.config.host]
        if new:
            async with self.rt.db.transaction() as conn:
                await admin_stats.add_instances(conn, new)
        return len(new)

    async def run_once(self) -> int:
        if self._discovered_at is None or time.monotonic() - self._discovered_at >= DISCOVER_EVERY:
            await self.discover()
            self._discovered_at = time.monotonic()
        due = await admin_stats.instances_due(
            self.rt.db.reader, fetched_before=iso(utcnow() - timedelta(seconds=FETCH_EVERY)),
            limit=BATCH)
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(host: str) -> None:
            async with gate:
                if not self.stopping.is_set():
                    await refresh(self.rt, host)
        await asyncio.gather(*(one(host) for host in due))
        return len(due)

    async def next_due(self) -> str | None:
        """A day after the least recently asked host was asked (new hosts: at the next discovery)."""
        oldest = await admin_stats.next_instance_due(self.rt.db.reader)
        if oldest is None:
            return None
        return iso(datetime.fromisoformat(oldest.replace("Z", "+00:00")) + timedelta(seconds=FETCH_EVERY))
