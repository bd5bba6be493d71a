"""The texts of the website and its mails in every language, and dates, times and numbers in each.

The catalog is gettext: one .po file per language in locale/<lang>/LC_MESSAGES/messages.po, the key
("market.results") as msgid (see pofiles.py), read once at start (no build step). Templates call
`_("key", n=…, name=…)` (or gettext/ngettext/{% trans %}: Jinja's i18n extension, see install_jinja),
routes `common._()`, everything else `gettext(lang, key, **values)`. A text that takes a count `n` is a
plural entry: its form is chosen by the language's CLDR plural rule (Babel), so "1 Idee", "2 Ideen".
A new language is one more .po file (`python -m wecreate_fed.i18n init <lang>`).
tests/web/test_i18n.py checks that every key used is there, none unused, the same placeholders in each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

from babel.core import Locale
from babel.dates import format_interval, format_skeleton, format_time
from babel.numbers import format_decimal
from quart import g, has_app_context

from . import pofiles

DEFAULT_TIMEZONE = "Europe/Berlin"
# The Babel locale for a language's dates and numbers where the bare language would not do: plain
# "en" is the US (May 14, 6:30 PM); the site is for German cities and always showed 14 May, 18:30.
FORMAT_LOCALES = {"en": "en_GB"}

# Catalog modules in the old format (TEXTS = {key: (German, English)}, "key.one" for the singular),
# read over the .po files until po_import.py (the lead's merge script) moves them in; normally empty.
PARTS: tuple[dict[str, tuple[str, ...]], ...] = (
)


def _load() -> tuple[tuple[str, ...], dict[str, dict[str, pofiles.Text]]]:
    langs = pofiles.languages()
    texts = {lang: pofiles.read(pofiles.path_of(lang)) for lang in langs}
    for part in PARTS:
        for lang, entries in pofiles.from_pairs(part, langs).items():
            texts[lang].update(entries)
    return langs, texts


LANGUAGES, TEXTS = _load()
SOURCE = LANGUAGES[0]  # German: what the others are translated from, and the fallback for a text missing in one
LANGUAGE_NAMES = {lang: (Locale.parse(lang).get_display_name(lang) or lang).capitalize() for lang in LANGUAGES}


def _last(text: pofiles.Text) -> str:
    return text if isinstance(text, str) else text[-1]


# key → its text in each language (a plural entry's "other" form): what the checks and the forms read
CATALOG: dict[str, tuple[str, ...]] = {
    key: tuple(_last(TEXTS[lang].get(key) or text) for lang in LANGUAGES) for key, text in TEXTS[SOURCE].items()
}
_PLURAL_RULES = {lang: (Locale.parse(lang).plural_form, pofiles.categories(lang)) for lang in LANGUAGES}


def _form(lang: str, forms: tuple[str, ...], n: object) -> str:
    """The form of a plural entry for the count `n`, by the CLDR rule of `lang`; "other" without a count."""
    if isinstance(n, bool) or not isinstance(n, (int, float, Decimal)):
        return forms[-1]
    rule, categories = _PLURAL_RULES[lang]
    category = rule(abs(n))  # type: ignore[arg-type]  # an int is a number too (Babel says float | Decimal)
    return forms[categories.index(category)] if category in categories else forms[-1]


def gettext(lang: str, key: str, **values) -> str:
    """The text for `key` in `lang` with {placeholders} filled (a plural entry's form by `n`); the key if missing."""
    if lang not in TEXTS:
        lang = SOURCE
    text = TEXTS[lang].get(key)
    if not text or not all(text):  # not (fully) translated: the German text
        lang, text = SOURCE, TEXTS[SOURCE].get(key)
    if text is None:
        return key
    if not isinstance(text, str):
        text = _form(lang, text, values["n"] if "n" in values else _only_count(text[-1], values))
    count = values.get("n")
    if isinstance(count, int) and not isinstance(count, bool) and abs(count) >= 1000:  # 1.000 Ideen / 1,000 ideas
        values = {**values, "n": format_decimal(count, locale=_locale(lang))}
    return text.format(**values) if values else text


def _only_count(text: str, values: dict):
    """The count of a plural entry without `n`: its only placeholder with a whole number ("in
    {seconds} Sekunden" of an error's params), else None (the "other" form)."""
    counts = [values[name] for name in pofiles.placeholders(text) if isinstance(values.get(name), int)
              and not isinstance(values.get(name), bool)]
    return counts[0] if len(counts) == 1 else None


def ngettext(lang: str, singular: str, plural: str, n, **values) -> str:
    """gettext's ngettext with keys as ids: the entry `singular`, with `n` (and `num`, for {% trans %}) filled."""
    values.setdefault("n", n)
    values.setdefault("num", n)
    if singular not in TEXTS[SOURCE]:
        return (singular if n == 1 else plural).format(**values)
    return gettext(lang, singular, **values)


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


_SPOKEN: ContextVar[str | None] = ContextVar("wecreate_fed_language", default=None)


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Templates rendered inside speak `lang` (a mail rendered outside any request, for its reader)."""
    token = _SPOKEN.set(lang)
    try:
        yield
    finally:
        _SPOKEN.reset(token)


def _lang() -> str:
    """The language of what is being rendered: speaking(lang)'s, else the page's (g.lang), else German."""
    chosen = _SPOKEN.get()
    if chosen:
        return chosen
    return g.get("lang", SOURCE) if has_app_context() else SOURCE


def zone(name: str) -> tzinfo:
    """The time zone called `name` (an IANA name such as Europe/Berlin); ValueError if there is none."""
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError) as e:  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(f"unknown time zone {name!r}") from e


_DEFAULT_ZONE = zone(DEFAULT_TIMEZONE)


def _locale(lang: str) -> str:
    return FORMAT_LOCALES.get(lang, lang)


def _moment(value, where: tzinfo | None):
    """A date as it is; a moment in time in the instance's zone `where`.

    Stored times are UTC text ("…Z"; without an offset they are UTC too), and so is a datetime in UTC:
    both are shown in the instance's zone. A naive datetime is a wall-clock time already, and one in a
    zone of its own (an event in its own time zone) is shown in that zone.
    """
    where = where or _DEFAULT_ZONE
    if isinstance(value, str):
        if len(value) == 10:
            return date.fromisoformat(value)
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(where)
    if isinstance(value, datetime) and value.tzinfo is not None and value.tzinfo in (UTC, ZoneInfo("UTC")):
        return value.astimezone(where)
    return value


def format_date(value, lang: str | None = None, zone: tzinfo | None = None) -> str:
    """Do., 14. Mai 2026 / Thu, 14 May 2026: the locale's date with the weekday (Babel, CLDR)."""
    lang = lang or _lang()
    moment = _moment(value, zone)
    day = moment.date() if isinstance(moment, datetime) else moment
    return format_skeleton("yMMMMEd", day, locale=_locale(lang))


def format_datetime(value, lang: str | None = None, zone: tzinfo | None = None) -> str:
    """Do., 14. Mai 2026, 18:30 Uhr / Thu, 14 May 2026, 18:30, in the instance's time zone."""
    lang = lang or _lang()
    moment = _moment(value, zone)
    if not isinstance(moment, datetime):
        return format_date(moment, lang)
    return gettext(lang, "format.datetime", date=format_date(moment, lang),
                   time=format_time(moment, "short", locale=_locale(lang)))


def format_span(start: date, end: date, lang: str | None = None) -> str:
    """10.–16. März 2026 / 10 – 16 Mar 2026: a span of days as the locale writes it."""
    return format_interval(start, end, "yMMMd", locale=_locale(lang or _lang()))


def format_number(value, lang: str | None = None) -> str:
    """100.000 / 100,000."""
    number = value if isinstance(value, (int, float, Decimal)) else int(value or 0)
    return format_decimal(number, locale=_locale(lang or _lang()))


def install_jinja(env, timezone: str = DEFAULT_TIMEZONE, words: Callable[[str], dict[str, str]] | None = None) -> None:
    """Jinja's i18n extension with our callables, and the date/datetime/number filters in `timezone`.

    newstyle: a {% trans name=x %}key{% endtrans %} block calls gettext("key", name=x), so the
    callables fill {placeholders} themselves, as `_("key", name=x)` always did (Jinja's own newstyle
    wrapper would format with %, which our texts do not use). `words(lang)` gives values every text
    may use (the website's: the city's word for its districts), overridden by the call's own.
    """
    def page_text(key: str, **values) -> str:
        lang = _lang()
        return gettext(lang, key, **{**words(lang), **values}) if words else gettext(lang, key, **values)

    def page_plural(singular: str, plural: str, n, **values) -> str:
        lang = _lang()
        return ngettext(lang, singular, plural, n, **({**words(lang), **values} if words else values))

    env.add_extension("jinja2.ext.i18n")
    env.newstyle_gettext = True
    env.globals.update(_=page_text, gettext=page_text, ngettext=page_plural)
    where = zone(timezone)
    env.filters.update(date=partial(format_date, zone=where), datetime=partial(format_datetime, zone=where),
                       number=format_number)
