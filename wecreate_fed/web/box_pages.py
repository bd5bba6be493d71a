"""Box pages: the list of boxes, creating one, a box's page (profile, ideas, indicators,
milestones, members, discussion, tasks, motions), its profile form, and what members and
moderators do there: join, leave, approve, invite, remove, hand over, post, add tasks.

A private box answers 404 to everyone but its members, on every page and form here, as its
ActivityPub routes do; someone invited sees its name and a way to join, nothing more.
"""

from __future__ import annotations

from quart import render_template, request

from wecreate_fed import runtime
from wecreate_fed.civic import boxes
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, NotFound

from . import box_views, forms
from .common import _, blueprint, login_required, notice, see_other, viewer

bp = blueprint("box_pages")

PROFILE_FIELDS = ("summary", "problem", "purpose", "goals", "skills_sought", "partners", "support_sought",
                  "meeting_time", "meeting_place", "meeting_event_ap_id", "district_slug")
RESERVED_SLUGS = ("new",)  # /boxes/new is the form, so no box may be called that


@bp.get("/b/")
async def index():
    rt = runtime.current()
    return await render_template("boxes.html", **await box_views.box_index(rt, viewer()))


# --- creating a box and editing its profile ---------------------------------------------------

def _box_data(form, *, with_visibility: bool) -> dict:
    data = {name: (form.get(name) or "").strip() for name in ("name",) + PROFILE_FIELDS}
    if with_visibility:
        data["visibility"] = form.get("visibility", "")
    return data


async def _box_form(values: dict, *, action: str, errors: dict, status: int = 200, box=None, **extra):
    return await render_template("box_form.html", form=values, action=action, errors=errors, box=box,
                                 visibilities=boxes.VISIBILITIES, **extra), status


@bp.get("/boxes/new")
@login_required
async def new_box():
    values = {"visibility": "open", "district_slug": viewer().district_slug or "",
              "idea": request.args.get("idea", "")}
    return await _box_form(values, action="/boxes/new", errors={})


@bp.post("/boxes/new")
@login_required
async def create_box():
    rt = runtime.current()
    form = await request.form
    data = {**_box_data(form, with_visibility=True), "slug": (form.get("slug") or "").strip().lower(),
            "idea": (form.get("idea") or "").strip() or None}
    values = {**data, "idea": data["idea"] or ""}
    if (data["slug"] or data["name"].lower()) in RESERVED_SLUGS:
        return await _box_form(values, action="/boxes/new", errors={"slug": _("form.slug_reserved")}, status=400)
    try:
        box = await boxes.create(rt, viewer().actor, data)
    except BadRequest as e:
        return await _box_form(values, action="/boxes/new", errors=forms.field_errors(e, _, "district_slug"),
                               status=400)
    except Conflict:
        return await _box_form(values, action="/boxes/new", errors={"slug": _("form.slug_taken")}, status=409)
    notice("notice.box_created")
    return see_other(box_views.box_page_url(box))


async def _moderated_box(slug: str):
    """The box, if the viewer moderates it: 404 where it is hidden, 403 for others."""
    data = await box_views.box_page(runtime.current(), slug, viewer())
    if not data["is_moderator"]:
        raise Forbidden(_("box.moderators_only"))
    return data


async def _edit_form(slug: str, data: dict, values: dict, errors: dict, status: int = 200):
    return await _box_form(values, action=f"/b/{slug}/edit", errors=errors, status=status, box=data["box"],
                           page=data)


@bp.get("/b/<slug>/edit")
@login_required
async def edit_box_form(slug: str):
    data = await _moderated_box(slug)
    return await _edit_form(slug, data, box_views.box_form_values(data["box"], data["profile"]), {})


@bp.post("/b/<slug>/edit")
@login_required
async def edit_box(slug: str):
    rt = runtime.current()
    data = await _moderated_box(slug)
    form = await request.form
    values = _box_data(form, with_visibility=data["is_owner"])
    try:
        await boxes.edit_profile(rt, viewer().actor, slug, values)
    except BadRequest as e:
        values = {**box_views.box_form_values(data["box"], data["profile"]), **values}
        return await _edit_form(slug, data, values, forms.field_errors(e, _, "district_slug"), status=400)
    notice("notice.saved")
    return see_other(f"/b/{slug}")


