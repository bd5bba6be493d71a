"""/settings/notifications: how often each kind of notification reaches a person by email."""

from __future__ import annotations

from quart import render_template, request, url_for

from wecreate_fed import runtime
from wecreate_fed.errors import BadRequest
from wecreate_fed.notify import preferences, schedule, topics
from wecreate_fed.store import notifications as notifications_store

from . import forms
from .common import blueprint, login_required, me, notice, see_other

bp = blueprint("notify_pages")
FIELDS = tuple(f"topic_{t}" for t in topics.TOPICS)


async def _page(error: BadRequest | None = None, chosen: dict | None = None):
    rt, v = runtime.current(), me()
    address = await notifications_store.mail_address(rt.db.reader, v.actor.id)
    district = next((d for d in rt.config.districts if d.slug == v.district_slug), None)
    return await render_template(
        "notify_settings.html", topics=topics.TOPICS, choices_for=topics.choices_for,
        chosen=chosen or await preferences.current(rt, v.actor.id),
        errors=forms.field_errors(error, FIELDS) if error else {},
        email=address["email"] if address and address["email_confirmed_at"] else None,
        district=district, hour=schedule.digest_hour(rt.config), weekday=schedule.digest_weekday(rt.config),
    ), 400 if error else 200


@bp.get("/settings/notifications")
@login_required
async def settings():
    return await _page()


@bp.post("/settings/notifications")
@login_required
async def save():
    form = await request.form
    try:
        await preferences.save(runtime.current(), me().actor.id, form)
    except BadRequest as e:
        return await _page(e, {t: form.get(f"topic_{t}", "") for t in topics.TOPICS})
    notice("notify.settings.saved")
    return see_other(url_for("notify_pages.settings"))
