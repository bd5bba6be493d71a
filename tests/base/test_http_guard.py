"""The outgoing HTTP guard: no request to a non-public address, and every fetch is bounded.

A real aiohttp server on loopback (127.0.0.1, 127.0.0.2 and [::1]) records every request it
gets, so "refused before any connection" is checked by the server having seen nothing.
Private ranges other than loopback are checked without sending anything: nothing of ours
listens there, and no test traffic may leave the machine.
"""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import quote

import pytest
from aiohttp import web

from wecreate_fed import http
from wecreate_fed.errors import FetchError, RefusedAddress

ACTOR = {"@context": "https://www.w3.org/ns/activitystreams", "id": "https://leipzig.example/users/anna",
         "type": "Person", "preferredUsername": "anna", "inbox": "https://leipzig.example/users/anna/inbox"}
AP_JSON = "application/activity+json"
MAX_BYTES = 10_000


class Origin:
    """A loopback web server that records who asked for what."""

    def __init__(self):
        self.hits: list[tuple[str, str, str]] = []
        self.release = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.ports: dict[str, int] = {}

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        literal = f"[{host}]" if ":" in host else host
        return f"http://{literal}:{self.ports[host]}{path}"

    @web.middleware
    async def record(self, request: web.Request, handler):
        self.hits.append((request.method, request.host, request.path_qs))
        return await handler(request)

    async def start(self) -> Origin:
        app = web.Application(middlewares=[self.record])
        app.router.add_get("/actor", self.actor)
        app.router.add_get("/hop/{n}", self.hop)
        app.router.add_route("*", "/redirect", self.redirect)
        app.router.add_get("/big", self.big)
        app.router.add_get("/stream", self.stream)
        app.router.add_get("/slow", self.slow)
        app.router.add_get("/html", self.html)
        app.router.add_get("/array", self.array)
        app.router.add_get("/broken", self.broken)
        app.router.add_route("*", "/status/{code}", self.status)
        app.router.add_get("/doc/{name}", self.doc)
        app.router.add_get("/typed", self.typed)
        app.router.add_get("/bounce", self.bounce)
        self.runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self.runner.setup()
        for host in ("127.0.0.1", "127.0.0.2", "::1"):
            site = web.TCPSite(self.runner, host, 0)
            await site.start()
            self.ports[host] = self.runner.addresses[-1][1]
        return self

    async def stop(self) -> None:
        self.release.set()
        await self.runner.cleanup()

    async def actor(self, request):
        return web.json_response(ACTOR, content_type=AP_JSON)

    async def hop(self, request):
        n = int(request.match_info["n"])
        if n == 0:
            return web.json_response(ACTOR, content_type=AP_JSON)
        raise web.HTTPFound(f"/hop/{n - 1}")

    async def redirect(self, request):
        raise web.HTTPFound(request.query["to"])

    async def big(self, request):
        return web.Response(body=json.dumps({"padding": "x" * 5 * MAX_BYTES}).encode(), content_type=AP_JSON)

    async def stream(self, request):
        # Chunked, without Content-Length: only counting the bytes read can stop it.
        response = web.StreamResponse(headers={"Content-Type": AP_JSON})
        await response.prepare(request)
        await response.write(b'{"padding": "')
        for _ in range(50):
            await response.write(b"x" * 1000)
        await response.write(b'"}')
        await response.write_eof()
        return response

    async def slow(self, request):
        try:
            await asyncio.wait_for(self.release.wait(), 5)
        except TimeoutError:
            pass
        return web.json_response(ACTOR, content_type=AP_JSON)

    async def html(self, request):
        return web.Response(text="<html><body>anna</body></html>", content_type="text/html")

    async def array(self, request):
        return web.json_response([ACTOR], content_type=AP_JSON)

    async def broken(self, request):
        return web.Response(text='{"id": "https://leipzig.example/users/anna", ', content_type=AP_JSON)

    async def doc(self, request):
        # /doc/x?claims=/doc/y serves a document whose id is /doc/y on this host (default: itself)
        claims = request.query.get("claims", request.path)
        own = claims if claims.startswith("http") else f"http://{request.host}{claims}"
        return web.json_response({"id": own, "type": "Note", "served_at": request.path}, content_type=AP_JSON)

    async def bounce(self, request):
        # An open redirect to a document that claims to be the redirect itself
        raise web.HTTPFound("/doc/g?claims=/bounce")

    async def typed(self, request):
        return web.Response(body=json.dumps({"id": str(request.url)}).encode(),
                            headers={"Content-Type": request.query["type"]})

    async def status(self, request):
        code = int(request.match_info["code"])
        headers = {"Retry-After": "120"} if code in (429, 503) else {}
        return web.Response(status=code, text="slow down", headers=headers)


