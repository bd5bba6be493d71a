"""The admin area (/admin): what moderators and admins see and do. Each concern adds its pages
to this blueprint's sibling modules and an entry to ADMIN_NAV; this module holds the area's
guard (who may enter which page) and the audit log.

Moderators: reports, content and accounts. Admins: also domain policy, rules, settings, roles and
the audit log. Everyone else gets a styled 403 in their language (never a hint of what is inside).
"""

from __future__ import annotations

import functools

from quart import g, render_template, request

from wecreate_fed import inputs, runtime
from wecreate_fed.errors import Forbidden
from wecreate_fed.moderation import roles
from wecreate_fed.store import audit

from .common import blueprint, login_required

bp = blueprint("admin")

# The admin area's navigation: (endpoint, catalog key, who sees it: "moderator" or "admin").
# Append an entry for a new admin page; layout.html shows the ones the viewer may open.
ADMIN_NAV: list[tuple[str, str, str]] = [
    ("admin.dashboard", "admin.nav.dashboard", "moderator"),  # first: the header's "Moderation" link leads here
    ("admin.audit_log", "admin.nav.audit", "admin"),
    ("legal.rules_admin", "admin.nav.rules", "admin"),
    ("admin.roles_page", "admin.nav.roles", "admin"),
]


def _guard(allowed, code: str, message: str):
    def decorate(route):
        @login_required
        @functools.wraps(route)
        async def wrapper(*args, **kwargs):
            if not allowed(g.viewer.role):
                raise Forbidden(message, code=code)
            return await route(*args, **kwargs)
        return wrapper
    return decorate


def require_moderator(route):
    """The route is for moderators and admins; others get 403 (visitors are sent to log in first)."""
    return _guard(roles.may_moderate, "moderators_area", "only the instance's moderators may open this page")(route)


def require_admin(route):
    """The route is for admins only."""
    return _guard(roles.may_administer, "admins_area", "only the instance's admins may open this page")(route)


def visible_nav(role: str) -> list[tuple[str, str]]:
    """The admin navigation entries this role may open (template global admin_nav)."""
    return [(endpoint, key) for endpoint, key, needs in ADMIN_NAV
            if (roles.may_administer(role) if needs == "admin" else roles.may_moderate(role))]


@bp.get("/admin/audit")
@require_admin
async def audit_log():
    rt = runtime.current()
    before = inputs.whole_number(request.args.get("before"))  # not a number: the newest page
    family = request.args.get("action", "")[:40]
    entries = await audit.entries(rt.db.reader, action_prefix=family, before_id=before)
    older = entries[-1]["id"] if len(entries) == audit.PAGE_SIZE else None
    return await render_template("admin/audit.html", entries=entries, older=older, family=family)
