"""Domain policy in the website: the admins' page (/admin/domains: list, add or change, remove,
import and export in Mastodon's CSV format) and the public list of moderated servers
(/about/moderation, and Mastodon's /api/v1/instance/domain_blocks for other software)."""

from __future__ import annotations

import hashlib

from quart import Response, render_template, request, url_for

from wecreate_fed import runtime
from wecreate_fed.domainpolicy import SEVERITIES, DomainPolicy
from wecreate_fed.errors import BadRequest, WeCreateError
from wecreate_fed.moderation import domain_csv, domains, roles

from . import forms
from .admin_pages import ADMIN_NAV, require_admin
from .common import blueprint, me, notice, see_other

bp = blueprint("domains")

ADMIN_NAV.append(("domains.admin_domains", "admin.nav.domains", "admin"))

FIELDS = ("domain", "severity", "public_comment", "private_comment", "file")
UPLOAD_MAX = domain_csv.MAX_BYTES
# Mastodon's words on the public API (our "limit" is its "silence").
API_SEVERITY = {"limit": "silence", "suspend": "suspend", "noop": "noop"}


def _by() -> roles.By:
    v = me()
    return roles.By(v.actor.id, v.actor.username or "")


def _form_of(policy: DomainPolicy | None) -> dict:
    if policy is None:
        return {"domain": "", "severity": "suspend", "public_comment": "", "private_comment": ""}
    return {"domain": policy.domain, "severity": policy.severity, "reject_media": policy.reject_media,
            "reject_reports": policy.reject_reports, "public_comment": policy.public_comment,
            "private_comment": policy.private_comment, "obfuscate": policy.obfuscate}


async def _page(*, form: dict | None = None, error: WeCreateError | None = None, import_errors=None,
                status: int | None = None):
    rt = runtime.current()
    errors = forms.field_errors(error, FIELDS) if error else {}
    editing = request.args.get("edit", "")[:260]
    if form is None:
        policy = rt.domains.policy_of(editing) if editing else None
        form = _form_of(policy if policy is not None and policy.domain == editing and not policy.from_config else None)
    html = await render_template("admin/domains.html", policies=rt.domains.all(), form=form, errors=errors,
                                 severities=SEVERITIES, import_errors=import_errors or [])
    return html, status or (400 if error or import_errors else 200)


@bp.get("/admin/domains")
@require_admin
async def admin_domains():
    return await _page()


@bp.post("/admin/domains")
@require_admin
async def save_domain():
    rt = runtime.current()
    data = await request.form
    form = {name: data.get(name, "") for name in ("domain", "severity", "public_comment", "private_comment")}
    form.update({flag: bool(data.get(flag)) for flag in ("reject_media", "reject_reports", "obfuscate")})
    try:
        policy = domains.make_policy(form["domain"], form["severity"], reject_media=form["reject_media"],
                                     reject_reports=form["reject_reports"], public_comment=form["public_comment"],
                                     private_comment=form["private_comment"], obfuscate=form["obfuscate"])
        await domains.set_policy(rt, policy, by=_by())
    except BadRequest as e:
        return await _page(form=form, error=e)
    except WeCreateError as e:  # the domain is in the configuration (409)
        return await _page(form=form, error=e, status=e.status)
    notice("admin.domains.saved", domain=policy.domain)
    return see_other(url_for("domains.admin_domains"))


@bp.post("/admin/domains/remove")
@require_admin
async def remove_domain():
    data = await request.form
    before = await domains.remove(runtime.current(), data.get("domain", ""), by=_by())
    notice("admin.domains.removed", domain=before.domain)
    return see_other(url_for("domains.admin_domains"))


@bp.post("/admin/domains/import")
@require_admin
async def import_domains():
    rt = runtime.current()
    upload = (await request.files).get("file")
    if upload is None or not upload.filename:
        return await _page(error=BadRequest("choose a CSV file", field="file", code="required"))
    raw = upload.read(UPLOAD_MAX + 1)
    try:
        text = raw.decode("utf-8")
        read, changed = await domain_csv.import_text(rt, text, by=_by())
    except UnicodeDecodeError:
        return await _page(error=BadRequest("the file is not UTF-8 text", field="file", code="csv_encoding"))
    except BadRequest as e:
        if any(p.code == "csv_row" for p in e.problems):
            return await _page(import_errors=e.problems)
        return await _page(error=e)
    notice("admin.domains.imported", read=read, changed=changed)
    return see_other(url_for("domains.admin_domains"))


@bp.get("/admin/domains/export.csv")
@require_admin
async def export_domains():
    text = domain_csv.export(runtime.current().domains.stored())
    return Response(text, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="domain_blocks.csv"'})


# --- public ------------------------------------------------------------------------------

def _public(rt) -> list[DomainPolicy]:
    """What the public list shows: every policy that does something (noop with a flag too)."""
    return [p for p in rt.domains.all() if p.severity != "noop" or p.reject_media or p.reject_reports]


@bp.get("/about/moderation")
async def moderated_servers():
    return await render_template("moderated_servers.html", policies=_public(runtime.current()))


@bp.get("/api/v1/instance/domain_blocks")
async def domain_blocks_api():
    """Mastodon's shape: domain (obfuscated where asked), its SHA-256 digest, severity, public comment."""
    items = [{"domain": p.public_domain, "digest": hashlib.sha256(p.domain.encode()).hexdigest(),
              "severity": API_SEVERITY[p.severity], "comment": p.public_comment or None}
             for p in _public(runtime.current())]
    return items, 200, {"Cache-Control": "public, max-age=300"}
