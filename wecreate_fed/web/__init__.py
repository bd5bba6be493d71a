"""The instance website: what citizens see and use.

Server-rendered pages (Jinja templates in web/templates, CSS and a small script in static/),
in German or English. Modules by concern: `auth` (register, log in and out, language),
`idea_pages` (marketplace, ideas), `event_pages` (calendar, events), `profile_pages`
(people, organisations, districts), `box_pages` (boxes), `motion_pages` (motions and the
council's page), `settings_pages`, `export_pages` (the data export, deleting the account),
`interaction` (acting across servers), `admin_pages` (the moderators' and admins' area and its
guard), with `common`
(viewer, language, navigation, errors), `security` (session secret, CSRF and Origin, CSP, login
limits), `sessions` (server-side sessions),
`accounts`, `views` and `box_views` (what a page shows), `forms`; the texts are in `wecreate_fed.i18n`.
"""

from __future__ import annotations

from quart import Quart, g
from werkzeug.routing import IntegerConverter

from wecreate_fed import hosts, i18n, inputs, runtime, urls
from wecreate_fed.runtime import Runtime

from . import (
    admin_dashboard,  # noqa: F401  (its routes are on admin_pages.bp)
    admin_pages,
    admin_reports,  # noqa: F401  (the report queue's routes, on the admin blueprint)
    allowlist_pages,
    amendment_pages,
    auth,
    box_pages,
    box_views,
    common,
    domain_pages,
    email_pages,
    event_pages,
    export_pages,
    feed_pages,
    file_pages,
    gate,
    icons,
    idea_pages,
    interaction,
    labels,
    legal_pages,
    moderation_pages,
    motion_pages,
    move_pages,
    notify_pages,
    org_member_pages,
    org_space_pages,
    password_pages,
    poll_pages,
    previews,
    profile_pages,
    publish_pages,
    report_pages,
    security,
    settings_pages,
    tag_pages,
    unsubscribe_pages,
)

BLUEPRINTS = (auth.bp, idea_pages.bp, event_pages.bp, profile_pages.bp, box_pages.bp, motion_pages.bp,
              settings_pages.bp, interaction.bp, admin_pages.bp, legal_pages.bp, legal_pages.api_bp,
              domain_pages.bp, report_pages.bp, moderation_pages.bp, password_pages.bp, email_pages.bp,
              notify_pages.bp, unsubscribe_pages.bp, export_pages.bp, move_pages.bp, tag_pages.bp,
              icons.bp, allowlist_pages.bp, org_member_pages.bp, feed_pages.bp, org_space_pages.bp,
              amendment_pages.bp, publish_pages.bp, file_pages.bp, feed_pages.feeds, poll_pages.bp)


def safe_url(value: object) -> str:
    """Template filter for every URL from outside that becomes an href or src: the http(s) URL,
    else "" so that the template leaves the link or image out (never javascript:, data:, //host)."""
    return urls.http_url(value) or ""


def media_url(value: object, owner_host: str | None = None) -> str:
    """safe_url for a picture from outside (avatar, idea image): also "" when its host or its
    owner's domain rejects media (domain policy), so the browser never loads it."""
    url = safe_url(value)
    domains = runtime.current().domains
    if url and (domains.rejects_media(hosts.authority_of(url)) or (owner_host and domains.rejects_media(owner_host))):
        return ""
    return url


class PathId(IntegerConverter):
    """`<int:…>` in every path of the website: at most what SQLite stores, so a larger number is a
    row that is not there (404) rather than an OverflowError in the query (a 500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", inputs.INT64_MAX)
        super().__init__(url_map, *args, **kwargs)


def install(app: Quart, rt: Runtime) -> None:
    """Register the website on the app: its blueprints, session settings, headers and template helpers."""
    app.url_map.converters["int"] = PathId  # before the rules are added
    app.request_class = file_pages.upload_request_class(rt.config)  # uploads may exceed federation.max_body_bytes
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.before_request(gate.check)  # a private instance: every page behind login (after the rate limits)
    security.configure(app, rt)

    @app.before_serving
    async def load_secret() -> None:
        await security.load_secret(app, rt)

    @app.after_request
    async def headers(response):
        return security.add_headers(rt, response)

    app.jinja_env.add_extension("jinja2.ext.do")
    # _, gettext, ngettext, {% trans %}, and the date/datetime/number filters in the instance's time zone
    i18n.install_jinja(app.jinja_env, rt.config.timezone,
                       words=lambda lang: labels.district_words(rt.config.district_label, lang))
    app.jinja_env.globals.update(
        csrf_token=security.csrf_token, csrf_field=security.CSRF_FIELD, nav=common.NAV,
        notices=common.take_notices, languages=i18n.LANGUAGES, language_names=i18n.LANGUAGE_NAMES,
        has_text=i18n.has, admin_nav=admin_pages.visible_nav, icon_version=icons.version,
        og_locale=previews.og_locale, describe=previews.describe,
    )
    app.jinja_env.filters.update(amount=box_views.amount, host=urls.host_of, safe_url=safe_url, media_url=media_url)

    @app.context_processor
    async def page_context() -> dict:
        return {"config": rt.config, "viewer": g.get("viewer"), "lang": g.get("lang", rt.config.default_language)}
