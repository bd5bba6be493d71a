"""Amendments to a box's motion on a real instance, through its pages: two members propose one
each, the author adopts one and rejects the other, the final version is right and its lines
shift; overlapping adoptions, bad line ranges and strangers are refused with clear answers; the
motion book prints and downloads as a real PDF with the motion's text, umlauts included; and a
private box's amendments answer 404 to everyone but members (unsigned, local outsider, another
server), a member's server fetching the amendment's ActivityPub id."""

from __future__ import annotations

import io
import json
import re

import aiohttp
import pytest
from pypdf import PdfReader

from tests.conftest import eventually
from tests.web.conftest import Visitor, text_of
from wecreate_fed import signatures
from wecreate_fed.civic import boxes, motions
from wecreate_fed.civic.boxes import amendments, amendments_lines
from wecreate_fed.errors import Conflict, Forbidden
from wecreate_fed.notify import texts as notify_texts

PASSWORD = "sicheres-passwort"
REQUEST = ("Der Kreisverband möge beschließen: Die Stadt baut sichere Radwege an allen Hauptstraßen "
           "und öffnet die Einbahnstraßen für Räder in beide Richtungen.\n\n"
           "Zweitens: Vor jeder Schule gilt Tempo 30.\n"
           "Drittens: An jeder Haltestelle steht eine Bank.\n\n"
           "Die Maßnahmen sind bis Ende 2027 umzusetzen.")


@pytest.fixture
async def visitors():
    made: list[Visitor] = []

    def make(instance) -> Visitor:
        made.append(Visitor(instance.base_url))
        return made[-1]

    yield make
    for v in made:
        await v.close()


async def _motion_in_box(site, *, visibility: str = "open"):
    anna = await site.create_user("anna", name="Anna Schulz", password=PASSWORD)
    mehmet = await site.create_user("mehmet", name="Mehmet Öztürk", password=PASSWORD)
    lena = await site.create_user("lena", name="Lena Groß", password=PASSWORD)
    box = await boxes.create(site.rt, anna, {"name": "Kreisverband Süd", "slug": "kv_sued", "visibility": visibility})
    for person in (mehmet, lena):
        if visibility == "private":
            await boxes.invite(site.rt, anna, "kv_sued", person.ap_id)
        assert await boxes.join(site.rt, person, box.ap_id) == "accepted"
    motion_id = await motions.draft(site.rt, anna, "kv_sued", {"title": "Mehr Grün für die Südstadt",
                                                               "request": REQUEST, "reasoning": "Weil es hilft."})
    return anna, mehmet, lena, box, motion_id


def _key(motion_id: str) -> str:
    return motion_id.rsplit("/", 1)[1]


async def _logged_in(visitors, site, username: str) -> Visitor:
    v = visitors(site)
    assert await v.login(username, PASSWORD) == 303
    return v


