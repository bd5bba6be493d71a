"""The poll pages and the JSON API on a real instance: asking, the form's errors in German, voting
once, the results when closed, a box's and a space's polls for their members only (404 otherwise)."""

import aiohttp

from tests.web.conftest import Visitor, text_of
from wecreate_fed.civic import boxes, polls
from wecreate_fed.store import orgs as orgs_store


async def visitor(instance, name: str | None = None) -> Visitor:
    person = Visitor(instance.base_url)
    if name:
        assert await person.register(name) == 303
    return person


async def test_asking_voting_and_the_results_on_the_website(leipzig):
    anna, bert, guest = await visitor(leipzig, "anna"), await visitor(leipzig, "bert"), await visitor(leipzig)
    try:
        status, page, _ = await anna.get("/polls/new")
        assert status == 200 and "Wer sieht das?" not in page  # anna is in no space
        status, page, _ = await anna.post("/polls/new", {"question": "", "options": "Nur eine"})
        assert status == 400
        assert "Bitte fülle dieses Feld aus." in text_of(page) and "2 bis 10 Antwortmöglichkeiten" in text_of(page)
        status, _, headers = await anna.post("/polls/new", {"question": "Wohin mit dem Geld?",
                                                            "options": "Brunnen\nBänke\nBügel"})
        assert status == 303
        path = headers["Location"]
        assert path.startswith("/p/")
        status, page, _ = await guest.get(path)
        assert status == 200 and "Wohin mit dem Geld?" in page and "Anmelden und abstimmen" in page
        status, page, _ = await bert.get(path)
        assert 'type="radio" name="choice" value="1"' in page
        status, _, _ = await bert.post(f"{path}/vote", {"choice": "1"})
        assert status == 303
        status, page, _ = await bert.get(path)
        assert "Du hast abgestimmt." in page and "Deine Stimme ist gezählt." in page
        assert "Das Ergebnis erscheint, wenn die Umfrage beendet ist." in page
        status, _, _ = await bert.post(f"{path}/vote", {"choice": "0"})  # again: refused, said so
        _, page, _ = await bert.get(path)
        assert "Du hast schon abgestimmt." in page
        _, page, _ = await anna.get(path)
        assert "Jetzt beenden" in page
        status, _, _ = await anna.post(f"{path}/close", {})
        assert status == 303
        _, page, _ = await guest.get(path)
        assert "1 Stimme · 100 %" in text_of(page) and "Beendet am" in page
        status, page, _ = await guest.get("/polls")
        assert status == 200 and "Wohin mit dem Geld?" in page and "1 Person hat abgestimmt" in text_of(page)
    finally:
        for person in (anna, bert, guest):
            await person.close()


async def test_only_its_author_closes_a_poll(leipzig):
    anna, bert = await leipzig.create_user("anna"), await visitor(leipzig, "bert")
    try:
        ap_id = await polls.create(leipzig.rt, anna, {"question": "Wann?", "options": ["Mo", "Di"]})
        key = ap_id.rsplit("/", 1)[1]
        await bert.get(f"/p/{key}")
        status, _, _ = await bert.post(f"/p/{key}/close", {})
        assert status == 403
        assert not (await polls.poll_by_id(leipzig.rt, ap_id)).is_closed()
    finally:
        await bert.close()


async def test_box_and_space_polls_answer_404_to_outsiders(leipzig, meissen):
    org = await leipzig.create_user("spd", type_="Organization", category="party", name="SPD Leipzig")
    anna = await leipzig.create_user("anna")
    await boxes.create(leipzig.rt, anna, {"name": "Gartenfreunde", "slug": "garten", "visibility": "private"})
    async with leipzig.rt.db.transaction() as conn:
        await orgs_store.put(conn, org.id, anna.id, role="member", state="accepted")
    in_box = await polls.create(leipzig.rt, anna, {"question": "Gießen?", "options": ["Ja", "Nein"], "box": "garten"})
    internal = await polls.create(leipzig.rt, anna, {"question": "Kandidatur?", "options": ["A", "B"],
                                                     "members_of": "spd"})
    fritz = await visitor(leipzig, "fritz")
    guest = await visitor(leipzig)
    try:
        for ap_id in (in_box, internal):
            page = "/p/" + ap_id.rsplit("/", 1)[1]
            assert (await fritz.get(page))[0] == 404
            assert (await guest.get(page))[0] == 404
            status, _ = await meissen.get_json(ap_id)  # a remote server, signed
            assert status == 404
            _, listed, _ = await fritz.get("/polls")
            assert "Gießen?" not in listed and "Kandidatur?" not in listed
        assert (await fritz.get("/polls?space=spd"))[0] == 404
        assert (await guest.get("/polls?box=garten"))[0] == 404
    finally:
        await fritz.close()
        await guest.close()


