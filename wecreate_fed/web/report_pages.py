"""Reporting from the website: a member's report of an idea, comment, event, box post, motion or
profile ("Melden" on its page), and a visitor's notice of illegal content (DSA Art. 16) with its
confirmation of receipt. The report link of a visitor who is not logged in leads to the notice."""

from __future__ import annotations

from quart import g, render_template, request, url_for

from wecreate_fed import runtime
from wecreate_fed.errors import BadRequest, NotFound
from wecreate_fed.moderation import reports
from wecreate_fed.store import reports as reports_store

from . import forms
from .common import blueprint, me, notice, safe_next, see_other, viewer

bp = blueprint("reports")

REPORT_FIELDS = ("category", "comment", "forward")
NOTICE_FIELDS = ("name", "email", "location", "category", "reasoning", "good_faith")


async def _choices() -> list[tuple[str, str, str]]:
    """(value, catalog key or "", rule text) for the category select: the categories, then the rules."""
    rt = runtime.current()
    lang = g.get("lang", "de")
    found = [(c, f"report.category.{c}", "") for c in reports.CATEGORIES]
    for rule in await reports_store.rules(rt.db.reader):
        text = rule["text_en"] if lang == "en" and rule["text_en"] else rule["text_de"]
        found.append((f"rule:{rule['id']}", "", text))
    return found


async def _report_form(target, values: dict, *, error: BadRequest | None = None):
    errors = forms.field_errors(error, REPORT_FIELDS) if error else {}
    return await render_template("report_form.html", target=target, form=values, errors=errors,
                                 choices=await _choices()), 400 if error else 200


async def _target(ap_id: str):
    target = await reports.target_of(runtime.current().db.reader, ap_id)
    if target is None:
        raise NotFound("there is nothing here to report at this address", code="not_reportable")
    return target


@bp.get("/report")
async def report_form():
    rt = runtime.current()
    ap_id = request.args.get("target", "")
    back = safe_next(request.args.get("back"))
    if viewer() is None:  # no account: a notice of illegal content names the page
        from_here = ap_id if reports.target_of_location(rt.config, ap_id) == ap_id else rt.config.base_url + back
        return see_other(url_for("reports.notice_form", location=from_here))
    target = await _target(ap_id)
    return await _report_form(target, {"category": "", "comment": "", "forward": "", "back": back})


@bp.post("/report")
async def send_report():
    rt = runtime.current()
    if viewer() is None:
        return see_other(url_for("auth.login_form"))
    form = await request.form
    values = {name: form.get(name, "") for name in (*REPORT_FIELDS, "back")}
    target = await _target(form.get("target", ""))
    try:
        filed = await reports.file_report(rt, me().actor, target_ap_id=target.ap_id, category=values["category"],
                                          comment=values["comment"], forward=bool(values["forward"]))
    except BadRequest as e:
        return await _report_form(target, values, error=e)
    notice("report.thanks_forwarded" if filed.forwarded else "report.thanks")
    return see_other(safe_next(values["back"]))


# --- a visitor's notice (DSA Art. 16) ---------------------------------------------------------

async def _notice_form(values: dict, *, error: BadRequest | None = None):
    errors = forms.field_errors(error, NOTICE_FIELDS) if error else {}
    return await render_template("notice_form.html", form=values, errors=errors,
                                 choices=await _choices()), 400 if error else 200


@bp.get("/notice")
async def notice_form():
    return await _notice_form({"location": request.args.get("location", "")[:2048], "category": "illegal"})


@bp.post("/notice")
async def send_notice():
    rt = runtime.current()
    form = await request.form
    values = {name: form.get(name, "") for name in NOTICE_FIELDS}
    try:
        receipt = await reports.file_notice(
            rt, name=values["name"], email=values["email"], reasoning=values["reasoning"],
            location=values["location"], category=values["category"], good_faith=bool(values["good_faith"]))
    except BadRequest as e:
        return await _notice_form(values, error=e)
    return see_other(url_for("reports.notice_received", receipt=receipt))


@bp.get("/notice/<receipt>")
async def notice_received(receipt: str):
    rt = runtime.current()
    filing = await reports_store.filing_by_receipt(rt.db.reader, receipt[:40])
    if filing is None:
        raise NotFound("no notice has this reference", code="no_such_notice")
    return await render_template("notice_received.html", filing=filing)
