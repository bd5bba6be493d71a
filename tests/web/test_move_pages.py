"""/settings/move on the website: naming another account (alias), moving with the password asked
again, the problems in the visitor's language next to their fields, the moved profile and the
website refusing a moved account's new idea."""

from __future__ import annotations

from tests.web.conftest import text_of

PASSWORD = "sicheres-passwort"


async def test_alias_and_move_through_the_settings_page(make_site, visitor_for):
    meissen = await make_site("meissen")
    leipzig = await make_site("leipzig")
    old_browser, new_browser = visitor_for(meissen), visitor_for(leipzig)
    assert await old_browser.register("anna") == 303
    assert await new_browser.register("anna") == 303
    old_handle, new_handle = f"anna@{meissen.config.host}", f"anna@{leipzig.config.host}"

    # The settings page links to the sub-page
    status, page, _ = await old_browser.get("/settings")
    assert status == 200 and 'href="/settings/move"' in page
    status, page, _ = await old_browser.get("/settings/move")
    assert status == 200 and "Umziehen" in page and "Andere Konten von dir" in page

    # Moving first: the new account does not name the old one yet; said in German next to the field
    status, page, _ = await old_browser.post("/settings/move", {"move_target": new_handle, "move_password": PASSWORD})
    assert status == 400
    assert "nennt dieses Konto noch nicht als anderes Konto" in text_of(page)
    assert 'aria-invalid="true"' in page and 'id="move_target"' in page and f'value="{new_handle}"' in page
    # An alias nobody has: said so
    await new_browser.get("/settings/move")
    status, page, _ = await new_browser.post("/settings/move/aliases", {"alias": f"niemand@{meissen.config.host}"})
    assert status == 400 and "wurde nicht gefunden" in text_of(page)
    # The new account names the old one
    await new_browser.get("/settings/move")
    status, _, headers = await new_browser.post("/settings/move/aliases", {"alias": old_handle})
    assert status == 303
    status, page, _ = await new_browser.get("/settings/move")
    assert old_handle in page
    # The wrong password: refused
    await old_browser.get("/settings/move")
    status, page, _ = await old_browser.post("/settings/move", {"move_target": new_handle, "move_password": "falsch"})
    assert status == 400 and 'id="move_password"' in page
    assert (await meissen.actor("anna")).moved_to is None
    # Then the move
    status, _, _ = await old_browser.post("/settings/move", {"move_target": new_handle, "move_password": PASSWORD})
    assert status == 303
    status, page, _ = await old_browser.get("/settings/move")
    assert "Dieses Konto ist umgezogen nach" in text_of(page) and f"@{new_handle}" in page
    new = await leipzig.actor("anna")
    assert (await meissen.actor("anna")).moved_to == new.ap_id
    # The old profile says where she went, with a link to the new one
    status, page, _ = await old_browser.get("/@anna")
    assert status == 200 and "ist umgezogen nach" in page and new.url in page
    # A new idea from the old account is refused with a page that says why, in German
    await old_browser.get("/ideas/new")
    status, page, _ = await old_browser.post("/ideas/new", [("title", "Noch eine Idee"), ("summary", "x"),
                                                             ("body", "y"), ("kind", "idea"), ("topics", ""),
                                                             ("action", "save"), ("districts", "west")])
    assert status == 403 and "ist umgezogen nach" in text_of(page)
    assert not await meissen.query("SELECT 1 FROM ideas")
    # Removing the alias on the new account works and is shown
    await new_browser.get("/settings/move")
    status, _, _ = await new_browser.post("/settings/move/aliases/remove", {"alias": (await meissen.actor("anna")).ap_id})
    assert status == 303
    status, page, _ = await new_browser.get("/settings/move")
    assert "Noch keine anderen Konten eingetragen." in page


async def test_settings_move_needs_a_login(site, visitor_for):
    browser = visitor_for(site)
    status, _, headers = await browser.get("/settings/move")
    assert status in (302, 303) and "/login" in headers["Location"]
