"""In a real headless Chromium: a box member opens the box's files, uploads a PDF, sees it listed
with who uploaded it, downloads it as an attachment, and has an SVG named .pdf refused with the
reason next to the field; the space's files page of an organisation too. Screenshots at 375 and
1280 px, axe-core clean, no Content Security Policy report."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from tests.e2e import steps
from tests.e2e.conftest import AXE, DESKTOP, new_page
from tests.e2e.test_flow import FAILING_IMPACTS, WCAG_TAGS
from tests.files import samples
from wecreate_fed.civic import boxes
from wecreate_fed.store import orgs as orgs_store

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
PHONE_375 = {"width": 375, "height": 812}


async def axe_violations(page) -> list[dict]:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in FAILING_IMPACTS]


async def test_box_and_space_files_in_the_browser(leipzig, browser, artifacts, tmp_path):
    anna = await leipzig.create_user("anna", name="Anna Schulz", password=steps.PASSWORD)
    org = await leipzig.create_user("gruene", type_="Organization", category="party", name="Grüne Leipzig")
    async with leipzig.rt.db.transaction() as conn:
        await orgs_store.put(conn, org.id, anna.id, role="member", state="accepted")
    await boxes.create(leipzig.rt, anna, {"name": "Radwege Süd", "slug": "radwege", "visibility": "closed"})
    report = {}
    for width_name, viewport in (("phone", PHONE_375), ("desktop", DESKTOP)):
        page = await new_page(browser, viewport=viewport)
        await page.goto(leipzig.base_url + "/")
        await steps.log_in(page, "anna")
        await page.goto(leipzig.base_url + "/b/radwege")
        await page.get_by_role("link", name="Dateien", exact=True).click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Dateien: Radwege Süd")
        name = f"Protokoll {width_name}.pdf"
        await page.get_by_label("Datei", exact=True).set_input_files(
            {"name": name, "mimeType": "application/pdf", "buffer": samples.pdf()})
        await page.get_by_role("button", name="Hochladen").click()
        await expect(page.get_by_text("Die Datei ist hochgeladen.")).to_be_visible()
        row = page.get_by_role("row").filter(has_text=name)
        await expect(row).to_contain_text("Anna Schulz")
        async with page.expect_download() as waiting:
            await row.get_by_role("link", name=name).click()
        download = await waiting.value
        assert download.suggested_filename == name
        saved = tmp_path / f"{width_name}.pdf"
        await download.save_as(saved)
        assert saved.read_bytes() == samples.pdf()
        await steps.screenshot(page, artifacts, f"files-box-{width_name}")
        # an SVG (with a script in it) named like a PDF: refused, the reason at the field
        await page.get_by_label("Datei", exact=True).set_input_files(
            {"name": "Beschluss.pdf", "mimeType": "application/pdf", "buffer": samples.SVG})
        await page.get_by_role("button", name="Hochladen").click()
        field = page.get_by_label("Datei", exact=True)
        await expect(field).to_have_attribute("aria-invalid", "true")
        await expect(page.locator("#file-error")).to_contain_text("nichts davon, egal wie sie heißt")
        await steps.screenshot(page, artifacts, f"files-refused-{width_name}")
        # the organisation's profile links its space's files for its members
        await page.goto(leipzig.base_url + "/@gruene")
        await page.get_by_role("link", name="Dateien", exact=True).click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Dateien: Grüne Leipzig")
        await page.get_by_label("Datei", exact=True).set_input_files(
            {"name": f"Plakat {width_name}.png", "mimeType": "image/png", "buffer": samples.png()})
        await page.get_by_role("button", name="Hochladen").click()
        await expect(page.get_by_role("row").filter(has_text=f"Plakat {width_name}.png")).to_contain_text("Anna Schulz")
        await steps.screenshot(page, artifacts, f"files-space-{width_name}")
        assert page.csp_violations == []
        await page.context.close()
        # axe-core is injected inline, so it looks at the same pages in a context without the policy
        checker = await new_page(browser, viewport=viewport, bypass_csp=True)
        await checker.goto(leipzig.base_url + "/")
        await steps.log_in(checker, "anna")
        for label, path in (("box", "/b/radwege/files"), ("space", "/@gruene/files")):
            await checker.goto(leipzig.base_url + path)
            report[f"{label}-{width_name}"] = await axe_violations(checker)
        await checker.get_by_label("Datei", exact=True).set_input_files(
            {"name": "x.pdf", "mimeType": "application/pdf", "buffer": samples.HTML})
        await checker.get_by_role("button", name="Hochladen").click()
        await expect(checker.locator("#file-error")).to_be_visible()
        report[f"refused-{width_name}"] = await axe_violations(checker)
        await checker.context.close()
    (artifacts / "axe-files.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    assert report == {name: [] for name in report}
