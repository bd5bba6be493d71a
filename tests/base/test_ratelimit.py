"""Token buckets: refill, Retry-After, bounded memory; the list of expensive routes."""

from pathlib import Path

import pytest

from tests.conftest import instance_config
from wecreate_fed import ratelimit
from wecreate_fed.app import create_app
from wecreate_fed.errors import ConfigError


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_says_how_long_to_wait():
    clock = Clock()
    buckets = ratelimit.Buckets(ratelimit.Rule(per_minute=60, burst=3), max_tracked=100, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(1.0)   # one token a second
    assert buckets.take("b") == 0.0                  # another key has its own bucket
    clock.now += 0.5
    assert buckets.take("a") == pytest.approx(0.5)
    clock.now += 0.5
    assert buckets.take("a") == 0.0


def test_idle_buckets_are_dropped_and_memory_is_bounded():
    clock = Clock()
    buckets = ratelimit.Buckets(ratelimit.Rule(per_minute=60, burst=10), max_tracked=100, clock=clock)
    for i in range(1000):
        buckets.take(f"10.0.{i // 256}.{i % 256}")
    assert len(buckets) == 100  # the least recently used beyond max_tracked are gone
    clock.now += 10.0           # refilled: the same as new, so dropped at the next take
    buckets.take("x")
    assert len(buckets) == 1


def test_a_limit_of_zero_is_off():
    buckets = ratelimit.Buckets(ratelimit.Rule(per_minute=0, burst=1), max_tracked=100)
    assert all(buckets.take("a") == 0.0 for _ in range(100))
    assert len(buckets) == 0


def test_ipv6_clients_are_counted_by_their_64_block():
    assert ratelimit.address_key("2001:db8:1:2:aaaa::1") == ratelimit.address_key("2001:db8:1:2:bbbb::2")
    assert ratelimit.address_key("2001:db8:1:3::1") != ratelimit.address_key("2001:db8:1:2::1")
    assert ratelimit.address_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert ratelimit.address_key("192.0.2.1") == "192.0.2.1"


def test_every_expensive_endpoint_exists(tmp_path: Path):
    app = create_app(instance_config(tmp_path, "leipzig", 8001), run_workers=False)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert ratelimit.EXPENSIVE <= endpoints, sorted(ratelimit.EXPENSIVE - endpoints)


def test_trusted_proxies_must_be_addresses(tmp_path: Path):
    config = instance_config(tmp_path, "leipzig", 8001, trusted_proxies=["::1", "127.0.0.1"])
    assert config.trusted_proxies == {"::1", "127.0.0.1"}
    with pytest.raises(ConfigError, match="server.trusted_proxies"):
        instance_config(tmp_path, "leipzig", 8001, trusted_proxies=["proxy.local"])
