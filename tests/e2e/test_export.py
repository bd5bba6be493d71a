"""In a real headless Chromium: a person finds "Meine Daten herunterladen" in the settings,
downloads the ZIP (its JSON valid ActivityStreams, its CSV readable) and opens the delete page,
which offers the export first; screenshots of both pages at 375 and 1280 px, axe-core clean."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from playwright.async_api import expect

from tests.e2e import steps
from tests.e2e.conftest import AXE, DESKTOP, new_page
from tests.e2e.test_flow import FAILING_IMPACTS, WCAG_TAGS
from wecreate_fed import ld
from wecreate_fed.civic import ideas

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
PHONE_375 = {"width": 375, "height": 812}


async def axe_violations(page) -> list[dict]:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in FAILING_IMPACTS]


async def test_the_export_zip_is_downloaded_from_the_settings(leipzig, browser, artifacts, tmp_path):
    anna = await leipzig.create_user("anna", name="Anna Schulz", password=steps.PASSWORD)
    _, idea = await ideas.publish(leipzig.rt, anna, {"title": "Trinkbrunnen am Markt", "districts": ["west"]})
    report = {}
    for width_name, viewport in (("phone", PHONE_375), ("desktop", DESKTOP)):
        page = await new_page(browser, viewport=viewport)
        await page.goto(leipzig.base_url + "/")
        await steps.log_in(page, "anna")
        await steps.open_account_menu(page)
        await page.get_by_role("link", name="Einstellungen").first.click()
        await page.get_by_role("link", name="Meine Daten herunterladen (ZIP)").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Meine Daten herunterladen")
        await steps.screenshot(page, artifacts, f"export-{width_name}")
        async with page.expect_download() as waiting:
            await page.get_by_role("button", name="ZIP-Datei herunterladen").click()
        download = await waiting.value
        assert download.suggested_filename.startswith("anna-") and download.suggested_filename.endswith(".zip")
        path = tmp_path / f"{width_name}.zip"
        await download.save_as(path)
        with zipfile.ZipFile(path) as archive:
            outbox = json.loads(archive.read("outbox.json"))
            ideas_csv = list(csv.DictReader(io.StringIO(archive.read("ideas.csv").decode("utf-8-sig"))))
            actor = json.loads(archive.read("actor.json"))
        assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == len(outbox["orderedItems"]) == 1
        assert outbox["orderedItems"][0]["type"] == "Create" and outbox["orderedItems"][0]["object"]["id"] == idea["id"]
        assert ld.expand(outbox)[0]["@type"] == ["https://www.w3.org/ns/activitystreams#OrderedCollection"]
        assert actor["id"] == anna.ap_id and actor["outbox"] == "outbox.json"
        assert [r["title"] for r in ideas_csv] == ["Trinkbrunnen am Markt"]
        # the delete page: the export first, what goes at once and what later, then the password
        await steps.open_account_menu(page)
        await page.get_by_role("link", name="Einstellungen").first.click()
        await page.get_by_role("link", name="Konto löschen …").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Konto löschen")
        await expect(page.get_by_role("heading", name="Nach 30 Tagen:")).to_be_visible()
        buttons = page.get_by_role("button")
        names = [await b.inner_text() for b in await buttons.all()]
        assert names.index("ZIP-Datei herunterladen") < names.index("Konto endgültig löschen")
        await steps.screenshot(page, artifacts, f"delete-{width_name}")
        assert page.csp_violations == []  # the pages work under the site's own policy
        await page.context.close()
        # axe-core is injected inline, so it looks at the same pages in a context without the policy
        checker = await new_page(browser, viewport=viewport, bypass_csp=True)
        await checker.goto(leipzig.base_url + "/")
        await steps.log_in(checker, "anna")
        for name in ("export", "delete"):
            await checker.goto(f"{leipzig.base_url}/settings/{name}")
            report[f"{name}-{width_name}"] = await axe_violations(checker)
        await checker.context.close()
    (artifacts / "axe-export.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    assert report == {name: [] for name in report}
