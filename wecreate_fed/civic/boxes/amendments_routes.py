"""The ActivityPub id of an amendment (/motions/<key>/amendments/<number>): its document for
whoever may see the motion's box (a private box's: signed fetches of its members' servers),
404 for everyone else; a browser is sent to the motion's amendment page."""

from __future__ import annotations

from urllib.parse import quote

from quart import Blueprint, redirect

from actors.requests import activity_response, signed_fetcher, wants_activity_json
from wecreate_fed import runtime, urls

from . import amendments

bp = Blueprint("amendments", __name__)


@bp.get(f"{urls.ID_PATHS['motion']}<key>/amendments/<int:number>")
async def amendment(key: str, number: int):
    if not wants_activity_json():
        return redirect(f"{urls.PAGE_PATHS['motion']}{quote(key, safe='')}/amendments#a{number}", 302)
    rt = runtime.current()
    fetcher = await signed_fetcher(rt)  # first: unsigned gets the same 401 whether it exists or not
    return activity_response(await amendments.document(rt, urls.amendment_id(rt.config, key, number), fetcher))
