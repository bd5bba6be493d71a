"""Amendment pages: a motion's text with line numbers, its amendments (proposing, co-signing,
adopting, rejecting) and its final version; a box's motion book, printable and as a PDF.

Everything here is seen by whoever may see the motion's box (404 otherwise, as for its
motions); members propose and co-sign, the motion's author decides; the civic functions
(civic/boxes/amendments.py) decide each of these.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from datetime import date

from quart import Response, render_template, request, url_for

from wecreate_fed import runtime, urls
from wecreate_fed.civic import boxes
from wecreate_fed.civic.boxes import amendments
from wecreate_fed.errors import BadRequest, Conflict, NotFound, WeCreateError
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import motions as motion_store
from wecreate_fed.urls import PAGE_PATHS

from . import forms, motion_book_pdf
from .common import blueprint, login_required, me, notice, see_other, viewer

bp = blueprint("amendment_pages")
BOX, MOTION = PAGE_PATHS["box"], PAGE_PATHS["motion"]
FIELDS = ("first_line", "last_line", "replacement", "reason")
ALIASES = {"lines": "first_line"}
# The motion book stands alone as the printable motion does: one style block, allowed by its hash.
BOOK_STYLE = (
    "body{font:11pt/1.45 Georgia,serif;max-width:46em;margin:2em auto;padding:0 1em;color:#000}"
    "h1{font-size:18pt}h2{font-size:14pt;margin-top:2em}h3{font-size:12pt;margin-top:1.2em}"
    ".meta{color:#333}.pre{white-space:pre-wrap}ol.lines{list-style:none;padding:0;margin:0 0 1em}"
    "ol.lines li{display:grid;grid-template-columns:3.5em 1fr;white-space:pre-wrap}"
    "ol.lines li.gap{margin-bottom:.8em}.no{color:#555;text-align:right;padding-right:1em;font-size:9pt}"
    "del{color:#7a1010}ins{color:#0b4f2f;text-decoration:underline}.amendment{border-left:3px solid #888;"
    "padding-left:.8em;margin:1em 0}"
    "@media print{a{color:#000;text-decoration:none}section.motion{break-before:page}"
    "section.motion:first-of-type{break-before:auto}}")
BOOK_STYLE_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(BOOK_STYLE.encode()).digest()).decode() + "'"
BOOK_POLICY = f"default-src 'none'; style-src {BOOK_STYLE_HASH}"


def _motion_ap_id(key: str) -> str:
    return urls.motion_id(runtime.current().config, key)


def _page(key: str, anchor: str | None = None) -> str:
    return url_for("amendment_pages.amendments_page", key=key, _anchor=anchor)


async def _names(rt, ap_ids) -> dict:
    """ap_id → the actor we know (for links), or None."""
    found = {}
    for ap_id in set(ap_ids):
        found[ap_id] = await actors_store.get_actor_by_ap_id(rt.db.reader, ap_id)
    return found


def _lines_label(first: int, last: int) -> tuple[str, dict]:
    if last < first:
        return "amend.before_line", {"line": first}
    if first == last:
        return "amend.line", {"line": first}
    return "amend.lines", {"first": first, "last": last}


async def _view(rt, key: str, amended: amendments.Amended) -> dict:
    """What the amendment page and the motion book show of one motion."""
    looker = viewer()
    actor = looker.actor if looker else None
    signers = await motion_store.list_cosigners(rt.db.reader, amended.motion.id)
    people = await _names(rt, [amended.motion.created_by, *signers]
                          + [p.amendment.created_by for p in amended.amendments]
                          + [c for p in amended.amendments for c in p.cosigners])
    marks: dict[int, list[int]] = {}
    items = []
    for placed in amended.amendments:
        a = placed.amendment
        if placed.current and a.state != "rejected":
            for n in range(a.first_line, a.last_line + 1):
                marks.setdefault(n, []).append(a.number)
        items.append({
            "a": a, "current": placed.current, "cosigners": [people[c] or c for c in placed.cosigners],
            "proposer": people[a.created_by] or a.created_by,
            "signed": bool(actor and actor.ap_id in placed.cosigners),
            "label": _lines_label(a.first_line, a.last_line),
            "final_label": _lines_label(*placed.final_lines) if placed.final_lines else None,
            "page": f"{_page(key)}#a{a.number}",
        })
    motion = amended.motion
    return {
        "motion": motion, "box": amended.box, "key": key, "lines": amended.lines, "marks": marks, "entries": items,
        "final_lines": amended.final_lines, "author": people[motion.created_by] or motion.created_by,
        "motion_cosigners": [people[c] or c for c in signers],
        "has_adopted": any(p.amendment.state == "adopted" and p.current for p in amended.amendments),
        "motion_page": url_for("motion_pages.motion", key=key),
    }


async def _amendments_page(key: str, status: int = 200, *, form: dict | None = None,
                           error: WeCreateError | None = None, action_error: str | None = None):
    rt = runtime.current()
    looker = viewer()
    amended = await amendments.amended(rt, _motion_ap_id(key), looker.actor if looker else None)
    if amended.motion.hidden_at is not None and not (looker is not None and looker.is_moderator):
        raise NotFound("hidden by the moderators of this instance", code="hidden_by_moderation")
    role = await boxes.role_of(rt, amended.box, looker.actor if looker else None)
    errors = forms.field_errors(error, FIELDS, ALIASES) if error else {}
    return await render_template(
        "amendments.html", **await _view(rt, key, amended), role=role, errors=errors, form=form or {},
        is_author=bool(looker and looker.actor.ap_id == amended.motion.created_by),
        action_error=action_error, book_page=url_for("amendment_pages.motion_book", slug=amended.box.username),
    ), status


@bp.get(f"{MOTION}<key>/amendments")
async def amendments_page(key: str):
    return await _amendments_page(key)


def _form_data(form) -> dict:
    return {name: (form.get(name) or "").strip() if name != "replacement" else form.get(name) or ""
            for name in FIELDS}


@bp.post(f"{MOTION}<key>/amendments")
@login_required
async def propose(key: str):
    rt = runtime.current()
    data = _form_data(await request.form)
    try:
        amendment = await amendments.propose(rt, me().actor, _motion_ap_id(key), data)
    except BadRequest as e:
        return await _amendments_page(key, 400, form=data, error=e)
    except Conflict as e:
        return await _amendments_page(key, 409, form=data, action_error=" ".join(forms.page_messages(e)))
    notice("amend.notice_proposed", number=amendment.number)
    return see_other(_page(key, f"a{amendment.number}"))


def _amendment_ap_id(key: str, number: int) -> str:
    return urls.amendment_id(runtime.current().config, key, number)


async def _act(key: str, number: int, act, done: str):
    """One button on an amendment: its notice, or the page again with why it could not be done."""
    try:
        await act(runtime.current(), me().actor, _amendment_ap_id(key, number))
    except Conflict as e:
        return await _amendments_page(key, 409, action_error=" ".join(forms.page_messages(e)))
    notice(done, number=number)
    return see_other(_page(key, f"a{number}"))


@bp.post(f"{MOTION}<key>/amendments/<int:number>/cosign")
@login_required
async def cosign(key: str, number: int):
    return await _act(key, number, amendments.cosign, "amend.notice_cosigned")


@bp.post(f"{MOTION}<key>/amendments/<int:number>/withdraw")
@login_required
async def withdraw(key: str, number: int):
    return await _act(key, number, amendments.withdraw_cosignature, "amend.notice_withdrawn")


@bp.post(f"{MOTION}<key>/amendments/<int:number>/adopt")
@login_required
async def adopt(key: str, number: int):
    async def act(rt, actor, ap_id):
        return await amendments.decide(rt, actor, ap_id, adopt=True)
    return await _act(key, number, act, "amend.notice_adopted")


@bp.post(f"{MOTION}<key>/amendments/<int:number>/reject")
@login_required
async def reject(key: str, number: int):
    async def act(rt, actor, ap_id):
        return await amendments.decide(rt, actor, ap_id, adopt=False)
    return await _act(key, number, act, "amend.notice_rejected")


@bp.post(f"{MOTION}<key>/amendments/final")
@login_required
async def take_over_final(key: str):
    try:
        revision = await amendments.take_over_final(runtime.current(), me().actor, _motion_ap_id(key))
    except Conflict as e:
        return await _amendments_page(key, 409, action_error=" ".join(forms.page_messages(e)))
    notice("amend.notice_final", n=revision)
    return see_other(url_for("motion_pages.motion", key=key))


# --- the motion book ----------------------------------------------------------------------------

async def _book(slug: str) -> dict:
    """Every motion of a box the viewer may see, oldest first, each with its amendments (404 where hidden)."""
    rt = runtime.current()
    looker = viewer()
    box, record = await boxes.local_box(rt, slug)
    await boxes.require_view(rt, box, record, looker.actor if looker else None)
    moderator = looker is not None and looker.is_moderator
    found = [m for m in reversed(await motion_store.list_motions(rt.db.reader, box.ap_id))
             if m.hidden_at is None or moderator]
    motions = []
    for n, motion in enumerate(found, start=1):
        local = urls.parse(rt.config, motion.ap_id)
        key = local.key if local else motion.ap_id
        view = await _view(rt, key, await amendments.amended_motion(rt, motion, box))
        motions.append({**view, "number": n})
    return {"box": box, "motions": motions, "city": rt.config.city_name, "now_date": date.today().isoformat()}


@bp.get(f"{BOX}<slug>/motions/book")
async def motion_book(slug: str):
    page = await render_template("motion_book.html", style=BOOK_STYLE, **await _book(slug))
    response = Response(page, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = BOOK_POLICY
    return response


@bp.get(f"{BOX}<slug>/motions/book.pdf")
async def motion_book_file(slug: str):
    book = await _book(slug)
    body = await asyncio.to_thread(motion_book_pdf.render, book)  # a long book: off the event loop
    response = Response(body, content_type="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="antragsbuch-{slug}.pdf"'
    return response
