"""Forwarded and relayed activities (signer ≠ actor), over real HTTP between three instances.

Leipzig receives; Meißen is the actors' server (C); Dresden forwards (B). An activity whose
HTTP signer is not its actor counts as the actor's only on its actor's proof (FEP-8b32), its
actor's RsaSignature2017, or the copy its actor's server serves; never on what the forwarder says.
"""

import json
import uuid

import pytest

from actors import authenticity, remote
from tests.conftest import eventually, post_signed, signed_by
from wecreate_fed import ld, limits, urls
from wecreate_fed.civic import boxes
from wecreate_fed.signatures import ld as ld_signatures
from wecreate_fed.signatures import proofs
from wecreate_fed.store import proof_keys


@pytest.fixture
async def three(leipzig, meissen, make_instance):
    dresden = await make_instance("dresden")
    anna = await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    lena = await meissen.create_user("lena")
    bernd = await dresden.create_user("bernd")
    return leipzig, meissen, dresden, anna, jonas, lena, bernd


def reply(author, to, content: str = "<p>Antwort</p>") -> dict:
    """A Create(Note) by `author` on its own server, addressed to `to` (never stored there)."""
    note_id = f"{author.ap_id}/notes/{uuid.uuid4()}"
    return {"@context": ld.default_context(), "id": f"{note_id}/activity", "type": "Create",
            "actor": author.ap_id, "to": [to.ap_id],
            "object": {"id": note_id, "type": "Note", "attributedTo": author.ap_id, "content": content,
                       "to": [to.ap_id]}}


async def forward(leipzig, forwarder, activity: dict) -> tuple[int, str]:
    """Deliver `activity` to Leipzig with the forwarder's (valid) HTTP signature."""
    return await post_signed(leipzig.shared_inbox, activity, key_id=forwarder.key_id,
                             private_key_pem=forwarder.private_key_pem)


async def incoming(leipzig, activity_id: str) -> list:
    return await leipzig.query("SELECT signer_ap_id, authenticated_by, data FROM incoming WHERE activity_ap_id = ?",
                               (activity_id,))


async def test_a_forwarded_activity_with_its_actors_proof_is_accepted_without_a_refetch(three, monkeypatch):
    leipzig, meissen, _, anna, jonas, _, bernd = three
    fetched = []
    real_fetch = authenticity.fetch_from_origin

    async def counting_fetch(rt, ap_id, actor_id):
        fetched.append(ap_id)
        return await real_fetch(rt, ap_id, actor_id)
    monkeypatch.setattr(authenticity, "fetch_from_origin", counting_fetch)
    # Given Jonas's reply with his proof, which Meißen never stored (a fetch would not find it)
    activity = await signed_by(meissen, jonas, reply(jonas, anna, "<p>Mit Beweis</p>"))
    # When Bernd's server forwards it, signing the request itself
    status, body = await forward(leipzig, bernd, activity)
    # Then it counts as Jonas's, on the proof alone
    assert status == 202, body
    assert fetched == []
    row = (await incoming(leipzig, activity["id"]))[0]
    assert (row["signer_ap_id"], row["authenticated_by"]) == (jonas.ap_id, "proof")
    stored = await eventually(lambda: leipzig.query("SELECT content FROM objects WHERE ap_id = ?",
                                                    (activity["object"]["id"],)), message="reply stored")
    assert stored == [{"content": "<p>Mit Beweis</p>"}]


async def test_a_forwarded_activity_without_proof_is_fetched_from_its_origin_and_the_fetched_copy_counts(three):
    leipzig, meissen, _, anna, jonas, _, bernd = three
    # Given a real public note of Jonas's, served by Meißen
    status, _ = await meissen.post_outbox("jonas", {"type": "Note", "content": "<p>Echt</p>"})
    assert status == 201
    original = json.loads((await meissen.query("SELECT data FROM activities WHERE type = 'Create'"))[0]["data"])
    # When Bernd forwards a doctored copy of it, without proof
    doctored = {k: v for k, v in original.items() if k != "proof"}
    doctored["object"] = {**original["object"], "content": "<p>Gefälscht</p>"}
    status, body = await forward(leipzig, bernd, doctored)
    # Then Leipzig keeps what Meißen serves under that id, not what Bernd sent
    assert status == 202, body
    row = (await incoming(leipzig, original["id"]))[0]
    assert (row["signer_ap_id"], row["authenticated_by"]) == (jonas.ap_id, "fetched")
    assert json.loads(row["data"])["object"]["content"] == "<p>Echt</p>"


