"""The organisation space's pages over real HTTP: for its members only (a visitor, a local outsider
and a space that does not exist all get the same 404, on every page and form), the board's
announcements and pins, working groups created and joined, the directory and each member's own
skills, the internal calendar and drafts."""

from __future__ import annotations

import re

from tests.web.conftest import Visitor, text_of
from wecreate_fed import urls
from wecreate_fed.store import orgs as orgs_store

PASSWORD = "sicheres-passwort"
PAGES = ["/@{s}/space", "/@{s}/space/members", "/@{s}/space/calendar", "/@{s}/space/drafts",
         "/@{s}/space/groups/new"]
FORMS = ["/@{s}/space/announcements", "/@{s}/space/pins", "/@{s}/space/skills", "/@{s}/space/groups/new"]


async def make_space(site):
    org = await site.create_user("spd", type_="Organization", category="party", name="SPD Leipzig",
                                 password=PASSWORD)
    people = {name: await site.create_user(name, name=name.title(), password=PASSWORD)
              for name in ("anna", "bert", "carla", "fritz")}
    await site.create_user("dritte", type_="Organization", name="Dritte", password=PASSWORD)
    async with site.rt.db.transaction() as conn:
        await orgs_store.put(conn, org.id, people["anna"].id, role="admin", state="accepted")
        await orgs_store.put(conn, org.id, people["bert"].id, role="board", state="accepted")
        await orgs_store.put(conn, org.id, people["carla"].id, role="member", state="accepted")
    return org, people


async def logged_in(visitor_for, site, name: str, **kwargs) -> Visitor:
    visitor = visitor_for(site, **kwargs)
    assert await visitor.login(name, PASSWORD) == 303
    return visitor


