"""Box pages: the list of boxes, creating one, a box's page (profile, ideas, indicators,
milestones, members, discussion, tasks, motions), its profile form, and what members and
moderators do there: join, leave, approve, invite, remove, hand over, post, add tasks.

A private box answers 404 to everyone but its members, on every page and form here, as its
ActivityPub routes do; someone invited sees its name and a way to join, nothing more.
"""

from __future__ import annotations

from quart import render_template, request, url_for

from wecreate_fed import inputs, runtime
from wecreate_fed.civic import boxes
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, NotFound, WeCreateError
from wecreate_fed.urls import PAGE_PATHS

from . import box_views, forms
from .common import blueprint, login_required, me, notice, see_other, viewer

bp = blueprint("box_pages")
BOX = PAGE_PATHS["box"]

PROFILE_FIELDS = ("summary", "problem", "purpose", "goals", "skills_sought", "partners", "support_sought",
                  "meeting_time", "meeting_place", "meeting_event_ap_id", "district_slug")
RESERVED_SLUGS = ("new",)  # /boxes/new is the form, so no box may be called that
BOX_ALIASES = {"district": "district_slug", "districts": "district_slug", "meeting_event": "meeting_event_ap_id"}


def _box_url(slug: str, anchor: str | None = None) -> str:
    return url_for("box_pages.box", slug=slug, _anchor=anchor)


@bp.get(BOX)
async def index():
    rt = runtime.current()
    return await render_template("boxes.html", **await box_views.box_index(rt, viewer()))


# --- creating a box and editing its profile ---------------------------------------------------

def _box_data(form, *, with_visibility: bool) -> dict:
    data = {name: (form.get(name) or "").strip() for name in ("name",) + PROFILE_FIELDS}
    if with_visibility:
        data["visibility"] = form.get("visibility", "")
    return data


def _form_fields(box=None, *, owner: bool = True) -> tuple:
    """The fields the box form shows (and shows an error at): a new box's, or an existing one's."""
    fields = ("name",) + (("slug", "idea") if box is None else ())
    return fields + (("visibility",) if box is None or owner else ()) + PROFILE_FIELDS


async def _box_form(values: dict, *, error: WeCreateError | None = None, status: int = 400, box=None, page=None):
    action = url_for("box_pages.edit_box", slug=box.username) if box else url_for("box_pages.create_box")
    fields = _form_fields(box, owner=bool(page and page["is_owner"]))
    errors = forms.field_errors(error, fields, BOX_ALIASES) if error else {}
    return await render_template("box_form.html", form=values, action=action, errors=errors, box=box, page=page,
                                 visibilities=boxes.VISIBILITIES), status if error else 200


@bp.get("/boxes/new")
@login_required
async def new_box():
    values = {"visibility": "open", "district_slug": me().district_slug or "",
              "idea": request.args.get("idea", "")}
    return await _box_form(values)


@bp.post("/boxes/new")
@login_required
async def create_box():
    rt = runtime.current()
    form = await request.form
    data = {**_box_data(form, with_visibility=True), "slug": (form.get("slug") or "").strip().lower(),
            "idea": (form.get("idea") or "").strip() or None}
    values = {**data, "idea": data["idea"] or ""}
    try:
        if (data["slug"] or data["name"].lower()) in RESERVED_SLUGS:
            raise BadRequest(f"the site needs the name '{data['slug'] or data['name']}' itself", field="slug",
                             code="slug_reserved")
        box = await boxes.create(rt, me().actor, data)
    except BadRequest as e:
        return await _box_form(values, error=e)
    except Conflict as e:  # the name is taken
        return await _box_form(values, error=e, status=409)
    notice("notice.box_created")
    return see_other(box_views.box_page_url(box))


async def _moderated_box(slug: str):
    """The box, if the viewer moderates it: 404 where it is hidden, 403 for others."""
    data = await box_views.box_page(runtime.current(), slug, viewer())
    if not data["is_moderator"]:
        raise Forbidden("only the moderators of this box may do that", code="moderators_only")
    return data


@bp.get(f"{BOX}<slug>/edit")
@login_required
async def edit_box_form(slug: str):
    data = await _moderated_box(slug)
    return await _box_form(box_views.box_form_values(data["box"], data["profile"]), box=data["box"], page=data)


@bp.post(f"{BOX}<slug>/edit")
@login_required
async def edit_box(slug: str):
    rt = runtime.current()
    data = await _moderated_box(slug)
    form = await request.form
    values = _box_data(form, with_visibility=data["is_owner"])
    try:
        await boxes.edit_profile(rt, me().actor, slug, values)
    except BadRequest as e:
        values = {**box_views.box_form_values(data["box"], data["profile"]), **values}
        return await _box_form(values, error=e, box=data["box"], page=data)
    notice("notice.saved")
    return see_other(_box_url(slug))


