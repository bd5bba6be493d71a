"""The first five minutes of a new citizen: logging in and registering keep where one was
(only paths on this site), the impact figures, own ideas, motions' co-signers, the labels."""

import re
from html import unescape
from urllib.parse import quote

import pytest

from tests.conftest import eventually
from tests.web.conftest import CONSENT_VERSION, text_of

ATTACKS = ["//evil.example/x", "/\\evil.example/x", "\\\\evil.example", "https://evil.example/x",
           "http://evil.example", "%2F%2Fevil.example", "/%2F%2Fevil.example", "/%5Cevil.example",
           "/%5cevil.example", "%252F%252Fevil.example", "/\t/evil.example", "/\n/evil.example", " //evil.example",
           "javascript:alert(1)", "///evil.example", "https:evil.example", "http://[::1"]


def _hidden_next(page: str) -> str | None:
    start = page.find('name="next" value="')
    if start < 0:
        return None
    start += len('name="next" value="')
    return unescape(page[start:page.index('"', start)])


async def test_login_from_an_idea_comes_back_to_it(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    path = await anna.publish_idea("Trinkbrunnen")
    await anna.post("/logout", {})
    guest = visitor_for(site)
    _, page, _ = await guest.get(path)
    login_link = f'/login?next={quote(path, safe="/")}'
    assert unescape(login_link) in unescape(page) or f"/login?next={path}" in unescape(page)
    status, page, _ = await guest.get(f"/login?next={path}")
    assert status == 200 and _hidden_next(page) == path
    await site.create_user("bert", password="bert-passwort")
    status, _, headers = await guest.post("/login", {"username": "bert", "password": "bert-passwort",
                                                     "next": path})
    assert status == 303 and headers["Location"] == path


async def test_registering_from_an_idea_comes_back_to_it(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    path = await anna.publish_idea("Trinkbrunnen")
    guest = visitor_for(site)
    await guest.get(f"/login?next={path}")
    # the login page's link to the registration keeps the target, and the form carries it
    assert f'href="/register?next={path}"' in guest.last_page
    status, page, _ = await guest.get(f"/register?next={path}")
    assert status == 200 and _hidden_next(page) == path
    assert f'href="/login?next={path}"' in page  # and back again
    # a first attempt with a problem keeps it too
    status, page, _ = await guest.post("/register", {"username": "b", "password": "kurz", "password_repeat": "kurz",
                                                     "next": path})
    assert status == 400 and _hidden_next(page) == path
    status, _, headers = await _register(guest, "bert", path)
    assert status == 303 and headers["Location"] == path
    status, page, _ = await guest.get(path)
    assert status == 200 and "Unterstützen" in text_of(page)


async def _register(visitor, username: str, target: str):
    """Register through the form as read at /register?next=…; (status, text, headers) of the POST."""
    await visitor.get(f"/register?next={quote(target, safe='')}")
    consent = {"consent_rules": "yes", "consent_privacy": "yes", **dict(CONSENT_VERSION.findall(visitor.last_page))}
    return await visitor.post("/register", {"username": username, "password": "sicheres-passwort",
                                            "password_repeat": "sicheres-passwort", "next": target, **consent})


async def test_the_header_links_keep_the_page(site, visitor_for):
    guest = visitor_for(site)
    _, page, _ = await guest.get("/events")
    assert 'href="/login?next=/events"' in page and 'href="/register?next=/events"' in page
    _, page, _ = await guest.get("/")
    assert 'href="/login"' in page and 'href="/register"' in page  # the home page needs no target


async def test_a_remote_ideas_id_is_kept_through_login_and_registration(make_site, visitor_for):
    leipzig, meissen = await make_site("leipzig"), await make_site("meissen")
    jonas = await meissen.create_user("jonas", name="Jonas Weber")
    anna = visitor_for(leipzig)
    await anna.register("anna")
    await anna.get(f"/authorize_interaction?uri={jonas.ap_id}")
    await anna.post("/authorize_interaction", {"uri": jonas.ap_id, "action": "follow"})
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="accepted")
    status, body = await meissen.post_outbox("jonas", {
        "type": "Note", "civicKind": "idea", "name": "Elbwiesen putzen", "abstract": "Samstags",
        "source": {"content": "Handschuhe.", "mediaType": "text/markdown"},
        "districts": [meissen.config.districts[0].slug]})
    assert status == 201, body
    rows = await eventually(lambda: leipzig.query("SELECT ap_id FROM ideas WHERE title = 'Elbwiesen putzen'"),
                            message="the idea on Leipzig")
    idea_id = rows[0]["ap_id"]
    guest = visitor_for(leipzig)
    status, page, _ = await guest.get(f"/idea?id={quote(idea_id, safe='')}")
    assert status == 200
    target = f"/idea?id={quote(idea_id, safe='')}"
    links = [unescape(href) for href in re.findall(r'href="(/login\?next=[^"]+)"', page)]
    assert links, "the idea page links to the login"
    status, page, _ = await guest.get(links[0])
    kept = _hidden_next(page)
    assert kept is not None and kept.startswith("/idea?id=")
    status, page, _ = await guest.get(f"/register?next={quote(kept, safe='')}")
    assert _hidden_next(page) == kept
    status, _, headers = await _register(guest, "carla", kept)
    assert status == 303 and headers["Location"] == kept
    status, page, _ = await guest.get(headers["Location"])
    assert status == 200 and "Elbwiesen putzen" in page, target


@pytest.mark.parametrize("attack", ATTACKS)
async def test_no_open_redirect_after_login_or_registration(site, visitor_for, attack):
    await site.create_user("bert", password="bert-passwort")
    guest = visitor_for(site)
    status, page, _ = await guest.get(f"/login?next={quote(attack, safe='')}")
    assert status == 200 and _hidden_next(page) in (None, "", "/")
    status, _, headers = await guest.post("/login", {"username": "bert", "password": "bert-passwort",
                                                     "next": attack})
    assert status == 303 and headers["Location"] == "/"
    newcomer = visitor_for(site)
    await newcomer.get(f"/register?next={quote(attack, safe='')}")
    assert _hidden_next(newcomer.last_page) in (None, "", "/")
    status, _, headers = await _register(newcomer, "carla", attack)
    assert status == 303 and headers["Location"] == "/"
