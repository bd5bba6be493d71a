"""The marketplace home, idea pages, the forms to publish and edit ideas, and what people do
with an idea: support, withdraw, share, comment, change its status, delete it."""

from __future__ import annotations

from quart import render_template, request, url_for

from wecreate_fed import runtime, sanitize
from wecreate_fed.civic import ideas, marketplace
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, NotFound
from wecreate_fed.urls import PAGE_PATHS

from . import audience_views, box_views, forms, views
from .common import back, blueprint, login_required, me, notice, see_other, viewer

bp = blueprint("ideas")
IDEA = PAGE_PATHS["idea"]


@bp.after_request
async def forget_cached_pages(response):
    """Every form of this module changes an idea (or its counts): the marketplace shows it at once."""
    if request.method == "POST":
        await views.ideas_changed(runtime.current())
    return response


IDEA_FIELDS = ("title", "summary", "body", "kind", "districts", "topics", "image_url", "image_alt", "addressed_to",
               "members_of")
# What a civic problem may call a field that this form calls otherwise.
IDEA_ALIASES = {"district": "districts", "addressed_to_other": "addressed_to"}


@bp.get("/")
async def marketplace_home():
    """The marketplace: ideas with the filters and sorts of the marketplace, and the impact figures."""
    rt = runtime.current()
    args = request.args
    error = None
    try:
        data = await views.marketplace_page(rt, args)
    except BadRequest as e:
        error, data = " ".join(forms.page_messages(e)), {"items": [], "total": 0, "page": 1, "pages": 1}
    filters = {name: args.get(name, "") for name in ("district", "kind", "status", "author", "topic", "sort")}
    search = args.get("q", "")[:200]
    found = await views.also_found(rt, args.get("q", ""), viewer().actor if viewer() else None) if search and not error else None
    district = filters["district"] if filters["district"] in {d.slug for d in rt.config.districts} else None
    return await render_template(
        "marketplace.html", data=data, filters=filters, error=error, search=search, found=found,
        figures=await views.impact(rt), district_figures=await views.impact(rt, district) if district else None,
        overview=await views.district_overview(rt),
        kinds=ideas.KINDS, statuses=ideas.STATUSES, authors=marketplace.AUTHOR_CATEGORIES, sorts=marketplace.SORTS,
    ), 400 if error else 200


async def _idea_page(rt, row) -> dict:
    """The idea page's content, with the boxes that implement the idea."""
    return {**await views.idea_page(rt, row, viewer()), "boxes": await box_views.idea_boxes(rt, row.ap_id, viewer())}


@bp.get(f"{IDEA}<key>")
async def idea(key: str):
    rt = runtime.current()
    row = await views.idea_by_key(rt, key)
    return await render_template("idea.html", **await _idea_page(rt, row), comment_errors={})


@bp.get("/idea")
async def remote_idea():
    """An idea of another instance as we know it, with its origin; local ideas have their own address."""
    rt = runtime.current()
    row = await views.idea_by_id(rt, request.args.get("id", ""))
    if row.is_local:
        return see_other(views.page_url(rt, "idea", row.ap_id))
    return await render_template("idea.html", **await _idea_page(rt, row), comment_errors={})


# --- publish and edit ------------------------------------------------------------------

def _idea_data(form) -> dict:
    data = {name: form.get(name, "") for name in IDEA_FIELDS if name != "districts"}
    data["districts"] = form.getlist("districts")
    data["addressed_to"] = (form.get("addressed_to_other") or "").strip() or data["addressed_to"]
    if "members_of" not in form:  # the edit form: the audience stays as published
        del data["members_of"]
    return data


async def _idea_form(values: dict, *, error: BadRequest | None = None, preview: str | None = None, key=None,
                     idea=None):
    rt = runtime.current()
    action = url_for("ideas.edit_idea", key=key) if key else url_for("ideas.publish_idea")
    errors = forms.field_errors(error, IDEA_FIELDS, IDEA_ALIASES) if error else {}
    return await render_template("idea_form.html", form=values, action=action, errors=errors,
                                 preview=preview, idea=idea, kinds=ideas.KINDS,
                                 addressees=await views.addressees(rt),
                                 audiences=await audience_views.audience_choices(rt, viewer()),
                                 fixed_audience=await audience_views.fixed_audience(rt, idea.members_of)
                                 if idea else None), 400 if error else 200


@bp.get("/ideas/new")
@login_required
async def new_idea():
    district = me().district_slug or request.args.get("district")
    return await _idea_form({"kind": "idea", "districts": [district] if district else []})


