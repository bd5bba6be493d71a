"""A person's own settings: profile (name, bio, avatar), language and home district,
password and sessions. Deleting the account and the data export are in export_pages."""

from __future__ import annotations

from quart import render_template, request, url_for

from wecreate_fed import runtime, sanitize
from wecreate_fed.civic import accounts as civic_accounts
from wecreate_fed.errors import BadRequest

from . import accounts, forms, sessions
from .common import blueprint, login_required, me, notice, see_other

bp = blueprint("settings")

# The settings page's fields that show their own error (the language is a choice of two).
FIELDS = ("name", "bio", "avatar", "district", "current_password", "new_password", "new_password_repeat")


async def _settings(error: BadRequest | None = None, **form):
    v = me()
    values = {"name": v.actor.name, "bio": sanitize.plain_text(v.actor.summary), "language": v.language,
              "district": v.district_slug or "", **form}
    errors = forms.field_errors(error, FIELDS) if error else {}
    return await render_template("settings.html", form=values, errors=errors,
                                 sessions=await sessions.list_of(runtime.current(), v.actor.id)), 400 if error else 200


def _saved(key: str = "notice.saved"):
    notice(key)
    return see_other(url_for("settings.settings"))


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
        await civic_accounts.update_profile(rt, me().actor, name=form.get("name", ""), bio=form.get("bio", ""))
        upload = files.get("avatar")
        if form.get("remove_avatar"):
            await civic_accounts.set_avatar(rt, me().actor, None)
        elif upload is not None and upload.filename:
            await civic_accounts.set_avatar(rt, me().actor, upload.read(civic_accounts.AVATAR_MAX + 1))
    except BadRequest as e:
        return await _settings(e, name=form.get("name", ""), bio=form.get("bio", ""))
    return _saved()


@bp.post("/settings/preferences")
@login_required
async def preferences():
    form = await request.form
    try:
        await accounts.update_preferences(runtime.current(), me().actor, language=form.get("language", ""),
                                          district=form.get("district") or None)
    except BadRequest as e:
        return await _settings(e)
    return _saved()


@bp.post("/settings/password")
@login_required
async def password():
    form = await request.form
    try:
        await civic_accounts.change_password(
            runtime.current(), me().actor, form.get("current_password", ""), form.get("new_password", ""),
            form.get("new_password_repeat", ""))
    except BadRequest as e:
        return await _settings(e)
    await sessions.start(runtime.current(), me().actor.id)  # every session ended; this browser gets a new one
    return _saved("notice.password_changed")


@bp.post("/settings/sessions/end")
@login_required
async def end_sessions():
    """Log out everywhere: every browser of this account, this one too."""
    await sessions.end_all(runtime.current(), me().actor.id)
    notice("notice.logged_out_everywhere")
    return see_other(url_for("auth.login_form"))
