"""Every form POST of the website must come from one of its own pages: the Origin header (or,
without one, the Referer) names this instance, besides the session's CSRF token. Without either
header the token alone decides on plain http and the POST is refused on https (as Django does)."""

from __future__ import annotations

import dataclasses

import aiohttp

from tests.conftest import Instance, free_port, instance_config
from tests.web.conftest import CSRF, text_of

ORIGIN_TEXT = "Das Formular wurde nicht von dieser Seite abgeschickt"


async def post(visitor, path: str, data: list, headers: dict) -> tuple[int, str]:
    """A form POST with exactly these Origin/Referer headers (none unless given)."""
    body = data + [("csrf_token", visitor.token())]
    async with visitor.session.post(visitor.url(path), data=body, allow_redirects=False, headers=headers,
                                    skip_auto_headers=("Referer", "Origin")) as r:
        return r.status, await r.text()


async def ideas_titled(site, title: str) -> list:
    return await site.query("SELECT * FROM ideas WHERE title = ?", (title,))


async def test_a_form_from_another_site_is_refused_even_with_a_valid_token(site, visitor_for):
    anna = visitor_for(site)
    assert await anna.register("anna") == 303
    form = [("title", "Fremd"), ("districts", "west"), ("action", "save")]
    other_port = f"http://127.0.0.1:{free_port()}"
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"}, {"Origin": other_port},
                    {"Origin": site.base_url.replace("http://", "https://")},
                    {"Referer": "https://evil.example/page"}, {"Referer": f"{other_port}/"},
                    {"Origin": "https://evil.example", "Referer": site.base_url + "/ideas/new"}):
        await anna.get("/ideas/new")
        status, text = await post(anna, "/ideas/new", form, headers)
        assert status == 403 and ORIGIN_TEXT in text_of(text), headers
    assert await ideas_titled(site, "Fremd") == []
    # logging out, the language switch: every form alike
    await anna.get("/settings")
    status, text = await post(anna, "/logout", [], {"Origin": "https://evil.example"})
    assert status == 403
    status, _, _ = await anna.get("/settings")
    assert status == 200  # still logged in


async def test_forms_from_our_own_pages_go_through(site, visitor_for):
    anna = visitor_for(site)
    assert await anna.register("anna") == 303
    # Origin; no Origin but our Referer; neither (plain http: the token decides)
    for n, headers in enumerate(({"Origin": site.base_url}, {"Referer": site.base_url + "/ideas/new"}, {})):
        await anna.get("/ideas/new")
        status, text = await post(anna, "/ideas/new", [("title", f"Eigen {n}"), ("districts", "west"),
                                                       ("action", "save")], headers)
        assert status == 303, (headers, text_of(text))
    assert len(await site.query("SELECT 1 FROM ideas WHERE title LIKE 'Eigen %'")) == 3


async def test_the_api_with_a_bearer_token_is_not_a_form(site):
    await site.create_user("anna")
    token = await site.token("anna")
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{site.base_url}/users/anna/outbox", json={"type": "Note", "content": "Hallo"},
                                headers={"Authorization": f"Bearer {token}", "Origin": "https://evil.example"}) as r:
            assert r.status == 201


async def test_on_https_a_post_without_origin_or_referer_is_refused(tmp_path, visitor_for):
    port = free_port()
    config = dataclasses.replace(instance_config(tmp_path, "leipzig", port), base_url=f"https://127.0.0.1:{port}")
    instance = Instance(config)
    instance.base_url = f"http://127.0.0.1:{port}"  # served plainly here, as behind a TLS proxy
    await instance.start()
    try:
        guest = visitor_for(instance)
        await guest.get("/login")
        assert CSRF.search(guest.last_page)
        status, text = await post(guest, "/login", [("username", "x"), ("password", "y")], {})
        assert status == 403 and ORIGIN_TEXT in text_of(text)
        # with its https origin it passes this check (and meets the next: the token, its cookie being https-only)
        status, text = await post(guest, "/login", [("username", "x"), ("password", "y")],
                                  {"Origin": f"https://127.0.0.1:{port}"})
        assert ORIGIN_TEXT not in text_of(text)
    finally:
        await instance.stop()
