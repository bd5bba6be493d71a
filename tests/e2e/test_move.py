"""Moving from Meißen to Leipzig in a real headless Chromium: the alias on the Leipzig account, the
move on the Meißen one (password, confirm dialog), the moved profile; screenshots of /settings/move
and the moved profile at 375 and 1280 px, and an axe-core check of each."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from tests.e2e import steps
from tests.e2e.conftest import AXE, DESKTOP, new_page
from tests.e2e.test_flow import FAILING_IMPACTS, WCAG_TAGS

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PHONE_375 = {"width": 375, "height": 812}


async def test_moving_through_the_website_screenshots_and_accessibility(leipzig, meissen, browser, artifacts):
    await meissen.create_user("anna", password=steps.PASSWORD, name="Anna Schulz")
    await leipzig.create_user("anna", password=steps.PASSWORD, name="Anna Schulz")
    old_handle, new_handle = f"anna@{meissen.config.host}", f"anna@{leipzig.config.host}"

    # On Leipzig she names her Meißen account
    page = await new_page(browser, viewport=DESKTOP)
    await page.goto(leipzig.base_url + "/")
    await steps.log_in(page, "anna")
    await steps.open_account_menu(page)
    await page.get_by_role("link", name="Einstellungen").click()
    await page.get_by_role("link", name="Umziehen").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Umziehen")
    await page.get_by_label("Anderes Konto").fill(old_handle)
    await page.get_by_role("button", name="Konto eintragen").click()
    await expect(page.get_by_role("status").first).to_contain_text("ist jetzt als anderes Konto von dir eingetragen")
    await expect(page.get_by_role("link", name=f"@{old_handle}")).to_be_visible()
    await page.context.close()

    # On Meißen she moves, confirming with her password and the dialog
    page = await new_page(browser, viewport=DESKTOP)
    await page.goto(meissen.base_url + "/")
    await steps.log_in(page, "anna")
    await steps.open_account_menu(page)
    await page.get_by_role("link", name="Einstellungen").click()
    await page.get_by_role("link", name="Umziehen").click()
    await page.get_by_label("Neues Konto").fill(new_handle)
    await page.get_by_label("Passwort").fill(steps.PASSWORD)
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Konto umziehen").click()
    await expect(page.get_by_role("status").first).to_contain_text("Umgezogen nach")
    await expect(page.get_by_text("Dieses Konto ist umgezogen nach")).to_be_visible()
    await page.goto(meissen.base_url + "/@anna")
    await expect(page.get_by_text("Anna Schulz ist umgezogen nach")).to_be_visible()
    await page.get_by_role("link", name=f"@{new_handle}").click()
    await expect(page).to_have_url(f"{leipzig.base_url}/@anna")
    assert not page.csp_violations, page.csp_violations
    await page.context.close()

    report = {}
    for width_name, viewport in (("phone", PHONE_375), ("desktop", DESKTOP)):
        for instance, path, name in ((leipzig, "/settings/move", "settings-move"),
                                     (meissen, "/settings/move", "settings-move-moved"),
                                     (meissen, "/@anna", "profile-moved")):
            page = await new_page(browser, viewport=viewport)
            await page.goto(instance.base_url + "/")
            await steps.log_in(page, "anna")
            await page.goto(instance.base_url + path)
            await steps.screenshot(page, artifacts, f"{name}-{width_name}")
            assert not page.csp_violations, page.csp_violations
            await page.context.close()
            page = await new_page(browser, viewport=viewport, bypass_csp=True)  # axe is injected as a script
            await page.goto(instance.base_url + "/")
            await steps.log_in(page, "anna")
            await page.goto(instance.base_url + path)
            await page.add_script_tag(path=str(AXE))
            result = await page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                                         WCAG_TAGS)
            report[f"{name}-{width_name}"] = [
                {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
                for v in result["violations"]]
            await page.context.close()
    (artifacts / "axe-report-move.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    failing = {name: [v for v in found if v["impact"] in FAILING_IMPACTS] for name, found in report.items()}
    failing = {name: found for name, found in failing.items() if found}
    assert not failing, json.dumps(failing, indent=2)
