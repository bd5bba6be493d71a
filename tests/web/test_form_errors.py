"""Problems shown by their code: on their field, in the visitor's language, all at once and in a
summary at the top; a problem without a text of its own above the form in English; error pages by code."""

import json
import re
from pathlib import Path

import aiohttp

from tests.web.conftest import text_of
from wecreate_fed import i18n
from wecreate_fed.errors import FORM_CODES, BadRequest, Problem
from wecreate_fed.web import forms

ROOT = Path(__file__).resolve().parents[2] / "wecreate_fed"
# Where the website and the account rules raise problems: code="…" and Problems.add(field, "…", …).
RAISED = re.compile(r"""\bcode=["'](\w+)["']|\.add\(\s*(?:[\w"'{}.]+|f["'][^"']*["'])\s*,\s*["'](\w+)["']""")


def test_every_form_code_has_a_german_and_an_english_text():
    missing = sorted(code for code in FORM_CODES if f"form.{code}" not in i18n.CATALOG)
    assert not missing, f"form codes without a text in the catalog: {missing}"
    for code in FORM_CODES:
        german, english = i18n.CATALOG[f"form.{code}"]
        assert german.strip() and english.strip() and german != english, code


def test_every_code_the_website_and_the_account_rules_raise_has_a_text():
    sources = list((ROOT / "web").glob("*.py")) + [ROOT / "civic" / "accounts.py"]
    raised = {code for path in sources for match in RAISED.finditer(path.read_text(encoding="utf-8"))
              for code in match.groups() if code}
    assert {"username_taken", "password_short", "slug_reserved", "not_yours", "csrf"} <= raised  # the scan works
    missing = sorted(c for c in raised if f"form.{c}" not in i18n.CATALOG and f"error.{c}" not in i18n.CATALOG)
    assert not missing, f"codes raised without a text: {missing}"


def test_a_problem_lands_on_its_field_by_its_code_whatever_its_message_says():
    error = BadRequest(problems=[
        Problem("title", "too_long", "words that name no field at all", {"limit": 200}),
        Problem("districts", "district_required", "summary is longer than 5 characters"),
        Problem("summary", "no_text_for_this_code", "the summary is odd"),
        Problem("title", "required", "a second problem of the title"),
        Problem("not_on_this_form", "required", "something else is missing"),
        Problem("body", "too_long", "a text whose figure is missing"),  # no limit: its text cannot be made
    ])
    fields = ("title", "summary", "body", "districts")
    german = forms.field_errors(error, fields, lang="de")
    assert german["title"] == "Höchstens 200 Zeichen." and german["districts"] == "Bitte wähle mindestens einen Stadtbezirk."
    # unknown code, missing figure: above the form, in German by the error's status (once); a known
    # code for an unknown field: its text
    assert "summary" not in german and "body" not in german
    assert german[forms.GENERAL] == ["Die Anfrage war unvollständig oder fehlerhaft. Bitte lade die Seite neu und "
                                     "versuche es noch einmal.", "Bitte fülle dieses Feld aus."]
    english = forms.field_errors(error, fields, lang="en")
    assert english["title"] == "At most 200 characters." and english["districts"] == "Please choose at least one district."
    # on an English page, the English message as raised
    assert english[forms.GENERAL] == ["the summary is odd", "Please fill in this field.", "a text whose figure is missing"]
    # a form that calls the field otherwise
    unknown = BadRequest("unknown district 'x'", field="district", code="district_unknown")
    assert forms.field_errors(unknown, ("district_slug",), {"district": "district_slug"}, lang="en") == {
        "district_slug": "There is no such district here."}
    # a known code for a field this form lacks keeps its field's name
    assert forms.field_errors(unknown, ("title",), lang="de") == {forms.GENERAL: ["Stadtbezirk: Diesen Stadtbezirk gibt es hier nicht."]}


async def _publish_with_a_long_title(visitor):
    await visitor.get("/ideas/new")
    return await visitor.post("/ideas/new", [("title", "T" * 201), ("districts", "west"), ("action", "save")])


def _field_error(text: str, field: str) -> str | None:
    match = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', text, re.S)
    return match.group(1).strip() if match else None


async def test_a_too_long_title_is_shown_at_the_title_field_in_the_visitors_language(site, visitor_for):
    anna, john = visitor_for(site), visitor_for(site, accept_language="en-GB,en;q=0.9")
    await anna.register("anna")
    await john.register("john")
    status, text, _ = await _publish_with_a_long_title(anna)
    assert status == 400 and _field_error(text, "title") == "Höchstens 200 Zeichen."
    assert 'aria-describedby="title-error"' in text and 'aria-invalid="true"' in text
    summary = text_of(text.split('class="form-errors"', 1)[1].split("</div>", 1)[0])
    assert "Titel: Höchstens 200 Zeichen." in summary and 'href="#title"' in text
    status, text, _ = await _publish_with_a_long_title(john)
    assert status == 400 and '<html lang="en">' in text and _field_error(text, "title") == "At most 200 characters."
    assert await site.query("SELECT 1 FROM ideas") == []


async def test_the_websites_own_problems_are_listed_all_at_once(site, visitor_for):
    await site.create_user("anna")
    bert = visitor_for(site, accept_language="en")
    await bert.get("/register")
    status, text, _ = await bert.post("/register", {"username": "anna", "password": "short",
                                                    "password_repeat": "other", "district": "atlantis"})
    assert status == 400
    assert _field_error(text, "username") == "This name is taken."
    assert _field_error(text, "password") == "At least 8 characters."
    assert _field_error(text, "password_repeat") == "The two passwords do not match."
    assert _field_error(text, "district") == "There is no such district here."
    links = re.findall(r'<li><a href="#(\w+)">', text)
    assert links == ["username", "password", "password_repeat", "district"]
    assert await site.query("SELECT 1 FROM actors WHERE username = 'anna' AND is_local = 1") != []


async def test_error_pages_speak_the_visitors_language_by_code(site, visitor_for):
    anna, bert, carl = visitor_for(site), visitor_for(site), visitor_for(site, accept_language="en")
    await anna.register("anna")
    path = await anna.publish_idea("Trinkbrunnen")
    await bert.register("bert")
    await carl.register("carl")
    status, text, _ = await bert.get(f"{path}/edit")
    assert status == 403 and "Nur die Person, die das veröffentlicht hat" in text_of(text)
    status, text, _ = await carl.get(f"{path}/edit")
    assert status == 403 and "Only the person who published this" in text_of(text)
    # outside the website's routes too: a browser gets the styled page, a client JSON
    status, text, _ = await carl.get("/no/such/page")
    assert status == 404 and '<html lang="en">' in text and "Not found" in text_of(text) and "carl" in text
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{site.base_url}/no/such/page", headers={"Accept": "application/json"}) as r:
            assert r.status == 404 and json.loads(await r.text())["error"] == "not_found"
