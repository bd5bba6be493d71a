"""Form errors tied to their fields, in the visitor's language.

An error carries its problems (errors.Problem: field, code, params, English message). Each is
shown by its code, the catalog's ``form.<code>`` with its params filled in, next to the field it
names and in the summary at the top of the form. A problem this form has no field for is shown
in the summary only; one whose code the catalog does not know there too, with its English
message on an English page and the catalog's text for its status on a German one (never English
on a German page); no text is ever read to decide where a problem belongs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from quart import current_app, g, has_app_context

from wecreate_fed import i18n
from wecreate_fed.errors import Problem, WeCreateError

from . import labels

log = logging.getLogger(__name__)
GENERAL = "_form"  # the key of what belongs to no field (a list of texts)
# What a problem without a text of its own says, by the error's status.
UNEXPLAINED = {400: "error.http_400", 403: "error.http_403", 404: "error.not_found", 409: "error.http_409",
               410: "error.gone"}
# Fields whose label is the city's word for its districts (city.district_label).
FIELD_LABELS = {"district": "place.unit", "districts": "place.units"}


def text_of(problem: Problem, lang: str | None = None) -> str | None:
    """The problem in the visitor's language, or None where the catalog has no text for its code."""
    key = f"form.{problem.code}"
    if key not in i18n.CATALOG:
        return None
    lang = lang or g.get("lang", "de")
    values = {**_words(lang), **problem.params}
    try:  # a text that needs a figure the params lack is refused (KeyError)
        return i18n.gettext(lang, key, **values) if values else i18n.gettext(lang, key).format()
    except (KeyError, IndexError, ValueError):  # the params lack a figure the text needs
        return None


def field_errors(error: WeCreateError, fields: Iterable[str], aliases: Mapping[str, str] | None = None,
                 lang: str | None = None) -> dict:
    """field -> text for the fields of this form (the first problem of each), and GENERAL -> [texts].

    `fields` are the names the form shows an error at, in the form's order (the summary's);
    `aliases` map a problem's field to the form's name for it (a box's form: `district_slug`)."""
    order = {name: n for n, name in enumerate(fields)}
    found: dict = {}
    general: list[str] = []
    for problem in error.problems:
        field = (aliases or {}).get(problem.field or "", problem.field)
        text = text_of(problem, lang)
        if text is not None and field in order:
            found.setdefault(field, text)
        else:
            general.append(_labelled(problem, lang) or text_of(problem, lang) or unexplained(error, problem, lang))
    found = dict(sorted(found.items(), key=lambda item: order[item[0]]))
    if general:
        found[GENERAL] = list(dict.fromkeys(general))  # the generic text once
    return found


def texts(error: WeCreateError, fields: Iterable[str], aliases: Mapping[str, str] | None = None) -> list[str]:
    """Every problem's text in one list, for a form that shows them together (a button's form)."""
    found = field_errors(error, fields, aliases)
    return [text for field, text in found.items() if field != GENERAL] + found.get(GENERAL, [])


def page_messages(error: WeCreateError) -> list[str]:
    """What an error page says about an error, a line per problem: ``error.<code>`` where the
    catalog has it, else ``form.<code>`` (after the name of its field where the catalog has one),
    else `unexplained`."""
    lang = g.get("lang", "de")
    found = [_page_text(problem, lang) or unexplained(error, problem, lang) for problem in error.problems]
    return list(dict.fromkeys(found))


def unexplained(error: WeCreateError, problem: Problem, lang: str | None = None) -> str:
    """A problem whose code has no text: its English message on an English page, else what the
    catalog says about the error's status (never English on a German page)."""
    lang = lang or g.get("lang", "de")
    log.info("no text for the code %r (%s)", problem.code, problem.message)
    if lang == "en" and problem.message:
        return problem.message
    return i18n.gettext(lang, UNEXPLAINED.get(error.status, "error.http_500" if error.status >= 500 else "error.http_other"))


def _page_text(problem: Problem, lang: str) -> str | None:
    try:
        if f"error.{problem.code}" in i18n.CATALOG:
            return i18n.gettext(lang, f"error.{problem.code}", **{**_words(lang), **problem.params})
    except (KeyError, IndexError, ValueError):
        return None
    return _labelled(problem, lang) or text_of(problem, lang)


def _labelled(problem: Problem, lang: str | None) -> str | None:
    """"Title: At most 200 characters." where the catalog knows both the field and the code."""
    label, text = FIELD_LABELS.get(problem.field or "", f"field.{problem.field}"), text_of(problem, lang)
    if text is None or label not in i18n.CATALOG:
        return None
    lang = lang or g.get("lang", "de")
    return f"{i18n.gettext(lang, label, **_words(lang))}: {text}"


def _words(lang: str) -> dict[str, str]:
    """The city's word for its districts, for the texts that name them."""
    rt = current_app.extensions.get("wecreate") if has_app_context() else None  # None: outside a running instance
    return labels.district_words(rt.config.district_label if rt else None, lang)
