"""Boxes and motions across two real instances: joining, relaying, privacy, motions to a council."""

import json
import uuid

import aiohttp
import pytest

from tests.conftest import eventually, post_signed
from wecreate_fed import signatures, urls
from wecreate_fed.civic import boxes, motions
from wecreate_fed.errors import FORM_CODES, BadRequest, Conflict
from wecreate_fed.store import boxes as box_store


async def box_post_on(instance, box_id: str, text: str):
    return await instance.query("SELECT * FROM objects WHERE audience = ? AND content LIKE ?", (box_id, f"%{text}%"))


async def test_a_remote_person_joins_a_closed_box_is_approved_posts_and_every_member_receives_it(leipzig, meissen):
    # Given a closed box on Leipzig with its owner Anna and a local member Mehmet
    anna = await leipzig.create_user("anna")
    mehmet = await leipzig.create_user("mehmet")
    box = await boxes.create(leipzig.rt, anna, {"name": "Trinkbrunnen West", "visibility": "closed",
                                                "problem": "Kein Trinkwasser im Sommer"})
    assert await boxes.join(leipzig.rt, mehmet, box.ap_id) == "pending"
    await boxes.answer_request(leipzig.rt, anna, "trinkbrunnen_west", mehmet.ap_id, approve=True)
    # When Jonas and Lena on Meißen ask to join through their own outbox
    jonas = await meissen.create_user("jonas")
    lena = await meissen.create_user("lena")
    for name in ("jonas", "lena"):
        status, body = await meissen.post_outbox(name, {"type": "Follow", "object": box.ap_id})
        assert status == 201, body
    await eventually(lambda: _count(leipzig, "SELECT count(*) AS n FROM box_members WHERE state = 'pending'", 2),
                     message="two pending requests")
    assert (await meissen.query("SELECT state FROM follows WHERE follower_id = ?", (jonas.id,)))[0]["state"] == "pending"
    # And a moderator approves them
    for person in (jonas, lena):
        await boxes.answer_request(leipzig.rt, anna, "trinkbrunnen_west", person.ap_id, approve=True)
    await eventually(lambda: _count(meissen, "SELECT count(*) AS n FROM follows WHERE state = 'accepted'", 2),
                     message="both accepted on Meißen")
    # Then Jonas's post reaches the box, which relays it to every member on both instances
    status, body = await meissen.post_outbox("jonas", {"type": "Note", "content": "Treffen am Freitag?",
                                                       "audience": box.ap_id})
    assert status == 201, body
    await eventually(lambda: box_post_on(leipzig, box.ap_id, "Treffen am Freitag"), message="post in the box")
    announce = await eventually(lambda: meissen.query(
        "SELECT data FROM incoming WHERE type = 'Announce' AND signer_ap_id = ? AND state = 'done'", (box.ap_id,)),
        message="the box's Announce on Meißen")
    relayed = json.loads(announce[0]["data"])["object"]
    assert relayed["type"] == "Create" and relayed["actor"] == jonas.ap_id  # the member's activity, unchanged
    assert (await box_post_on(meissen, box.ap_id, "Treffen am Freitag"))[0]["audience"] == box.ap_id
    delivered = await leipzig.query("SELECT inbox_url FROM deliveries d JOIN activities a ON a.id = d.activity_id "
                                    "WHERE a.type = 'Announce' AND a.actor_id = ?", (box.id,))
    assert {d["inbox_url"] for d in delivered} == {meissen.shared_inbox}
    # And the members collection lists all four, the moderators collection the owner
    _, members = await leipzig.get_json(f"{box.ap_id}/followers")
    assert set(members["orderedItems"]) == {anna.ap_id, mehmet.ap_id, jonas.ap_id, lena.ap_id}
    _, document = await leipzig.get_json(box.ap_id)
    assert document["type"] == "Group" and document["attributedTo"] == f"{box.ap_id}/moderators"
    assert document["problem"] == "Kein Trinkwasser im Sommer"
    _, moderators = await leipzig.get_json(f"{box.ap_id}/moderators")
    assert moderators["orderedItems"] == [anna.ap_id]