async def test_two_amendments_one_adopted_one_rejected_the_final_text_and_its_shifted_lines(leipzig, visitors):
    anna, mehmet, lena, box, motion_id = await _motion_in_box(leipzig)
    page = f"/m/{_key(motion_id)}/amendments"
    lines = amendments_lines.lines_of(REQUEST)
    assert [line.text for line in lines] == [
        "Der Kreisverband möge beschließen: Die Stadt baut sichere Radwege an allen ",
        "Hauptstraßen und öffnet die Einbahnstraßen für Räder in beide Richtungen.",
        "Zweitens: Vor jeder Schule gilt Tempo 30.",
        "Drittens: An jeder Haltestelle steht eine Bank.",
        "Die Maßnahmen sind bis Ende 2027 umzusetzen."]
    # The page shows the text with its line numbers, linked from the motion's page
    m = await _logged_in(visitors, leipzig, "mehmet")
    status, html, _ = await m.get(f"/m/{_key(motion_id)}")
    assert status == 200 and page in html
    status, html, _ = await m.get(page)
    assert status == 200
    assert re.search(r'<li id="l3"><span class="no">3</span><span class="text">Zweitens: Vor jeder Schule', html)
    # Mehmet proposes Ä1 against line 2 (a longer text: one line more); Lena Ä2 against line 4
    status, _, headers = await m.post(page, {"first_line": "2", "last_line": "2", "reason": "Auch Lastenräder.",
                                             "replacement": "Hauptstraßen und öffnet die Einbahnstraßen für Räder "
                                                            "in beide Richtungen.\nDazu kommen 500 Stellplätze für "
                                                            "Lastenräder an den Bahnhöfen."})
    assert status == 303 and headers["Location"].endswith(f"{page}#a1")
    le = await _logged_in(visitors, leipzig, "lena")
    await le.get(page)
    status, _, _ = await le.post(page, {"first_line": "4", "last_line": "", "replacement": "Drittens: Jede "
                                        "Haltestelle bekommt ein Dach.", "reason": "Regen."})
    assert status == 303
    # Mehmet co-signs Lena's; the page lists him and where each would land in the final version
    await m.get(page)
    status, _, _ = await m.post(f"{page}/2/cosign", {})
    assert status == 303
    status, html, _ = await m.get(page)
    text = text_of(html)
    assert "Ä1 · Zeile 2 Offen" in text and "Ä2 · Zeile 4 Offen" in text and "1 Mitzeichnende*r: Mehmet Öztürk" in text
    # Only the author decides
    with pytest.raises(Forbidden):
        await amendments.decide(leipzig.rt, mehmet, f"{motion_id}/amendments/1", adopt=True)
    a = await _logged_in(visitors, leipzig, "anna")
    await a.get(page)
    status, _, _ = await a.post(f"{page}/1/adopt", {})
    assert status == 303
    await a.get(page)
    status, _, _ = await a.post(f"{page}/2/reject", {})
    assert status == 303
    # Each heard of it: the author of each proposal, the proposers and co-signers of each decision
    told = await leipzig.query("SELECT a.username, n.kind, n.params FROM notifications n JOIN actors a "
                               "ON a.id = n.actor_id WHERE n.kind LIKE 'amendment_%' ORDER BY n.id")
    assert [(r["username"], r["kind"]) for r in told] == [
        ("anna", "amendment_proposed"), ("anna", "amendment_proposed"), ("mehmet", "amendment_adopted"),
        ("lena", "amendment_rejected"), ("mehmet", "amendment_rejected")]
    assert notify_texts.sentence("de", "amendment_adopted", json.loads(told[2]["params"])) == \
        "Anna Schulz hat den Änderungsantrag Ä1 zum Antrag „Mehr Grün für die Südstadt“ übernommen."
    # The final version: Ä1 merged, Ä2 not; what followed line 2 moved down one line
    amended = await amendments.amended(leipzig.rt, motion_id, anna)
    assert amended.final_text == REQUEST.replace(
        "beide Richtungen.\n\n",
        "beide Richtungen.\nDazu kommen 500 Stellplätze für Lastenräder an den Bahnhöfen.\n\n")
    final = [(line.number, line.text) for line in amended.final_lines]
    assert final[2:] == [(3, "Dazu kommen 500 Stellplätze für Lastenräder an den Bahnhöfen."),
                         (4, "Zweitens: Vor jeder Schule gilt Tempo 30."),
                         (5, "Drittens: An jeder Haltestelle steht eine Bank."),
                         (6, "Die Maßnahmen sind bis Ende 2027 umzusetzen.")]
    states = {p.amendment.number: (p.amendment.state, p.final_lines) for p in amended.amendments}
    assert states == {1: ("adopted", (2, 3)), 2: ("rejected", None)}
    status, html, _ = await a.get(page)
    text = text_of(html)
    assert "Ä1 · Zeile 2 Übernommen" in text and "in der Endfassung: Zeilen 2–3" in text
    assert "Ä2 · Zeile 4 Abgelehnt" in text and "Endfassung mit den übernommenen Änderungsanträgen" in text
    assert re.search(r'<li id="f4"><span class="no">4</span><span class="text">Zweitens', html)
    # A third (proposed) amendment to line 5 would land on line 6 of the final version
    third = await amendments.propose(leipzig.rt, lena, motion_id, {"first_line": 5, "replacement": "Bis 2026.",
                                                                   "reason": "Schneller."})
    placed = {p.amendment.number: p for p in (await amendments.amended(leipzig.rt, motion_id, anna)).amendments}
    assert third.number == 3 and placed[3].final_lines == (6, 6)
    # The author makes the final version the motion's next revision; the old amendments are history
    await a.get(page)
    status, _, _ = await a.post(f"{page}/final", {})
    assert status == 303
    row = (await leipzig.query("SELECT request, revision FROM motions WHERE ap_id = ?", (motion_id,)))[0]
    assert row["request"] == amended.final_text and row["revision"] == 2
    after = await amendments.amended(leipzig.rt, motion_id, anna)
    assert [p.current for p in after.amendments] == [False, False, False] and after.final_text == row["request"]
    with pytest.raises(Conflict) as caught:
        await amendments.decide(leipzig.rt, anna, third.ap_id, adopt=True)
    assert caught.value.code == "amendment_outdated"


