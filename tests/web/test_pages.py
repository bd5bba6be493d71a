"""The pages people use, over real HTTP: the marketplace with its filters, an idea's page and
what people do there, events and the calendar, profiles, districts; remote content shown with
its origin."""

from datetime import datetime, timedelta

from tests.conftest import eventually
from tests.web.conftest import text_of


async def test_marketplace_filters_and_sorts_in_the_page(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    await anna.publish_idea("Trinkbrunnen am Markt", districts=["west"], topics="wasser")
    await anna.publish_idea("Bänke am Rathaus", districts=["mitte"], topics="sitzen")
    guest = visitor_for(site)
    _, text, _ = await guest.get("/?district=west")
    assert "Trinkbrunnen am Markt" in text and "Bänke am Rathaus" not in text
    assert '<option value="west" selected>' in text  # the form shows what is chosen
    _, text, _ = await guest.get("/?topic=sitzen&sort=supported")
    assert "Bänke am Rathaus" in text and "Trinkbrunnen" not in text
    _, text, _ = await guest.get("/?status=implemented")
    assert "Keine Ideen gefunden" in text_of(text)
    _, text, _ = await guest.get("/?author=party&kind=reform_proposal&sort=trending")
    assert "0 Ideen" in text_of(text)
    status, text, _ = await guest.get("/?sort=loudest")
    assert status == 400 and "Bitte wähle eine der Möglichkeiten" in text_of(text)  # in the page's language
    _, text, _ = await guest.get("/")
    assert "Was bisher bewegt wurde" in text_of(text)
    figures = text_of(text)
    assert "Ideen 2" in figures and "Unterstützungen 0" in figures


async def test_an_idea_page_with_support_comments_status_history(site, visitor_for):
    anna, bert = visitor_for(site), visitor_for(site)
    await anna.register("anna", name="Anna Schulz")
    path = await anna.publish_idea("Trinkbrunnen", summary="Wasser für alle", body="Im Sommer **heiß**.")
    idea_id = (await site.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    await bert.register("bert")
    _, text, _ = await bert.get(path)
    assert "<strong>heiß</strong>" in text and "Wasser für alle" in text and "Anna Schulz" in text
    status, _, _ = await bert.post("/ideas/support", {"idea": idea_id})
    assert status == 303
    _, text, _ = await bert.get(path)
    assert "1 Unterstützung" in text_of(text) and "Unterstützung zurückziehen" in text_of(text)
    await bert.post("/ideas/comment", {"idea": idea_id, "text": "Gute Idee, *gerne* am Markt."})
    _, text, _ = await bert.get(path)
    assert "<em>gerne</em>" in text and "1 Kommentar" in text_of(text)
    await bert.post("/ideas/withdraw", {"idea": idea_id})
    _, text, _ = await bert.get(path)
    assert "0 Unterstützungen" in text_of(text)
    # the author moves it on; the history shows both steps
    await anna.get(path)
    status, _, _ = await anna.post("/ideas/status", {"idea": idea_id, "status": "in_discussion", "note": "Im Beirat"})
    assert status == 303
    _, text, _ = await anna.get(path)
    history = text_of(text[text.index('id="history-heading"'):text.index('id="comments-heading"')])
    assert "Vorgeschlagen" in history and "In Diskussion" in history and "Im Beirat" in history


async def test_the_preview_renders_markdown_without_javascript(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    await anna.get("/ideas/new")
    status, text, _ = await anna.post("/ideas/new", [("title", "Entwurf"), ("body", "# Plan\n\n<script>x()</script>"),
                                                    ("districts", "west"), ("action", "preview")])
    assert status == 200 and "<h1>Plan</h1>" in text and "<script>x()" not in text
    assert 'value="Entwurf"' in text  # the form keeps what was typed
    assert await site.query("SELECT * FROM ideas") == []
    status, text, _ = await anna.post("/preview", {"text": "**fett**"})
    assert status == 200 and text.strip() == "<p><strong>fett</strong></p>"


async def test_idea_form_errors_are_tied_to_their_fields(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    await anna.get("/ideas/new")
    status, text, _ = await anna.post("/ideas/new", [("title", ""), ("topics", "a-b"), ("action", "save")])
    assert status == 400
    assert 'id="title-error"' in text and 'aria-describedby="title-error"' in text
    assert 'id="districts-error"' in text and 'id="topics-error"' in text
    assert "Bitte fülle dieses Feld aus." in text


async def test_events_publish_attend_and_the_calendar(site, visitor_for):
    anna, bert = visitor_for(site), visitor_for(site)
    await anna.register("anna")
    idea_path = await anna.publish_idea("Trinkbrunnen")
    idea_id = (await site.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    starts = (datetime.now() + timedelta(days=3)).replace(hour=18, minute=0, second=0, microsecond=0)
    await anna.get(f"/events/new?idea={idea_id}")
    assert f'value="{idea_id}"' in anna.last_page
    form = {"title": "Treffen am Brunnen", "description": "Wir **planen**.", "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "timezone": "Europe/Berlin",
            "place_name": "Lindenauer Markt", "locality": "Leipzig", "capacity": "1", "district": "west",
            "linked_idea": idea_id, "action": "save"}
    status, text, headers = await anna.post("/events/new", form)
    assert status == 303, text
    event_path = headers["Location"]
    assert event_path.startswith("/e/")
    await bert.register("bert")
    _, text, _ = await bert.get(event_path)
    assert "Treffen am Brunnen" in text and "<strong>planen</strong>" in text and "1 Platz frei" in text_of(text)
    assert "18:00" in text_of(text) and "Trinkbrunnen" in text_of(text)
    status, _, _ = await bert.post("/events/attend", {"event": (await site.query("SELECT ap_id FROM events"))[0]["ap_id"]})
    assert status == 303
    _, text, _ = await bert.get(event_path)
    assert "Du nimmst teil." in text_of(text) and "0 Plätze frei" in text_of(text)
    _, text, _ = await bert.get("/events")
    assert "Treffen am Brunnen" in text and "1 nimmt teil" in text_of(text)
    _, text, _ = await bert.get("/events?district=mitte")
    assert "Treffen am Brunnen" not in text
    _, text, _ = await bert.get(idea_path)
    assert "Termine zu dieser Idee" in text_of(text) and event_path in text
    _, text, _ = await bert.get("/d/west")
    assert "Treffen am Brunnen" in text
    # the end before the start is refused at its field
    await anna.get("/events/new")
    status, text, _ = await anna.post("/events/new", {**form, "ends_at": form["starts_at"], "capacity": ""})
    assert status == 400 and 'id="ends_at-error"' in text


async def test_profiles_show_badges_for_parties_and_the_administration(site, visitor_for):
    await site.create_user("stadt", name="Stadtverwaltung", type_="Organization", category="administration")
    await site.create_user("partei", name="Grüne Liste", type_="Organization", category="party")
    guest = visitor_for(site)
    _, text, _ = await guest.get("/@stadt")
    assert "badge-admin" in text and "Stadtverwaltung" in text_of(text)
    _, text, _ = await guest.get("/@partei")
    assert "badge-party" in text and "✔ Partei" in text_of(text)
    assert "Von deiner Instanz aus folgen" in text_of(text)


async def test_following_a_district_from_its_page(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    _, text, _ = await anna.get("/d/west")
    assert "@west@" in text
    district_id = f"{site.base_url}/districts/west"
    status, _, _ = await anna.post("/follow", {"actor": district_id})
    assert status == 303

    async def following():
        return await site.query("SELECT state FROM follows WHERE state = 'accepted'")
    await eventually(following, message="the district accepts the follow")
    _, text, _ = await anna.get("/d/west")
    assert "Nicht mehr folgen" in text_of(text)


async def test_remote_ideas_and_comments_show_their_origin(make_site, visitor_for):
    leipzig, meissen = await make_site("leipzig"), await make_site("meissen")
    jonas = await meissen.create_user("jonas", name="Jonas Weber")
    anna_browser = visitor_for(leipzig)
    await anna_browser.register("anna")
    assert await leipzig.actor("anna") is not None  # registering made her account
    # Anna follows Jonas, so his idea reaches Leipzig
    await anna_browser.get(f"/authorize_interaction?uri={jonas.ap_id}")
    assert "Jonas Weber" in anna_browser.last_page and f"von {meissen.config.host}" in text_of(anna_browser.last_page)
    status, _, _ = await anna_browser.post("/authorize_interaction", {"uri": jonas.ap_id, "action": "follow"})
    assert status == 303
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="accepted")
    status, body = await meissen.post_outbox("jonas", {
        "type": "Note", "civicKind": "idea", "name": "Elbwiesen putzen", "abstract": "Samstags an der Elbe",
        "source": {"content": "Handschuhe gibt es vor Ort.", "mediaType": "text/markdown"},
        "districts": [meissen.config.districts[0].slug]})
    assert status == 201, body
    idea_id = await eventually(lambda: _idea_id(leipzig, "Elbwiesen putzen"), message="the idea on Leipzig")
    # labelled with Meißen's city name (from its NodeInfo, asked when the idea arrived), never host:port
    await eventually(lambda: leipzig.query("SELECT 1 FROM instances WHERE host = ? AND city IS NOT NULL",
                                           (meissen.config.host,)), message="Meißen's NodeInfo")
    guest = visitor_for(leipzig)
    _, text, _ = await guest.get("/")
    assert "Elbwiesen putzen" in text and "aus Meissen · Mitte" in text_of(text)
    assert "Original ansehen" in text_of(text)
    status, text, _ = await guest.get(f"/idea?id={idea_id}")
    assert status == 200 and "Handschuhe gibt es vor Ort." in text
    assert "Diese Idee stammt aus Meissen · Mitte." in text_of(text)
    # Anna supports it from Leipzig; the support reaches Meißen
    await anna_browser.get(f"/idea?id={idea_id}")
    status, _, _ = await anna_browser.post("/ideas/support", {"idea": idea_id})
    assert status == 303
    await eventually(lambda: _supports(meissen, idea_id), message="the support on Meißen")
    # a comment from Meißen on a Leipzig idea shows where it comes from
    path = await anna_browser.publish_idea("Trinkbrunnen")
    leipzig_idea = await _idea_id(leipzig, "Trinkbrunnen")
    status, body = await meissen.post_outbox("jonas", {"type": "Note", "content": "<p>Auch in Meißen!</p>",
                                                       "inReplyTo": leipzig_idea})
    assert status == 201, body
    await eventually(lambda: leipzig.query("SELECT 1 FROM objects WHERE in_reply_to = ?", (leipzig_idea,)),
                     message="the comment on Leipzig")
    _, text, _ = await guest.get(path)
    assert "Auch in Meißen!" in text and "Jonas Weber" in text and f"von {meissen.config.host}" in text_of(text)


async def _idea_id(instance, title):
    rows = await instance.query("SELECT ap_id FROM ideas WHERE title = ?", (title,))
    return rows[0]["ap_id"] if rows else None


async def _supports(instance, ap_id):
    rows = await instance.query("SELECT support_count FROM ideas WHERE ap_id = ?", (ap_id,))
    return rows and rows[0]["support_count"] == 1
