"""The report queue in the admin area: open and resolved reports with filters (/admin/reports), and
one report's page (/admin/reports/<id>): the content as reported, every filing, earlier reports and
actions against the same account, assignment, internal notes, resolve and reopen, forwarding."""

from __future__ import annotations

from urllib.parse import urlencode

from quart import render_template, request, url_for

from wecreate_fed import inputs, runtime
from wecreate_fed.errors import BadRequest, NotFound
from wecreate_fed.moderation import reports
from wecreate_fed.moderation.roles import By
from wecreate_fed.store import reports as reports_store

from . import forms
from .admin_pages import ADMIN_NAV, bp, require_moderator
from .common import me, notice, see_other

ADMIN_NAV.append(("admin.report_queue", "admin.nav.reports", "moderator"))
STATES = ("open", "resolved")
# The action form (moderation actions) takes the target and the report it answers.
ACTION_FORM = "/admin/actions/new"


def _by() -> By:
    viewer = me()
    return By(viewer.actor.id, viewer.actor.username or "")


@bp.get("/admin/reports")
@require_moderator
async def report_queue():
    rt = runtime.current()
    args = request.args
    state = args.get("state") if args.get("state") in STATES else "open"
    category = args.get("category") if args.get("category") in (*reports.CATEGORIES, "rule") else ""
    source = args.get("source") if args.get("source") in reports.SOURCES else ""
    before = inputs.whole_number(args.get("before"))
    items = await reports_store.listing(rt.db.reader, state=state, category=category, source=source, before_id=before)
    older = items[-1]["id"] if len(items) == reports_store.PAGE_SIZE else None
    counts = {s: await reports_store.count(rt.db.reader, s) for s in STATES}
    return await render_template("admin/reports.html", items=items, state=state, category=category, source=source,
                                 older=older, counts=counts, categories=reports.CATEGORIES, sources=reports.SOURCES)


async def _report_page(report_id: int, *, error: BadRequest | None = None, field_names=()):
    rt = runtime.current()
    conn = rt.db.reader
    report = await reports_store.get(conn, report_id)
    if report is None:
        raise NotFound(f"there is no report {report_id}", code="no_such_report")
    now = await reports.target_of(conn, report["target_ap_id"])
    errors = forms.field_errors(error, field_names) if error else {}
    return await render_template(
        "admin/report.html", report=report, filings=await reports_store.filings(conn, report_id),
        notes=await reports_store.notes(conn, report_id),
        earlier=await reports_store.earlier(conn, report["account_ap_id"], report_id),
        actions=await reports_store.actions_against(conn, report["account_ap_id"]),
        still_there=now is not None, remote=now is not None and not now.is_local, errors=errors,
        act_url=f"{ACTION_FORM}?{urlencode({'target': report['target_ap_id'], 'report': report_id})}",
    ), 400 if error else 200


@bp.get("/admin/reports/<int:report_id>")
@require_moderator
async def report_page(report_id: int):
    return await _report_page(report_id)


@bp.post("/admin/reports/<int:report_id>/assign")
@require_moderator
async def assign_report(report_id: int):
    form = await request.form
    await reports.assign(runtime.current(), report_id, _by(), me().actor.id if form.get("to") == "me" else None)
    notice("admin.report.assigned" if form.get("to") == "me" else "admin.report.unassigned")
    return see_other(url_for("admin.report_page", report_id=report_id))


async def _step(report_id: int, field: str, run, done_key: str):
    """Run one step of the report's form; its problems shown next to `field` on the report page."""
    try:
        await run()
    except BadRequest as e:
        return await _report_page(report_id, error=e, field_names=(field,))
    notice(done_key)
    return see_other(url_for("admin.report_page", report_id=report_id))


@bp.post("/admin/reports/<int:report_id>/notes")
@require_moderator
async def note_report(report_id: int):
    text = (await request.form).get("note", "")
    return await _step(report_id, "note", lambda: reports.add_note(runtime.current(), report_id, _by(), text),
                       "admin.report.noted")


@bp.post("/admin/reports/<int:report_id>/resolve")
@require_moderator
async def resolve_report(report_id: int):
    text = (await request.form).get("resolution", "")
    return await _step(report_id, "resolution", lambda: reports.resolve(runtime.current(), report_id, _by(), text),
                       "admin.report.resolved")


@bp.post("/admin/reports/<int:report_id>/reopen")
@require_moderator
async def reopen_report(report_id: int):
    return await _step(report_id, "", lambda: reports.reopen(runtime.current(), report_id, _by()),
                       "admin.report.reopened")


@bp.post("/admin/reports/<int:report_id>/forward")
@require_moderator
async def forward_report(report_id: int):
    text = (await request.form).get("forward_comment", "")
    return await _step(report_id, "forward_comment",
                       lambda: reports.forward(runtime.current(), report_id, _by(), text), "admin.report.forwarded")
