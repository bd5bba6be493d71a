"""German by default, English selectable; every text of the website in the .po catalog, and only those;
plural forms by CLDR; dates, times and numbers by locale in the instance's time zone."""

import gettext as stdlib_gettext
import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.core import Locale
from quart import g

from tests.conftest import instance_config
from tests.web.conftest import text_of
from wecreate_fed import config as config_module
from wecreate_fed import i18n
from wecreate_fed.app import create_app
from wecreate_fed.civic import boxes, events, export, ideas, marketplace, motions
from wecreate_fed.civic.boxes import amendments
from wecreate_fed.errors import FORM_CODES, ConfigError
from wecreate_fed.i18n import pofiles
from wecreate_fed.moderation import actions, appeals, reports, roles, transparency
from wecreate_fed.notify import topics
from wecreate_fed.store import orgs as orgs_store
from wecreate_fed.web import allowlist_pages, common, labels

ROOT = Path(i18n.__file__).parents[1]
SOURCES = [p for p in ROOT.rglob("*") if p.suffix in (".py", ".html", ".txt") and "locale" not in p.parts]
# A key in a call: _("key"), notice("key"), gettext(lang, "key"), ngettext("key", …), {% trans %}key{% endtrans %}
CALLED = re.compile(r"""(?:\b_|\bnotice|\bgettext\(\s*\w+\s*,|\bngettext)\(\s*["'](\w+\.[a-z_0-9.]+)["']"""
                    r"""|\{%-?\s*trans\b[^%]*%\}\s*(\w+\.[a-z_0-9.]+)\s*\{%""")
# A key called with a count: _("key", …, n=…)
COUNTED = re.compile(r"""(?:\b_|\bnotice)\(\s*["'](\w+\.[a-z_0-9.]+)["'][^()]*\bn=""")
LITERAL = re.compile(r"""["']([a-z_0-9]+(?:\.[a-z_0-9]+)+)["']""")
FORM_KEYS = re.compile(r"""["'](form\.[a-z_]+)["']""")
WORD = re.compile(r"""["'](\w+)["']""")


def _sources() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in SOURCES}


def _families(texts: dict[Path, str]) -> dict[str, set[str]]:
    """The keys put together from a prefix and a value ("status." ~ s, f"form.{code}"), by prefix."""
    # a code, a field or a notification's kind is named as a word in the code: code="…", .add("field", "code")
    words = {w for path, text in texts.items() if path.suffix == ".py" for w in WORD.findall(text)}
    kinds = actions.CONTENT_KINDS + actions.ACCOUNT_KINDS
    targets = tuple(set(reports.REPORTABLE.values()) | {"actor"})
    severities = ("noop", "limit", "suspend")  # a domain policy's (moderation/domains.py)
    families = {
        "status.": ideas.STATUSES, "kind.": ideas.KINDS, "category.": marketplace.AUTHOR_CATEGORIES,
        "sort.": marketplace.SORTS, "event_status.": events.STATUSES,
        "about.registration.": config_module.REGISTRATION_MODES,
        "error.": {"400", "403", "404", "405", "409", "410", "413", "429"} | words,
        "form.": set(FORM_CODES) | words, "field.": words | {f"topic_{t}" for t in topics.TOPICS},
        "notification.": words | {f"motion_{k}" for k in ("received", "on_agenda", "decided")},  # answers.py
        "motion_state.": motions.STATES, "visibility.": boxes.VISIBILITIES, "visibility_hint.": boxes.VISIBILITIES,
        "role.": boxes.ROLES, "decision.": ("accepted", "rejected"), "task_state.": ("open", "done"),
        "answer.": ("received", "on_agenda", "decided"),
        "moderation.kind.": kinds, "moderation.what.": kinds, "transparency.kind.": kinds,
        "moderation.category.": actions.CATEGORIES, "transparency.category.": actions.CATEGORIES,
        "report.category.": reports.CATEGORIES, "moderation.target.": targets, "report.what.": targets,
        "admin.reports.source.": reports.SOURCES, "transparency.source.": reports.SOURCES,
        "admin.reports.state.": ("open", "resolved"), "action_state.": ("active", "final", "undone"),
        "appeal_state.": transparency.APPEAL_STATES, "transparency.appeal.": transparency.APPEAL_STATES,
        "moderation.appeal.": appeals.OUTCOMES, "dashboard.role.": roles.ROLES, "legal.role.": ("admin", "moderator"),
        "domains.severity.": severities, "admin.domains.explain.": severities, "instance.policy_": severities,
        "notice.rule_": ("up", "down", "remove", "save"),
        "dashboard.chart.": {f"{kind}{end}" for kind in ("ideas", "supports") for end in ("", "_desc", "_column")},
        # notifications (notify/texts.py, notify_settings.html, unsubscribe_pages.py, notify/preferences.py)
        "notify.text.": set(topics.TOPIC_OF), "notify.topic.": topics.TOPICS,
        "notify.frequency.": topics.FREQUENCIES, "notify.scope.": (*topics.DIGESTS, topics.ALL),
        "notify.weekday.": {str(d) for d in range(7)},
        # the files of the data export (civic/export.py's README.txt)
        "export.file.": {name.replace(".", "_") for name in export.FILES},
        # the city's word for its districts in each grammatical form (web/labels.py)
        "district_label.": {f"{label}.{form}" for label in config_module.DISTRICT_LABELS for form in labels.FORMS},
        # issue 12: amendments, the private login page and feeds, organisation spaces, the allowlist
        "amend.state.": amendments.STATES,
        "gate.login.accounts.": ("invite", "closed"),  # a private instance refuses "open"
        "gate.feeds.": ("marketplace", "calendar", "district_calendar"),
        "members.role.": orgs_store.ROLES, "members.error.": words, "members.import.": words,
        "private.allowlist.error.": allowlist_pages.OWN_CODES,
    }
    return {prefix: set(values) for prefix, values in families.items()}


