"""Spam brakes for new accounts ([moderation]): the first posts wait for a moderator before they
are shown or federated; accounts younger than a day may post only a few links per post."""

from __future__ import annotations

import asyncio

from tests.conftest import eventually
from tests.web.conftest import text_of
from wecreate_fed import config as config_module
from wecreate_fed.store import audit

LINKS = "Siehe https://a.example, https://b.example und www.c.example"


async def test_the_first_posts_wait_for_a_moderator(make_instance, visitor_for):
    leipzig = await make_instance("leipzig", moderation={"hold_first_posts": 1})
    meissen = await make_instance("meissen")
    anna_actor = await leipzig.create_user("anna", password="sicheres-passwort")
    await meissen.create_user("jonas")
    await meissen.post_outbox("jonas", {"type": "Follow", "object": anna_actor.ap_id})
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="follow")
    anna = visitor_for(leipzig)
    await anna.login("anna")
    page = await anna.publish_idea("Erste Idee")
    (idea,) = await leipzig.query("SELECT ap_id, held_at FROM ideas")
    assert idea["held_at"] is not None
    status, text, _ = await anna.get(page)
    assert status == 200 and "Wartet auf Freigabe" in text_of(text)
    guest = visitor_for(leipzig)
    assert (await guest.get(page))[0] == 404
    async with guest.session.get(guest.url("/api/marketplace")) as r:
        assert (await r.json())["items"] == []
    assert not await leipzig.query("SELECT 1 FROM activities WHERE type = 'Create'")  # nothing federated
    await asyncio.sleep(0.5)
    assert not await meissen.query("SELECT 1 FROM ideas")

    await leipzig.create_user("mo", password="sicheres-passwort", role="moderator")
    mo = visitor_for(leipzig)
    await mo.login("mo")
    status, text, _ = await mo.get("/admin/held")
    assert status == 200 and "Erste Idee" in text
    status, _, _ = await mo.post("/admin/held/approve", {"target": idea["ap_id"]})
    assert status == 303
    assert (await guest.get(page))[0] == 200
    await eventually(lambda: meissen.query("SELECT 1 FROM ideas WHERE ap_id = ?", (idea["ap_id"],)),
                     message="the idea on Meißen once approved")
    assert (await mo.post("/admin/held/approve", {"target": idea["ap_id"]}))[0] == 404
    assert [e["action"] for e in await audit.entries(leipzig.rt.db.reader)] == ["content.approve"]
    # only the first: the next idea goes out at once
    await anna.publish_idea("Zweite Idee")
    assert len(await leipzig.query("SELECT 1 FROM ideas WHERE held_at IS NULL")) == 2


async def test_a_new_account_posts_few_links(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    await anna.get("/ideas/new")
    data = [("title", "Links"), ("summary", ""), ("body", LINKS), ("kind", "idea"), ("topics", ""),
            ("districts", "west"), ("action", "save")]
    status, text, _ = await anna.post("/ideas/new", data)
    assert status == 400 and 'id="body-error"' in text
    assert "in den ersten 24 Stunden höchstens 2 Links" in text_of(text)
    page = await anna.publish_idea("Ein Link", body="Siehe https://a.example")
    await anna.get(page)
    idea_id = (await site.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    status, text, _ = await anna.post("/ideas/comment", {"idea": idea_id, "text": LINKS})
    assert status == 400 and "höchstens 2 Links" in text_of(text)
    # a day later the brake is off
    async with site.rt.db.transaction() as conn:
        await conn.execute("UPDATE actors SET created_at = '2000-01-01T00:00:00.000000Z' WHERE username = 'anna'")
    await anna.get(page)
    assert (await anna.post("/ideas/comment", {"idea": idea_id, "text": LINKS}))[0] == 303


def test_the_brakes_settings():
    raw = {"instance": {"name": "x", "base_url": "https://x.example"}, "city": {"name": "X"}}
    config = config_module.from_dict(raw)
    assert (config.hold_first_posts, config.new_account_link_hours, config.new_account_max_links) == (0, 24.0, 2)
    config = config_module.from_dict({**raw, "moderation": {"hold_first_posts": 3, "new_account_max_links": 0}})
    assert config.hold_first_posts == 3 and config.new_account_max_links == 0