async def test_the_copy_fetched_from_the_origin_is_held_to_the_size_caps(three):
    leipzig, meissen, _, _, _, _, bernd = three
    # Given Meißen serves a Create of Jonas's whose note is 150,000 characters long
    status, _ = await meissen.post_outbox("jonas", {"type": "Note", "content": "<p>Lang</p>"})
    assert status == 201
    [row] = await meissen.query("SELECT id, data FROM activities WHERE type = 'Create'")
    served = json.loads(row["data"])
    served["object"]["content"] = "<p>" + "x" * 150_000 + "</p>"
    async with meissen.rt.db.transaction() as conn:
        await conn.execute("UPDATE activities SET data = ? WHERE id = ?", (json.dumps(served), row["id"]))
    # When Bernd forwards a small copy of it without proof, and Leipzig fetches the original
    small = {k: v for k, v in served.items() if k != "proof"}
    small["object"] = {**served["object"], "content": "<p>Kurz</p>"}
    status, body = await forward(leipzig, bernd, small)
    assert status == 202, body
    # Then what Leipzig stores is the fetched copy, cut to the content cap like any delivery
    stored = json.loads((await incoming(leipzig, served["id"]))[0]["data"])
    assert len(stored["object"]["content"]) == limits.CONTENT


async def test_a_forwarded_activity_its_actors_server_does_not_have_is_refused(three):
    leipzig, _, _, anna, jonas, _, bernd = three
    # Given an activity claiming Jonas on Meißen, with neither proof nor LD signature
    invented = reply(jonas, anna, "<p>Erfunden</p>")
    # When Bernd's server forwards it
    status, body = await forward(leipzig, bernd, invented)
    # Then Meißen, asked, does not have it: refused, nothing stored
    assert status == 401 and "actor is" in body and invented["id"] in body
    assert await leipzig.query("SELECT 1 FROM incoming") == []


async def test_a_tampered_or_misattributed_proof_is_refused(three, monkeypatch):
    leipzig, meissen, dresden, anna, jonas, lena, bernd = three
    fetches = []
    real_fetch = remote.fetch_document

    async def counting_fetch(rt, url):
        fetches.append(url)
        return await real_fetch(rt, url)
    monkeypatch.setattr(remote, "fetch_document", counting_fetch)
    # A real proof of Jonas's, over content changed afterwards
    tampered = await signed_by(meissen, jonas, reply(jonas, anna))
    tampered["object"]["content"] = "<p>Nachträglich geändert</p>"
    # A proof by Lena's key (same server) on an activity claiming Jonas
    lenas = await signed_by(meissen, lena, reply(jonas, anna))
    # A proof by Bernd's key, naming it as Jonas's
    bernds_key, _ = await proof_keys.get_proof_key(dresden.rt.db.reader, bernd.id)
    elsewhere = proofs.sign(reply(jonas, anna), private_key_pem=bernds_key,
                            verification_method=urls.proof_key_id(bernd.ap_id))
    # A proof naming Jonas's key, made with Lena's
    lenas_key, _ = await proof_keys.get_proof_key(meissen.rt.db.reader, lena.id)
    forged = proofs.sign(reply(jonas, anna), private_key_pem=lenas_key,
                         verification_method=urls.proof_key_id(jonas.ap_id))
    cases = {"does not verify": tampered, "not an assertionMethod": lenas, "not on the server": elsewhere,
             "does not verify ": forged}
    for reason, activity in cases.items():
        # Whoever delivers it: Bernd forwarding, or Jonas himself
        for sender in (bernd, jonas):
            status, body = await forward(leipzig, sender, activity)
            assert status == 401 and reason.strip() in body, (reason, sender.ap_id, body)
    assert await leipzig.query("SELECT 1 FROM incoming") == []
    # And eight bad proofs naming Jonas cost his server one fetch of his actor, not one each
    assert fetches.count(jonas.ap_id) == 1


