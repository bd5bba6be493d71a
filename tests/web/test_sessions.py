"""Sessions live on the server: logging out kills a copied cookie, "log out everywhere" ends
every browser of the account, and an unused or too old session is refused."""

from __future__ import annotations

from datetime import timedelta

from yarl import URL

from tests.web.conftest import text_of
from wecreate_fed.store import iso, utcnow
from wecreate_fed.store.sessions import id_hash

COOKIE = "wecreate_session"


def cookie_of(visitor) -> str:
    return visitor.session.cookie_jar.filter_cookies(URL(visitor.base_url))[COOKIE].value


def with_cookie(visitor_for, site, value: str):
    thief = visitor_for(site)
    thief.session.cookie_jar.update_cookies({COOKIE: value}, URL(site.base_url))
    return thief


async def logged_in(visitor) -> bool:
    status, _, _ = await visitor.get("/settings")
    return status == 200


async def test_a_copied_cookie_is_dead_after_logging_out(site, visitor_for):
    anna = visitor_for(site)
    assert await anna.register("anna") == 303
    copied = cookie_of(anna)
    assert await logged_in(with_cookie(visitor_for, site, copied))  # the copy works while anna is logged in
    # the cookie holds a random id; the database only its hash
    data = site.app.session_interface.get_signing_serializer(site.app).loads(copied)
    rows = await site.query("SELECT id_hash, user_agent, revoked_at FROM sessions")
    assert [r["id_hash"] for r in rows] == [id_hash(data["sid"])] and data["sid"] not in str(rows)
    assert "uid" not in data
    await anna.get("/settings")
    status, _, _ = await anna.post("/logout", {})
    assert status == 303
    assert not await logged_in(anna)
    assert not await logged_in(with_cookie(visitor_for, site, copied))
    assert (await site.query("SELECT revoked_at FROM sessions"))[0]["revoked_at"] is not None


async def test_log_out_everywhere_ends_every_session_of_the_account(site, visitor_for):
    phone, laptop, bert = visitor_for(site), visitor_for(site), visitor_for(site)
    assert await phone.register("anna") == 303
    assert await laptop.login("anna") == 303
    assert await bert.register("bert") == 303
    status, text, _ = await phone.get("/settings")
    assert "Angemeldete Geräte" in text_of(text) and text_of(text).count("angemeldet am") == 2
    assert "dieses Gerät" in text_of(text)
    status, _, headers = await phone.post("/settings/sessions/end", {})
    assert status == 303 and headers["Location"].startswith("/login")
    assert not await logged_in(phone) and not await logged_in(laptop)
    assert await logged_in(bert)  # someone else's session is untouched
    _, text, _ = await phone.get("/login")
    assert "Du bist jetzt auf allen Geräten abgemeldet." in text_of(text)
    assert await laptop.login("anna") == 303 and await logged_in(laptop)  # logging in again works
    # without the form's token nothing ends
    await laptop.get("/settings")
    status, _, _ = await laptop.post("/settings/sessions/end", {}, csrf=False)
    assert status == 403 and await logged_in(laptop)


async def test_an_unused_or_too_old_session_is_refused(site, visitor_for):
    anna = visitor_for(site)
    assert await anna.register("anna") == 303
    assert await logged_in(anna)
    days = 86400

    async def set_times(created: float, seen: float) -> None:
        async with site.rt.db.transaction() as conn:  # the clock moved on
            await conn.execute("UPDATE sessions SET created_at = ?, last_seen_at = ?",
                               (iso(utcnow() - timedelta(seconds=created)), iso(utcnow() - timedelta(seconds=seen))))

    await set_times(29 * days, 29 * days)
    assert await logged_in(anna)  # used within 30 days: still valid, and seen now
    seen = (await site.query("SELECT last_seen_at FROM sessions"))[0]["last_seen_at"]
    assert seen > iso(utcnow() - timedelta(seconds=60))
    await set_times(31 * days, 31 * days)
    assert not await logged_in(anna)  # unused for 31 days
    assert await anna.login("anna") == 303
    await set_times(91 * days, 60)
    assert not await logged_in(anna)  # busy, but made 91 days ago


async def test_a_password_change_gives_this_browser_a_new_session(site, visitor_for):
    phone = visitor_for(site)
    await phone.register("anna")
    before = cookie_of(phone)
    await phone.get("/settings")
    status, _, _ = await phone.post("/settings/password", {"current_password": "sicheres-passwort",
                                                           "new_password": "neues-passwort-1",
                                                           "new_password_repeat": "neues-passwort-1"})
    assert status == 303 and await logged_in(phone)
    assert not await logged_in(with_cookie(visitor_for, site, before))  # the old id is revoked with the rest
