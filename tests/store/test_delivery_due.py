"""When the delivery worker's claimer next looks: rows queued behind a failing host's probe, and
rows in flight, do not make it look again at once (that was a claim every 50 ms for a day)."""

from __future__ import annotations

from datetime import datetime, timedelta

from actors import local as local_actors
from wecreate_fed import config as config_module
from wecreate_fed.store import Database, iso, queue, social, utcnow


def at(stored: str) -> datetime:
    return datetime.fromisoformat(stored.replace("Z", "+00:00"))


async def test_a_failing_hosts_queue_is_due_with_its_probe(tmp_path):
    config = config_module.from_dict({"instance": {"name": "T", "base_url": "https://here.example"},
                                      "city": {"name": "Leipzig"}, "database": {"path": str(tmp_path / "db")}})
    db = await Database(config.database_path).open()
    try:
        async with db.transaction() as conn:
            actor = await local_actors.create_account(conn, config, username="poster")
            activity_id = await social.add_activity(conn, ap_id="https://here.example/a/1", actor_id=actor.id,
                                                    type="Create", object_ap_id=None, is_public=True, data={})
            await queue.add_deliveries(conn, activity_id, [f"https://down.example/users/u{n}/inbox" for n in range(3)]
                                       + ["https://up.example/inbox"])
            rows = await queue.claim_deliveries(conn, limit=10, lock_seconds=300, owner="p1")
        assert len(rows) == 4
        probe, up = rows[0]["id"], rows[3]["id"]
        async with db.transaction() as conn:
            # the probe failed (retry in an hour), its host counts a failure; the other two were never tried
            await queue.mark_deliveries(conn, [(probe, "pending", None, "refused", 3600.0)])
            await queue.release_deliveries(conn, [rows[1]["id"], rows[2]["id"]])
            await queue.mark_host_failed(conn, "down.example", lambda failures, since: 0.0)
        # the row to up.example is still in flight: due when its lease ends, not now
        due = at(await queue.next_delivery_due(db.reader))
        assert due > utcnow() + timedelta(seconds=290), due
        async with db.transaction() as conn:
            await queue.mark_deliveries(conn, [(up, "done", 202, None, None)])
        due = at(await queue.next_delivery_due(db.reader))
        assert utcnow() + timedelta(seconds=3500) < due < utcnow() + timedelta(seconds=3700), due
        async with db.transaction() as conn:  # it answers again: everything queued behind the probe is due
            await queue.mark_hosts_alive(conn, ["down.example"])
        assert at(await queue.next_delivery_due(db.reader)) <= at(iso())
    finally:
        await db.close()
