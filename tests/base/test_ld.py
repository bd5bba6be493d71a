"""JSON-LD offline: the loader answers from bundled contexts only and never fetches."""

from __future__ import annotations

import pytest
from aiohttp import web
from pyld import jsonld

from wecreate_fed import ld

AS = "https://www.w3.org/ns/activitystreams#"


@pytest.fixture
async def context_server():
    """A loopback server offering a context document, counting requests for it."""
    hits = []

    async def context(request):
        hits.append(request.path)
        return web.json_response({"@context": {"x": "https://evil.example/x"}}, content_type="application/ld+json")

    app = web.Application()
    app.router.add_get("/context.jsonld", context)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/context.jsonld", hits
    await runner.cleanup()


@pytest.mark.parametrize("url", sorted(ld.BUNDLED))
def test_every_bundled_context_is_served_from_the_package(url):
    loaded = ld.static_document_loader(url)
    assert loaded["documentUrl"] == url
    assert "@context" in loaded["document"]


def test_context_urls_with_a_trailing_hash_are_served_too():
    # Some servers write "https://www.w3.org/ns/activitystreams#" as their @context
    assert ld.static_document_loader(ld.AS_CONTEXT + "#")["document"] == ld.static_document_loader(ld.AS_CONTEXT)["document"]


async def test_unbundled_context_urls_are_refused_without_fetching(context_server):
    url, hits = context_server
    # The loader refuses even a URL that would answer
    with pytest.raises(ld.UnknownContext, match="never fetched"):
        ld.static_document_loader(url)
    with pytest.raises(ld.UnknownContext):
        ld.static_document_loader("https://www.w3.org/ns/activitystreams/v2")
    # And expanding a document that names it fails instead of fetching it
    with pytest.raises(jsonld.JsonLdError):
        ld.expand({"@context": url, "x": "payload"})
    assert hits == []


def test_a_lemmy_page_expands_with_the_bundled_lemmy_context():
    # Lemmy 0.19 names its own context URL next to the ActivityStreams one
    page = {
        "@context": ["https://join-lemmy.org/context.json", "https://www.w3.org/ns/activitystreams"],
        "id": "https://lemmy.example/post/1", "type": "Page", "name": "Radweg Karl-Heine-Straße",
        "attributedTo": "https://lemmy.example/u/bert", "stickied": False,
    }
    [expanded] = ld.expand(page)
    assert expanded["@type"] == [AS + "Page"]
    assert expanded[AS + "attributedTo"] == [{"@id": "https://lemmy.example/u/bert"}]
    assert any(key.endswith("stickied") for key in expanded)


@pytest.mark.parametrize("value, expected", [
    ("https://leipzig.example/users/anna", "https://leipzig.example/users/anna"),
    ({"id": "https://leipzig.example/users/anna", "type": "Person"}, "https://leipzig.example/users/anna"),
    ({"@id": "https://leipzig.example/users/anna"}, "https://leipzig.example/users/anna"),
    (["https://leipzig.example/users/anna"], "https://leipzig.example/users/anna"),
    (["https://a.example/1", "https://a.example/2"], None),
    ({"type": "Note"}, None),
    (None, None),
    (42, None),
])
def test_get_id(value, expected):
    assert ld.get_id(value) == expected


def test_public_addressing_in_all_its_spellings():
    for public in (ld.PUBLIC, "as:Public", "Public"):
        assert ld.is_public({"to": [public]})
        assert ld.is_public({"cc": public})
    assert not ld.is_public({"to": ["https://leipzig.example/users/anna/followers"]})
    assert ld.addressees({"to": "https://a.example/1", "cc": [{"id": "https://a.example/2"}], "bcc": None,
                          "audience": ["https://a.example/3"]}) == {"https://a.example/1", "https://a.example/2",
                                                                    "https://a.example/3"}


def test_a_list_type_is_read_as_its_known_member():
    extension = "https://example.org/ns#Extension"
    assert ld.types_of({"type": ["Note", extension]}) == ["Note", extension]
    assert ld.type_of({"type": [extension, "Note"]}) == "Note"
    assert ld.type_of({"type": ["Note", "Article"]}, ("Article",)) == "Article"
    assert ld.understood_type({"type": [extension, "Like"]}) == "Like"
    assert ld.understood_type({"type": "Ping"}) == "Ping"  # a lone type: nothing to choose from
    assert ld.understood_type({"type": [extension, "https://example.org/ns#Other"]}) == ""
    assert ld.types_of({"type": 7}) == [] and ld.types_of("Note") == []


def test_bto_and_bcc_are_removed_from_the_activity_and_its_object():
    activity = {"type": "Create", "to": ["a"], "bto": ["b"], "bcc": ["c"],
                "object": {"type": "Note", "cc": ["d"], "bcc": ["e"]}}
    assert ld.blind_addressees(activity) == {"b", "c", "e"}
    cleaned = ld.without_blind(activity)
    assert cleaned == {"type": "Create", "to": ["a"], "object": {"type": "Note", "cc": ["d"]}}
    assert "bcc" in activity["object"]  # the original is left as it was


def test_addressing_of_an_activity_and_its_object_is_merged_and_absence_told_from_nobody():
    merged = ld.merged_addressing({"to": ["y"], "cc": "z"}, {"to": ["x", "y"]})
    assert merged == {"to": ["x", "y"], "cc": ["z"], "bto": [], "bcc": [], "audience": []}
    assert not ld.has_addressing({"type": "Create"}, {"type": "Note"})
    assert ld.has_addressing({"type": "Create"}, {"type": "Note", "to": []})
