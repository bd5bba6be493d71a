"""Remote actors: cached keys, key rotation, Update and Delete of actors, authorised fetch."""

import uuid

import aiohttp

from tests.conftest import eventually, post_signed
from wecreate_fed import signatures


def follow(jonas_id: str, anna_id: str) -> dict:
    return {"id": f"{jonas_id}#follows/{uuid.uuid4()}", "type": "Follow", "actor": jonas_id, "object": anna_id}


async def test_a_rotated_key_is_refetched_once_and_then_accepted(leipzig, meissen):
    anna = await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    # Leipzig learns Jonas's first key
    status, _ = await post_signed(leipzig.shared_inbox, follow(jonas.ap_id, anna.ap_id), key_id=jonas.key_id,
                                  private_key_pem=jonas.private_key_pem)
    assert status == 202
    # When Jonas's server rotates his key (same key id, as Mastodon does)
    new_private, new_public = signatures.generate_key_pair()
    async with meissen.rt.db.transaction() as conn:
        await conn.execute("UPDATE actors SET private_key_pem = ?, public_key_pem = ? WHERE id = ?",
                           (new_private, new_public, jonas.id))
    # Then a delivery signed with the new key is accepted after one refetch
    status, body = await post_signed(leipzig.shared_inbox, follow(jonas.ap_id, anna.ap_id), key_id=jonas.key_id,
                                     private_key_pem=new_private)
    assert status == 202, body
    cached = await leipzig.query("SELECT public_key_pem FROM actors WHERE ap_id = ?", (jonas.ap_id,))
    assert cached[0]["public_key_pem"] == new_public
    # And the old key no longer works
    status, _ = await post_signed(leipzig.shared_inbox, follow(jonas.ap_id, anna.ap_id), key_id=jonas.key_id,
                                  private_key_pem=jonas.private_key_pem)
    assert status == 401


async def test_update_of_a_remote_actor_refreshes_its_profile(leipzig, meissen):
    anna = await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas", name="Jonas")
    await meissen.post_outbox("jonas", {"type": "Follow", "object": anna.ap_id})
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows"), message="follow")
    async with meissen.rt.db.transaction() as conn:
        await conn.execute("UPDATE actors SET name = 'Jonas Weber (Meißen)' WHERE id = ?", (jonas.id,))
    update = {"id": f"{jonas.ap_id}#updates/1", "type": "Update", "actor": jonas.ap_id,
              "object": {"id": jonas.ap_id, "type": "Person", "name": "ignored: we refetch"}}
    status, _ = await post_signed(leipzig.shared_inbox, update, key_id=jonas.key_id, private_key_pem=jonas.private_key_pem)
    assert status == 202
    await eventually(lambda: leipzig.query("SELECT 1 FROM actors WHERE name = 'Jonas Weber (Meißen)'"),
                     message="refreshed name")


async def test_delete_of_a_remote_actor_removes_it_from_followers(leipzig, meissen):
    anna = await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    await meissen.post_outbox("jonas", {"type": "Follow", "object": anna.ap_id})
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="follow")
    # what his last Join or Leave of something here was goes with him (it would tell of his politics)
    leave = {"id": f"{jonas.ap_id}#leave", "type": "Leave", "actor": jonas.ap_id, "object": f"{anna.ap_id}/events/1",
             "published": "2026-12-04T10:00:00Z"}
    assert (await post_signed(leipzig.shared_inbox, leave, key_id=jonas.key_id,
                              private_key_pem=jonas.private_key_pem))[0] == 202
    await eventually(lambda: leipzig.query("SELECT 1 FROM join_leave_times"), message="Leave handled")
    delete = {"id": f"{jonas.ap_id}#delete", "type": "Delete", "actor": jonas.ap_id, "object": jonas.ap_id,
              "to": ["https://www.w3.org/ns/activitystreams#Public"]}
    status, _ = await post_signed(leipzig.shared_inbox, delete, key_id=jonas.key_id, private_key_pem=jonas.private_key_pem)
    assert status == 202
    await eventually(lambda: leipzig.query("SELECT 1 FROM actors WHERE ap_id = ? AND deleted_at IS NOT NULL",
                                           (jonas.ap_id,)), message="actor deleted")
    assert await leipzig.query("SELECT 1 FROM follows") == []
    assert await leipzig.query("SELECT 1 FROM join_leave_times") == []
    _, followers = await leipzig.get_json(f"{anna.ap_id}/followers")
    assert followers["totalItems"] == 0


