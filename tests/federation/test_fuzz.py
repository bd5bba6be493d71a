"""Property-based fuzzing (hypothesis) of the inbox and the client-to-server outbox, over real
HTTP against real instances: whatever arrives, the answer is never a 5xx, no exception escapes
the app, and what the inbox stores its worker finishes (done, or refused with a reason), never
with an internal error.

Real instances rather than Quart's test client: the inbox's first step is a signature whose key
is fetched from the sender's server, and a validly signed activity has to come from a real remote
actor (Jonas on a second instance) for the handlers behind it to be reached. A request costs
~5 ms over loopback, so the bounded runs below take seconds. `derandomize` and no example
database make every CI run try the same inputs.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inbox import worker as inbox_worker
from tests.conftest import post_signed
from tests.federation import strategies as ap

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.filter_too_much])
# Bodies that are not ActivityStreams at all: the parser's own edge cases.
NASTY_BODIES = [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 10_000 + b"1" + b"}" * 10_000, b"\xff\xfe{}",
                b'{"id": "\xc3\x28"}', b"1" * 5000, b"NaN", b'{"id": 1e999}', b'{"id": "\\ud800"}', b"",
                b'{"type": "Like", "id": "http://[::1", "actor": "http://[::1"}', b'{"a": ' + b"9" * 4000 + b"}"]


@pytest.fixture
async def world(make_instance):
    """Leipzig (its inbox worker driven by the test), Meißen with Jonas (a real remote actor), Anna
    on Leipzig with one idea, so that activities can name things that exist."""
    leipzig = await make_instance("leipzig", run_workers=False)
    meissen = await make_instance("meissen")
    anna = await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    status, body = await leipzig.post_outbox("anna", {"type": "Note", "content": "Hallo", "to": [ap.AS_PUBLIC]})
    assert status == 201, body
    known = [anna.ap_id, jonas.ap_id, body["id"], leipzig.shared_inbox, f"{leipzig.base_url}/actor"]
    return leipzig, meissen, anna, jonas, known


def urls_for(world) -> st.SearchStrategy[str]:
    leipzig, meissen, _, _, known = world
    return st.one_of(st.sampled_from(known), ap.url_on(ap.hosts(leipzig.base_url, meissen.base_url)))


async def fuzz(check, **strategies) -> None:
    """Run `check(**example)` (a coroutine) for each example hypothesis draws.

    Hypothesis drives synchronous functions only, and the instances are served by this test's
    event loop: so hypothesis runs in a thread and hands each example to the loop.
    """
    loop = asyncio.get_running_loop()

    @FUZZ
    @given(**strategies)
    def run(**example) -> None:
        asyncio.run_coroutine_threadsafe(check(**example), loop).result(timeout=60)
    await asyncio.to_thread(run)


def no_server_error(instance) -> None:
    assert not instance.crashes, instance.crashes
    assert not [s for s in instance.statuses if s >= 500], instance.statuses


@pytest.mark.timeout(400)
async def test_inbox_answers_4xx_to_any_body(world):
    leipzig, _, anna, _, _ = world
    inboxes = [leipzig.shared_inbox, f"{leipzig.base_url}/users/anna/inbox", f"{leipzig.base_url}/actor/inbox"]
    shaped = ap.objects(urls_for(world), None).map(lambda d: json.dumps(d).encode())

    async def one(body: bytes, inbox: str) -> None:
        async with aiohttp.ClientSession() as session:
            async with session.post(inbox, data=body, headers={"Content-Type": "application/activity+json"}) as r:
                assert 400 <= r.status < 500, (r.status, await r.text())
                assert (await r.json())["message"]  # a reason
    await fuzz(one, body=st.one_of(st.sampled_from(NASTY_BODIES), st.binary(max_size=300), shaped),
               inbox=st.sampled_from(inboxes))
    no_server_error(leipzig)
    assert not await leipzig.query("SELECT 1 FROM incoming")


@pytest.mark.timeout(400)
async def test_inbox_signed_activities_are_stored_and_handled_without_a_crash(world):
    """Validly signed by Jonas, any shape: a 2xx or a 4xx, and the worker ends every row cleanly."""
    leipzig, meissen, _, jonas, _ = world
    urls = urls_for(world)
    ids = st.builds(lambda path, tail: f"{meissen.base_url}/{path}/{tail}",
                    st.sampled_from(["objects", "ideas", "events", "boxes", "activities"]), st.uuids())
    inboxes = [leipzig.shared_inbox, f"{leipzig.base_url}/users/anna/inbox"]
    serial = itertools.count()

    async def one(activity: dict, inbox: str) -> None:
        activity["id"] += f"#{next(serial)}"  # hypothesis repeats ids, which the inbox counts once
        status, text = await post_signed(inbox, activity, key_id=jonas.key_id, private_key_pem=jonas.private_key_pem)
        assert status < 500, text
        assert status in (202, 400, 401, 403, 404, 409, 410, 413, 422), (status, text)
        await inbox_worker.run_once(leipzig.rt)
    await fuzz(one, activity=ap.activities(jonas.ap_id, ids, urls), inbox=st.sampled_from(inboxes))
    no_server_error(leipzig)
    rows = await leipzig.query("SELECT activity_ap_id, state, last_error FROM incoming")
    assert rows, "no signed activity was accepted: the strategy does not reach the handlers"
    crashed = [r for r in rows if "internal error" in (r["last_error"] or "")]
    assert not crashed, crashed[:5]
    # Pending only when a fetch failed (a remote object that is not there), to be tried again.
    assert all(r["state"] in ("done", "failed") or r["last_error"].startswith("FetchError") for r in rows), \
        [r for r in rows if r["state"] == "pending"][:5]
    assert {r["state"] for r in rows} & {"done"}, "no activity was handled to the end"


@pytest.mark.timeout(400)
async def test_outbox_answers_2xx_or_4xx_to_anything_a_client_posts(world):
    leipzig, _, anna, _, _ = world
    token = await leipzig.token("anna")
    urls = urls_for(world)
    documents = st.one_of(ap.objects(urls, anna.ap_id), ap.activities(anna.ap_id, urls, urls))

    async def one(body: bytes) -> None:
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{leipzig.base_url}/users/anna/outbox", data=body,
                                    headers={"Authorization": f"Bearer {token}",
                                             "Content-Type": "application/activity+json"}) as r:
                text = await r.text()
                assert r.status < 500, text
                if r.status >= 400:
                    assert json.loads(text)["message"]
    await fuzz(one, body=st.one_of(documents.map(lambda d: json.dumps(d).encode()), st.sampled_from(NASTY_BODIES),
                                   st.binary(max_size=100)))
    no_server_error(leipzig)


@pytest.mark.parametrize("body", NASTY_BODIES[:8], ids=lambda b: repr(b[:12]))
async def test_hostile_bodies_are_refused_with_a_reason_and_nothing_is_stored(world, body):
    """The named cases of the issue, each on every inbox and the outbox, signed and unsigned."""
    leipzig, _, _, jonas, _ = world
    token = await leipzig.token("anna")
    for url in (leipzig.shared_inbox, f"{leipzig.base_url}/users/anna/inbox", f"{leipzig.base_url}/actor/inbox"):
        status, text = await post_signed(url, {}, body=body, key_id=jonas.key_id, private_key_pem=jonas.private_key_pem)
        assert status == 400 and json.loads(text)["message"], (url, status, text)
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{leipzig.base_url}/users/anna/outbox", data=body,
                                headers={"Authorization": f"Bearer {token}"}) as r:
            assert r.status == 400 and (await r.json())["message"]
    assert not await leipzig.query("SELECT 1 FROM incoming")
    no_server_error(leipzig)


@pytest.mark.parametrize("field", ["id", "actor", "object"])
async def test_a_malformed_url_in_an_activity_is_a_400(world, field):
    leipzig, _, anna, jonas, _ = world
    activity = {"id": f"{jonas.ap_id}#follows/{uuid.uuid4()}", "type": "Follow", "actor": jonas.ap_id,
                "object": anna.ap_id, field: "http://[::1"}
    status, text = await post_signed(leipzig.shared_inbox, activity, key_id=jonas.key_id,
                                     private_key_pem=jonas.private_key_pem)
    assert status == 400 and "URL" in text, text
    assert not await leipzig.query("SELECT 1 FROM incoming")
    no_server_error(leipzig)


async def test_a_malformed_key_id_is_a_401(world):
    leipzig, _, anna, jonas, _ = world
    activity = {"id": f"{jonas.ap_id}#follows/{uuid.uuid4()}", "type": "Follow", "actor": jonas.ap_id,
                "object": anna.ap_id}
    status, text = await post_signed(leipzig.shared_inbox, activity, key_id="http://[::1",
                                     private_key_pem=jonas.private_key_pem)
    assert status == 401 and "keyId" in text, text
    no_server_error(leipzig)
