"""Acting from one's own server: "from your instance" sends a visitor to their server's
interaction page (FEP-3b86 intent, else the OStatus subscribe template), and our own
/authorize_interaction lets a local person act on something elsewhere."""

from urllib.parse import quote

from aiohttp import web

from tests.conftest import eventually, free_port
from tests.web.conftest import text_of


async def test_from_your_instance_leads_to_the_visitors_server_and_back(make_site, visitor_for):
    leipzig, meissen = await make_site("leipzig"), await make_site("meissen")
    anna = visitor_for(leipzig)
    await anna.register("anna")
    path = await anna.publish_idea("Trinkbrunnen")
    idea_id = (await leipzig.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    await meissen.create_user("jonas", password="jonas-passwort")
    # A visitor reads the idea on Leipzig and gives their Meißen handle
    guest = visitor_for(leipzig)
    _, text, _ = await guest.get(path)
    assert "Von deiner Instanz aus unterstützen" in text_of(text)
    status, text, headers = await guest.post("/interact", {"uri": idea_id, "intent": "support",
                                                           "handle": f"@jonas@{meissen.config.host}"})
    assert status == 303, text
    assert headers["Location"] == f"{meissen.base_url}/authorize_interaction?uri={quote(idea_id, safe='')}"
    # On Meißen, Jonas logs in, lands on the idea (fetched from Leipzig) and supports it
    jonas = visitor_for(meissen)
    status, _, login = await jonas.get(headers["Location"])
    assert status == 200 and "Anmelden, um fortzufahren" in text_of(jonas.last_page)
    assert await jonas.login("jonas", "jonas-passwort") == 303
    status, _, there = await jonas.get(headers["Location"])
    assert status == 303 and there["Location"].startswith("/idea?id=")
    await eventually(lambda: meissen.query("SELECT 1 FROM instances WHERE host = ? AND city IS NOT NULL",
                                           (leipzig.config.host,)), message="Leipzig's NodeInfo")
    _, text, _ = await jonas.get(there["Location"])
    assert "Trinkbrunnen" in text and "Diese Idee stammt aus Leipzig · West." in text_of(text)
    status, _, _ = await jonas.post("/ideas/support", {"idea": idea_id})
    assert status == 303

    async def supported():
        rows = await leipzig.query("SELECT support_count FROM ideas")
        return rows[0]["support_count"] == 1
    await eventually(supported, message="the support on Leipzig")


async def test_a_fep_3b86_intent_is_preferred_to_the_subscribe_template(site, visitor_for):
    port = free_port()
    host = f"127.0.0.1:{port}"

    async def webfinger(request):
        assert request.query["resource"] == f"acct:kim@{host}"
        return web.json_response({"subject": f"acct:kim@{host}", "links": [
            {"rel": "http://ostatus.org/schema/1.0/subscribe", "template": f"http://{host}/authorize?uri={{uri}}"},
            {"rel": "https://w3id.org/fep/3b86/Like", "template": f"http://{host}/intent/like?object={{object}}"},
            {"rel": "https://w3id.org/fep/3b86/Create", "template": f"http://{host}/share?inReplyTo={{inReplyTo}}"},
        ]})

    app = web.Application()
    app.router.add_get("/.well-known/webfinger", webfinger)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        guest = visitor_for(site)
        await site.create_user("anna")
        await guest.get("/@anna")
        uri = f"{site.base_url}/users/anna"
        status, _, headers = await guest.post("/interact", {"uri": uri, "intent": "support", "handle": f"kim@{host}"})
        assert status == 303 and headers["Location"] == f"http://{host}/intent/like?object={quote(uri, safe='')}"
        status, _, headers = await guest.post("/interact", {"uri": uri, "intent": "comment", "handle": f"kim@{host}"})
        assert headers["Location"] == f"http://{host}/share?inReplyTo={quote(uri, safe='')}"
        status, _, headers = await guest.post("/interact", {"uri": uri, "intent": "follow", "handle": f"kim@{host}"})
        assert headers["Location"] == f"http://{host}/authorize?uri={quote(uri, safe='')}"
    finally:
        await runner.cleanup()


async def test_bad_or_unreachable_handles_are_explained(site, visitor_for):
    guest = visitor_for(site)
    await site.create_user("anna")
    await guest.get("/@anna")
    uri = f"{site.base_url}/users/anna"
    status, text, _ = await guest.post("/interact", {"uri": uri, "intent": "follow", "handle": "keine adresse"})
    assert status == 400 and "keine Adresse wie name@beispiel.org" in text_of(text)
    await guest.get("/@anna")
    status, text, _ = await guest.post("/interact", {"uri": uri, "intent": "follow",
                                                     "handle": f"kim@127.0.0.1:{free_port()}"})
    assert status == 400 and "antwortet gerade nicht" in text_of(text)


async def test_a_local_person_likes_and_answers_a_remote_note(make_site, visitor_for):
    leipzig, meissen = await make_site("leipzig"), await make_site("meissen")
    await meissen.create_user("jonas")
    status, body = await meissen.post_outbox("jonas", {"type": "Note", "content": "<p>Putzaktion am Samstag</p>"})
    note_id = (await meissen.query("SELECT ap_id FROM objects"))[0]["ap_id"]
    anna = visitor_for(leipzig)
    await anna.register("anna")
    status, text, _ = await anna.get(f"/authorize_interaction?uri={quote(note_id, safe='')}")
    assert status == 200 and "Putzaktion am Samstag" in text
    status, _, _ = await anna.post("/authorize_interaction", {"uri": note_id, "action": "like"})
    assert status == 303
    await anna.get(f"/authorize_interaction?uri={quote(note_id, safe='')}")
    await anna.post("/authorize_interaction", {"uri": note_id, "action": "reply", "text": "Bin *dabei*"})
    await eventually(lambda: meissen.query("SELECT 1 FROM reactions WHERE kind = 'Like'"), message="the like")
    await eventually(lambda: meissen.query("SELECT 1 FROM objects WHERE in_reply_to = ?", (note_id,)),
                     message="the reply")
