"""Reports in a real headless Chromium: a member reports an idea from its page, a visitor without
an account files a notice from the footer and gets a receipt, a moderator handles the report in
the queue. Screenshots of the report form, the notice form (with its errors), the receipt, the
queue and the report page at phone and desktop width, each checked with axe-core."""

from __future__ import annotations

import json
import re

import pytest
from playwright.async_api import expect

from tests.e2e import steps
from tests.e2e.conftest import AXE, DESKTOP, PHONE, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")
IDEA = {"type": "Note", "civicKind": "idea", "name": "Parkhaus am Markt", "abstract": "Mehr Parkplätze in der Mitte",
        "source": {"content": "Ein **neues** Parkhaus.", "mediaType": "text/markdown"}, "districts": ["west"]}


async def check(page, artifacts, name: str, found: dict) -> None:
    await steps.screenshot(page, artifacts, name)
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    found[name] = [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
                   for v in result["violations"] if v["impact"] in FAILING_IMPACTS]


async def test_report_notice_and_the_moderators_queue(leipzig, browser, artifacts):
    base = leipzig.base_url
    await leipzig.create_user("anna", name="Anna Schulz", password=steps.PASSWORD)
    await leipzig.create_user("bert", name="Bert Müller", password=steps.PASSWORD)
    await leipzig.create_user("mo", name="Mo Moser", password=steps.PASSWORD, role="moderator")
    status, body = await leipzig.post_outbox("anna", IDEA)
    assert status == 201, body
    key = (await leipzig.query("SELECT ap_id FROM ideas"))[0]["ap_id"].rsplit("/", 1)[1]
    found: dict = {}
    for width_name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        # Bert reports the idea from its page
        bert = await new_page(browser, viewport=viewport, bypass_csp=True)  # (axe is injected inline)
        await bert.goto(base + "/")
        await steps.log_in(bert, "bert")
        await bert.goto(f"{base}/i/{key}")
        await bert.get_by_role("link", name="Melden (Parkhaus am Markt)").click()
        await expect(bert.get_by_role("heading", level=1)).to_have_text("Inhalt melden")
        await check(bert, artifacts, f"report-form-{width_name}", found)
        await bert.get_by_label("Grund").select_option(label="Spam")
        await bert.get_by_label("Kommentar").fill("Das ist Werbung für ein Parkhaus-Unternehmen.")
        await bert.get_by_role("button", name="Meldung senden").click()
        await expect(bert.get_by_role("status")).to_contain_text("Danke, deine Meldung ist bei der Moderation.")

        # A visitor without an account: the notice from the footer, first with nothing filled in
        guest = await new_page(browser, viewport=viewport, bypass_csp=True)  # (axe is injected inline)
        await guest.goto(f"{base}/i/{key}")
        await guest.get_by_role("link", name="Rechtswidrige Inhalte melden").click()
        await guest.get_by_role("button", name="Hinweis senden").click()
        await expect(guest.get_by_role("alert")).to_be_visible()
        await expect(guest.locator("#email-error")).to_have_text("Bitte fülle dieses Feld aus.")
        await check(guest, artifacts, f"notice-form-errors-{width_name}", found)
        await guest.get_by_label("Dein Name").fill("Erika Mustermann")
        await guest.get_by_label("Deine E-Mail-Adresse").fill("erika@example.org")
        await guest.get_by_label("Genaue Adresse (URL) des Inhalts").fill(f"{base}/i/{key}")
        await guest.get_by_label("Grund").select_option(label="Rechtswidriger Inhalt")
        await guest.get_by_label("Begründung: Warum ist der Inhalt rechtswidrig?", exact=False).fill(
            "Falsche Tatsachenbehauptung über eine Person.")
        await guest.get_by_label("Ich versichere in gutem Glauben", exact=False).check()
        await guest.get_by_role("button", name="Hinweis senden").click()
        await expect(guest.get_by_role("heading", level=1)).to_have_text("Eingangsbestätigung")
        await expect(guest.locator(".receipt")).to_have_text(re.compile(r"^M-[0-9A-F]{10}$"))
        await check(guest, artifacts, f"notice-received-{width_name}", found)

        # The moderator: the queue, the report, assign to me, a note, resolve
        mo = await new_page(browser, viewport=viewport, bypass_csp=True)  # (axe is injected inline)
        await mo.goto(base + "/")
        await steps.log_in(mo, "mo")
        await steps.open_account_menu(mo)
        await mo.get_by_role("link", name="Moderation", exact=True).click()  # the dashboard, then the queue
        await mo.get_by_role("navigation", name="Bereiche der Moderation").get_by_role(
            "link", name="Meldungen", exact=True).click()
        await expect(mo.get_by_role("heading", level=1)).to_have_text("Meldungen")
        await check(mo, artifacts, f"admin-reports-{width_name}", found)
        await mo.locator("table.data tbody a").first.click()
        await expect(mo.get_by_role("heading", level=1)).to_contain_text("Meldung #")
        await expect(mo.get_by_text("gemeldet von bert")).to_be_visible()
        await expect(mo.get_by_text("Hinweis von Erika Mustermann", exact=False)).to_be_visible()
        await mo.get_by_role("button", name="Ich übernehme das").click()
        await expect(mo.get_by_role("status")).to_contain_text("zuständig")
        await mo.get_by_label("Notiz").fill("Mit Anna sprechen.")
        await mo.get_by_role("button", name="Notiz speichern").click()
        await expect(mo.get_by_text("Mit Anna sprechen.")).to_be_visible()
        await check(mo, artifacts, f"admin-report-{width_name}", found)
        await mo.get_by_label("Abschlussvermerk").fill("Kein Verstoß gegen die Regeln.")
        await mo.get_by_role("button", name="Als erledigt markieren").click()
        await expect(mo.get_by_role("status")).to_contain_text("Meldung erledigt.")
        await expect(mo.get_by_role("button", name="Wieder öffnen")).to_be_visible()
    (artifacts / "axe-report-reports.json").write_text(json.dumps(found, indent=2), encoding="utf-8")
    failing = {name: v for name, v in found.items() if v}
    assert not failing, json.dumps(failing, indent=2)
    assert len(await leipzig.query("SELECT id FROM audit_log WHERE action LIKE 'report.%'")) == 6
