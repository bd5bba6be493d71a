"""Checks of what people type into boxes: every broken rule is a `Problem` with its field and code.

The codes are the website's catalog keys (form.<code>) and the fields the form's own names,
so a form shows each problem next to its field; the English messages stay what API clients
and the CLI read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from wecreate_fed import sanitize
from wecreate_fed.config import Config
from wecreate_fed.errors import BadRequest, Problems
from wecreate_fed.store import boxes as box_store

from .. import districts

VISIBILITIES = ("open", "closed", "private")
ROLES = ("owner", "moderator", "member")
SLUG = re.compile(r"^[a-z0-9][a-z0-9_]{1,39}$")
NAME_MAX, TEXT_MAX, POST_MAX, TITLE_MAX, UNIT_MAX = 100, 5_000, 20_000, 200, 30


@dataclass(frozen=True)
class NewBox:
    name: str
    slug: str
    visibility: str
    summary_html: str
    profile: dict


def new_box(data: dict, config: Config, problems: Problems) -> NewBox:
    """A box's name, slug, visibility and profile; what is wrong with them goes to `problems`."""
    name = sanitize.plain_text(data.get("name") or "", NAME_MAX)
    slug = (data.get("slug") or slugify(name)).lower()
    visibility = data.get("visibility") or "open"
    if not name:
        problems.add("name", "required", "name is required")
    if not SLUG.match(slug):
        problems.add("slug", "slug_rules", "slug must be 2-40 lower-case letters, digits or underscores")
    check_visibility(visibility, problems)
    found = profile(data, config, problems)
    return NewBox(name, slug, visibility, sanitize.markdown_to_html(data.get("summary") or ""), found)


def check_visibility(value, problems: Problems) -> None:
    if value not in VISIBILITIES:
        problems.add("visibility", "invalid_choice", f"visibility must be one of {', '.join(VISIBILITIES)}")


def slugify(name: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
    return re.sub(r"[^a-z0-9]+", "_", name.lower().translate(table)).strip("_")[:40]


def profile(data: dict, config: Config, problems: Problems) -> dict:
    """The profile fields present in `data`, trimmed; their problems go to `problems`."""
    found: dict = {}
    for name in box_store.PROFILE_FIELDS:
        if name not in data or data[name] is None:
            continue
        value = data[name]
        if not isinstance(value, str):
            problems.add(name, "not_text", f"{name} must be text")
            continue
        if len(value) > TEXT_MAX:
            problems.add(name, "too_long", f"{name} is longer than {TEXT_MAX} characters", limit=TEXT_MAX)
        found[name] = value.strip() if name not in ("meeting_event_ap_id", "district_slug") else (value.strip() or None)
    if found.get("district_slug"):
        try:
            districts.by_slug(config, found["district_slug"])
        except BadRequest as e:
            problems.add("district_slug", "district_unknown", str(e))
    return found


def edit(data: dict, config: Config) -> tuple[dict, str | None]:
    """The profile fields and the visibility (None: unchanged) of an edit."""
    problems = Problems()
    found = profile(data, config, problems)
    visibility = data.get("visibility")
    if visibility is not None:
        check_visibility(visibility, problems)
    problems.raise_if_any()
    return found, visibility


def post_content(text: str | None, html: str | None) -> str:
    """A post's sanitised HTML, from Markdown `text` (the website) or `html` (a client)."""
    source = text if text is not None else html
    if not isinstance(source, str) or not source.strip():
        raise BadRequest("a post needs text", field="text", code="required")
    if len(source) > POST_MAX:
        raise BadRequest(f"a post is longer than {POST_MAX} characters", field="text", code="too_long",
                         params={"limit": POST_MAX})
    return sanitize.markdown_to_html(text) if text is not None else sanitize.clean_html(html)


def title(value, what: str, field: str = "title") -> str:
    """A task's or milestone's title (or an indicator's name): plain text, required."""
    text = sanitize.plain_text(value, TITLE_MAX)
    if not text:
        raise BadRequest(f"{what} needs a {field}", field=field, code="required")
    return text


def number(value, field: str) -> float:
    try:
        found = float(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{field} must be a number", field=field, code="number") from None
    if found != found or abs(found) > 1e12:
        raise BadRequest(f"{field} must be a finite number", field=field, code="number")
    return found


def due_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise BadRequest("due must be a date like 2026-12-01", field="due", code="date") from None


def role(value: str) -> str:
    if value not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}", field="role", code="invalid_choice")
    return value