async def test_a_non_member_cannot_post_to_a_closed_box(leipzig, meissen):
    anna = await leipzig.create_user("anna")
    box = await boxes.create(leipzig.rt, anna, {"name": "Geschlossen", "slug": "geschlossen", "visibility": "closed"})
    jonas = await meissen.create_user("jonas")
    note_id = f"{jonas.ap_id}/notes/{uuid.uuid4()}"
    create = {"id": f"{note_id}/activity", "type": "Create", "actor": jonas.ap_id, "audience": box.ap_id,
              "to": [box.ap_id], "object": {"id": note_id, "type": "Note", "attributedTo": jonas.ap_id,
                                            "content": "Spam", "audience": box.ap_id, "to": [box.ap_id]}}
    status, body = await post_signed(leipzig.shared_inbox, create, key_id=jonas.key_id,
                                     private_key_pem=jonas.private_key_pem)
    assert status == 403 and "not a member" in body
    assert await leipzig.query("SELECT 1 FROM objects") == []
    assert await leipzig.query("SELECT 1 FROM incoming") == []
    # Through the website's path too
    with pytest.raises(Exception, match="only a member"):
        await boxes.post(leipzig.rt, await leipzig.create_user("mehmet"), box.ap_id, "Hallo")


async def test_a_forged_announce_claiming_to_come_from_a_box_is_refused(leipzig, meissen):
    await leipzig.create_user("anna")
    box = await boxes.create(meissen.rt, await meissen.create_user("lena"), {"name": "Elbwiesen", "slug": "elbwiesen"})
    await leipzig.post_outbox("anna", {"type": "Follow", "object": box.ap_id})
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="joined")
    jonas = await meissen.create_user("jonas")
    forged = {"id": f"{box.ap_id}#forged", "type": "Announce", "actor": box.ap_id,
              "object": {"id": f"{jonas.ap_id}#c", "type": "Create", "actor": jonas.ap_id,
                         "object": {"id": f"{jonas.ap_id}/n/1", "type": "Note", "attributedTo": jonas.ap_id,
                                    "content": "gefälscht", "audience": box.ap_id}}}
    # Signed by Jonas, but claiming the box as its actor
    status, body = await post_signed(leipzig.shared_inbox, forged, key_id=jonas.key_id,
                                     private_key_pem=jonas.private_key_pem)
    assert status == 401 and "actor is" in body
    assert await leipzig.query("SELECT 1 FROM objects WHERE content LIKE '%gefälscht%'") == []
    assert await leipzig.query("SELECT 1 FROM incoming WHERE type = 'Announce'") == []


@pytest.fixture
async def private_box(make_instance, meissen):
    """A private box on Leipzig with a remote member (Jonas, invited), and outsiders everywhere."""
    # Authorised fetch off on Leipzig: with it on, an unsigned GET is answered 401 before the box's
    # visibility is checked, where a missing box answers 404 (to be closed with the private-box work).
    leipzig = await make_instance("leipzig", require_signed_fetch=False)
    anna = await leipzig.create_user("anna")
    outsider_here = await leipzig.create_user("mehmet")
    box = await boxes.create(leipzig.rt, anna, {"name": "Freundeskreis", "slug": "freunde", "visibility": "private"})
    jonas = await meissen.create_user("jonas")
    lena = await meissen.create_user("lena")
    await boxes.invite(leipzig.rt, anna, "freunde", jonas.ap_id)
    await meissen.post_outbox("jonas", {"type": "Follow", "object": box.ap_id})
    await eventually(lambda: meissen.query("SELECT 1 FROM follows WHERE follower_id = ? AND state = 'accepted'",
                                           (jonas.id,)), message="Jonas admitted")
    await boxes.post(leipzig.rt, anna, box.ap_id, "Geheimes Treffen bei mir")
    post = (await eventually(lambda: box_post_on(leipzig, box.ap_id, "Geheimes Treffen"), message="post"))[0]
    motion_id = await motions.draft(leipzig.rt, anna, "freunde", {"title": "Mehr Licht", "request": "Laternen"})
    dresden = await make_instance("dresden")
    return dict(box=box, post_id=post["ap_id"], motion_id=motion_id, jonas=jonas, lena=lena,
                outsider_here=outsider_here, dresden=dresden, leipzig=leipzig, meissen=meissen)


async def signed_get(url: str, actor=None, *, key_id=None, private_key_pem=None) -> int:
    headers = {"Accept": "application/activity+json"}
    if actor is not None or key_id:
        headers.update(signatures.sign_request("GET", url, key_id=key_id or actor.key_id,
                                               private_key_pem=private_key_pem or actor.private_key_pem))
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers=headers, allow_redirects=False) as r:
            return r.status


