"""A party's space for the publishing tests: an Organization of category party with an admin,
a board member, a member and an outsider, and its internal drafts."""

from __future__ import annotations

from wecreate_fed.civic import ideas
from wecreate_fed.store import orgs as orgs_store

PASSWORD = "sicheres-passwort"
DRAFT = {
    "title": "Mehr Bänke am Elsterufer",
    "summary": "Zehn neue Bänke zwischen Brücke und Wehr.",
    "body": "Am Ufer fehlt es an **Sitzplätzen**.\n\n- Kosten: gering",
    "districts": ["west"],
}


async def party_space(instance, username: str = "spd", password: str = PASSWORD):
    """The Organization and its people: anna (admin), bert (board), carla (member), fritz (outsider)."""
    org = await instance.create_user(username, type_="Organization", category="party", name="SPD Kreisverband")
    people = {name: await instance.create_user(name, name=name.title(), password=password)
              for name in ("anna", "bert", "carla", "fritz")}
    async with instance.rt.db.transaction() as conn:
        await orgs_store.put(conn, org.id, people["anna"].id, role="admin", state="accepted")
        await orgs_store.put(conn, org.id, people["bert"].id, role="board", state="accepted")
        await orgs_store.put(conn, org.id, people["carla"].id, role="member", state="accepted")
    return org, people


async def internal_draft(instance, org, author, **fields) -> str:
    """A members-only idea of the space written by `author`; returns its id."""
    _, document = await ideas.publish(instance.rt, author, {**DRAFT, "members_of": org.username, **fields})
    return document["id"]
