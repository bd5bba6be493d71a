"""A poll with the Fedify peer on the other side: Fedify reads our Question, votes in it as Mastodon
does (a Note named after the option, in reply to the Question), is counted once, and hears of the
new totals in an Update it verifies."""

from __future__ import annotations

import pytest

from tests.conftest import eventually
from tests.interop.test_fedify import TIMEOUT, fedify  # noqa: F401  (the peer fixture)
from wecreate_fed.civic import polls

pytestmark = pytest.mark.interop


async def outcome(instance, activity_id: str) -> dict | None:
    rows = await instance.query("SELECT state, last_error FROM incoming WHERE activity_ap_id = ?", (activity_id,))
    return rows[0] if rows and rows[0]["state"] != "pending" else None


async def test_fedify_reads_our_question_votes_once_and_gets_the_totals(leipzig, fedify):  # noqa: F811
    anna = await leipzig.create_user("anna")
    await fedify.control("POST", "follow", {"target": anna.ap_id})
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), timeout=TIMEOUT,
                     message="Fedify follows anna")
    ap_id = await polls.create(leipzig.rt, anna, {"question": "Wohin mit dem Geld?", "options": ["Brunnen", "Bänke"],
                                                  "live_results": True})
    seen = await fedify.control("POST", "lookup", {"id": ap_id})
    assert seen["type"] == "Question" and seen["attributedTo"] == anna.ap_id
    assert seen["content"] == "<p>Wohin mit dem Geld?</p>"

    first = await fedify.control("POST", "vote", {"question": ap_id, "name": "Bänke", "owner": anna.ap_id})
    assert (await eventually(lambda: outcome(leipzig, first["id"]), timeout=TIMEOUT, message="the vote"))["state"] == "done"
    second = await fedify.control("POST", "vote", {"question": ap_id, "name": "Brunnen", "owner": anna.ap_id})
    refused = await eventually(lambda: outcome(leipzig, second["id"]), timeout=TIMEOUT, message="the second vote")
    assert refused["state"] == "failed" and "voted in this poll already" in refused["last_error"]
    poll = await polls.poll_by_id(leipzig.rt, ap_id)
    assert poll.voters_count == 1
    assert [o["votes_count"] for o in (await polls.summary(leipzig.rt, poll, None))["options"]] == [0, 1]
    await eventually(lambda: fedify.received("Update", actor=anna.ap_id, object=ap_id), timeout=TIMEOUT,
                     message="Fedify verified the Update with the totals")
    assert (await fedify.state())["unverified"] == []
