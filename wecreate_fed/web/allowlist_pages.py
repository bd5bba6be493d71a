"""The allowlist of private instance mode in the admin pages (/admin/allowlist): the servers this
instance federates with, added and removed by admins (moderation/allowlist.py; in force at once)."""

from __future__ import annotations

from quart import render_template, request, url_for

from wecreate_fed import runtime
from wecreate_fed.errors import WeCreateError
from wecreate_fed.moderation import allowlist, roles

from . import forms
from .admin_pages import ADMIN_NAV, require_admin
from .common import _, blueprint, me, notice, see_other

bp = blueprint("allowlist")

ADMIN_NAV.append(("allowlist.admin_allowlist", "private.nav.allowlist", "admin"))

FIELDS = ("domain", "comment")
# Codes of moderation.allowlist with texts of this part (the others are the forms' own: required, too_long).
OWN_CODES = ("allow_domain", "allow_in_config", "not_allowed")


def _by() -> roles.By:
    v = me()
    return roles.By(v.actor.id, v.actor.username or "")


def _errors(error: WeCreateError) -> dict:
    """field -> text: this part's codes by its own keys, the rest as every form shows them."""
    own = {p.field or "domain": _(f"private.allowlist.error.{p.code}", **p.params)
           for p in error.problems if p.code in OWN_CODES}
    return {**forms.field_errors(error, FIELDS), **own} if len(own) < len(error.problems) else own


async def _page(*, form: dict | None = None, error: WeCreateError | None = None):
    rt = runtime.current()
    html = await render_template("admin/allowlist.html", entries=allowlist.entries(rt), private=rt.config.private,
                                 form=form or {"domain": "", "comment": ""},
                                 errors=_errors(error) if error else {})
    return html, error.status if error else 200


@bp.get("/admin/allowlist")
@require_admin
async def admin_allowlist():
    return await _page()


@bp.post("/admin/allowlist")
@require_admin
async def add_allowed():
    data = await request.form
    form = {"domain": data.get("domain", "")[:300], "comment": data.get("comment", "")}
    try:
        entry, added = await allowlist.add(runtime.current(), form["domain"], comment=form["comment"], by=_by())
    except WeCreateError as e:
        return await _page(form=form, error=e)
    notice("private.allowlist.added" if added else "private.allowlist.already", domain=entry.domain)
    return see_other(url_for("allowlist.admin_allowlist"))


@bp.post("/admin/allowlist/remove")
@require_admin
async def remove_allowed():
    data = await request.form
    try:
        dropped = await allowlist.remove(runtime.current(), data.get("domain", ""), by=_by())
    except WeCreateError as e:
        return await _page(error=e)
    name = allowlist.normalise(data.get("domain", ""))
    notice("private.allowlist.removed_dropped" if dropped else "private.allowlist.removed", domain=name, n=dropped)
    return see_other(url_for("allowlist.admin_allowlist"))
