"""Poll pages: the list of polls the viewer may see (all, a box's, a person's, a space's), asking a
poll (on one's profile, in a box one is a member of, or for the members of a space), its page with
the ballot or the results, voting, closing early and deleting.

Who may see, vote in, close or delete a poll is the civic polls' to decide; a poll the viewer may
not see answers 404 here as its id does.
"""

from __future__ import annotations

from quart import render_template, request, url_for

from wecreate_fed import runtime, urls
from wecreate_fed.civic import audience, boxes, polls
from wecreate_fed.errors import BadRequest, Conflict, NotFound, WeCreateError
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import polls as polls_store
from wecreate_fed.urls import PAGE_PATHS

from . import forms
from .common import blueprint, login_required, me, notice, see_other, viewer

bp = blueprint("poll_pages")
POLL = PAGE_PATHS["poll"]
FIELDS = ("question", "options", "multiple", "secret", "live_results", "end_time", "members_of", "box")


def poll_url(ap_id: str) -> str:
    local = urls.parse(runtime.current().config, ap_id)
    return url_for("poll_pages.poll", key=local.key if local else "")


@bp.get("/polls")
async def index():
    """Newest first: every poll the viewer may see, or those of one box (?box=), person (?author=)
    or space (?space=)."""
    rt = runtime.current()
    looking = viewer()
    looker = looking.actor if looking else None
    box = author = space = None
    filters: dict = {}
    if slug := request.args.get("box", "").strip():
        box = await _box(slug, looker)
        filters["box_id"] = box.id
    if name := request.args.get("author", "").strip():
        author = await actors_store.get_local_user(rt.db.reader, name)
        if author is None:
            raise NotFound(f"no one called {name} here")
        filters["author_id"] = author.id
    if name := request.args.get("space", "").strip():
        space = await actors_store.get_local_user(rt.db.reader, name)
        if space is None or not await audience.may_see(rt, looker, space.id):
            raise NotFound(f"no space {name} here")
        filters["members_of"] = space.id
    found = await polls.visible_polls(rt, looker, await polls_store.list_polls(rt.db.reader, **filters))
    items = [await polls.summary(rt, p, looker) for p in found]
    spaces = await audience.organisations_of(rt, looker) if looker else []
    return await render_template("polls.html", items=items, box=box, author=author, space=space, spaces=spaces)


async def _box(slug: str, looker):
    """A box the viewer may see (404 where it is hidden, as on its page)."""
    rt = runtime.current()
    box, record = await boxes.local_box(rt, slug)
    await boxes.require_view(rt, box, record, looker)
    return box


async def _form(values: dict, error: WeCreateError | None = None):
    rt = runtime.current()
    box = None
    if values.get("box"):
        box = await _box(values["box"], me().actor)
    spaces = [] if box else await audience.organisations_of(rt, me().actor)
    errors = forms.field_errors(error, FIELDS) if error else {}
    return await render_template("poll_form.html", form=values, errors=errors, box=box, spaces=spaces,
                                 limits={"question": polls.QUESTION_MAX, "option": polls.OPTION_MAX,
                                         "low": polls.OPTIONS_MIN, "high": polls.OPTIONS_MAX}), 400 if error else 200


@bp.get("/polls/new")
@login_required
async def new_poll():
    return await _form({"box": request.args.get("box", "").strip(), "members_of": request.args.get("space", "")})


@bp.post("/polls/new")
@login_required
async def create_poll():
    rt = runtime.current()
    form = await request.form
    values = {name: (form.get(name) or "").strip() for name in FIELDS}
    try:
        ap_id = await polls.create(rt, me().actor, values)
    except BadRequest as e:
        return await _form(values, e)
    notice("polls.notice_created")
    return see_other(poll_url(ap_id))


async def _visible(key: str):
    rt = runtime.current()
    looking = viewer()
    looker = looking.actor if looking else None
    poll, place = await polls.visible_poll(rt, key, looker)
    return rt, poll, place, looker


@bp.get(f"{POLL}<key>")
async def poll(key: str):
    return await _page(key)


async def _page(key: str, status: int = 200, vote_error: str | None = None):
    rt, found, place, looker = await _visible(key)
    data = await polls.summary(rt, found, looker, place)
    space = await audience.audience_actor(rt, found.members_of)
    looking = viewer()
    return await render_template("poll.html", poll=data, author=place.author, box=place.box, space=space,
                                 may_manage=looking is not None and looking.may_manage(found.author_id),
                                 is_author=looker is not None and looker.id == found.author_id,
                                 vote_error=vote_error), status


@bp.post(f"{POLL}<key>/vote")
@login_required
async def vote(key: str):
    rt, found, _, _ = await _visible(key)
    form = await request.form
    try:
        await polls.vote(rt, me().actor, found.ap_id, form.getlist("choice"))
    except BadRequest as e:
        return await _page(key, 400, " ".join(forms.texts(e, ("choices",))))
    except Conflict as e:
        notice("polls.notice_voted_already" if e.code == "polls_voted" else "polls.notice_closed")
        return see_other(url_for("poll_pages.poll", key=key))
    notice("polls.notice_voted")
    return see_other(url_for("poll_pages.poll", key=key))


@bp.post(f"{POLL}<key>/close")
@login_required
async def close(key: str):
    rt, found, _, _ = await _visible(key)
    try:
        await polls.close(rt, me().actor, found.ap_id)
        notice("polls.notice_closed_now")
    except Conflict:
        notice("polls.notice_closed")
    return see_other(url_for("poll_pages.poll", key=key))


@bp.post(f"{POLL}<key>/delete")
@login_required
async def delete(key: str):
    rt, found, place, _ = await _visible(key)
    me().check_may_manage(found.author_id)
    await polls.delete(rt, me().actor, found.ap_id, moderator=me().is_moderator)
    notice("polls.notice_deleted")
    if place.box is not None:
        return see_other(url_for("poll_pages.index", box=place.box.username))
    return see_other(url_for("poll_pages.index"))