async def test_a_private_box_shows_nothing_to_outsiders_and_everything_to_members(private_box):
    p = private_box
    box = p["box"]
    urls = [box.ap_id, f"{box.ap_id}/followers", f"{box.ap_id}/moderators", f"{box.ap_id}/posts",
            f"{box.ap_id}/outbox", p["post_id"], p["motion_id"], f"{p['motion_id']}/print"]
    dresden_actor = await p["dresden"].rt.db.reader.execute("SELECT key_id, private_key_pem FROM actors WHERE type = 'Application'")
    dresden_key = await dresden_actor.fetchone()
    for url in urls:
        assert await signed_get(url) == 404, url                                  # unsigned
        assert await signed_get(url, p["lena"]) == 404, url                       # remote non-member, signed
        assert await signed_get(url, p["outsider_here"]) == 404, url              # local non-member, signed
        assert await signed_get(url, key_id=dresden_key[0], private_key_pem=dresden_key[1]) == 404, url  # another server
        assert await signed_get(url, p["jonas"]) == 200, url                      # a remote member
    # Nor can it be found by WebFinger, nor seen as a profile on the website
    status, _ = await p["leipzig"].get_json(
        f"{p['leipzig'].base_url}/.well-known/webfinger?resource=acct:freunde@{p['leipzig'].config.host}")
    assert status == 404
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{p['leipzig'].base_url}/@freunde", headers={"Accept": "text/html"}) as r:
            assert r.status == 404 and "Freundeskreis" not in await r.text()


async def test_nothing_of_a_private_box_is_delivered_to_non_members(private_box):
    p = private_box
    leipzig, box = p["leipzig"], p["box"]
    # Outsiders ask to join: refused without an invitation
    status, _ = await p["meissen"].post_outbox("lena", {"type": "Follow", "object": box.ap_id})
    assert status == 201
    await eventually(lambda: p["meissen"].query("SELECT 1 FROM incoming WHERE type = 'Reject' AND state = 'done'"),
                     message="Lena's request rejected")
    assert await p["meissen"].query("SELECT 1 FROM follows WHERE follower_id = ?", (p["lena"].id,)) == []
    with pytest.raises(Exception, match="invitation"):
        await boxes.join(leipzig.rt, p["outsider_here"], box.ap_id)
    # Everything the box sent went to Jonas's server only, and never to the public
    await eventually(lambda: leipzig.query("SELECT 1 FROM deliveries WHERE state = 'done'"), message="delivered")
    rows = await leipzig.query("SELECT d.inbox_url, a.type, a.is_public, a.data FROM deliveries d "
                               "JOIN activities a ON a.id = d.activity_id WHERE a.actor_id = ?", (box.id,))
    assert rows and all(r["inbox_url"] == p["meissen"].shared_inbox for r in rows)
    announces = [json.loads(r["data"]) for r in rows if r["type"] == "Announce"]
    assert announces and all("https://www.w3.org/ns/activitystreams#Public" not in a["to"] + a["cc"] for a in announces)
    assert all(not r["is_public"] for r in rows if r["type"] == "Announce")