@pytest.fixture
async def origin():
    server = await Origin().start()
    yield server
    await server.stop()


@pytest.fixture
async def make_client():
    clients: list[http.HttpClient] = []

    async def make(*, allow_private: bool, timeout: float = 5.0, max_redirects: int = 3,
                   blocked_domains: frozenset[str] = frozenset(),
                   allowed_targets: frozenset[tuple[str, int]] = frozenset()) -> http.HttpClient:
        client = http.HttpClient(base_url="https://leipzig.example", allow_private=allow_private, timeout=timeout,
                                 max_bytes=MAX_BYTES, max_redirects=max_redirects, blocked_domains=blocked_domains,
                                 allowed_targets=allowed_targets)
        await client.start()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


# --- the address guard -----------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://127.0.0.1:{v4}/actor",
    "http://localhost:{v4}/actor",          # a name: checked after DNS resolution
    "http://0.0.0.0:{v4}/actor",            # Linux connects this to the local host
    "http://[::1]:{v6}/actor",
    "http://[::ffff:127.0.0.1]:{v4}/actor",  # IPv4-mapped IPv6
])
async def test_loopback_targets_are_refused_before_any_connection(origin, make_client, url):
    # Given a server listening on loopback, and a client that allows only public addresses
    client = await make_client(allow_private=False)
    url = url.format(v4=origin.ports["127.0.0.1"], v6=origin.ports["::1"])
    # Then GET and POST are refused, and the server never hears of them
    with pytest.raises(RefusedAddress):
        await client.get_activitypub(url)
    with pytest.raises(RefusedAddress):
        await client.post(url, b"{}", {"Content-Type": AP_JSON})
    assert origin.hits == []


@pytest.mark.parametrize("url", ["http://127.1:{v4}/actor", "http://2130706433:{v4}/actor"],
                         ids=["shorthand", "decimal"])
async def test_odd_spellings_of_loopback_never_connect(origin, make_client, url):
    # aiohttp refuses non-canonical IPv4 spellings of 127.0.0.1 itself; either way nothing is sent
    client = await make_client(allow_private=False)
    with pytest.raises(FetchError):
        await client.get_activitypub(url.format(v4=origin.ports["127.0.0.1"]))
    assert origin.hits == []


async def test_the_same_server_is_reachable_when_private_addresses_are_allowed(origin, make_client):
    # The control for the test above: with the guard off, the same URLs do reach the server
    client = await make_client(allow_private=True)
    assert (await client.get_activitypub(origin.url("/actor"))).document == ACTOR
    assert (await client.get_activitypub(origin.url("/actor", "::1"))).document == ACTOR
    assert [path for _, _, path in origin.hits] == ["/actor", "/actor"]


