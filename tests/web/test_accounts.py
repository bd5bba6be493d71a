"""Registration by the instance's mode, logging in and out, settings, avatars, deleting an account."""

import base64
import json

from tests.web.conftest import text_of
from wecreate_fed.civic import accounts

# A 1x1 PNG.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


async def test_open_registration_then_logout_and_login(site, visitor_for):
    anna = visitor_for(site)
    assert await anna.register("anna", name="Anna Schulz", district="west") == 303
    status, text, _ = await anna.get("/", follow=True)
    assert "Willkommen! Dein Konto ist angelegt." in text_of(text) and "Anna Schulz" in text_of(text)
    account = (await site.query("SELECT * FROM accounts"))[0]
    assert account["district_slug"] == "west" and account["language"] == "de"
    status, _, _ = await anna.post("/logout", {})
    assert status == 303 and (await anna.get("/settings"))[0] == 303
    assert await anna.login("ANNA") == 303  # usernames are case-insensitive, as in WebFinger
    assert (await anna.get("/settings"))[0] == 200


async def test_registration_problems_are_shown_at_their_fields(site, visitor_for):
    await site.create_user("anna")
    bert = visitor_for(site)
    await bert.get("/register")
    status, text, _ = await bert.post("/register", {"username": "anna", "password": "kurz", "password_repeat": "kurz"})
    assert status == 400
    assert 'id="username-error"' in text and "schon vergeben" in text
    assert 'aria-describedby="username-hint username-error"' in text and 'aria-invalid="true"' in text
    await bert.get("/register")
    status, text, _ = await bert.post("/register", {"username": "bert", "password": "lang-genug-1",
                                                    "password_repeat": "anders-1"})
    assert status == 400 and 'id="password_repeat-error"' in text
    status, text, _ = await bert.post("/register", {"username": "west", "password": "lang-genug-1",
                                                    "password_repeat": "lang-genug-1"})
    assert status == 400 and "schon vergeben" in text  # a district's handle


async def test_registration_by_invitation(make_site, visitor_for):
    site = await make_site("leipzig", registration="invite")
    async with site.rt.db.transaction() as conn:
        code = await accounts.create_invitation(conn, note="Bürgerverein", uses=1)
    anna = visitor_for(site)
    await anna.get("/register")
    assert 'name="invitation"' in anna.last_page
    status, text, _ = await anna.post("/register", {"username": "anna", "password": "lang-genug-1",
                                                    "password_repeat": "lang-genug-1", "invitation": "falsch"})
    assert status == 400 and 'id="invitation-error"' in text
    status, _, _ = await anna.post("/register", {"username": "anna", "password": "lang-genug-1",
                                                 "password_repeat": "lang-genug-1", "invitation": code})
    assert status == 303
    bert = visitor_for(site)
    await bert.get("/register")
    status, _, _ = await bert.post("/register", {"username": "bert", "password": "lang-genug-1",
                                                 "password_repeat": "lang-genug-1", "invitation": code})
    assert status == 400  # used up
    assert [r["username"] for r in await site.query("SELECT username FROM actors WHERE type = 'Person'")] == ["anna"]


async def test_closed_registration(make_site, visitor_for):
    site = await make_site("leipzig", registration="closed")
    guest = visitor_for(site)
    status, text, _ = await guest.get("/register")
    assert status == 200 and 'name="username"' not in text and "nicht angelegt" in text_of(text)
    await guest.get("/login")
    assert "Registrieren" not in text_of(guest.last_page)
    status, _, _ = await guest.post("/register", {"username": "anna", "password": "lang-genug-1",
                                                  "password_repeat": "lang-genug-1"})
    assert status == 403
    assert await site.query("SELECT * FROM actors WHERE username = 'anna'") == []


async def test_profile_settings_reach_followers_as_an_update(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    await anna.get("/settings")
    status, _, _ = await anna.post("/settings/profile", {"name": "Anna S.", "bio": "Fährt **Rad**."},
                                   files={"avatar": ("me.png", PNG, "image/png")})
    assert status == 303
    status, text, _ = await anna.get("/@anna")
    assert "Anna S." in text and "<strong>Rad</strong>" in text
    actor = (await site.query("SELECT icon_url, ap_id FROM actors WHERE username = 'anna'"))[0]
    assert actor["icon_url"].startswith(site.base_url + "/media/avatars/") and actor["icon_url"].endswith(".png")
    async with anna.session.get(actor["icon_url"]) as r:
        assert r.status == 200 and r.headers["Content-Type"] == "image/png" and await r.read() == PNG
    update = (await site.query("SELECT data FROM activities WHERE type = 'Update'"))[-1]
    document = json.loads(update["data"])
    assert document["object"]["id"] == actor["ap_id"] and document["object"]["icon"]["url"] == actor["icon_url"]
    # a file that is not a picture is refused, whatever its name says
    await anna.get("/settings")
    status, text, _ = await anna.post("/settings/profile", {"name": "Anna S.", "bio": ""},
                                      files={"avatar": ("x.png", b"<svg onload=alert(1)>", "image/png")})
    assert status == 400 and 'id="avatar-error"' in text


async def test_deleting_ones_account(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    await anna.publish_idea("Trinkbrunnen")
    await anna.get("/settings")
    status, text, _ = await anna.post("/settings/delete", {"delete_password": "falsch"})
    assert status == 400 and 'id="delete_password-error"' in text
    status, _, _ = await anna.post("/settings/delete", {"delete_password": "sicheres-passwort"})
    assert status == 303
    assert (await anna.get("/@anna"))[0] == 404
    assert (await anna.get("/settings"))[0] == 303
    assert await anna.login("anna") == 400
    idea = (await site.query("SELECT deleted_at FROM ideas"))[0]
    assert idea["deleted_at"] is not None
    sent = [r["type"] for r in await site.query("SELECT type FROM activities ORDER BY id")]
    assert sent[-1] == "Delete"
    # the name stays taken, so the old id is never someone else's
    assert await visitor_for(site).register("anna") == 400
