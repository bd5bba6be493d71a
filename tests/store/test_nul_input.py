"""U+0000 from outside never reaches the database (PostgreSQL refuses it in text; wecreate_fed/nul.py):
an activity, a client's post, a form and a search that hold one are taken without it, never a 5xx.
Runs on the backend of this run (SQLite, or PostgreSQL with WECREATE_TEST_DATABASE)."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import aiohttp
from yarl import URL

from tests.conftest import eventually, post_signed
from tests.web.conftest import Visitor


async def test_an_activity_with_nul_characters_is_stored_without_them(make_instance):
    leipzig = await make_instance("leipzig")
    meissen = await make_instance("meissen")
    anna = await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    note_id = f"{jonas.ap_id}/notes/{uuid.uuid4()}"
    activity = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{note_id}/activity",
                "type": "Create", "actor": jonas.ap_id, "to": [anna.ap_id],
                "object": {"id": note_id, "type": "Note", "attributedTo": jonas.ap_id, "to": [anna.ap_id],
                           "content": "Hal\x00lo", "summary": "\x00", "name": "N\x00ame",
                           "tag": [{"type": "Hashtag", "name": "#Lei\x00pzig"}]}}
    status, text = await post_signed(leipzig.shared_inbox, activity, key_id=jonas.key_id,
                                     private_key_pem=jonas.private_key_pem)
    assert status == 202, text

    async def handled():
        rows = await leipzig.query("SELECT state, last_error, data FROM incoming WHERE activity_ap_id = ?",
                                   (activity["id"],))
        return rows[0] if rows and rows[0]["state"] != "pending" else None
    row = await eventually(handled, message="handled", timeout=30)
    assert row["state"] == "done", row["last_error"]
    assert "\\u0000" not in row["data"]
    stored = await leipzig.query("SELECT content, data FROM objects WHERE ap_id = ?", (note_id,))
    assert len(stored) == 1 and "Hallo" in stored[0]["content"]
    assert "\x00" not in stored[0]["content"] and "\\u0000" not in stored[0]["data"]
    assert not [s for s in leipzig.statuses if s >= 500] and not leipzig.crashes


async def test_a_clients_post_with_nul_characters_is_stored_without_them(make_instance):
    leipzig = await make_instance("leipzig")
    anna = await leipzig.create_user("anna")
    status, body = await leipzig.post_outbox("anna", {
        "@context": "https://www.w3.org/ns/activitystreams", "type": "Note", "content": "Gu\x00ten Tag",
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "attributedTo": anna.ap_id})
    assert status in (200, 201, 202), body
    rows = await leipzig.query("SELECT content FROM objects WHERE actor_id = ? AND type = 'Note'", (anna.id,))
    assert [r["content"] for r in rows] and all("\x00" not in r["content"] and "Guten Tag" in r["content"]
                                                for r in rows)
    assert not leipzig.crashes


async def test_forms_and_searches_with_nul_characters_answer_without_an_error(make_instance):
    leipzig = await make_instance("leipzig")
    visitor = Visitor(leipzig.base_url)
    try:
        # a form: the account is made, its name without the NUL
        assert await visitor.register("mira", name="Mi\x00ra") == 303
        rows = await leipzig.query("SELECT a.name FROM actors a WHERE a.username = 'mira'")
        assert rows == [{"name": "Mira"}]
        # a query parameter: the marketplace's search and its filters
        for query in ("q=Kita%00platz", "q=%00", "district=we%00st&sort=new%00est", "author=%00"):
            status, text, _ = await visitor.get(f"/?{query}")
            assert status < 500, (query, text[:300])
        status, _, _ = await visitor.get(f"/ideas/new?title={quote(chr(0))}")
        assert status < 500
        # an idea published through the form: title and text without the NUL
        path = await visitor.publish_idea("Ein Spiel\x00platz", summary="Fü\x00r alle", body="Sch\x00aukeln")
        status, text, _ = await visitor.get(path)
        assert status == 200 and "Ein Spielplatz" in text
        ideas = await leipzig.query("SELECT title, summary FROM ideas")
        assert ideas == [{"title": "Ein Spielplatz", "summary": "Für alle"}]
    finally:
        await visitor.close()
    assert not [s for s in leipzig.statuses if s >= 500] and not leipzig.crashes


async def test_a_path_with_a_nul_character_is_not_found(make_instance):
    leipzig = await make_instance("leipzig")
    anna = await leipzig.create_user("anna")
    async with aiohttp.ClientSession() as session:
        for path in ("/users/an%00na", "/users/an%00na/inbox", "/ideas/a%00b", "/@an%00na", "/boxes/a%00b",
                     "/events/a%00b"):
            for accept in ("text/html", "application/activity+json"):
                async with session.get(URL(leipzig.base_url + path, encoded=True), headers={"Accept": accept}) as r:
                    assert r.status == 404, (path, accept, r.status)
        status, text = await post_signed(leipzig.base_url + "/users/an%00na/inbox", {}, key_id=anna.key_id,
                                         private_key_pem=anna.private_key_pem)
        assert status == 404, text
    assert not [s for s in leipzig.statuses if s >= 500] and not leipzig.crashes
