"""Time zones and stored times of events: IANA zones only, UTC stored, local wall times shown."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Europe/Berlin"


def zone(name) -> ZoneInfo | None:
    """The zone of an IANA name; None for anything else (also the host's "localtime")."""
    if not isinstance(name, str) or name not in _iana_names():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@lru_cache(maxsize=1)
def _iana_names() -> frozenset[str]:
    # Read once, on first use (a tenth of a second: it walks the zone files).
    return frozenset(zoneinfo.available_timezones() - {"localtime", "posixrules", "Factory"})


def utc(stored: str) -> datetime:
    return datetime.fromisoformat(stored).astimezone(UTC)


def local(stored: str, tz) -> str:
    """A stored time as ISO 8601 in the zone `tz`, with its offset."""
    return utc(stored).astimezone(tz).isoformat(timespec="seconds")


def is_over(stored_end: str) -> bool:
    return utc(stored_end) < datetime.now(UTC)
