"""The email address on /settings/email (shown with whether it is confirmed; changed by confirming
the new one), and the page of a confirmation link (/email/confirm/<token>), which confirms on a
click, never on opening (civic/addresses.py says why)."""

from __future__ import annotations

from quart import g, render_template, request, url_for

from wecreate_fed import runtime
from wecreate_fed.civic import addresses
from wecreate_fed.errors import BadRequest
from wecreate_fed.store import mail as mail_store

from . import forms
from .common import blueprint, login_required, me, notice, see_other
from .password_pages import token_page

bp = blueprint("email")

FIELDS = ("email", "password")


async def _page(error: BadRequest | None = None, **form):
    rt = runtime.current()
    current = await mail_store.account_email(rt.db.reader, me().actor.id)
    errors = forms.field_errors(error, FIELDS) if error else {}
    pending = await mail_store.pending_email(rt.db.reader, me().actor.id)
    if current and pending and current["email_confirmed_at"] is None and pending == current["email"]:
        pending = None  # the unconfirmed address itself, shown as such
    return await render_template("settings_email.html", current=current, pending=pending, errors=errors, form=form,
                                 hours=addresses.CONFIRM_HOURS), 400 if error else 200


@bp.get("/settings/email")
@login_required
async def settings_email():
    return await _page()


@bp.post("/settings/email")
@login_required
async def change():
    rt = runtime.current()
    form = await request.form
    email = (form.get("email") or "").strip()
    if not rt.config.email_enabled:
        return await _page()  # the page says that this instance sends no mail
    try:
        await addresses.change_address(rt, me().actor, email=email, password=form.get("password", ""),
                                       lang=me().language)
    except BadRequest as e:
        return await _page(e, email=email)
    notice("notice.confirm_mail_sent", email=email)
    return see_other(url_for("email.settings_email"))


@bp.get("/email/confirm/<token>")
async def confirm_form(token: str):
    email = await addresses.pending_confirmation(runtime.current(), token)
    if email is None:
        return token_page(await render_template("link_invalid.html", kind="confirm"), 404)
    return token_page(await render_template("email_confirm.html", email=email, token=token))


@bp.post("/email/confirm/<token>")
async def confirm(token: str):
    try:
        await addresses.confirm(runtime.current(), token)
    except BadRequest:
        return token_page(await render_template("link_invalid.html", kind="confirm"), 404)
    notice("notice.email_confirmed")
    if g.get("viewer") is not None:
        return see_other(url_for("email.settings_email"))
    return see_other(url_for("auth.login_form"))
