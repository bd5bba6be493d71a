"""In a real headless Chromium with a real SMTP server (aiosmtpd on loopback): "Passwort vergessen?"
on the login page → the mail → its link → a new password → logged in; confirming the address
given at registration; the new pages at phone (375 px) and desktop width, screenshots, axe-core."""

from __future__ import annotations

import json
import re

import pytest
from playwright.async_api import expect

from tests.e2e import steps
from tests.e2e.conftest import DESKTOP, new_page
from tests.e2e.test_legal import axe_violations
from wecreate_fed.store import mail as mail_store

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PHONE = {"width": 375, "height": 812}
NEW_PASSWORD = "mein-neues-passwort"


@pytest.fixture
async def leipzig(make_instance, mailserver):
    instance = await make_instance("leipzig", tables=mailserver.tables())
    actor = await instance.create_user("anna", name="Anna Schulz", password=steps.PASSWORD)
    async with instance.rt.db.transaction() as conn:
        await mail_store.confirm_email(conn, actor.id, "anna@example.org")
    return instance


async def test_forgot_password_mail_reset_and_logged_in(leipzig, mailserver, browser, artifacts):
    base = leipzig.base_url
    page = await new_page(browser, viewport=PHONE)
    await page.goto(base + "/")
    await page.get_by_role("link", name="Anmelden").first.click()
    await page.get_by_role("link", name="Passwort vergessen?").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Passwort vergessen")
    await page.get_by_label("E-Mail-Adresse oder Name").fill("anna@example.org")
    await page.get_by_role("button", name="Link schicken").click()
    await expect(page.get_by_role("status").last).to_contain_text("Link zu einem neuen Passwort unterwegs")
    [reset] = await mailserver.wait_for(1)
    assert reset.subject == "Neues Passwort für WeCreate Leipzig" and "Hallo Anna Schulz," in reset.text
    link = reset.link("/password/reset/")
    # The person opens the link from the mail (in the same browser, as a mail program hands it over).
    await page.goto(link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Neues Passwort wählen")
    await expect(page.get_by_text("@anna")).to_be_visible()
    await page.get_by_label("Neues Passwort").fill(NEW_PASSWORD)
    await page.get_by_label("Passwort wiederholen").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Passwort speichern").click()
    await expect(page.get_by_role("status")).to_contain_text("Dein neues Passwort gilt")
    await steps.open_account_menu(page)
    await expect(page.get_by_role("link", name="Einstellungen")).to_be_visible()  # logged in
    await steps.screenshot(page, artifacts, "mail-reset-done-phone")
    assert page.csp_violations == []
    # The link is spent; the new password is the one that works.
    response = await page.goto(link)
    assert response.status == 404
    await expect(page.get_by_role("heading", level=1)).to_have_text("Dieser Link gilt nicht (mehr)")
    await page.goto(base + "/")
    await steps.log_out(page)
    await page.get_by_role("link", name="Anmelden").first.click()
    await page.get_by_label("Benutzername").fill("anna")
    await page.get_by_label(re.compile(r"^Passwort \(")).fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Anmelden").click()
    await steps.open_account_menu(page)
    await expect(page.get_by_role("link", name="Einstellungen")).to_be_visible()


async def test_the_address_given_at_registration_is_confirmed_by_its_link(leipzig, mailserver, browser, artifacts):
    page = await new_page(browser, viewport=DESKTOP)
    await page.goto(leipzig.base_url + "/")
    await page.get_by_role("link", name="Registrieren").first.click()
    await page.get_by_label("Benutzername").fill("bruno")
    await page.get_by_label("Angezeigter Name").fill("Bruno")
    await page.get_by_label("E-Mail-Adresse (freiwillig)").fill("bruno@example.org")
    await page.get_by_label("Passwort (").fill(steps.PASSWORD)
    await page.get_by_label("Passwort wiederholen").fill(steps.PASSWORD)
    await page.get_by_role("button", name="Konto anlegen").click()
    await expect(page.get_by_role("status")).to_contain_text("bruno@example.org")
    [confirm] = await mailserver.wait_for(1, to="bruno@example.org")
    await page.goto(confirm.link("/email/confirm/"))
    await expect(page.get_by_text("Soll bruno@example.org die Adresse deines Kontos werden?")).to_be_visible()
    await page.get_by_role("button", name="Ja, bestätigen").click()
    await expect(page.get_by_role("status")).to_contain_text("Deine E-Mail-Adresse ist bestätigt")
    await expect(page.locator("#current-email")).to_contain_text("bestätigt am")
    assert page.csp_violations == []


async def _token(instance, purpose: str, email: str = "anna@example.org") -> str:
    """A working link of `purpose` for anna, made as the site makes them (for the look of its page)."""
    token = f"look-{purpose}-{len(await instance.query('SELECT * FROM email_tokens'))}"
    actor = await instance.actor("anna")
    async with instance.rt.db.transaction() as conn:
        await mail_store.add_token(conn, token, actor_id=actor.id, purpose=purpose, email=email, seconds=3600)
    return token


async def test_the_new_pages_at_phone_and_desktop_width_are_accessible(leipzig, browser, artifacts):
    base = leipzig.base_url
    report = {}
    for width_name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        guest = await new_page(browser, viewport=viewport, bypass_csp=True)
        anna = await new_page(browser, viewport=viewport, bypass_csp=True)
        await anna.goto(base + "/")
        await steps.log_in(anna, "anna")
        pages = [("mail-login", "/login", guest, 200), ("mail-forgot", "/password/forgot", guest, 200),
                 ("mail-forgot-sent", "/password/forgot?sent=1", guest, 200),
                 ("mail-reset", "/password/reset/" + await _token(leipzig, "reset"), guest, 200),
                 ("mail-confirm", "/email/confirm/" + await _token(leipzig, "confirm", "anna@neu.example"), guest, 200),
                 ("mail-link-invalid", "/password/reset/no-such-link", guest, 404),
                 ("mail-settings-email", "/settings/email", anna, 200), ("mail-register", "/register", guest, 200)]
        for name, path, page, status in pages:
            response = await page.goto(base + path)
            assert response.status == status, (name, response.status)
            await steps.screenshot(page, artifacts, f"{name}-{width_name}")
            found = await axe_violations(page)
            if found:
                report[f"{name}-{width_name}"] = found
    assert not report, json.dumps(report, indent=2)
