"""German by default, English selectable; every string of the website is in the catalog."""

import re
from datetime import datetime
from pathlib import Path

from tests.web.conftest import text_of
from wecreate_fed import i18n
from wecreate_fed.civic import events, ideas, marketplace
from wecreate_fed.web import common

WEB = Path(common.__file__).parent
USED = re.compile(r"""(?:\b_|notice)\(\s*["'](\w+\.[a-z_0-9.]+)["']""")
FORM_KEYS = re.compile(r"""["'](form\.[a-z_]+)["']""")


def test_every_key_used_is_in_the_catalog_in_both_languages():
    used = set()
    for path in list((WEB / "templates").glob("**/*.html")) + list(WEB.glob("*.py")) + list(Path(i18n.__file__).parent.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        used |= {k for k in USED.findall(text) if not k.endswith((".", "_"))}
        used |= set(FORM_KEYS.findall(text))
    used |= {key for _, key in common.NAV}
    # keys put together from values
    used |= {f"status.{s}" for s in ideas.STATUSES} | {f"kind.{k}" for k in ideas.KINDS}
    used |= {f"category.{c}" for c in marketplace.AUTHOR_CATEGORIES} | {f"sort.{s}" for s in marketplace.SORTS}
    used |= {f"event_status.{s}" for s in events.STATUSES}
    used |= {f"about.registration.{m}" for m in ("open", "invite", "closed")}
    used |= {f"error.{s}" for s in (400, 403, 404, 410, 429)}
    assert sum(len(part) for part in i18n.PARTS) == len(i18n.CATALOG), "a key is in two catalog modules"
    missing = sorted(k for k in used if k not in i18n.CATALOG)
    assert not missing, f"not in the catalog: {missing}"
    for key, texts in i18n.CATALOG.items():
        assert len(texts) == len(i18n.LANGUAGES) and all(t.strip() for t in texts), key
        # the same placeholders in every language
        assert len({frozenset(re.findall(r"{(\w+)}", t)) for t in texts}) == 1, key


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


def test_dates_and_numbers_in_both_languages():
    moment = datetime(2026, 5, 14, 18, 30)
    assert i18n.format_datetime(moment, "de") == "Do., 14. Mai 2026, 18:30 Uhr"
    assert i18n.format_datetime(moment, "en") == "Thu 14 May 2026, 18:30"
    assert i18n.format_number(100000, "de") == "100.000" and i18n.format_number(100000, "en") == "100,000"
