"""The delivery worker: claims due deliveries, signs each afresh, POSTs, classifies the answer.

A pipeline: one claimer keeps a bounded queue filled from the database, `concurrency`
senders empty it (at most `per_host` at once per host), and outcomes are written back
as soon as they are known, the outcomes of all senders that finished meanwhile in one
transaction (group commit). A sender takes its next row only once its last outcome is
committed, so a crash repeats at most the deliveries in flight (`concurrency`), never a
batch. Everything a restart needs is in the deliveries table.

A host that answers 429 or 503 is paused for its Retry-After (seconds or an HTTP date,
at most a day; without one, the usual back-off): its other claimed rows are put back
unattempted until then, and the claimer leaves its rows alone (hosts.paused_until).

A row whose host has all its slots busy (a slow or hanging server) is parked for the
sender that frees one, and the claimer skips that host meanwhile, so one such server
holds `per_host` senders, never all of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter, deque
from datetime import datetime

from wecreate_fed import retry
from wecreate_fed.errors import BlockedDomain, FetchError, RefusedAddress
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import fanout, iso_in, queue, utcnow
from wecreate_fed.workers import MAX_IDLE_WAIT, Worker, wait_for_work

log = logging.getLogger(__name__)

LOCK_SECONDS = 300.0   # the last resort; a dead process's rows come back sooner (wecreate_fed.leases)
CLAIM_AGAIN = 0.2      # seconds before claiming again when a claim found nothing while work is in hand
RETRY_FLUSH = 1.0      # seconds before writing outcomes again after writing them failed


def classify(status: int | None, attempts: int, age_seconds: float, give_up_seconds: float,
             retry_after: float | None = None) -> tuple[str, float | None]:
    """(new state, retry delay) for an attempt that got `status` (None: network error)."""
    if status is not None and 200 <= status < 300:
        return "done", None
    if status in (404, 410):
        return "gone", None
    retryable = status is None or status in (401, 403, 408, 429) or status >= 500
    if not retryable:
        return "failed", None
    if age_seconds >= give_up_seconds:
        return "failed", None
    if status in (429, 503):
        return "pending", retry.retry_after_delay(retry_after, attempts)
    return "pending", retry.next_delay(attempts)


async def continue_fanouts(rt: Runtime) -> bool:
    """One chunk of each fan-out to followers still pending (store/fanout.py), a transaction each;
    True if any queued inboxes (more may follow)."""
    queued = False
    for activity_id in await fanout.pending(rt.db.reader):
        async with rt.db.transaction() as conn:
            queued = await fanout.step(conn, activity_id) > 0 or queued
    return queued


class DeliveryWorker(Worker):
    name = "delivery-worker"

    def __init__(self, rt: Runtime):
        super().__init__(rt.delivery_wakeup)
        self.rt = rt
        self.concurrency = rt.config.delivery_concurrency
        self.per_host = rt.config.delivery_per_host
        self.give_up_seconds = rt.config.delivery_give_up_days * 86400
        # Claimed rows waiting for a sender. The queue is refilled as soon as it has room for
        # a batch (one row per sender), so the senders keep several rounds of work while a
        # claim waits for the write lock behind send() or an outcome flush.
        self._queue: asyncio.Queue = asyncio.Queue(maxsize=self.concurrency * 8)
        self._batch = self.concurrency
        self._room = asyncio.Event()
        self._busy: Counter = Counter()              # host -> deliveries in flight to it
        self._speaking: set[tuple[str, str]] = set()  # (host, key id): one activity of an actor at a time
        self._parked: dict[str, deque] = {}           # host -> claimed rows waiting for a free slot
        self._outcomes: list[tuple] = []
        self._host_news: list[tuple[str, bool]] = []
        self._given_up: Counter = Counter()           # host -> deliveries given up since the last flush
        self._paused: dict[str, float] = {}          # host -> event-loop time before which we send it nothing
        self._pauses: list[tuple[str, float]] = []   # (host, seconds) not yet written
        self._deferred: list[tuple[int, float]] = []  # (row id, seconds): put back unattempted
        self._flushed = asyncio.Event()
        self._waiters: list[asyncio.Future] = []    # senders waiting for their outcome to be committed
        self._claimed: set[int] = set()   # claimed and not yet attempted to the end
        self._in_flight = 0
        self.sent = 0

    async def run(self) -> None:
        """Until stopped: the claimer fills the queue, the senders empty it, the flusher writes outcomes."""
        senders = [asyncio.create_task(self._sender()) for _ in range(self.concurrency)]
        flusher = asyncio.create_task(self._flusher())
        try:
            await self._claimer()
            # Stopping: let the deliveries in flight finish (the supervisor cancels after its grace).
            while self._in_flight:
                await asyncio.sleep(0.05)
        finally:
            for task in senders + [flusher]:
                task.cancel()
            await asyncio.gather(*senders, flusher, return_exceptions=True)

    async def release(self) -> None:
        """Write the outcomes not yet written, and give back the claimed rows that were not attempted."""
        await self.flush()
        if self._claimed:
            async with self.rt.db.transaction() as conn:
                await queue.release_deliveries(conn, sorted(self._claimed))
            self._claimed.clear()
        while not self._queue.empty():
            self._queue.get_nowait()
        self._parked.clear()

    async def run_once(self) -> int:
        """Claim one batch and attempt all of it (benchmarks and tests drive the worker this way)."""
        await continue_fanouts(self.rt)
        async with self.rt.db.transaction() as conn:
            rows = await queue.claim_deliveries(conn, limit=self._queue.maxsize, lock_seconds=LOCK_SECONDS,
                                                owner=self.rt.process_id)
        self._claimed.update(row["id"] for row in rows)
        await asyncio.gather(*(self._attempt_one(row) for row in rows))
        await self.flush()
        return len(rows)

    async def _claimer(self) -> None:
        while not self.stopping.is_set():
            # Wait for the senders to make room for a batch: sleeping a fixed time when the queue
            # was full left them idle once it ran dry, and claiming whatever little room there
            # was cost a transaction for a handful of rows.
            while self._queue.maxsize - self._queue.qsize() < self._batch and not self.stopping.is_set():
                self._room.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._room.wait(), 1.0)
            if self.stopping.is_set():
                return
            fanning = await continue_fanouts(self.rt)
            async with self.rt.db.transaction() as conn:
                rows = await queue.claim_deliveries(conn, limit=self._queue.maxsize - self._queue.qsize(),
                                                    lock_seconds=LOCK_SECONDS, owner=self.rt.process_id,
                                                    skip_hosts=sorted(self._parked))
            self._claimed.update(row["id"] for row in rows)
            for row in rows:
                await self._queue.put(row)
            if not rows:
                if fanning:
                    continue  # a fan-out queued more just now
                if self._queue.qsize() or self._outcomes:
                    await asyncio.sleep(CLAIM_AGAIN)
                    continue
                # With hosts skipped, rows of theirs may be due already: wait for a wake-up (one
                # comes when a host's parked rows are all sent) rather than claim in a loop.
                due = None if self._parked else await queue.next_delivery_due(self.rt.db.reader)
                await wait_for_work(self.rt.delivery_wakeup, due, max_wait=1.0 if self._parked else MAX_IDLE_WAIT)

    async def _sender(self) -> None:
        while True:
            row = await self._queue.get()
            if self._queue.maxsize - self._queue.qsize() >= self._batch:
                self._room.set()
            if self.stopping.is_set():
                continue  # not attempted: released at stop
            host = row["host"]
            # An actor's activities reach a host in the order they were queued: one at a time.
            if self._busy[host] >= self.per_host or (host, row["key_id"]) in self._speaking:
                self._parked.setdefault(host, deque()).append(row)
                continue
            self._busy[host] += 1
            try:
                while row is not None:
                    self._speaking.add((host, row["key_id"]))
                    try:
                        await self._attempt_one(row)
                    finally:
                        self._speaking.discard((host, row["key_id"]))
                    await self._written()  # outcomes before new work
                    row = self._next_parked(host)
            finally:
                self._busy[host] -= 1
                if not self._busy[host]:
                    del self._busy[host]

    def _next_parked(self, host: str):
        """The oldest row parked for `host` whose actor has nothing in flight there (its sender
        goes on with it), or None."""
        parked = self._parked.get(host)
        if not parked or self.stopping.is_set():
            return None
        row = next((r for r in parked if (host, r["key_id"]) not in self._speaking), None)
        if row is None:
            return None
        parked.remove(row)
        if not parked:
            del self._parked[host]
            self.rt.delivery_wakeup.set()  # the claimer takes this host's rows again
        return row

    async def _attempt_one(self, row) -> None:
        self._in_flight += 1
        try:
            await self._attempt(row)
        except Exception as e:  # a bug must not kill the sender; the row is retried
            log.exception("delivery %s crashed", row["id"])
            self._outcomes.append((row["id"], "pending", None, f"internal error: {e!r}", retry.next_delay(row["attempts"])))
        finally:
            self._in_flight -= 1
        self._claimed.discard(row["id"])

    async def _attempt(self, row) -> None:
        wait = self._paused.get(row["host"], 0.0) - asyncio.get_running_loop().time()
        if wait > 0:  # the host asked us to wait (429/503) after this row was claimed
            self._deferred.append((row["id"], wait))
            return
        body = row["activity_json"].encode()
        status, retry_after, error = None, None, None
        try:
            # Signed afresh for each attempt, with the scheme the host takes (double-knock).
            result = await self.rt.http.post(row["inbox_url"], body, signer=(row["key_id"], row["private_key_pem"]))
            status, retry_after = result.status, result.retry_after
            if not 200 <= status < 300:
                error = f"HTTP {status}: {result.body_excerpt[:200]}"
        except (RefusedAddress, BlockedDomain) as e:  # never retried: the address or domain is refused
            self._outcomes.append((row["id"], "failed", None, str(e), None))
            return
        except FetchError as e:
            error = str(e)
        created = datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
        age = (utcnow() - created).total_seconds()
        state, delay = classify(status, row["attempts"], age, self.give_up_seconds, retry_after)
        self._outcomes.append((row["id"], state, status, error, delay))
        if state == "failed" and classify(status, row["attempts"], 0, 1)[0] == "pending":
            self._given_up[row["host"]] += 1  # it would have been retried, were it younger
        if status in (429, 503) and state == "pending" and delay is not None:
            self._pause(row["host"], delay)
        # A host that answers at all is up; only network errors and 5xx count against it.
        self._host_news.append((row["host"], status is not None and status < 500))
        if state == "done":
            self.sent += 1

    def _pause(self, host: str, seconds: float) -> None:
        now = asyncio.get_running_loop().time()
        for expired in [h for h, until in self._paused.items() if until <= now]:
            del self._paused[expired]
        self._paused[host] = max(self._paused.get(host, 0.0), now + seconds)
        self._pauses.append((host, seconds))

    async def _written(self) -> None:
        """Wait until every outcome recorded so far is committed."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self._flushed.set()
        await waiter

    async def _flusher(self) -> None:
        """Write outcomes as soon as there are any; those recorded while a write is under way
        go into the next one."""
        while True:
            await self._flushed.wait()
            self._flushed.clear()
            try:
                await self.flush()
            except Exception:  # kept in memory (flush puts them back); the senders wait meanwhile
                log.exception("writing delivery outcomes failed; trying again in %.0f s", RETRY_FLUSH)
                await asyncio.sleep(RETRY_FLUSH)
                self._flushed.set()

    async def flush(self) -> None:
        """Write recorded outcomes and host health in one transaction. If that fails (or is
        cancelled), they stay recorded for the next flush."""
        if not self._outcomes and not self._host_news and not self._deferred:
            self._wake(self._waiters)
            self._waiters = []
            return
        outcomes, self._outcomes = self._outcomes, []
        given_up, self._given_up = self._given_up, Counter()
        news, self._host_news = self._host_news, []
        pauses, self._pauses = self._pauses, []
        deferred, self._deferred = self._deferred, []
        waiters, self._waiters = self._waiters, []
        try:
            await self._write(outcomes, given_up, news, pauses, deferred)
        except BaseException:
            self._outcomes[:0], self._host_news[:0] = outcomes, news
            self._pauses[:0], self._deferred[:0], self._waiters[:0] = pauses, deferred, waiters
            self._given_up.update(given_up)
            raise
        self._wake(waiters)

    @staticmethod
    def _wake(waiters: list[asyncio.Future]) -> None:
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def _write(self, outcomes: list, given_up: Counter, news: list, pauses: list, deferred: list) -> None:
        alive = sorted({host for host, ok in news if ok})
        failed = [host for host, ok in news if not ok and host not in alive]
        async with self.rt.db.transaction() as conn:
            await queue.mark_deliveries(conn, outcomes)
            if deferred:
                await queue.defer_deliveries(conn, deferred)
            if pauses:
                await queue.pause_hosts(conn, pauses)
            if alive:
                await queue.mark_hosts_alive(conn, alive)
            for host in failed:
                await queue.mark_host_failed(conn, host, _host_rest)
            ended = Counter(given_up)  # a copy: given_up goes back unchanged if this transaction fails
            for host in given_up:
                # Behind a failing host's probe, older deliveries were never tried: they end too.
                ended[host] += await queue.give_up_deliveries(
                    conn, host, queued_before=iso_in(-self.give_up_seconds),
                    reason=f"given up: {host} kept failing for {self.rt.config.delivery_give_up_days:g} days")
        # What was written may make rows due now (a host answering again, a deferral): the claimer
        # looks again instead of sleeping until the due time it read while these were in flight.
        self.rt.delivery_wakeup.set()
        for host, count in ended.items():
            log.warning("gave up %d deliveries to %s: still failing after federation.delivery_give_up_days = %g",
                        count, host, self.rt.config.delivery_give_up_days)


def _host_rest(failures: int, failing_since: str) -> float:
    since = datetime.fromisoformat(failing_since.replace("Z", "+00:00"))
    return retry.host_rest((utcnow() - since).total_seconds())
