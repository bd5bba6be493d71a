"""`wecreate-fed queues`: what the inbox, delivery and civic queues hold, per queue and per remote host.

The rows are written straight into the database of a real `init`, in every state a queue row
can be in, and the command runs as a subprocess the way an operator runs it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.cli.test_cli import run_cli, write_config
from wecreate_fed import config as config_module
from wecreate_fed import store


def at(seconds_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def fill(config_path: Path) -> None:
    """Inbox: 3 waiting (one retrying), 1 locked, 1 failed, 4 done. Deliveries to three hosts,
    one failing. Civic: two ideas with counts to publish (one retrying), one given up."""
    db = await store.open_database(config_module.load(config_path).database_url)
    try:
        async with db.transaction() as conn:
            await _fill(conn)
    finally:
        await db.close()


async def _fill(db) -> None:
    actor = await store.fetch_value(db, "SELECT id FROM actors LIMIT 1")
    incoming = [("pending", 0, None, at(600)), ("pending", 2, None, at(300)), ("pending", 0, None, at(5)),
                ("pending", 0, at(-200), at(60)), ("failed", 5, None, at(9000))] + [("done", 1, None, at(99999))] * 4
    for i, (state, attempts, locked_until, received) in enumerate(incoming):
        await db.execute("INSERT INTO incoming (activity_ap_id, type, signer_ap_id, data, received_at, state, attempts, "
                         "next_attempt_at, locked_until, locked_by) VALUES (?, 'Create', 'x', '{}', ?, ?, ?, ?, ?, ?)",
                         (f"https://a.example/{i}", received, state, attempts, received, locked_until,
                          "p1" if locked_until else None))
    activity = await store.fetch_value(db, "INSERT INTO activities (ap_id, actor_id, type, data, created_at) "
                                       "VALUES ('https://here/a/1', ?, 'Create', '{}', ?) RETURNING id",
                                       (actor, at(0)))
    deliveries = [("slow.example", "pending", None, at(7200)), ("slow.example", "pending", None, at(3600)),
                  ("slow.example", "pending", at(-100), at(3600)), ("slow.example", "failed", None, at(9000)),
                  ("fine.example", "pending", None, at(30)), ("fine.example", "done", None, at(30)),
                  ("done.example", "done", None, at(30))]
    for i, (host, state, locked_until, created) in enumerate(deliveries):
        await db.execute("INSERT INTO deliveries (activity_id, inbox_url, host, state, next_attempt_at, locked_until, "
                         "locked_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (activity, f"https://{host}/inbox/{i}", host, state, created, locked_until,
                          "p1" if locked_until else None, created))
    await db.execute("INSERT INTO hosts (host, failing_since, failures) VALUES ('slow.example', ?, 4)", (at(7000),))
    ideas = [(at(120), 0, None), (at(40), 1, "HTTP 500"), (None, 9, "given up")]
    for i, (changed, attempts, error) in enumerate(ideas):
        await db.execute("INSERT INTO ideas (ap_id, is_local, author_id, kind, title, status, published, created_at, "
                         "counts_changed_at, counts_attempts, counts_error) VALUES (?, 1, ?, 'idea', 't', 'proposed', "
                         "?, ?, ?, ?, ?)", (f"https://here/ideas/{i}", actor, at(999), at(999), changed, attempts, error))
    # p1's beat stays fresh however slowly the command starts on a loaded machine
    await db.execute("INSERT INTO workers (process_id, started_at, last_beat, pid, hostname) "
                     "VALUES ('p1', ?, ?, 4242, 'box'), ('p0', ?, ?, 4141, 'box')", (at(60), at(-300), at(900), at(800)))


async def test_queues_prints_each_queue_and_each_host_as_json_and_as_a_table(tmp_path):
    config_path = write_config(tmp_path / "etc")
    code, _, err = await run_cli("init", "--config", str(config_path))
    assert code == 0, err
    await fill(config_path)

    code, out, err = await run_cli("queues", "--json", "--config", str(config_path))
    assert code == 0, err
    report = json.loads(out)
    inbox, delivery, civic = (report["queues"][name] for name in ("inbox", "delivery", "civic"))
    assert (inbox["pending"], inbox["locked"], inbox["retrying"], inbox["failed"]) == (3, 1, 1, 1)
    assert inbox["oldest_pending"] < at(599)
    assert (delivery["pending"], delivery["locked"], delivery["failed"]) == (3, 1, 1)
    assert delivery["oldest_pending"] < at(7199)
    assert (civic["pending"], civic["locked"], civic["retrying"], civic["failed"]) == (2, 0, 1, 1)
    assert civic["oldest_pending"] < at(119)
    # Most pending first; a host with only done deliveries is not listed.
    assert [h["host"] for h in report["hosts"]] == ["slow.example", "fine.example"] and report["hosts_total"] == 2
    slow, fine = report["hosts"]
    assert (slow["pending"], slow["locked"], slow["failed"]) == (2, 1, 1) and slow["failing_since"] < at(6999)
    assert (fine["pending"], fine["locked"], fine["failed"], fine["failing_since"]) == (1, 0, 0, None)
    assert {w["process_id"]: w["alive"] for w in report["workers"]} == {"p1": True, "p0": False}

    code, out, err = await run_cli("queues", "--hosts", "1", "--config", str(config_path))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["queue", "pending", "locked", "retrying", "failed", "oldest", "pending"]
    assert lines[1].split()[:5] == ["inbox", "3", "1", "1", "1"] and "(10 min ago)" in lines[1]
    assert lines[2].split()[:5] == ["delivery", "3", "1", "0", "1"] and "(2 h ago)" in lines[2]
    assert lines[3].split()[:5] == ["civic", "2", "0", "1", "1"]
    assert "deliveries per host (1 of 2, most pending first)" in out
    slow_line = next(line for line in lines if line.startswith("slow.example"))
    assert slow_line.split()[1:4] == ["2", "1", "1"] and "failing since" in slow_line
    assert "fine.example" not in out
    assert "process p1 (pid 4242 on box)" in out and "alive" in out and "silent" in out


async def test_queues_of_an_empty_instance_and_its_usage_errors(tmp_path):
    config_path = write_config(tmp_path / "etc")
    code, _, err = await run_cli("init", "--config", str(config_path))
    assert code == 0, err
    code, out, err = await run_cli("queues", "--config", str(config_path))
    assert code == 0, err
    assert out.splitlines()[1].split() == ["inbox", "0", "0", "0", "0", "-"]
    assert "deliveries per host: none pending or failed" in out and "none beating" in out
    code, _, err = await run_cli("queues", "--hosts", "many", "--config", str(config_path))
    assert code == 2 and "invalid int value" in err
