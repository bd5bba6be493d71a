"""Deliveries survive a target that is down and a restart of the sender."""

import json

from tests.conftest import eventually
from wecreate_fed.store import iso


async def make_due_now(instance) -> None:
    """Skip the back-off wait (a minute and more) instead of sleeping through it in a test."""
    async with instance.rt.db.transaction() as conn:
        await conn.execute("UPDATE deliveries SET next_attempt_at = ? WHERE state = 'pending'", (iso(),))
    instance.rt.delivery_wakeup.set()


async def jonas_follows_anna(leipzig, meissen):
    """Jonas on Meißen follows Anna on Leipzig (accepted); returns Anna."""
    anna = await leipzig.create_user("anna")
    await meissen.create_user("jonas")
    await meissen.post_outbox("jonas", {"type": "Follow", "object": anna.ap_id})
    await eventually(lambda: meissen.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="accepted")
    return anna


async def test_delivery_to_a_down_server_arrives_after_it_returns_even_across_a_sender_restart(leipzig, meissen):
    # Given Jonas on Meißen follows Anna on Leipzig
    await jonas_follows_anna(leipzig, meissen)

    # When Meißen goes down and Anna posts
    await meissen.stop()
    status, _ = await leipzig.post_outbox("anna", {"type": "Note", "content": "Bürgersprechstunde am Dienstag"})
    assert status == 201
    failed = await eventually(
        lambda: leipzig.query("SELECT * FROM deliveries WHERE attempts >= 1 AND state = 'pending'"),
        message="a failed attempt")
    assert failed[0]["last_error"] and failed[0]["last_status"] is None
    assert failed[0]["next_attempt_at"] > iso()  # backed off, not hammering

    # And Leipzig itself restarts (pending deliveries live in its database)
    await leipzig.stop()
    await leipzig.start()
    assert await leipzig.query("SELECT state FROM deliveries WHERE state = 'pending'")

    # Then once Meißen is back and the retry falls due, the post arrives, signed and verified
    await meissen.start()
    await make_due_now(leipzig)
    await eventually(lambda: meissen.query("SELECT 1 FROM objects WHERE content LIKE '%Bürgersprechstunde%'"),
                     message="the post on Meißen")
    done = await eventually(lambda: leipzig.query("SELECT * FROM deliveries WHERE state = 'done' AND attempts >= 2"),
                            message="delivery marked done")
    assert done[0]["last_status"] == 202
    host = (await leipzig.query("SELECT * FROM hosts WHERE host = ?", (done[0]["host"],)))[0]
    assert host["failing_since"] is None and host["failures"] == 0


async def test_a_gone_inbox_is_not_retried(leipzig, meissen):
    await jonas_follows_anna(leipzig, meissen)
    # Jonas's inbox stops existing (account deleted): his personal inbox answers 404.
    async with leipzig.rt.db.transaction() as conn:
        await conn.execute("UPDATE actors SET shared_inbox_url = NULL, inbox_url = ? WHERE is_local = 0",
                           (f"{meissen.base_url}/users/nobody/inbox",))
    await leipzig.post_outbox("anna", {"type": "Note", "content": "Hallo"})
    rows = await eventually(lambda: leipzig.query("SELECT * FROM deliveries WHERE state = 'gone'"), message="gone")
    assert rows[0]["last_status"] == 404 and rows[0]["attempts"] == 1


async def test_a_host_failing_for_days_rests_until_it_answers_again(leipzig, meissen):
    await jonas_follows_anna(leipzig, meissen)
    host = meissen.config.host
    # (the Accept's success must be recorded before we write the host's history)
    await eventually(lambda: leipzig.query("SELECT 1 FROM hosts WHERE host = ? AND last_success_at IS NOT NULL", (host,)),
                     message="Accept delivery recorded")
    # Given Meißen has been down for two days: one more failure sends it to rest
    await meissen.stop()
    async with leipzig.rt.db.transaction() as conn:
        await conn.execute("INSERT INTO hosts (host, failing_since, failures) VALUES (?, ?, 40) "
                           "ON CONFLICT (host) DO UPDATE SET failing_since = excluded.failing_since, failures = 40",
                           (host, "2026-01-01T00:00:00.000000Z"))
    await leipzig.post_outbox("anna", {"type": "Note", "content": "Erste Nachricht"})
    resting = await eventually(lambda: leipzig.query("SELECT * FROM hosts WHERE host = ? AND probe_after > ?",
                                                     (host, iso())), message="host resting")
    assert resting[0]["failures"] == 41
    # When Anna posts again and the first delivery's retry falls due, nothing is attempted while it rests
    await meissen.start()
    await leipzig.post_outbox("anna", {"type": "Note", "content": "Zweite Nachricht"})
    await make_due_now(leipzig)
    pending = await leipzig.query("SELECT attempts FROM deliveries WHERE state = 'pending' ORDER BY id")
    assert [p["attempts"] for p in pending] == [1, 0]
    # Then once the rest is over (a probe), both arrive and the host counts as healthy again
    async with leipzig.rt.db.transaction() as conn:
        await conn.execute("UPDATE hosts SET probe_after = ? WHERE host = ?", (iso(), host))
    await make_due_now(leipzig)
    await eventually(lambda: _count(meissen, "SELECT count(*) AS n FROM objects", 2), message="both posts arrive")
    await eventually(lambda: leipzig.query("SELECT 1 FROM hosts WHERE host = ? AND failing_since IS NULL "
                                           "AND probe_after IS NULL AND failures = 0", (host,)),
                     message="host healthy again")


