"""Counts recomputed from their facts stay right when two transactions change them at once
(PostgreSQL: two inbox batches or worker processes; SQLite has one writer at a time)."""

from __future__ import annotations

import asyncio

import pytest

from tests import pg_databases
from tests.conftest import eventually
from wecreate_fed.store import civic, events, fetch_value, social

pytestmark = pytest.mark.skipif(not pg_databases.enabled(),
                                reason="PostgreSQL only: on SQLite a second writer waits for the first's commit")

IDEA = {"type": "Note", "civicKind": "idea", "name": "Sitzbänke an der Elbe", "abstract": "Mehr Bänke am Elberadweg.",
        "source": {"content": "Zum Ausruhen.", "mediaType": "text/markdown"}, "districts": ["mitte"]}
EVENT = {"type": "Event", "name": "Uferputz", "startTime": "2027-05-01T10:00:00+02:00",
         "endTime": "2027-05-01T12:00:00+02:00", "timezone": "Europe/Berlin", "source": "Mit **Handschuhen**.",
         "location": {"type": "Place", "name": "Elbufer"}}


async def _waiting_for_a_lock(db) -> bool:
    return bool(await fetch_value(db.reader, "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                             "current_database() AND wait_event_type = 'Lock'"))


async def _side_by_side(db, first, second) -> None:
    """`first(conn)` in one transaction, then `second(conn)` in another while the first is still
    open, until the second waits for the first's lock; then the first commits."""
    counted, release = asyncio.Event(), asyncio.Event()

    async def holding():
        async with db.transaction() as conn:
            await first(conn)
            counted.set()
            await release.wait()

    async def after():
        async with db.transaction() as conn:
            await second(conn)

    one = asyncio.create_task(holding())
    await counted.wait()
    two = asyncio.create_task(after())
    await eventually(lambda: _waiting_for_a_lock(db), message="the second transaction waits for the first's lock")
    release.set()
    await asyncio.gather(one, two)


async def _posted_by_anna(make_instance, document: dict, column: str):
    """Leipzig with Anna's post of `document`, Bert and Clara to act on it; (instance, bert, clara, `column` of it)."""
    leipzig = await make_instance("leipzig", run_workers=False)
    await leipzig.create_user("anna")
    bert, clara = await leipzig.create_user("bert"), await leipzig.create_user("clara")
    status, body = await leipzig.post_outbox("anna", document)
    assert status == 201, body
    table = "events" if document["type"] == "Event" else "ideas"
    return leipzig, bert, clara, await fetch_value(leipzig.rt.db.reader, f"SELECT {column} FROM {table}")


async def test_two_supports_of_one_idea_at_once_both_count(make_instance):
    leipzig, bert, clara, idea = await _posted_by_anna(make_instance, IDEA, "ap_id")

    def support(who):
        async def write(conn):
            await social.add_reaction(conn, "Like", who.id, idea, f"{who.ap_id}#likes-1")
            await civic.recount_local_idea(conn, idea)
        return write

    await _side_by_side(leipzig.rt.db, support(bert), support(clara))
    assert await fetch_value(leipzig.rt.db.reader, "SELECT support_count FROM ideas WHERE ap_id = ?", (idea,)) == 2


async def test_two_attendances_of_one_event_at_once_both_count(make_instance):
    leipzig, bert, clara, event_id = await _posted_by_anna(make_instance, EVENT, "id")

    def attend(who):
        async def write(conn):
            await events.set_attendance(conn, event_id, who.id, "accepted", f"{who.ap_id}#join-1")
        return write

    await _side_by_side(leipzig.rt.db, attend(bert), attend(clara))
    assert await fetch_value(leipzig.rt.db.reader, "SELECT attendee_count FROM events WHERE id = ?", (event_id,)) == 2
