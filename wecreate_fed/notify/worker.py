"""The notify worker: mails notifications "at once" within `notifications.poll_seconds`, and the
daily and weekly digests once their period is over (schedule.py), each at most once per person
and period, also across restarts (the digests table), never a backlog of old periods."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from wecreate_fed.runtime import Runtime
from wecreate_fed.store import utcnow
from wecreate_fed.workers import Worker

from . import mailing, schedule, topics

log = logging.getLogger(__name__)


class NotifyWorker(Worker):
    name = "notify-worker"

    def __init__(self, rt: Runtime, *, clock: Callable[[], datetime] = utcnow):
        super().__init__(asyncio.Event())
        self.rt = rt
        self.clock = clock  # tests move it on to a period's end
        self.max_idle_wait = rt.config.notify_poll_seconds
        self.finished: dict[str, str] = {}  # frequency -> the period whose pass went through everyone

    async def run_once(self) -> int:
        done = await mailing.mail_now(self.rt)
        for frequency in topics.DIGESTS:
            period = schedule.latest(self.rt.config, frequency, self.clock())
            if self.finished.get(frequency) == period.key:
                continue
            done += await mailing.send_digests(self.rt, period, self.stopping)
            if not self.stopping.is_set():
                self.finished[frequency] = period.key
                log.info("%s digests of the period from %s are out", frequency, period.key)
        return done