def _used(texts: dict[Path, str]) -> tuple[set[str], set[str]]:
    """(keys the code calls or builds, which must exist; every key the code names, which counts as a use)."""
    called = {k for text in texts.values() for m in CALLED.findall(text) for k in m if k and not k.endswith((".", "_"))}
    called |= {k for text in texts.values() for k in FORM_KEYS.findall(text)} | {key for _, key in common.NAV}
    built = {prefix + value for prefix, values in _families(texts).items() for value in values}
    named = {k for text in texts.values() for k in LITERAL.findall(text)}
    return called, named | called | built


def test_every_key_used_is_in_the_catalog_and_every_key_in_it_is_used():
    texts = _sources()
    called, used = _used(texts)
    missing = sorted(k for k in called if k not in i18n.CATALOG)
    assert not missing, f"not in the catalog: {missing}"
    unused = sorted(k for k in i18n.CATALOG if k not in used)
    assert not unused, f"in the catalog but used nowhere (remove them, or name the family in this test): {unused}"
    # each family put together from values is still put together somewhere
    code = "\n".join(texts.values())
    stale = [p for p in _families(texts) if f'"{p}" ~' not in code and f"'{p}' ~" not in code
             and f'"{p}" +' not in code and f"'{p}' +" not in code and f'f"{p}{{' not in code and f"f'{p}{{" not in code]
    assert not stale, f"families this test names that no code builds any more: {stale}"


def test_the_families_the_templates_build_exist_in_both_languages():
    texts = _sources()
    optional = {"error.", "field.", "instance.policy_", "notify.text.", "export.file.", "transparency.kind.", "transparency.category.",
                "transparency.source.", "notification.", "form.",
                "members.error.", "members.import."}  # has_text() or a fallback; FORM_CODES: test_form_errors
    missing = sorted(prefix + v for prefix, values in _families(texts).items() if prefix not in optional
                     for v in values if prefix + v not in i18n.CATALOG)
    assert not missing, missing


def test_the_catalog_files_are_consistent_sorted_and_the_same_placeholders_in_every_language():
    assert pofiles.check() == []
    assert i18n.LANGUAGES == ("de", "en")
    for key, texts in i18n.CATALOG.items():
        assert len(texts) == len(i18n.LANGUAGES) and all(t.strip() for t in texts), key
        assert len({pofiles.placeholders(i18n.TEXTS[lang][key]) for lang in i18n.LANGUAGES}) == 1, key


