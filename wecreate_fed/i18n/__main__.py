"""The catalog's tools for translators and developers (see README, "Translating the website").

    python -m wecreate_fed.i18n check        # the .po files by themselves: forms, placeholders, order
    python -m wecreate_fed.i18n fix          # rewrite them in the canonical form (after Poedit, a merge)
    python -m wecreate_fed.i18n init fr      # a new language: every key, empty, with the German comments
    python -m wecreate_fed.i18n set KEY "German" "English"          # add or change a text
    python -m wecreate_fed.i18n set KEY "1 Idee|{n} Ideen" "1 idea|{n} ideas"   # a plural entry

Whether the code uses every key (and only those) is tests/web/test_i18n.py's part.
"""

from __future__ import annotations

import sys

from . import pofiles


def main(argv: list[str]) -> int:
    command, args = (argv[0], argv[1:]) if argv else ("", [])
    langs = pofiles.languages()
    catalogs = {lang: pofiles.read(pofiles.path_of(lang)) for lang in langs}
    if command == "check":
        problems = pofiles.check()
        print("\n".join(problems) or f"{len(catalogs[pofiles.SOURCE_LANGUAGE])} texts in {', '.join(langs)}: fine")
        return 1 if problems else 0
    if command == "fix":
        merged = [f"{lang}: {p}" for lang in langs
                  for p in pofiles.conflicts(pofiles.path_of(lang).read_text(encoding="utf-8"))]
        if merged:  # which of two texts to keep is a person's choice
            print("\n".join(merged), file=sys.stderr)
            return 1
        pofiles.write_all(catalogs)
        return 0
    if command == "init" and len(args) == 1:
        lang = args[0]
        forms = len(pofiles.categories(lang))
        catalogs[lang] = {key: "" if isinstance(text, str) else ("",) * forms
                          for key, text in catalogs[pofiles.SOURCE_LANGUAGE].items()}
        pofiles.write_all(catalogs)
        print(f"{pofiles.path_of(lang)}: translate it (Poedit, Weblate); empty texts show in German until then")
        return 0
    if command == "set" and len(args) == 1 + len(langs):
        key = args[0]
        for lang, text in zip(langs, args[1:], strict=True):
            catalogs[lang][key] = tuple(text.split("|")) if "|" in text else text
        pofiles.write_all(catalogs)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
