"""A person's own settings: profile (name, bio, avatar), language and home district,
password, and deleting the account."""

from __future__ import annotations

from quart import render_template, request, session

from wecreate_fed import runtime, sanitize
from wecreate_fed.errors import BadRequest

from . import accounts, forms, views
from .common import _, blueprint, login_required, notice, see_other, viewer

bp = blueprint("settings")


async def _settings(errors: dict | None = None, status: int = 200, **form):
    v = viewer()
    values = {"name": v.actor.name, "bio": sanitize.plain_text(v.actor.summary), "language": v.language,
              "district": v.district_slug or "", **form}
    return await render_template("settings.html", form=values, errors=errors or {}), status


@bp.get("/settings")
@login_required
async def settings():
    return await _settings()


@bp.post("/settings/profile")
@login_required
async def profile():
    rt = runtime.current()
    form = await request.form
    files = await request.files
    try:
        await accounts.update_profile(rt, viewer().actor, name=form.get("name", ""), bio=form.get("bio", ""))
        upload = files.get("avatar")
        if form.get("remove_avatar"):
            await accounts.set_avatar(rt, viewer().actor, None)
        elif upload is not None and upload.filename:
            await accounts.set_avatar(rt, viewer().actor, upload.read(accounts.AVATAR_MAX + 1))
    except BadRequest as e:
        return await _settings(forms.field_errors(e, _), 400, name=form.get("name", ""), bio=form.get("bio", ""))
    notice("notice.saved")
    return see_other("/settings")


@bp.post("/settings/preferences")
@login_required
async def preferences():
    form = await request.form
    try:
        await accounts.update_preferences(runtime.current(), viewer().actor, language=form.get("language", ""),
                                          district=form.get("district") or None)
    except BadRequest as e:
        return await _settings(forms.field_errors(e, _), 400)
    notice("notice.saved")
    return see_other("/settings")


@bp.post("/settings/password")
@login_required
async def password():
    form = await request.form
    try:
        generation = await accounts.change_password(runtime.current(), viewer().actor, form.get("current_password", ""),
                                                    form.get("new_password", ""), form.get("new_password_repeat", ""))
    except BadRequest as e:
        return await _settings(forms.field_errors(e, _), 400)
    session["gen"] = generation  # this session goes on; all others end
    notice("notice.password_changed")
    return see_other("/settings")


@bp.post("/settings/delete")
@login_required
async def delete():
    try:
        await accounts.delete_account(runtime.current(), viewer().actor, (await request.form).get("delete_password", ""))
    except BadRequest as e:
        return await _settings(forms.field_errors(e, _), 400)
    views.ideas_changed(runtime.current())
    session.clear()
    notice("notice.account_deleted")
    return see_other("/")
