"""Registration, login, logout and the language switch."""

from __future__ import annotations

from quart import g, make_response, render_template, request, url_for

from wecreate_fed import i18n, runtime
from wecreate_fed.errors import BadRequest

from . import accounts, consent, forms, security, sessions
from .common import LANGUAGE_COOKIE, back, blueprint, me, notice, safe_next, see_other, viewer

bp = blueprint("auth")

REGISTER_FIELDS = ("invitation", "username", "name", "email", "password", "password_repeat", "district", "consent_rules",
                   "consent_privacy")
LOGIN_FIELDS = ("username", "password")


def _next(values) -> str:
    """Where to go after logging in or registering: a path on this site, or "" (the home page).
    It travels in the forms' hidden field and in the links between the two pages."""
    target = values.get("next") or ""
    return safe_next(target) if target else ""


@bp.get("/register")
async def register_form():
    rt = runtime.current()
    return await render_template("register.html", form={"invitation": request.args.get("invitation", "")},
                                 errors={}, mode=rt.config.registration, next=_next(request.args),
                                 **await consent.form_context(rt))


@bp.post("/register")
async def register():
    rt = runtime.current()
    form = (await request.form).to_dict()
    form.setdefault("language", g.lang)  # the language the page was read in
    target = _next(form)
    try:
        login = await accounts.register(rt, form, security.client_address())
    except BadRequest as e:
        form.pop("password", None)
        form.pop("password_repeat", None)
        return await render_template("register.html", form=form, errors=forms.field_errors(e, REGISTER_FIELDS),
                                     mode=rt.config.registration, next=target,
                                     **await consent.form_context(rt)), 400
    await sessions.start(rt, login.actor_id)
    notice("notice.welcome")
    if form.get("email") and rt.config.email_enabled:
        notice("notice.confirm_mail_sent", email=form["email"].strip())
    return see_other(target or url_for("ideas.marketplace_home"))


@bp.get("/login")
async def login_form():
    return await render_template("login.html", form={}, errors={}, next=_next(request.args))


@bp.post("/login")
async def login():
    rt = runtime.current()
    form = await request.form
    target = _next(form)
    try:
        login = await accounts.authenticate(rt, form.get("username", ""), form.get("password", ""),
                                            security.client_address())
    except security.TooManyAttempts as e:
        errors = {"password": " ".join(forms.page_messages(e))}
        return await render_template("login.html", form={"username": form.get("username", "")}, errors=errors,
                                     next=target), 429
    except BadRequest as e:
        return await render_template("login.html", form={"username": form.get("username", "")},
                                     errors=forms.field_errors(e, LOGIN_FIELDS), next=target), 400
    await sessions.start(rt, login.actor_id)
    return see_other(target or url_for("ideas.marketplace_home"))


@bp.post("/logout")
async def logout():
    await sessions.end(runtime.current())  # revoked on the server: a copied cookie is dead too
    notice("notice.logged_out")
    return see_other(url_for("ideas.marketplace_home"))


def _language(lang: str | None) -> str:
    if lang not in i18n.LANGUAGES:
        raise BadRequest(f"language must be one of {', '.join(i18n.LANGUAGES)}", field="lang",
                         code="invalid_choice")
    return lang


@bp.get("/language")
async def language_link():
    """The language switch for visitors: a cookie, then back to the page (no session needed)."""
    lang = _language(request.args.get("lang"))
    return await _with_language_cookie(see_other(safe_next(request.args.get("next"))), lang)


@bp.post("/language")
async def language():
    """The language switch of a logged-in person: their account's setting, and the cookie."""
    lang = _language((await request.form).get("lang"))
    if viewer() is not None:
        await accounts.update_preferences(runtime.current(), me().actor, language=lang,
                                          district=me().district_slug)
    return await _with_language_cookie(back(), lang)


async def _with_language_cookie(response, lang: str):
    response = await make_response(response)
    response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 86400, samesite="Lax", httponly=True,
                        secure=runtime.current().config.base_url.startswith("https://"))
    return response
