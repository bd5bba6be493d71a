"""The website's pages. For now: the instance's home, about, people's profiles and the
remote-interaction page; the full citizen website comes with the web UI issue."""

from __future__ import annotations

from quart import Blueprint, render_template, request

from wecreate_fed import runtime
from wecreate_fed.errors import NotFound
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import social

bp = Blueprint("pages", __name__)


@bp.get("/")
async def home():
    rt = runtime.current()
    people = await actors_store.list_local_actors(rt.db.reader)
    return await render_template("home.html", config=rt.config, people=people)


@bp.get("/about")
async def about():
    rt = runtime.current()
    return await render_template("about.html", config=rt.config)


@bp.get("/@<username>")
async def profile(username: str):
    rt = runtime.current()
    conn = rt.db.reader
    actor = await actors_store.get_local_actor(conn, username)
    if actor is None or actor.type == "Application":
        raise NotFound(f"no user '{username}' here")
    return await render_template(
        "profile.html", config=rt.config, actor=actor,
        followers=await social.count_follows(conn, actor.id, direction="followers"),
        following=await social.count_follows(conn, actor.id, direction="following"),
        posts=await social.count_outbox(conn, actor.id),
    )


@bp.get("/authorize_interaction")
async def authorize_interaction():
    """Where WebFinger's subscribe template sends visitors who want to act on a URI from here."""
    rt = runtime.current()
    return await render_template("interaction.html", config=rt.config, uri=request.args.get("uri", ""))
