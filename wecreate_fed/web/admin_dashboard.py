"""The admin's view: the dashboard (/admin), a page per remote instance, and the roles page.

The dashboard's figures: reports open and resolved, new accounts and active people of the
week, ideas and supports per week (SVG charts drawn here, with their table), and federation
health (pending deliveries per host, failing hosts, the inbox queue, the known instances with
their software from NodeInfo, which wecreate_fed.nodeinfo fetches in the background).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from datetime import time as day_start

from quart import render_template, request

from wecreate_fed import hosts, i18n, runtime
from wecreate_fed.errors import NotFound, WeCreateError
from wecreate_fed.moderation import roles
from wecreate_fed.store import accounts as accounts_store
from wecreate_fed.store import admin_stats, iso, utcnow
from wecreate_fed.store import mail as mail_store

from . import charts, forms
from .admin_pages import bp, require_admin, require_moderator
from .common import _, me, notice, see_other

WEEKS = 12
CACHE = "admin_dashboard.past_weeks"  # rt.caches: (series, first Monday, today) -> {day: count}
TOP_HOSTS = 10
LIST_LIMIT = 50


def week_starts(today: date, weeks: int = WEEKS) -> list[date]:
    """The Mondays of the last `weeks` weeks (UTC), the current week last."""
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def _start(day: date) -> str:
    return iso(datetime.combine(day, day_start(), UTC))


async def _per_day(rt, series: str, count, mondays: list[date]) -> dict[str, int]:
    """`count(conn, since, until)` per day over the weeks. The weeks before this one are counted once a
    day and kept (what changes in them later, a deleted idea, shows the next day); this week at every request."""
    key = (series, mondays[0], utcnow().date())
    kept = rt.caches.setdefault(CACHE, {})
    past = kept.get(key)
    if past is None:
        past = await count(rt.db.reader, _start(mondays[0]), _start(mondays[-1]))
        for old in [k for k in kept if k[0] == series]:
            del kept[old]
        kept[key] = past
    return {**past, **await count(rt.db.reader, _start(mondays[-1]))}


def _week_points(mondays: list[date], per_day: dict[str, int]) -> list[charts.Point]:
    lang = i18n._lang()
    points = []
    for monday in mondays:
        days = [(monday + timedelta(days=n)).isoformat() for n in range(7)]
        week = monday.isocalendar().week
        sunday = monday + timedelta(days=6)
        span = i18n.format_span(monday, sunday, lang)
        points.append(charts.Point(label=_("dashboard.week_short", week=week),
                                   long_label=_("dashboard.week_long", week=week, span=span),
                                   value=sum(per_day.get(d, 0) for d in days)))
    return points


def _chart(chart_id: str, kind: str, points: list[charts.Point]):
    total = sum(p.value for p in points)
    texts = charts.Texts(
        title=_(f"dashboard.chart.{kind}"),
        description=_(f"dashboard.chart.{kind}_desc", weeks=WEEKS, total=i18n.format_number(total),
                      last=i18n.format_number(points[-1].value) if points else "0"),
        label_column=_("dashboard.chart.week"), value_column=_(f"dashboard.chart.{kind}_column"),
        table_summary=_("dashboard.chart.table"), axis_title=_("dashboard.chart.axis"))
    return charts.bar_chart(chart_id, texts, points, i18n.format_number)


@bp.get("/admin")
@require_moderator
async def dashboard():
    rt = runtime.current()
    conn = rt.db.reader
    now = utcnow()
    week_ago = iso(now - timedelta(days=7))
    mondays = week_starts(now.date())
    ideas = _week_points(mondays, await _per_day(rt, "ideas", admin_stats.ideas_per_day, mondays))
    supports = _week_points(mondays, await _per_day(rt, "supports", admin_stats.supports_per_day, mondays))
    return await render_template(
        "admin/dashboard.html",
        reports=await admin_stats.report_counts(conn, resolved_since=week_ago),
        new_accounts=await admin_stats.count_new_accounts(conn, week_ago),
        active=await admin_stats.count_active_people(conn, week_ago),
        ideas_chart=_chart("chart-ideas", "ideas", ideas), supports_chart=_chart("chart-supports", "supports", supports),
        pending=await admin_stats.pending_by_host(conn, limit=TOP_HOSTS),
        troubled=await admin_stats.troubled_hosts(conn, limit=LIST_LIMIT),
        incoming=await admin_stats.incoming_counts(conn),
        incoming_errors=await admin_stats.incoming_errors(conn, limit=5),
        instances=await admin_stats.list_instances(conn, limit=LIST_LIMIT),
        instance_count=await admin_stats.count_instances(conn), now=iso(now),
        mails=await mail_store.count_mails(conn), mail_error=await mail_store.last_mail_error(conn))


def _host(text: str) -> str:
    """host[:port] as stored (normalised); 404 for anything that is not one."""
    try:
        return hosts.parse_url(f"https://{text}/").authority
    except hosts.InvalidURL:
        raise NotFound("that is not a host name", code="no_such_instance") from None


def _domains_above(host: str) -> list[str]:
    """a.b.example -> a.b.example, b.example, example: the domains whose policy covers the host."""
    url = hosts.parse_url(f"https://{host}/")
    if url.ip is not None:
        return [url.host]
    labels = url.host.split(".")
    return [".".join(labels[n:]) for n in range(len(labels))]


@bp.get("/admin/instances/<host>")
@require_moderator
async def instance(host: str):
    conn = runtime.current().db.reader
    host = _host(host)
    known = await admin_stats.get_instance(conn, host)
    actor_count = await admin_stats.count_actors_from(conn, host)
    state = await admin_stats.get_host_state(conn, host)
    if known is None and actor_count == 0 and state is None:
        raise NotFound(f"no instance {host} is known here", code="no_such_instance")
    return await render_template(
        "admin/instance.html", host=host, known=known, state=state, actor_count=actor_count,
        actors=await admin_stats.list_actors_from(conn, host, limit=LIST_LIMIT),
        followers=await admin_stats.count_followers_from(conn, host),
        deliveries=await admin_stats.deliveries_to(conn, host), incoming=await admin_stats.incoming_from(conn, host),
        policies=await admin_stats.policies_for(conn, _domains_above(host)), now=iso())


async def _roles_page(errors: list[str] | None = None, status: int = 200, **form):
    staff = await accounts_store.list_staff(runtime.current().db.reader)
    return await render_template("admin/roles.html", staff=staff, errors=errors or [], roles=roles.ROLES,
                                 form={"username": "", "role": "moderator", **form}), status


@bp.get("/admin/roles")
@require_admin
async def roles_page():
    return await _roles_page()


@bp.post("/admin/roles")
@require_admin
async def set_role():
    form = await request.form
    username, role = form.get("username", "").strip().removeprefix("@")[:100], form.get("role", "")
    viewer = me()
    try:
        async with runtime.current().db.transaction() as conn:
            old, new = await roles.set_role(conn, username, role,
                                            by=roles.By(viewer.actor.id, viewer.actor.username or ""))
    except WeCreateError as error:
        return await _roles_page(forms.page_messages(error), error.status, username=username, role=role)
    notice("dashboard.roles.changed" if old != new else "dashboard.roles.unchanged", username=username,
           role=_(f"dashboard.role.{new}"))
    return see_other(request.path)