@pytest.mark.parametrize("url", [
    "http://10.1.2.3/actor",
    "http://172.16.0.5/actor",
    "http://192.168.1.1/actor",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata endpoint
    "http://100.64.0.1/actor",                   # carrier-grade NAT
    "http://[fd00::1]/actor",
    "http://[fe80::1]/actor",
    "http://[::ffff:10.0.0.1]/actor",
    "http://[::ffff:169.254.169.254]/actor",
    "http://224.0.0.1/actor",
    "http://240.0.0.1/actor",
])
async def test_private_link_local_and_reserved_literals_are_refused_by_the_url_check(make_client, url):
    # get_json and post call check_url before anything else; nothing is sent to these addresses
    client = await make_client(allow_private=False)
    with pytest.raises(RefusedAddress, match="not a public address"):
        client.check_url(url)


def test_address_allowed_only_for_public_unicast_unless_private_is_allowed():
    for public in ("93.184.216.34", "2a00:1450:4001:80b::200e", "::ffff:93.184.216.34"):
        assert http.address_allowed(public, allow_private=False), public
    for private in ("127.0.0.1", "::1", "10.0.0.1", "169.254.1.1", "fe80::1%eth0", "::ffff:192.168.0.1", "0.0.0.0"):
        assert not http.address_allowed(private, allow_private=False), private
        assert http.address_allowed(private, allow_private=True), private


async def test_resolver_refuses_names_that_resolve_to_loopback():
    strict, relaxed = http.GuardedResolver(allow_private=False), http.GuardedResolver(allow_private=True)
    try:
        with pytest.raises(RefusedAddress, match="localhost resolves to 127.0.0.1"):
            await strict.resolve("localhost", 80)
        assert [entry["host"] for entry in await relaxed.resolve("localhost", 80)] == ["127.0.0.1"]
    finally:
        await strict.close()
        await relaxed.close()


async def test_each_redirect_hop_is_checked_again(origin, make_client):
    # Given 127.0.0.1 at the origin's port standing in for a public server (the one exception the
    # configuration names: nothing else here is public)
    port = origin.ports["127.0.0.1"]
    client = await make_client(allow_private=False, allowed_targets=frozenset({("127.0.0.1", port)}))
    assert (await client.get_activitypub(origin.url("/actor"))).document == ACTOR
    # When that "public" server redirects to another loopback address, to [::1], to another port of
    # 127.0.0.1, or to 127.0.0.1 spelled as an IPv4-mapped or NAT64 IPv6 address
    for target in (origin.url("/actor", "127.0.0.2"), origin.url("/actor", "::1"), origin.url("/actor", "::1"),
                   f"http://127.0.0.1:{origin.ports['::1']}/actor", f"http://[::ffff:127.0.0.1]:{port}/actor",
                   f"http://[64:ff9b::7f00:1]:{port}/actor", f"http://[2002:7f00:1::]:{port}/actor"):
        with pytest.raises(RefusedAddress):
            await client.get_activitypub(origin.url("/redirect") + "?to=" + target)
    # Then the redirect targets were never contacted
    assert {host for _, host, _ in origin.hits} == {f"127.0.0.1:{port}"}
    assert len(origin.hits) == 8
    # And a name resolving to the allowed address:port is allowed through the resolver, nothing else
    assert (await client.get_activitypub(f"http://localhost:{port}/actor")).document == ACTOR
    with pytest.raises(RefusedAddress):
        await client.get_activitypub(f"http://localhost:{origin.ports['::1']}/actor")


async def test_redirect_to_another_scheme_is_refused(origin, make_client):
    client = await make_client(allow_private=True)
    with pytest.raises(FetchError, match="not an http"):
        await client.get_activitypub(origin.url("/redirect?to=file:///etc/passwd"))


async def test_redirects_beyond_the_limit_fail(origin, make_client):
    client = await make_client(allow_private=True, max_redirects=2)
    # Two redirects are followed
    assert (await client.get_activitypub(origin.url("/hop/2"))).document == ACTOR
    origin.hits.clear()
    # A third is not, and the chain stops there
    with pytest.raises(FetchError, match="more than 2 redirects"):
        await client.get_activitypub(origin.url("/hop/5"))
    assert [path for _, _, path in origin.hits] == ["/hop/5", "/hop/4", "/hop/3"]


