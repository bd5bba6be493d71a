"""The simulated remote hosts of benchmarks/simulate_delivery.py: who they are, how they answer.

50,000 hosts by rank (a Zipf-shaped spread of the followers: a few big hosts, a long tail; shared
inboxes where hosts have them), each with a median latency from a log-normal spread, a rate of
transient errors (5xx, 429 with Retry-After, timeouts, resets), and a few gone inboxes (410); 1% of
them dead for the whole run (refused, no DNS, hanging until the timeout, or 502 behind a proxy),
0.5% down for 1 to 12 hours at the start. `SimulatedHttp` stands in for one process's HttpClient:
its CPU signs and sends at most `rate` deliveries a second, then the host answers after its latency.
"""

from __future__ import annotations

import asyncio
import math
import random
from dataclasses import dataclass

from wecreate_fed import hosts as hostnames
from wecreate_fed.errors import FetchError
from wecreate_fed.http import PostResult

ZIPF = 1.0            # followers of the host of rank r ~ 1 / r**ZIPF
DEAD_MODES = (("refused", 0.40), ("dns", 0.25), ("timeout", 0.15), ("502", 0.20))


@dataclass
class Host:
    name: str
    rank: int
    followers: int
    shared: bool
    latency: float                      # median seconds of an answer
    error_rate: float                   # transient failures per attempt
    down_until: float = 0.0             # simulated seconds: no answer before then (inf: dead)
    dead_mode: str = ""
    first_attempt: float | None = None
    last_done: float | None = None
    in_flight: int = 0
    most_in_flight: int = 0

    @property
    def healthy(self) -> bool:
        return self.down_until == 0.0


def population(followers: int, n_hosts: int, seed: int) -> list[Host]:
    """Hosts by rank with their followers (every host at least one), health and speed."""
    rng = random.Random(seed)
    weights = [1 / r ** ZIPF for r in range(1, n_hosts + 1)]
    total, spare = sum(weights), followers - n_hosts
    counts = [1 + int(spare * w / total) for w in weights]
    counts[0] += followers - sum(counts)
    result = []
    for rank, count in enumerate(counts, 1):
        # A name that does not sort by rank (follower inboxes are queued in URL order).
        name = f"s{(rank * 2654435761) % 2 ** 32:08x}.example"
        shared = rank <= 100 or rng.random() > 0.05
        latency = min(8.0, max(0.02, rng.lognormvariate(math.log(0.15), 0.7)))
        roll = rng.random()
        error_rate = 0.25 if roll < 0.01 else 0.03 if roll < 0.10 else 0.002
        host = Host(name, rank, count, shared, latency, error_rate)
        if rank > 100 and rng.random() < 0.01:
            host.down_until = math.inf
            host.dead_mode = rng.choices([m for m, _ in DEAD_MODES], [w for _, w in DEAD_MODES])[0]
        elif rank > 20 and rng.random() < 0.005:
            host.down_until = rng.uniform(3600, 12 * 3600)
            host.dead_mode = rng.choice(("refused", "502", "timeout"))
        result.append(host)
    return result


def inboxes_of(host: Host) -> list[tuple[str, str, str | None]]:
    """(ap_id, inbox, shared inbox) of each follower on the host."""
    base = f"https://{host.name}"
    shared = f"{base}/inbox" if host.shared else None
    return [(f"{base}/users/u{n}", f"{base}/users/u{n}/inbox", shared) for n in range(host.followers)]


