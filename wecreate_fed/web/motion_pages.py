"""Motion pages: drafting a motion in a box, its page (text, co-signers, answers of the council,
revisions), editing with a Markdown preview, co-signing, submitting, the printable version;
and the council's page, where an organisation that received motions answers them.

Motions are seen by whoever may see their box (a private box's only by its members); members
draft, edit, co-sign and submit; the civic functions decide each of these.
"""

from __future__ import annotations

import base64
import hashlib

from quart import Response, render_template, request, url_for

from actors.requests import signed_fetcher
from wecreate_fed import runtime, sanitize, urls
from wecreate_fed.civic import boxes, motions
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, NotFound, WeCreateError
from wecreate_fed.urls import PAGE_PATHS

from . import box_views, forms, security
from .common import blueprint, login_required, me, notice, see_other, viewer

bp = blueprint("motion_pages")
BOX, MOTION = PAGE_PATHS["box"], PAGE_PATHS["motion"]

MOTION_FIELDS = ("title", "request", "reasoning", "council", "district", "required_cosigners")
MOTION_ALIASES = {"districts": "district", "district_ap_id": "district", "council_other": "council",
                  "council_ap_id": "council"}
# The printable page stands alone: its one style block is allowed by its hash, nothing else loads.
PRINT_STYLE = ("body{font:12pt/1.5 Georgia,serif;max-width:40em;margin:2em auto;color:#000}"
               "h1{font-size:18pt}h2{font-size:13pt;margin-top:1.5em}.meta{color:#333}"
               "@media print{a{color:#000;text-decoration:none}}")
PRINT_STYLE_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(PRINT_STYLE.encode()).digest()).decode() + "'"
PRINT_POLICY = f"default-src 'none'; style-src {PRINT_STYLE_HASH}"


def _motion_data(form) -> dict:
    data = {name: (form.get(name) or "").strip() for name in ("title", "request", "reasoning", "district")}
    data["required_cosigners"] = (form.get("required_cosigners") or "").strip() or "0"
    data["council"] = (form.get("council_other") or "").strip() or (form.get("council") or "").strip()
    return data


def _previews(data: dict) -> dict:
    return {name: sanitize.markdown_to_html(data.get(name, "")) for name in ("request", "reasoning")}


async def _motion_form(values: dict, *, box, error: WeCreateError | None = None, previews: dict | None = None,
                       key: str | None = None, motion=None, revisions=()):
    rt = runtime.current()
    action = (url_for("motion_pages.edit_motion", key=key) if key
              else url_for("motion_pages.draft_motion", slug=box.username))
    errors = forms.field_errors(error, MOTION_FIELDS, MOTION_ALIASES) if error else {}
    return await render_template("motion_form.html", form=values, action=action, box=box, errors=errors,
                                 previews=previews or {}, motion=motion, revisions=revisions, key=key,
                                 councils=await box_views.councils(rt)), 400 if error else 200


async def _member_box(slug: str):
    """The box a motion is drafted in: 404 where it is hidden, 403 for non-members."""
    rt = runtime.current()
    box = await box_views.visible_box(rt, slug, me())
    if await boxes.role_of(rt, box, me().actor) is None:
        raise Forbidden("only members of this box may do that", code="members_only")
    return rt, box


@bp.get(f"{BOX}<slug>/motions/new")
@login_required
async def new_motion(slug: str):
    _rt, box = await _member_box(slug)
    return await _motion_form({"district": me().district_slug or "", "required_cosigners": 0}, box=box)


@bp.post(f"{BOX}<slug>/motions/new")
@login_required
async def draft_motion(slug: str):
    rt, box = await _member_box(slug)
    form = await request.form
    data = _motion_data(form)
    if form.get("action") == "preview":
        return await _motion_form(data, box=box, previews=_previews(data))
    try:
        ap_id = await motions.draft(rt, me().actor, slug, data)
    except BadRequest as e:
        return await _motion_form(data, box=box, error=e)
    notice("notice.motion_drafted")
    return see_other(box_views.motion_page_url(rt, ap_id))


# --- one motion ---------------------------------------------------------------------------------

def _motion_url(key: str, anchor: str | None = None) -> str:
    return url_for("motion_pages.motion", key=key, _anchor=anchor)


async def _motion_page(key: str, status: int = 200, **extra):
    rt = runtime.current()
    data = await box_views.motion_page(rt, key, viewer())
    looker = viewer()
    if data["motion"].hidden_at is not None and not (looker is not None and looker.is_moderator):
        raise NotFound("hidden by the moderators of this instance", code="hidden_by_moderation")
    return await render_template("motion.html", **data, **extra), status


@bp.get(f"{MOTION}<key>")
async def motion(key: str):
    return await _motion_page(key)


async def _editable(key: str) -> dict:
    """A motion a member may edit: 404 where hidden, 403 for non-members, 409 once submitted."""
    data = await box_views.motion_page(runtime.current(), key, viewer())
    if data["role"] is None:
        raise Forbidden("only members of this box may do that", code="members_only")
    if data["motion"].state != "draft":
        raise Conflict("a submitted motion can no longer be changed", code="motion_submitted")
    return data


