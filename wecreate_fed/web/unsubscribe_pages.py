"""One-click unsubscribe (RFC 8058) from a mail's signed link, without logging in.

GET shows what the link unsubscribes from and a button; POST (the button, or a mail client's
one-click `List-Unsubscribe=One-Click`) unsubscribes. Not behind the website's CSRF check: a mail
client posts from no page of ours, and the signed token is what proves the link is the person's.
A forged or changed token is a 404 page; unsubscribing twice is harmless.
"""

from __future__ import annotations

from quart import Blueprint, g, render_template
from werkzeug.exceptions import HTTPException

from wecreate_fed import i18n, runtime, urls
from wecreate_fed.errors import NotFound, WeCreateError
from wecreate_fed.notify import topics, unsubscribe
from wecreate_fed.store import notifications as notifications_store

from .common import error_page, http_error_page, pick_language

bp = Blueprint("unsubscribe", __name__)
bp.register_error_handler(WeCreateError, error_page)
bp.register_error_handler(HTTPException, http_error_page)


@bp.before_request
async def prepare() -> None:
    g.viewer = None  # the link speaks for its person; who is logged in here plays no part
    g.lang = pick_language(runtime.current())


async def _link(token: str) -> unsubscribe.Link:
    rt = runtime.current()
    link = await unsubscribe.verify(rt, token)
    if link is None:
        raise NotFound("this unsubscribe link is not valid", code="unsubscribe_invalid")
    account = await notifications_store.mail_address(rt.db.reader, link.actor_id)
    if account is not None and account["language"] in i18n.LANGUAGES:
        g.lang = account["language"]  # the page in the language of the mail it came from
    return link


def _what(scope: str) -> str:
    key = f"notify.topic.{scope}" if scope in topics.TOPICS else f"notify.scope.{scope}"
    return i18n.gettext(g.lang, key)


@bp.get(f"{urls.UNSUBSCRIBE_PATH}<token>")
async def ask(token: str):
    link = await _link(token)
    rt = runtime.current()
    everything = None if link.scope == topics.ALL else await unsubscribe.token(rt, link.actor_id, topics.ALL)
    return await render_template("unsubscribe.html", token=token, what=_what(link.scope), done=False,
                                 all_token=everything)


@bp.post(f"{urls.UNSUBSCRIBE_PATH}<token>")
async def one_click(token: str):
    link = await _link(token)
    await unsubscribe.apply(runtime.current(), link)
    return await render_template("unsubscribe.html", token=token, what=_what(link.scope), done=True, all_token=None)
