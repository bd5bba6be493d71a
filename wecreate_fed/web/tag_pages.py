"""The hashtag pages `/tags/<tag>`: ideas and events with a topic, as a web page, an Atom feed
(`/tags/<tag>.atom`, or Accept: application/atom+xml) and, for servers asking for ActivityPub,
an OrderedCollection (civic/tags.py). The Hashtags in our federated ideas link here."""

from __future__ import annotations

from quart import Blueprint, Response, render_template, request

from actors.requests import activity_response, signed_fetcher, wants_activity_json
from wecreate_fed import runtime, urls
from wecreate_fed.civic import tags
from wecreate_fed.store.civic import Idea

from . import common, views

# A plain blueprint: an ActivityPub client's error is JSON (the app's handler); the web page
# prepares the viewer and language itself.
bp = Blueprint("tags", __name__)
ATOM = "application/atom+xml"


@bp.get(f"{urls.TAG_PATH}<tag>")
async def tag(tag: str):
    rt = runtime.current()
    topic = tags.topic_of(tag)
    if wants_activity_json():
        await signed_fetcher(rt)
        if request.args.get("page") is None:
            return activity_response(tags.collection(rt, topic, await tags.total(rt, topic)))
        return activity_response(tags.collection_page(rt, await tags.page(rt, topic, tags.page_number(
            request.args.get("page")))))
    if ATOM in request.headers.get("Accept", "") and "text/html" not in request.headers.get("Accept", ""):
        return await tag_atom(tag)
    redirect = await common.prepare()
    if redirect is not None:
        return redirect
    data = await tags.page(rt, topic, tags.page_number(request.args.get("page")))
    response = Response(await render_template("tag.html", data=data, items=[_item(rt, e) for e in data.entries],
                                              tag_url=urls.tag_url(rt.config, topic)))
    response.headers["Vary"] = "Accept, Cookie"  # the same URL answers servers, feed readers and browsers
    return response


@bp.get(f"{urls.TAG_PATH}<tag>.atom")
async def tag_atom(tag: str):
    rt = runtime.current()
    topic = tags.topic_of(tag)
    data = await tags.page(rt, topic, tags.page_number(request.args.get("page")))
    title = f"#{topic} · {rt.config.instance_name}"
    return Response(tags.atom(rt, data, request.url, title), content_type=f"{ATOM}; charset=utf-8")


def _item(rt, entry: tags.Entry) -> dict:
    """What the page shows of one entry."""
    record = entry.record
    if isinstance(record, Idea):
        return {"kind": "idea", "title": record.title, "summary": record.summary, "status": record.status,
                "page": views.page_url(rt, "idea", record.ap_id), "by": entry.by_name, "topics": entry.topics,
                "supports": record.support_count, "published": record.published}
    return {**views.events_summary(rt, record), "kind": "event", "by": entry.by_name, "topics": entry.topics}
