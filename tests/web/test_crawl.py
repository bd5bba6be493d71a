"""The crawl: from the home page, every same-origin link (and theirs, bounded in count and time),
logged out, logged in and as an admin, in German and in English: no page answers 400 or more, and
no page shows a text of the other language.

"A text of the other language" is judged with the catalog: every entry whose German and English
differ gives its texts' fragments between {placeholders} of at least two words; a German page's
visible text (with its alt, title, placeholder and aria-label texts) must not contain an English
fragment, an English page not a German one. Names, numbers and what people wrote are no catalog
texts, so they are never judged; an element marked with another `lang` (the language switch) is
left out, as a screen reader reads it in its own language.
"""

from __future__ import annotations

import re
import time
from collections import Counter, deque
from datetime import datetime, timedelta
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest

from tests.web.test_box_pages import create_box
from wecreate_fed import i18n

PAGES = 160  # per pass
SECONDS = 75.0  # per pass
SAME_SHAPE = 6  # visits of one path with the same query parameter names (filters, pages)
SKIP_PATHS = ("/static/", "/media/", "/logout", "/language")
SKIP_ENDINGS = (".ics", ".atom", ".csv", ".pdf")
# The printable motion goes on paper to a German council: German whatever the visitor's language.
GERMAN_ALWAYS = ("/print",)
WORD = re.compile(r"[^\W\d_]{2,}")
HREF = re.compile(r"<a\b[^>]*?\bhref=\"([^\"]*)\"", re.S)
READ_ATTRIBUTES = re.compile(r"\b(?:alt|title|placeholder|aria-label)=\"([^\"]*)\"")


def _fragments(text: str) -> list[str]:
    """The literal pieces of a catalog text between its {placeholders}, of at least two words."""
    pieces = re.split(r"\{[^}]*\}", re.sub(r"<[^>]+>", " ", text))
    found = []
    for piece in pieces:
        piece = re.sub(r"\s+", " ", piece).strip(" .,:;!?()«»\"'–-·/")
        if len(WORD.findall(piece)) >= 2:
            found.append(piece)
    return found


def _language_texts() -> dict[str, dict[str, str]]:
    """lang -> {fragment: catalog key} of the texts that differ between the two languages; a
    fragment that also occurs in the other language's texts (a loanword, a name) is left out."""
    by_lang: dict[str, dict[str, str]] = {"de": {}, "en": {}}
    whole = {"de": " \n ".join(g for g, _ in i18n.CATALOG.values()), "en": " \n ".join(e for _, e in i18n.CATALOG.values())}
    for key, (german, english) in i18n.CATALOG.items():
        if german.strip() == english.strip():
            continue
        for lang, text in (("de", german), ("en", english)):
            other = whole["en" if lang == "de" else "de"]
            for fragment in _fragments(text):
                if fragment not in other:
                    by_lang[lang].setdefault(fragment, key)
    return by_lang


TEXTS = _language_texts()
PATTERNS = {lang: re.compile(r"(?<!\w)(?:" + "|".join(re.escape(f) for f in sorted(texts, key=len, reverse=True))
                             + r")(?!\w)") for lang, texts in TEXTS.items()}


def visible_text(html: str, page_lang: str) -> str:
    """What a person reads (or hears) on a page: the body without scripts and styles, without
    elements in another language, with the texts of alt, title, placeholder and aria-label."""
    body = html.split("<body", 1)[-1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<(\w+)\b[^>]*\blang=\"(?!" + page_lang + r"\")[^\"]*\"[^>]*>.*?</\1>", " ", body, flags=re.S)
    read = " ".join(READ_ATTRIBUTES.findall(body))
    text = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", unescape(text + " " + read)).strip()


def other_language(html: str, lang: str) -> list[str]:
    """The other language's catalog fragments on this page ("fragment" (key))."""
    other = "en" if lang == "de" else "de"
    text = visible_text(html, lang)
    return sorted({f"{m.group(0)!r} ({TEXTS[other][m.group(0)]})" for m in PATTERNS[other].finditer(text)})


def _local(base_url: str, page: str, href: str) -> str | None:
    """The same-origin path?query a link leads to, or None for another server, a file, a switch."""
    href = unescape(href).strip()
    if not href or href.startswith(("#", "mailto:", "javascript:")):
        return None
    url = urljoin(base_url + page, href)
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != base_url:
        return None
    if parts.path.startswith(SKIP_PATHS) or parts.path.endswith(SKIP_ENDINGS):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def crawl(visitor, lang: str, *, limit: int = PAGES, seconds: float = SECONDS) -> dict:
    """Breadth first from "/": {"pages": n, "errors": [(status, path, from)], "language": [(path, texts)]}."""
    base = visitor.base_url
    queue: deque[tuple[str, str]] = deque([("/", "")])
    seen: set[str] = {"/"}
    shapes: Counter = Counter()
    errors, wrong, pages = [], [], 0
    deadline = time.monotonic() + seconds
    while queue and pages < limit and time.monotonic() < deadline:
        path, came_from = queue.popleft()
        status, text, headers = await visitor.get(path)
        pages += 1
        if status >= 400:
            errors.append((status, path, came_from))
            continue
        if status in (301, 302, 303, 307, 308):
            found = [headers.get("Location", "")]
        elif "text/html" in headers.get("Content-Type", ""):
            page_lang = "de" if path.endswith(GERMAN_ALWAYS) else lang
            assert f'<html lang="{page_lang}"' in text, f"{path} is not in {page_lang}"
            texts = other_language(text, page_lang)
            if texts:
                wrong.append((path, texts))
            found = HREF.findall(text)
        else:
            continue
        for href in found:
            target = _local(base, path, href)
            if target is None or target in seen:
                continue
            parts = urlsplit(target)
            shape = (parts.path, tuple(sorted(k for k, _, _ in (p.partition("=") for p in parts.query.split("&") if p))))
            shapes[shape] += 1
            if shapes[shape] > SAME_SHAPE:
                continue
            seen.add(target)
            queue.append((target, path))
    return {"pages": pages, "errors": errors, "language": wrong}


