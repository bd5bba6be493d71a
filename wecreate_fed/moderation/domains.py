"""Domain policy, as Mastodon's domain blocks: limit, suspend, reject media, reject reports.

- limit: the domain's accounts and content are kept off the marketplace and the district
  pages; follows stay, and what they send is still received and shown on its own page.
- suspend: everything refused (inbox 403 before storing, no fetch, no delivery); its pending
  deliveries are given up and its cached actors, objects, reactions, follows and pending
  incoming rows purged in small batches (moderation.domain_purge), so its supports no longer
  count.
- reject_media: its avatars and pictures are not shown (the website never fetches them itself).
- reject_reports: its Flags are ignored (`rejects_reports`, for the reports' Flag handler).

A policy covers the domain and its subdomains; config's `federation.blocked_domains` is the
base, always suspended and not editable here. Each change is audited in its transaction.

Without a restart: the policy in force lives in memory (`rt.domains`, domainpolicy.PolicyTable),
which outgoing HTTP, key fetches and the inbox consult on every request. A change made in this
process reloads it at once; every change also bumps a version counter in `settings`, which each
serving process reads every WATCH_SECONDS (DomainWorker) and reloads on a new value, so a change
made with the CLI (another process) applies within a second.
"""

from __future__ import annotations

import logging

from wecreate_fed import hosts
from wecreate_fed.domainpolicy import SEVERITIES, DomainPolicy
from wecreate_fed.errors import BadRequest, Conflict, NotFound, Problems
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection, audit
from wecreate_fed.store import domains as store
from wecreate_fed.workers import Worker

from . import domain_purge
from .roles import By

log = logging.getLogger(__name__)

WATCH_SECONDS = 1.0
COMMENT_MAX = 1000


def policy_of(rt: Runtime, host: str | None) -> DomainPolicy | None:
    """The policy covering `host` (or host:port), config's list included; None if there is none."""
    return rt.domains.policy_of(host)


def rejects_reports(rt: Runtime, host: str | None) -> bool:
    """Flags from this host are to be ignored (reject_reports, or the domain is suspended)."""
    return rt.domains.rejects_reports(host)


def rejects_media(rt: Runtime, host: str | None) -> bool:
    return rt.domains.rejects_media(host)


def normalise_domain(text: str, field: str = "domain") -> str:
    """A domain as stored: normalised, without scheme, path or port (a leading "*." is dropped,
    since a policy covers the subdomains anyway); BadRequest with code "domain" otherwise."""
    name = (text or "").strip().removeprefix("*.")
    if not name:
        raise BadRequest("the domain is required", field=field, code="required")
    if "/" in name or (name.count(":") == 1) or "@" in name:
        raise BadRequest(f"'{name[:100]}' is not a domain (no scheme, path, port or user)", field=field,
                         code="domain", params={"domain": name[:100]})
    try:
        return hosts.normalise_host(name)
    except hosts.InvalidURL:
        raise BadRequest(f"'{name[:100]}' is not a valid domain", field=field, code="domain",
                         params={"domain": name[:100]}) from None


def make_policy(domain: str, severity: str, *, reject_media: bool = False, reject_reports: bool = False,
                public_comment: str = "", private_comment: str = "", obfuscate: bool = False) -> DomainPolicy:
    """A checked policy; every broken rule at once (Problems)."""
    problems = Problems()
    name = ""
    try:
        name = normalise_domain(domain)
    except BadRequest as e:
        problems.extend(e)
    if severity not in SEVERITIES:
        problems.add("severity", "invalid_choice", f"severity must be one of {', '.join(SEVERITIES)}",
                     choices=", ".join(SEVERITIES))
    for field, value in (("public_comment", public_comment), ("private_comment", private_comment)):
        if len(value or "") > COMMENT_MAX:
            problems.add(field, "too_long", f"{field} is longer than {COMMENT_MAX} characters", max=COMMENT_MAX)
    problems.raise_if_any()
    return DomainPolicy(name, severity, bool(reject_media), bool(reject_reports), (public_comment or "").strip(),
                        (private_comment or "").strip(), bool(obfuscate))