async def test_a_motion_is_cosigned_submitted_to_a_council_elsewhere_and_its_answers_come_back(leipzig, meissen):
    # Given a box on Leipzig and the district council of Meißen, an organisation there
    anna = await leipzig.create_user("anna", name="Anna Schulz")
    mehmet = await leipzig.create_user("mehmet", name="Mehmet Yıldız")
    box = await boxes.create(leipzig.rt, anna, {"name": "Laternen", "slug": "laternen"})
    await boxes.join(leipzig.rt, mehmet, box.ap_id)
    council = await meissen.create_user("beirat_altstadt", type_="Organization", category="administration",
                                        name="Stadtbezirksbeirat Altstadt")
    motion_id = await motions.draft(leipzig.rt, anna, "laternen", {
        "title": "Beleuchtung Elbufer", "request": "Der Beirat möge **Laternen** am Elbufer beschließen.",
        "reasoning": "Dunkel und gefährlich.", "district": "west", "council": council.ap_id,
        "required_cosigners": 2})
    assert await motions.edit(leipzig.rt, mehmet, motion_id, {"reasoning": "Dunkel, gefährlich, unbeleuchtet."}) == 2
    # When it is submitted with too few co-signers, it is refused and nothing leaves
    await motions.cosign(leipzig.rt, anna, motion_id)
    with pytest.raises(Exception, match="needs 2 co-signers and has 1"):
        await motions.submit(leipzig.rt, anna, motion_id)
    assert await leipzig.query("SELECT 1 FROM activities WHERE type = 'Offer'") == []
    # Then with two it goes to the council as an Offer, which confirms receipt
    await motions.cosign(leipzig.rt, mehmet, motion_id)
    await motions.submit(leipzig.rt, anna, motion_id)
    received = await eventually(lambda: meissen.query("SELECT * FROM motions WHERE ap_id = ?", (motion_id,)),
                                message="motion at the council")
    assert received[0]["state"] == "received" and received[0]["title"] == "Beleuchtung Elbufer"
    await eventually(lambda: _state(leipzig, motion_id, "received"), message="receipt back in the box")
    # And the council's "on the agenda" and "decided" answers, sent through its outbox, come back
    status, body = await meissen.post_outbox("beirat_altstadt", {
        "type": "Add", "object": motion_id, "target": {"type": "Event", "name": "Sitzung Dezember",
                                                       "startTime": "2026-12-10T18:00:00+01:00"}})
    assert status == 201, body
    await eventually(lambda: _state(leipzig, motion_id, "on_agenda"), message="on the agenda")
    status, body = await meissen.post_outbox("beirat_altstadt", {
        "type": "Accept", "object": motion_id, "content": "Einstimmig angenommen."})
    assert status == 201, body
    await eventually(lambda: _state(leipzig, motion_id, "decided"), message="decided")
    motion = (await leipzig.query("SELECT * FROM motions WHERE ap_id = ?", (motion_id,)))[0]
    assert motion["decision"] == "accepted" and motion["decision_text"] == "Einstimmig angenommen."
    assert motion["agenda_date"] == "2026-12-10T18:00:00+01:00"
    answers = await leipzig.query("SELECT kind FROM motion_answers ORDER BY id")
    assert [a["kind"] for a in answers] == ["received", "on_agenda", "decided"]
    notified = await leipzig.query("SELECT DISTINCT actor_id FROM notifications WHERE kind = 'motion_decided'")
    assert {n["actor_id"] for n in notified} == {anna.id, mehmet.id}
    # The printable version is clean HTML with the request, the reasoning, the co-signers and the council by name
    council = await meissen.actor("beirat_altstadt")  # read as a server would, signed (authorised fetch)
    signed = signatures.sign_request("GET", f"{motion_id}/print", key_id=council.key_id,
                                     private_key_pem=council.private_key_pem)
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{motion_id}/print", headers=signed) as r:
            page = await r.text()
            policy = r.headers["Content-Security-Policy"]
    assert r.status == 200 and "<strong>Laternen</strong>" in page and "unbeleuchtet" in page
    assert "Mehmet Yıldız" in page and "Anna Schulz" in page and "Stadtbezirksbeirat Altstadt" in page
    assert policy.startswith("default-src 'none'; style-src 'sha256-")  # its own style, nothing else


async def test_roles_tasks_indicators_and_ownership(leipzig):
    anna = await leipzig.create_user("anna")
    mehmet = await leipzig.create_user("mehmet")
    box = await boxes.create(leipzig.rt, anna, {"name": "Putzaktion", "slug": "putzaktion"})
    await boxes.join(leipzig.rt, mehmet, box.ap_id)
    rt = leipzig.rt
    with pytest.raises(Exception, match="only a moderator"):
        await boxes.add_indicator(rt, mehmet, "putzaktion", "Müllsäcke", 100)
    indicator = await boxes.add_indicator(rt, anna, "putzaktion", "Müllsäcke", 100, unit="Säcke")
    await boxes.update_indicator(rt, anna, "putzaktion", indicator, 42)
    task = await boxes.add_task(rt, mehmet, "putzaktion", "Handschuhe besorgen", assignee_ap_id=mehmet.ap_id)
    await boxes.update_task(rt, mehmet, "putzaktion", task, done=True)
    await boxes.add_milestone(rt, anna, "putzaktion", "Erste Aktion", "2026-12-01")
    with pytest.raises(Exception, match="hand over ownership"):
        await boxes.leave(rt, anna, box.ap_id)
    await boxes.set_role(rt, anna, "putzaktion", mehmet.ap_id, "owner")
    view = await boxes.overview(rt, "putzaktion", anna)
    assert {a.username: role for role, a in view["members"]} == {"mehmet": "owner", "anna": "moderator"}
    assert view["indicators"][0].current == 42 and view["tasks"][0].state == "done"
    await boxes.leave(rt, anna, box.ap_id)
    assert await boxes.role_of(rt, box, anna) is None