# --- the box's page ---------------------------------------------------------------------------

# The box page's small forms: a problem's field -> the id of its control there.
TASK_FIELDS, TASK_ALIASES = ("task-title", "task-assignee"), {"title": "task-title", "assignee": "task-assignee"}
INVITE_FIELDS, INVITE_ALIASES = ("invite-handle",), {"handle": "invite-handle"}


async def _box_page(slug: str, status: int = 200, **extra):
    rt = runtime.current()
    try:
        data = await box_views.box_page(rt, slug, viewer())
    except NotFound:
        # Hidden from this viewer; someone invited to a private box may still see how to join.
        invited = await box_views.invitation_page(rt, slug, viewer())
        return await render_template("box_invited.html", **invited), status
    empty: dict[str, dict] = {"post_errors": {}, "task_errors": {}, "invite_errors": {}}
    return await render_template("box.html", **{**empty, **data, **extra}), status


@bp.get(f"{BOX}<slug>")
async def box(slug: str):
    return await _box_page(slug)


async def _visible(slug: str, *, invitees: bool = False):
    """The box for an action of the viewer: 404 where it is hidden from them (never 403)."""
    rt = runtime.current()
    return rt, await box_views.visible_box(rt, slug, me(), invitees=invitees)


@bp.post(f"{BOX}<slug>/join")
@login_required
async def join(slug: str):
    rt, box = await _visible(slug, invitees=True)
    state = await boxes.join(rt, me().actor, box.ap_id)
    notice("notice.box_joined" if state == "accepted" else "notice.box_requested", box=box.name)
    return see_other(_box_url(slug))


@bp.post(f"{BOX}<slug>/leave")
@login_required
async def leave(slug: str):
    rt, box = await _visible(slug)
    try:
        await boxes.leave(rt, me().actor, box.ap_id)
    except Conflict:
        notice("notice.owner_cannot_leave")
        return see_other(_box_url(slug, "members"))
    except NotFound:
        return see_other(_box_url(slug))  # not a member (any more): the page shows how things are
    notice("notice.box_left", box=box.name)
    return see_other(url_for("box_pages.index"))


def _ap_id(form, name: str) -> str:
    value = (form.get(name) or "").strip()
    if not value.startswith(("https://", "http://")):
        raise BadRequest(f"the form names no {name}", field=name, code="required")
    return value


@bp.post(f"{BOX}<slug>/requests")
@login_required
async def answer_request(slug: str):
    rt, _box = await _visible(slug)
    form = await request.form
    approve = form.get("answer") == "approve"
    await boxes.answer_request(rt, me().actor, slug, _ap_id(form, "member"), approve=approve)
    notice("notice.request_approved" if approve else "notice.request_refused")
    return see_other(_box_url(slug, "members"))


@bp.post(f"{BOX}<slug>/invite")
@login_required
async def invite(slug: str):
    rt, _box = await _visible(slug)
    handle = ((await request.form).get("handle") or "").strip().lstrip("@")
    if handle and "@" not in handle and not handle.startswith(("https://", "http://")):
        handle = f"{handle}@{rt.config.host}"  # a name alone is someone here
    typed = (await request.form).get("handle") or ""
    if not handle:
        return await _box_page(slug, status=400, invite_text=typed, invite_errors=forms.field_errors(BadRequest(
            "whom to invite? a name here or a handle like name@example.org", field="handle", code="invite_whom"),
            INVITE_FIELDS, INVITE_ALIASES))
    try:
        invitee = await boxes.invite(rt, me().actor, slug, handle)
    except (BadRequest, NotFound):  # the form again, the name kept, the problem at its field
        return await _box_page(slug, status=400, invite_text=typed, invite_errors=forms.field_errors(BadRequest(
            f"{handle} was not found", field="handle", code="invite_unknown", params={"handle": handle}),
            INVITE_FIELDS, INVITE_ALIASES))
    notice("notice.invited", name=invitee.name or invitee.handle)
    return see_other(_box_url(slug, "members"))


@bp.post(f"{BOX}<slug>/members/remove")
@login_required
async def remove_member(slug: str):
    rt, _box = await _visible(slug)
    await boxes.remove_member(rt, me().actor, slug, _ap_id(await request.form, "member"))
    notice("notice.member_removed")
    return see_other(_box_url(slug, "members"))


@bp.post(f"{BOX}<slug>/members/role")
@login_required
async def set_role(slug: str):
    rt, _box = await _visible(slug)
    form = await request.form
    await boxes.set_role(rt, me().actor, slug, _ap_id(form, "member"), form.get("role", ""))
    notice("notice.role_changed")
    return see_other(_box_url(slug, "members"))


