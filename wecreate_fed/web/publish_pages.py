"""/i/<key>/publish: an organisation space's internal draft published to the city's marketplace
(civic/orgs/publishing.py does the work); for the space's members only, 404 for everyone else."""

from __future__ import annotations

from quart import render_template, request

from wecreate_fed import runtime, urls
from wecreate_fed.civic.orgs import publishing
from wecreate_fed.errors import BadRequest, Conflict, WeCreateError
from wecreate_fed.store import actors as actors_store

from . import forms, views
from .common import blueprint, login_required, me, notice, see_other, viewer

bp = blueprint("publish")
PAGE = f"{urls.PAGE_PATHS['idea']}<key>/publish"
FIELDS = (publishing.CITY_FIELD,)


@bp.app_context_processor
async def publish_line() -> dict:
    """For the idea page's one line: where a draft went, or the way to publish it (None for any
    other idea, and for a viewer who may not see the draft)."""
    async def line(ap_id: str) -> dict | None:
        rt = runtime.current()
        current = viewer()
        if current is None:
            return None
        try:
            found = await publishing.view(rt, current.actor, ap_id)
        except WeCreateError:  # a public idea, another audience, or not this viewer's to see
            return None
        published = found.publication
        return {"page": views.page_url(rt, "idea", ap_id) + "/publish", "may_publish": found.may_publish,
                "published": (published.idea_url or published.idea_ap_id) if published else None}
    return {"publish_line": line}


async def _page(key: str, error: WeCreateError | None = None, chosen: list[str] | None = None):
    rt = runtime.current()
    ap_id = urls.idea_id(rt.config, key)
    found = await publishing.view(rt, me().actor, ap_id)
    draft = await views.idea_by_key(rt, key)
    by = None
    if found.publication and found.publication.published_by:
        by = await actors_store.get_actor(rt.db.reader, found.publication.published_by)
    errors = forms.field_errors(error, FIELDS) if error else {}
    return await render_template(
        "publish_draft.html", draft=draft, org=found.org, may_publish=found.may_publish,
        publication=found.publication, cities=found.cities, choices=found.choices, private=rt.config.private,
        chosen=chosen or [], errors=errors, by=by, draft_page=views.page_url(rt, "idea", ap_id),
    ), 400 if error else 200


@bp.get(PAGE)
@login_required
async def draft(key: str):
    return await _page(key)


@bp.post(PAGE)
@login_required
async def publish(key: str):
    rt = runtime.current()
    chosen = (await request.form).getlist(publishing.CITY_FIELD)
    try:
        published = await publishing.publish(rt, me().actor, urls.idea_id(rt.config, key), chosen)
    except (BadRequest, Conflict) as e:
        if e.status == 409 and e.code == "publish_already":
            return see_other(request.path)  # published meanwhile (another board member): the page says where
        return await _page(key, e, chosen)
    await views.ideas_changed(rt)  # the marketplace shows the new idea at once
    notice("publish.done")
    return see_other(published.idea_url or published.idea_ap_id)