def test_the_check_finds_a_placeholder_mismatch_a_missing_key_and_a_wrong_order(tmp_path):
    catalogs = {lang: dict(i18n.TEXTS[lang]) for lang in i18n.LANGUAGES}
    catalogs["en"]["market.heading"] = "Ideas for {town}"
    del catalogs["en"]["impact.heading"]
    catalogs["en"]["idea.supports_n"] = ("{n} supports",)
    pofiles.write_all(catalogs, tmp_path)
    problems = "\n".join(pofiles.check(tmp_path))
    assert "en: market.heading: placeholders ['town'], de has ['city']" in problems
    assert "en: impact.heading: missing" in problems
    assert "en: idea.supports_n: empty" in problems  # a missing form
    path = pofiles.path_of("de", tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace('msgid "a11y.main_nav"', 'msgid "zz.main_nav"'),
                    encoding="utf-8")
    assert any("de: not in the canonical form" in p for p in pofiles.check(tmp_path))
    # what a union merge of two changes to one text leaves: two msgstr lines under one msgid
    path.write_text(path.read_text(encoding="utf-8").replace('msgstr "Hauptnavigation"\n',
                                                             'msgstr "Hauptnavigation"\nmsgstr "Navigation"\n'),
                    encoding="utf-8")
    assert "de: zz.main_nav: two texts (a merge of two changes to it?): keep one" in pofiles.check(tmp_path)


def test_a_module_of_the_old_format_is_read_as_plural_entries():
    """What helpers still add this round (po_import.py moves it into the .po files the same way)."""
    old = {"x.sent": ("{n} Mails an {to}", "{n} mails to {to}"), "x.sent.one": ("Eine Mail an {to}", "One mail to {to}"),
           "x.waiting": ("{n} warten", "{n} waiting"), "x.title": ("Post", "Mail")}
    entries = pofiles.from_pairs(old, ("de", "en"))
    assert entries["de"] == {"x.sent": ("Eine Mail an {to}", "{n} Mails an {to}"), "x.waiting": ("{n} warten",) * 2,
                             "x.title": "Post"}
    assert entries["en"]["x.sent"] == ("One mail to {to}", "{n} mails to {to}")
    assert pofiles.needs_singular(old) == ["x.waiting"]
    rendered = pofiles.render("en", entries["en"], entries["de"])
    assert '#. de (one): Eine Mail an {to}\n#. de (other): {n} Mails an {to}\n#, python-brace-format\nmsgid "x.sent"' in rendered


def test_every_text_that_takes_a_count_is_a_plural_entry_by_cldr():
    counted = {k for text in _sources().values() for k in COUNTED.findall(text)}
    assert {"market.results", "idea.supports_n", "districts.line", "impact.district_line"} <= counted
    for lang in i18n.LANGUAGES:
        with_n = {k for k, t in i18n.TEXTS[lang].items() if "n" in pofiles.placeholders(t)}
        singular = sorted(k for k in counted | with_n if isinstance(i18n.TEXTS[lang][k], str))
        assert not singular, f"{lang}: texts with a count that are not plural entries: {singular}"
        # the Plural-Forms header that gettext tools read agrees with Babel's CLDR rule that we choose by
        header = pofiles.plural_forms_header(lang)
        assert f"Plural-Forms: {header}" in pofiles.path_of(lang).read_text(encoding="utf-8")
        expr = stdlib_gettext.c2py(header.split("plural=")[1].rstrip(";"))
        rule, categories = Locale.parse(lang).plural_form, pofiles.categories(lang)
        assert all(expr(n) == categories.index(rule(n)) for n in range(1000)), lang
    assert i18n.gettext("de", "market.results", n=1) == "1 Idee"
    assert i18n.gettext("de", "market.results", n=0) == "0 Ideen"
    assert i18n.gettext("en", "market.results", n=21) == "21 ideas"
    assert i18n.gettext("de", "market.results", n=12345) == "12.345 Ideen"  # the count by locale too
    assert i18n.gettext("en", "market.results", n=1000) == "1,000 ideas"
    assert i18n.gettext("de", "districts.line", n=1, implemented=0) == "1 Idee, 0 umgesetzt"
    assert i18n.gettext("en", "idea.supports_n", n=1) == "1 support"
    assert i18n.gettext("de", "market.results") == "{n} Ideen"  # without a count: the "other" form, unfilled
    assert i18n.gettext("de", "no.such.key", n=1) == "no.such.key"


