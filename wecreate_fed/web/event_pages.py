"""The calendar of upcoming events, event pages, the forms to publish and edit events, and
attending: attend, leave, change the status, delete."""

from __future__ import annotations

from quart import render_template, request, url_for

from wecreate_fed import runtime, sanitize
from wecreate_fed.civic import events
from wecreate_fed.errors import BadRequest, Conflict, NotFound, WeCreateError
from wecreate_fed.urls import PAGE_PATHS

from . import audience_views, forms, views
from .common import back, blueprint, login_required, me, notice, see_other, viewer

bp = blueprint("events_pages")
EVENT = PAGE_PATHS["event"]

# In the form's order (the order of its summary of problems).
EVENT_FIELDS = ("title", "description", "starts_at", "ends_at", "timezone", "place_name", "street", "postal_code",
                "locality", "online_url", "district", "capacity", "linked_idea", "status", "members_of")
EVENT_ALIASES = {"districts": "district", "district_ap_id": "district", "idea_ap_id": "linked_idea"}


@bp.get("/events")
async def calendar():
    rt = runtime.current()
    slug = request.args.get("district") or None
    if slug is not None and slug not in {d.slug for d in rt.config.districts}:
        raise NotFound(f"no district '{slug}' here", code="no_such_district")
    return await render_template("calendar.html", calendar=await views.calendar(rt, slug), district=slug)


@bp.get(f"{EVENT}<key>")
async def event(key: str):
    rt = runtime.current()
    row = await views.event_by_key(rt, key)
    return await render_template("event.html", **await views.event_page(rt, row, viewer()))


def _event_data(form) -> dict:
    data = {name: (form.get(name) or "").strip() for name in EVENT_FIELDS}
    data["timezone"] = data["timezone"] or events.DEFAULT_TIMEZONE
    if "members_of" not in form:  # the edit form: the audience stays as published
        del data["members_of"]
    return data


async def _event_form(values: dict, *, error: WeCreateError | None = None, preview: str | None = None, key=None,
                      event=None, status: int = 400):
    action = url_for("events_pages.edit_event", key=key) if key else url_for("events_pages.publish_event")
    errors = forms.field_errors(error, EVENT_FIELDS, EVENT_ALIASES) if error else {}
    rt = runtime.current()
    return await render_template("event_form.html", form=values, action=action, errors=errors, preview=preview,
                                 event=event, key=key, statuses=events.STATUSES,
                                 audiences=await audience_views.audience_choices(rt, viewer()),
                                 fixed_audience=await audience_views.fixed_audience(rt, event.members_of)
                                 if event else None), status if error else 200


@bp.get("/events/new")
@login_required
async def new_event():
    values = {"district": me().district_slug or request.args.get("district", ""),
              "linked_idea": request.args.get("idea", ""), "timezone": events.DEFAULT_TIMEZONE}
    return await _event_form(values)


@bp.post("/events/new")
@login_required
async def publish_event():
    rt = runtime.current()
    form = await request.form
    data = _event_data(form)
    if form.get("action") == "preview":
        return await _event_form(data, preview=sanitize.markdown_to_html(data["description"]))
    try:
        _activity_id, document = await events.publish(rt, me().actor, {k: v or None for k, v in data.items()})
    except BadRequest as e:
        return await _event_form(data, error=e)
    notice("notice.event_published")
    return see_other(views.page_url(rt, "event", document["id"]))


async def _own_event(key: str):
    rt = runtime.current()
    row = await views.visible(rt, await views.event_by_key(rt, key), viewer(), "event")
    me().check_may_manage(row.organizer_id)
    return rt, row


@bp.get(f"{EVENT}<key>/edit")
@login_required
async def edit_event_form(key: str):
    rt, row = await _own_event(key)
    return await _event_form(views.event_form_values(rt, row), key=key, event=row)


@bp.post(f"{EVENT}<key>/edit")
@login_required
async def edit_event(key: str):
    rt, row = await _own_event(key)
    form = await request.form
    data = _event_data(form)
    if form.get("action") == "preview":
        return await _event_form(data, preview=sanitize.markdown_to_html(data["description"]), key=key, event=row)
    try:
        await events.edit(rt, me().actor, row.ap_id, {k: v or None for k, v in data.items()})
    except BadRequest as e:
        return await _event_form(data, error=e, key=key, event=row)
    except Conflict as e:  # fewer places than people attending
        return await _event_form(data, error=e, key=key, event=row, status=409)
    notice("notice.event_saved")
    return see_other(url_for("events_pages.event", key=key))


async def _target() -> str:
    ap_id = (await request.form).get("event", "")
    if not ap_id.startswith(("https://", "http://")):
        raise BadRequest("the form names no event", field="event", code="required")
    return ap_id


@bp.post("/events/attend")
@login_required
async def attend():
    try:
        await events.attend(runtime.current(), me().actor, await _target())
        notice("notice.attending")
    except Conflict as e:
        notice("notice.cannot_attend", reason=" ".join(forms.page_messages(e)))
    return back()


@bp.post("/events/leave")
@login_required
async def leave():
    try:
        await events.leave(runtime.current(), me().actor, await _target())
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
        await events.change_status(rt, me().actor, target, (await request.form).get("status", ""))
        notice("notice.status_changed")
    except Conflict:
        pass
    return see_other(views.page_url(rt, "event", target))


@bp.post("/events/delete")
@login_required
async def delete():
    await events.delete(runtime.current(), me().actor, await _target())
    notice("notice.event_deleted")
    return see_other(url_for("events_pages.calendar"))
