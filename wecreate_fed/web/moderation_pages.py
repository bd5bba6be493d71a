"""Moderation actions in the website: the action form, accounts with their actions (undo), the
appeals queue (moderators), and the decision page where the person concerned reads the
statement of reasons and appeals it once."""

from __future__ import annotations

from quart import render_template, request, url_for

from wecreate_fed import inputs, runtime
from wecreate_fed.errors import BadRequest, Gone, NotFound, WeCreateError
from wecreate_fed.moderation import actions, appeals, held
from wecreate_fed.moderation.roles import By
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import sanctions
from wecreate_fed.urls import DECISION_PATH

from . import admin_pages, forms
from .common import back, blueprint, login_required, me, notice, see_other

bp = blueprint("moderation")
ACTION_FIELDS = ("target", "kind", "category", "rule", "law", "explanation", "report")

admin_pages.ADMIN_NAV += [
    ("moderation.accounts", "admin.nav.accounts", "moderator"),
    ("moderation.appeals", "admin.nav.appeals", "moderator"),
    ("moderation.held", "admin.nav.held", "moderator"),
]


def _by() -> By:
    return By(me().actor.id, me().actor.username or "")


async def _action_form(values: dict, *, error: WeCreateError | None = None):
    rt = runtime.current()
    target = None
    try:
        target = await actions.target_of(rt.db.reader, values.get("target", ""))
    except (NotFound, Gone) as e:  # shown as the form's error (the target field), never a 5xx
        error = error or e
    kinds = (actions.ACCOUNT_KINDS if target.is_account else actions.CONTENT_KINDS) if target else ()
    errors = forms.field_errors(error, ACTION_FIELDS) if error else {}
    return await render_template("admin/action_form.html", form=values, target=target, kinds=kinds, errors=errors,
                                 categories=actions.CATEGORIES, rules=await sanctions.list_rules(rt.db.reader)), \
        400 if error else 200


def _number(value: str) -> int | None:
    """A form's id field: None when empty; a text that is no id names nothing (-1), so it is refused."""
    if not value.strip():
        return None
    number = inputs.whole_number(value)
    return -1 if number is None else number


@bp.get("/admin/actions/new")
@admin_pages.require_moderator
async def new_action():
    args = request.args
    return await _action_form({"target": args.get("target", ""), "report": args.get("report", ""),
                               "kind": args.get("kind", "")})


@bp.post("/admin/actions/new")
@admin_pages.require_moderator
async def take_action():
    rt = runtime.current()
    form = await request.form
    values = {name: form.get(name, "") for name in ACTION_FIELDS}
    reasons = actions.Reasons(category=values["category"], explanation=values["explanation"],
                              rule_id=_number(values["rule"]), law=values["law"], report_id=_number(values["report"]))
    try:
        target = await actions.target_of(rt.db.reader, values["target"])
        await actions.take(rt, _by(), values["target"], values["kind"], reasons)
    except (BadRequest, NotFound, Gone) as e:
        return await _action_form(values, error=e)
    notice("actions.taken")
    return see_other(url_for("moderation.account", actor_id=target.account.id))


@bp.get("/admin/accounts")
@admin_pages.require_moderator
async def accounts():
    rt = runtime.current()
    query = request.args.get("q", "").strip()[:200]
    found = await sanctions.search_accounts(rt.db.reader, query) if query else []
    return await render_template("admin/accounts.html", query=query, found=found)


@bp.get("/admin/accounts/<int:actor_id>")
@admin_pages.require_moderator
async def account(actor_id: int):
    rt = runtime.current()
    actor = await actors_store.get_actor(rt.db.reader, actor_id)
    if actor is None:
        raise NotFound("no such account", code="no_such_account")
    rows = await sanctions.list_actions_of_account(rt.db.reader, actor_id)
    return await render_template("admin/account.html", actor=actor, actions=[actions.summary(r) for r in rows])


@bp.post("/admin/actions/<int:action_id>/undo")
@admin_pages.require_moderator
async def undo(action_id: int):
    await actions.undo(runtime.current(), _by(), action_id)
    notice("actions.undone")
    return back(url_for("moderation.accounts"))


@bp.get("/admin/appeals", endpoint="appeals")
@admin_pages.require_moderator
async def appeals_queue():
    rt = runtime.current()
    return await render_template("admin/appeals.html", appeals=await sanctions.list_appeals(rt.db.reader, "open"))


@bp.post("/admin/appeals/<int:appeal_id>")
@admin_pages.require_moderator
async def decide(appeal_id: int):
    form = await request.form
    await appeals.decide(runtime.current(), _by(), appeal_id, form.get("outcome", ""),
                         form.get("decision", ""))
    notice("appeals.decided")
    return see_other(url_for("moderation.appeals"))


@bp.get("/admin/held", endpoint="held")
@admin_pages.require_moderator
async def held_queue():
    return await render_template("admin/held.html", posts=await sanctions.list_held(runtime.current().db.reader))


@bp.post("/admin/held/approve")
@admin_pages.require_moderator
async def approve():
    form = await request.form
    await held.approve(runtime.current(), _by(), form.get("target", ""))
    notice("held.approved")
    return see_other(url_for("moderation.held"))


# --- the person's side ---------------------------------------------------------------------

async def _decision_page(action_id: int, *, error: BadRequest | None = None, text: str = ""):
    rt = runtime.current()
    action = await appeals.decision_for(rt, me().actor, action_id)
    appeal = await sanctions.get_appeal_of_action(rt.db.reader, action_id)
    errors = forms.field_errors(error, ("text",)) if error else {}
    return await render_template("decision.html", action=actions.summary(action), appeal=appeal, errors=errors,
                                 text=text), 400 if error else 200


@bp.get(f"{DECISION_PATH}<int:action_id>")
@login_required
async def decision(action_id: int):
    return await _decision_page(action_id)


@bp.post(f"{DECISION_PATH}<int:action_id>/appeal")
@login_required
async def appeal(action_id: int):
    form = await request.form
    text = form.get("text", "")
    try:
        await appeals.file(runtime.current(), me().actor, action_id, text)
    except BadRequest as e:
        return await _decision_page(action_id, error=e, text=text)
    notice("decision.appealed")
    return see_other(url_for("moderation.decision", action_id=action_id))
