"""Website fixtures: real instances on loopback and a cookie-keeping HTTP client that reads
pages and posts forms the way a browser without JavaScript does."""

from __future__ import annotations

import re
from html import unescape

import aiohttp
import pytest

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CONSENT_VERSION = re.compile(r'name="((?:rules|privacy)_version)" value="([^"]*)"')


class Visitor:
    """One browser: its own cookies; `get` and `post` return (status, text, headers) without following redirects."""

    def __init__(self, base_url: str, *, accept_language: str = "de"):
        self.base_url = base_url
        # Cookies for an IP address host are refused by aiohttp unless the jar is "unsafe".
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                             headers={"Accept": "text/html", "Accept-Language": accept_language})
        self.last_page = ""

    async def close(self) -> None:
        await self.session.close()

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    async def get(self, path: str, *, follow: bool = False):
        async with self.session.get(self.url(path), allow_redirects=follow) as r:
            text = await r.text()
            if r.status == 200:
                self.last_page = text
            return r.status, text, r.headers

    async def post(self, path: str, data: dict | list, *, csrf: bool = True, follow: bool = False, files=None):
        """POST a form; the CSRF token is taken from the last page read (as a browser's form carries it)."""
        if files:
            form = aiohttp.FormData()
            for key, value in (data.items() if isinstance(data, dict) else data):
                form.add_field(key, value)
            for key, (name, content, mime) in files.items():
                form.add_field(key, content, filename=name, content_type=mime)
            if csrf:
                form.add_field("csrf_token", self.token())
            body = form
        else:
            body = list(data.items()) if isinstance(data, dict) else list(data)
            if csrf:
                body.append(("csrf_token", self.token()))
        async with self.session.post(self.url(path), data=body, allow_redirects=follow,
                                     headers={"Referer": self.base_url + "/"}) as r:
            return r.status, await r.text(), r.headers

    def token(self) -> str:
        match = CSRF.search(self.last_page)
        assert match, "the last page read has no form with a CSRF token"
        return match.group(1)

    async def register(self, username: str, password: str = "sicheres-passwort", **fields) -> int:
        await self.get("/register")
        # Agreeing to the rules and the privacy policy as a person ticks the boxes (with the versions the form shows).
        consent = {"consent_rules": "yes", "consent_privacy": "yes", **dict(CONSENT_VERSION.findall(self.last_page))}
        status, text, _ = await self.post("/register", {"username": username, "name": fields.pop("name", username),
                                                        "password": password, "password_repeat": password,
                                                        **consent, **fields})
        return status

    async def login(self, username: str, password: str = "sicheres-passwort") -> int:
        await self.get("/login")
        status, _, _ = await self.post("/login", {"username": username, "password": password})
        return status

    async def publish_idea(self, title: str, districts=("west",), **fields) -> str:
        """Publish through the form; returns the idea page's path."""
        await self.get("/ideas/new")
        data = [("title", title), ("summary", fields.pop("summary", "")), ("body", fields.pop("body", "")),
                ("kind", fields.pop("kind", "idea")), ("topics", fields.pop("topics", "")), ("action", "save")]
        data += [("districts", d) for d in districts] + list(fields.items())
        status, text, headers = await self.post("/ideas/new", data)
        assert status == 303, text
        return headers["Location"]


def text_of(html: str) -> str:
    """The visible text of a page, roughly (tags removed, entities decoded, spaces collapsed)."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


@pytest.fixture
async def make_site(make_instance):
    """Factory: `await make_site("leipzig", registration="invite")` -> a started Instance (see make_instance)."""
    return make_instance


@pytest.fixture
async def site(make_site):
    return await make_site("leipzig")


@pytest.fixture
async def visitor_for():
    """Factory of Visitors, closed at the end."""
    made: list[Visitor] = []

    def make(instance, **kwargs) -> Visitor:
        visitor = Visitor(instance.base_url, **kwargs)
        made.append(visitor)
        return visitor

    yield make
    for visitor in made:
        await visitor.close()
