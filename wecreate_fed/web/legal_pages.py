"""The instance's rules (managed by admins at /admin/rules, shown at registration and on the about
page), the legal pages (/impressum, /datenschutz), agreeing again to changed documents (/consent),
the public transparency report (/transparency, and as CSV), and the rules in Mastodon's API shape."""

from __future__ import annotations

from quart import Blueprint, Response, jsonify, render_template, request, url_for

from wecreate_fed import legal, runtime
from wecreate_fed.errors import BadRequest, NotFound
from wecreate_fed.moderation import roles, rules, transparency
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import accounts as accounts_store
from wecreate_fed.store import legal as legal_store

from . import consent, forms
from .admin_pages import require_admin
from .common import blueprint, login_required, me, notice, safe_next, see_other

bp = blueprint("legal")
# JSON for apps and other servers: no website session, errors as JSON (app.py).
api_bp = Blueprint("legal_api", __name__)

RULE_FIELDS = ("text_de", "text_en")


async def about_context(rt: Runtime) -> dict:
    """What the about page adds: the rules, the moderators' contact and who moderates."""
    return {"rules": await legal_store.rules(rt.db.reader), "contact": rt.config.moderation_contact,
            "staff": [dict(r) for r in await accounts_store.list_staff(rt.db.reader)]}


# --- the legal pages -----------------------------------------------------------------------

async def _document_page(document: legal.Document | None, title_key: str, code: str):
    if document is None:
        raise NotFound("the operator of this instance has not written this page yet", code=code)
    return await render_template("legal.html", title_key=title_key, document=document)


@bp.get("/impressum")
async def imprint():
    return await _document_page(legal.imprint(runtime.current().config), "legal.imprint.title", "no_imprint")


@bp.get("/datenschutz")
async def privacy():
    return await _document_page(legal.privacy(runtime.current().config), "legal.privacy.title", "no_privacy")


# --- agreeing again ------------------------------------------------------------------------

async def _consent_page(rt: Runtime, outdated: dict, form: dict, errors: dict, target: str, status: int = 200):
    context = await consent.form_context(rt)
    return await render_template("consent.html", versions=outdated, rules=context["rules"], form=form,
                                 errors=errors, next=target), status


@bp.get("/consent")
@login_required
async def consent_form():
    rt = runtime.current()
    target = safe_next(request.args.get("next"))
    outdated = await consent.outdated(rt, me().actor.id)
    if not outdated:
        return see_other(target)
    return await _consent_page(rt, outdated, {}, {}, target)


@bp.post("/consent")
@login_required
async def consent_agree():
    rt = runtime.current()
    form = (await request.form).to_dict()
    target = safe_next(form.get("next"))
    try:
        await consent.agree(rt, me().actor.id, form)
    except BadRequest as e:
        return await _consent_page(rt, await consent.outdated(rt, me().actor.id), form,
                                   forms.field_errors(e, tuple(consent.FIELDS.values())), target, 400)
    notice("notice.consent_recorded")
    return see_other(target)


# --- the rules, for admins -----------------------------------------------------------------

def _by() -> roles.By:
    return roles.By(me().actor.id, me().actor.username or "")


async def _rules_page(rt: Runtime, *, errors: dict | None = None, failed: int | None = None, form=None,
                      status: int = 200):
    """The list with a form per rule; `failed` is the rule (0: the new one) whose form shows `errors`."""
    return await render_template("admin/rules.html", rules=await legal_store.rules(rt.db.reader), errors=errors or {},
                                 failed=failed, form=form or {}), status


@bp.get("/admin/rules")
@require_admin
async def rules_admin():
    return await _rules_page(runtime.current())


@bp.post("/admin/rules")
@require_admin
async def add_rule():
    rt = runtime.current()
    form = await request.form
    try:
        async with rt.db.transaction() as conn:
            await rules.add(conn, form.get("text_de", ""), form.get("text_en", ""), by=_by())
    except BadRequest as e:
        return await _rules_page(rt, errors=forms.field_errors(e, RULE_FIELDS), failed=0, form=form.to_dict(),
                                 status=400)
    notice("notice.rule_added")
    return see_other(url_for("legal.rules_admin"))


@bp.post("/admin/rules/<int:rule_id>")
@require_admin
async def change_rule(rule_id: int):
    rt = runtime.current()
    form = await request.form
    action = form.get("action", "")
    try:
        async with rt.db.transaction() as conn:
            if action == "save":
                await rules.edit(conn, rule_id, form.get("text_de", ""), form.get("text_en", ""), by=_by())
            elif action in ("up", "down"):
                await rules.move(conn, rule_id, action, by=_by())
            elif action == "remove":
                await rules.remove(conn, rule_id, by=_by())
            else:
                raise BadRequest("action must be save, up, down or remove", field="action", code="invalid_choice")
    except BadRequest as e:
        return await _rules_page(rt, errors=forms.field_errors(e, RULE_FIELDS), failed=rule_id, form=form.to_dict(),
                                 status=400)
    notice(f"notice.rule_{action}")
    return see_other(url_for("legal.rules_admin") + f"#rule-{rule_id}")


@api_bp.get("/api/v1/instance/rules")
async def rules_api():
    """Mastodon's shape: [{id, text, hint}] in order, the instance's default language first."""
    rt = runtime.current()
    lang = rt.config.default_language
    return jsonify([{"id": str(r["id"]), "text": rules.text_in(r, lang), "hint": ""}
                    for r in await legal_store.rules(rt.db.reader)])


# --- the transparency report ---------------------------------------------------------------

@bp.get("/transparency")
async def transparency_report():
    rt = runtime.current()
    chosen = transparency.period(request.args.get("period"))
    figures = await transparency.report(rt.db.reader, chosen)
    return await render_template("transparency.html", figures=figures)


@bp.get("/transparency.csv")
async def transparency_csv():
    rt = runtime.current()
    chosen = transparency.period(request.args.get("period"))
    text = transparency.csv_text(await transparency.report(rt.db.reader, chosen))
    return Response(text, content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="transparency-{chosen.name}.csv"'})