async def test_the_home_page_says_1_idee(site, visitor_for):
    anna = visitor_for(site, accept_language="de")
    await anna.register("anna")
    await anna.publish_idea("Trinkbrunnen", districts=("west",))
    _, text, _ = await anna.get("/")
    page = text_of(text)
    assert "1 Idee, 0 umgesetzt" in page and "1 Ideen" not in page, page
    assert "1 Idee, 0 umgesetzt" in text_of((await anna.get("/d/"))[1])
    _, text, _ = await visitor_for(site, accept_language="en").get("/")
    assert "1 idea, 0 implemented" in text_of(text) and "1 ideas" not in text_of(text)


async def test_jinja_gettext_ngettext_and_trans_blocks(tmp_path):
    app = create_app(instance_config(tmp_path, "leipzig", 8000), run_workers=False)
    env = app.jinja_env
    source = ('{{ _("market.results", n=1) }}|{{ gettext("market.heading", city="Leipzig") }}|'
              '{{ ngettext("market.results", "market.results", 3) }}|{% trans %}market.empty{% endtrans %}|'
              '{% trans city="Halle" %}market.heading{% endtrans %}|'
              '{% trans count=1 %}market.results{% pluralize %}market.results{% endtrans %}|'
              '{{ "2026-01-15T15:00:00.000000Z" | datetime }}|{{ 1234567 | number }}')

    async def render(lang):
        async with app.app_context():
            g.lang = lang
            return await env.from_string(source).render_async()

    assert await render("de") == ("1 Idee|Ideen für Leipzig|3 Ideen|Keine Ideen gefunden.|Ideen für Halle|"
                                         "1 Idee|Do., 15. Januar 2026, 16:00 Uhr|1.234.567")
    assert await render("en") == ("1 idea|Ideas for Leipzig|3 ideas|No ideas found.|Ideas for Halle|"
                                         "1 idea|Thu, 15 January 2026, 16:00|1,234,567")
    # outside any request (a mail for its reader): the language chosen with speaking()
    with i18n.speaking("en"):
        assert (await env.from_string(source).render_async()).startswith("1 idea|Ideas for Leipzig|")
    assert (await env.from_string(source).render_async()).startswith("1 Idee|Ideen für Leipzig|")


def test_accept_language_is_read_by_weight():
    assert i18n.negotiate("en-GB,en;q=0.9,de;q=0.8", "de") == "en"
    assert i18n.negotiate("fr-FR,de;q=0.5,en;q=0.7", "de") == "en"
    assert i18n.negotiate("fr", "de") == "de"
    assert i18n.negotiate("", "en") == "en"


async def test_german_by_default_and_english_on_request(site, visitor_for):
    german = visitor_for(site, accept_language="fr")
    status, text, _ = await german.get("/")
    assert '<html lang="de">' in text and "Ideen für Leipzig" in text_of(text)
    english = visitor_for(site, accept_language="en-US,en;q=0.9")
    status, text, _ = await english.get("/")
    assert '<html lang="en">' in text and "Ideas for Leipzig" in text_of(text)


async def test_the_language_switch_sticks_and_an_accounts_language_wins(site, visitor_for):
    guest = visitor_for(site, accept_language="de")
    status, _, headers = await guest.get("/language?lang=en&next=/events")
    assert status == 303 and headers["Location"] == "/events"
    status, text, _ = await guest.get("/events")
    assert '<html lang="en">' in text and "Events" in text_of(text)
    assert await guest.register("anna") == 303  # registered in English: the account keeps it
    assert (await site.query("SELECT language FROM accounts"))[0]["language"] == "en"
    await guest.get("/settings")
    await guest.post("/language", {"lang": "de"})
    assert (await site.query("SELECT language FROM accounts"))[0]["language"] == "de"
    other_browser = visitor_for(site, accept_language="en")
    await other_browser.login("anna")
    status, text, _ = await other_browser.get("/settings")
    assert '<html lang="de">' in text and "Einstellungen" in text_of(text)


def test_dates_and_numbers_by_locale():
    moment = datetime(2026, 5, 14, 18, 30)  # a wall-clock time: shown as it is
    assert i18n.format_datetime(moment, "de") == "Do., 14. Mai 2026, 18:30 Uhr"
    assert i18n.format_datetime(moment, "en") == "Thu, 14 May 2026, 18:30"
    assert i18n.format_date(date(2026, 3, 1), "de") == "So., 1. März 2026"
    assert i18n.format_date("2026-03-01", "en") == "Sun, 1 March 2026"
    assert i18n.format_number(100000, "de") == "100.000" and i18n.format_number(100000, "en") == "100,000"
    assert i18n.format_number(2.5, "de") == "2,5" and i18n.format_number(None, "de") == "0"
    assert i18n.format_span(date(2026, 3, 9), date(2026, 3, 15), "de") == "9.–15. März 2026"


