"""Box and motion pages over real HTTP: creating and joining boxes, the discussion, tasks and
the profile; who may do what (CSRF, logged-out visitors, non-members of private boxes,
members trying moderators' actions); drafting, co-signing and submitting motions, and a
council on another instance answering them on its own page."""

import re

from tests.conftest import eventually
from tests.web.conftest import text_of
from wecreate_fed import i18n
from wecreate_fed.civic import boxes, motions

BOX_FORM = {"name": "Trinkbrunnen West", "slug": "trinkbrunnen", "visibility": "open",
            "problem": "Im Sommer gibt es kein Trinkwasser am Markt.", "purpose": "Wir planen Brunnen.",
            "goals": "Zwei Brunnen bis 2027", "meeting_time": "jeden Dienstag, 18 Uhr",
            "meeting_place": "Stadtteilladen", "skills_sought": "Klempnerei", "district_slug": "west"}


async def create_box(visitor, **fields) -> str:
    """Through the form; returns the box page's path."""
    await visitor.get("/boxes/new")
    status, text, headers = await visitor.post("/boxes/new", {**BOX_FORM, **fields})
    assert status == 303, text
    return headers["Location"]


async def members_of(site, slug: str, state: str = "accepted") -> set[str]:
    rows = await site.query("SELECT a.username FROM box_members m JOIN actors a ON a.id = m.actor_id "
                            "JOIN actors b ON b.id = m.box_id WHERE b.username = ? AND m.state = ?", (slug, state))
    return {r["username"] for r in rows}


async def posts_in(site, text: str) -> list:
    return await site.query("SELECT ap_id FROM objects WHERE audience IS NOT NULL AND content LIKE ?", (f"%{text}%",))


async def test_create_a_box_join_it_discuss_and_share_tasks(site, visitor_for):
    anna, bert = visitor_for(site), visitor_for(site)
    await anna.register("anna", name="Anna Schulz")
    path = await create_box(anna)
    assert path == "/b/trinkbrunnen"
    _, text, _ = await anna.get(path)
    page = text_of(text)
    assert "Trinkbrunnen West" in page and "Im Sommer gibt es kein Trinkwasser" in page
    assert "jeden Dienstag, 18 Uhr · Stadtteilladen" in page and "Du bist dabei (Leitung)" in page
    # the list of boxes and the navigation lead there
    _, text, _ = await visitor_for(site).get("/b/")
    assert 'href="/b/trinkbrunnen"' in text and "1 Mitglied" in text_of(text) and 'aria-current="page"' in text
    # Bert joins the open box at once and writes in the discussion
    await bert.register("bert", name="Bert Krause")
    await bert.get(path)
    assert "Mitmachen" in text_of(bert.last_page) and "Nur Mitglieder" not in text_of(bert.last_page)
    status, _, headers = await bert.post(f"{path}/join", {})
    assert status == 303 and headers["Location"] == path
    assert await members_of(site, "trinkbrunnen") == {"anna", "bert"}
    await bert.get(path)
    status, _, _ = await bert.post(f"{path}/posts", {"text": "Ich kenne einen **Klempner**."})
    assert status == 303
    post_id = (await eventually(lambda: posts_in(site, "Klempner"), message="the post in the box"))[0]["ap_id"]
    await anna.get(path)
    status, _, _ = await anna.post(f"{path}/posts", {"text": "Super, frag ihn!", "in_reply_to": post_id})
    assert status == 303
    await eventually(lambda: posts_in(site, "frag ihn"), message="the reply")
    _, text, _ = await anna.get(path)
    assert "<strong>Klempner</strong>" in text and "Bert Krause" in text
    assert re.search(r'class="comment depth-2"[^>]*>\s*<p class="meta"[^>]*><a [^>]*>Anna Schulz', text)
    # an empty post is refused at its field
    status, text, _ = await anna.post(f"{path}/posts", {"text": "  "})
    assert status == 400 and 'id="text-error"' in text
    # tasks: Anna adds one, Bert takes it and marks it done
    await anna.get(path)
    status, _, _ = await anna.post(f"{path}/tasks", {"title": "Standorte fotografieren", "assignee": ""})
    assert status == 303
    task = (await site.query("SELECT id FROM box_tasks"))[0]["id"]
    await bert.get(path)
    await bert.post(f"{path}/tasks/update", {"task": str(task), "take": "1"})
    await bert.post(f"{path}/tasks/update", {"task": str(task), "state": "done"})
    _, text, _ = await bert.get(path)
    tasks = text_of(text[text.index('id="tasks-heading"'):text.index('id="discussion-heading"')])
    assert "Erledigt: Standorte fotografieren · übernimmt: Bert Krause" in tasks
    # Bert leaves; the owner cannot leave before handing over
    status, _, _ = await bert.post(f"{path}/leave", {})
    assert status == 303 and await members_of(site, "trinkbrunnen") == {"anna"}
    await anna.get(path)
    await anna.post(f"{path}/leave", {})
    _, text, _ = await anna.get(path)
    assert "Übergib zuerst die Leitung" in text_of(text) and await members_of(site, "trinkbrunnen") == {"anna"}