def same(text: str, slug: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", text).replace(slug, "SLUG")


async def test_the_space_answers_404_to_everyone_but_its_members(leipzig, visitor_for):
    site = leipzig
    await make_space(site)
    guest = visitor_for(site)
    fritz = await logged_in(visitor_for, site, "fritz")
    dritte = await logged_in(visitor_for, site, "dritte")  # another organisation is no member either
    for who in (guest, fritz, dritte):
        for path in PAGES:
            status, body, _ = await who.get(path.format(s="spd"))
            missing_status, missing, _ = await who.get(path.format(s="niemand"))
            assert status == missing_status == 404, (path, status)
            assert same(body, "spd") == same(missing, "niemand"), path  # nothing tells a space from none
            assert "Diesen Mitgliederbereich gibt es nicht" in text_of(body)
    await fritz.get("/")
    for path in FORMS:
        status, _, _ = await fritz.post(path.format(s="spd"), {"text": "x", "audience": "public", "skills": "x",
                                                               "name": "AG", "announcement": "x", "pinned": "1"})
        assert status == 404, path
    assert (await site.query("SELECT count(*) AS n FROM objects"))[0]["n"] == 0
    assert (await site.query("SELECT count(*) AS n FROM boxes"))[0]["n"] == 0
    status, body, _ = await fritz.get("/")
    assert "/@spd/space" not in body  # the account menu names only one's own spaces
    carla = await logged_in(visitor_for, site, "carla")
    status, body, _ = await carla.get("/")
    assert 'href="/@spd/space"' in body and "Mitgliederbereich SPD Leipzig" in text_of(body)
    for path in PAGES[:-1]:
        assert (await carla.get(path.format(s="spd")))[0] == 200, path
    assert (await carla.get("/@spd/space/groups/new"))[0] == 403  # the board's form
    status, body, _ = await carla.get("/@spd/space")
    assert "Deine Rolle: Mitglied" in text_of(body) and "Neue Mitteilung schreiben" not in text_of(body)
    assert (await carla.post("/@spd/space/announcements", {"text": "Hallo", "audience": "public"}))[0] == 403


async def test_the_board_announces_and_pins(leipzig, visitor_for):
    site = leipzig
    org, _ = await make_space(site)
    bert = await logged_in(visitor_for, site, "bert")
    await bert.get("/@spd/space")
    status, body, _ = await bert.post("/@spd/space/announcements", {"text": "", "audience": "members"})
    assert status == 400 and 'id="announce-text-error"' in body and 'aria-invalid="true"' in body
    status, body, _ = await bert.post("/@spd/space/announcements", {"text": "Hallo", "audience": "alle"})
    assert status == 400 and 'id="announce-audience-error"' in body
    await bert.get("/@spd/space")
    assert (await bert.post("/@spd/space/announcements", {"text": "Vorstand tagt am **Montag**",
                                                          "audience": "members"}))[0] == 303
    await bert.get("/@spd/space")
    assert (await bert.post("/@spd/space/announcements", {"text": "Sommerfest für alle",
                                                          "audience": "public"}))[0] == 303
    status, body, _ = await bert.get("/@spd/space")
    page = text_of(body)
    assert "Vorstand tagt am Montag" in page and "<strong>Montag</strong>" in body
    assert page.index("Sommerfest") < page.index("Vorstand tagt")  # newest first
    assert "Nur Mitglieder" in page and "Öffentlich" in page
    notes = {r["content"]: r["ap_id"] for r in await site.query("SELECT content, ap_id FROM objects")}
    internal = next(ap_id for content, ap_id in notes.items() if "Vorstand" in content)
    public = next(ap_id for content, ap_id in notes.items() if "Sommerfest" in content)
    for ap_id in (public, internal):
        assert (await bert.post("/@spd/space/pins", {"announcement": ap_id, "pinned": "1"}))[0] == 303
    status, body, _ = await bert.get("/@spd/space")
    page = text_of(body)
    assert page.index("Vorstand tagt") < page.index("Sommerfest")  # pinned last, shown first
    assert page.count("Angeheftet") == 2 and page.count("Nicht mehr anheften") == 2
    status, featured = await site.get_json(urls.featured_of(org.ap_id))
    assert status == 200 and [n["id"] for n in featured["orderedItems"]] == [public]
    # Twice is no error; the page shows how it is.
    assert (await bert.post("/@spd/space/pins", {"announcement": public, "pinned": "1"}))[0] == 303
    assert (await bert.post("/@spd/space/pins", {"announcement": public, "pinned": "0"}))[0] == 303
    status, featured = await site.get_json(urls.featured_of(org.ap_id))
    assert featured["totalItems"] == 0
    # A member reads them (no pin buttons); the members-only one is not on the public profile.
    carla = await logged_in(visitor_for, site, "carla")
    status, body, _ = await carla.get("/@spd/space")
    assert "Vorstand tagt" in text_of(body) and "anheften" not in text_of(body).lower()
    status, body, _ = await visitor_for(site).get("/@spd")
    assert status == 200 and "Vorstand tagt" not in body


async def test_working_groups_directory_skills_calendar_and_drafts(leipzig, visitor_for):
    site = leipzig
    await make_space(site)
    bert = await logged_in(visitor_for, site, "bert")
    await bert.get("/@spd/space/groups/new")
    status, body, _ = await bert.post("/@spd/space/groups/new", {"name": "", "slug": "Böse Zeichen"})
    assert status == 400 and 'id="name-error"' in body and 'id="slug-error"' in body
    status, body, _ = await bert.post("/@spd/space/groups/new", {"name": "New", "slug": ""})
    assert status == 400 and 'id="slug-error"' in body
    status, _, headers = await bert.post("/@spd/space/groups/new", {"name": "AG Verkehr", "slug": "ag_verkehr",
                                                                    "summary": "Radwege", "meeting_time": "dienstags"})
    assert status == 303 and headers["Location"] == "/b/ag_verkehr"
    status, _, _ = await bert.post("/@spd/space/groups/new", {"name": "AG Verkehr", "slug": "ag_verkehr"})
    assert status == 409

    carla = await logged_in(visitor_for, site, "carla")
    status, body, _ = await carla.get("/@spd/space")
    assert "AG Verkehr" in text_of(body) and "AG Verkehr beitreten" in text_of(body)
    status, body, _ = await carla.get("/b/ag_verkehr")  # joining on the box page: at once, not "ask"
    assert "Mitmachen" in text_of(body) and "Privat" in text_of(body)
    assert (await carla.post("/b/ag_verkehr/join", {}))[0] == 303
    status, body, _ = await carla.get("/@spd/space")
    assert "Du bist dabei." in text_of(body)
    status, body, _ = await bert.get("/b/ag_verkehr")
    assert "Arbeitsgruppe von SPD Leipzig" in text_of(body) and 'href="/@spd/space"' in body
    status, body, _ = await carla.get("/b/ag_verkehr")
    assert status == 200 and "Du bist dabei (Mitglied)." in text_of(body)
    fritz = await logged_in(visitor_for, site, "fritz")
    assert (await fritz.get("/b/ag_verkehr"))[0] == 404
    status, body, _ = await fritz.get("/boxes")
    assert "AG Verkehr" not in body

    await carla.get("/@spd/space/members")
    status, body, _ = await carla.post("/@spd/space/skills", {"skills": "x" * 501})
    assert status == 400 and 'id="skills-error"' in body
    assert (await carla.post("/@spd/space/skills", {"skills": "Plakate, Kasse"}))[0] == 303
    status, body, _ = await bert.get("/@spd/space/members")
    page = text_of(body)
    for expected in ("Anna", "Admin", "Bert", "Vorstand", "Carla", "Plakate, Kasse", "In den Arbeitsgruppen"):
        assert expected in page, expected
    assert "Fritz" not in page
    org_view = await logged_in(visitor_for, site, "spd")  # the Organization's own account: admin, no row
    status, body, _ = await org_view.get("/@spd/space/members")
    assert status == 200 and "Deine Rolle: Admin" in text_of(body) and 'name="skills"' not in body

    status, body, _ = await carla.get("/@spd/space/calendar")
    assert status == 200 and "Keine anstehenden Termine." in text_of(body)
    status, body, _ = await carla.get("/@spd/space/drafts")
    assert status == 200 and "Noch keine internen Entwürfe." in text_of(body)
    status, body, _ = await visitor_for(site, accept_language="en").get("/@spd/space")
    assert status == 404 and "members' area" in text_of(body)


async def test_the_board_deletes_an_announcement(leipzig, visitor_for):
    site = leipzig
    org, _ = await make_space(site)
    bert = await logged_in(visitor_for, site, "bert")
    await bert.get("/@spd/space")
    assert (await bert.post("/@spd/space/announcements", {"text": "Nur intern: Kassenbericht",
                                                          "audience": "members"}))[0] == 303
    note = (await site.query("SELECT ap_id FROM objects"))[0]["ap_id"]
    assert (await bert.post("/@spd/space/pins", {"announcement": note, "pinned": "1"}))[0] == 303
    carla = await logged_in(visitor_for, site, "carla")
    await carla.get("/@spd/space")
    assert (await carla.post("/@spd/space/announcements/delete", {"announcement": note}))[0] == 403
    assert (await bert.post("/@spd/space/announcements/delete", {"announcement": note}))[0] == 303
    status, body, _ = await carla.get("/@spd/space")
    assert "Kassenbericht" not in body and "Noch keine Mitteilungen." in text_of(body)
    deletes = await site.query("SELECT a.id, a.data FROM activities a WHERE a.type = 'Delete' AND a.actor_id = ?",
                               (org.id,))
    assert len(deletes) == 1 and urls.members_collection_id(site.config, "spd") in deletes[0]["data"]
    assert await site.query("SELECT 1 FROM deliveries WHERE activity_id = ?", (deletes[0]["id"],)) == []
    assert (await bert.post("/@spd/space/announcements/delete", {"announcement": note}))[0] == 404  # gone