async def test_post_does_not_follow_redirects_and_reads_retry_after(origin, make_client):
    client = await make_client(allow_private=True)
    moved = await client.post(origin.url("/redirect?to=/status/202"), b"{}", {"Content-Type": AP_JSON})
    assert moved.status == 302
    busy = await client.post(origin.url("/status/429"), b"{}", {"Content-Type": AP_JSON})
    assert (busy.status, busy.retry_after, busy.body_excerpt) == (429, 120.0, "slow down")
    assert [path for _, _, path in origin.hits] == ["/redirect?to=/status/202", "/status/429"]


def test_retry_after_as_seconds_or_http_date():
    assert http._retry_after("120") == 120.0
    in_an_hour = http._retry_after(time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 3600)))
    assert 3590 < in_an_hour <= 3600
    assert http._retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: now
    assert http._retry_after("soon") is None
    assert http._retry_after(None) is None


# --- bounded fetches -----------------------------------------------------------

@pytest.mark.parametrize("path", ["/big", "/stream"], ids=["declared length", "chunked"])
async def test_responses_larger_than_max_bytes_fail(origin, make_client, path):
    client = await make_client(allow_private=True)
    with pytest.raises(FetchError, match=f"the {MAX_BYTES}"):
        await client.get_activitypub(origin.url(path))