async def test_moderators_keep_the_profile_indicators_and_milestones(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    path = await create_box(anna)
    _, text, _ = await anna.get(f"{path}/edit")
    assert 'value="Trinkbrunnen West"' in text and "Wer kann mitmachen?" in text_of(text)
    form = {**BOX_FORM, "purpose": "Wir planen und bauen Brunnen.", "summary": "Wasser für *alle*"}
    del form["slug"]
    status, _, _ = await anna.post(f"{path}/edit", form)
    assert status == 303
    await anna.get(f"{path}/edit")
    status, _, headers = await anna.post(f"{path}/indicators", {"name": "Brunnen gebaut", "target": "2",
                                                                "unit": "Brunnen", "current": "0"})
    assert status == 303 and headers["Location"].endswith("/edit#indicators")
    await anna.post(f"{path}/milestones", {"title": "Standorte mit dem Amt klären", "due": "2026-03-01"})
    indicator = (await site.query("SELECT id FROM box_indicators"))[0]["id"]
    await anna.get(path)
    await anna.post(f"{path}/indicators/update", {"indicator": str(indicator), "current": "1"})
    _, text, _ = await anna.get(path)
    page = text_of(text)
    assert "Wir planen und bauen Brunnen." in page and "<em>alle</em>" in text
    assert "Brunnen gebaut" in page and "1 von 2 Brunnen (50 %)" in page and 'value="50"' in text
    assert "Offen: Standorte mit dem Amt klären · bis So., 1. März 2026" in page
    milestone = (await site.query("SELECT id FROM box_milestones"))[0]["id"]
    await anna.post(f"{path}/milestones/mark", {"milestone": str(milestone), "done": "1"})
    _, text, _ = await anna.get(path)
    assert "Erreicht: Standorte mit dem Amt klären" in text_of(text)
    # a date that is none is refused before it is stored
    await anna.get(f"{path}/edit")
    status, _, _ = await anna.post(f"{path}/milestones", {"title": "Irgendwann", "due": "bald"})
    assert status == 400 and len(await site.query("SELECT id FROM box_milestones")) == 1


async def test_a_box_action_without_its_token_is_refused(site, visitor_for):
    anna, bert = visitor_for(site), visitor_for(site)
    await anna.register("anna")
    path = await create_box(anna)
    await bert.register("bert")
    await bert.get(path)
    status, text, _ = await bert.post(f"{path}/join", {}, csrf=False)
    assert status == 403 and "Formular ist abgelaufen" in text_of(text)
    status, _, _ = await bert.post(f"{path}/join", [("csrf_token", "von-woanders")], csrf=False)
    assert status == 403
    assert await members_of(site, "trinkbrunnen") == {"anna"}


async def test_a_logged_out_visitor_cannot_join_post_or_create(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    path = await create_box(anna)
    guest = visitor_for(site)
    _, text, _ = await guest.get(path)
    assert "Anmelden und mitmachen" in text_of(text) and 'action="/b/trinkbrunnen/posts"' not in text
    for action, form in ((f"{path}/join", {}), (f"{path}/posts", {"text": "Hallo"}),
                         (f"{path}/tasks", {"title": "x"}), ("/boxes/new", BOX_FORM)):
        status, _, headers = await guest.post(action, form)
        assert status == 303 and headers["Location"].startswith("/login"), action
    status, _, headers = await guest.get("/boxes/new")
    assert status == 303 and headers["Location"] == "/login?next=/boxes/new"
    assert await members_of(site, "trinkbrunnen") == {"anna"}
    assert await site.query("SELECT 1 FROM box_tasks") == [] and await posts_in(site, "Hallo") == []


async def test_a_private_box_and_its_motions_are_invisible_to_non_members(make_site, visitor_for):
    # Authorised fetch off: with it on, the unsigned ActivityPub GET below is answered 401 before the
    # box's visibility is checked (to be closed with the private-box work).
    site = await make_site("leipzig", require_signed_fetch=False)
    anna, bert, carl = visitor_for(site), visitor_for(site), visitor_for(site)
    await anna.register("anna")
    path = await create_box(anna, name="Freundeskreis", slug="freunde", visibility="private")
    await anna.get(f"{path}/motions/new")
    status, _, headers = await anna.post(f"{path}/motions/new", {"title": "Mehr Licht", "request": "Laternen",
                                                                 "action": "save"})
    assert status == 303
    motion_path = headers["Location"]
    await anna.get(path)
    await anna.post(f"{path}/posts", {"text": "Geheimes Treffen bei mir"})
    await eventually(lambda: posts_in(site, "Geheimes Treffen"), message="the post")
    await bert.register("bert")
    await carl.register("carl")
    # Bert is no member: every page and form of the box answers 404, as if it did not exist
    for page in (path, f"{path}/edit", f"{path}/motions/new", motion_path, f"{motion_path}/print",
                 f"{motion_path}/edit"):
        status, text, _ = await bert.get(page)
        assert status == 404, page
        assert "Geheimes" not in text and "Mehr Licht" not in text
    await bert.get("/b/")
    assert "Freundeskreis" not in bert.last_page
    for action, form in ((f"{path}/posts", {"text": "Ich auch"}), (f"{path}/join", {}),
                         (f"{motion_path}/cosign", {}), (f"{path}/tasks", {"title": "x"})):
        status, _, _ = await bert.post(action, form)
        assert status == 404, action
    assert await posts_in(site, "Ich auch") == [] and await members_of(site, "freunde") == {"anna"}
    # The unsigned ActivityPub id of the motion answers 404 too (browsers are sent to the page)
    status, _, _ = await visitor_for(site).get(motion_path.replace("/m/", "/motions/") + "/print")
    assert status == 404
    # Anna invites Bert by his username: he sees the box's name and how to join, not its members or posts
    await anna.get(path)
    status, _, _ = await anna.post(f"{path}/invite", {"handle": "bert"})
    assert status == 303
    _, text, _ = await bert.get("/b/")
    assert "Du bist eingeladen" in text_of(text) and 'href="/b/freunde"' in text
    status, text, _ = await bert.get(path)
    assert status == 200 and "Einladung annehmen" in text_of(text) and "Geheimes" not in text and "anna" not in text
    status, _, _ = await bert.post(f"{path}/join", {})
    assert status == 303 and await members_of(site, "freunde") == {"anna", "bert"}
    # now he sees everything and takes part; Carl still sees nothing
    status, text, _ = await bert.get(path)
    assert status == 200 and "Geheimes Treffen" in text and "Mehr Licht" in text
    status, _, _ = await bert.post(f"{path}/posts", {"text": "Ich bringe Kuchen mit"})
    assert status == 303
    await eventually(lambda: posts_in(site, "Kuchen"), message="Bert's post")
    status, text, _ = await bert.get(f"{motion_path}/print")
    assert status == 200 and "<h1>Antrag: Mehr Licht</h1>" in text
    status, _, _ = await carl.get(path)
    assert status == 404


async def test_the_printable_version_may_use_its_own_inline_style(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    path = await create_box(anna)
    await anna.get(f"{path}/motions/new")
    _, _, headers = await anna.post(f"{path}/motions/new", {"title": "Bänke", "request": "Zwei Bänke",
                                                            "action": "save"})
    status, text, headers = await visitor_for(site).get(headers["Location"] + "/print")
    assert status == 200 and "<style>" in text
    # the site's policy, plus exactly the hash of this page's style block
    assert re.search(r"style-src 'self' 'sha256-[A-Za-z0-9+/]+=*';", headers["Content-Security-Policy"])
    assert "unsafe-inline" not in headers["Content-Security-Policy"]


async def test_members_cannot_do_what_moderators_and_the_owner_do(site, visitor_for):
    anna, bert, carl = visitor_for(site), visitor_for(site), visitor_for(site)
    await anna.register("anna")
    path = await create_box(anna, visibility="closed")
    for person, name in ((bert, "bert"), (carl, "carl")):
        await person.register(name, name=name.title())
        await person.get(path)
        assert "Beitritt anfragen" in text_of(person.last_page)
        await person.post(f"{path}/join", {})
    assert await members_of(site, "trinkbrunnen", "pending") == {"bert", "carl"}
    _, text, _ = await bert.get(path)
    assert "wartet auf die Moderation" in text_of(text)
    # Anna approves Bert from the page
    _, text, _ = await anna.get(path)
    assert "Beitrittsanfragen" in text_of(text) and "Carl" in text_of(text)
    bert_id, carl_id = f"{site.base_url}/users/bert", f"{site.base_url}/users/carl"
    status, _, _ = await anna.post(f"{path}/requests", {"member": bert_id, "answer": "approve"})
    assert status == 303 and await members_of(site, "trinkbrunnen") == {"anna", "bert"}
    # Bert, a member, sees no moderators' forms, and each of their actions is refused with 403
    _, text, _ = await bert.get(path)
    assert "Beitrittsanfragen" not in text_of(text) and "Box bearbeiten" not in text_of(text)
    await anna.get(path)
    await anna.post(f"{path}/posts", {"text": "Willkommen alle"})
    post_id = (await eventually(lambda: posts_in(site, "Willkommen alle"), message="post"))[0]["ap_id"]
    await bert.get(path)
    refused = [(f"{path}/requests", {"member": carl_id, "answer": "approve"}),
               (f"{path}/posts/remove", {"post": post_id}),
               (f"{path}/members/remove", {"member": f"{site.base_url}/users/anna"}),
               (f"{path}/members/role", {"member": bert_id, "role": "owner"}),
               (f"{path}/invite", {"handle": "carl"}),
               (f"{path}/indicators", {"name": "x", "target": "1"}),
               (f"{path}/milestones", {"title": "x"}),
               (f"{path}/edit", {"name": "Gekapert"})]
    for action, form in refused:
        status, text, _ = await bert.post(action, form)
        assert status == 403, (action, status)
    status, _, _ = await bert.get(f"{path}/edit")
    assert status == 403
    assert await members_of(site, "trinkbrunnen", "pending") == {"carl"}
    assert (await site.query("SELECT name FROM actors WHERE username = 'trinkbrunnen'"))[0]["name"] == "Trinkbrunnen West"
    # The owner makes Bert a moderator: now he approves Carl and removes a post
    await anna.get(path)
    status, _, _ = await anna.post(f"{path}/members/role", {"member": bert_id, "role": "moderator"})
    assert status == 303
    await bert.get(path)
    assert (await bert.post(f"{path}/requests", {"member": carl_id, "answer": "approve"}))[0] == 303
    assert (await bert.post(f"{path}/posts/remove", {"post": post_id}))[0] == 303
    _, text, _ = await bert.get(path)
    assert "Willkommen alle" not in text
    # but only the owner hands over ownership; after that Anna is a moderator and may leave
    assert (await bert.post(f"{path}/members/role", {"member": carl_id, "role": "moderator"}))[0] == 403
    await anna.post(f"{path}/members/role", {"member": bert_id, "role": "owner"})
    roles = await site.query("SELECT a.username, m.role FROM box_members m JOIN actors a ON a.id = m.actor_id "
                             "ORDER BY a.username")
    assert {r["username"]: r["role"] for r in roles} == {"anna": "moderator", "bert": "owner", "carl": "member"}
    await anna.get(path)
    assert (await anna.post(f"{path}/leave", {}))[0] == 303
    assert await members_of(site, "trinkbrunnen") == {"bert", "carl"}


async def test_a_motion_is_drafted_revised_cosigned_and_answered_by_a_council_elsewhere(make_site, visitor_for):
    leipzig, meissen = await make_site("leipzig"), await make_site("meissen")
    await meissen.create_user("beirat", name="Stadtbezirksbeirat Altstadt", type_="Organization",
                              category="administration", password="sicheres-passwort")
    council_handle = f"beirat@{meissen.config.host}"
    anna, bert = visitor_for(leipzig), visitor_for(leipzig)
    await anna.register("anna", name="Anna Schulz")
    path = await create_box(anna)
    await bert.register("bert", name="Bert Krause")
    await bert.get(path)
    await bert.post(f"{path}/join", {})
    # Anna drafts: the preview shows both Markdown fields without storing anything
    await anna.get(path)
    _, text, _ = await anna.get(f"{path}/motions/new")
    assert 'data-preview-for="request"' in text and 'data-preview-for="reasoning"' in text
    draft = {"title": "Trinkbrunnen am Markt", "request": "Die Stadt baut **einen** Brunnen.",
             "reasoning": "Es ist *heiß*.", "district": "west", "council_other": council_handle,
             "required_cosigners": "2"}
    status, text, _ = await anna.post(f"{path}/motions/new", {**draft, "action": "preview"})
    assert status == 200 and "<strong>einen</strong>" in text and "<em>heiß</em>" in text
    assert await leipzig.query("SELECT 1 FROM motions") == []
    # a draft without its request is refused at the field
    status, text, _ = await anna.post(f"{path}/motions/new", {**draft, "request": "", "action": "save"})
    assert status == 400 and 'id="request-error"' in text and "was das Gremium beschließen soll" in text_of(text)
    status, _, headers = await anna.post(f"{path}/motions/new", {**draft, "action": "save"})
    assert status == 303 and headers["Location"].startswith("/m/")
    motion_path = headers["Location"]
    motion_id = (await leipzig.query("SELECT ap_id FROM motions"))[0]["ap_id"]
    assert motion_id.endswith(motion_path.removeprefix("/m/"))
    # its ActivityPub id sends browsers to the page, and ActivityPub clients get the Article
    status, _, headers = await visitor_for(leipzig).get(motion_id)
    assert status == 302 and headers["Location"] == motion_path
    status, document = await leipzig.get_json(motion_id)
    assert status == 200 and document["type"] == "Article" and document["civicKind"] == "motion"
    _, text, _ = await anna.get(motion_path)
    page = text_of(text)
    assert "Stadtbezirksbeirat Altstadt" in page and "<strong>einen</strong>" in text
    assert "0 Mitzeichnungen, 2 nötig" in page and "Zum Einreichen fehlen noch 2 Mitzeichnungen." in page
    # Anna co-signs; submitting with one of two shows the clear error and sends nothing
    status, _, _ = await anna.post(f"{motion_path}/cosign", {})
    assert status == 303
    await anna.get(motion_path)
    status, text, _ = await anna.post(f"{motion_path}/submit", {})
    assert status == 400
    assert "Der Antrag kann noch nicht eingereicht werden. Er braucht 2 Mitzeichnungen und hat 1." in text_of(text)
    assert 'role="alert"' in text
    assert (await leipzig.query("SELECT state FROM motions"))[0]["state"] == "draft"
    # Bert edits: a new revision, and Anna's signature lapses
    _, text, _ = await bert.get(f"{motion_path}/edit")
    assert "Trinkbrunnen am Markt" in text and "Fassung 1" in text_of(text)
    status, _, _ = await bert.post(f"{motion_path}/edit", {**draft, "council_other": "",
                                                          "council": (await meissen.actor("beirat")).ap_id,
                                                          "reasoning": "Es ist heiß, und Wasser fehlt.",
                                                          "action": "save"})
    assert status == 303
    _, text, _ = await bert.get(motion_path)
    page = text_of(text)
    assert "Fassung 2 ist gespeichert." in page and "0 Mitzeichnungen, 2 nötig" in page
    assert "Fassung 2" in page and "Fassung 1" in page and "Wasser fehlt" in page
    for person in (anna, bert):
        await person.get(motion_path)
        assert (await person.post(f"{motion_path}/cosign", {}))[0] == 303
    _, text, _ = await anna.get(motion_path)
    assert "2 Mitzeichnungen, 2 nötig" in text_of(text) and "Anna Schulz" in text and "Bert Krause" in text
    status, _, _ = await anna.post(f"{motion_path}/submit", {})
    assert status == 303
    # the council on Meißen finds it on its page and answers; Leipzig learns of each answer
    await eventually(lambda: _state(leipzig, motion_id, "received"), message="receipt confirmed")
    council = visitor_for(meissen)
    assert await council.login("beirat") == 303
    _, text, _ = await council.get("/council")
    assert "Trinkbrunnen am Markt" in text and "<strong>einen</strong>" in text and "Trinkbrunnen West" in text
    assert 'href="/council"' in text  # the organisation's own navigation
    status, _, _ = await council.post("/council/agenda", {"motion": motion_id, "session_date": "2026-12-10T18:00",
                                                          "session_name": "Sitzung Dezember"})
    assert status == 303
    await eventually(lambda: _state(leipzig, motion_id, "on_agenda"), message="on the agenda")
    await council.get("/council")
    status, text, _ = await council.post("/council/decide", {"motion": motion_id, "text": "Einstimmig."})
    assert status == 400 and "angenommen oder abgelehnt" in text_of(text)
    status, _, _ = await council.post("/council/decide", {"motion": motion_id, "decision": "accepted",
                                                          "text": "Einstimmig."})
    assert status == 303
    await eventually(lambda: _state(leipzig, motion_id, "decided"), message="decided")
    _, text, _ = await bert.get(motion_path)
    timeline = text_of(text[text.index('id="timeline-heading"'):text.index('id="revisions-heading"')])
    assert "Eingang bestätigt" in timeline and "Sitzung am Do., 10. Dezember 2026" in timeline
    assert "Angenommen" in timeline and "Einstimmig." in timeline
    assert 'action="/m/' not in text  # nothing to sign or submit any more
    _, text, _ = await bert.get(path)
    motions_part = text_of(text[text.index('id="motions-heading"'):text.index('id="tasks-heading"')])
    assert "Entschieden" in motions_part and "Angenommen" in motions_part and "Eingang bestätigt" in motions_part
    # a person is no council
    status, _, _ = await bert.get("/council")
    assert status == 403


async def test_a_council_on_the_same_instance_answers_on_its_page(site, visitor_for):
    await site.create_user("beirat", name="Stadtbezirksbeirat West", type_="Organization",
                           category="administration", password="sicheres-passwort")
    anna = await site.create_user("anna")
    await boxes.create(site.rt, anna, {"name": "Laternen", "slug": "laternen"})
    motion_id = await motions.draft(site.rt, anna, "laternen", {"title": "Mehr Licht", "request": "Laternen",
                                                               "council": f"{site.base_url}/users/beirat"})
    await motions.submit(site.rt, anna, motion_id)
    await eventually(lambda: _state(site, motion_id, "received"), message="received")
    council = visitor_for(site)
    await council.login("beirat")
    _, text, _ = await council.get("/council")
    assert "Mehr Licht" in text
    await council.post("/council/agenda", {"motion": motion_id, "session_date": "2026-12-10",
                                           "session_name": "Sitzung Dezember"})
    await council.get("/council")
    status, _, _ = await council.post("/council/decide", {"motion": motion_id, "decision": "rejected",
                                                          "text": "Kein Geld im Haushalt."})
    assert status == 303
    _, text, _ = await visitor_for(site).get("/m/" + motion_id.rsplit("/", 1)[1])
    timeline = text_of(text[text.index('id="timeline-heading"'):])
    assert "Sitzung am Do., 10. Dezember 2026" in timeline and "Abgelehnt" in timeline
    assert "Kein Geld im Haushalt." in timeline
    # once decided, the council's page offers no more forms for it
    _, text, _ = await council.get("/council")
    assert 'action="/council/decide"' not in text


async def test_the_idea_page_offers_its_box_to_supporters(site, visitor_for):
    anna, bert = visitor_for(site), visitor_for(site)
    await anna.register("anna")
    idea_path = await anna.publish_idea("Trinkbrunnen am Markt")
    idea_id = (await site.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    _, text, _ = await anna.get(idea_path)
    assert "Eine Box gründen, um die Idee umzusetzen" in text_of(text)
    _, text, _ = await anna.get(f"/boxes/new?idea={idea_id}")
    assert f'name="idea" value="{idea_id}"' in text
    path = await create_box(anna, idea=idea_id)
    _, text, _ = await anna.get(path)
    assert "Trinkbrunnen am Markt" in text_of(text[text.index('id="ideas-heading"'):])
    # Bert supports the idea: the notice and the page offer him its box
    await bert.register("bert")
    await bert.get(idea_path)
    assert "Boxen zu dieser Idee" in text_of(bert.last_page) and "Mach mit in der Box" not in text_of(bert.last_page)
    status, _, _ = await bert.post("/ideas/support", {"idea": idea_id})
    assert status == 303
    _, text, _ = await bert.get(idea_path)
    assert text_of(text).count("Mach mit in der Box „Trinkbrunnen West“, die diese Idee umsetzt!") == 2
    assert f'action="{path}/join"' in text
    status, _, headers = await bert.post(f"{path}/join", {})
    assert status == 303 and await members_of(site, "trinkbrunnen") == {"anna", "bert"}
    _, text, _ = await bert.get(idea_path)
    assert "Mach mit in der Box" not in text_of(text) and "du bist dabei" in text_of(text)


async def test_box_names_and_slugs_are_checked_at_their_fields(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    await create_box(anna)
    await anna.get("/boxes/new")
    status, text, _ = await anna.post("/boxes/new", {**BOX_FORM, "name": "Noch eine"})
    assert status == 409 and 'id="slug-error"' in text and "schon vergeben" in text_of(text)
    status, text, _ = await anna.post("/boxes/new", {**BOX_FORM, "name": "", "slug": "X!"})
    assert status == 400 and 'id="name-error"' in text and 'id="slug-error"' in text
    status, text, _ = await anna.post("/boxes/new", {**BOX_FORM, "slug": "new"})
    assert status == 400 and 'id="slug-error"' in text
    assert len(await site.query("SELECT 1 FROM boxes")) == 1


async def test_box_and_motion_pages_in_english_show_no_catalog_keys(site, visitor_for):
    await site.create_user("beirat", name="District council", type_="Organization", category="administration",
                           password="sicheres-passwort")
    anna = visitor_for(site, accept_language="en")
    await anna.register("anna")
    path = await create_box(anna, visibility="closed")
    await anna.get(f"{path}/edit")
    await anna.post(f"{path}/indicators", {"name": "Fountains", "target": "2", "unit": "fountains"})
    await anna.post(f"{path}/milestones", {"title": "Find places", "due": "2026-03-01"})
    await anna.get(f"{path}/motions/new")
    _, _, headers = await anna.post(f"{path}/motions/new", {"title": "Fountain", "request": "Build one",
                                                            "council": f"{site.base_url}/users/beirat",
                                                            "action": "save"})
    motion_path = headers["Location"]
    await anna.get(motion_path)
    await anna.post(f"{motion_path}/submit", {})
    council = visitor_for(site, accept_language="en")
    await council.login("beirat")
    await council.get("/council")
    await council.post("/language", {"lang": "en"})  # the account's language wins over the browser's
    await eventually(lambda: site.query("SELECT 1 FROM motion_answers"), message="receipt")
    key = re.compile(r"\b(?:box|boxes|box_form|motion|motion_form|council|visibility|role|answer|decision|"
                     r"motion_state|task_state|field|form|notice)\.[a-z_]+\b")
    for visitor, page in ((anna, "/b/"), (anna, path), (anna, f"{path}/edit"), (anna, "/boxes/new"),
                          (anna, motion_path), (anna, f"{path}/motions/new"), (council, "/council"),
                          (visitor_for(site, accept_language="en"), path)):
        status, text, _ = await visitor.get(page)
        assert status == 200 and '<html lang="en">' in text, page
        assert key.findall(text_of(text)) == [], page
    assert "Motions received" in text_of((await council.get("/council"))[1])


def test_every_key_put_together_in_the_box_templates_is_in_the_catalog():
    keys = {f"motion_state.{s}" for s in motions.STATES} | {f"visibility.{v}" for v in boxes.VISIBILITIES}
    keys |= {f"visibility_hint.{v}" for v in boxes.VISIBILITIES} | {f"role.{r}" for r in boxes.ROLES}
    keys |= {f"decision.{d}" for d in ("accepted", "rejected")} | {f"task_state.{s}" for s in ("open", "done")}
    keys |= {f"answer.{k}" for k in ("received", "on_agenda", "decided")}
    keys |= {f"notification.motion_{k}" for k in ("received", "on_agenda", "decided")}
    keys |= {f"field.{f}" for f in ("problem", "purpose", "goals", "skills_sought", "partners", "support_sought")}
    assert sorted(k for k in keys if k not in i18n.CATALOG) == []


async def _state(instance, motion_id, state):
    rows = await instance.query("SELECT state FROM motions WHERE ap_id = ? AND is_local = 1", (motion_id,))
    return rows and rows[0]["state"] == state