# --- the box's page ---------------------------------------------------------------------------

async def _box_page(slug: str, status: int = 200, **extra):
    rt = runtime.current()
    try:
        data = await box_views.box_page(rt, slug, viewer())
    except NotFound:
        # Hidden from this viewer; someone invited to a private box may still see how to join.
        invited = await box_views.invitation_page(rt, slug, viewer())
        return await render_template("box_invited.html", **invited), status
    return await render_template("box.html", **{"post_errors": {}, **data, **extra}), status


@bp.get("/b/<slug>")
async def box(slug: str):
    return await _box_page(slug)


async def _visible(slug: str, *, invitees: bool = False):
    """The box for an action of the viewer: 404 where it is hidden from them (never 403)."""
    rt = runtime.current()
    return rt, await box_views.visible_box(rt, slug, viewer(), invitees=invitees)


@bp.post("/b/<slug>/join")
@login_required
async def join(slug: str):
    rt, box = await _visible(slug, invitees=True)
    state = await boxes.join(rt, viewer().actor, box.ap_id)
    notice("notice.box_joined" if state == "accepted" else "notice.box_requested", box=box.name)
    return see_other(f"/b/{slug}")


@bp.post("/b/<slug>/leave")
@login_required
async def leave(slug: str):
    rt, box = await _visible(slug)
    try:
        await boxes.leave(rt, viewer().actor, box.ap_id)
    except Conflict:
        notice("notice.owner_cannot_leave")
        return see_other(f"/b/{slug}#members")
    except NotFound:
        return see_other(f"/b/{slug}")  # not a member (any more): the page shows how things are
    notice("notice.box_left", box=box.name)
    return see_other("/b/")


def _ap_id(form, name: str) -> str:
    value = (form.get(name) or "").strip()
    if not value.startswith(("https://", "http://")):
        raise BadRequest(f"which {name}?")
    return value


@bp.post("/b/<slug>/requests")
@login_required
async def answer_request(slug: str):
    rt, _box = await _visible(slug)
    form = await request.form
    approve = form.get("answer") == "approve"
    await boxes.answer_request(rt, viewer().actor, slug, _ap_id(form, "member"), approve=approve)
    notice("notice.request_approved" if approve else "notice.request_refused")
    return see_other(f"/b/{slug}#members")


@bp.post("/b/<slug>/invite")
@login_required
async def invite(slug: str):
    rt, _box = await _visible(slug)
    handle = ((await request.form).get("handle") or "").strip().lstrip("@")
    if handle and "@" not in handle and not handle.startswith(("https://", "http://")):
        handle = f"{handle}@{rt.config.host}"  # a name alone is someone here
    if not handle:
        raise BadRequest(_("box.invite_whom"))
    try:
        invitee = await boxes.invite(rt, viewer().actor, slug, handle)
    except (BadRequest, NotFound):
        notice("notice.invite_unknown", handle=handle)
        return see_other(f"/b/{slug}#members")
    notice("notice.invited", name=invitee.name or invitee.handle)
    return see_other(f"/b/{slug}#members")


@bp.post("/b/<slug>/members/remove")
@login_required
async def remove_member(slug: str):
    rt, _box = await _visible(slug)
    await boxes.remove_member(rt, viewer().actor, slug, _ap_id(await request.form, "member"))
    notice("notice.member_removed")
    return see_other(f"/b/{slug}#members")


@bp.post("/b/<slug>/members/role")
@login_required
async def set_role(slug: str):
    rt, _box = await _visible(slug)
    form = await request.form
    await boxes.set_role(rt, viewer().actor, slug, _ap_id(form, "member"), form.get("role", ""))
    notice("notice.role_changed")
    return see_other(f"/b/{slug}#members")


# --- discussion -----------------------------------------------------------------------------------