async def test_a_slow_server_fails_at_the_timeout(origin, make_client):
    client = await make_client(allow_private=True, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        await client.get_activitypub(origin.url("/slow"))
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize("path, reason", [
    ("/html", "text/html; charset=utf-8, not the JSON asked for"),
    ("/array", "not an object"),
    ("/broken", "not return valid JSON"),
    ("/status/410", "answered 410"),
])
async def test_non_json_or_unsuccessful_answers_fail(origin, make_client, path, reason):
    client = await make_client(allow_private=True)
    with pytest.raises(FetchError, match=reason) as caught:
        await client.get_activitypub(origin.url(path))
    assert not isinstance(caught.value, RefusedAddress)


async def test_failed_status_is_kept_for_the_caller(origin, make_client):
    client = await make_client(allow_private=True)
    with pytest.raises(FetchError) as caught:
        await client.get_activitypub(origin.url("/status/410"))
    assert caught.value.http_status == 410


async def test_blocked_domains_are_refused_directly_and_after_a_redirect(origin, make_client):
    client = await make_client(allow_private=True, blocked_domains=frozenset({"blocked.example"}))
    for url in ("https://blocked.example/users/troll", "https://relay.BLOCKED.example/inbox"):
        with pytest.raises(FetchError, match="blocked"):
            await client.get_activitypub(url)
    with pytest.raises(FetchError, match="blocked"):
        await client.post("https://blocked.example/inbox", b"{}", {})
    with pytest.raises(FetchError, match="relay.blocked.example is blocked"):
        await client.get_activitypub(origin.url("/redirect?to=https://relay.blocked.example/actor"))
    assert len(origin.hits) == 1
    # A domain that merely ends in the same letters is not blocked
    client.check_url("https://notblocked.example/users/anna")


# --- a document is kept only at its own id -----------------------------------------------------

async def test_a_document_served_at_its_own_id_is_kept_with_one_request(origin, make_client):
    client = await make_client(allow_private=True)
    document = await client.fetch_activitypub(origin.url("/doc/a"))
    assert document["id"] == origin.url("/doc/a")
    assert [path for _, _, path in origin.hits] == ["/doc/a"]


async def test_a_document_claiming_another_id_is_refetched_by_that_id_once(origin, make_client):
    client = await make_client(allow_private=True)
    # /doc/alias claims to be /doc/b, and /doc/b serves itself: the answer is /doc/b's own document
    document = await client.fetch_activitypub(origin.url("/doc/alias?claims=/doc/b"))
    assert (document["id"], document["served_at"]) == (origin.url("/doc/b"), "/doc/b")
    assert [path for _, _, path in origin.hits] == ["/doc/alias?claims=/doc/b", "/doc/b"]


async def test_a_document_whose_claimed_id_does_not_serve_it_is_discarded(origin, make_client):
    client = await make_client(allow_private=True)
    # /doc/liar claims to be /doc/c?claims=/doc/d, which in turn claims yet another id: no more refetches
    with pytest.raises(FetchError, match="does not serve it"):
        await client.fetch_activitypub(origin.url("/doc/liar?claims=" + "/doc/c%3Fclaims%3D/doc/d"))
    assert len(origin.hits) == 2
    # A document claiming an id on another server is asked there, and that server does not serve it
    origin.hits.clear()
    with pytest.raises(FetchError):
        await client.fetch_activitypub(origin.url("/doc/x?claims=") + origin.url("/status/404", "127.0.0.2"))
    assert [path for _, _, path in origin.hits] == [f"/doc/x?claims={origin.url('/status/404', '127.0.0.2')}",
                                                     "/status/404"]


async def test_after_a_redirect_the_id_must_be_the_final_url(origin, make_client):
    client = await make_client(allow_private=True)
    # A redirect to a document at its own id: kept, after asking that id once more (Akkoma's rule)
    document = await client.fetch_activitypub(origin.url("/redirect?to=/doc/e"))
    assert document["id"] == origin.url("/doc/e")
    assert [path for _, _, path in origin.hits] == ["/redirect?to=/doc/e", "/doc/e", "/doc/e"]
    # A redirect to a document claiming the redirect's own URL: asking that URL redirects again, discarded
    origin.hits.clear()
    with pytest.raises(FetchError, match="does not serve it"):
        await client.fetch_activitypub(origin.url("/bounce"))
    assert [path for _, _, path in origin.hits] == ["/bounce", "/doc/g?claims=/bounce"] * 2


@pytest.mark.parametrize("content_type, accepted", [
    ("application/activity+json", True),
    ("application/activity+json; charset=utf-8", True),
    ('application/ld+json; profile="https://www.w3.org/ns/activitystreams"', True),
    ('application/ld+json;profile="https://www.w3.org/ns/activitystreams https://example.org/x"', True),
    ("application/ld+json", False),
    ('application/ld+json; profile="https://example.org/x"', False),
    ("application/json", False),
    ("application/jrd+json", False),
    ("text/html", False),
])
async def test_only_activitypub_content_types_are_activitypub(origin, make_client, content_type, accepted):
    client = await make_client(allow_private=True)
    url = origin.url("/typed") + "?type=" + quote(content_type, safe="")
    if accepted:
        assert (await client.get_activitypub(url)).document["id"]
    else:
        with pytest.raises(FetchError, match="not the JSON asked for"):
            await client.get_activitypub(url)
    # WebFinger's JRD and plain JSON are a separate fetch with its own types
    if content_type in ("application/jrd+json", "application/json"):
        assert await client.get_json(url)


async def test_blocked_domains_match_trailing_dots_case_and_idn(make_client):
    client = await make_client(allow_private=True,
                               blocked_domains=frozenset({"blocked.example", "xn--mnchen-3ya.example"}))
    for url in ("https://blocked.example./users/troll", "https://BLOCKED.Example/inbox",
                "https://relay.blocked.example.:443/actor", "https://münchen.example/users/x",
                "https://xn--mnchen-3ya.example/users/x", "https://Sub.MÜNCHEN.example./users/x"):
        with pytest.raises(FetchError, match="is blocked"):
            client.check_url(url)


@pytest.mark.parametrize("url", ["http://a@b/", "http://[::1", "https://user:pw@leipzig.example/x", "gopher://x/"])
async def test_malformed_or_userinfo_urls_are_never_requested(make_client, url):
    client = await make_client(allow_private=True)
    with pytest.raises(FetchError, match="not a valid http"):
        await client.get_activitypub(url)
