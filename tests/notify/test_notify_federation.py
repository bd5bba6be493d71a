"""Notices of what happens elsewhere: a Mastodon favourite (delivered twice) and a reply from
another server tell the idea's author here once each, in her language and by mail at once;
a post and a task in a box tell its members."""

from __future__ import annotations

import json

import pytest

from tests.civic.test_cancellation import MAX_STEPS, run_cancelled
from tests.conftest import eventually, load_fixture, post_signed
from tests.notify.helpers import choose, mail_tables, with_address
from tests.web.conftest import text_of
from wecreate_fed.civic import boxes, ideas
from wecreate_fed.errors import Conflict


async def test_a_remote_support_and_reply_tell_the_author_once_each(make_instance, mailserver, visitor_for):
    leipzig = await make_instance("leipzig", tables=mail_tables(mailserver))
    meissen = await make_instance("meissen")
    anna = await with_address(leipzig, "anna", "anna@example.org", name="Anna Schulz")
    await choose(leipzig, anna, support="now")
    jonas = await meissen.create_user("jonas", name="Jonas Weber")
    _, idea = await ideas.publish(leipzig.rt, anna, {"title": "Trinkbrunnen", "districts": ["west"]})
    values = dict(actor=jonas.ap_id, object=idea["id"], object_author=anna.ap_id, actor_url=f"{meissen.base_url}/@jonas")
    for name in ("like.json", "like.json", "reply.json", "reply.json"):
        status, body = await post_signed(leipzig.shared_inbox, load_fixture(f"mastodon/{name}", **values),
                                         key_id=jonas.key_id, private_key_pem=jonas.private_key_pem)
        assert status == 202, (name, body)
    told = await eventually(lambda: _kinds(leipzig, anna, 2), message="support and reply noted")
    # (in either order: on PostgreSQL a process handles its inbox in two batches side by side)
    by_kind = {t["kind"]: t for t in told}
    assert len(told) == 2 and sorted(by_kind) == ["reply", "support"]
    assert json.loads(by_kind["support"]["params"]) == {"name": "Jonas Weber", "title": "Trinkbrunnen"}
    mails = await mailserver.wait_for(2, to="anna@example.org")
    assert sorted(m.subject for m in mails) == ["Antwort – WeCreate Leipzig", "Unterstützung – WeCreate Leipzig"]
    assert any("Jonas Weber hat dir zu „Trinkbrunnen“ geantwortet." in m.text for m in mails)
    visitor = visitor_for(leipzig)
    assert await visitor.login("anna") == 303
    _, page, _ = await visitor.get("/notifications")
    assert "Antwort: Jonas Weber hat dir zu „Trinkbrunnen“ geantwortet." in text_of(page)
    assert len(await _kinds(leipzig, anna, 2)) == 2  # each delivery's repeat noted nothing more


async def _kinds(instance, actor, count):
    rows = await instance.query("SELECT kind, params FROM notifications WHERE actor_id = ? ORDER BY id", (actor.id,))
    return rows if len(rows) >= count else None


async def test_a_post_and_a_task_in_a_box_tell_its_members(make_instance):
    leipzig = await make_instance("leipzig")
    anna = await leipzig.create_user("anna", name="Anna")
    bert = await leipzig.create_user("bert", name="Bert")
    clara = await leipzig.create_user("clara", name="Clara")
    box = await boxes.create(leipzig.rt, anna, {"name": "Trinkbrunnen West", "slug": "brunnen", "visibility": "open",
                                                "problem": "Es fehlt Wasser."})
    for person in (bert, clara):
        await boxes.join(leipzig.rt, person, box.ap_id)
    await boxes.post(leipzig.rt, bert, box.ap_id, "Treffen am Freitag?")
    await boxes.add_task(leipzig.rt, anna, "brunnen", "Angebote einholen", clara.ap_id)
    rows = await leipzig.query("SELECT actor_id, kind, params FROM notifications ORDER BY id")
    assert [(r["actor_id"], r["kind"]) for r in rows] == [(anna.id, "box_post"), (clara.id, "box_post"),
                                                          (clara.id, "box_task")]
    assert json.loads(rows[2]["params"]) == {"name": "Anna", "box": "Trinkbrunnen West", "title": "Angebote einholen"}


async def test_a_support_cancelled_at_any_step_leaves_its_notice_with_it_or_neither(make_instance):
    """The support, the author's notice and the Like in our outbox: all or nothing, at every step."""
    leipzig = await make_instance("leipzig")
    anna = await leipzig.create_user("anna", name="Anna")
    bert = await leipzig.create_user("bert", name="Bert")
    _, idea = await ideas.publish(leipzig.rt, anna, {"title": "Bänke", "districts": ["west"]})
    # counted in the command's own awaits (run_cancelled), not in bare event-loop turns, which a
    # slow database thread lets pass without progress (200 turns were too few on the CI machine)
    for steps in range(0, MAX_STEPS):
        await run_cancelled(lambda: ideas.support(leipzig.rt, bert, idea["id"]), steps)
        reactions = await leipzig.query("SELECT activity_ap_id FROM reactions WHERE actor_id = ?", (bert.id,))
        notices = await leipzig.query("SELECT 1 FROM notifications WHERE kind = 'support'")
        likes = await leipzig.query("SELECT 1 FROM activities WHERE type = 'Like' AND actor_id = ?", (bert.id,))
        assert (len(reactions), len(notices), len(likes)) in ((0, 0, 0), (1, 1, 1)), steps
        if reactions:
            break
    else:
        raise AssertionError("the support never completed")
    with pytest.raises(Conflict):
        await ideas.support(leipzig.rt, bert, idea["id"])  # already done, and said so
    assert len(await leipzig.query("SELECT 1 FROM notifications WHERE kind = 'support'")) == 1


async def test_a_post_in_a_box_tells_its_members_on_both_instances_once(make_instance):
    leipzig = await make_instance("leipzig")
    meissen = await make_instance("meissen")
    anna = await leipzig.create_user("anna", name="Anna")
    box = await boxes.create(leipzig.rt, anna, {"name": "Trinkbrunnen West", "slug": "brunnen", "visibility": "open"})
    jonas = await meissen.create_user("jonas", name="Jonas")
    lena = await meissen.create_user("lena", name="Lena")
    for name in ("jonas", "lena"):
        status, body = await meissen.post_outbox(name, {"type": "Follow", "object": box.ap_id})
        assert status == 201, body
    await eventually(lambda: meissen.query("SELECT 1 FROM follows WHERE state = 'accepted' GROUP BY followee_id "
                                           "HAVING count(*) = 2"), message="both members")
    status, body = await meissen.post_outbox("jonas", {"type": "Note", "content": "Treffen am Freitag?",
                                                       "audience": box.ap_id})
    assert status == 201, body
    told = await eventually(lambda: meissen.query("SELECT actor_id, kind, params FROM notifications"), message="Lena told")
    assert [(t["actor_id"], t["kind"]) for t in told] == [(lena.id, "box_post")]
    assert json.loads(told[0]["params"]) == {"name": "Jonas", "box": "Trinkbrunnen West"}
    here = await eventually(lambda: leipzig.query("SELECT actor_id, kind FROM notifications"), message="Anna told")
    assert [(t["actor_id"], t["kind"]) for t in here] == [(anna.id, "box_post")]
    assert jonas.id not in [t["actor_id"] for t in told]