async def _count(instance, sql, expected):
    return (await instance.query(sql))[0]["n"] == expected


async def test_a_server_that_hangs_does_not_hold_up_deliveries_to_the_others(make_instance, hanging_peer):
    # Given Anna on Leipzig (eight senders, four at a time per host) followed by Jonas on Meißen
    # and by someone on a server that takes every POST and never answers
    leipzig = await make_instance("leipzig", delivery_concurrency=8, fetch_timeout_seconds=3.0)
    meissen = await make_instance("meissen")
    anna = await jonas_follows_anna(leipzig, meissen)
    await hanging_peer.follow(leipzig.shared_inbox, anna.ap_id)
    await eventually(lambda: hanging_peer.posts, message="the Accept hanging")

    # When she posts 40 notes, each going to both servers
    for number in range(40):
        status, _ = await leipzig.post_outbox("anna", {"type": "Note", "content": f"Neuigkeit Nummer {number}"})
        assert status == 201

    # Then Meißen has them all while the hanging server held four POSTs at most (each waits three
    # seconds; senders stuck behind them would need half a minute). At most, not now: on a loaded
    # machine the 40 posts took longer than the three seconds, and the host then rests untried.
    await eventually(lambda: _notes_on(meissen, 40), timeout=5, message="all 40 notes on Meißen")
    assert 1 <= hanging_peer.most_hanging <= 4


async def _notes_on(instance, count: int) -> bool:
    rows = await instance.query("SELECT count(*) AS n FROM objects WHERE content LIKE '%Neuigkeit Nummer%'")
    return rows[0]["n"] == count


async def test_a_failing_host_is_probed_with_its_oldest_delivery_and_gets_its_backlog_in_order(leipzig, meissen):
    await jonas_follows_anna(leipzig, meissen)
    # Given Meißen is down and Anna's first post failed there
    await meissen.stop()
    await leipzig.post_outbox("anna", {"type": "Note", "content": "Nachricht 0"})
    await eventually(lambda: leipzig.query("SELECT 1 FROM deliveries WHERE attempts >= 1 AND state = 'pending'"),
                     message="a failed attempt")
    # When she posts four more while it is down and every retry falls due
    for n in range(1, 5):
        await leipzig.post_outbox("anna", {"type": "Note", "content": f"Nachricht {n}"})
    for _ in range(3):
        await make_due_now(leipzig)
        await eventually(lambda: leipzig.query("SELECT 1 FROM deliveries WHERE state = 'pending' "
                                               "AND locked_until IS NULL AND next_attempt_at > ?", (iso(),)),
                         message="the probe failed again")
    # Then only the oldest was tried (the probe); the others wait behind it untried
    attempts = [r["attempts"] for r in await leipzig.query(
        "SELECT attempts FROM deliveries WHERE state = 'pending' ORDER BY id")]
    assert attempts[0] >= 2 and attempts[1:] == [0, 0, 0, 0]
    # And once Meißen is back, all five arrive in the order Anna wrote them (as its inbox took
    # them; its workers may store them in another order, FEDERATION.md)
    await meissen.start()
    await make_due_now(leipzig)
    await eventually(lambda: _count(meissen, "SELECT count(*) AS n FROM objects", 5), message="all five arrive")
    arrived = [json.loads(r["data"])["object"]["content"] for r in await meissen.query(
        "SELECT data FROM incoming WHERE type = 'Create' ORDER BY id")]
    assert [int(c.rsplit(" ", 1)[1].strip("</p>")) for c in arrived] == [0, 1, 2, 3, 4]


async def test_deliveries_to_a_host_down_beyond_the_give_up_window_end_and_are_reported(leipzig, meissen, caplog):
    await jonas_follows_anna(leipzig, meissen)
    await meissen.stop()
    await leipzig.post_outbox("anna", {"type": "Note", "content": "Nachricht 0"})
    await eventually(lambda: leipzig.query("SELECT 1 FROM deliveries WHERE attempts >= 1 AND state = 'pending'"),
                     message="a failed attempt")
    for n in (1, 2):
        await leipzig.post_outbox("anna", {"type": "Note", "content": f"Nachricht {n}"})
    # Given the three were queued four days ago (the give-up window is three)
    async with leipzig.rt.db.transaction() as conn:
        await conn.execute("UPDATE deliveries SET created_at = ? WHERE state = 'pending'",
                           ("2026-01-01T00:00:00.000000Z",))
    # When the probe fails once more, all three end (the two behind it were never tried) and the log says so
    await make_due_now(leipzig)
    failed = await eventually(lambda: _rows(leipzig, "SELECT * FROM deliveries WHERE state = 'failed'", 3),
                              message="all three given up")
    assert sorted(r["attempts"] for r in failed) == [0, 0, 2]
    # logged after the commit that ended them: a moment after the rows show it
    await eventually(lambda: any("gave up" in r.message and meissen.config.host in r.message for r in caplog.records),
                     message="the give-up in the log")


async def _rows(instance, sql, expected):
    rows = await instance.query(sql)
    return rows if len(rows) == expected else None