class Internet:
    """The remote hosts: who answers what, when; and what arrived."""

    def __init__(self, hosts: list[Host], timeout: float, seed: int, *, nobody_down: bool = False):
        self.hosts = {h.name: h for h in hosts}
        if nobody_down:
            for h in hosts:
                h.down_until, h.dead_mode = 0.0, ""
        self.rng = random.Random(seed + 1)
        self.timeout = timeout
        self.followers = sum(h.followers for h in hosts)
        self.rows = sum(1 if h.shared else h.followers for h in hosts if h.down_until != math.inf)  # that can arrive
        self.reached = 0
        self.rows_done = 0
        self.arrived: dict[str, int] = {}   # inbox -> times delivered (more than once: a duplicate)
        self.ended: set[str] = set()        # inboxes with a final answer (2xx, 404, 410)
        self.healthy_rows = sum(1 if h.shared else h.followers for h in hosts if h.healthy)
        self.healthy_ended = 0
        self.attempts = 0
        self.reached_at: dict[float, float] = {}  # share of followers -> simulated time reached
        self.rows_at: dict[float, float] = {}

    async def post(self, url: str) -> PostResult:
        loop = asyncio.get_running_loop()
        host = self.hosts[hostnames.authority_of(url)]
        now = loop.time()
        self.attempts += 1
        if host.first_attempt is None:
            host.first_attempt = now
        status, retry_after, seconds, error = self._answer(host, url, now)
        host.in_flight += 1
        host.most_in_flight = max(host.most_in_flight, host.in_flight)
        try:
            await asyncio.sleep(seconds)
        finally:
            host.in_flight -= 1
        if error:
            raise FetchError(f"POST {url}: {error}")
        if 200 <= status < 300:
            self._arrived(host, url, loop.time())
        if (status < 300 or status in (404, 410)) and url not in self.ended:
            self.ended.add(url)
            self.healthy_ended += host.healthy
        return PostResult(status, retry_after, "")

    def _answer(self, host: Host, url: str, now: float) -> tuple[int, float | None, float, str]:
        """(status, Retry-After, seconds until the answer, network error or "")."""
        rng = self.rng
        if now < host.down_until:
            return {"refused": (0, None, 0.05, "connection refused"), "dns": (0, None, 0.01, "no such host"),
                    "timeout": (0, None, self.timeout, "timed out"),
                    "502": (502, None, 0.05, "")}[host.dead_mode]
        seconds = host.latency * rng.lognormvariate(0, 0.35)
        if rng.random() < 0.002:
            seconds += rng.uniform(3, 12)  # a slow answer now and then
        if seconds >= self.timeout:
            return 0, None, self.timeout, "timed out"
        if rng.random() < host.error_rate:
            kind = rng.random()
            if kind < 0.3:
                return 503, rng.choice((None, 30.0)), seconds, ""
            if kind < 0.4:
                return 429, 60.0, seconds, ""
            if kind < 0.7:
                return rng.choice((500, 502)), None, seconds, ""
            if kind < 0.9:
                return 0, None, self.timeout, "timed out"
            return 0, None, seconds / 2, "connection reset"
        if "/users/" in url and rng.random() < 0.003:
            return 410, None, seconds, ""  # the follower's account is gone
        return 202, None, seconds, ""

    def _arrived(self, host: Host, url: str, now: float) -> None:
        self.arrived[url] = self.arrived.get(url, 0) + 1
        if self.arrived[url] > 1:
            return
        self.rows_done += 1
        self.reached += host.followers if url == f"https://{host.name}/inbox" else 1
        host.last_done = now
        for share in (0.5, 0.9, 0.99):
            if share not in self.reached_at and self.reached >= share * self.followers:
                self.reached_at[share] = now
            if share not in self.rows_at and self.rows_done >= share * self.rows:
                self.rows_at[share] = now


class SimulatedHttp:
    """One process's HTTP client: its CPU signs and sends `rate` deliveries a second at most."""

    def __init__(self, internet: Internet, rate: float):
        self.internet = internet
        self.cost = 1.0 / rate
        self.cpu_free_at = 0.0
        self.blocked = None  # set by Runtime; nothing is blocked here

    async def post(self, url: str, body: bytes, headers=None, *, signer=None) -> PostResult:
        loop = asyncio.get_running_loop()
        begin = max(loop.time(), self.cpu_free_at)
        self.cpu_free_at = begin + self.cost
        await asyncio.sleep(self.cpu_free_at - loop.time())
        return await self.internet.post(url)