# --- discussion -----------------------------------------------------------------------------------

@bp.post(f"{BOX}<slug>/posts")
@login_required
async def post(slug: str):
    rt, box = await _visible(slug)
    form = await request.form
    reply_to = (form.get("in_reply_to") or "").strip() or None
    try:
        await boxes.post(rt, me().actor, box.ap_id, form.get("text", ""), in_reply_to=reply_to)
    except BadRequest as e:
        return await _box_page(slug, status=400, post_errors=forms.field_errors(e, ("text",)),
                               post_text=form.get("text", ""))
    notice("notice.posted")
    return see_other(_box_url(slug, "discussion"))


@bp.post(f"{BOX}<slug>/posts/remove")
@login_required
async def remove_post(slug: str):
    rt, _box = await _visible(slug)
    await boxes.remove_post(rt, me().actor, slug, _ap_id(await request.form, "post"))
    notice("notice.post_removed")
    return see_other(_box_url(slug, "discussion"))


# --- tasks, indicators, milestones, linked ideas ---------------------------------------------------

def _number(form, name: str) -> int:
    value = inputs.whole_number(form.get(name, ""))
    if value is None:
        raise BadRequest(f"{name} must be a whole number", field=name, code="number")
    return value


@bp.post(f"{BOX}<slug>/tasks")
@login_required
async def add_task(slug: str):
    rt, _box = await _visible(slug)
    form = await request.form
    try:
        await boxes.add_task(rt, me().actor, slug, form.get("title", ""), form.get("assignee") or None)
    except BadRequest as e:
        return await _box_page(slug, status=400, task_text=form.get("title", ""),
                               task_errors=forms.field_errors(e, TASK_FIELDS, TASK_ALIASES))
    notice("notice.task_added")
    return see_other(_box_url(slug, "tasks"))


@bp.post(f"{BOX}<slug>/tasks/update")
@login_required
async def update_task(slug: str):
    rt, _box = await _visible(slug)
    form = await request.form
    done = {"done": True, "open": False}.get(form.get("state", ""))
    assignee = me().actor.ap_id if form.get("take") else None
    await boxes.update_task(rt, me().actor, slug, _number(form, "task"), done=done, assignee_ap_id=assignee)
    return see_other(_box_url(slug, "tasks"))


@bp.post(f"{BOX}<slug>/indicators")
@login_required
async def add_indicator(slug: str):
    rt, _box = await _visible(slug)
    form = await request.form
    await boxes.add_indicator(rt, me().actor, slug, form.get("name", ""), _decimal(form.get("target")),
                              form.get("unit", ""), _decimal(form.get("current") or "0"))
    notice("notice.saved")
    return see_other(url_for("box_pages.edit_box_form", slug=slug, _anchor="indicators"))


@bp.post(f"{BOX}<slug>/indicators/update")
@login_required
async def update_indicator(slug: str):
    rt, _box = await _visible(slug)
    form = await request.form
    await boxes.update_indicator(rt, me().actor, slug, _number(form, "indicator"), _decimal(form.get("current")))
    notice("notice.saved")
    return see_other(_box_url(slug, "indicators"))


def _decimal(value: str | None) -> str:
    """German decimal commas as the civic functions read numbers (with a point)."""
    return (value or "").strip().replace(".", "").replace(",", ".") if "," in (value or "") else (value or "").strip()


@bp.post(f"{BOX}<slug>/milestones")
@login_required
async def add_milestone(slug: str):
    rt, _box = await _visible(slug)
    form = await request.form
    due = (form.get("due") or "").strip()
    if due and box_views.parse_date(due) is None:
        raise BadRequest("due must be a date like 2026-12-01", field="due", code="date")
    await boxes.add_milestone(rt, me().actor, slug, form.get("title", ""), due or None)
    notice("notice.saved")
    return see_other(url_for("box_pages.edit_box_form", slug=slug, _anchor="milestones"))


@bp.post(f"{BOX}<slug>/milestones/mark")
@login_required
async def mark_milestone(slug: str):
    rt, _box = await _visible(slug)
    form = await request.form
    await boxes.mark_milestone(rt, me().actor, slug, _number(form, "milestone"), form.get("done") == "1")
    return see_other(_box_url(slug, "milestones"))


@bp.post(f"{BOX}<slug>/ideas")
@login_required
async def link_idea(slug: str):
    rt, _box = await _visible(slug)
    await boxes.link_idea(rt, me().actor, slug, _ap_id(await request.form, "idea"))
    notice("notice.saved")
    return see_other(_box_url(slug, "ideas"))
