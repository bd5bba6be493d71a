"""Several real `wecreate-fed` processes on one PostgreSQL database: two web processes
(`serve --web-workers 2 --no-workers`) and two delivery workers (`worker --queues delivery`).

A fan-out of 2,000 deliveries to a real receiving server on loopback arrives exactly once in
total (counted at the receiver; every row attempted once, both workers took part), and after a
`kill -9` of one worker in the middle of its rows, the other finishes them once the dead one's
lease is given back. A mail queued in a web process wakes the mail worker of another at once.
Skipped without WECREATE_TEST_DATABASE (they are about several processes
on one server database; SQLite serves from one process).
"""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from tests import processes
from tests.conftest import eventually, free_port
from tests.mailserver import MailServer
from wecreate_fed import config as config_module
from wecreate_fed import leases, mail, store, wakeups
from wecreate_fed import processes as processes_module
from wecreate_fed.http import HttpClient
from wecreate_fed.runtime import Runtime

pg_databases = pytest.importorskip("tests.pg_databases", reason="needs the PostgreSQL store")
pytestmark = pytest.mark.skipif(not pg_databases.enabled(),
                                reason="needs WECREATE_TEST_DATABASE=postgresql://… (several processes on one "
                                       "PostgreSQL database)")

FANOUT = 2000


@pytest.fixture
async def pg_config(tmp_path):
    """A config file on a fresh PostgreSQL database, `init` run on it."""
    url = await pg_databases.fresh()
    port = free_port()
    config = processes.write_config(tmp_path, database=url, port=port, delivery_concurrency=16)
    code, _, err = await processes.run("init", "--config", str(config))
    assert code == 0, err
    yield config
    await pg_databases.drop([url])


async def start_workers(config, count: int) -> list[tuple[processes.Process, str]]:
    """`count` delivery worker processes, each with its process id (from its start-up line)."""
    started = [await processes.Process("worker", "--config", str(config), "--queues", "delivery").start()
               for _ in range(count)]
    found = [await worker.wait_for_line(r"worker ([0-9a-f]+): delivery$") for worker in started]
    return [(worker, match.group(1)) for worker, match in zip(started, found, strict=True)]


async def holders(config) -> dict[str, int]:
    rows = await processes.query(config, "SELECT locked_by, count(*) AS n FROM deliveries "
                                         "WHERE locked_by IS NOT NULL AND state = 'pending' GROUP BY locked_by")
    return {row["locked_by"]: row["n"] for row in rows}


async def done(config, count: int) -> bool:
    return await processes.delivery_states(config) == {"done": count}


def stop_all(*running) -> None:
    for process in running:
        if process is not None and process.process is not None and process.process.returncode is None:
            process.kill()


@pytest.mark.timeout(420)
async def test_two_web_processes_and_two_workers_deliver_a_fanout_of_2000_exactly_once(pg_config):
    config = pg_config
    receiver = await processes.Receiver(ports=40).start()
    web = None
    workers: list = []
    try:
        # Given two web processes without workers
        web = await processes.Process("serve", "--config", str(config), "--web-workers", "2", "--no-workers").start()
        await web.wait_for_line(r"with 2 processes \(no workers\)")
        await web.wait_for_line(r"serving .* on fd://\d+ \(no workers\)", count=2)  # each child
        assert len(processes.children_of(web.pid)) == 2
        base = f"http://127.0.0.1:{config_port(config)}"
        async with aiohttp.ClientSession() as session:
            async def ok():
                try:
                    async with session.get(f"{base}/.well-known/nodeinfo") as answer:
                        return answer.status == 200
                except aiohttp.ClientError:
                    return False
            await eventually(ok, timeout=60, message="the web processes answer")
            assert all(await asyncio.gather(*(ok() for _ in range(20))))

        # And a post of Anna's queued for 2,000 inboxes on 40 hosts
        await processes.queue_fanout(config, receiver.inboxes(FANOUT))
        assert await processes.delivery_states(config) == {"pending": FANOUT}

        # When two delivery workers start
        workers = await start_workers(config, 2)
        ids = {process_id for _, process_id in workers}
        seen: set[str] = set()
        began = time.monotonic()
        async with asyncio.timeout(300):
            while not await done(config, FANOUT):
                seen |= set(await holders(config))
                await asyncio.sleep(0.2)
        took = time.monotonic() - began

        # Then every inbox got the post exactly once, each row was attempted once, and both took part
        await asyncio.sleep(1)  # a second POST of any row would arrive meanwhile
        assert sum(receiver.posts.values()) == FANOUT
        assert len(receiver.posts) == FANOUT and set(receiver.posts.values()) == {1}
        attempts = await processes.query(config, "SELECT attempts, count(*) AS n FROM deliveries GROUP BY attempts")
        assert attempts == [{"attempts": 1, "n": FANOUT}]
        assert seen <= ids and seen == ids, (seen, ids)
        print(f"{FANOUT} deliveries by 2 worker processes in {took:.1f} s")

        # And SIGTERM stops every process cleanly
        for worker, _ in workers:
            assert await worker.stop() == 0, worker.text
        assert await web.stop() == 0, web.text
        assert await processes.query(config, "SELECT * FROM workers") == []
    finally:
        stop_all(web, *(worker for worker, _ in workers))
        await receiver.stop()