@bp.post("/ideas/new")
@login_required
async def publish_idea():
    rt = runtime.current()
    form = await request.form
    data = _idea_data(form)
    if form.get("action") == "preview":
        return await _idea_form(data, preview=sanitize.markdown_to_html(data["body"]))
    try:
        _activity_id, document = await ideas.publish(rt, me().actor, data)
    except BadRequest as e:
        return await _idea_form(data, error=e)
    notice("notice.idea_published")
    return see_other(views.page_url(rt, "idea", document["id"]))


async def _own_idea(key: str):
    rt = runtime.current()
    row = await views.visible(rt, await views.idea_by_key(rt, key), viewer(), "idea")
    me().check_may_manage(row.author_id)
    return rt, row


@bp.get(f"{IDEA}<key>/edit")
@login_required
async def edit_idea_form(key: str):
    rt, row = await _own_idea(key)
    return await _idea_form(await views.idea_form_values(rt, row), key=key, idea=row)


@bp.post(f"{IDEA}<key>/edit")
@login_required
async def edit_idea(key: str):
    rt, row = await _own_idea(key)
    form = await request.form
    data = _idea_data(form)
    if form.get("action") == "preview":
        return await _idea_form(data, preview=sanitize.markdown_to_html(data["body"]), key=key, idea=row)
    try:
        await ideas.edit(rt, me().actor, row.ap_id, data)
    except BadRequest as e:
        return await _idea_form(data, error=e, key=key, idea=row)
    notice("notice.idea_saved")
    return see_other(url_for("ideas.idea", key=key))


@bp.post("/preview")
@login_required
async def preview():
    """Markdown to sanitised HTML, for the preview of the forms' small script."""
    form = await request.form
    return sanitize.markdown_to_html(form.get("text", "")[:ideas.BODY_MAX]), 200, {
        "Content-Type": "text/html; charset=utf-8"}


# --- acting on an idea -------------------------------------------------------------------

async def _target() -> str:
    ap_id = (await request.form).get("idea", "")
    if not ap_id.startswith(("https://", "http://")):
        raise BadRequest("the form names no idea", field="idea", code="required")
    return ap_id


@bp.post("/ideas/support")
@login_required
async def support():
    rt = runtime.current()
    target = await _target()
    try:
        await ideas.support(rt, me().actor, target)
        notice("notice.supported")
    except Conflict:
        notice("notice.already_supported")
    except Forbidden:  # one's own idea (the page shows no button for it)
        notice("notice.own_idea")
        return back()
    # A supporter is offered the boxes that implement the idea (the page shows their join buttons).
    for box in await box_views.idea_boxes(rt, target, viewer()):
        if box["state"] is None:
            notice("notice.join_box", box=box["box"].name)
    return back()


@bp.post("/ideas/withdraw")
@login_required
async def withdraw():
    try:
        await ideas.withdraw_support(runtime.current(), me().actor, await _target())
        notice("notice.withdrawn")
    except NotFound:
        pass  # nothing to take back: the page shows the current state
    return back()


@bp.post("/ideas/share")
@login_required
async def share():
    try:
        await ideas.share(runtime.current(), me().actor, await _target())
        notice("notice.shared")
    except Conflict:
        notice("notice.already_shared")
    return back()


@bp.post("/ideas/unshare")
@login_required
async def unshare():
    try:
        await ideas.unshare(runtime.current(), me().actor, await _target())
    except NotFound:
        pass
    return back()


@bp.post("/ideas/comment")
@login_required
async def comment():
    rt = runtime.current()
    form = await request.form
    target = await _target()
    reply_to = form.get("in_reply_to") or target
    try:
        sent = await ideas.comment(rt, me().actor, reply_to, form.get("text", ""))
    except BadRequest as e:
        row = await views.idea_by_id(rt, target)
        return await render_template("idea.html", **await _idea_page(rt, row),
                                     comment_errors=forms.field_errors(e, ("text",)),
                                     comment_text=form.get("text", "")), 400
    notice("notice.commented" if sent else "moderation.held_comment")
    return see_other(views.page_url(rt, "idea", target) + "#comments")


@bp.post("/ideas/status")
@login_required
async def change_status():
    rt = runtime.current()
    form = await request.form
    target = await _target()
    try:
        await ideas.change_status(rt, me().actor, target, form.get("status", ""), form.get("note", ""))
        notice("notice.status_changed")
    except Conflict:
        pass  # already in that status
    return see_other(views.page_url(rt, "idea", target))


@bp.post("/ideas/delete")
@login_required
async def delete():
    await ideas.delete(runtime.current(), me().actor, await _target())
    notice("notice.idea_deleted")
    return see_other(url_for("ideas.marketplace_home"))
