"""Every route of the website and of the ActivityPub GETs, with malformed path segments, query
parameters and form fields: a 4xx (or a page), never a 5xx. Over real HTTP, logged in."""

import asyncio
import re
from urllib.parse import quote

import pytest
from yarl import URL

from tests.web.test_box_pages import BOX_FORM, create_box

# What an attacker puts in a parameter: malformed URLs, numbers out of every range, digits that
# are not ASCII, NUL, invalid UTF-8 (raw percent-escapes), lone surrogates, huge and empty text.
NASTY = ["http://[::1", "http://a:99999/", "99999999999999999999999999", "-1", "²", "\x00", "%ff%fe",
         "%ed%a0%80", " ", "a" * 2000, "javascript:alert(1)", "mitte\r\nX: y", "2026-13-45T99:99"]
# Query parameters the routes read (grep request.args); page/max_id drive the collections.
PARAMS = ["page", "max_id", "per_page", "district", "kind", "status", "author", "topic", "sort", "local", "q",
          "uri", "id", "idea", "intent", "invitation", "lang", "next", "resource", "min_id"]
SKIP = ("/static/", "/media/")


def encoded(value: str) -> str:
    """A value as it travels in a URL; `%..` escapes stay raw so that invalid UTF-8 arrives as such."""
    return value if value.startswith("%") else quote(value, safe="")


