"""The membership page of an organisation space, /@<org>/members (issue 12): anyone logged in
asks to join or answers an invitation there; members see who belongs and can leave; the board
and admins invite people by username, approve requests and remove members; admins change roles
and import a CSV of name,email[,role]."""

from __future__ import annotations

from quart import render_template, request, url_for

from wecreate_fed import i18n, runtime, urls
from wecreate_fed.civic import audience
from wecreate_fed.civic.orgs import importing, membership
from wecreate_fed.errors import BadRequest, WeCreateError
from wecreate_fed.store import orgs as orgs_store

from .common import blueprint, login_required, me, notice, see_other, viewer

bp = blueprint("org_members")
PAGE = f"{urls.PAGE_PATHS['user']}<username>{urls.MEMBERS_PAGE}"


async def _page(username: str, *, import_problems: list | None = None, csv_text: str = "", status: int = 200):
    rt = runtime.current()
    org = await membership.space(rt, username)
    person = viewer()
    role = await audience.role_in(rt, org, person.actor if person else None)
    row = await orgs_store.get(rt.db.reader, org.id, person.actor.id) if person else None
    conn = rt.db.reader
    manager = role in membership.MANAGERS
    return await render_template(
        "org_members.html", org=org, role=role, state=row.state if row else None, manager=manager,
        is_org=bool(person and person.actor.id == org.id),
        members=await orgs_store.list_members(conn, org.id) if role else [],
        requests=await orgs_store.list_members(conn, org.id, state="requested") if manager else [],
        invited=await orgs_store.list_members(conn, org.id, state="invited") if manager else [],
        mailed=await orgs_store.open_invitations(conn, org.id) if role == "admin" else [],
        roles=membership.ROLES, import_problems=import_problems or [], csv_text=csv_text,
    ), status


@bp.get(PAGE)
async def members_page(username: str):
    return await _page(username)


async def _act(username: str, command, done: str, **values):
    """Run a membership command for the logged-in person; its problem becomes a notice on the page."""
    rt = runtime.current()
    org = await membership.space(rt, username)
    try:
        await command(rt, org)
        notice(done, space=org.name, **values)
    except WeCreateError as e:
        key = f"members.error.{e.code}"
        notice(key if i18n.has(key) else "members.error.other", message=e.message)
    return see_other(url_for("org_members.members_page", username=org.username))


async def _form() -> dict:
    return (await request.form).to_dict()


@bp.post(f"{PAGE}/request")
@login_required
async def ask(username: str):
    async def command(rt, org):
        await membership.request(rt, me().actor, org)
    return await _act(username, command, "members.notice.requested")


@bp.post(f"{PAGE}/answer")
@login_required
async def answer(username: str):
    accept = (await _form()).get("accept") == "yes"

    async def command(rt, org):
        await membership.answer_invitation(rt, me().actor, org, accept)
    return await _act(username, command, "members.notice.joined" if accept else "members.notice.declined")


@bp.post(f"{PAGE}/leave")
@login_required
async def leave(username: str):
    async def command(rt, org):
        await membership.leave(rt, me().actor, org)
    return await _act(username, command, "members.notice.left")


@bp.post(f"{PAGE}/invite")
@login_required
async def invite(username: str):
    form = await _form()

    async def command(rt, org):
        invited = await membership.person(rt, form.get("username", ""))
        await membership.invite(rt, me().actor, org, invited, form.get("role") or "member")
    return await _act(username, command, "members.notice.invited", name=form.get("username", "").strip())


@bp.post(f"{PAGE}/requests")
@login_required
async def answer_request(username: str):
    form = await _form()
    approve = form.get("approve") == "yes"

    async def command(rt, org):
        asking = await membership.person(rt, form.get("username", ""))
        await membership.answer_request(rt, me().actor, org, asking, approve)
    return await _act(username, command, "members.notice.approved" if approve else "members.notice.turned_down",
                      name=form.get("username", ""))


@bp.post(f"{PAGE}/remove")
@login_required
async def remove(username: str):
    form = await _form()

    async def command(rt, org):
        await membership.remove(rt, me().actor, org, await membership.person(rt, form.get("username", "")))
    return await _act(username, command, "members.notice.removed", name=form.get("username", ""))


@bp.post(f"{PAGE}/role")
@login_required
async def role(username: str):
    form = await _form()

    async def command(rt, org):
        member = await membership.person(rt, form.get("username", ""))
        await membership.change_role(rt, me().actor, org, member, form.get("role", ""))
    return await _act(username, command, "members.notice.role_changed", name=form.get("username", ""))


@bp.post(f"{PAGE}/import")
@login_required
async def import_csv(username: str):
    """The CSV as an uploaded file or pasted text; bad rows are listed on the page, nothing imported."""
    rt = runtime.current()
    org = await membership.space(rt, username)
    form, files = await request.form, await request.files
    upload = files.get("csv_file")
    raw = upload.read(importing.MAX_BYTES + 1) if upload is not None and upload.filename else b""
    try:
        text = importing.text_of(raw) if raw else form.get("csv_text", "")
        outcome = await importing.import_members(rt, me().actor, org, text)
    except BadRequest as e:
        problems = [{"key": f"members.import.{p.code}" if i18n.has(f"members.import.{p.code}")
                     else "members.error.other", "params": {**p.params, "message": p.message}} for p in e.problems]
        return await _page(username, import_problems=problems, csv_text=form.get("csv_text", ""), status=400)
    notice("members.notice.imported", invited=len(outcome.invited), mailed=len(outcome.mailed),
           unchanged=len(outcome.unchanged))
    return see_other(url_for("org_members.members_page", username=org.username))