@bp.post("/b/<slug>/posts")
@login_required
async def post(slug: str):
    rt, box = await _visible(slug)
    form = await request.form
    reply_to = (form.get("in_reply_to") or "").strip() or None
    try:
        await boxes.post(rt, viewer().actor, box.ap_id, form.get("text", ""), in_reply_to=reply_to)
    except BadRequest as e:
        return await _box_page(slug, status=400, post_errors=forms.field_errors(e, _), post_text=form.get("text", ""))
    notice("notice.posted")
    return see_other(f"/b/{slug}#discussion")


@bp.post("/b/<slug>/posts/remove")
@login_required
async def remove_post(slug: str):
    rt, _box = await _visible(slug)
    await boxes.remove_post(rt, viewer().actor, slug, _ap_id(await request.form, "post"))
    notice("notice.post_removed")
    return see_other(f"/b/{slug}#discussion")


# --- tasks, indicators, milestones, linked ideas ---------------------------------------------------

def _number(form, name: str) -> int:
    value = form.get(name, "")
    if not value.isdigit():
        raise BadRequest(f"which {name}?")
    return int(value)


@bp.post("/b/<slug>/tasks")
@login_required
async def add_task(slug: str):
    rt, _box = await _visible(slug)
    form = await request.form
    await boxes.add_task(rt, viewer().actor, slug, form.get("title", ""), form.get("assignee") or None)
    notice("notice.task_added")
    return see_other(f"/b/{slug}#tasks")


@bp.post("/b/<slug>/tasks/update")
@login_required
async def update_task(slug: str):
    rt, _box = await _visible(slug)
    form = await request.form
    done = {"done": True, "open": False}.get(form.get("state", ""))
    assignee = viewer().actor.ap_id if form.get("take") else None
    await boxes.update_task(rt, viewer().actor, slug, _number(form, "task"), done=done, assignee_ap_id=assignee)
    return see_other(f"/b/{slug}#tasks")


@bp.post("/b/<slug>/indicators")
@login_required
async def add_indicator(slug: str):
    rt, _box = await _visible(slug)
    form = await request.form
    await boxes.add_indicator(rt, viewer().actor, slug, form.get("name", ""), _decimal(form.get("target")),
                              form.get("unit", ""), _decimal(form.get("current") or "0"))
    notice("notice.saved")
    return see_other(f"/b/{slug}/edit#indicators")


@bp.post("/b/<slug>/indicators/update")
@login_required
async def update_indicator(slug: str):
    rt, _box = await _visible(slug)
    form = await request.form
    await boxes.update_indicator(rt, viewer().actor, slug, _number(form, "indicator"), _decimal(form.get("current")))
    notice("notice.saved")
    return see_other(f"/b/{slug}#indicators")


def _decimal(value: str | None) -> str:
    """German decimal commas as the civic functions read numbers (with a point)."""
    return (value or "").strip().replace(".", "").replace(",", ".") if "," in (value or "") else (value or "").strip()


@bp.post("/b/<slug>/milestones")
@login_required
async def add_milestone(slug: str):
    rt, _box = await _visible(slug)
    form = await request.form
    due = (form.get("due") or "").strip()
    if due and box_views.parse_date(due) is None:
        raise BadRequest(_("form.date"))
    await boxes.add_milestone(rt, viewer().actor, slug, form.get("title", ""), due or None)
    notice("notice.saved")
    return see_other(f"/b/{slug}/edit#milestones")


@bp.post("/b/<slug>/milestones/mark")
@login_required
async def mark_milestone(slug: str):
    rt, _box = await _visible(slug)
    form = await request.form
    await boxes.mark_milestone(rt, viewer().actor, slug, _number(form, "milestone"), form.get("done") == "1")
    return see_other(f"/b/{slug}#milestones")


@bp.post("/b/<slug>/ideas")
@login_required
async def link_idea(slug: str):
    rt, _box = await _visible(slug)
    await boxes.link_idea(rt, viewer().actor, slug, _ap_id(await request.form, "idea"))
    notice("notice.saved")
    return see_other(f"/b/{slug}#ideas")
