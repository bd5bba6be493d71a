"""`wecreate-fed worker` and `serve --no-workers` as real processes on one database (of this run's
backend), and what `serve --web-workers` answers on SQLite. (On PostgreSQL with several of each:
tests/federation/test_pg_processes.py.)"""

from __future__ import annotations

import asyncio

import pytest

from tests import pg_databases, processes
from tests.cli.test_cli import assert_one_line_error
from tests.conftest import eventually


@pytest.mark.sqlite_only  # what SQLite's one writer allows (PostgreSQL's several: tests/federation/test_pg_processes.py)
async def test_serve_refuses_several_web_processes_on_sqlite_in_one_line(tmp_path):
    config = processes.write_config(tmp_path, database="data/leipzig.sqlite3")
    code, out, err = await processes.run("serve", "--config", str(config), "--web-workers", "2")
    line = assert_one_line_error(code, out, err)
    assert "--web-workers 2 needs PostgreSQL" in line and "on SQLite one process serves" in line


async def test_an_unknown_queue_is_a_usage_error(tmp_path):
    config = processes.write_config(tmp_path, database="data/leipzig.sqlite3")
    code, _, err = await processes.run("worker", "--config", str(config), "--queues", "inbox,outbox")
    assert code == 2
    assert "unknown queue 'outbox': choose from inbox, delivery, civic, mail, housekeeping" in err


@pytest.mark.timeout(180)
async def test_a_web_process_without_workers_leaves_the_deliveries_to_a_worker_process(tmp_path):
    database = pg_databases.fresh_now() if pg_databases.enabled() else "data/leipzig.sqlite3"
    config = processes.write_config(tmp_path, database=database)
    receiver = await processes.Receiver(ports=2).start()
    web = worker = None
    try:
        code, _, err = await processes.run("init", "--config", str(config))
        assert code == 0, err
        # Given a serving process without workers, and a post queued for 20 inboxes
        web = await processes.Process("serve", "--config", str(config), "--no-workers").start()
        await web.wait_for_line(r"serving .* \(no workers\)")
        await processes.queue_fanout(config, receiver.inboxes(20))
        # Then nothing is sent while only the web process runs (it claims nothing, beats nowhere)
        await asyncio.sleep(2)
        assert await processes.delivery_states(config) == {"pending": 20}
        assert not receiver.posts
        assert await processes.query(config, "SELECT * FROM workers") == []

        # When a worker process for the deliveries starts
        worker = await processes.Process("worker", "--config", str(config), "--queues", "delivery").start()
        found = await worker.wait_for_line(r"worker ([0-9a-f]+): delivery$")
        # Then it delivers every one exactly once, and beats in the workers table while it works
        await eventually(lambda: len(receiver.posts) == 20, timeout=60, message="20 inboxes reached")
        await eventually(lambda: _all_done(config, 20), timeout=30, message="20 deliveries done")
        assert set(receiver.posts.values()) == {1}
        assert [w["process_id"] for w in await processes.query(config, "SELECT process_id FROM workers")] == [
            found.group(1)]

        # And SIGTERM stops both cleanly: exit 0, and the worker leaves the workers table
        assert await worker.stop() == 0, worker.text
        assert await web.stop() == 0, web.text
        assert await processes.query(config, "SELECT * FROM workers") == []
        assert "Traceback" not in worker.text + web.text
    finally:
        for process in (worker, web):
            if process is not None and process.process.returncode is None:
                process.kill()
        await receiver.stop()


async def _all_done(config, count: int) -> bool:
    return await processes.delivery_states(config) == {"done": count}
