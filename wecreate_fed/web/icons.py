"""The site's icon: an SVG for browsers that take one, a PNG/ICO fallback (and /favicon.ico, where
browsers and link previews look without being told), and a large PNG for link previews.

Served with long cache headers: the links in base.html carry the file's version (a hash of its
bytes), so a changed icon has a new URL and the old one may be kept for a year.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from quart import Blueprint, Response, request

from wecreate_fed.errors import NotFound

STATIC_DIR = Path(__file__).resolve().parent.parent.parent / "static"
ICONS = {"icon.svg": "image/svg+xml", "favicon.ico": "image/x-icon", "icon-512.png": "image/png",
         "apple-touch-icon.png": "image/png"}
YEAR, DAY = 365 * 86400, 86400

bp = Blueprint("icons", __name__)


@cache
def _file(name: str) -> tuple[bytes, str]:
    data = (STATIC_DIR / name).read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:12]


def version(name: str) -> str:
    """The version to put in an icon's link (`?v=…`)."""
    return _file(name)[1]


@bp.get("/favicon.ico")
async def favicon():
    return _icon("favicon.ico")


@bp.get("/<any('icon.svg', 'icon-512.png', 'apple-touch-icon.png'):name>")
async def icon(name: str):
    return _icon(name)


def _icon(name: str) -> Response:
    if name not in ICONS:
        raise NotFound("no such icon")
    data, current = _file(name)
    response = Response(data, content_type=ICONS[name])
    # With the current version in the link the bytes never change; without it, a day.
    immutable = request.args.get("v") == current
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable" if immutable else f"public, max-age={DAY}"
    response.headers["ETag"] = f'"{current}"'
    if name.endswith(".svg"):  # opened on its own, an SVG is a document: nothing in it may run
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
