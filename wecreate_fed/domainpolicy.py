"""The domain policy one process applies, held in memory (as Mastodon's domain blocks).

Base layer on purpose: outgoing HTTP (http.HttpClient), key fetches (actors.remote) and the
inbox ask `PolicyTable.suspended(host)` on every request, so the answer must cost no database
read. The table is filled from `domain_policies` by moderation.domains (at start, after every
change in this process, and when another process has changed it: see moderation.domains).

config's `federation.blocked_domains` is the base: always suspended, whatever the database says.
A policy covers the domain and every subdomain; the most specific one decides.

Beside it, the allowlist of a private instance (`AllowList`, filled from `allowed_domains` by
moderation.allowlist, config's `federation.allowed_domains` its fixed base): in private mode every
server not on it is `refused` as a suspended one is, so the same checks (http.py's guard, the
inbox, key fetches) keep it out. A suspension wins over the allowlist.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

from . import hosts

SEVERITIES = ("noop", "limit", "suspend")


@dataclass(frozen=True)
class DomainPolicy:
    domain: str
    severity: str                 # noop (only the flags), limit, suspend
    reject_media: bool = False
    reject_reports: bool = False
    public_comment: str = ""
    private_comment: str = ""
    obfuscate: bool = False
    created_at: str = ""
    updated_at: str = ""
    from_config: bool = False     # federation.blocked_domains: not editable in the pages or the CLI

    @property
    def public_domain(self) -> str:
        """The name as the public list shows it: partly starred when obfuscated (Mastodon's rule)."""
        return obfuscated(self.domain) if self.obfuscate else self.domain


def obfuscated(domain: str) -> str:
    """The outer quarter of the name kept, the rest starred except the dots: "ex*****.*om"-like."""
    length = len(domain)
    visible = length // 4
    return "".join(c if i <= visible or i >= length - visible or c == "." else "*" for i, c in enumerate(domain))


def host_only(host_or_authority: str | None) -> str | None:
    """"host" from "host" or "host:port" (actors.domain and deliveries.host carry the port)."""
    text = (host_or_authority or "").strip()
    if text.startswith("["):
        return text[1:].partition("]")[0]
    if text.count(":") == 1:
        text = text.partition(":")[0]
    return text or None


@lru_cache(maxsize=4096)  # per delivery, for the same few hosts: ip_address() raises for a name
def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Allowed:
    domain: str                   # "example.org" (and its subdomains, any port) or "host:port" (one server)
    comment: str = ""
    added_by: str = ""
    created_at: str = ""
    from_config: bool = False     # federation.allowed_domains: not removable in the pages or the CLI


class AllowList:
    """The servers a private instance federates with; our own authority is always on it."""

    def __init__(self, config_entries=(), own: str | None = None) -> None:
        self.base = {e: Allowed(e, from_config=True) for e in config_entries}
        self.own = own
        self._stored: dict[str, Allowed] = {}
        self.version: str | None = None

    def replace(self, entries, version: str | None) -> None:
        self._stored = {e.domain: e for e in entries}
        self.version = version

    def allows(self, authority: str | None) -> bool:
        """Whether host[:port] is on the list: an entry naming it with its port, or its host or a parent domain."""
        text = (authority or "").strip()
        if not text:
            return False
        try:
            host, port = hosts.split_authority(text)
        except hosts.InvalidURL:
            return False
        shown = f"[{host}]" if ":" in host else host
        if self.own is not None and (shown if port is None else f"{shown}:{port}") == self.own:
            return True
        entries = self._stored.keys() | self.base.keys()
        if port is not None and f"{shown}:{port}" in entries:
            return True
        suffixes = [shown] if _is_ip(host) else [".".join(host.split(".")[i:]) for i in range(host.count(".") + 1)]
        return any(suffix in entries for suffix in suffixes)

    def all(self) -> list[Allowed]:
        merged = {**self._stored, **self.base}
        return [merged[d] for d in sorted(merged)]


class PolicyTable:
    """Domain → policy, looked up label by label (a.b.example: a.b.example, b.example, example)."""

    def __init__(self, config_domains=(), *, private: bool = False, allowed_domains=(),
                 own: str | None = None) -> None:
        self.private = private
        self.allow = AllowList(allowed_domains, own)
        self.base: dict[str, DomainPolicy] = {}
        for domain in config_domains:
            name = hosts.normalise_host(domain)
            self.base[name] = DomainPolicy(name, "suspend", True, True, from_config=True)
        self._stored: dict[str, DomainPolicy] = {}
        self.version: str | None = None   # the settings counter the stored policies were read at

    @classmethod
    def from_config(cls, config) -> PolicyTable:
        """The table of one instance: config's blocked domains, its mode and allowlist base, its own authority."""
        return cls(config.blocked_domains, private=config.private, allowed_domains=config.allowed_domains,
                   own=hosts.authority_of(config.base_url))

    def replace(self, policies, version: str | None) -> None:
        """The stored policies as now in the database (one new dict: readers never see half of it)."""
        self._stored = {p.domain: p for p in policies}
        self.version = version

    def policy_of(self, host: str | None) -> DomainPolicy | None:
        """The policy covering `host` (with or without a port), or None."""
        name = host_only(host)
        if name is None:
            return None
        try:
            name = hosts.normalise_host(name)
        except hosts.InvalidURL:
            return None
        suffixes = [name] if _is_ip(name) else [".".join(name.split(".")[i:]) for i in range(name.count(".") + 1)]
        for suffix in suffixes:   # the config list wins, at any level
            if suffix in self.base:
                return self.base[suffix]
        for suffix in suffixes:   # most specific first
            if suffix in self._stored:
                return self._stored[suffix]
        return None

    def suspended(self, host: str | None) -> bool:
        policy = self.policy_of(host)
        return policy is not None and policy.severity == "suspend"

    def refused(self, authority: str | None) -> bool:
        """No request to or from this host[:port]: suspended, or (private mode) not on the allowlist."""
        return self.suspended(authority) or (self.private and not self.allow.allows(authority))

    def limited(self, host: str | None) -> bool:
        policy = self.policy_of(host)
        return policy is not None and policy.severity in ("limit", "suspend")

    def rejects_media(self, host: str | None) -> bool:
        policy = self.policy_of(host)
        return policy is not None and (policy.reject_media or policy.severity == "suspend")

    def rejects_reports(self, host: str | None) -> bool:
        policy = self.policy_of(host)
        return policy is not None and (policy.reject_reports or policy.severity == "suspend")

    def any_limited(self) -> bool:
        """Whether any domain is limited or suspended (else the marketplace needs no filter)."""
        return bool(self.base) or any(p.severity != "noop" for p in self._stored.values())

    def stored(self) -> list[DomainPolicy]:
        return sorted(self._stored.values(), key=lambda p: p.domain)

    def all(self) -> list[DomainPolicy]:
        """Config and stored policies, by domain (a domain in both: the config's)."""
        merged = {**self._stored, **self.base}
        return [merged[d] for d in sorted(merged)]
