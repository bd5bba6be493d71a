"""A private box is not revealed by any route: to everyone who is not a member, each of its
ActivityPub routes, its names under /users/, WebFinger and every page and form of the website
answer exactly (status and body) as they do for a box that does not exist."""

from __future__ import annotations

import json
import re
import uuid

import aiohttp

from tests.conftest import post_signed
from wecreate_fed import signatures
from wecreate_fed.civic import boxes

PRIVATE, MISSING = "freunde", "niemand"

GETS = ["/boxes/{s}", "/boxes/{s}/followers", "/boxes/{s}/moderators", "/boxes/{s}/following", "/boxes/{s}/posts",
        "/boxes/{s}/outbox", "/boxes/{s}/outbox?page=true", "/boxes/{s}/followers?page=true",
        "/users/{s}", "/users/{s}/followers", "/users/{s}/following", "/users/{s}/outbox",
        "/users/{s}/followers?page=true", "/users/{s}/outbox?page=true",
        "/.well-known/webfinger?resource=acct:{s}@{host}"]
PAGES = ["/b/{s}", "/b/{s}/edit", "/b/{s}/motions/new", "/@{s}", "/boxes/{s}"]
FORMS = ["/b/{s}/join", "/b/{s}/leave", "/b/{s}/requests", "/b/{s}/invite", "/b/{s}/members/remove",
         "/b/{s}/members/role", "/b/{s}/posts", "/b/{s}/posts/remove", "/b/{s}/tasks", "/b/{s}/tasks/update",
         "/b/{s}/indicators", "/b/{s}/indicators/update", "/b/{s}/milestones", "/b/{s}/milestones/mark",
         "/b/{s}/ideas", "/b/{s}/edit", "/b/{s}/motions/new"]


def same(text: str, slug: str) -> str:
    """A body with the slug and the per-visitor CSRF token taken out."""
    text = re.sub(r'name="csrf_token" value="[^"]+"', "", text)
    return text.replace(slug, "SLUG")


async def fetch(method: str, url: str, *, signer=None, accept="application/activity+json", body=None):
    headers = {"Accept": accept}
    data = json.dumps(body).encode() if body is not None else None
    if signer is not None:
        headers.update(signatures.sign_request(method, url, key_id=signer.key_id,
                                               private_key_pem=signer.private_key_pem, body=data))
    async with aiohttp.ClientSession() as session:
        async with session.request(method, url, headers=headers, data=data, allow_redirects=False) as r:
            return r.status, await r.text(), r.headers.get("Location", "")


async def test_every_route_answers_for_a_private_box_as_for_none(make_site, visitor_for):
    leipzig, meissen = await make_site("leipzig"), await make_site("meissen")
    anna = await leipzig.create_user("anna", password="anna-passwort")
    await leipzig.create_user("mehmet", password="mehmet-passwort")
    await boxes.create(leipzig.rt, anna, {"name": "Freundeskreis", "slug": PRIVATE, "visibility": "private"})
    lena = await meissen.create_user("lena")
    base, host = leipzig.base_url, leipzig.config.host

    async def compare(method, path, **kwargs):
        answers = []
        for slug in (PRIVATE, MISSING):
            status, text, location = await fetch(method, base + path.format(s=slug, host=host), **kwargs)
            answers.append((status, same(text, slug), same(location, slug)))
        assert answers[0] == answers[1], (method, path, kwargs.get("signer") and "signed", answers)
        return answers[0][0]

    for path in GETS:
        # (authorised fetch is on: an unsigned request gets 401 for both, a signed one 404 or a redirect)
        assert await compare("GET", path, signer=None) in (302, 401, 404), path
        assert await compare("GET", path, signer=lena) in (302, 404), path
    for path in PAGES:
        await compare("GET", path, accept="text/html")
    # the box's inbox under /users/: a signed delivery from a non-member
    for slug_path in ("/users/{s}/inbox",):
        activity = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Follow", "actor": lena.ap_id,
                    "id": f"{lena.ap_id}#follows/{uuid.uuid4()}"}
        answers = []
        for slug in (PRIVATE, MISSING):
            url = base + slug_path.format(s=slug)
            status, text = await post_signed(url, {**activity, "object": f"{base}/boxes/{slug}"},
                                             key_id=lena.key_id, private_key_pem=lena.private_key_pem)
            answers.append((status, same(text, slug)))
        assert answers[0] == answers[1] and answers[0][0] == 404, answers
    # a local person who is not a member, and a visitor: every page and every form alike
    mehmet, guest = visitor_for(leipzig), visitor_for(leipzig)
    assert await mehmet.login("mehmet", "mehmet-passwort") == 303
    for who in (mehmet, guest):
        for path in PAGES:
            results = []
            for slug in (PRIVATE, MISSING):
                status, text, headers = await who.get(path.format(s=slug))
                results.append((status, same(text, slug), same(headers.get("Location", ""), slug)))
            assert results[0] == results[1], (path, results)
        for path in FORMS:
            results = []
            for slug in (PRIVATE, MISSING):
                await who.get("/interact")
                status, text, headers = await who.post(path.format(s=slug), {
                    "member": lena.ap_id, "post": f"{base}/objects/x", "text": "Hallo", "handle": "lena",
                    "role": "moderator", "name": "x", "title": "x"})
                results.append((status, same(text, slug), same(headers.get("Location", ""), slug)))
            assert results[0] == results[1], (path, results)
    # the owner still sees her box
    owner = visitor_for(leipzig)
    assert await owner.login("anna", "anna-passwort") == 303
    status, text, _ = await owner.get(f"/b/{PRIVATE}")
    assert status == 200 and "Freundeskreis" in text
