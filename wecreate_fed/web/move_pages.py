"""/settings/move: the aliases an account names (alsoKnownAs, so that another account may move
here) and moving this account to another server (civic/moving.py does the work)."""

from __future__ import annotations

from quart import render_template, request, url_for

from wecreate_fed import runtime
from wecreate_fed.civic import moving
from wecreate_fed.errors import BadRequest, NotFound
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import moves as moves_store
from wecreate_fed.store.actors import Actor

from . import forms
from .common import blueprint, login_required, me, notice, see_other

bp = blueprint("move")

FIELDS = ("alias", "move_target", "move_password")


async def account_view(rt: Runtime, ap_id: str) -> dict:
    """How to show an account named by id: its handle and page when we know it, else its id."""
    known = await actors_store.get_actor_by_ap_id(rt.db.reader, ap_id)
    if known is None:
        return {"ap_id": ap_id, "handle": ap_id, "url": ap_id}
    host = rt.config.host if known.is_local else known.domain
    return {"ap_id": ap_id, "handle": f"@{known.username}@{host}" if known.username else ap_id,
            "url": known.url or ap_id}


async def moved_notice(rt: Runtime, actor: Actor) -> dict | None:
    """For a profile page: where the account moved to, or None."""
    return await account_view(rt, actor.moved_to) if actor.moved_to else None


async def _page(error: BadRequest | None = None, **form):
    rt = runtime.current()
    actor = me().actor
    current = await actors_store.get_actor(rt.db.reader, actor.id) or actor
    aliases = [await account_view(rt, a) for a in await moves_store.list_aliases(rt.db.reader, actor.id)]
    came_from = [await account_view(rt, a.ap_id) for a in await moves_store.moved_to_here(rt.db.reader, actor.ap_id)]
    values = {"alias": "", "move_target": "", **form}
    errors = forms.field_errors(error, FIELDS) if error else {}
    return await render_template(
        "settings_move.html", form=values, errors=errors, aliases=aliases, came_from=came_from,
        moved=await moved_notice(rt, current), handle=f"@{actor.username}@{rt.config.host}",
    ), 400 if error else 200


@bp.get("/settings/move")
@login_required
async def settings_move():
    return await _page()


@bp.post("/settings/move/aliases")
@login_required
async def add_alias():
    form = await request.form
    try:
        other = await moving.add_alias(runtime.current(), me().actor, form.get("alias", ""))
    except BadRequest as e:
        return await _page(e, alias=form.get("alias", ""))
    notice("move.alias_added", account=other.handle)
    return see_other(url_for("move.settings_move"))


@bp.post("/settings/move/aliases/remove")
@login_required
async def remove_alias():
    form = await request.form
    try:
        await moving.remove_alias(runtime.current(), me().actor, form.get("alias", ""))
    except NotFound:
        pass  # removed meanwhile (another tab): the page shows what is left
    notice("move.alias_removed")
    return see_other(url_for("move.settings_move"))


@bp.post("/settings/move")
@login_required
async def move():
    form = await request.form
    try:
        target = await moving.move_account(runtime.current(), me().actor, form.get("move_target", ""),
                                           form.get("move_password", ""))
    except BadRequest as e:
        return await _page(e, move_target=form.get("move_target", ""))
    notice("move.moved", account=target.handle)
    return see_other(url_for("move.settings_move"))
