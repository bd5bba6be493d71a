"""Pure retry policies for both queues: easy to read, easy to test."""

from __future__ import annotations

import random

# Delivery back-off: 1 min, 2, 4, … capped at 6 h; with the default give-up of 3 days
# that is ~20 attempts, spread over the whole window (the issue asks for at least two days).
DELIVERY_BASE = 60.0
DELIVERY_CAP = 6 * 3600.0
INBOX_LIMIT = 8
HOST_REST_AFTER = 24 * 3600.0  # a host failing this long is "down for days" territory
HOST_REST = 6 * 3600.0


def next_delay(attempts: int, *, base: float = DELIVERY_BASE, cap: float = DELIVERY_CAP,
               rand=random.random) -> float:
    """Seconds before attempt `attempts + 1`, with jitter so retries do not arrive in bursts."""
    return min(cap, base * 2 ** min(attempts, 30)) * (1 + rand() / 2)


def inbox_delay(attempts: int, rand=random.random) -> float | None:
    """Back-off for a failing incoming activity, or None to give up after INBOX_LIMIT tries."""
    if attempts + 1 >= INBOX_LIMIT:
        return None
    return next_delay(attempts, base=10.0, cap=3600.0, rand=rand)


def host_rest(failing_for_seconds: float) -> float:
    """How long a failing host is left alone: not at all at first, then one try every 6 hours."""
    return HOST_REST if failing_for_seconds >= HOST_REST_AFTER else 0.0


def retry_after_delay(retry_after: float | None, attempts: int) -> float:
    """Honour a 429/503 Retry-After within sane bounds, else back off as usual."""
    if retry_after is None:
        return next_delay(attempts)
    return min(max(retry_after, 1.0), 24 * 3600.0)
