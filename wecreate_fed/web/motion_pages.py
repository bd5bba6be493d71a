"""Motion pages: drafting a motion in a box, its page (text, co-signers, answers of the council,
revisions), editing with a Markdown preview, co-signing, submitting, the printable version;
and the council's page, where an organisation that received motions answers them.

Motions are seen by whoever may see their box (a private box's only by its members); members
draft, edit, co-sign and submit; the civic functions decide each of these.
"""

from __future__ import annotations

import base64
import hashlib
import re

from quart import Response, render_template, request

from wecreate_fed import runtime, sanitize
from wecreate_fed.civic import boxes, motions
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, NotFound

from . import box_views, forms, security
from .common import _, blueprint, login_required, notice, see_other, viewer

bp = blueprint("motion_pages")

INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


def _motion_data(form) -> dict:
    data = {name: (form.get(name) or "").strip() for name in ("title", "request", "reasoning", "district")}
    data["required_cosigners"] = (form.get("required_cosigners") or "").strip() or "0"
    data["council"] = (form.get("council_other") or "").strip() or (form.get("council") or "").strip()
    return data


def _previews(data: dict) -> dict:
    return {name: sanitize.markdown_to_html(data.get(name, "")) for name in ("request", "reasoning")}


async def _motion_form(values: dict, *, action: str, box, errors: dict, previews: dict | None = None,
                       status: int = 200, motion=None, revisions=()):
    rt = runtime.current()
    return await render_template("motion_form.html", form=values, action=action, box=box, errors=errors,
                                 previews=previews or {}, motion=motion, revisions=revisions,
                                 councils=await box_views.councils(rt)), status


async def _member_box(slug: str):
    """The box a motion is drafted in: 404 where it is hidden, 403 for non-members."""
    rt = runtime.current()
    box = await box_views.visible_box(rt, slug, viewer())
    if await boxes.role_of(rt, box, viewer().actor) is None:
        raise Forbidden(_("box.members_only"))
    return rt, box


@bp.get("/b/<slug>/motions/new")
@login_required
async def new_motion(slug: str):
    _rt, box = await _member_box(slug)
    values = {"district": viewer().district_slug or "", "required_cosigners": 0}
    return await _motion_form(values, action=f"/b/{slug}/motions/new", box=box, errors={})


@bp.post("/b/<slug>/motions/new")
@login_required
async def draft_motion(slug: str):
    rt, box = await _member_box(slug)
    form = await request.form
    data = _motion_data(form)
    action = f"/b/{slug}/motions/new"
    if form.get("action") == "preview":
        return await _motion_form(data, action=action, box=box, errors={}, previews=_previews(data))
    try:
        ap_id = await motions.draft(rt, viewer().actor, slug, data)
    except BadRequest as e:
        return await _motion_form(data, action=action, box=box, errors=forms.field_errors(e, _, "district"),
                                  status=400)
    notice("notice.motion_drafted")
    return see_other(box_views.motion_page_url(rt, ap_id))


# --- one motion ---------------------------------------------------------------------------------

async def _motion_page(key: str, status: int = 200, **extra):
    rt = runtime.current()
    data = await box_views.motion_page(rt, key, viewer())
    return await render_template("motion.html", **data, **extra), status


@bp.get("/m/<key>")
async def motion(key: str):
    return await _motion_page(key)


async def _editable(key: str) -> dict:
    """A motion a member may edit: 404 where hidden, 403 for non-members, 409 once submitted."""
    data = await box_views.motion_page(runtime.current(), key, viewer())
    if data["role"] is None:
        raise Forbidden(_("box.members_only"))
    if data["motion"].state != "draft":
        raise Conflict(_("motion.no_longer_editable"))
    return data


@bp.get("/m/<key>/edit")
@login_required
async def edit_motion_form(key: str):
    rt = runtime.current()
    data = await _editable(key)
    return await _motion_form(box_views.motion_form_values(rt, data["motion"]), action=f"/m/{key}/edit",
                              box=data["box"], errors={}, motion=data["motion"], revisions=data["revisions"])


