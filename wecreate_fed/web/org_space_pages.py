"""The pages of an organisation space, for its members only: the home (announcements, next internal
events, working groups, internal drafts), the member directory with each member's own skills, the
internal calendar, the internal drafts, and the board's forms (announcements, pins, new working groups).

Anyone else, logged in or not, gets 404 on every page and form here (civic/orgs/space.py decides),
never 403 and never a login redirect that would tell a space from no space. Each logged-in
member finds their spaces in the account menu (`viewer_spaces`).
"""

from __future__ import annotations

from quart import g, has_request_context, render_template, request, url_for

from wecreate_fed import runtime
from wecreate_fed.civic import audience
from wecreate_fed.civic.orgs import groups, pins, space
from wecreate_fed.errors import BadRequest, Conflict
from wecreate_fed.urls import PAGE_PATHS

from . import box_views, forms, views
from .common import blueprint, login_required, notice, see_other, viewer

bp = blueprint("org_space_pages")
SPACE = f"{PAGE_PATHS['user']}<username>/space"
ROLE_KEYS = {"admin": "orgspace.role_admin", "board": "orgspace.role_board", "member": "orgspace.role_member"}
ANNOUNCE_FIELDS, ANNOUNCE_ALIASES = ("announce-text", "announce-audience"), {"text": "announce-text",
                                                                            "audience": "announce-audience"}
SKILL_FIELDS = ("skills",)
GROUP_FIELDS = ("name", "slug", "summary", "purpose", "meeting_time", "meeting_place")


@bp.app_context_processor
async def spaces_of_viewer() -> dict:
    """The spaces the logged-in person belongs to, for the account menu on every page."""
    if not has_request_context() or g.get("viewer") is None:
        return {"viewer_spaces": []}
    return {"viewer_spaces": await audience.organisations_of(runtime.current(), g.viewer.actor)}


async def _space(username: str) -> space.Space:
    found = viewer()
    return await space.space_of(runtime.current(), username, found.actor if found else None)


def _common(found: space.Space, section: str) -> dict:
    return {"org": found.org, "role": found.role, "role_key": ROLE_KEYS[found.role], "is_board": found.is_board,
            "section": section, "username": found.org.username}


def _events(rt, rows) -> list[dict]:
    return [views.events_summary(rt, e) for e in rows]


def _drafts(rt, rows) -> list[dict]:
    return [{"idea": idea, "author": author, "page": views.page_url(rt, "idea", idea.ap_id)} for idea, author in rows]


def _groups(items) -> list[dict]:
    return [{**g, "page": box_views.box_page_url(g["box"])} for g in items]


async def _home(found: space.Space, status: int = 200, **extra):
    rt = runtime.current()
    data = await space.home(rt, found)
    context = {"announce_errors": {}, "announce_text": "", "announce_audience": pins.MEMBERS, **extra}
    return await render_template(
        "org_space.html", **_common(found, "home"), announcements=data["announcements"],
        events=_events(rt, data["events"]), groups=_groups(data["groups"]), drafts=_drafts(rt, data["drafts"]),
        audiences=pins.AUDIENCES, **context), status


@bp.get(SPACE)
async def home(username: str):
    return await _home(await _space(username))


@bp.post(f"{SPACE}/announcements")
@login_required
async def announce(username: str):
    found = await _space(username)
    form = await request.form
    try:
        await pins.announce(runtime.current(), found, form.get("text"), form.get("audience"))
    except BadRequest as e:
        return await _home(found, 400, announce_errors=forms.field_errors(e, ANNOUNCE_FIELDS, ANNOUNCE_ALIASES),
                           announce_text=form.get("text", ""), announce_audience=form.get("audience", ""))
    notice("orgspace.notice_announced")
    return see_other(url_for("org_space_pages.home", username=username, _anchor="announcements"))