def test_the_judge_finds_the_other_language_and_leaves_names_and_switches_alone():
    german_page = ('<html lang="de"><body><h1>Ideen für Leipzig</h1><p>Please log in first.</p>'
                   '<a lang="en" href="/language?lang=en">English</a><input placeholder="Search ideas"></body></html>')
    found = other_language(german_page, "de")
    assert any("Please log in first" in f for f in found), found
    english_page = '<html lang="en"><body><p>Bitte melde dich zuerst an.</p><p>Trinkbrunnen am Markt</p></body></html>'
    assert any("Bitte melde dich zuerst an" in f for f in other_language(english_page, "en"))
    clean = '<html lang="de"><body><p>Bitte melde dich zuerst an.</p><a lang="en">Please log in first.</a></body></html>'
    assert other_language(clean, "de") == []
    assert len(TEXTS["de"]) > 300 and len(TEXTS["en"]) > 300  # the catalog is read


async def _a_city_with_content(site, visitor_for):
    """A city with something on every kind of page: an idea with a comment and a support, an event,
    a box with a motion, an organisation, an admin; returns (anna, ada)."""
    await site.create_user("beirat", name="Stadtbezirksbeirat West", type_="Organization", category="administration",
                           password="sicheres-passwort")
    await site.create_user("ada", password="sicheres-passwort", role="admin")
    anna, bert = visitor_for(site), visitor_for(site)
    assert await anna.register("anna") == 303
    assert await bert.register("bert") == 303
    idea_path = await anna.publish_idea("Trinkbrunnen am Markt", topics="wasser", summary="Brunnen fuer alle")
    await anna.get(idea_path)
    idea_id = (await site.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    await anna.post("/ideas/comment", {"idea": idea_id, "text": "Gute Sache"})
    await bert.get(idea_path)
    await bert.post("/ideas/support", {"idea": idea_id})
    starts = (datetime.now() + timedelta(days=3)).replace(hour=18, minute=0, second=0, microsecond=0)
    await anna.get("/events/new")
    status, text, _ = await anna.post("/events/new", {
        "title": "Treffen am Brunnen", "description": "Planen", "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "timezone": "Europe/Berlin",
        "place_name": "Lindenauer Markt", "locality": "Leipzig", "district": "west", "linked_idea": idea_id,
        "action": "save"})
    assert status == 303, text
    event_id = (await site.query("SELECT ap_id FROM events"))[0]["ap_id"]
    await bert.get("/events")
    assert (await bert.post("/events/attend", {"event": event_id}))[0] == 303  # a notification for anna
    box = await create_box(anna)
    await anna.get(f"{box}/motions/new")
    status, _, _ = await anna.post(f"{box}/motions/new", {"title": "Mehr Licht", "request": "Laternen",
                                                          "action": "save"})
    assert status == 303
    ada = visitor_for(site)
    assert await ada.login("ada") == 303
    return anna, ada


def _report(results: dict) -> str:
    lines = []
    for name, result in results.items():
        lines += [f"{name}: {status} {path} (linked from {came_from or 'the start'})"
                  for status, path, came_from in result["errors"]]
        lines += [f"{name}: {path}: {', '.join(texts)}" for path, texts in result["language"]]
    return "\n".join(lines)


@pytest.mark.timeout(900)
async def test_every_page_linked_from_the_home_page_answers_in_one_language(site, visitor_for):
    anna, ada = await _a_city_with_content(site, visitor_for)
    results = {}
    # logged out: German by default; English by the language switch (its cookie) and by Accept-Language
    results["logged out, de"] = await crawl(visitor_for(site, accept_language=""), "de")
    switcher = visitor_for(site, accept_language="")
    status, _, headers = await switcher.get("/language?lang=en&next=/")
    assert status == 303 and "lang=en" in headers.get("Set-Cookie", "")
    results["logged out, en (switch)"] = await crawl(switcher, "en")
    results["logged out, en (Accept-Language)"] = await crawl(visitor_for(site, accept_language="en-GB,en;q=0.9"),
                                                             "en", limit=60)
    # logged in: the account's language, changed through the switch
    for name, visitor in (("anna", anna), ("admin", ada)):
        results[f"{name}, de"] = await crawl(visitor, "de")
        await visitor.get("/")
        status, _, _ = await visitor.post("/language", {"lang": "en"})
        assert status == 303
        results[f"{name}, en"] = await crawl(visitor, "en")
    for name, result in results.items():
        assert result["pages"] >= 10, f"{name}: only {result['pages']} pages reached"
    assert not _report(results), "\n" + _report(results)
