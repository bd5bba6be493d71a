"""Deleting an account between two real instances: the Delete of the actor and of each of its
objects (idea, event, comment) reaches the follower's server, the login is refused at once, and
after a short configured grace period the purge removes the data while the name stays taken."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.conftest import eventually
from tests.federation.test_delivery_resilience import jonas_follows_anna, make_due_now
from tests.web.conftest import Visitor
from wecreate_fed import ld
from wecreate_fed.civic import accounts, boxes, events, purge
from wecreate_fed.store import iso
from wecreate_fed.store import mail as mail_store
from wecreate_fed.store import moves as moves_store
from wecreate_fed.store import notifications as notifications_store

IDEA = {"type": "Note", "civicKind": "idea", "name": "Trinkbrunnen am Lindenauer Markt",
        "source": {"content": "Im Sommer fehlt **Wasser**.", "mediaType": "text/markdown"}, "districts": ["west"]}
GRACE_SECONDS = 4


async def test_deletion_reaches_the_other_instance_and_the_purge_follows_the_grace_period(make_instance):
    leipzig = await make_instance("leipzig", tables={"accounts": {"deletion_grace_days": GRACE_SECONDS / 86400}})
    meissen = await make_instance("meissen")
    anna = await leipzig.create_user("anna", name="Anna Schulz", password="sicheres-passwort")
    bert = await leipzig.create_user("bert", name="Bert Krause")
    await meissen.create_user("jonas", name="Jonas Weber")
    await meissen.post_outbox("jonas", {"type": "Follow", "object": anna.ap_id})
    await eventually(lambda: meissen.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="follow")
    # Anna publishes an idea, an event and a comment; Bert's idea gets her support
    status, _ = await leipzig.post_outbox("anna", IDEA)
    assert status == 201
    idea_id = (await leipzig.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    status, _ = await leipzig.post_outbox("anna", {"type": "Note", "content": "Wer hilft mit?", "inReplyTo": idea_id,
                                                   "to": [ld.PUBLIC], "cc": [anna.followers_url]})
    assert status == 201
    note_id = (await leipzig.query("SELECT ap_id FROM objects WHERE actor_id = ? AND audience IS NULL",
                                   (anna.id,)))[0]["ap_id"]
    starts = datetime.now(UTC) + timedelta(days=3)
    _, event = await events.publish(leipzig.rt, anna, {
        "title": "Treffen am Brunnen", "description": "Wir planen.", "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=2)), "timezone": "Europe/Berlin", "place_name": "Markt"})
    event_id = event["id"]
    # and posts in her open box, of which Jonas on Meißen is a member
    box = await boxes.create(leipzig.rt, anna, {"name": "Trinkbrunnen West", "visibility": "open"})
    await meissen.post_outbox("jonas", {"type": "Follow", "object": box.ap_id})
    await eventually(lambda: meissen.query("SELECT 1 FROM follows f JOIN actors a ON a.id = f.followee_id "
                                           "WHERE a.ap_id = ? AND f.state = 'accepted'", (box.ap_id,)), message="member")
    await boxes.post(leipzig.rt, anna, box.ap_id, "Treffen am Freitag?")
    post_id = (await leipzig.query("SELECT ap_id FROM objects WHERE audience = ?", (box.ap_id,)))[0]["ap_id"]
    status, _ = await leipzig.post_outbox("bert", {**IDEA, "name": "Bänke am Markt"})
    bert_idea = (await leipzig.query("SELECT ap_id FROM ideas WHERE author_id = ?", (bert.id,)))[0]["ap_id"]
    await leipzig.post_outbox("anna", {"type": "Like", "object": bert_idea})
    await eventually(lambda: leipzig.query("SELECT 1 FROM ideas WHERE ap_id = ? AND support_count = 1", (bert_idea,)),
                     message="the support counted")
    for table, ap_id in (("ideas", idea_id), ("objects", note_id), ("events", event_id), ("objects", post_id)):
        await eventually(lambda t=table, a=ap_id: meissen.query(f"SELECT 1 FROM {t} WHERE ap_id = ?", (a,)),
                         message=f"{ap_id} on Meißen")

    # what the other parts keep of her: an address with a link and a mail waiting, mail choices, a
    # digest sent, an alias (mail, notify, move)
    async with leipzig.rt.db.transaction() as conn:
        await conn.execute("UPDATE accounts SET email = 'anna@example.org' WHERE actor_id = ?", (anna.id,))
        await mail_store.add_token(conn, "t" * 43, actor_id=anna.id, purpose="reset", email="anna@example.org",
                                   seconds=3600)
        await mail_store.add_mail(conn, recipient="anna@example.org", template="reset", message=b"Subject: x\r\n\r\nx")
        await notifications_store.set_preferences(conn, anna.id, {"reply": "weekly"})
        await notifications_store.claim_digest(conn, anna.id, "weekly", "2026-11-23", 1)
        await moves_store.add_alias(conn, anna.id, "https://meissen.example/users/anna")

    # Anna deletes her account on its page, which offers the export first
    browser = Visitor(leipzig.base_url)
    try:
        assert await browser.login("anna") == 303
        status, text, _ = await browser.get("/settings/delete")
        assert status == 200 and 'action="/settings/export"' in text
        assert text.index('action="/settings/export"') < text.index('action="/settings/delete"')
        status, _, _ = await browser.post("/settings/delete", {"delete_password": "sicheres-passwort"})
        assert status == 303
        # at once: no login, no session, the actor answers 410
        assert await browser.login("anna") == 400
        assert (await browser.get("/settings"))[0] == 303
    finally:
        await browser.close()
    assert (await leipzig.get_json(anna.ap_id))[0] == 410
    assert (await leipzig.query("SELECT purged_at FROM actors WHERE id = ?", (anna.id,)))[0]["purged_at"] is None
    # no mail goes to her any more, and no link mailed to her works
    assert await leipzig.query("SELECT 1 FROM mails WHERE recipient = 'anna@example.org'") == []
    assert await leipzig.query("SELECT 1 FROM email_tokens WHERE actor_id = ?", (anna.id,)) == []

    # Meißen hears of the actor and of each object: a Delete of each, and all of it gone there
    async def deletes_on_meissen():
        rows = await meissen.query("SELECT data FROM incoming WHERE type = 'Delete' AND state = 'done'")
        return {ld.get_id(json.loads(r["data"])["object"]) for r in rows}
    await eventually(lambda: _superset(deletes_on_meissen, {anna.ap_id, idea_id, note_id, event_id, post_id}),
                     message="the Deletes on Meißen")
    assert (await meissen.query("SELECT deleted_at FROM actors WHERE ap_id = ?", (anna.ap_id,)))[0]["deleted_at"]
    for table, ap_id in (("ideas", idea_id), ("objects", note_id), ("events", event_id), ("objects", post_id)):
        row = (await meissen.query(f"SELECT deleted_at FROM {table} WHERE ap_id = ?", (ap_id,)))[0]
        assert row["deleted_at"] is not None, table

    # after the grace period the purge worker removes the rest; the name stays taken
    await eventually(lambda: leipzig.query("SELECT 1 FROM actors WHERE id = ? AND purged_at IS NOT NULL", (anna.id,)),
                     timeout=GRACE_SECONDS + 20, message="the purge")
    for sql in ("SELECT 1 FROM accounts WHERE actor_id = :a", "SELECT 1 FROM ideas WHERE author_id = :a",
                "SELECT 1 FROM events WHERE organizer_id = :a", "SELECT 1 FROM objects WHERE actor_id = :a",
                "SELECT 1 FROM activities WHERE actor_id = :a", "SELECT 1 FROM reactions WHERE actor_id = :a",
                "SELECT 1 FROM consents WHERE actor_id = :a", "SELECT 1 FROM actor_proof_keys WHERE actor_id = :a",
                "SELECT 1 FROM notification_preferences WHERE actor_id = :a",
                "SELECT 1 FROM digests WHERE actor_id = :a", "SELECT 1 FROM actor_aliases WHERE actor_id = :a",
                "SELECT 1 FROM actors WHERE id = :a AND private_key_pem IS NOT NULL"):
        assert await leipzig.query(sql, {"a": anna.id}) == [], sql
    tombstones = {r["ap_id"] for r in await leipzig.query("SELECT ap_id FROM tombstones")}
    assert {idea_id, note_id, event_id} <= tombstones
    # her support no longer counts on Bert's idea
    assert (await leipzig.query("SELECT support_count FROM ideas WHERE ap_id = ?", (bert_idea,)))[0]["support_count"] == 0
    assert (await leipzig.query("SELECT username FROM actors WHERE id = ?", (anna.id,)))[0]["username"] == "anna"
    guest = Visitor(leipzig.base_url)
    try:
        assert await guest.register("anna") == 400
    finally:
        await guest.close()
    assert (await leipzig.get_json(anna.ap_id))[0] == 410
    assert await purge.purge_due(leipzig.rt) == 0  # nothing left to do
    assert not [s for s in leipzig.statuses if s >= 500] and not leipzig.crashes


async def _superset(read, expected: set) -> bool:
    return expected <= await read()


async def test_the_purge_waits_until_the_delete_is_delivered(make_instance):
    """Grace 0: due at once, but while Meißen is down the Delete (signed with the keys the purge
    removes) is still pending, so the purge waits; Meißen back, the Delete arrives, then the purge."""
    leipzig = await make_instance("leipzig", tables={"accounts": {"deletion_grace_days": 0}})
    meissen = await make_instance("meissen")
    anna = await jonas_follows_anna(leipzig, meissen)
    await meissen.stop()
    await accounts.delete_account_data(leipzig.rt, anna)
    await eventually(lambda: leipzig.query("SELECT 1 FROM deliveries WHERE attempts >= 1 AND state = 'pending'"),
                     message="a failed attempt")
    assert await purge.purge_due(leipzig.rt) == 0
    assert (await leipzig.query("SELECT purged_at FROM actors WHERE id = ?", (anna.id,)))[0]["purged_at"] is None
    await meissen.start()
    await make_due_now(leipzig)
    await eventually(lambda: meissen.query("SELECT 1 FROM actors WHERE ap_id = ? AND deleted_at IS NOT NULL",
                                           (anna.ap_id,)), message="the Delete on Meißen")
    await eventually(lambda: leipzig.query("SELECT 1 FROM actors WHERE id = ? AND purged_at IS NOT NULL", (anna.id,)),
                     timeout=30, message="the purge after the delivery")
    assert await leipzig.query("SELECT 1 FROM deliveries") == []


async def test_the_suspension_path_runs_its_step_in_the_last_transaction_also_with_posts(leipzig):
    """The end of a suspension deletes through the same function with `also` (marking the action
    carried out): it runs once, after the actor is marked deleted, whatever content there was."""
    anna = await leipzig.create_user("anna", password="sicheres-passwort")
    status, _ = await leipzig.post_outbox("anna", IDEA)
    idea_id = (await leipzig.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    await leipzig.post_outbox("anna", {"type": "Note", "content": "Wer hilft mit?", "inReplyTo": idea_id,
                                       "to": [ld.PUBLIC]})
    seen = []

    async def mark(conn):
        async with conn.execute("SELECT deleted_at FROM actors WHERE id = ?", (anna.id,)) as cur:
            seen.append((await cur.fetchone())[0])
    await accounts.delete_account_data(leipzig.rt, anna, also=mark)
    assert len(seen) == 1 and seen[0] is not None
    assert await leipzig.query("SELECT 1 FROM objects WHERE actor_id = ? AND deleted_at IS NULL", (anna.id,)) == []