@bp.post(f"{SPACE}/pins")
@login_required
async def set_pinned(username: str):
    found = await _space(username)
    form = await request.form
    pinned = form.get("pinned") == "1"
    try:
        await pins.set_pinned(runtime.current(), found, (form.get("announcement") or "").strip(), pinned)
    except Conflict:
        pass  # pinned (or unpinned) already, in another tab: the page shows how it is
    else:
        notice("orgspace.notice_pinned" if pinned else "orgspace.notice_unpinned")
    return see_other(url_for("org_space_pages.home", username=username, _anchor="announcements"))


@bp.post(f"{SPACE}/announcements/delete")
@login_required
async def delete_announcement(username: str):
    found = await _space(username)
    await pins.delete_announcement(runtime.current(), found, ((await request.form).get("announcement") or "").strip())
    notice("orgspace.notice_deleted")
    return see_other(url_for("org_space_pages.home", username=username, _anchor="announcements"))


# --- the member directory and skills --------------------------------------------------------------

async def _members(found: space.Space, status: int = 200, **extra):
    rt = runtime.current()
    entries = [{**e, "role_key": ROLE_KEYS[e["role"]],
                "groups": [{"name": b.name, "page": box_views.box_page_url(b)} for b in e["groups"]]}
               for e in await space.directory(rt, found)]
    context = {"skill_errors": {}, "skills": await space.own_skills(rt, found), **extra}
    has_row = any(e["actor"].id == found.viewer.id for e in entries)
    return await render_template("org_space_members.html", **_common(found, "members"), entries=entries,
                                 has_row=has_row, skills_max=space.SKILLS_MAX, **context), status


@bp.get(f"{SPACE}/members")
async def members(username: str):
    return await _members(await _space(username))


@bp.post(f"{SPACE}/skills")
@login_required
async def skills(username: str):
    found = await _space(username)
    text = (await request.form).get("skills", "")
    try:
        await space.set_own_skills(runtime.current(), found, text)
    except BadRequest as e:
        return await _members(found, 400, skill_errors=forms.field_errors(e, SKILL_FIELDS), skills=text)
    notice("notice.saved")
    return see_other(url_for("org_space_pages.members", username=username, _anchor="own-skills"))


# --- the internal calendar and drafts -------------------------------------------------------------

@bp.get(f"{SPACE}/calendar")
async def calendar(username: str):
    rt = runtime.current()
    found = await _space(username)
    return await render_template("org_space_calendar.html", **_common(found, "calendar"),
                                 events=_events(rt, await space.calendar(rt, found)))


@bp.get(f"{SPACE}/drafts")
async def drafts(username: str):
    rt = runtime.current()
    found = await _space(username)
    return await render_template("org_space_drafts.html", **_common(found, "drafts"),
                                 drafts=_drafts(rt, await space.drafts(rt, found)))


# --- working groups -------------------------------------------------------------------------------

async def _group_form(found: space.Space, values: dict, error=None, status: int = 200):
    errors = forms.field_errors(error, GROUP_FIELDS, {"visibility": "name"}) if error else {}
    return await render_template("org_space_group_form.html", **_common(found, "home"), form=values,
                                 errors=errors), status


@bp.get(f"{SPACE}/groups/new")
async def new_group(username: str):
    found = await _space(username)
    space.require_board(found)
    return await _group_form(found, {})


@bp.post(f"{SPACE}/groups/new")
@login_required
async def create_group(username: str):
    found = await _space(username)
    form = await request.form
    values = {name: (form.get(name) or "").strip() for name in GROUP_FIELDS}
    values["slug"] = values["slug"].lower()
    try:
        group = await groups.create_group(runtime.current(), found, values)
    except BadRequest as e:
        return await _group_form(found, values, e, 400)
    except Conflict as e:  # the slug is taken
        return await _group_form(found, values, e, 409)
    notice("orgspace.notice_group_created", name=group.name)
    return see_other(box_views.box_page_url(group))
