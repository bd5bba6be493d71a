"""Profiles of people and organisations, district pages, the about page, notifications, avatars."""

from __future__ import annotations

from quart import g, render_template, send_file

from wecreate_fed import runtime
from wecreate_fed.civic import accounts
from wecreate_fed.errors import BadRequest, NotFound
from wecreate_fed.store import notifications as notifications_store
from wecreate_fed.urls import AVATAR_PATH, PAGE_PATHS

from . import legal_pages, move_pages, views
from .common import blueprint, login_required, me, viewer

bp = blueprint("profiles")


@bp.get(f"{PAGE_PATHS['user']}<username>")
async def profile(username: str):
    rt = runtime.current()
    actor = await views.local_actor(rt, username)
    return await render_template("profile.html", **await views.profile_page(rt, actor, viewer()),
                                 moved=await move_pages.moved_notice(rt, actor))


@bp.get(PAGE_PATHS["district"])
async def districts():
    rt = runtime.current()
    return await render_template("districts.html", overview=await views.district_overview(rt),
                                 figures=await views.impact(rt))


@bp.get(f"{PAGE_PATHS['district']}<slug>")
async def district(slug: str):
    rt = runtime.current()
    try:
        data = await views.district_page(rt, slug, viewer())
    except BadRequest as e:
        raise NotFound(str(e)) from e  # a path naming no district
    return await render_template("district.html", **data)


@bp.get("/about")
async def about():
    rt = runtime.current()
    return await render_template("about.html", figures=await views.impact(rt), **await legal_pages.about_context(rt))


@bp.get("/notifications")
@login_required
async def notifications():
    rt = runtime.current()
    items = await views.notifications(rt, me(), g.lang)
    async with rt.db.transaction() as conn:
        await notifications_store.mark_read(conn, me().actor.id)
    return await render_template("notifications.html", items=items)


@bp.get(f"{AVATAR_PATH}<name>")
async def avatar(name: str):
    path = accounts.avatar_file(runtime.current().config, name)
    response = await send_file(path, cache_timeout=7 * 86400)
    # The name carries a hash of the content, so it never changes.
    response.headers["Cache-Control"] = "public, max-age=604800, immutable"
    return response