@bp.post("/m/<key>/edit")
@login_required
async def edit_motion(key: str):
    rt = runtime.current()
    data = await _editable(key)
    form = await request.form
    values = _motion_data(form)
    common = {"action": f"/m/{key}/edit", "box": data["box"], "motion": data["motion"],
              "revisions": data["revisions"]}
    if form.get("action") == "preview":
        return await _motion_form(values, errors={}, previews=_previews(values), **common)
    try:
        revision = await motions.edit(rt, viewer().actor, data["motion"].ap_id, values)
    except BadRequest as e:
        return await _motion_form(values, errors=forms.field_errors(e, _, "district"), status=400, **common)
    notice("notice.motion_saved", n=revision)
    return see_other(f"/m/{key}")


@bp.post("/m/<key>/cosign")
@login_required
async def cosign(key: str):
    rt = runtime.current()
    try:
        await motions.cosign(rt, viewer().actor, await _visible_motion(key))
        notice("notice.cosigned")
    except Conflict:
        notice("notice.cosign_closed")
    return see_other(f"/m/{key}#cosigners")


@bp.post("/m/<key>/withdraw")
@login_required
async def withdraw(key: str):
    rt = runtime.current()
    try:
        await motions.withdraw_cosignature(rt, viewer().actor, await _visible_motion(key))
        notice("notice.cosignature_withdrawn")
    except (Conflict, NotFound):
        pass  # submitted meanwhile, or never signed: the page shows how things are
    return see_other(f"/m/{key}#cosigners")


@bp.post("/m/<key>/submit")
@login_required
async def submit(key: str):
    rt = runtime.current()
    ap_id = await _visible_motion(key)
    try:
        await motions.submit(rt, viewer().actor, ap_id)
    except BadRequest as e:
        problems = forms.field_errors(e, _)
        return await _motion_page(key, status=400, submit_error=" ".join(problems.values()))
    except Conflict:
        notice("notice.motion_already_submitted")
        return see_other(f"/m/{key}")
    notice("notice.motion_submitted")
    return see_other(f"/m/{key}")


async def _visible_motion(key: str) -> str:
    """The motion's id, if the viewer may see it (404 otherwise, as for its box)."""
    data = await box_views.motion_page(runtime.current(), key, viewer())
    return data["motion"].ap_id


@bp.get("/m/<key>/print")
async def printable(key: str):
    """The clean page for print and post, for whoever may see the motion (members of a private box)."""
    rt = runtime.current()
    data = await box_views.motion_page(rt, key, viewer())
    html = motions.printable(rt.config, data["data"])
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = _policy_for_inline_styles(rt, html)
    return response


def _policy_for_inline_styles(rt, html: str) -> str:
    """The site's policy, allowing exactly the inline style blocks of this page (by their hashes)."""
    hashes = " ".join("'sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode() + "'"
                      for style in INLINE_STYLE.findall(html))
    policy = security.content_security_policy(rt)
    return policy.replace("style-src 'self'", f"style-src 'self' {hashes}") if hashes else policy


# --- the council's side ------------------------------------------------------------------------

def _council():
    """The viewer, if an organisation (a council answers as itself)."""
    actor = viewer().actor
    if actor.type != "Organization":
        raise Forbidden(_("council.organisations_only"))
    return actor


async def _council_page(status: int = 200, errors: dict | None = None):
    rt = runtime.current()
    items = await box_views.council_page(rt, _council())
    return await render_template("council.html", items=items, errors=errors or {}), status


@bp.get("/council")
@login_required
async def council():
    return await _council_page()


def _received(form) -> str:
    ap_id = (form.get("motion") or "").strip()
    if not ap_id.startswith(("https://", "http://")):
        raise BadRequest("which motion?")
    return ap_id


@bp.post("/council/agenda")
@login_required
async def put_on_agenda():
    rt = runtime.current()
    form = await request.form
    ap_id = _received(form)
    try:
        await motions.put_on_agenda(rt, _council(), ap_id, (form.get("session_date") or "").strip(),
                                    form.get("session_name", ""))
    except BadRequest:
        return await _council_page(400, {ap_id: _("council.date_invalid")})
    notice("notice.put_on_agenda")
    return see_other("/council")


@bp.post("/council/decide")
@login_required
async def decide():
    rt = runtime.current()
    form = await request.form
    ap_id = _received(form)
    decision = form.get("decision")
    if decision not in ("accepted", "rejected"):
        return await _council_page(400, {ap_id: _("council.choose_decision")})
    try:
        await motions.decide(rt, _council(), ap_id, accepted=decision == "accepted", text=form.get("text", ""))
    except Conflict:
        notice("notice.already_decided")
        return see_other("/council")
    notice("notice.decided")
    return see_other("/council")
