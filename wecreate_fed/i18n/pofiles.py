"""Reading and writing the catalog's .po files: one per language, the key as msgid.

Monolingual gettext (as Weblate names it): the msgid is the key ("market.results"), the msgstr the text
in that file's language. A text that takes a count `n` is a plural entry (msgid_plural = the key again)
with one form per CLDR plural category of the language, in gettext's order (German and English: one,
other). The files are written in one canonical form, entries sorted by key and never wrapped, so that two
branches that add texts touch different lines; `python -m wecreate_fed.i18n fix` rewrites them so.

This module imports nothing of the package (only Babel), so that scripts (the importer of old-format
catalog modules) and `python -m wecreate_fed.i18n` can load it even while a catalog is being repaired.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.core import Locale
from babel.messages.plurals import get_plural
from babel.messages.pofile import escape, read_po

LOCALE_DIR = Path(__file__).parent / "locale"
SOURCE_LANGUAGE = "de"  # what every other file is translated from; its texts are the `#.` comments
PLACEHOLDER = re.compile(r"{(\w+)}")
# gettext's order of the CLDR categories (babel.plural.to_gettext numbers the forms the same way)
CATEGORY_ORDER = ("zero", "one", "two", "few", "many", "other")

Text = str | tuple[str, ...]  # a plain text, or the plural forms in CATEGORY_ORDER


def path_of(lang: str, root: Path = LOCALE_DIR) -> Path:
    return root / lang / "LC_MESSAGES" / "messages.po"


def languages(root: Path = LOCALE_DIR) -> tuple[str, ...]:
    """The languages with a catalog, the source language first."""
    found = sorted(p.parent.parent.name for p in root.glob("*/LC_MESSAGES/messages.po"))
    return tuple(sorted(found, key=lambda lang: lang != SOURCE_LANGUAGE))


def categories(lang: str) -> tuple[str, ...]:
    """The CLDR plural categories of `lang` (from Babel's CLDR data) in the order of the forms."""
    tags = set(Locale.parse(lang).plural_form.tags) | {"other"}
    return tuple(tag for tag in CATEGORY_ORDER if tag in tags)


def plural_forms_header(lang: str) -> str:
    """The Plural-Forms header for gettext tools (Poedit, Weblate, msgfmt), from Babel's table."""
    return get_plural(lang).plural_forms


def read(path: Path) -> dict[str, Text]:
    """key → text (a tuple of forms for a plural entry); fuzzy and obsolete entries are not texts yet."""
    with path.open("rb") as f:
        catalog = read_po(f, locale=path.parent.parent.name)
    texts: dict[str, Text] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if message.pluralizable:
            texts[message.id[0]] = tuple(message.string or ())
        else:
            texts[str(message.id)] = str(message.string)
    return texts


def placeholders(text: Text) -> frozenset[str]:
    forms = (text,) if isinstance(text, str) else text
    return frozenset(name for form in forms for name in PLACEHOLDER.findall(form))


def _one_line(text: str) -> str:
    return text.replace("\n", "\\n")


def _quoted(keyword: str, value: str) -> str:
    return f"{keyword} {escape(value)}\n"


def render(lang: str, texts: dict[str, Text], source: dict[str, Text] | None = None) -> str:
    """The canonical text of `lang`'s .po file; `source` (the German texts) gives the translators' comments."""
    name = Locale.parse(lang).get_display_name("en")
    out = [f"# {name} texts of WeCreate Fed. The msgid is the key; see README, \"Translating the website\".\n",
           'msgid ""\n', 'msgstr ""\n']
    for header in ("Project-Id-Version: wecreate-fed", f"Language: {lang}", "MIME-Version: 1.0",
                   "Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: 8bit",
                   f"Plural-Forms: {plural_forms_header(lang)}"):
        out.append(escape(header + "\n") + "\n")
    for key in sorted(texts):
        text = texts[key]
        out.append("\n")
        original = source.get(key) if source is not None and lang != SOURCE_LANGUAGE else None
        if isinstance(original, str):
            out.append(f"#. {SOURCE_LANGUAGE}: {_one_line(original)}\n")
        elif original is not None:
            for category, form in zip(categories(SOURCE_LANGUAGE), original, strict=False):
                out.append(f"#. {SOURCE_LANGUAGE} ({category}): {_one_line(form)}\n")
        if placeholders(text):
            out.append("#, python-brace-format\n")
        out.append(_quoted("msgid", key))
        if isinstance(text, str):
            out.append(_quoted("msgstr", text))
        else:
            out.append(_quoted("msgid_plural", key))
            out.extend(_quoted(f"msgstr[{i}]", form) for i, form in enumerate(text))
    return "".join(out)


def write_all(catalogs: dict[str, dict[str, Text]], root: Path = LOCALE_DIR) -> None:
    """Write every language's file in the canonical form."""
    source = catalogs.get(SOURCE_LANGUAGE)
    for lang, texts in catalogs.items():
        path = path_of(lang, root)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(lang, texts, source), encoding="utf-8")


