"""A poll's Update is claimed before it is sent: the civic workers of several processes (here several
rounds at once on one database, on the backend of this run) send it once, and a worker that dies
leaves it to the others when its lease ends."""

from __future__ import annotations

import asyncio
import json

from inbox import worker as inbox_worker
from tests.conftest import eventually
from wecreate_fed.civic import polls
from wecreate_fed.civic.polls import updates
from wecreate_fed.store import iso, iso_in
from wecreate_fed.store import polls as polls_store


async def _updates_of(instance, ap_id: str) -> list[dict]:
    rows = await instance.query("SELECT id, data FROM activities WHERE type = 'Update' ORDER BY id")
    return [r for r in rows if json.loads(r["data"])["object"]["id"] == ap_id]


async def test_a_polls_update_goes_out_once_whatever_the_number_of_workers(make_instance):
    leipzig = await make_instance("leipzig", run_workers=False)  # its civic worker: the rounds below
    meissen = await make_instance("meissen")
    anna = await leipzig.create_user("anna")
    await meissen.create_user("bob")
    status, body = await meissen.post_outbox("bob", {"type": "Follow", "object": anna.ap_id})
    assert status == 201, body

    async def followed():
        await inbox_worker.run_once(leipzig.rt)
        return await leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'")
    await eventually(followed, timeout=30, message="bob follows anna at leipzig")
    ap_id = await polls.create(leipzig.rt, anna, {"question": "Brunnen oder Bänke?", "options": ["Brunnen", "Bänke"]})
    await polls.vote(leipzig.rt, anna, ap_id, [1])
    await polls.close(leipzig.rt, anna, ap_id)  # the final totals: due at once

    looked = await asyncio.gather(*(updates.publish_due(leipzig.rt) for _ in range(4)))
    assert sum(looked) == 1  # one round claimed it; the others found nothing due
    sent = await _updates_of(leipzig, ap_id)
    assert len(sent) == 1 and json.loads(sent[0]["data"])["object"]["closed"]
    deliveries = await leipzig.query("SELECT inbox_url FROM deliveries WHERE activity_id = ?", (sent[0]["id"],))
    assert len(deliveries) == 1 and deliveries[0]["inbox_url"].startswith(meissen.base_url)
    poll = await polls_store.get_poll(leipzig.rt.db.reader, ap_id)
    assert poll.update_due_at is None and poll.closing_sent
    assert await updates.publish_due(leipzig.rt) == 0 and len(await _updates_of(leipzig, ap_id)) == 1


async def test_a_claimed_poll_is_due_again_when_its_lease_ends_or_it_is_released(make_instance):
    leipzig = await make_instance("leipzig", run_workers=False)
    anna = await leipzig.create_user("anna")
    ap_id = await polls.create(leipzig.rt, anna, {"question": "Wann?", "options": ["Morgens", "Abends"]})
    await polls.close(leipzig.rt, anna, ap_id)
    db = leipzig.rt.db

    async def claim(lease_until: str):
        async with db.transaction() as conn:
            return await polls_store.claim_updates_due(conn, now=iso(), limit=10, lease_until=lease_until)
    lease = iso_in(0.5)
    assert [p.ap_id for p in await claim(lease)] == [ap_id]  # a worker claims it, then dies
    assert await claim(iso_in(60)) == []  # held: another worker leaves it alone
    await asyncio.sleep(0.6)
    taken = await claim(iso_in(60))  # the lease ended: another worker takes it over
    assert [p.ap_id for p in taken] == [ap_id]
    async with db.transaction() as conn:  # that one stops before sending: due again at once
        await polls_store.release_updates(conn, [taken[0].id], lease_until=taken_lease(await _poll(leipzig, ap_id)))
    assert await updates.publish_due(leipzig.rt) == 1
    assert len(await _updates_of(leipzig, ap_id)) == 1
    assert (await _poll(leipzig, ap_id)).update_due_at is None


async def _poll(instance, ap_id: str):
    return await polls_store.get_poll(instance.rt.db.reader, ap_id)


def taken_lease(poll) -> str:
    """The due time a claim set: the lease's end."""
    assert poll.update_due_at is not None
    return poll.update_due_at