def _as_audit(policy: DomainPolicy | None) -> dict | None:
    if policy is None:
        return None
    return {"severity": policy.severity, "reject_media": policy.reject_media, "reject_reports": policy.reject_reports,
            "public_comment": policy.public_comment, "private_comment": policy.private_comment,
            "obfuscate": policy.obfuscate}


def _check_editable(rt: Runtime, domain: str) -> None:
    if domain in rt.domains.base:
        raise Conflict(f"{domain} is in federation.blocked_domains of the configuration: always suspended; "
                       "change it there", field="domain", code="domain_in_config", params={"domain": domain})


async def put_in(conn: Connection, policy: DomainPolicy, *, by: By) -> bool:
    """Store one policy and its audit entry in the caller's transaction; False if nothing changed."""
    before = await store.get_policy(conn, policy.domain)
    if before is not None and _as_audit(before) == _as_audit(policy):
        return False
    await store.put_policy(conn, policy)
    await audit.record(conn, by.actor_id, by.name, f"domain.{policy.severity}", policy.domain,
                       before=_as_audit(before), after=_as_audit(policy))
    return True


async def set_policy(rt: Runtime, policy: DomainPolicy, *, by: By) -> bool:
    """Add or change one domain's policy (audited); in force at once. False if it was already so."""
    _check_editable(rt, policy.domain)
    async with rt.db.transaction() as conn:
        changed = await put_in(conn, policy, by=by)
        if changed:
            await store.VERSION.bump(conn)
    if changed:
        await reload(rt)
    return changed


async def set_many(rt: Runtime, policies: list[DomainPolicy], *, by: By) -> int:
    """Several policies in ONE transaction (an import): all or none; how many changed."""
    for policy in policies:
        _check_editable(rt, policy.domain)
    changed = 0
    async with rt.db.transaction() as conn:
        for policy in policies:
            changed += await put_in(conn, policy, by=by)
        if changed:
            await store.VERSION.bump(conn)
    if changed:
        await reload(rt)
    return changed


async def remove(rt: Runtime, domain: str, *, by: By) -> DomainPolicy:
    """Lift a domain's policy (audited). What a suspension purged stays gone."""
    name = normalise_domain(domain)
    _check_editable(rt, name)
    async with rt.db.transaction() as conn:
        before = await store.get_policy(conn, name)
        if before is None:
            raise NotFound(f"no policy for {name}", field="domain", code="no_domain_policy", params={"domain": name})
        await store.delete_policy(conn, name)
        await audit.record(conn, by.actor_id, by.name, "domain.remove", name, before=_as_audit(before))
        await store.VERSION.bump(conn)
    await reload(rt)
    return before


async def load(rt: Runtime) -> None:
    """Read the stored policies into memory (at start and after a change)."""
    reader = rt.db.reader
    version = await store.VERSION.value(reader)
    rt.domains.replace(await store.list_policies(reader), version)


async def reload(rt: Runtime) -> None:
    """After a change: the new policy in force now, and a suspension's purge under way."""
    await load(rt)
    rt.policy_wakeup.set()


def stored(rt: Runtime) -> list[DomainPolicy]:
    return rt.domains.stored()


class DomainWorker(Worker):
    """Keeps `rt.domains` current when another process changed the policies (the version counter),
    and carries out the purge of suspended domains in small batches, one transaction each."""

    name = "domain-worker"
    max_idle_wait = WATCH_SECONDS

    def __init__(self, rt: Runtime):
        super().__init__(rt.policy_wakeup)
        self.rt = rt
        self.seen: str | None = "never"   # the version counter at the last round (start: purge once)
        self.purging = False
        self.purged: dict[str, int] = {}

    async def run_once(self) -> int:
        version = await store.VERSION.value(self.rt.db.reader)
        if version != self.seen:   # a change, here (already loaded) or in another process
            if version != self.rt.domains.version:
                await load(self.rt)
            self.seen = version
            self.purging = True    # also at start: finish a purge that a stop or crash cut off
        if not self.purging:
            return 0
        removed = await domain_purge.purge_step(self.rt, self.purged)
        if not removed:
            self.purging = False
            if self.purged:
                log.info("domain purge done: %s", ", ".join(f"{n} {what}" for what, n in sorted(self.purged.items())))
                self.purged = {}
        return removed
