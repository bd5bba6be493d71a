""""Passwort vergessen?": asking for a reset link, and the link's page that sets a new password.

The answer to asking is the same page whether or not the address or name is known, and whether or
not a mail went out (civic/password_reset.py); asking is limited per client address. The link's
page is sent as Referer to no other site and kept in no cache; following it logs the browser in.
"""

from __future__ import annotations

from datetime import timedelta

from quart import render_template, request, url_for

from wecreate_fed import runtime
from wecreate_fed.civic import password_reset
from wecreate_fed.errors import BadRequest
from wecreate_fed.store import iso, utcnow
from wecreate_fed.store import web as web_store

from . import forms, security, sessions
from .common import _, blueprint, notice, see_other

bp = blueprint("password")

# Requests for a reset link per client address and window (a brake on mail bombing and guessing).
ASK_WINDOW = timedelta(minutes=15)
ASK_LIMIT_IP = 5
RESET_FIELDS = ("password", "password_repeat")


@bp.get("/password/forgot")
async def forgot_form():
    return await render_template("password_forgot.html", sent=bool(request.args.get("sent")), errors={},
                                 form={}, minutes=password_reset.RESET_MINUTES)


@bp.post("/password/forgot")
async def forgot():
    rt = runtime.current()
    who = ((await request.form).get("who") or "").strip()[:300]
    if not who:
        errors = {"who": _("form.required")}
        return await render_template("password_forgot.html", sent=False, errors=errors, form={},
                                     minutes=password_reset.RESET_MINUTES), 400
    address = security.client_address()
    since = iso(utcnow() - ASK_WINDOW)
    if await web_store.count_login_failures(rt.db.reader, "reset", address, since) >= ASK_LIMIT_IP:
        errors = {"who": _("password.forgot.too_many", minutes=_minutes(ASK_WINDOW))}
        return await render_template("password_forgot.html", sent=False, form={"who": who}, errors=errors,
                                     minutes=password_reset.RESET_MINUTES), 429, {"Retry-After": "900"}
    async with rt.db.transaction() as conn:
        await web_store.add_login_failure(conn, "reset", address)
    await password_reset.request_reset(rt, who)
    return see_other(url_for("password.forgot_form", sent=1))


@bp.get("/password/reset/<token>")
async def reset_form(token: str):
    username = await password_reset.reset_username(runtime.current(), token)
    if username is None:
        return token_page(await render_template("link_invalid.html", kind="reset"), 404)
    return token_page(await render_template("password_reset.html", username=username, errors={}, token=token))


@bp.post("/password/reset/<token>")
async def reset(token: str):
    rt = runtime.current()
    form = await request.form
    try:
        actor_id = await password_reset.reset_password(rt, token, form.get("password", ""),
                                                       form.get("password_repeat", ""))
    except BadRequest as e:
        if e.code == "link_invalid":
            return token_page(await render_template("link_invalid.html", kind="reset"), 404)
        username = await password_reset.reset_username(rt, token)
        return token_page(await render_template("password_reset.html", username=username, token=token,
                                                  errors=forms.field_errors(e, RESET_FIELDS)), 400)
    await sessions.start(rt, actor_id)  # every other session ended with the new password
    notice("notice.password_reset")
    return see_other(url_for("ideas.marketplace_home"))


def token_page(body: str, status: int = 200):
    """A page whose address holds a token: kept in no cache, and sent as Referer to no other site
    (the site's own Referrer-Policy, same-origin, already says so; no-referrer would make the
    browser send "Origin: null" with the page's form, which the CSRF check rightly refuses)."""
    return body, status, {"Referrer-Policy": "same-origin", "Cache-Control": "no-store"}


def _minutes(window: timedelta) -> int:
    return int(window.total_seconds() // 60)