def from_pairs(table: dict[str, tuple[str, ...]], langs: tuple[str, ...]) -> dict[str, dict[str, Text]]:
    """The old catalog format (key: (German, English), "key.one" for the singular) as .po entries.

    A "key.one" beside "key" makes one plural entry (one, other). A text with {n} but no ".one" also
    becomes a plural entry, both forms the same; `needs_singular` names those, to be written properly.
    """
    out: dict[str, dict[str, Text]] = {lang: {} for lang in langs}
    for key, texts in table.items():
        if key.endswith(".one") and key.removesuffix(".one") in table:
            continue
        one = table.get(f"{key}.one")
        for i, lang in enumerate(langs):
            other = texts[i] if i < len(texts) else ""
            if one is not None:
                out[lang][key] = _forms(lang, one[i] if i < len(one) else "", other)
            elif "n" in placeholders(other):
                out[lang][key] = _forms(lang, other, other)
            else:
                out[lang][key] = other
    return out


def needs_singular(table: dict[str, tuple[str, ...]]) -> list[str]:
    return sorted(k for k, texts in table.items() if not k.endswith(".one") and f"{k}.one" not in table
                  and any("n" in placeholders(t) for t in texts))


def _forms(lang: str, one: str, other: str) -> tuple[str, ...]:
    """The forms of a language from a singular and a plural: the singular for "one", the plural elsewhere."""
    return tuple(one if category == "one" else other for category in categories(lang))


def conflicts(raw: str) -> list[str]:
    """Keys that a union merge of two changes left with two texts (Babel would silently take one)."""
    found: list[str] = []
    key, seen, ids = "", set[str](), set[str]()
    for line in raw.splitlines():
        keyword = line.split(" ", 1)[0]
        if keyword == "msgid":
            key, seen = line[7:-1], set()
            if key in ids:
                found.append(f"{key}: there twice (a merge of two changes to it?): keep one")
            ids.add(key)
        elif keyword.startswith("msgstr"):
            if keyword in seen:
                found.append(f"{key}: two texts (a merge of two changes to it?): keep one")
            seen.add(keyword)
    return found


def check(root: Path = LOCALE_DIR) -> list[str]:
    """What is wrong with the catalog files by themselves (not whether the code uses their keys):
    a file not in the canonical form, a key missing in a language or empty, a plural entry with the
    wrong number of forms, and placeholders that differ between languages."""
    langs = languages(root)
    if SOURCE_LANGUAGE not in langs:
        return [f"no {path_of(SOURCE_LANGUAGE, root)}"]
    catalogs = {lang: read(path_of(lang, root)) for lang in langs}
    source = catalogs[SOURCE_LANGUAGE]
    problems = []
    for lang, texts in catalogs.items():
        raw = path_of(lang, root).read_text(encoding="utf-8")
        problems += [f"{lang}: {problem}" for problem in conflicts(raw)]
        if raw != render(lang, texts, source):
            problems.append(f"{lang}: not in the canonical form (sorted, unwrapped, the German comments; "
                            "a duplicate or fuzzy entry): run python -m wecreate_fed.i18n fix")
        for key in sorted(set(source) - set(texts)):
            problems.append(f"{lang}: {key}: missing")
        for key in sorted(set(texts) - set(source)):
            problems.append(f"{lang}: {key}: not in {SOURCE_LANGUAGE}")
        count = len(categories(lang))
        for key, text in sorted(texts.items()):
            forms = (text,) if isinstance(text, str) else text
            if not all(form.strip() for form in forms):
                problems.append(f"{lang}: {key}: empty")
            if key in source and isinstance(source[key], str) != isinstance(text, str):
                problems.append(f"{lang}: {key}: a plural entry in one language, a plain text in the other")
            if not isinstance(text, str):
                if len(text) != count:
                    problems.append(f"{lang}: {key}: {len(text)} plural forms, {lang} has {count} ({', '.join(categories(lang))})")
                elif set(PLACEHOLDER.findall(text[-1])) != placeholders(text):
                    problems.append(f"{lang}: {key}: the 'other' form must show every placeholder")
            if key in source and placeholders(text) != placeholders(source[key]):
                problems.append(f"{lang}: {key}: placeholders {sorted(placeholders(text))}, "
                                f"{SOURCE_LANGUAGE} has {sorted(placeholders(source[key]))}")
    return problems