@pytest.mark.parametrize(("stored", "shown_de", "shown_en"), [
    # winter (CET, UTC+1) and summer (CEST, UTC+2): written at 16:00 in Leipzig either way
    ("2026-01-15T15:00:00.000000Z", "Do., 15. Januar 2026, 16:00 Uhr", "Thu, 15 January 2026, 16:00"),
    ("2026-07-15T14:00:00.000000Z", "Mi., 15. Juli 2026, 16:00 Uhr", "Wed, 15 July 2026, 16:00"),
    # a UTC evening is the next day in Leipzig
    ("2026-12-31T23:30:00.000000Z", "Fr., 1. Januar 2027, 00:30 Uhr", "Fri, 1 January 2027, 00:30"),
])
def test_stored_utc_times_are_shown_in_the_instances_zone(stored, shown_de, shown_en):
    assert i18n.format_datetime(stored, "de") == shown_de
    assert i18n.format_datetime(stored, "en") == shown_en
    moment = datetime.fromisoformat(stored.replace("Z", "+00:00"))
    assert moment.tzinfo is UTC and i18n.format_datetime(moment, "de") == shown_de
    assert i18n.format_date(stored, "de") == shown_de.rsplit(",", 1)[0]
    new_york = i18n.format_datetime(stored, "en", zone=ZoneInfo("America/New_York"))
    assert new_york != shown_en and new_york.endswith(("10:00", "18:30"))
    # a time in a zone of its own (an event's) stays in that zone
    assert i18n.format_datetime(moment.astimezone(ZoneInfo("America/New_York")), "en") == new_york


async def test_a_comment_written_at_16_00_in_leipzig_shows_16_00_uhr(site, visitor_for):
    anna = visitor_for(site, accept_language="de")
    await anna.register("anna")
    path = await anna.publish_idea("Trinkbrunnen")
    idea_id = (await site.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    assert (await anna.post("/ideas/comment", {"idea": idea_id, "text": "Gute Idee"}))[0] == 303
    for stored, shown in (("2026-01-15T15:00:00.000000Z", "15. Januar 2026, 16:00 Uhr"),
                          ("2026-07-15T14:00:00.000000Z", "15. Juli 2026, 16:00 Uhr")):
        async with site.rt.db.transaction() as conn:
            await conn.execute("UPDATE objects SET published = ? WHERE in_reply_to = ?", (stored, idea_id))
        _, text, _ = await anna.get(path)
        assert shown in text_of(text), text_of(text)


def test_instance_timezone_is_checked_when_the_config_is_read(tmp_path):
    assert instance_config(tmp_path, "leipzig", 8000).timezone == "Europe/Berlin"
    raw = {"instance": {"name": "X", "base_url": "http://127.0.0.1:8000", "timezone": "America/New_York"},
           "city": {"name": "X", "districts": [{"slug": "mitte", "name": "Mitte"}]},
           "federation": {"allow_private_addresses": True}}
    assert config_module.from_dict(raw, base_dir=tmp_path).timezone == "America/New_York"
    for bad in ("Europe/Leipzig", "../../etc/passwd", "CEST+2"):
        raw["instance"]["timezone"] = bad
        with pytest.raises(ConfigError, match=r"instance.timezone: unknown time zone .* such as Europe/Berlin"):
            config_module.from_dict(raw, base_dir=tmp_path)


def test_a_plural_entry_without_n_counts_by_its_only_whole_number():
    """An error's params name their count ("seconds"): "in 1 Sekunde", "in 2 Sekunden"."""
    assert i18n.gettext("de", "error.rate_limited", seconds=1).endswith("in 1 Sekunde wieder.")
    assert i18n.gettext("de", "error.rate_limited", seconds=2).endswith("in 2 Sekunden wieder.")
    assert i18n.gettext("en", "error.too_many", minutes=1).endswith("in 1 minute.")
    assert i18n.gettext("en", "error.too_many", minutes=15).endswith("in 15 minutes.")
