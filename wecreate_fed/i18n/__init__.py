"""The strings of the website and its mails in German and English, and dates and numbers in either.

No build step: one catalog of `key: (German, English)` (in catalog_site, catalog_civic and
catalog_problems). Templates call `_("key", name=…)`, routes `common._()`. A new language is one
more column (and a name in LANGUAGE_NAMES).
tests/web/test_i18n.py checks that every key used in a template or module is here.
"""

from __future__ import annotations

from datetime import date, datetime

from quart import g

from . import (
    catalog_actions,
    catalog_admin,
    catalog_civic,
    catalog_dashboard,
    catalog_domains,
    catalog_errors,
    catalog_export,
    catalog_five,
    catalog_legal,
    catalog_mail,
    catalog_move,
    catalog_notify,
    catalog_problems,
    catalog_reports,
    catalog_site,
    catalog_tags,
)

LANGUAGES = ("de", "en")
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}

# One catalog from three modules, each of a size to read; a key in two of them is a mistake
# (tests/web/test_i18n.py finds it).
PARTS = (
    catalog_site.TEXTS,
    catalog_civic.TEXTS,
    catalog_problems.TEXTS,
    catalog_admin.TEXTS,
    catalog_legal.TEXTS,
    catalog_domains.TEXTS,
    catalog_reports.TEXTS,
    catalog_dashboard.TEXTS,
    catalog_actions.TEXTS,
    catalog_mail.TEXTS,
    catalog_notify.TEXTS,
    catalog_export.TEXTS,
    catalog_move.TEXTS,
    catalog_errors.TEXTS,
    catalog_five.TEXTS,
    catalog_tags.TEXTS,
)
CATALOG: dict[str, tuple[str, str]] = {key: texts for part in PARTS for key, texts in part.items()}

_MONTHS = {
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}
_WEEKDAYS = {"de": ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."), "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


def gettext(lang: str, key: str, **values) -> str:
    """The string for `key` in `lang` with {placeholders} filled (its ".one" form when n is 1); the key if missing."""
    entry = CATALOG.get(f"{key}.one") if values.get("n") == 1 else None
    entry = entry or CATALOG.get(key)
    if entry is None:
        return key
    text = entry[LANGUAGES.index(lang) if lang in LANGUAGES else 0]
    return text.format(**values) if values else text


def has(key: str) -> bool:
    """Whether the catalog has a text for `key` (templates: has_text)."""
    return key in CATALOG


def negotiate(header: str, default: str) -> str:
    """The first of our languages in an Accept-Language header, by its q weight; else `default`."""
    best, best_q = default, -1.0
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if primary in LANGUAGES and q > best_q:
            best, best_q = primary, q
    return best


def _lang() -> str:
    """The page's language (template filters run inside a request)."""
    return g.get("lang", "de")


def format_date(value, lang: str | None = None) -> str:
    """14. Mai 2026 / 14 May 2026, with the weekday for dates of the calendar."""
    lang = lang or _lang()
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    day = value if isinstance(value, date) else value.date()
    weekday = _WEEKDAYS[lang][day.weekday()]
    month = _MONTHS[lang][day.month - 1]
    return f"{weekday}, {day.day}. {month} {day.year}" if lang == "de" else f"{weekday} {day.day} {month} {day.year}"


def format_datetime(value, lang: str | None = None) -> str:
    lang = lang or _lang()
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    suffix = " Uhr" if lang == "de" else ""
    return f"{format_date(value, lang)}, {value.strftime('%H:%M')}{suffix}"


def format_number(value, lang: str | None = None) -> str:
    lang = lang or _lang()
    text = f"{int(value or 0):,}"
    return text.replace(",", ".") if lang == "de" else text
