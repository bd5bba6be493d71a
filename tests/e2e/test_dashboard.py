"""The admin's view in a real headless Chromium: the dashboard and a remote instance's page,
screenshots at phone and desktop width and an axe-core check of each; the charts' tables open
without JavaScript."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from tests.e2e import steps
from tests.e2e.conftest import AXE, DESKTOP, PHONE, new_page
from tests.e2e.test_flow import FAILING_IMPACTS, WCAG_TAGS
from tests.federation.test_delivery_resilience import jonas_follows_anna
from wecreate_fed import nodeinfo
from wecreate_fed.civic import ideas

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


async def test_dashboard_and_instance_pages_screenshots_and_accessibility(leipzig, meissen, browser, artifacts):
    await jonas_follows_anna(leipzig, meissen)
    await leipzig.create_user("ada", password=steps.PASSWORD, role="admin", name="Ada Admin")
    anna = await leipzig.actor("anna")
    for n in range(3):
        _, idea = await ideas.publish(leipzig.rt, anna, {"title": f"Trinkbrunnen {n}", "districts": ["west"]})
        await ideas.support(leipzig.rt, await leipzig.create_user(f"fan{n}"), idea["id"])
    await nodeinfo.NodeInfoWorker(leipzig.rt).run_once()
    host = meissen.config.host
    report = {}
    for width_name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = await new_page(browser, viewport=viewport)
        await page.goto(leipzig.base_url + "/")
        await steps.log_in(page, "ada")
        await steps.open_account_menu(page)
        await page.get_by_role("link", name="Moderation").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Übersicht")
        await expect(page.get_by_role("img", name="Neue Ideen pro Woche")).to_be_visible()
        # the chart's text equivalent opens without a script
        await page.locator("#chart-ideas").locator("xpath=..").get_by_text("Zahlen als Tabelle").click()
        await expect(page.locator("#chart-ideas-data")).to_be_visible()
        await steps.screenshot(page, artifacts, f"admin-dashboard-{width_name}")
        await page.get_by_role("table", name="Bekannte Instanzen (1)").get_by_role("link", name=host).click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(f"Instanz {host}")
        await expect(page.locator("#instance-software")).to_contain_text("wecreate-fed")
        await steps.screenshot(page, artifacts, f"admin-instance-{width_name}")
        assert not page.csp_violations, page.csp_violations  # the pages work under their own policy
        await page.context.close()
        page = await new_page(browser, viewport=viewport, bypass_csp=True)  # axe is injected as a script
        await page.goto(leipzig.base_url + "/")
        await steps.log_in(page, "ada")
        for name, path in (("admin-dashboard", "/admin"), ("admin-instance", f"/admin/instances/{host}"),
                           ("admin-roles", "/admin/roles")):
            await page.goto(leipzig.base_url + path)
            await page.add_script_tag(path=str(AXE))
            result = await page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                                         WCAG_TAGS)
            report[f"{name}-{width_name}"] = [
                {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
                for v in result["violations"]]
        await page.context.close()
    (artifacts / "axe-report-dashboard.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    failing = {name: [v for v in found if v["impact"] in FAILING_IMPACTS] for name, found in report.items()}
    failing = {name: found for name, found in failing.items() if found}
    assert not failing, json.dumps(failing, indent=2)