async def test_overlapping_adoptions_bad_lines_and_strangers_are_refused_clearly(leipzig, visitors):
    anna, mehmet, lena, box, motion_id = await _motion_in_box(leipzig)
    page = f"/m/{_key(motion_id)}/amendments"
    first = await amendments.propose(leipzig.rt, mehmet, motion_id, {"first_line": "2", "last_line": "3",
                                                                     "replacement": "Neu.", "reason": "Kürzer."})
    second = await amendments.propose(leipzig.rt, lena, motion_id, {"first_line": "3", "last_line": "4",
                                                                    "replacement": "Anders.", "reason": "Besser."})
    await amendments.decide(leipzig.rt, anna, first.ap_id, adopt=True)
    a = await _logged_in(visitors, leipzig, "anna")
    await a.get(page)
    status, html, _ = await a.post(f"{page}/{second.number}/adopt", {})
    assert status == 409
    assert "Ä2 betrifft Zeilen des schon übernommenen Ä1 (Zeilen 2–3)" in text_of(html)
    assert (await leipzig.query("SELECT state FROM amendments WHERE number = 2"))[0]["state"] == "proposed"
    # Deciding twice is refused too
    status, html, _ = await a.post(f"{page}/1/reject", {})
    assert status == 409 and "Über Ä1 ist schon entschieden." in text_of(html)
    # A line range the text does not have, an unchanged text, a missing reason: each named at its field
    m = await _logged_in(visitors, leipzig, "mehmet")
    await m.get(page)
    status, html, _ = await m.post(page, {"first_line": "4", "last_line": "9", "replacement": "x", "reason": ""})
    assert status == 400
    text = text_of(html)
    assert "Zeilen von 1 bis 5, die erste nicht nach der letzten." in text
    assert "Begründung fehlt: Warum soll sich der Text ändern?" in text
    status, html, _ = await m.post(page, {"first_line": "3", "replacement": "Zweitens: Vor jeder Schule gilt Tempo 30.",
                                          "reason": "Gleich"})
    assert status == 400 and "Das ist der Text dieser Zeilen, wie er schon ist." in text_of(html)
    # Someone outside the box may read an open box's amendments but not propose; logged out: to the login
    await leipzig.create_user("fremd", password=PASSWORD)
    f = await _logged_in(visitors, leipzig, "fremd")
    status, html, _ = await f.get(page)
    assert status == 200 and 'id="propose"' not in html
    status, _, _ = await f.post(page, {"first_line": "1", "replacement": "Weg damit", "reason": "Darum"})
    assert status == 403
    guest = visitors(leipzig)
    status, _, headers = await guest.post(page, {"first_line": "1", "replacement": "x", "reason": "y"}, csrf=False)
    assert status in (303, 400, 403)
    assert await leipzig.query("SELECT 1 FROM amendments WHERE created_by LIKE '%fremd%'") == []
    # A number that is not there, a motion that is not there: 404
    assert (await m.post(f"{page}/99/cosign", {}))[0] == 404
    assert (await m.get("/m/00000000-0000-0000-0000-000000000000/amendments"))[0] == 404


async def test_the_motion_book_prints_and_downloads_as_a_pdf_with_the_motions_text(leipzig, visitors):
    anna, mehmet, lena, box, motion_id = await _motion_in_box(leipzig)
    await motions.draft(leipzig.rt, anna, "kv_sued", {"title": "Ein zweiter Antrag", "request": "Kürzere Wege."})
    done = await amendments.propose(leipzig.rt, mehmet, motion_id, {"first_line": "3", "reason": "Klarer.",
                                                                    "replacement": "Zweitens: Tempo 30 überall."})
    await amendments.decide(leipzig.rt, anna, done.ap_id, adopt=True)
    v = visitors(leipzig)
    status, html, headers = await v.get("/b/kv_sued/motions/book")
    assert status == 200 and headers["Content-Security-Policy"].startswith("default-src 'none'; style-src 'sha256-")
    text = text_of(html)
    assert "A1: Mehr Grün für die Südstadt" in text and "A2: Ein zweiter Antrag" in text
    assert "Ä1 · Zeile 3 · Übernommen" in text and "@media print" in html
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{leipzig.base_url}/b/kv_sued/motions/book.pdf") as r:
            assert r.status == 200 and r.headers["Content-Type"] == "application/pdf"
            assert r.headers["Content-Disposition"] == 'attachment; filename="antragsbuch-kv_sued.pdf"'
            body = await r.read()
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(body))
    pdf_text = "\n".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"\s+", " ", pdf_text)
    assert len(reader.pages) >= 3  # contents, then each motion on a page of its own
    for expected in ("Antragsbuch: Kreisverband Süd", "A1: Mehr Grün für die Südstadt",
                     "Der Kreisverband möge beschließen: Die Stadt baut sichere Radwege an allen",
                     "Drittens: An jeder Haltestelle steht eine Bank.", "Änderungsanträge zu A1",
                     "Neu: Zweitens: Tempo 30 überall.", "Endfassung mit den übernommenen Änderungsanträgen",
                     "Mitzeichnende", "Kürzere Wege."):
        assert expected in flat, expected
    # Each numbered line begins with its number
    assert re.search(r"(^|\n)\s*4\s*Drittens: An jeder Haltestelle", pdf_text)


