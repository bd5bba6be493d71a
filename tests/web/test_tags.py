"""Hashtag pages, link previews (OpenGraph), contentMap and languages, an image's alt text and media
type, `source` in the client-to-server outbox, and the favicon, against a real instance."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import aiohttp
import pytest

from tests.conftest import eventually
from tests.web.conftest import text_of
from tests.web.test_domain_policy import (
    befriend,
    make_localhost,  # noqa: F401  (a fixture)
    on,
)
from wecreate_fed import content, urls
from wecreate_fed.civic import events, ideas
from wecreate_fed.moderation import domains, roles
from wecreate_fed.web import previews

IDEA = {"type": "Note", "civicKind": "idea", "name": "Trinkbrunnen am Markt", "abstract": "Wasser für heiße Tage.",
        "source": {"content": "Im Sommer fehlt **Wasser**.", "mediaType": "text/markdown"}, "districts": ["west"],
        "tag": [{"type": "Hashtag", "name": "#Wasser"}, {"type": "Hashtag", "name": "#Sommer"}]}
ATOM = "{http://www.w3.org/2005/Atom}"


class Meta(HTMLParser):
    """The <meta> tags of a page as a link preview reads them: property or name → content."""

    def __init__(self, html: str):
        super().__init__()
        self.found: dict[str, str] = {}
        self.links: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "meta" and (values.get("property") or values.get("name")):
            self.found.setdefault(values.get("property") or values["name"], values.get("content") or "")
        if tag == "link":
            self.links.append(values)


async def publish(instance, username: str, **changes) -> str:
    status, body = await instance.post_outbox(username, {**IDEA, **changes})
    assert status == 201, body
    rows = await instance.query("SELECT ap_id FROM ideas ORDER BY id DESC LIMIT 1")
    return rows[0]["ap_id"]


async def plain_get(url: str, accept: str = "text/html") -> tuple[int, str, dict]:
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers={"Accept": accept}, allow_redirects=False) as r:
            return r.status, await r.text(), dict(r.headers)


async def linked_event(instance, username: str, idea_id: str, title: str = "Ortstermin am Brunnen") -> str:
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    status, body = await instance.post_outbox(username, {
        "type": "Event", "name": title, "startTime": start.isoformat(),
        "endTime": (start + timedelta(hours=1)).isoformat(), "timezone": "Europe/Berlin", "linkedIdea": idea_id,
        "source": "Wir schauen uns den **Platz** an.",
        "location": {"type": "Place", "name": "Lindenauer Markt"}})
    assert status == 201, body
    return (await instance.query("SELECT ap_id FROM events ORDER BY id DESC LIMIT 1"))[0]["ap_id"]


# --- hashtag pages ----------------------------------------------------------------------------

async def test_the_hashtag_of_an_idea_leads_to_a_page_collection_and_feed_with_its_ideas_and_events(leipzig):
    await leipzig.create_user("anna")
    idea_id = await publish(leipzig, "anna")
    other = await publish(leipzig, "anna", name="Bänke im Park", tag=[{"type": "Hashtag", "name": "#park"}])
    event_id = await linked_event(leipzig, "anna", idea_id)

    # The Hashtag in the federated idea points at the tag page, and that URL answers servers
    status, document = await leipzig.get_json(idea_id)
    assert status == 200
    hrefs = {t["name"]: t["href"] for t in document["tag"]}
    assert hrefs == {"#wasser": urls.tag_url(leipzig.config, "wasser"), "#sommer": urls.tag_url(leipzig.config, "sommer")}
    assert f'href="{hrefs["#wasser"]}"' in document["content"]
    status, collection = await leipzig.get_json(hrefs["#wasser"])
    assert status == 200 and collection["type"] == "OrderedCollection"
    assert collection["id"] == hrefs["#wasser"] and collection["totalItems"] == 2
    status, first = await leipzig.get_json(collection["first"])
    assert status == 200 and first["type"] == "OrderedCollectionPage" and first["partOf"] == collection["id"]
    assert set(first["orderedItems"]) == {idea_id, event_id} and other not in first["orderedItems"]
    assert "next" not in first

    # The web page, whatever the case of the tag in the address
    status, html, headers = await plain_get(leipzig.base_url + "/tags/Wasser")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    text = text_of(html)
    assert "#wasser" in text and "Trinkbrunnen am Markt" in text and "Ortstermin am Brunnen" in text
    assert "Bänke im Park" not in text
    assert any(link.get("type") == "application/atom+xml" for link in Meta(html).links)

    # The Atom feed, by its own address and by Accept
    for url, accept in ((leipzig.base_url + "/tags/wasser.atom", "*/*"),
                        (leipzig.base_url + "/tags/wasser", "application/atom+xml")):
        status, feed, headers = await plain_get(url, accept)
        assert status == 200 and headers["Content-Type"].startswith("application/atom+xml")
        root = ET.fromstring(feed)
        titles = {e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")}
        assert titles == {"Trinkbrunnen am Markt", "Ortstermin am Brunnen"}
        assert root.find(f"{ATOM}id").text == hrefs["#wasser"]


async def test_an_unknown_tag_is_an_empty_page_and_a_malformed_one_a_404_page(leipzig):
    status, html, _ = await plain_get(leipzig.base_url + "/tags/niemand")
    assert status == 200 and "Zu #niemand gibt es noch nichts." in text_of(html)
    status, collection = await leipzig.get_json(leipzig.base_url + "/tags/niemand")
    assert status == 200 and collection["totalItems"] == 0
    status, page = await leipzig.get_json(leipzig.base_url + "/tags/niemand?page=1")
    assert status == 200 and page["orderedItems"] == []
    for bad in ("a-b", "x" * 51, "%23wasser", "wasser%20sommer"):
        status, html, _ = await plain_get(f"{leipzig.base_url}/tags/{bad}")
        assert status == 404, bad
        assert "<!doctype html>" in html.lower() and "Ein Thema ist ein Wort" in text_of(html), bad
        status, error = await leipzig.get_json(f"{leipzig.base_url}/tags/{bad}")
        assert status == 404 and error["error"] == "tag_invalid", bad
    status, html, _ = await plain_get(leipzig.base_url + "/tags/wasser?page=null")
    assert status == 400


async def test_a_tag_page_is_paginated_and_leaves_off_what_is_deleted(leipzig):
    await leipzig.create_user("anna")
    made = [await publish(leipzig, "anna", name=f"Idee {n:02d}") for n in range(22)]
    status, first = await leipzig.get_json(leipzig.base_url + "/tags/sommer?page=1")
    assert len(first["orderedItems"]) == 20 and first["next"].endswith("?page=2")
    assert first["orderedItems"][0] == made[-1]  # newest first
    status, second = await leipzig.get_json(first["next"])
    assert second["orderedItems"] == [made[1], made[0]] and second["prev"].endswith("?page=1")
    status, html, _ = await plain_get(leipzig.base_url + "/tags/sommer?page=2")
    assert status == 200 and "Seite 2 von 2" in text_of(html) and "Idee 00" in text_of(html)

    status, _ = await leipzig.post_outbox("anna", {"type": "Delete", "object": made[0]})
    assert status == 201
    status, collection = await leipzig.get_json(leipzig.base_url + "/tags/sommer")
    assert collection["totalItems"] == 21


async def test_a_tag_page_shows_remote_ideas_except_those_of_a_limited_domain(make_instance, make_localhost):  # noqa: F811
    leipzig = await make_instance("leipzig")
    meissen = await make_localhost("meissen")
    await befriend(leipzig, meissen)
    mine = await publish(leipzig, "anna")
    theirs = await publish(meissen, "jonas", name="Elbwiesen sauber halten")
    await eventually(lambda: on(leipzig, theirs), message="Meißen's idea on Leipzig")
    status, first = await leipzig.get_json(leipzig.base_url + "/tags/wasser?page=1")
    assert set(first["orderedItems"]) == {mine, theirs}

    await domains.set_policy(leipzig.rt, domains.make_policy("localhost", "limit"), by=roles.CLI)
    status, collection = await leipzig.get_json(leipzig.base_url + "/tags/wasser")
    assert collection["totalItems"] == 1
    status, first = await leipzig.get_json(collection["first"])
    assert first["orderedItems"] == [mine]
    status, html, _ = await plain_get(leipzig.base_url + "/tags/wasser")
    assert "Elbwiesen" not in text_of(html) and "Trinkbrunnen am Markt" in text_of(html)


# --- link previews ----------------------------------------------------------------------------

async def test_idea_event_and_home_pages_carry_opengraph_for_link_previews(leipzig):
    await leipzig.create_user("anna")
    idea_id = await publish(leipzig, "anna", image={"type": "Image", "url": "https://bilder.example/brunnen.jpg",
                                                    "name": "Ein steinerner Brunnen auf dem Marktplatz"})
    event_id = await linked_event(leipzig, "anna", idea_id)
    idea = (await leipzig.query("SELECT url FROM ideas WHERE ap_id = ?", (idea_id,)))[0]
    status, html, _ = await plain_get(idea["url"])
    assert status == 200
    meta = Meta(html).found
    assert meta["og:title"] == "Trinkbrunnen am Markt"
    assert meta["og:description"] == meta["description"] == "Wasser für heiße Tage."
    assert meta["og:image"] == "https://bilder.example/brunnen.jpg"
    assert meta["og:image:alt"] == "Ein steinerner Brunnen auf dem Marktplatz"
    assert meta["og:url"] == idea["url"] and meta["og:type"] == "article" and meta["og:locale"] == "de_DE"
    assert meta["og:site_name"] == leipzig.config.instance_name

    event_url = (await leipzig.query("SELECT url FROM events WHERE ap_id = ?", (event_id,)))[0]["url"]
    status, html, _ = await plain_get(event_url)
    meta = Meta(html).found
    assert status == 200 and meta["og:title"] == "Ortstermin am Brunnen" and meta["og:url"] == event_url
    assert "Lindenauer Markt" in meta["og:description"] and "Wir schauen uns den Platz an." in meta["description"]
    assert meta["og:image"].startswith(leipzig.base_url + "/icon-512.png")  # no picture: the instance's icon
    async with aiohttp.ClientSession() as session, session.get(meta["og:image"]) as r:
        assert r.status == 200 and r.headers["Content-Type"] == "image/png"

    status, html, _ = await plain_get(leipzig.base_url + "/")
    meta = Meta(html).found
    assert meta["og:title"] == leipzig.config.instance_name and meta["og:url"] == leipzig.base_url + "/"
    assert meta["description"] == meta["og:description"] and "Leipzig" in meta["description"]
    assert meta["og:type"] == "website" and meta["og:locale"] == "de_DE"


def test_a_long_body_is_cut_at_a_word_for_the_description():
    text = previews.describe("", "<p>" + "Wasser für alle " * 30 + "</p>")
    assert len(text) <= 200 and text.endswith("…") and "<" not in text and not text[:-1].endswith(" ")
    assert previews.og_locale("de-at") == "de_AT" and previews.og_locale("en") == "en_GB"


# --- languages and contentMap ------------------------------------------------------------------

async def test_ideas_and_events_carry_their_language_in_content_map(leipzig):
    await leipzig.create_user("anna")
    sam = await leipzig.create_user("sam")
    async with leipzig.rt.db.transaction() as conn:  # Sam chose English in the settings
        await conn.execute("UPDATE accounts SET language = 'en' WHERE actor_id = ?", (sam.id,))
    status, document = await leipzig.get_json(await publish(leipzig, "anna"))
    assert document["contentMap"] == {"de": document["content"]}
    english = await publish(leipzig, "sam", name="A fountain")
    status, document = await leipzig.get_json(english)
    assert list(document["contentMap"]) == ["en"]
    # a client that says what language it writes in
    status, document = await leipzig.get_json(await publish(leipzig, "anna", contentMap={"fr": "<p>Une fontaine</p>"}))
    assert list(document["contentMap"]) == ["fr"]
    event_id = await linked_event(leipzig, "sam", english)
    status, document = await leipzig.get_json(event_id)
    assert document["contentMap"] == {"en": document["content"]} and "<strong>Platz</strong>" in document["content"]


def test_incoming_content_map_is_read_when_content_is_missing():
    remote = {"id": "https://meissen.example/ideas/1", "type": "Note", "civicKind": "idea", "name": "Elbwiesen",
              "attributedTo": "https://meissen.example/users/jonas",
              "contentMap": {"de": "<p>Mehr <em>Mülleimer</em> an der Elbe.</p>"},
              "attachment": [{"type": "Image", "url": "https://meissen.example/media/elbe", "mediaType": "image/webp",
                              "name": "Die Elbwiesen bei Sonnenuntergang"}]}
    idea = ideas.parse_remote(remote)
    assert idea.body_html == "<p>Mehr <em>Mülleimer</em> an der Elbe.</p>" and idea.language == "de"
    assert idea.image_alt == "Die Elbwiesen bei Sonnenuntergang" and idea.image_media_type == "image/webp"
    both = ideas.parse_remote({**remote, "content": "<p>Hallo</p>", "contentMap": {"en": "<p>Hi</p>", "de": "<p>Hallo</p>"}})
    assert both.body_html == "<p>Hallo</p>" and both.language == "de"

    event = events.parse_remote({
        "id": "https://mobilizon.example/events/1", "type": "Event", "name": "Putzaktion",
        "attributedTo": "https://mobilizon.example/@jonas", "startTime": "2027-05-01T10:00:00+02:00",
        "contentMap": {"de-DE": "<p>Handschuhe gibt es vor Ort.</p>"}}, "https://mobilizon.example/@jonas")
    assert event.description_html == "<p>Handschuhe gibt es vor Ort.</p>" and event.language == "de-de"


async def test_remote_ideas_keep_language_alt_text_and_media_type(leipzig, meissen):
    await meissen.create_user("jonas")
    anna = await leipzig.create_user("anna")
    status, _ = await meissen.post_outbox("jonas", {"type": "Follow", "object": anna.ap_id})
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="follow")
    idea_id = await publish(leipzig, "anna", image={"type": "Image", "url": "https://bilder.example/brunnen.png",
                                                    "name": "Ein Brunnen"})
    rows = await eventually(lambda: meissen.query(
        "SELECT language, image_alt, image_media_type FROM ideas WHERE ap_id = ?", (idea_id,)), message="idea there")
    assert rows[0] == {"language": "de", "image_alt": "Ein Brunnen", "image_media_type": "image/png"}


# --- images and their alt text -----------------------------------------------------------------

async def test_an_image_has_its_media_type_and_alt_text_and_the_form_asks_for_it(leipzig, visitor_for):
    await leipzig.create_user("anna", password="sicheres-passwort")
    status, document = await leipzig.get_json(await publish(leipzig, "anna", attachment=[{
        "type": "Image", "url": "https://bilder.example/brunnen.JPG", "name": "Ein Brunnen aus Granit"}]))
    assert document["attachment"] == [{"type": "Image", "url": "https://bilder.example/brunnen.JPG",
                                       "name": "Ein Brunnen aus Granit", "mediaType": "image/jpeg"}]
    assert document["image"]["mediaType"] == "image/jpeg"

    # an image whose type nobody can tell, and one without a description, are refused
    status, error = await leipzig.post_outbox("anna", {**IDEA, "image": "https://bilder.example/bild"})
    assert status == 400 and {(p["field"], p["error"]) for p in error.get("problems", [error])} >= {
        ("image_url", "image_type"), ("image_alt", "required")}
    status, error = await leipzig.post_outbox("anna", {**IDEA, "image": {
        "type": "Image", "url": "https://bilder.example/bild", "mediaType": "image/png", "name": "Ein Bild"}})
    assert status == 201, error

    anna = visitor_for(leipzig)
    await anna.login("anna")
    status, html, _ = await anna.get("/ideas/new")
    assert 'id="image_alt"' in html and "Bildbeschreibung" in text_of(html)
    await anna.get("/ideas/new")
    status, html, _ = await anna.post("/ideas/new", [("title", "Brunnen"), ("districts", "west"), ("action", "save"),
                                                      ("image_url", "https://bilder.example/b.png")])
    assert status == 400 and 'id="image_alt-error"' in html
    path = await anna.publish_idea("Brunnen", image_url="https://bilder.example/b.png", image_alt="Ein Brunnen im Park")
    status, html, _ = await anna.get(path)
    assert 'alt="Ein Brunnen im Park"' in html


# --- source in the client-to-server outbox -------------------------------------------------------

async def test_source_may_be_a_plain_markdown_string_and_any_other_shape_is_refused(leipzig):
    await leipzig.create_user("anna")
    idea_id = await publish(leipzig, "anna", source="Im Sommer fehlt **Wasser**.")
    row = (await leipzig.query("SELECT body_source, body_html FROM ideas WHERE ap_id = ?", (idea_id,)))[0]
    assert row["body_source"] == "Im Sommer fehlt **Wasser**."
    assert "<strong>Wasser</strong>" in row["body_html"]
    status, document = await leipzig.get_json(idea_id)
    assert document["source"] == {"content": "Im Sommer fehlt **Wasser**.", "mediaType": "text/markdown"}

    before = await leipzig.query("SELECT count(*) AS n FROM ideas")
    for source, field in (([1, 2], "source"), (42, "source"), ({"mediaType": "text/markdown"}, "source"),
                          ({"content": "<p>x</p>", "mediaType": "text/html"}, "source.mediaType")):
        status, error = await leipzig.post_outbox("anna", {**IDEA, "source": source})
        assert status == 400 and error["field"] == field, (source, error)
        assert "source" in error["message"]
    assert await leipzig.query("SELECT count(*) AS n FROM ideas") == before

    # the same for an Update of the idea
    status, error = await leipzig.post_outbox("anna", {"type": "Update", "object": {
        "id": idea_id, "type": "Note", "civicKind": "idea", "source": ["nope"]}})
    assert status == 400 and error["field"] == "source"
    status, _ = await leipzig.post_outbox("anna", {"type": "Update", "object": {
        "id": idea_id, "type": "Note", "civicKind": "idea", "source": "Jetzt mit _Bänken_."}})
    assert status == 201
    row = (await leipzig.query("SELECT body_html FROM ideas WHERE ap_id = ?", (idea_id,)))[0]
    assert "<em>Bänken</em>" in row["body_html"]


# --- the favicon ------------------------------------------------------------------------------

async def test_the_favicon_is_linked_and_served_with_long_cache_headers(leipzig):
    status, html, _ = await plain_get(leipzig.base_url + "/")
    icons = {link["href"]: link for link in Meta(html).links if "icon" in link.get("rel", "")}
    svg = next(h for h, link in icons.items() if link.get("type") == "image/svg+xml")
    ico = next(h for h in icons if h.startswith("/favicon.ico"))
    status, body, headers = await plain_get(leipzig.base_url + svg, "*/*")
    assert status == 200 and headers["Content-Type"] == "image/svg+xml" and body.startswith("<svg")
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    async with aiohttp.ClientSession() as session:
        async with session.get(leipzig.base_url + ico) as r:
            data = await r.read()
            assert r.status == 200 and r.headers["Content-Type"] == "image/x-icon"
            assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        reserved, kind, count = struct.unpack("<HHH", data[:6])
        assert (reserved, kind) == (0, 1) and count >= 2
        sizes = {data[6 + 16 * n] for n in range(count)}
        assert {16, 32} <= sizes
        async with session.get(leipzig.base_url + "/favicon.ico") as r:  # where browsers look unasked
            assert r.status == 200 and r.headers["Cache-Control"] == "public, max-age=86400"
        async with session.get(leipzig.base_url + "/icon-512.png") as r:
            png = await r.read()
            assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (512, 512)


@pytest.mark.parametrize("value, expected", [("de", "de"), ("DE-at", "de-at"), ("deutsch", None), ("", None),
                                             (None, None), ("d", None)])
def test_language_tags(value, expected):
    assert content.language_tag(value) == expected