@bp.get(f"{MOTION}<key>/edit")
@login_required
async def edit_motion_form(key: str):
    rt = runtime.current()
    data = await _editable(key)
    return await _motion_form(box_views.motion_form_values(rt, data["motion"]), box=data["box"], key=key,
                              motion=data["motion"], revisions=data["revisions"])


@bp.post(f"{MOTION}<key>/edit")
@login_required
async def edit_motion(key: str):
    rt = runtime.current()
    data = await _editable(key)
    form = await request.form
    values = _motion_data(form)
    common = {"box": data["box"], "key": key, "motion": data["motion"], "revisions": data["revisions"]}
    if form.get("action") == "preview":
        return await _motion_form(values, previews=_previews(values), **common)
    try:
        revision = await motions.edit(rt, me().actor, data["motion"].ap_id, values)
    except BadRequest as e:
        return await _motion_form(values, error=e, **common)
    notice("notice.motion_saved", n=revision)
    return see_other(_motion_url(key))


@bp.post(f"{MOTION}<key>/cosign")
@login_required
async def cosign(key: str):
    rt = runtime.current()
    try:
        await motions.cosign(rt, me().actor, await _visible_motion(key))
        notice("notice.cosigned")
    except Conflict:
        notice("notice.cosign_closed")
    return see_other(_motion_url(key, "cosigners"))


@bp.post(f"{MOTION}<key>/withdraw")
@login_required
async def withdraw(key: str):
    rt = runtime.current()
    try:
        await motions.withdraw_cosignature(rt, me().actor, await _visible_motion(key))
        notice("notice.cosignature_withdrawn")
    except (Conflict, NotFound):
        pass  # submitted meanwhile, or never signed: the page shows how things are
    return see_other(_motion_url(key, "cosigners"))


@bp.post(f"{MOTION}<key>/submit")
@login_required
async def submit(key: str):
    rt = runtime.current()
    ap_id = await _visible_motion(key)
    try:
        await motions.submit(rt, me().actor, ap_id)
    except BadRequest as e:
        return await _motion_page(key, status=400, submit_error=" ".join(forms.texts(e, ("council", "cosigners"))))
    except Conflict:
        notice("notice.motion_already_submitted")
        return see_other(_motion_url(key))
    notice("notice.motion_submitted")
    return see_other(_motion_url(key))


async def _visible_motion(key: str) -> str:
    """The motion's id, if the viewer may see it (404 otherwise, as for its box)."""
    data = await box_views.motion_page(runtime.current(), key, viewer())
    return data["motion"].ap_id


# --- the printable version ---------------------------------------------------------------------

@bp.get(f"{MOTION}<key>/print")
async def printable(key: str):
    """The clean page for print and post, for whoever may see the motion (members of a private box)."""
    rt = runtime.current()
    data = await box_views.motion_page(rt, key, viewer())
    policy = security.content_security_policy(rt).replace("style-src 'self'", f"style-src 'self' {PRINT_STYLE_HASH}")
    return await _print_page(rt, data["data"], policy)


@bp.get(f"{urls.ID_PATHS['motion']}<key>/print")
async def printable_for_servers(key: str):
    """The same page by the motion's id, for a signed fetch (a member on another server; public boxes: anyone)."""
    rt = runtime.current()
    data = await motions.view(rt, urls.motion_id(rt.config, key), await signed_fetcher(rt))
    return await _print_page(rt, data, PRINT_POLICY)


async def _print_page(rt, data: dict, policy: str) -> Response:
    page = await render_template("motion_print.html", style=PRINT_STYLE, **box_views.print_view(rt, data))
    response = Response(page, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = policy
    return response


# --- the council's side ------------------------------------------------------------------------

def _council():
    """The viewer, if an organisation (a council answers as itself)."""
    actor = me().actor
    if actor.type != "Organization":
        raise Forbidden("this page is for organisations that receive motions", code="organisations_only")
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
        raise BadRequest("the form names no motion", field="motion", code="required")
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
    except BadRequest as e:
        aliases = {"date": "session_date", "agenda_date": "session_date", "name": "session_name"}
        return await _council_page(400, {ap_id: " ".join(forms.texts(e, ("session_date", "session_name"), aliases))})
    except Conflict:
        notice("notice.already_decided")
    else:
        notice("notice.put_on_agenda")
    return see_other(url_for("motion_pages.council"))


@bp.post("/council/decide")
@login_required
async def decide():
    rt = runtime.current()
    form = await request.form
    ap_id = _received(form)
    decision = form.get("decision")
    try:
        if decision not in ("accepted", "rejected"):
            raise BadRequest("the decision must be accepted or rejected", field="decision",
                             code="decision_required")
        await motions.decide(rt, _council(), ap_id, accepted=decision == "accepted", text=form.get("text", ""))
    except BadRequest as e:
        return await _council_page(400, {ap_id: " ".join(forms.texts(e, ("decision", "text")))})
    except Conflict:
        notice("notice.already_decided")
    else:
        notice("notice.decided")
    return see_other(url_for("motion_pages.council"))