async def test_authorised_fetch_refuses_unsigned_gets_and_serves_signed_ones(make_instance, meissen):
    leipzig = await make_instance("leipzig", require_signed_fetch=True)
    anna = await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    async with aiohttp.ClientSession() as session:
        headers = {"Accept": "application/activity+json"}
        # Actor documents stay readable unsigned: others need them for our keys.
        async with session.get(anna.ap_id, headers=headers) as r:
            assert r.status == 200
        async with session.get(f"{anna.ap_id}/outbox", headers=headers) as r:
            assert r.status == 401
        signed = signatures.sign_request("GET", f"{anna.ap_id}/outbox", key_id=jonas.key_id,
                                         private_key_pem=jonas.private_key_pem)
        async with session.get(f"{anna.ap_id}/outbox", headers={**headers, **signed}) as r:
            assert r.status == 200
            assert (await r.json())["type"] == "OrderedCollection"
    # And our own client signs its GETs: Meißen can follow Anna, which needs fetching her actor.
    status, _ = await meissen.post_outbox("jonas", {"type": "Follow", "object": anna.ap_id})
    assert status == 201
    await eventually(lambda: meissen.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="accepted")


async def test_webfinger_resolves_handles_and_actor_urls(leipzig):
    anna = await leipzig.create_user("anna")
    for resource in (f"acct:anna@{leipzig.config.host}", anna.ap_id, f"{leipzig.base_url}/@anna"):
        status, jrd = await leipzig.get_json(f"{leipzig.base_url}/.well-known/webfinger?resource={resource}")
        assert status == 200 and jrd["subject"] == f"acct:anna@{leipzig.config.host}"
        assert {"rel": "self", "type": "application/activity+json", "href": anna.ap_id} in jrd["links"]
    status, error = await leipzig.get_json(f"{leipzig.base_url}/.well-known/webfinger?resource=acct:nobody@elsewhere.org")
    assert status == 404 and "error" in error
    status, _ = await leipzig.get_json(f"{leipzig.base_url}/.well-known/webfinger")
    assert status == 400


async def test_nodeinfo_counts_are_real(leipzig):
    await leipzig.create_user("anna")
    await leipzig.create_user("partei", type_="Organization")
    await leipzig.post_outbox("anna", {"type": "Note", "content": "Hallo Leipzig"})
    _, links = await leipzig.get_json(f"{leipzig.base_url}/.well-known/nodeinfo")
    assert [link["href"].rsplit("/", 1)[1] for link in links["links"]] == ["2.0", "2.1"]
    for version in ("2.0", "2.1"):
        status, info = await leipzig.get_json(f"{leipzig.base_url}/nodeinfo/{version}")
        assert status == 200 and info["version"] == version
        assert info["usage"]["users"]["total"] == 2
        assert info["usage"]["users"]["activeMonth"] == 1
        assert info["usage"]["localPosts"] == 1
        assert info["protocols"] == ["activitypub"]


async def test_browsers_are_sent_to_the_profile_page(leipzig):
    await leipzig.create_user("anna", name="Anna Schulz")
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{leipzig.base_url}/users/anna", headers={"Accept": "text/html"}) as r:
            assert r.status == 200 and str(r.url).endswith("/@anna")
            assert "Anna Schulz" in await r.text()
        for accept in ("application/activity+json",
                       'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'):
            async with session.get(f"{leipzig.base_url}/users/anna", headers={"Accept": accept}) as r:
                document = await r.json(content_type=None)
                assert document["type"] == "Person" and document["publicKey"]["owner"] == document["id"]
                assert document["endpoints"]["sharedInbox"] == f"{leipzig.base_url}/inbox"


async def test_a_refetch_begun_before_the_actors_delete_leaves_it_deleted(paused, monkeypatch):
    from actors import remote
    from inbox.worker import InboxWorker
    from tests.federation.conftest import deliver

    leipzig, anna, jonas = paused
    await remote.get_actor(leipzig.rt, jonas.ap_id)  # cached at Leipzig, with his key
    fetch = remote.fetch_document

    async def the_delete_is_handled_meanwhile(rt, url):
        document = await fetch(rt, url)  # the document as it was before the Delete
        delete = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{jonas.ap_id}#delete",
                  "type": "Delete", "actor": jonas.ap_id, "object": jonas.ap_id}
        assert await deliver(leipzig, jonas, delete) == 202
        assert await InboxWorker(leipzig.rt).run_once() == 1
        return document

    monkeypatch.setattr(remote, "fetch_document", the_delete_is_handled_meanwhile)
    actor = await remote.get_actor(leipzig.rt, jonas.ap_id, refresh=True)
    assert actor.deleted_at is not None and actor.public_key_pem is None
    row = (await leipzig.query("SELECT deleted_at, public_key_pem, name FROM actors WHERE ap_id = ?",
                               (jonas.ap_id,)))[0]
    assert row["deleted_at"] is not None and row["public_key_pem"] is None and row["name"] == ""
    # A fetch begun after the Delete finds the account served again by its server: it is back.
    monkeypatch.setattr(remote, "fetch_document", fetch)
    actor = await remote.get_actor(leipzig.rt, jonas.ap_id, refresh=True)
    assert actor.deleted_at is None and actor.public_key_pem
