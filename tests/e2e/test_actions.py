"""Moderation actions in a real headless Chromium: a moderator finds an account and warns it through
the action form (with its errors first), the person reads the statement of reasons and appeals,
another moderator decides. Screenshots at phone and desktop width, axe-core on every page."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from tests.e2e import steps
from tests.e2e.conftest import AXE, DESKTOP, PHONE, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")


async def check(page, artifacts, name: str, report: dict) -> None:
    await steps.screenshot(page, artifacts, name)
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    report[name] = [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
                    for v in result["violations"]]


@pytest.mark.parametrize("width_name, viewport", [("phone", PHONE), ("desktop", DESKTOP)])
async def test_warn_read_the_statement_appeal_and_decide(leipzig, browser, artifacts, width_name, viewport):
    await leipzig.create_user("anna", name="Anna Schulz", password=steps.PASSWORD)
    await leipzig.create_user("mo", password=steps.PASSWORD, role="moderator")
    await leipzig.create_user("mia", password=steps.PASSWORD, role="moderator")
    base, report = leipzig.base_url, {}

    mo = await new_page(browser, viewport=viewport, bypass_csp=True)  # axe is injected inline
    await mo.goto(base + "/")
    await steps.log_in(mo, "mo")
    await mo.goto(base + "/admin/accounts?q=anna")
    await mo.get_by_role("link", name="Anna Schulz").click()
    await mo.get_by_role("link", name="Maßnahme ergreifen").click()
    await expect(mo.get_by_role("heading", name="Maßnahme ergreifen")).to_be_visible()
    await check(mo, artifacts, f"action-form-{width_name}", report)
    await mo.get_by_label("Begründung").fill("   ")  # passes the browser's check, not the server's
    await mo.get_by_role("button", name="Maßnahme ergreifen").click()  # no action chosen: every problem shown
    await expect(mo.get_by_role("alert")).to_contain_text("Begründung")
    await check(mo, artifacts, f"action-form-errors-{width_name}", report)
    await mo.get_by_label("Verwarnung").check()
    await mo.get_by_label("Grund").select_option("harassment")
    await mo.get_by_label("Begründung").fill("Beleidigende Kommentare unter drei Ideen.")
    await mo.get_by_role("button", name="Maßnahme ergreifen").click()
    await expect(mo.get_by_role("status").first).to_contain_text("Maßnahme wurde ergriffen")
    await check(mo, artifacts, f"action-account-{width_name}", report)

    anna = await new_page(browser, viewport=viewport, bypass_csp=True)  # axe is injected inline
    await anna.goto(base + "/")
    await steps.log_in(anna, "anna")
    await anna.goto(base + "/notifications")
    await anna.get_by_role("link", name="Verwarnung").click()
    await expect(anna.get_by_role("heading", name="Entscheidung der Moderation: Verwarnung")).to_be_visible()
    await expect(anna.get_by_text("Beleidigende Kommentare unter drei Ideen.")).to_be_visible()
    await check(anna, artifacts, f"decision-{width_name}", report)
    await anna.get_by_label("Warum sollte die Entscheidung geändert werden?").fill("Das war Satire.")
    await anna.get_by_role("button", name="Widerspruch einlegen").click()
    await expect(anna.get_by_text("wird geprüft")).to_be_visible()
    await check(anna, artifacts, f"decision-appealed-{width_name}", report)

    mia = await new_page(browser, viewport=viewport, bypass_csp=True)  # axe is injected inline
    await mia.goto(base + "/")
    await steps.log_in(mia, "mia")
    await mia.goto(base + "/admin/appeals")
    await expect(mia.get_by_text("Das war Satire.")).to_be_visible()
    await check(mia, artifacts, f"appeals-{width_name}", report)
    await mia.get_by_label("Maßnahme bestätigen").check()
    await mia.get_by_label("Begründung der Entscheidung").fill("Keine Satire erkennbar.")
    await mia.get_by_role("button", name="Entscheiden").click()
    await expect(mia.get_by_text("Keine offenen Widersprüche.")).to_be_visible()
    await anna.goto(base + "/notifications")
    await expect(anna.get_by_text("Die Entscheidung bleibt bestehen.")).to_be_visible()

    (artifacts / f"axe-actions-{width_name}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    failing = {name: [v for v in found if v["impact"] in FAILING_IMPACTS] for name, found in report.items()}
    assert not any(failing.values()), failing