async def _count(instance, sql, expected):
    return (await instance.query(sql))[0]["n"] == expected


async def _state(instance, motion_id, state):
    rows = await instance.query("SELECT state FROM motions WHERE ap_id = ?", (motion_id,))
    return rows and rows[0]["state"] == state


async def test_what_is_wrong_with_a_box_or_motion_names_its_field_and_code(leipzig):
    """Each broken rule is a problem the website shows at its field (catalog key form.<code>)."""
    rt = leipzig.rt
    anna = await leipzig.create_user("anna")
    with pytest.raises(BadRequest) as caught:
        await boxes.create(rt, anna, {"name": "", "slug": "X!", "visibility": "secret", "problem": "x" * 5001,
                                      "district_slug": "nirgendwo", "idea": f"{leipzig.base_url}/ideas/keine"})
    found = {(p.field, p.code): p for p in caught.value.problems}
    assert set(found) == {("name", "required"), ("slug", "slug_rules"), ("visibility", "invalid_choice"),
                          ("problem", "too_long"), ("district_slug", "district_unknown"), ("idea", "linked_idea")}
    assert found[("problem", "too_long")].params == {"limit": 5000}
    assert str(caught.value).startswith("name is required; slug must be 2-40 lower-case letters")
    assert all(p.code in FORM_CODES for p in caught.value.problems)
    await boxes.create(rt, anna, {"name": "Laternen", "slug": "laternen"})
    with pytest.raises(Conflict) as caught:
        await boxes.create(rt, anna, {"name": "Noch eine", "slug": "laternen"})
    assert (caught.value.field, caught.value.code) == ("slug", "slug_taken")
    box_id = urls.box_id(leipzig.config, "laternen")
    for text, code, params in (("  ", "required", {}), ("x" * 20_001, "too_long", {"limit": 20_000})):
        with pytest.raises(BadRequest) as caught:
            await boxes.post(rt, anna, box_id, text)
        assert (caught.value.field, caught.value.code, caught.value.params) == ("text", code, params)
    # Motions: every problem of the text at once, then what stands in the way of submitting
    with pytest.raises(BadRequest) as caught:
        await motions.draft(rt, anna, "laternen", {"title": "", "request": "", "required_cosigners": "viele",
                                                   "district": "nirgendwo", "council": anna.ap_id})
    assert {(p.field, p.code) for p in caught.value.problems} == {
        ("title", "required"), ("request", "request_required"), ("required_cosigners", "cosigners_number"),
        ("district", "district_unknown"), ("council", "council_organisation")}
    assert all(p.code in FORM_CODES for p in caught.value.problems)
    motion_id = await motions.draft(rt, anna, "laternen", {"title": "Licht", "request": "Laternen",
                                                           "required_cosigners": 2})
    with pytest.raises(BadRequest) as caught:
        await motions.submit(rt, anna, motion_id)
    assert (caught.value.field, caught.value.code) == ("council", "council_required")
    council = await leipzig.create_user("beirat", type_="Organization", category="administration")
    await motions.edit(rt, anna, motion_id, {"council": council.ap_id})
    await motions.cosign(rt, anna, motion_id)
    with pytest.raises(BadRequest) as caught:
        await motions.submit(rt, anna, motion_id)
    assert (caught.value.field, caught.value.code, caught.value.params) == (
        "cosigners", "cosigners_missing", {"needed": 2, "has": 1})
    assert str(caught.value) == "the motion needs 2 co-signers and has 1"


async def _sent_by(instance, actor, type_: str, to_inbox: str) -> list:
    """The activities of one type an actor sent, each with a delivery to `to_inbox`."""
    return await instance.query(
        "SELECT a.data FROM activities a JOIN deliveries d ON d.activity_id = a.id "
        "WHERE a.actor_id = ? AND a.type = ? AND d.inbox_url = ?", (actor.id, type_, to_inbox))


