"""The calendar of upcoming events, event pages, the forms to publish and edit events, and
attending: attend, leave, change the status, delete."""

from __future__ import annotations

from quart import render_template, request

from wecreate_fed import runtime, sanitize
from wecreate_fed.civic import events
from wecreate_fed.errors import BadRequest, Conflict, NotFound

from . import forms, views
from .common import _, back, blueprint, login_required, notice, see_other, viewer

bp = blueprint("events_pages")

EVENT_FIELDS = ("title", "description", "starts_at", "ends_at", "timezone", "place_name", "street", "postal_code",
                "locality", "online_url", "capacity", "status", "district", "linked_idea")


@bp.get("/events")
async def calendar():
    rt = runtime.current()
    slug = request.args.get("district") or None
    if slug is not None and slug not in {d.slug for d in rt.config.districts}:
        raise NotFound("no such district")
    return await render_template("calendar.html", calendar=await views.calendar(rt, slug), district=slug)


@bp.get("/e/<key>")
async def event(key: str):
    rt = runtime.current()
    row = await views.event_by_key(rt, key)
    return await render_template("event.html", **await views.event_page(rt, row, viewer()))


def _event_data(form) -> dict:
    data = {name: (form.get(name) or "").strip() for name in EVENT_FIELDS}
    data["timezone"] = data["timezone"] or events.DEFAULT_TIMEZONE
    return data


async def _event_form(values: dict, *, action: str, errors: dict, preview: str | None, status: int = 200, event=None):
    return await render_template("event_form.html", form=values, action=action, errors=errors, preview=preview,
                                 event=event, statuses=events.STATUSES), status


@bp.get("/events/new")
@login_required
async def new_event():
    values = {"district": viewer().district_slug or request.args.get("district", ""),
              "linked_idea": request.args.get("idea", ""), "timezone": events.DEFAULT_TIMEZONE}
    return await _event_form(values, action="/events/new", errors={}, preview=None)


@bp.post("/events/new")
@login_required
async def publish_event():
    rt = runtime.current()
    form = await request.form
    data = _event_data(form)
    if form.get("action") == "preview":
        return await _event_form(data, action="/events/new", errors={},
                                 preview=sanitize.markdown_to_html(data["description"]))
    try:
        _activity_id, document = await events.publish(rt, viewer().actor, {k: v or None for k, v in data.items()})
    except BadRequest as e:
        return await _event_form(data, action="/events/new", errors=forms.field_errors(e, _, "district"),
                                 preview=None, status=400)
    notice("notice.event_published")
    return see_other(views.page_url(rt, "event", document["id"]))


@bp.get("/e/<key>/edit")
@login_required
async def edit_event_form(key: str):
    rt = runtime.current()
    row = await views.event_by_key(rt, key)
    if not viewer().may_manage(row.organizer_id):
        return await render_template("error.html", status=403, message=_("error.not_yours")), 403
    return await _event_form(views.event_form_values(rt, row), action=f"/e/{key}/edit", errors={}, preview=None, event=row)


@bp.post("/e/<key>/edit")
@login_required
async def edit_event(key: str):
    rt = runtime.current()
    row = await views.event_by_key(rt, key)
    form = await request.form
    data = _event_data(form)
    if form.get("action") == "preview":
        return await _event_form(data, action=f"/e/{key}/edit", errors={},
                                 preview=sanitize.markdown_to_html(data["description"]), event=row)
    try:
        await events.edit(rt, viewer().actor, row.ap_id, {k: v or None for k, v in data.items()})
    except BadRequest as e:
        return await _event_form(data, action=f"/e/{key}/edit", errors=forms.field_errors(e, _, "district"),
                                 preview=None, status=400, event=row)
    except Conflict as e:
        return await _event_form(data, action=f"/e/{key}/edit", errors={"capacity": str(e)}, preview=None,
                                 status=409, event=row)
    notice("notice.event_saved")
    return see_other(f"/e/{key}")


async def _target() -> str:
    ap_id = (await request.form).get("event", "")
    if not ap_id.startswith(("https://", "http://")):
        raise BadRequest("which event?")
    return ap_id


@bp.post("/events/attend")
@login_required
async def attend():
    try:
        await events.attend(runtime.current(), viewer().actor, await _target())
        notice("notice.attending")
    except Conflict as e:
        notice("notice.cannot_attend", reason=str(e))
    return back()


@bp.post("/events/leave")
@login_required
async def leave():
    try:
        await events.leave(runtime.current(), viewer().actor, await _target())
        notice("notice.left")
    except NotFound:
        pass
    return back()


@bp.post("/events/status")
@login_required
async def change_status():
    rt = runtime.current()
    target = await _target()
    try:
        await events.change_status(rt, viewer().actor, target, (await request.form).get("status", ""))
        notice("notice.status_changed")
    except Conflict:
        pass
    return see_other(views.page_url(rt, "event", target))


@bp.post("/events/delete")
@login_required
async def delete():
    await events.delete(runtime.current(), viewer().actor, await _target())
    notice("notice.event_deleted")
    return see_other("/events")