async def test_the_json_api(leipzig):
    await leipzig.create_user("anna")
    await leipzig.create_user("bert")
    anna, bert = await leipzig.token("anna"), await leipzig.token("bert")

    async def call(method: str, path: str, token: str | None, body=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with aiohttp.ClientSession() as session:
            async with session.request(method, leipzig.base_url + path, json=body, headers=headers) as r:
                return r.status, await r.json(content_type=None)

    status, body = await call("POST", "/api/polls", None, {"question": "Was?", "options": ["A", "B"]})
    assert status == 401
    status, body = await call("POST", "/api/polls", anna, {"question": "Was?", "options": ["A"]})
    assert status == 400 and body["error"] == "polls_options"
    status, body = await call("POST", "/api/polls", anna, {"question": "Was?", "options": ["A", "B", "C"],
                                                           "multiple": True, "live_results": True})
    assert status == 201 and body["multiple"] and body["options"][2]["title"] == "C"
    key = body["key"]
    status, body = await call("POST", f"/api/polls/{key}/votes", bert, {"choices": [0, 2]})
    assert status == 200 and body["own_votes"] == [0, 2] and body["votes_count"] == 2 and body["voters_count"] == 1
    status, body = await call("POST", f"/api/polls/{key}/votes", bert, {"choices": [1]})
    assert status == 409 and body["error"] == "polls_voted"
    status, body = await call("POST", f"/api/polls/{key}/votes", anna, {"choices": [9]})
    assert status == 400 and body["error"] == "invalid_choice"
    status, body = await call("POST", f"/api/polls/{key}/close", bert)
    assert status == 403
    status, body = await call("POST", f"/api/polls/{key}/close", anna)
    assert status == 200 and body["expired"]
    status, body = await call("POST", f"/api/polls/{key}/votes", anna, {"choices": [1]})
    assert status == 409 and body["error"] == "polls_closed"
    status, body = await call("GET", "/api/polls/nope", anna)
    assert status == 404


async def test_a_space_member_asks_for_the_members_only_and_deletes_it(leipzig):
    org = await leipzig.create_user("spd", type_="Organization", category="party", name="SPD Leipzig")
    anna, fritz = await visitor(leipzig, "anna"), await visitor(leipzig, "fritz")
    try:
        member = await leipzig.actor("anna")
        async with leipzig.rt.db.transaction() as conn:
            await orgs_store.put(conn, org.id, member.id, role="member", state="accepted")
        status, page, _ = await anna.get("/polls/new")
        assert "Wer sieht das?" in page and "Nur Mitglieder von SPD Leipzig" in page
        status, _, headers = await anna.post("/polls/new", {"question": "Intern: Wer kandidiert?",
                                                            "options": "Anna\nBert", "members_of": "spd"})
        assert status == 303
        path = headers["Location"]
        _, page, _ = await anna.get(path)
        assert "Nur Mitglieder von SPD Leipzig" in page
        _, listed, _ = await anna.get("/polls?space=spd")
        assert "Intern: Wer kandidiert?" in listed
        assert (await fritz.get(path))[0] == 404
        status, page, _ = await anna.post("/polls/new", {"question": "Q", "options": "A\nB", "members_of": "cdu"})
        assert status == 400 and "Bitte wähle eine der Möglichkeiten." in page
        await anna.get(path)
        status, _, headers = await anna.post(f"{path}/delete", {})
        assert status == 303 and headers["Location"] == "/polls"
        assert (await anna.get(path))[0] == 410
        assert (await fritz.get(path))[0] == 404  # deleted or not, not there for outsiders
        ap_id = leipzig.base_url + "/polls/" + path.rsplit("/", 1)[1]
        status, _ = await leipzig.get_json(ap_id)  # a server (signed by the instance actor): no member
        assert status == 404
        public = await polls.create(leipzig.rt, member, {"question": "Öffentlich?", "options": ["Ja", "Nein"]})
        await polls.delete(leipzig.rt, member, public)
        status, body = await leipzig.get_json(public)
        assert status == 410 and body["type"] == "Tombstone" and body["formerType"] == "Question"
    finally:
        await anna.close()
        await fritz.close()