def fill(rule: str, value: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?[a-z_]+>", value, rule)


async def statuses(visitor, urls_: list[str], method: str = "GET", data=None) -> list[tuple[int, str]]:
    """(status, url) for each request, eight at a time."""
    gate = asyncio.Semaphore(8)

    async def one(url):
        async with gate:
            async with visitor.session.request(method, URL(url, encoded=True), data=data, allow_redirects=False,
                                               headers={"Referer": visitor.base_url + "/"}) as r:
                await r.read()
                return r.status, url
    return await asyncio.gather(*(one(u) for u in urls_))


# Every GET route with every nasty value, three visitors: about 290 s alone on PostgreSQL, and more
# beside three other test processes (it reached 300 s in a CI check).
@pytest.mark.timeout(900)
async def test_no_query_parameter_or_path_segment_makes_a_5xx(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    idea_path = await anna.publish_idea("Trinkbrunnen")
    key = idea_path.rsplit("/", 1)[1]
    real = {"username": "anna", "key": key, "uuid": key, "slug": "mitte", "direction": "followers",
            "version": "2.0", "name": "x"}
    rules = [r for r in site.app.url_map.iter_rules() if "GET" in r.methods and not r.rule.startswith(SKIP)]
    urls_ = []
    n = len(NASTY)
    for i, rule in enumerate(rules):
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: real.get(m.group(1), "x"), rule.rule)
        for j, value in enumerate(NASTY):
            urls_.append(site.base_url + fill(rule.rule, encoded(value) or "x"))
            # every parameter at once, each with another value; and each parameter alone (the first
            # that a route refuses would hide the others), the values rotating from route to route
            urls_.append(f"{site.base_url}{path}?" + "&".join(
                f"{name}={encoded(NASTY[(j + k) % n])}" for k, name in enumerate(PARAMS)))
        urls_.extend(f"{site.base_url}{path}?{name}={encoded(NASTY[(i + k) % n])}" for k, name in enumerate(PARAMS))
    await site.create_user("ada", password="sicheres-passwort", role="admin")
    ada = visitor_for(site)
    assert await ada.login("ada") == 303
    for visitor in (anna, visitor_for(site), ada):  # logged in, a guest, and an admin (the admin pages)
        answers = await statuses(visitor, urls_)
        failed = [url for status, url in answers if status >= 500]
        assert not failed, f"{len(failed)} requests answered 5xx, e.g. {failed[:10]}"
    assert not site.crashes and not any(s >= 500 for s in site.statuses)


def form_routes(site) -> list[str]:
    return [r.rule for r in site.app.url_map.iter_rules() if "POST" in r.methods
            and not r.rule.endswith(("/inbox", "/outbox"))]


FIELDS = sorted({"action", "actor", "addressed_to", "addressed_to_other", "answer", "assignee", "author", "bio",
                 "body", "council", "council_other", "current", "current_password", "decision", "delete_password",
                 "district", "districts", "done", "due", "event", "handle", "idea", "in_reply_to", "indicator",
                 "intent", "invitation", "kind", "lang", "language", "member", "milestone", "motion", "name",
                 "new_password", "new_password_repeat", "next", "note", "password", "password_repeat", "post",
                 "remove_avatar", "required_cosigners", "role", "session_date", "session_name", "slug", "sort",
                 "state", "status", "summary", "take", "target", "task", "text", "title", "topic", "topics", "unit",
                 "uri", "username", "visibility", "starts_at", "ends_at", "timezone", "place", "capacity",
                 "online_url", "linked_idea", "cosigners", "request", *BOX_FORM})


@pytest.mark.timeout(300)
async def test_no_form_field_makes_a_5xx(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    key = (await anna.publish_idea("Trinkbrunnen")).rsplit("/", 1)[1]
    box = (await create_box(anna)).rstrip("/").rsplit("/", 1)[1]
    await anna.get("/settings")
    token = anna.token()

    def raw(n: int) -> str:  # as a browser sends it: invalid UTF-8 and a lone surrogate as such
        return NASTY[n % len(NASTY)].replace("%ff%fe", "\udcff").replace("%ed%a0%80", "\ud800")

    failed = []
    # Last the ones that end the session (or the account) the test goes on with.
    rules = sorted(form_routes(site), key=lambda r: r in ("/logout", "/settings/password", "/settings/delete"))
    for i, rule in enumerate(rules):
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: {"key": key, "slug": box}.get(m.group(1), "x"), rule)
        # every field at once, each with another value; and a twelfth of them at a time (the first
        # field a form refuses would hide the others), the values rotating from form to form
        forms = [[(name, raw(j + k)) for k, name in enumerate(FIELDS)] for j in range(len(NASTY))]
        forms += [[(name, raw(i + k)) for k, name in enumerate(FIELDS) if k % 12 == group] for group in range(12)]
        for form in forms:
            body = "&".join(f"{quote(k, safe='')}={quote(v, safe='', errors='surrogatepass')}"
                            for k, v in [*form, ("csrf_token", token)]).encode()
            async with anna.session.post(site.base_url + path, data=body, allow_redirects=False,
                                         headers={"Content-Type": "application/x-www-form-urlencoded",
                                                  "Referer": site.base_url + "/"}) as r:
                await r.read()
                if r.status >= 500:
                    failed.append((rule, [name for name, _ in form][:3]))
    assert not failed, f"{len(failed)} forms answered 5xx, e.g. {failed[:10]}"
    assert not site.crashes and not any(s >= 500 for s in site.statuses)


@pytest.mark.timeout(300)
async def test_no_form_field_of_the_admin_pages_makes_a_5xx(site, visitor_for):
    """The moderators' and admins' forms, posted by an admin (a user is refused before any field is read)."""
    await site.create_user("ada", password="sicheres-passwort", role="admin")
    await site.create_user("mo", password="sicheres-passwort", role="moderator")
    ada = visitor_for(site)
    assert await ada.login("ada") == 303
    await ada.get("/admin")
    token = ada.token()
    fields = sorted({*FIELDS, "category", "rule", "law", "explanation", "report", "outcome", "severity", "domain",
                     "reject_media", "reject_reports", "public_comment", "private_comment", "obfuscate", "text_de",
                     "text_en", "resolution", "comment", "forward", "file", "csv", "direction", "position"})
    failed = []
    for i, rule in enumerate(r for r in form_routes(site) if r.startswith("/admin")):
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: "1", rule)
        forms = [[(name, NASTY[(j + k) % len(NASTY)]) for k, name in enumerate(fields)] for j in range(len(NASTY))]
        forms += [[(name, NASTY[(i + k) % len(NASTY)]) for k, name in enumerate(fields) if k % 8 == group]
                  for group in range(8)]
        for form in forms:
            async with ada.session.post(site.base_url + path, data=[*form, ("csrf_token", token)],
                                        allow_redirects=False, headers={"Referer": site.base_url + "/"}) as r:
                await r.read()
                if r.status >= 500:
                    failed.append((rule, [name for name, _ in form][:3]))
    assert not failed, f"{len(failed)} admin forms answered 5xx, e.g. {failed[:10]}"
    assert not site.crashes and not any(s >= 500 for s in site.statuses)
