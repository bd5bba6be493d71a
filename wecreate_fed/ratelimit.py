"""Rate limits: token buckets per remote host and per client address, in memory.

Three budgets, each configurable in [rate_limits] (0 switches one off):
- inbox POSTs per client address: checked first, before the body is read or a signature
  looked at, so a flood costs next to nothing;
- inbox POSTs per signing host: checked once the signature verified. Not on the keyId a
  request merely names: a forger naming mastodon.social's key must not use up
  mastodon.social's budget and get its real deliveries refused;
- expensive requests per client address: the routes in EXPENSIVE (listings with filters and
  sorts, calendars, collection and outbox pages, and the form that makes us look up a handle
  on another server). Actor documents, objects, WebFinger and NodeInfo are single indexed
  look-ups that other servers fetch in bursts (a boost makes hundreds fetch one note): not limited.

Over budget: 429 with `Retry-After` (whole seconds) and a message, JSON for API clients
and other servers, the website's error page for browsers.

A bucket holds `burst` tokens and gains `per_minute` a minute. A bucket that has refilled
completely is the same as a new one and is dropped; at most `max_tracked` are kept per budget
(the least recently used dropped first), so memory stays bounded whatever the number of
addresses. IPv6 clients are counted per /64, the block one customer usually holds.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

from quart import Response, g, request

from . import runtime
from .errors import TooManyRequests
from .runtime import Runtime

# Endpoints counted against the per-address budget for expensive requests (a test checks
# that each exists, so a renamed route cannot silently drop out of this list).
EXPENSIVE = frozenset({
    # the website: the marketplace with its filters and figures, the lists of boxes, events, districts
    "ideas.marketplace_home", "box_pages.index", "events_pages.calendar", "profiles.districts", "profiles.district",
    # "act from your instance": a WebFinger look-up on the server the visitor names
    "interaction.interact",
    # the API, the feeds and the calendars
    "civic.marketplace_json", "civic.marketplace_atom", "civic.impact", "events.upcoming_json",
    "events.calendar", "events.district_calendar",
    "feeds.marketplace_feed", "feeds.calendar_feed", "feeds.district_calendar_feed",
    # collections and outboxes (their pages are queries with offsets)
    "actors.followers", "actors.following", "actors.instance_actor_collection", "outbox.outbox",
    "civic.idea_likes", "civic.idea_shares", "civic.idea_replies",
    "civic.district_followers", "civic.district_following", "civic.district_outbox",
    "boxes.box_members", "boxes.box_following", "boxes.box_moderators", "boxes.box_posts", "boxes.box_outbox",
    "events.attendees",
    # a visitor's notice of illegal content (no account to count it against)
    "reports.send_notice",
})


@dataclass(frozen=True)
class Rule:
    per_minute: float  # 0: no limit
    burst: int


class Buckets:
    """Token buckets by key for one rule; `take(key)` is 0.0 (allowed) or the seconds to wait."""

    def __init__(self, rule: Rule, max_tracked: int, clock=time.monotonic):
        self.rule = rule
        self.max_tracked = max_tracked
        self.clock = clock
        self.rate = rule.per_minute / 60.0  # tokens a second
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at), oldest first

    def take(self, key: str) -> float:
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        tokens, at = self._buckets.pop(key, (float(self.rule.burst), now))
        tokens = min(float(self.rule.burst), tokens + (now - at) * self.rate)
        self._evict(now)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate

    def _evict(self, now: float) -> None:
        """Drop buckets idle long enough to be full again (from the oldest), then any beyond max_tracked."""
        refill = self.rule.burst / self.rate
        while self._buckets:
            key, (tokens, at) = next(iter(self._buckets.items()))
            if now - at < refill and len(self._buckets) < self.max_tracked:
                break
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


class RateLimits:
    """The three budgets of one instance."""

    def __init__(self, config):
        def buckets(per_minute: float, burst: int) -> Buckets:
            rule = Rule(per_minute if config.rate_limits_enabled else 0.0, burst)
            return Buckets(rule, config.rate_limit_max_tracked)

        self.inbox_address = buckets(config.inbox_per_address_per_minute, config.inbox_per_address_burst)
        self.inbox_host = buckets(config.inbox_per_host_per_minute, config.inbox_per_host_burst)
        self.expensive_address = buckets(config.expensive_per_address_per_minute, config.expensive_per_address_burst)


def limits(rt: Runtime) -> RateLimits:
    if "rate_limits" not in rt.caches:
        rt.caches["rate_limits"] = RateLimits(rt.config)
    return rt.caches["rate_limits"]


def client_address(trusted_proxies: frozenset[str]) -> str:
    """The peer's address; from a trusted proxy, the last X-Forwarded-For hop (what the proxy saw)."""
    return address_of(request.remote_addr or "", request.headers.get("X-Forwarded-For", ""), trusted_proxies)


def address_of(remote: str, forwarded: str, trusted_proxies: frozenset[str]) -> str:
    """client_address for a request seen outside Quart (inbox/front.py): the same rule."""
    if forwarded and remote in trusted_proxies:
        return forwarded.split(",")[-1].strip() or remote
    return remote


@lru_cache(maxsize=4096)  # once per request, for the same few clients: parsing is most of its cost
def address_key(address: str) -> str:
    """An IPv4 address as it is, an IPv6 address by its /64."""
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else ip)


def _refuse(wait: float, what: str) -> None:
    seconds = max(1, math.ceil(wait))
    g.retry_after = seconds
    raise TooManyRequests(f"too many {what}; try again in {seconds} s", params={"seconds": seconds})


def check_inbox_address(rt: Runtime, address: str) -> None:
    """Before anything else on an inbox POST: the client address's budget (`address`: client_address)."""
    key = address_key(address)
    if wait := limits(rt).inbox_address.take(key):
        _refuse(wait, f"deliveries from {key}")


def check_inbox_host(rt: Runtime, host: str) -> None:
    """After the signature verified: the signing host's budget."""
    if wait := limits(rt).inbox_host.take(host.lower()):
        _refuse(wait, f"deliveries from {host}")


async def check_expensive() -> None:
    """before_request of the app: an expensive route takes from the client address's budget."""
    if request.endpoint not in EXPENSIVE:
        return
    rt = runtime.current()
    key = address_key(client_address(rt.config.trusted_proxies))
    if wait := limits(rt).expensive_address.take(key):
        _refuse(wait, "requests")


async def add_retry_after(response: Response) -> Response:
    """after_request of the app: a refusal of ours carries Retry-After, whoever rendered it."""
    seconds = g.get("retry_after")
    if seconds is not None and response.status_code in (429, 503):
        response.headers["Retry-After"] = str(seconds)
    return response
