"""The thin inbox front (inbox/front.py) answers exactly as the Quart route does, over real HTTP:
the same request, once through the front and once with the front switched off (the Quart
route), gets the same status, the same body and the same headers; and the front does serve them."""

import json
import uuid

import aiohttp
import pytest

from inbox.front import NOT_OURS
from wecreate_fed import signatures

IGNORED = {"date", "server"}  # the server's own, different at each answer


def like(jonas) -> dict:
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{jonas.ap_id}#likes/{uuid.uuid4()}",
            "type": "Like", "actor": jonas.ap_id, "object": jonas.ap_id}


async def chunks(data: bytes):
    for i in range(0, len(data), 65536):
        yield data[i:i + 65536]


def requests(leipzig, jonas) -> dict:
    """name -> a function making (url, body, headers) afresh (a new activity id each time)."""
    inbox = f"{leipzig.base_url}/inbox"

    def signed(url=inbox, body=None, **override):
        body = body if body is not None else json.dumps(like(jonas)).encode()
        headers = signatures.sign_request("POST", url, key_id=jonas.key_id, private_key_pem=jonas.private_key_pem,
                                          body=body)
        headers.update(override)
        return url, body, headers

    big = json.dumps({**like(jonas), "content": "x" * (leipzig.config.max_body_bytes + 10)}).encode()
    return {
        "accepted": lambda: signed(),
        "personal inbox": lambda: signed(f"{leipzig.base_url}/users/anna/inbox"),
        "unknown user": lambda: signed(f"{leipzig.base_url}/users/nobody/inbox"),
        "instance actor's inbox": lambda: signed(f"{leipzig.base_url}/actor/inbox"),
        "unsigned": lambda: (inbox, json.dumps(like(jonas)).encode(), {"Content-Type": "application/activity+json"}),
        "not json": lambda: signed(body=b"{not json"),
        "not an object": lambda: signed(body=b"[1, 2]"),
        "digest mismatch": lambda: signed(Digest="SHA-256=" + "A" * 43 + "="),
        "declared too large": lambda: signed(body=big),
        "chunked too large": lambda: (inbox, chunks(big), {"Content-Type": "application/activity+json"}),
        "no actor": lambda: signed(body=json.dumps({"id": f"{jonas.ap_id}#x", "type": "Like"}).encode()),
    }


async def answer(url, body, headers) -> tuple[int, dict, dict]:
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as response:
        text = await response.text()
        kept = {k.lower(): v for k, v in response.headers.items() if k.lower() not in IGNORED}
        return response.status, (json.loads(text) if text else {}), kept


@pytest.fixture
async def pair(leipzig, meissen):
    await leipzig.create_user("anna")
    return leipzig, await meissen.create_user("jonas")


async def test_the_front_answers_every_inbox_post_as_the_quart_route_does(pair):
    leipzig, jonas = pair
    front = leipzig.app.front
    served = []
    serve = front.serve

    async def counted(scope, receive, send, local_name):
        served.append(scope["path"])
        await serve(scope, receive, send, local_name)

    front.serve = counted
    statuses = {}
    for name, make in requests(leipzig, jonas).items():
        leipzig.app.front = front
        through_front = await answer(*make())
        leipzig.app.front = None  # the Quart route
        through_quart = await answer(*make())
        leipzig.app.front = front
        assert through_front == through_quart, name
        statuses[name] = through_front[0]
    assert statuses == {
        "accepted": 202, "personal inbox": 202, "unknown user": 404, "instance actor's inbox": 202,
        "unsigned": 401, "not json": 400, "not an object": 400, "digest mismatch": 401,
        "declared too large": 413, "chunked too large": 413, "no actor": 400,
    }
    assert len(served) == len(statuses)  # each of them once through the front


async def test_a_refusal_over_the_rate_limit_carries_retry_after_from_the_front_as_from_quart(make_instance, meissen):
    leipzig = await make_instance("leipzig", rate_limits={"enabled": True, "inbox_per_address_per_minute": 1,
                                                          "inbox_per_address_burst": 1})
    jonas = await meissen.create_user("jonas")
    make = requests(leipzig, jonas)["accepted"]
    assert (await answer(*make()))[0] == 202
    through_front = await answer(*make())
    leipzig.app.front, front = None, leipzig.app.front
    through_quart = await answer(*make())
    leipzig.app.front = front
    assert through_front[0] == 429 and "retry-after" in through_front[2]
    # The seconds left differ by the time between the two: the rest is the same.
    assert through_front[1]["error"] == through_quart[1]["error"] == "rate_limited"
    assert through_front[2].keys() == through_quart[2].keys()


async def test_only_inbox_posts_are_the_fronts(leipzig):
    route = leipzig.app.front.route
    from_front = {path: route({"type": "http", "method": "POST", "path": path, "headers": []})
                  for path in ("/inbox", "/actor/inbox", "/users/anna/inbox", "/users/a/b/inbox", "/inbox/", "/outbox")}
    assert from_front["/inbox"] is None and from_front["/actor/inbox"] is None
    assert from_front["/users/anna/inbox"] == "anna"
    for path in ("/users/a/b/inbox", "/inbox/", "/outbox"):
        assert from_front[path] is NOT_OURS, path
    assert route({"type": "http", "method": "GET", "path": "/inbox", "headers": []}) is NOT_OURS
