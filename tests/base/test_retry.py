"""Retry policy: what each answer of a remote inbox means for a delivery, and when we stop."""

from __future__ import annotations

import random

import pytest

from outbox.delivery import classify
from wecreate_fed import config as config_module
from wecreate_fed import retry

DAY = 86_400.0
GIVE_UP = 3 * DAY


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_2xx_is_done(status):
    assert classify(status, attempts=0, age_seconds=0, give_up_seconds=GIVE_UP) == ("done", None)


@pytest.mark.parametrize("status", [404, 410])
def test_404_and_410_mean_the_inbox_is_gone(status):
    assert classify(status, attempts=3, age_seconds=600, give_up_seconds=GIVE_UP) == ("gone", None)


@pytest.mark.parametrize("status", [400, 405, 413, 422, 301, 302])
def test_other_client_errors_and_redirects_fail_at_once(status):
    # Retrying a request the server calls malformed would only repeat the same answer
    assert classify(status, attempts=0, age_seconds=0, give_up_seconds=GIVE_UP) == ("failed", None)


@pytest.mark.parametrize("status", [429, 503])
def test_429_and_503_honour_retry_after(status):
    assert classify(status, 0, 0, GIVE_UP, retry_after=120.0) == ("pending", 120.0)
    # A Retry-After of 0 still waits a second; one of ten days is cut to a day
    assert classify(status, 0, 0, GIVE_UP, retry_after=0.0) == ("pending", 1.0)
    assert classify(status, 0, 0, GIVE_UP, retry_after=10 * DAY) == ("pending", DAY)


def test_429_without_retry_after_backs_off_as_usual():
    state, delay = classify(429, attempts=4, age_seconds=900, give_up_seconds=GIVE_UP)
    assert state == "pending"
    assert 60 * 2**4 <= delay <= 1.5 * 60 * 2**4


@pytest.mark.parametrize("status", [None, 401, 403, 408, 500, 502, 504, 520])
def test_network_errors_auth_and_server_errors_retry_with_growing_delays(status):
    # None is a network error: refused connection, reset, timeout
    delays = []
    for attempts in range(0, 12, 2):
        state, delay = classify(status, attempts=attempts, age_seconds=0, give_up_seconds=GIVE_UP)
        assert state == "pending"
        delays.append(delay)
    # 2 more attempts multiply the delay by 4, more than the jitter (x1 .. x1.5) can undo, until the cap
    assert all(later > earlier for earlier, later in zip(delays, delays[1:], strict=False)
               if earlier < retry.DELIVERY_CAP)
    assert delays[0] >= retry.DELIVERY_BASE
    assert max(delays) <= 1.5 * retry.DELIVERY_CAP


@pytest.mark.parametrize("status", [None, 401, 429, 500, 503])
def test_retryable_failures_give_up_after_the_give_up_age(status):
    just_before = classify(status, attempts=20, age_seconds=GIVE_UP - 1, give_up_seconds=GIVE_UP, retry_after=60.0)
    assert just_before[0] == "pending"
    assert classify(status, attempts=20, age_seconds=GIVE_UP, give_up_seconds=GIVE_UP,
                    retry_after=60.0) == ("failed", None)


def test_default_schedule_keeps_trying_for_days_without_hammering():
    # Given the default configuration (delivery_give_up_days = 3) and a host that is down
    config = config_module.from_dict({"instance": {"name": "L", "base_url": "https://leipzig.example"},
                                      "city": {"name": "Leipzig"}})
    give_up = config.delivery_give_up_days * DAY
    random.seed(7)  # next_delay's jitter draws from the global generator
    age, attempts, gaps = 0.0, 0, []
    # When every attempt ends in a network error, following the schedule until it gives up
    while True:
        state, delay = classify(None, attempts, age, give_up)
        attempts += 1
        if state == "failed":
            break
        gaps.append(delay)
        age += delay
        assert attempts < 200, "never gave up"
    # Then the attempts cover at least two days (in fact the whole window)
    assert age >= 2 * DAY
    assert age >= give_up
    # And they stay few, and a host that comes back is tried again within hours
    assert 10 <= attempts <= 40
    assert max(gaps) <= 1.5 * retry.DELIVERY_CAP
    assert gaps[0] < 2 * 60


def test_next_delay_bounds_and_jitter():
    assert retry.next_delay(0, rand=lambda: 0.0) == 60.0
    assert retry.next_delay(3, rand=lambda: 0.0) == 480.0
    assert retry.next_delay(3, rand=lambda: 0.999) == pytest.approx(480.0 * 1.4995)
    assert retry.next_delay(50, rand=lambda: 0.0) == retry.DELIVERY_CAP  # no overflow at high counts
    assert retry.next_delay(10_000, rand=lambda: 0.0) == retry.DELIVERY_CAP


def test_inbox_retries_stop_after_the_limit():
    delays = [retry.inbox_delay(n, rand=lambda: 0.0) for n in range(retry.INBOX_LIMIT)]
    assert delays[:-1] == [10.0 * 2**n for n in range(retry.INBOX_LIMIT - 1)]
    assert delays[-1] is None


def test_a_host_failing_for_a_day_is_left_alone_for_hours():
    assert retry.host_rest(0) == 0.0
    assert retry.host_rest(23 * 3600) == 0.0
    assert retry.host_rest(24 * 3600) == retry.HOST_REST == 6 * 3600
