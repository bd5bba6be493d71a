"""A person's data and the end of their account: /settings/export (what the ZIP holds, and the
download) and /settings/delete (the export offered first, what is deleted at once and what after
the grace period, then the password to confirm).

The download is a POST (it carries the CSRF token, so another site cannot make a browser build
exports), answered with the ZIP streamed from its temporary file, only ever to the logged-in owner.
"""

from __future__ import annotations

import os

from quart import Response, g, render_template, request, session, url_for

from wecreate_fed import runtime
from wecreate_fed.civic import accounts as civic_accounts
from wecreate_fed.civic import export as civic_export
from wecreate_fed.errors import BadRequest, TooManyRequests

from . import forms, views
from .common import _, blueprint, login_required, me, notice, see_other

bp = blueprint("export_pages")
READ = 64 * 1024


@bp.get("/settings/export")
@login_required
async def export_form():
    return await _export_page()


async def _export_page(message: str | None = None, status: int = 200):
    return await render_template("settings_export.html", message=message,
                                 per_hour=runtime.current().config.accounts_exports_per_hour), status


@bp.post("/settings/export")
@login_required
async def download():
    rt, viewer = runtime.current(), me()
    try:
        file = await civic_export.export(rt, viewer.actor, g.lang)
    except TooManyRequests as e:
        seconds = int(e.params.get("seconds", 60))
        g.retry_after = seconds  # ratelimit.add_retry_after puts it in the header
        text = _("export.busy") if e.code == "export_busy" else _("export.too_many", seconds=seconds)
        return await _export_page(text, 429)
    size = os.fstat(file.fileno()).st_size

    async def chunks():
        try:
            while data := file.read(READ):
                yield data
        finally:
            file.close()

    response = Response(chunks(), mimetype="application/zip")
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = f'attachment; filename="{civic_export.filename(viewer.actor)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/settings/delete")
@login_required
async def delete_form():
    return await _delete_page()


async def _delete_page(error: BadRequest | None = None):
    errors = forms.field_errors(error, ("delete_password",)) if error else {}
    grace = runtime.current().config.accounts_deletion_grace_days
    return await render_template("settings_delete.html", errors=errors, grace_days=grace,
                                 grace_whole=int(grace) if grace == int(grace) else grace), 400 if error else 200


@bp.post("/settings/delete")
@login_required
async def delete():
    try:
        await civic_accounts.delete_account(runtime.current(), me().actor,
                                            (await request.form).get("delete_password", ""))
    except BadRequest as e:
        return await _delete_page(e)
    await views.ideas_changed(runtime.current())
    session.clear()
    notice("notice.account_deleted")
    return see_other(url_for("ideas.marketplace_home"))
