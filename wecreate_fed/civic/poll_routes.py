"""ActivityPub and JSON routes of polls: the Question by its id, and the API (a personal access
token: Authorization: Bearer …) to ask, read, vote in and close polls.

A members-only poll, or one in a private box, answers 404 to anyone who may not see it, signed or
not, remote servers included (never 403: it is not to be known). Web pages are web/poll_pages.py.
"""

from __future__ import annotations

from quart import Blueprint, redirect, request

from actors.requests import activity_response, signed_fetcher, viewer, wants_activity_json
from wecreate_fed import jsonbody, runtime, urls
from wecreate_fed.errors import BadRequest, Gone, PayloadTooLarge, Unauthorized
from wecreate_fed.runtime import Runtime
from wecreate_fed.store.actors import Actor

from . import polls

bp = Blueprint("polls", __name__)


@bp.get("/polls/<key>")
async def question(key: str):
    """The Question (410 with a Tombstone once deleted); browsers go to its page."""
    rt = runtime.current()
    if not wants_activity_json():
        return redirect(urls.page_of(rt.config, "poll", polls.check_key(key)), 302)
    # The signature first: an unsigned request gets the same 401 whether the poll is hidden or missing.
    fetcher = await signed_fetcher(rt)
    try:
        poll, place = await polls.visible_poll(rt, key, fetcher)
    except Gone:
        ap_id = urls.poll_id(rt.config, key)
        return activity_response({"@context": "https://www.w3.org/ns/activitystreams", "id": ap_id,
                                  "type": "Tombstone", "formerType": "Question"}, 410)
    return activity_response(await polls.question_document(rt, poll, place))


async def _token_actor(rt: Runtime) -> Actor:
    actor = await viewer(rt)
    if actor is None or not actor.is_local:
        raise Unauthorized("this needs 'Authorization: Bearer <token>' (wecreate-fed user token NAME)")
    return actor


async def _body(rt: Runtime) -> dict:
    data = await request.get_data(cache=True, as_text=False, parse_form_data=False)
    if len(data) > rt.config.max_body_bytes:
        raise PayloadTooLarge(f"the body is larger than {rt.config.max_body_bytes} bytes")
    try:
        body = jsonbody.loads(data or b"{}")
    except ValueError as e:
        raise BadRequest(f"the body is not JSON: {e}", code="not_json") from e
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object", code="not_json")
    return body


def _json(document: dict, status: int = 200):
    return activity_response(document, status, content_type="application/json")


@bp.post("/api/polls")
async def api_create():
    """{question, options: [..], multiple, secret, live_results, end_time, box, members_of} → 201."""
    rt = runtime.current()
    actor = await _token_actor(rt)
    ap_id = await polls.create(rt, actor, await _body(rt))
    poll = await polls.poll_by_id(rt, ap_id)
    response = _json(await polls.summary(rt, poll, actor), 201)
    response.headers["Location"] = ap_id
    return response


@bp.get("/api/polls/<key>")
async def api_poll(key: str):
    rt = runtime.current()
    reader = await viewer(rt)
    poll, place = await polls.visible_poll(rt, key, reader)
    return _json(await polls.summary(rt, poll, reader, place))


@bp.post("/api/polls/<key>/votes")
async def api_vote(key: str):
    """{choices: [positions]} as Mastodon's API takes them; answers the poll as it is now."""
    rt = runtime.current()
    actor = await _token_actor(rt)
    poll, _ = await polls.visible_poll(rt, key, actor)
    await polls.vote(rt, actor, poll.ap_id, (await _body(rt)).get("choices"))
    return _json(await polls.summary(rt, await polls.poll_by_key(rt, key), actor))


@bp.post("/api/polls/<key>/close")
async def api_close(key: str):
    rt = runtime.current()
    actor = await _token_actor(rt)
    poll, _ = await polls.visible_poll(rt, key, actor)
    await polls.close(rt, actor, poll.ap_id)
    return _json(await polls.summary(rt, await polls.poll_by_key(rt, key), actor))
