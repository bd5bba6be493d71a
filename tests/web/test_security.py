"""The website's safety over real HTTP: CSRF, logged-out visitors, other people's ideas,
headers, cookies, login limits and sessions."""

import dataclasses

import pytest

from tests.conftest import instance_config
from tests.web.conftest import text_of
from wecreate_fed.app import create_app


async def ideas_titled(site, title: str) -> list:
    return await site.query("SELECT * FROM ideas WHERE title = ?", (title,))


async def test_a_form_posted_without_its_token_is_refused(site, visitor_for):
    anna = visitor_for(site)
    assert await anna.register("anna") == 303
    await anna.get("/ideas/new")
    form = [("title", "Ohne Token"), ("districts", "west"), ("action", "save")]
    # no token at all
    status, text, _ = await anna.post("/ideas/new", form, csrf=False)
    assert status == 403 and "Formular ist abgelaufen" in text_of(text)
    # a token from another session
    other = visitor_for(site)
    await other.get("/login")
    status, _, _ = await anna.post("/ideas/new", form + [("csrf_token", other.token())], csrf=False)
    assert status == 403
    assert await ideas_titled(site, "Ohne Token") == []
    # with its own token the same form goes through
    await anna.get("/ideas/new")
    status, _, _ = await anna.post("/ideas/new", form)
    assert status == 303 and len(await ideas_titled(site, "Ohne Token")) == 1


async def test_the_inbox_and_the_token_outbox_need_no_csrf_token(site):
    await site.create_user("anna")
    status, body = await site.post_outbox("anna", {"type": "Note", "content": "Hallo"})
    assert status == 201, body


async def test_a_logged_out_visitor_cannot_reach_an_action(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    idea_path = await anna.publish_idea("Trinkbrunnen")
    idea_id = (await ideas_titled(site, "Trinkbrunnen"))[0]["ap_id"]
    guest = visitor_for(site)
    status, _, headers = await guest.get("/ideas/new")
    assert status == 303 and headers["Location"].startswith("/login?next=/ideas/new")
    await guest.get(idea_path)  # the page shows no support button, but its token is valid for a forged post
    assert "Anmelden und unterstützen" in text_of(guest.last_page)
    for action in ("/ideas/support", "/ideas/share", "/ideas/delete"):
        status, _, headers = await guest.post(action, {"idea": idea_id})
        assert status == 303 and headers["Location"].startswith("/login"), action
    status, _, _ = await guest.get("/settings")
    assert status == 303
    assert await site.query("SELECT * FROM reactions") == []
    assert (await ideas_titled(site, "Trinkbrunnen"))[0]["deleted_at"] is None


async def test_one_person_cannot_edit_or_delete_anothers_idea(site, visitor_for):
    anna, bert = visitor_for(site), visitor_for(site)
    await anna.register("anna")
    idea_path = await anna.publish_idea("Mehr Bänke")
    idea_id = (await ideas_titled(site, "Mehr Bänke"))[0]["ap_id"]
    await bert.register("bert")
    status, text, _ = await bert.get(idea_path + "/edit")
    assert status == 403
    await bert.get(idea_path)
    assert "Idee bearbeiten" not in text_of(bert.last_page)
    status, _, _ = await bert.post(idea_path + "/edit", [("title", "Gekapert"), ("districts", "west"),
                                                         ("action", "save")])
    assert status == 403
    status, _, _ = await bert.post("/ideas/delete", {"idea": idea_id})
    assert status == 403
    status, _, _ = await bert.post("/ideas/status", {"idea": idea_id, "status": "declined"})
    assert status == 403
    row = (await ideas_titled(site, "Mehr Bänke"))[0]
    assert row["deleted_at"] is None and row["status"] == "proposed"
    # the author can
    status, _, _ = await anna.get(idea_path + "/edit")
    assert status == 200
    status, _, _ = await anna.post(idea_path + "/edit", [("title", "Mehr Bänke am Markt"), ("districts", "west"),
                                                         ("action", "save")])
    assert status == 303 and await ideas_titled(site, "Mehr Bänke am Markt")


async def test_security_headers_and_cookie_flags(site, visitor_for):
    guest = visitor_for(site)
    status, _, headers = await guest.get("/")
    assert status == 200
    assert "Set-Cookie" not in headers  # reading needs no session
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "img-src 'self' https:" in csp and "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, _, headers = await guest.get("/login")
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # http on loopback; https instances set it (below)
    assert 'src="/static/app.js"' in guest.last_page and "<script>" not in guest.last_page


def test_cookies_are_secure_on_https(tmp_path):
    config = dataclasses.replace(instance_config(tmp_path, "leipzig", 8443), base_url="https://leipzig.example")
    app = create_app(config, run_workers=False)
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["SESSION_COOKIE_HTTPONLY"] is True


async def test_the_session_secret_is_made_once_and_kept_in_the_database(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    secret = (await site.query("SELECT value FROM settings WHERE key = 'session_secret'"))[0]["value"]
    assert len(secret) >= 40
    await site.stop()
    await site.start()
    assert (await site.query("SELECT value FROM settings WHERE key = 'session_secret'"))[0]["value"] == secret
    status, _, _ = await anna.get("/settings")  # the cookie signed before the restart still holds
    assert status == 200


async def test_login_attempts_are_limited_per_username(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    thief = visitor_for(site)
    for _ in range(5):
        assert await thief.login("anna", "falsch-geraten") == 400
    await thief.get("/login")
    status, text, _ = await thief.post("/login", {"username": "anna", "password": "sicheres-passwort"})
    assert status == 429 and "Zu viele fehlgeschlagene Versuche" in text_of(text)
    assert "15 Minuten" in text_of(text) or "Minuten" in text_of(text)
    # other people can still log in from the same address
    bert = visitor_for(site)
    await bert.register("bert")
    await bert.post("/logout", {})
    assert await bert.login("bert") == 303


async def test_passwords_are_hashed_with_argon2id(site, visitor_for):
    await visitor_for(site).register("anna", "ein-langes-passwort")
    row = (await site.query("SELECT password_hash FROM accounts"))[0]
    assert row["password_hash"].startswith("$argon2id$") and "ein-langes-passwort" not in row["password_hash"]


async def test_a_password_change_ends_other_sessions(site, visitor_for):
    phone, laptop = visitor_for(site), visitor_for(site)
    await phone.register("anna")
    assert await laptop.login("anna") == 303
    await phone.get("/settings")
    status, _, _ = await phone.post("/settings/password", {"current_password": "sicheres-passwort",
                                                           "new_password": "neues-passwort-1",
                                                           "new_password_repeat": "neues-passwort-1"})
    assert status == 303
    assert (await phone.get("/settings"))[0] == 200       # this session goes on
    assert (await laptop.get("/settings"))[0] == 303      # the other one has ended
    assert await laptop.login("anna", "sicheres-passwort") == 400
    assert await laptop.login("anna", "neues-passwort-1") == 303


async def test_next_after_login_stays_on_this_site(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    await anna.post("/logout", {})
    await anna.get("/login?next=//evil.example/x")
    status, _, headers = await anna.post("/login", {"username": "anna", "password": "sicheres-passwort",
                                                    "next": "//evil.example/x"})
    assert status == 303 and headers["Location"] == "/"


@pytest.mark.parametrize("path", ["/ideas/new", "/events/new", "/settings", "/notifications"])
async def test_pages_for_people_only_send_visitors_to_login(site, visitor_for, path):
    status, _, headers = await visitor_for(site).get(path)
    assert status == 303 and headers["Location"] == f"/login?next={path}"
