"""The domain policy one process applies, held in memory (as Mastodon's domain blocks).

Base layer on purpose: outgoing HTTP (http.HttpClient), key fetches (actors.remote) and the
inbox ask `PolicyTable.suspended(host)` on every request, so the answer must cost no database
read. The table is filled from `domain_policies` by moderation.domains (at start, after every
change in this process, and when another process has changed it: see moderation.domains).

config's `federation.blocked_domains` is the base: always suspended, whatever the database says.
A policy covers the domain and every subdomain; the most specific one decides.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

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


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class PolicyTable:
    """Domain → policy, looked up label by label (a.b.example: a.b.example, b.example, example)."""

    def __init__(self, config_domains=()) -> None:
        self.base: dict[str, DomainPolicy] = {}
        for domain in config_domains:
            name = hosts.normalise_host(domain)
            self.base[name] = DomainPolicy(name, "suspend", True, True, from_config=True)
        self._stored: dict[str, DomainPolicy] = {}
        self.version: str | None = None   # the settings counter the stored policies were read at

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
