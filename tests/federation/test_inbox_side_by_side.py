"""Two inbox batches side by side (as a PostgreSQL process runs them, or two worker processes)
handle two activities about one object one after the other: the second sees what the first
wrote. Here the first batch stays open after its row (as it would with more rows to handle)
while the second one takes its row. On SQLite one process works its inbox in one batch at a
time, and its one writer orders any transactions anyway: nothing to test there."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from inbox.handlers import INBOUND
from inbox.worker import InboxWorker
from tests import pg_databases
from tests.civic.test_events import EVENT
from tests.federation.conftest import deliver
from tests.federation.test_undo_overtaking import IDEA
from wecreate_fed.civic import events

pytestmark = pytest.mark.skipif(not pg_databases.enabled(),
                                reason="needs two transactions at once (PostgreSQL; WECREATE_TEST_DATABASE)")

HOLD_SECONDS = 2.0  # how long the first batch stays open at most once its row is handled


async def side_by_side(leipzig, monkeypatch, handler_key: tuple[str, str],
                       first: tuple, second: tuple) -> None:
    """`first` (sender, activity) is handled by one worker, whose batch then stays open until
    `second` is handled by another worker (or HOLD_SECONDS passed)."""
    handled, second_done = asyncio.Event(), asyncio.Event()
    original = INBOUND.handlers[handler_key]

    async def then_stay_open(ctx, activity, subject):
        await original(ctx, activity, subject)
        if activity["id"] == first[1]["id"]:
            handled.set()
            try:
                await asyncio.wait_for(second_done.wait(), HOLD_SECONDS)
            except TimeoutError:
                pass

    monkeypatch.setitem(INBOUND.handlers, handler_key, then_stay_open)
    assert await deliver(leipzig, *first) == 202
    batch_one = asyncio.create_task(InboxWorker(leipzig.rt).run_once())
    try:
        await asyncio.wait_for(handled.wait(), 20)
        assert await deliver(leipzig, *second) == 202
        assert await asyncio.wait_for(InboxWorker(leipzig.rt, 2).run_once(), 20) == 1
        second_done.set()
        assert await asyncio.wait_for(batch_one, 20) == 1
    finally:
        batch_one.cancel()
    states = await leipzig.query("SELECT state, last_error FROM incoming")
    assert [s["state"] for s in states] == ["done", "done"], states


async def test_a_delete_handled_beside_its_create_deletes_the_post(paused, monkeypatch):
    leipzig, anna, jonas = paused
    serial = uuid.uuid4()
    note_id = f"{jonas.ap_id}/notes/{serial}"
    create = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{jonas.ap_id}/create/{serial}",
              "type": "Create", "actor": jonas.ap_id, "to": [anna.ap_id],
              "object": {"id": note_id, "type": "Note", "attributedTo": jonas.ap_id,
                         "content": "<p>Das wollte ich nicht schreiben.</p>", "to": [anna.ap_id]}}
    delete = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{jonas.ap_id}/delete/{serial}",
              "type": "Delete", "actor": jonas.ap_id, "to": [anna.ap_id], "object": note_id}
    await side_by_side(leipzig, monkeypatch, ("Create", "note"), (jonas, create), (jonas, delete))
    rows = await leipzig.query("SELECT deleted_at, content FROM objects WHERE ap_id = ?", (note_id,))
    assert rows and rows[0]["deleted_at"] is not None and "nicht schreiben" not in (rows[0]["content"] or "")
    assert await leipzig.query("SELECT 1 FROM tombstones WHERE ap_id = ?", (note_id,))


async def test_two_joins_for_the_last_seat_handled_side_by_side_give_it_once(paused, meissen, monkeypatch):
    leipzig, anna, jonas = paused
    lena = await meissen.create_user("lena")
    _, event = await events.publish(leipzig.rt, anna, {**EVENT, "capacity": 1})

    def join(person) -> dict:
        return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{person.ap_id}/join/{uuid.uuid4()}",
                "type": "Join", "actor": person.ap_id, "object": event["id"]}

    await side_by_side(leipzig, monkeypatch, ("Join", "event"), (jonas, join(jonas)), (lena, join(lena)))
    rows = await leipzig.query("SELECT a.ap_id, e.state FROM event_attendees e JOIN actors a ON a.id = e.actor_id")
    assert {r["ap_id"]: r["state"] for r in rows} == {jonas.ap_id: "accepted", lena.ap_id: "rejected"}
    counted = await leipzig.query("SELECT attendee_count FROM events WHERE ap_id = ?", (event["id"],))
    assert counted[0]["attendee_count"] == 1


async def test_an_undo_handled_beside_its_like_takes_the_support_back(paused, monkeypatch):
    leipzig, anna, jonas = paused
    status, _ = await leipzig.post_outbox("anna", IDEA)
    assert status == 201
    idea_id = (await leipzig.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    like = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{jonas.ap_id}/likes/{uuid.uuid4()}",
            "type": "Like", "actor": jonas.ap_id, "object": idea_id}
    undo = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{jonas.ap_id}/undo/{uuid.uuid4()}",
            "type": "Undo", "actor": jonas.ap_id, "object": like["id"]}  # by its id only
    await side_by_side(leipzig, monkeypatch, ("Like", "idea"), (jonas, like), (jonas, undo))
    assert await leipzig.query("SELECT 1 FROM reactions") == []
    counted = await leipzig.query("SELECT support_count FROM ideas WHERE ap_id = ?", (idea_id,))
    assert counted[0]["support_count"] == 0
