"""The words the website uses for what comes from the configuration: the city's word for its
districts (city.district_label: Stadtbezirk, Stadtteil, Ortsteil), in the page's language and
in the forms the texts take ({Unit}, {unit}, {Units}, {units}, {unit_gen})."""

from __future__ import annotations

from wecreate_fed import i18n
from wecreate_fed.config import DISTRICT_LABELS

FORMS = ("Unit", "unit", "Units", "units", "unit_gen")


def district_words(label: str | None, lang: str) -> dict[str, str]:
    """{form: word} for the label in `lang` (filled into every text of the website); the
    default label's without one (outside a running app)."""
    label = label if label in DISTRICT_LABELS else DISTRICT_LABELS[0]
    return {form: i18n.gettext(lang, f"district_label.{label}.{form}") for form in FORMS}