@pytest.mark.timeout(300)
async def test_after_kill_9_of_one_worker_the_other_finishes_its_rows_after_the_lease(pg_config):
    config = pg_config
    # A slow receiver (0.2 s an answer), so that a worker holds rows in flight when it is killed
    receiver = await processes.Receiver(ports=20, delay=0.2).start()
    workers: list = []
    try:
        await processes.queue_fanout(config, receiver.inboxes(300))
        workers = await start_workers(config, 2)
        (victim, victim_id), (survivor, survivor_id) = workers

        # When the first is killed (kill -9) while it holds rows
        await eventually(lambda: _holds(config, victim_id), timeout=60, message="the victim holding rows")
        victim.kill()
        await victim.process.wait()
        killed = time.monotonic()
        held = (await holders(config)).get(victim_id, 0)
        assert held > 0
        before = await processes.delivery_states(config)
        assert before.get("pending", 0) > 0, before

        # Then the survivor gives the dead one's rows back once its beat is stale, and delivers all 300
        try:
            await eventually(lambda: done(config, 300), timeout=leases.DEAD_AFTER + 120, interval=0.3,
                             message="all 300 delivered")
        except AssertionError:
            print("states", await processes.delivery_states(config), "holders", await holders(config),
                  "workers", await processes.query(config, "SELECT * FROM workers"), "reached", len(receiver.posts))
            print("the survivor's log:", survivor.text)
            raise
        assert time.monotonic() - killed >= leases.DEAD_AFTER - 1 or held == 0
        assert "gave back" in survivor.text and victim_id in survivor.text
        # Every inbox has it; only a row the victim had sent but not yet recorded may have come twice
        assert len(receiver.posts) == 300
        twice = sum(n - 1 for n in receiver.posts.values())
        assert twice <= held, (twice, held)
        assert await survivor.stop() == 0, survivor.text
        assert [w["process_id"] for w in await processes.query(config, "SELECT process_id FROM workers")] == []
    finally:
        stop_all(*(worker for worker, _ in workers))
        await receiver.stop()


async def _holds(config, process_id: str) -> bool:
    return (await holders(config)).get(process_id, 0) > 0


def config_port(config_path) -> int:
    text = config_path.read_text()
    return int(text.split("port = ", 1)[1].split()[0])


@pytest.mark.timeout(60)
async def test_a_wakeup_set_in_one_process_wakes_the_worker_of_another_after_the_commit(pg_config):
    config = config_module.load(pg_config)
    dbs = [await store.open_database(config.database_url) for _ in range(2)]
    web, worker = (Runtime(config=config, db=db, http=HttpClient.from_config(config)) for db in dbs)
    tasks = wakeups.share(web) + wakeups.share(worker, listen=("delivery",))
    try:
        await asyncio.sleep(0.5)  # the LISTEN is in place
        worker.delivery_wakeup.clear()
        # Inside a write batch, the other process hears of it only once the batch commits
        async with web.db.batch():
            web.delivery_wakeup.set()
            await asyncio.sleep(0.5)
            assert not worker.delivery_wakeup.is_set()
        await asyncio.wait_for(worker.delivery_wakeup.wait(), 10)
        # The inbox's wake-up does not wake a process that does not work the inbox
        worker.inbox_wakeup.clear()
        web.inbox_wakeup.set()
        await asyncio.sleep(0.5)
        assert not worker.inbox_wakeup.is_set()
    finally:
        await wakeups.stop(tasks)
        for db in dbs:
            await db.close()


@pytest.mark.timeout(90)
async def test_a_mail_queued_in_a_web_process_is_sent_by_the_mail_worker_of_another_at_once(tmp_path):
    """A worker process for the mail queue sleeps up to its 30 s poll; a web process's queued
    mail wakes it across processes (LISTEN/NOTIFY), once the web process's transaction committed."""
    smtp = await MailServer().start()
    url = await pg_databases.fresh()
    path = processes.write_config(tmp_path, database=url)
    path.write_text(path.read_text() + "[email]\n" + "".join(
        f"{name} = {json.dumps(value)}\n" for name, value in smtp.tables()["email"].items()))
    worker = None
    try:
        code, _, err = await processes.run("init", "--config", str(path))
        assert code == 0, err
        worker = await processes.Process("worker", "--config", str(path), "--queues", "mail").start()
        await worker.wait_for_line(r"worker ([0-9a-f]+): mail$")
        await asyncio.sleep(1.5)  # its first round found nothing: it sleeps until a wake-up or its poll
        config = config_module.load(path)
        web = Runtime(config=config, db=await store.open_database(config.database_url),
                      http=HttpClient.from_config(config))
        tasks = processes_module.share_wakeups(web, ())
        try:
            async with web.db.transaction() as conn:
                await mail.queue(conn, config, to="anna@example.org", lang="de", template="reset",
                                 values={"name": "Anna", "username": "anna", "url": "http://127.0.0.1/x",
                                         "minutes": 60})
                await asyncio.sleep(0.5)  # the worker, woken now, would find nothing
            [sent] = await smtp.wait_for(1, timeout=10)
            assert sent.recipients == ["anna@example.org"]
        finally:
            await wakeups.stop(tasks)
            await web.db.close()
        assert await worker.stop() == 0, worker.text
    finally:
        stop_all(worker)
        await smtp.stop()
        await pg_databases.drop([url])
