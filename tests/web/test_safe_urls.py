"""No URL from outside becomes a link or an image unless it is http(s): remote actors' url and
icon, remote ideas' url and image, event links and `uri=` parameters. The pages are parsed and
every href/src is checked, for values that came in over the network (refused when stored) and
for values already in the database (left out when rendered)."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from urllib.parse import quote

from aiohttp import web

from tests.conftest import free_port

EVIL = ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "JaVaScRiPt:alert(1)",
        " javascript:alert(1)", "java\tscript:alert(1)", "\njavascript:alert(1)", "//evil.example/x",
        "vbscript:msgbox(1)", "http:\\\\evil.example", "javascript://example.org/%0aalert(1)"]


class Links(HTMLParser):
    """Every href and src of a page."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [value or "" for name, value in attrs if name in ("href", "src", "action", "formaction")]


def links_of(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.urls


def assert_safe(html: str) -> None:
    for url in links_of(html):
        # local paths, fragments and http(s) only; nothing a browser would run or send elsewhere
        assert url.startswith(("/", "#", "http://", "https://")) and not url.startswith("//"), url
        if not url.startswith(("/", "#")):  # (a local link may carry the page's own path as ?next=)
            assert "evil.example" not in url and "alert" not in url, url


class EvilPeer:
    """A server whose actor and idea carry a script or data URL wherever a URL goes."""

    def __init__(self, evil: str):
        self.evil = evil
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.actor_id = f"{self.base}/users/mallory"
        self.idea_id = f"{self.base}/ideas/1"

    async def start(self):
        app = web.Application()
        app.router.add_get("/users/mallory", self.actor)
        app.router.add_get("/ideas/1", self.idea)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def actor(self, request):
        return web.json_response({
            "@context": "https://www.w3.org/ns/activitystreams", "id": self.actor_id, "type": "Person",
            "preferredUsername": "mallory", "name": "Mallory", "inbox": f"{self.actor_id}/inbox",
            "url": self.evil, "icon": {"type": "Image", "url": self.evil}}, content_type="application/activity+json")

    async def idea(self, request):
        return web.json_response({
            "@context": "https://www.w3.org/ns/activitystreams", "id": self.idea_id, "type": "Note",
            "civicKind": "idea", "name": "Böse Idee", "attributedTo": self.actor_id, "url": self.evil,
            "attachment": [{"type": "Image", "url": self.evil}], "to": ["https://www.w3.org/ns/activitystreams#Public"]},
            content_type="application/activity+json")


async def test_outside_urls_never_become_script_links_or_images(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    for evil in EVIL:
        peer = await EvilPeer(evil).start()
        try:
            status, text, headers = await anna.get(f"/authorize_interaction?uri={quote(peer.actor_id, safe='')}")
            assert status == 200 and "Mallory" in text
            assert_safe(text)
            status, text, headers = await anna.get(f"/authorize_interaction?uri={quote(peer.idea_id, safe='')}")
            assert status == 303, text
            _, text, _ = await anna.get(headers["Location"])
            assert "Böse Idee" in text
            assert_safe(text)
        finally:
            await peer.runner.cleanup()
    # what came in was not kept as a link at all
    rows = await site.query("SELECT url, icon_url FROM actors WHERE username = 'mallory'")
    assert rows and all(r["url"] is None and r["icon_url"] is None for r in rows)
    rows = await site.query("SELECT url, image_url, ap_id FROM ideas WHERE title = 'Böse Idee'")
    assert rows and all(r["image_url"] is None and r["url"] == r["ap_id"] for r in rows)


async def test_stored_outside_urls_are_left_out_when_rendered(site, visitor_for):
    """Rows kept before the check (or by any other way in) are still never rendered as links."""
    anna = visitor_for(site)
    await anna.register("anna")
    peer = await EvilPeer("https://fine.example/").start()
    try:
        _, _, headers = await anna.get(f"/authorize_interaction?uri={quote(peer.idea_id, safe='')}")
        idea_page = headers["Location"]
    finally:
        await peer.runner.cleanup()
    path = await anna.publish_idea("Trinkbrunnen")
    starts = (dt.datetime.now() + dt.timedelta(days=3)).replace(hour=18, minute=0, second=0, microsecond=0)
    await anna.get("/events/new")
    status, _, headers = await anna.post("/events/new", {
        "title": "Online-Treffen", "description": "", "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "timezone": "Europe/Berlin",
        "online_url": "https://meet.example/x", "action": "save"})
    assert status == 303
    event_page = headers["Location"]
    guest = visitor_for(site)
    for evil in EVIL:
        async with site.rt.db.transaction() as conn:  # as if written before the check existed
            await conn.execute("UPDATE actors SET url = ?, icon_url = ? WHERE username = 'mallory'", (evil, evil))
            await conn.execute("UPDATE ideas SET url = ?, image_url = ? WHERE is_local = 0", (evil, evil))
            await conn.execute("UPDATE events SET online_url = ?", (evil,))
        for page in (idea_page, event_page, path, "/"):
            for who in (anna, guest):
                status, text, _ = await who.get(page)
                assert status == 200, (page, text)
                assert_safe(text)
    # an event whose id is not http(s) (kept from elsewhere) is listed, but not as a link
    async with site.rt.db.transaction() as conn:
        await conn.execute("UPDATE events SET ap_id = ?", (f"javascript://{site.config.host}/%0aalert(1)",))
    status, text, _ = await guest.get("/events")
    assert status == 200 and "Online-Treffen" in text
    assert_safe(text)


async def test_uri_parameters_are_never_links_unless_http(site, visitor_for):
    anna, guest = visitor_for(site), visitor_for(site)
    await anna.register("anna")
    for evil in EVIL:
        for who in (anna, guest):
            for page in (f"/interact?uri={quote(evil, safe='')}", f"/authorize_interaction?uri={quote(evil, safe='')}"):
                status, text, _ = await who.get(page)
                assert status in (200, 400), (page, status)
                assert_safe(text)
    # an http(s) uri stays a link
    _, text, _ = await guest.get(f"/interact?uri={quote('https://elsewhere.example/ideas/1', safe='')}")
    assert "https://elsewhere.example/ideas/1" in links_of(text)
