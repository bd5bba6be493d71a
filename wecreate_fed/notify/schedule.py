"""When digests go out, and which period each covers, in the instance's time zone.

A daily digest sent at `notifications.digest_hour` covers the day before (local midnight to
midnight); a weekly one, sent on `notifications.digest_weekday` at that hour, the seven days
before that day. A period is named by its first local day, the key that makes a digest go out
once per person and period (store `digests`). Only the latest period is sent: a server that was
down for a week does not mail a backlog of old digests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from wecreate_fed import i18n
from wecreate_fed.config import Config
from wecreate_fed.store import iso, utcnow

from .topics import DAILY


def timezone(config: Config) -> tzinfo:
    """The instance's time zone (`instance.timezone`, checked when the configuration is read)."""
    return i18n.zone(config.timezone)


def digest_hour(config: Config) -> int:
    return config.digest_hour


def digest_weekday(config: Config) -> int:
    """0 = Monday … 6 = Sunday."""
    return config.digest_weekday


@dataclass(frozen=True)
class Period:
    frequency: str
    first_day: date        # local
    start: str             # UTC ISO, inclusive
    end: str               # UTC ISO, exclusive

    @property
    def key(self) -> str:
        return self.first_day.isoformat()


def _midnight(day: date, tz: tzinfo) -> str:
    return iso(datetime.combine(day, time(0), tzinfo=tz))


def latest(config: Config, frequency: str, now: datetime | None = None) -> Period:
    """The latest period of `frequency` whose digest is due at `now` (UTC, aware)."""
    tz = timezone(config)
    local = (now or utcnow()).astimezone(tz)
    sent_today = datetime.combine(local.date(), time(digest_hour(config)), tzinfo=tz)
    if frequency == DAILY:
        send_day = local.date() if local >= sent_today else local.date() - timedelta(days=1)
        first = send_day - timedelta(days=1)
    else:
        back = (local.weekday() - digest_weekday(config)) % 7
        send_day = local.date() - timedelta(days=back)
        if back == 0 and local < sent_today:
            send_day -= timedelta(days=7)
        first = send_day - timedelta(days=7)
    return Period(frequency, first, _midnight(first, tz), _midnight(send_day, tz))