async def test_moderation_and_membership_reach_the_members_servers(leipzig, meissen):
    anna = await leipzig.create_user("anna")
    box = await boxes.create(leipzig.rt, anna, {"name": "Elbwiesen", "slug": "elbwiesen", "visibility": "closed"})
    jonas = await meissen.create_user("jonas")
    await meissen.post_outbox("jonas", {"type": "Follow", "object": box.ap_id})
    await eventually(lambda: leipzig.query("SELECT 1 FROM box_members WHERE state = 'pending'"), message="request")
    await boxes.answer_request(leipzig.rt, anna, "elbwiesen", jonas.ap_id, approve=True)
    await eventually(lambda: meissen.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="accepted")
    inbox = meissen.shared_inbox
    # A changed profile and a linked idea go out as Updates of the Group
    await boxes.edit_profile(leipzig.rt, anna, "elbwiesen", {"purpose": "Wiesen pflegen"})
    updates = [json.loads(u["data"]) for u in await _sent_by(leipzig, box, "Update", inbox)]
    assert updates[-1]["object"]["purpose"] == "Wiesen pflegen"
    # Jonas made a moderator and back: Add to and Remove from the moderators collection
    await boxes.set_role(leipzig.rt, anna, "elbwiesen", jonas.ap_id, "moderator")
    await boxes.set_role(leipzig.rt, anna, "elbwiesen", jonas.ap_id, "member")
    for type_ in ("Add", "Remove"):
        sent = [json.loads(a["data"]) for a in await _sent_by(leipzig, box, type_, inbox)]
        assert [(a["object"], a["target"]) for a in sent] == [(jonas.ap_id, f"{box.ap_id}/moderators")]
    # A post removed by a moderator is removed on Meißen too
    await boxes.post(leipzig.rt, anna, box.ap_id, "Mäharbeiten am Samstag")
    post = (await eventually(lambda: box_post_on(meissen, box.ap_id, "Mäharbeiten"), message="relayed"))[0]
    await boxes.remove_post(leipzig.rt, anna, "elbwiesen", post["ap_id"])
    await eventually(lambda: meissen.query("SELECT 1 FROM objects WHERE ap_id = ? AND deleted_at IS NOT NULL",
                                           (post["ap_id"],)), message="removed on Meißen")
    # Jonas removed from the box: his server learns he is out (a Reject of his Follow)
    await boxes.remove_member(leipzig.rt, anna, "elbwiesen", jonas.ap_id)
    assert len(await _sent_by(leipzig, box, "Reject", inbox)) == 1
    await eventually(lambda: _count(meissen, "SELECT count(*) AS n FROM follows", 0), message="follow gone")
    # Invited again to the (now private) box, he gets an Invite
    await boxes.edit_profile(leipzig.rt, anna, "elbwiesen", {"visibility": "private"})
    await boxes.invite(leipzig.rt, anna, "elbwiesen", jonas.ap_id)
    assert len(await _sent_by(leipzig, box, "Invite", inbox)) == 1
    # And someone here leaving a box on Meißen sends an Undo of the Follow with the change
    lena = await meissen.create_user("lena")
    elsewhere = await boxes.create(meissen.rt, lena, {"name": "Altstadt", "slug": "altstadt"})
    assert await boxes.join(leipzig.rt, anna, elsewhere.ap_id) == "pending"
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="joined")
    await boxes.leave(leipzig.rt, anna, elsewhere.ap_id)
    assert await leipzig.query("SELECT 1 FROM follows") == []
    await eventually(lambda: _count(meissen, f"SELECT count(*) AS n FROM box_members WHERE box_id = {elsewhere.id}",
                                    1), message="Anna left the box on Meißen")


async def test_a_member_stays_accepted_whatever_request_is_stored_after_the_approval(leipzig):
    """The statement keeps it (not a check read before): a second request handled beside the
    approval, in another transaction, cannot make the member wait again."""
    anna, mehmet = await leipzig.create_user("anna"), await leipzig.create_user("mehmet")
    box = await boxes.create(leipzig.rt, anna, {"name": "Laternen", "slug": "laternen", "visibility": "closed"})
    assert await boxes.join(leipzig.rt, mehmet, box.ap_id) == "pending"
    await boxes.answer_request(leipzig.rt, anna, "laternen", mehmet.ap_id, approve=True)
    async with leipzig.rt.db.transaction() as conn:
        await box_store.set_member(conn, box.id, mehmet.id, state="pending", request_ap_id=f"{mehmet.ap_id}#again")
    member = await box_store.get_member(leipzig.rt.db.reader, box.id, mehmet.id)
    assert member is not None and member.state == "accepted" and member.request_ap_id == f"{mehmet.ap_id}#again"
