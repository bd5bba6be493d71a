"""Moderation actions on two real instances over HTTP: suspending a local account (sessions end, 410,
the Delete reaches the other server after the grace period), suspending a remote one (its next
signed delivery refused, its content gone), hiding, removing and marking content sensitive,
undoing, the statement of reasons in German, appeals decided by another moderator, the audit log."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.conftest import eventually, post_signed
from tests.web.conftest import text_of
from wecreate_fed.store import audit, sanctions

EXPLANATION = "Mehrfach Werbung für ein Online-Casino in Kommentaren gepostet."


async def moderator_of(site, visitor_for, name="mo"):
    await site.create_user(name, password="sicheres-passwort", role="moderator")
    visitor = visitor_for(site)
    assert await visitor.login(name) == 303
    return visitor


async def act(moderator, target: str, kind: str, *, expect: int = 303, **fields):
    """Take an action through the form; returns (status, text)."""
    status, text, _ = await moderator.get(f"/admin/actions/new?target={target}")
    assert status == (200 if expect == 303 else status), text  # an unknown target: the form says so (400)
    data = {"target": target, "kind": kind, "category": "spam", "rule": "", "law": "", "report": "",
            "explanation": EXPLANATION, **fields}
    status, text, _ = await moderator.post("/admin/actions/new", data)
    assert status == expect, text_of(text)
    return status, text


async def action_ids(site, kind: str) -> list[int]:
    return [r["id"] for r in await site.query("SELECT id FROM moderation_actions WHERE kind = ? ORDER BY id", (kind,))]


async def marketplace_ids(site, visitor) -> list[str]:
    async with visitor.session.get(visitor.url("/api/marketplace")) as r:
        return [item["id"] for item in (await r.json())["items"]]


@pytest.fixture
async def two(make_instance):
    leipzig = await make_instance("leipzig")
    meissen = await make_instance("meissen")
    return leipzig, meissen


async def test_a_local_suspension_ends_sessions_answers_410_and_deletes_after_the_grace_period(two, visitor_for):
    leipzig, meissen = two
    anna_actor = await leipzig.create_user("anna", password="sicheres-passwort")
    await meissen.create_user("jonas")
    await meissen.post_outbox("jonas", {"type": "Follow", "object": anna_actor.ap_id})
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="follow")
    anna = visitor_for(leipzig)
    assert await anna.login("anna") == 303
    idea_page = await anna.publish_idea("Casino am Markt")
    idea_id = (await leipzig.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    await eventually(lambda: meissen.query("SELECT 1 FROM ideas WHERE ap_id = ?", (idea_id,)), message="idea there")
    token = await leipzig.token("anna")
    mo = await moderator_of(leipzig, visitor_for)

    await act(mo, anna_actor.ap_id, "suspend")
    # logged out everywhere; the actor is gone for servers and for browsers; the token is refused
    assert (await anna.get("/settings"))[0] == 303
    status, document = await meissen.get_json(anna_actor.ap_id)
    assert status == 410 and document["type"] == "Tombstone"
    status, text, _ = await visitor_for(leipzig).get("/@anna")
    assert status == 410 and "gesperrt" in text_of(text)
    assert (await leipzig.post_outbox("anna", {"type": "Follow", "object": meissen.base_url}, token=token))[0] == 401
    # her content is hidden
    assert idea_id not in await marketplace_ids(leipzig, visitor_for(leipzig))
    status, text, _ = await visitor_for(leipzig).get(idea_page)
    assert status == 404 and "von der Moderation ausgeblendet" in text_of(text)
    # she can log in to read the statement of reasons (German) and appeal, nothing else
    assert await anna.login("anna") == 303
    assert (await anna.get("/"))[0] == 403
    status, text, _ = await anna.get("/notifications")
    assert status == 200 and "Entscheidung der Moderation: Gesperrt" in text_of(text)
    decision = re.search(r'href="(http[^"]+/moderation/decisions/\d+)"', text).group(1)
    status, text, _ = await anna.get(decision)
    page = text_of(text)
    assert status == 200 and "Dein Konto wurde gesperrt" in page and EXPLANATION in page
    assert "Spam" in page and "nicht automatisiert" in page and "Widerspruch einlegen" in page
    (action,) = await leipzig.query("SELECT * FROM moderation_actions")
    assert action["final_at"] > action["created_at"]  # 30 days of grace
    assert [e["action"] for e in await audit.entries(leipzig.rt.db.reader)] == ["account.suspend"]

    # the grace period ends (time moved): the account is deleted and the Delete federates
    async with leipzig.rt.db.transaction() as conn:
        await conn.execute("UPDATE moderation_actions SET final_at = '2000-01-01T00:00:00Z'")
    leipzig.rt.moderation_wakeup.set()
    await eventually(lambda: meissen.query("SELECT 1 FROM ideas WHERE ap_id = ? AND deleted_at IS NOT NULL",
                                           (idea_id,)), timeout=30, message="the idea's Delete on Meißen")
    await eventually(lambda: meissen.query("SELECT 1 FROM actors WHERE ap_id = ? AND deleted_at IS NOT NULL",
                                           (anna_actor.ap_id,)), timeout=30, message="the actor's Delete on Meißen")
    (action,) = await leipzig.query("SELECT carried_out_at FROM moderation_actions")
    assert action["carried_out_at"] is not None
    assert "account.delete" in [e["action"] for e in await audit.entries(leipzig.rt.db.reader)]
    status, text, _ = await mo.post(f"/admin/actions/{(await action_ids(leipzig, 'suspend'))[0]}/undo", {})
    assert status == 409 and "endgültig" in text_of(text)


async def test_a_remote_suspension_refuses_its_deliveries_and_hides_its_content(two, visitor_for):
    leipzig, meissen = two
    anna_actor = await leipzig.create_user("anna", password="sicheres-passwort")
    jonas = await meissen.create_user("jonas")
    await meissen.post_outbox("jonas", {"type": "Follow", "object": anna_actor.ap_id})
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="follow")
    anna = visitor_for(leipzig)
    await anna.login("anna")
    idea_page = await anna.publish_idea("Trinkbrunnen")
    idea_id = (await leipzig.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    await meissen.post_outbox("jonas", {"type": "Create", "object": {
        "type": "Note", "content": "Kauft Chips im Casino!", "inReplyTo": idea_id}})
    await eventually(lambda: leipzig.query("SELECT 1 FROM objects WHERE in_reply_to = ?", (idea_id,)), message="reply")
    assert "Kauft Chips" in (await visitor_for(leipzig).get(idea_page))[1]
    mo = await moderator_of(leipzig, visitor_for)

    await act(mo, jonas.ap_id, "suspend")
    assert "Kauft Chips" not in (await visitor_for(leipzig).get(idea_page))[1]
    assert not await leipzig.query("SELECT 1 FROM follows f JOIN actors a ON a.id = f.follower_id WHERE a.ap_id = ?",
                                   (jonas.ap_id,))
    like = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{jonas.ap_id}#likes/{uuid.uuid4()}",
            "type": "Like", "actor": jonas.ap_id, "object": idea_id}
    stored_before = len(await leipzig.query("SELECT id FROM incoming"))
    status, body = await post_signed(leipzig.shared_inbox, like, key_id=jonas.key_id,
                                     private_key_pem=jonas.private_key_pem)
    assert status == 403 and "actor_suspended" in body
    assert len(await leipzig.query("SELECT id FROM incoming")) == stored_before  # nothing stored
    (action,) = await leipzig.query("SELECT final_at, account_id FROM moderation_actions")
    assert action["final_at"] is None  # a remote suspension can be undone any time

    # undone: accepted again (the follows it lost stay lost; it may follow again)
    await mo.post(f"/admin/actions/{(await action_ids(leipzig, 'suspend'))[0]}/undo", {})
    status, _ = await post_signed(leipzig.shared_inbox, like, key_id=jonas.key_id,
                                  private_key_pem=jonas.private_key_pem)
    assert status == 202
    assert "Kauft Chips" in (await visitor_for(leipzig).get(idea_page))[1]
    assert [e["action"] for e in await audit.entries(leipzig.rt.db.reader)] == ["account.suspend.undo",
                                                                               "account.suspend"]


async def test_hide_sensitive_remove_and_undo_content(two, visitor_for):
    leipzig, meissen = two
    anna_actor = await leipzig.create_user("anna", password="sicheres-passwort")
    await meissen.create_user("jonas")
    await meissen.post_outbox("jonas", {"type": "Follow", "object": anna_actor.ap_id})
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="follow")
    anna = visitor_for(leipzig)
    await anna.login("anna")
    idea_page = await anna.publish_idea("Brunnen", image_url="https://example.org/brunnen.png",
                                        image_alt="Ein Trinkbrunnen aus Stein")
    idea_id = (await leipzig.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    await eventually(lambda: meissen.query("SELECT 1 FROM ideas WHERE ap_id = ?", (idea_id,)), message="idea there")
    mo = await moderator_of(leipzig, visitor_for)
    guest = visitor_for(leipzig)

    # hide: off the marketplace; the page says so, its author and the moderators still see it
    await act(mo, idea_id, "hide")
    assert idea_id not in await marketplace_ids(leipzig, guest)
    status, text, _ = await guest.get(idea_page)
    assert status == 404 and "von der Moderation ausgeblendet" in text_of(text)
    status, text, _ = await anna.get(idea_page)
    assert status == 200 and "Von der Moderation ausgeblendet" in text_of(text)
    assert (await mo.get(idea_page))[0] == 200
    (hide,) = await action_ids(leipzig, "hide")
    await mo.get(f"/admin/accounts/{anna_actor.id}")
    status, _, _ = await mo.post(f"/admin/actions/{hide}/undo", {})
    assert status == 303
    assert idea_id in await marketplace_ids(leipzig, guest)
    status, text, _ = await mo.post(f"/admin/actions/{hide}/undo", {})
    assert status == 409 and "schon aufgehoben" in text_of(text)

    # sensitive: the image behind a click here; `sensitive: true` in the document and its Update
    await act(mo, idea_id, "sensitive")
    status, text, _ = await guest.get(idea_page)
    assert '<details class="sensitive">' in text and "Heikles Bild anzeigen" in text
    status, document = await meissen.get_json(idea_id)
    assert status == 200 and document["sensitive"] is True
    updates = await leipzig.query("SELECT data FROM activities WHERE type = 'Update'")
    assert any('"sensitive": true' in u["data"] for u in updates)

    # remove: deleted as its author would, the Delete reaches Meißen; final, no undo
    await act(mo, idea_id, "remove")
    assert (await meissen.get_json(idea_id))[0] == 410
    await eventually(lambda: meissen.query("SELECT 1 FROM ideas WHERE ap_id = ? AND deleted_at IS NOT NULL",
                                           (idea_id,)), message="the Delete on Meißen")
    (remove,) = await action_ids(leipzig, "remove")
    status, text, _ = await mo.post(f"/admin/actions/{remove}/undo", {})
    assert status == 409
    # a comment form for the wrong kind or a missing explanation: every problem at once, in German
    await act(mo, anna_actor.ap_id, "hide", expect=400, explanation="")
    names = [e["action"] for e in await audit.entries(leipzig.rt.db.reader)]
    assert names == ["content.remove", "content.sensitive", "content.hide.undo", "content.hide"]
    status, text, _ = await anna.get("/notifications")
    assert text_of(text).count("Entscheidung der Moderation") >= 3


async def test_a_wrong_form_names_each_problem(site, visitor_for):
    anna = await site.create_user("anna")
    mo = await moderator_of(site, visitor_for)
    _, text = await act(mo, anna.ap_id, "hide", expect=400, explanation="", category="nonsense")
    assert 'id="kind-error"' in text and 'id="explanation-error"' in text and 'id="category-error"' in text
    _, text = await act(mo, f"{site.base_url}/ideas/{uuid.uuid4()}", "hide", expect=400)
    assert 'id="target-error"' in text
    _, text = await act(mo, anna.ap_id, "warn", expect=400, rule="17", report="x")
    assert 'id="rule-error"' in text and "Diese Regel gibt es nicht" in text_of(text)
    assert not await site.query("SELECT 1 FROM moderation_actions")
    assert await audit.count(site.rt.db.reader) == 0


async def test_appeal_once_decided_by_another_moderator(site, visitor_for):
    anna_actor = await site.create_user("anna", password="sicheres-passwort")
    anna = visitor_for(site)
    await anna.login("anna")
    mo = await moderator_of(site, visitor_for, "mo")
    other = await moderator_of(site, visitor_for, "mia")
    await act(mo, anna_actor.ap_id, "limit")
    assert (await site.query("SELECT limited_at FROM actors WHERE id = ?", (anna_actor.id,)))[0]["limited_at"]
    (action_id,) = await action_ids(site, "limit")
    decision = f"/moderation/decisions/{action_id}"
    # someone else's decision is nobody else's business
    bert = visitor_for(site)
    await bert.register("bert")
    assert (await bert.get(decision))[0] == 404
    status, text, _ = await anna.get(decision)
    assert status == 200 and "Dein Konto wurde eingeschränkt" in text_of(text)
    status, text, _ = await anna.post(f"{decision}/appeal", {"text": ""})
    assert status == 400 and 'id="text-error"' in text
    status, _, _ = await anna.post(f"{decision}/appeal", {"text": "Das war ein Missverständnis."})
    assert status == 303
    status, text, _ = await anna.get(decision)
    assert "wird geprüft" in text_of(text) and 'name="text"' not in text
    status, _, _ = await anna.post(f"{decision}/appeal", {"text": "Nochmal."})
    assert status == 409
    (appeal,) = await site.query("SELECT id FROM appeals")
    status, text, _ = await mo.get("/admin/appeals")
    assert status == 200 and "Das war ein Missverständnis." in text
    status, text, _ = await mo.post(f"/admin/appeals/{appeal['id']}", {"outcome": "reversed", "decision": "Ok."})
    assert status == 403 and "jemand anderes" in text_of(text)
    await other.get("/admin/appeals")
    status, _, _ = await other.post(f"/admin/appeals/{appeal['id']}", {"outcome": "reversed",
                                                                       "decision": "Kein Verstoß erkennbar."})
    assert status == 303
    row = (await site.query("SELECT limited_at FROM actors WHERE id = ?", (anna_actor.id,)))[0]
    assert row["limited_at"] is None
    assert (await site.query("SELECT undone_at FROM moderation_actions"))[0]["undone_at"] is not None
    status, text, _ = await anna.get("/notifications")
    assert "Dein Widerspruch wurde entschieden: Die Entscheidung wurde aufgehoben." in text_of(text)
    names = [e["action"] for e in await audit.entries(site.rt.db.reader)]
    assert names == ["appeal.reverse", "account.limit.undo", "appeal.file", "account.limit"]


async def test_users_get_403_on_the_moderation_pages(site, visitor_for):
    anna = await site.create_user("anna", password="sicheres-passwort")
    user = visitor_for(site)
    await user.register("bert")
    for path in ("/admin/actions/new", f"/admin/actions/new?target={anna.ap_id}", "/admin/accounts",
                 "/admin/accounts/1", "/admin/appeals"):
        assert (await user.get(path))[0] == 403, path
    await user.get("/")
    for path in ("/admin/actions/new", "/admin/actions/1/undo", "/admin/appeals/1"):
        assert (await user.post(path, {"target": anna.ap_id, "kind": "suspend"}))[0] == 403, path
    assert not await site.query("SELECT 1 FROM moderation_actions")
    mo = await moderator_of(site, visitor_for)
    status, text, _ = await mo.get("/admin/accounts?q=ann")
    assert status == 200 and f"/admin/accounts/{anna.id}" in text
    status, text, _ = await mo.get(f"/admin/accounts/{anna.id}")
    assert status == 200 and "Noch keine Maßnahmen" in text_of(text)


async def test_a_limited_account_is_off_the_marketplace_but_its_pages_stay(site, visitor_for):
    anna_actor = await site.create_user("anna", password="sicheres-passwort")
    anna = visitor_for(site)
    await anna.login("anna")
    page = await anna.publish_idea("Bänke am Markt")
    idea_id = (await site.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    mo = await moderator_of(site, visitor_for)
    guest = visitor_for(site)
    await act(mo, anna_actor.ap_id, "limit")
    assert idea_id not in await marketplace_ids(site, guest)
    assert (await guest.get(page))[0] == 200 and (await guest.get("/@anna"))[0] == 200
    (limit,) = await action_ids(site, "limit")
    await mo.get(f"/admin/accounts/{anna_actor.id}")
    await mo.post(f"/admin/actions/{limit}/undo", {})
    assert idea_id in await marketplace_ids(site, guest)


@pytest.mark.sqlite_only  # SQLite's planner and its EXPLAIN QUERY PLAN
async def test_the_moderation_filters_use_the_partial_indexes(site):
    """However many actors are known, the listings look up only the moderated ones."""
    for condition in (sanctions.listed("i", "author_id"), sanctions.shown("i", "author_id")):
        plan = await site.query(f"EXPLAIN QUERY PLAN SELECT id FROM ideas i WHERE {condition}")
        details = " ".join(row["detail"] for row in plan)
        assert "USING INDEX actors_moderated" in details or "USING INDEX actors_suspended" in details, details