async def test_mastodons_forwarding_with_an_ld_signature_by_the_actor_is_accepted_and_by_another_key_refused(three):
    leipzig, meissen, _, anna, jonas, lena, bernd = three
    # Given Jonas's reply with his RsaSignature2017, as Mastodon forwards it
    activity = ld_signatures.sign(reply(jonas, anna, "<p>LD</p>"), key_id=jonas.key_id,
                                  private_key_pem=jonas.private_key_pem)
    status, body = await forward(leipzig, bernd, activity)
    assert status == 202, body
    row = (await incoming(leipzig, activity["id"]))[0]
    assert (row["signer_ap_id"], row["authenticated_by"]) == (jonas.ap_id, "ld-signature")
    # But signed by Lena's key, or changed after signing, it is refused
    by_lena = ld_signatures.sign(reply(jonas, anna), key_id=lena.key_id, private_key_pem=lena.private_key_pem)
    status, body = await forward(leipzig, bernd, by_lena)
    assert status == 401 and f"by {lena.ap_id}'s key" in body
    changed = ld_signatures.sign(reply(jonas, anna), key_id=jonas.key_id, private_key_pem=jonas.private_key_pem)
    changed["object"]["content"] = "<p>Anders</p>"
    status, body = await forward(leipzig, bernd, changed)
    assert status == 401 and "LD signature does not verify" in body
    assert len(await leipzig.query("SELECT 1 FROM incoming")) == 1


async def test_a_box_relay_counts_on_the_members_proof_and_a_bare_embedded_post_is_not_trusted(three, monkeypatch):
    leipzig, meissen, _, anna, jonas, lena, _ = three
    fetched = []
    real_fetch = authenticity.fetch_from_origin

    async def counting_fetch(rt, ap_id, actor_id):
        fetched.append(ap_id)
        return await real_fetch(rt, ap_id, actor_id)
    monkeypatch.setattr(authenticity, "fetch_from_origin", counting_fetch)
    # Given Anna on Leipzig a member of Lena's box on Meißen
    box = await boxes.create(meissen.rt, lena, {"name": "Elbwiesen", "slug": "elbwiesen"})
    await leipzig.post_outbox("anna", {"type": "Follow", "object": box.ap_id})
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="joined")
    # When Lena posts to the box, which relays her Create (with her proof) to Leipzig
    await boxes.post(meissen.rt, lena, box.ap_id, "Mäharbeiten am Montag")
    # Then Leipzig keeps the post on Lena's proof, fetching nothing
    await eventually(lambda: leipzig.query("SELECT 1 FROM objects WHERE content LIKE '%Mäharbeiten%'"),
                     message="relayed post kept")
    assert fetched == []

    # When the box relays a post that carries no proof and that Jonas's server does not have
    inner = reply(jonas, box, "<p>Untergeschoben</p>")
    inner["object"]["audience"] = box.ap_id
    announce = {"@context": ld.default_context(), "id": f"{box.ap_id}/relays/{uuid.uuid4()}", "type": "Announce",
                "actor": box.ap_id, "object": inner, "to": [ld.PUBLIC], "cc": [box.followers_url]}
    status, body = await post_signed(leipzig.shared_inbox, announce, key_id=box.key_id,
                                     private_key_pem=box.private_key_pem)
    assert status == 202, body  # the box's own signature: the Announce is the box's
    # Then the embedded post is checked at its author's server, and not kept
    row = await eventually(lambda: leipzig.query("SELECT last_error FROM incoming WHERE activity_ap_id = ? "
                                                 "AND last_error IS NOT NULL", (announce["id"],)),
                           message="relay refused")
    assert "does not confirm" in row[0]["last_error"]
    assert fetched == [inner["object"]["id"]]
    # And a relayed post whose proof was tampered with is not kept either
    tampered = await signed_by(meissen, jonas, reply(jonas, box, "<p>Echt</p>"))
    tampered["object"]["audience"] = box.ap_id
    tampered["object"]["content"] = "<p>Verändert</p>"
    announce = {**announce, "id": f"{box.ap_id}/relays/{uuid.uuid4()}", "object": tampered}
    status, body = await post_signed(leipzig.shared_inbox, announce, key_id=box.key_id,
                                     private_key_pem=box.private_key_pem)
    assert status == 202, body
    row = await eventually(lambda: leipzig.query("SELECT last_error FROM incoming WHERE activity_ap_id = ? "
                                                 "AND last_error IS NOT NULL", (announce["id"],)),
                           message="tampered relay refused")
    assert "does not verify" in row[0]["last_error"]
    assert await leipzig.query("SELECT 1 FROM objects WHERE content LIKE '%Untergeschoben%' "
                               "OR content LIKE '%Verändert%'") == []
