"""The files of a box (/b/<slug>/files) and of an organisation space (/@<org>/files): the list with
who uploaded what and when, the upload form, downloads and deleting.

Everything here answers 404 to anyone who is not a member, logged in or not (civic/files.py).
A download is always an attachment of the type recognised at upload, with nosniff and a CSP that
allows nothing, so a file never runs as a page of this site whatever it contains.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from quart import Blueprint, Request, g, has_request_context, render_template, request, send_file, url_for
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from wecreate_fed import i18n, nul, runtime
from wecreate_fed.civic import files
from wecreate_fed.config import Config
from wecreate_fed.errors import BadRequest, NotFound, PayloadTooLarge, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.urls import PAGE_PATHS

from . import forms
from .common import Viewer, _, error_page, http_error_page, notice, prepare, see_other, viewer

BOX = PAGE_PATHS["box"]
USER = PAGE_PATHS["user"]
# The upload forms' paths: their bodies may be as large as [files] max_bytes (see upload_request_class).
UPLOAD_PATH = re.compile(rf"({re.escape(BOX)}|{re.escape(USER)})[^/]+/files")
FORM_ROOM = 64 * 1024  # the multipart envelope and the form's other fields beside the file
DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"

# Built as common.blueprint() builds one, but its HTTPException handler (below) tells a 413 by the files' limit.
bp = Blueprint("file_pages", __name__)
bp.before_request(prepare)
bp.register_error_handler(WeCreateError, error_page)


@bp.app_context_processor
async def space_files_link() -> dict:
    """An organisation's profile page links its space's files for its members (space_files_url)."""
    if not has_request_context() or request.endpoint != "profiles.profile":
        return {"space_files_url": None}
    who = viewer()
    username = (request.view_args or {}).get("username")
    if who is None or not username:
        return {"space_files_url": None}
    try:
        place = await files.space_place(runtime.current(), username)
        await files.require_member(runtime.current(), place, who.actor)
    except NotFound:
        return {"space_files_url": None}
    return {"space_files_url": url_for("file_pages.space_files", slug=username)}


def upload_request_class(config: Config) -> type[Request]:
    """Quart caps every body at MAX_CONTENT_LENGTH (federation.max_body_bytes) when the request is
    made, before any route or before_request runs (the CSRF check reads the form); POSTs to an upload
    form get [files] max_bytes plus room for the form instead."""
    limit = config.files_max_bytes + FORM_ROOM

    class UploadRequest(nul.Request):  # the app's request, its forms without U+0000
        def __init__(self, method, scheme, path, *args, max_content_length=None, **kwargs):
            upload = method == "POST" and UPLOAD_PATH.fullmatch(path)
            if upload:
                max_content_length = max(max_content_length or 0, limit)
            super().__init__(method, scheme, path, *args, max_content_length=max_content_length, **kwargs)
            if upload:  # the form parser asks the property (else the app's setting), the body was given it above
                self.max_content_length = max_content_length

    return UploadRequest


def size_text(size: int) -> str:
    if size >= 1_000_000:
        return _("files.size_mb", mb=i18n.format_number(round(size / 1_000_000, 1), g.get("lang")))
    return _("files.size_kb", kb=max(1, round(size / 1000)))


async def _items(rt: Runtime, place: files.Place, who: Viewer) -> list[dict]:
    found = []
    for item in await files.listing(rt, place, who.actor):
        found.append({"file": item, "size": size_text(item.size),
                      "url": url_for("file_pages.download", key=item.key),
                      "delete": url_for("file_pages.delete", key=item.key),
                      "may_delete": await files.may_delete(rt, place, who.actor, item, moderator=who.is_moderator)})
    return found


async def _page(place: files.Place, *, error: WeCreateError | None = None, status: int = 200):
    rt = runtime.current()
    who = viewer()
    if who is None:
        raise files_not_found()
    items = await _items(rt, place, who)
    back = url_for("box_pages.box", slug=place.actor.username) if place.kind == "box" else \
        url_for("profiles.profile", username=place.actor.username)
    action = url_for("file_pages.box_upload" if place.kind == "box" else "file_pages.space_upload",
                     slug=place.actor.username)
    errors = forms.field_errors(error, ("file",)) if error else {}
    megabytes = f"{rt.config.files_max_bytes / 1_000_000:g}"
    return await render_template("files.html", place=place, items=items, back=back, action=action, errors=errors,
                                 max_mb=megabytes, types=files.file_types.NAMES), status


def files_not_found() -> WeCreateError:
    return NotFound("no such file here")


async def _upload(place: files.Place):
    rt = runtime.current()
    who = viewer()
    if who is None:
        raise files_not_found()
    form_files = await request.files
    upload = form_files.get("file")
    try:
        data = upload.read(rt.config.files_max_bytes + 1) if upload is not None else b""
        await files.upload(rt, who.actor, place, upload.filename if upload is not None else None, data)
    except BadRequest as e:
        return await _page(place, error=e, status=400)
    notice("files.uploaded")
    return see_other(request.path)


# --- boxes ----------------------------------------------------------------------------------------

@bp.get(f"{BOX}<slug>/files")
async def box_files(slug: str):
    return await _page(await files.box_place(runtime.current(), slug))


@bp.post(f"{BOX}<slug>/files")
async def box_upload(slug: str):
    return await _upload(await files.box_place(runtime.current(), slug))


# --- organisation spaces --------------------------------------------------------------------------

@bp.get(f"{USER}<slug>/files")
async def space_files(slug: str):
    return await _page(await files.space_place(runtime.current(), slug))


@bp.post(f"{USER}<slug>/files")
async def space_upload(slug: str):
    return await _upload(await files.space_place(runtime.current(), slug))


# --- every file -----------------------------------------------------------------------------------

@bp.get("/files/<key>")
async def download(key: str):
    rt = runtime.current()
    who = viewer()
    item, path = await files.download(rt, who.actor if who else None, key)
    response = await send_file(path, mimetype=item.media_type)
    response.headers["Content-Disposition"] = attachment(item.name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "private, no-store"  # members only: no shared cache may keep it
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/files/<key>/delete")
async def delete(key: str):
    rt = runtime.current()
    who = viewer()
    if who is None:
        raise files_not_found()
    place = await files.delete(rt, who.actor, key, moderator=who.is_moderator)
    notice("files.deleted")
    endpoint = "file_pages.box_files" if place.kind == "box" else "file_pages.space_files"
    return see_other(url_for(endpoint, slug=place.actor.username))


def attachment(name: str) -> str:
    """Content-Disposition for a download named `name`: an ASCII fallback and the UTF-8 name (RFC 6266)."""
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\%' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@bp.errorhandler(HTTPException)
async def too_large_or_other(error: HTTPException):
    """An upload over even the room given (files.max_bytes and the form's) says the files' limit, not the inbox's."""
    if isinstance(error, RequestEntityTooLarge):
        megabytes = f"{runtime.current().config.files_max_bytes / 1_000_000:g}"
        return await error_page(PayloadTooLarge(f"the file is larger than {megabytes} MB", field="file",
                                                code="files_size", params={"mb": megabytes}))
    return await http_error_page(error)