async def test_a_private_boxs_amendments_answer_404_to_all_but_members(make_instance, meissen):
    leipzig = await make_instance("leipzig", require_signed_fetch=False)
    anna, mehmet, lena, box, motion_id = await _motion_in_box(leipzig, visibility="private")
    jonas = await meissen.create_user("jonas")
    await boxes.invite(leipzig.rt, anna, "kv_sued", jonas.ap_id)
    await meissen.post_outbox("jonas", {"type": "Follow", "object": box.ap_id})
    await eventually(lambda: meissen.query("SELECT 1 FROM follows WHERE follower_id = ? AND state = 'accepted'",
                                           (jonas.id,)), message="Jonas admitted")
    proposed = await amendments.propose(leipzig.rt, mehmet, motion_id, {"first_line": "1", "reason": "Präziser.",
                                                                        "replacement": "Der Kreisverband beschließt:"})
    outsider = await leipzig.create_user("fremd", password=PASSWORD)
    stranger = await meissen.create_user("stranger")
    # The amendment's ActivityPub id: only a member (Jonas, signed by himself) gets it
    assert await signed_get(proposed.ap_id) == 404
    assert await signed_get(proposed.ap_id, outsider) == 404
    assert await signed_get(proposed.ap_id, stranger) == 404
    assert await signed_get(proposed.ap_id, jonas) == 200
    _, document = await _fetch_as(proposed.ap_id, jonas)
    assert document["civicKind"] == "amendment" and document["inReplyTo"] == motion_id
    assert document["lines"] == {"first": 1, "last": 1, "revision": 1} and document["audience"] == box.ap_id
    assert document["source"]["content"] == "Der Kreisverband beschließt:"
    # The pages: a logged-out visitor and a local outsider get 404, a member the page
    key = _key(motion_id)
    pages = [f"/m/{key}/amendments", "/b/kv_sued/motions/book", "/b/kv_sued/motions/book.pdf"]
    guest = visitors_of(leipzig)
    out = visitors_of(leipzig)
    assert await out.login("fremd", PASSWORD) == 303
    member = visitors_of(leipzig)
    assert await member.login("lena", PASSWORD) == 303
    try:
        for path in pages:
            assert await _status(guest, path) == 404, path
            status, html, _ = await out.get(path)
            assert status == 404 and "Südstadt" not in html, path
            assert await _status(member, path) == 200, path
        await out.get("/")
        assert (await out.post(f"/m/{key}/amendments/1/cosign", {}))[0] == 404
    finally:
        for v in (guest, out, member):
            await v.close()


async def _status(visitor: Visitor, path: str) -> int:
    async with visitor.session.get(visitor.url(path), allow_redirects=False) as r:
        await r.read()  # a PDF is no text
        return r.status


def visitors_of(instance) -> Visitor:
    return Visitor(instance.base_url)


async def _fetch_as(url: str, actor=None) -> tuple[int, dict]:
    """GET as ActivityPub JSON, signed by `actor` (unsigned without one)."""
    headers = {"Accept": "application/activity+json"}
    if actor is not None:
        headers.update(signatures.sign_request("GET", url, key_id=actor.key_id, private_key_pem=actor.private_key_pem))
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers=headers, allow_redirects=False) as r:
            return r.status, await r.json(content_type=None)


async def signed_get(url: str, actor=None) -> int:
    return (await _fetch_as(url, actor))[0]
