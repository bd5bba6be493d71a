"""The allowlist in the admin pages: admins only, audited, in force at once, clear errors in German,
and a removal that drops the deliveries still waiting for the server."""

from __future__ import annotations

from tests.web.conftest import text_of
from wecreate_fed.store import audit


async def test_admins_manage_the_allowlist_and_it_applies_at_once(make_private, visitor_for):
    party = await make_private("partei", allowed=("land.example",))
    await party.create_user("anna", password="sicheres-passwort")
    await party.create_user("ada", password="sicheres-passwort", role="admin")
    user, admin = visitor_for(party), visitor_for(party)
    status, _, headers = await user.get("/admin/allowlist")
    assert status == 303 and headers["Location"].startswith("/login")
    await user.login("anna")
    assert (await user.get("/admin/allowlist"))[0] == 403
    await user.get("/")
    assert (await user.post("/admin/allowlist", {"domain": "stadt.example"}))[0] == 403
    assert party.rt.domains.refused("stadt.example")

    await admin.login("ada")
    status, text, _ = await admin.get("/admin/allowlist")
    page = text_of(text)
    assert status == 200 and "Diese Instanz ist privat" in page and "land.example" in page
    assert "aus der Konfiguration" in page and 'href="/admin/allowlist"' in text  # in the admin navigation
    status, _, headers = await admin.post("/admin/allowlist", {"domain": "Stadt.Example", "comment": "Stadtrat"})
    assert status == 303 and not party.rt.domains.refused("www.stadt.example")
    status, text, _ = await admin.get("/admin/allowlist")
    assert "stadt.example ist jetzt erlaubt." in text_of(text) and "Stadtrat" in text_of(text)

    status, text, _ = await admin.post("/admin/allowlist", {"domain": "https://x.example/inbox"})
    assert status == 400 and "weder eine Domain noch ein Server" in text_of(text)
    assert 'aria-invalid="true"' in text or "has-error" in text
    status, text, _ = await admin.post("/admin/allowlist", {"domain": ""})
    assert status == 400
    await admin.get("/admin/allowlist")
    status, text, _ = await admin.post("/admin/allowlist/remove", {"domain": "land.example"})
    assert status == 409 and "lässt sich nur dort entfernen" in text_of(text)
    assert not party.rt.domains.refused("land.example")

    # A removal with a delivery waiting for the server: dropped, and said so
    activity = (await party.query("SELECT id FROM activities LIMIT 1")) or None
    if activity is None:
        await party.post_outbox("anna", {"type": "Note", "content": "<p>x</p>"})
        activity = await party.query("SELECT id FROM activities LIMIT 1")
    async with party.rt.db.transaction() as conn:
        await conn.execute("INSERT INTO deliveries (activity_id, inbox_url, host, state, next_attempt_at, created_at) "
                           "VALUES (?, 'https://stadt.example/inbox', 'stadt.example', 'pending', "
                           "'2999-01-01T00:00:00Z', '2026-01-01T00:00:00Z')", (activity[0]["id"],))
    await admin.get("/admin/allowlist")
    status, _, _ = await admin.post("/admin/allowlist/remove", {"domain": "stadt.example"})
    assert status == 303 and party.rt.domains.refused("stadt.example")
    status, text, _ = await admin.get("/admin/allowlist")
    assert "stadt.example ist nicht mehr erlaubt; 1 wartende Zustellung wurde verworfen." in text_of(text)
    assert await party.query("SELECT state FROM deliveries WHERE host = 'stadt.example'") == [{"state": "failed"}]
    await admin.get("/admin/allowlist")
    assert (await admin.post("/admin/allowlist/remove", {"domain": "stadt.example"}))[0] == 404

    entries = await audit.entries(party.rt.db.reader, action_prefix="allowlist.")
    assert [(e["action"], e["target"], e["by_name"]) for e in reversed(entries)] == [
        ("allowlist.add", "stadt.example", "ada"), ("allowlist.remove", "stadt.example", "ada")]


async def test_on_a_public_instance_the_list_waits_for_private_mode(site, visitor_for):
    await site.create_user("ada", password="sicheres-passwort", role="admin")
    admin = visitor_for(site)
    await admin.login("ada")
    status, text, _ = await admin.get("/admin/allowlist")
    assert status == 200 and "Die Liste gilt erst, wenn sie privat ist" in text_of(text)
    await admin.post("/admin/allowlist", {"domain": "stadt.example"})
    assert site.rt.domains.allow.allows("stadt.example") and not site.rt.domains.refused("fremd.example")
