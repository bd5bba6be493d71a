"""Size caps on remote fields (wecreate_fed.limits), over real HTTP: a remote actor with a 1 MB
name, a 400 kB summary and 10,000 tags, a remote idea with 1 MB of content, a note with too many tags
or recipients: stored cut to the caps, or refused with a 400; never kept at full size."""

import json
import uuid

from aiohttp import web

from tests.conftest import eventually, post_signed
from wecreate_fed import limits, signatures

MB = "x" * 1_000_000


async def serve_actor(document_for) -> tuple[web.AppRunner, str]:
    """A bare remote server on loopback that serves one actor document (built knowing its own URL)."""
    app = web.Application()
    runner = web.AppRunner(app)
    holder = {}
    async def actor(request: web.Request) -> web.Response:
        return web.Response(body=json.dumps(holder["doc"]), content_type="application/activity+json")
    app.router.add_get("/users/big", actor)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    holder["doc"] = document_for(base)
    return runner, base


async def test_a_remote_actor_with_a_megabyte_name_and_10000_tags_is_stored_capped(leipzig):
    anna = await leipzig.create_user("anna")
    private, public = signatures.generate_key_pair()

    def document(base):
        actor = f"{base}/users/big"
        return {"@context": "https://www.w3.org/ns/activitystreams", "id": actor, "type": "Person",
                "preferredUsername": "big" + "u" * 300, "name": MB, "summary": f"<p>{MB[:400_000]}</p>",  # all within the 2 MB a fetch may read
                "inbox": f"{actor}/inbox", "tag": [{"type": "Hashtag", "name": f"#t{i}"} for i in range(10_000)],
                "publicKey": {"id": f"{actor}#main-key", "owner": actor, "publicKeyPem": public}}
    runner, base = await serve_actor(document)
    try:
        actor = f"{base}/users/big"
        follow = {"id": f"{actor}#follows/{uuid.uuid4()}", "type": "Follow", "actor": actor, "object": anna.ap_id}
        status, text = await post_signed(leipzig.shared_inbox, follow, key_id=f"{actor}#main-key",
                                         private_key_pem=private)
        assert status == 202, text
        [row] = await leipzig.query("SELECT name, summary, username, document FROM actors WHERE ap_id = ?", (actor,))
        assert len(row["name"]) == limits.ACTOR_NAME and len(row["username"]) == limits.ACTOR_USERNAME
        assert len(row["summary"]) <= limits.ACTOR_SUMMARY + 10  # the cut text, sanitised (its <p> closed again)
        kept = json.loads(row["document"])
        assert len(kept["tag"]) == limits.TAGS and len(row["document"]) <= limits.ACTOR_DOCUMENT
    finally:
        await runner.cleanup()


async def test_a_remote_idea_with_a_megabyte_of_content_is_stored_capped(leipzig, meissen):
    await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    await leipzig.post_outbox("anna", {"type": "Follow", "object": jonas.ap_id})
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="follow")
    idea_id = f"{meissen.base_url}/ideas/{uuid.uuid4()}"
    idea = {"id": idea_id, "type": "Page", "civicKind": "idea", "attributedTo": jonas.ap_id, "name": "Brunnen",
            "content": f"<p>{'y' * 900_000}</p>", "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [jonas.followers_url]}
    create = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{idea_id}#create", "type": "Create",
              "actor": jonas.ap_id, "object": idea, "to": idea["to"], "cc": idea["cc"]}
    status, text = await post_signed(leipzig.shared_inbox, create, key_id=jonas.key_id,
                                     private_key_pem=jonas.private_key_pem)
    assert status == 202, text
    [stored] = await leipzig.query("SELECT data FROM incoming WHERE activity_ap_id = ?", (create["id"],))
    assert len(stored["data"]) < limits.CONTENT + 10_000  # the row keeps the cut activity, not 900 kB
    rows = await eventually(lambda: leipzig.query("SELECT body_html FROM ideas WHERE ap_id = ?", (idea_id,)),
                            message="the idea")
    assert limits.CONTENT - 10 <= len(rows[0]["body_html"]) <= limits.CONTENT + 10


async def test_too_many_tags_or_recipients_are_refused(leipzig, meissen):
    await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    note_id = f"{meissen.base_url}/objects/{uuid.uuid4()}"
    for extra in ({"tag": [{"type": "Hashtag", "name": f"#t{i}"} for i in range(limits.TAGS + 1)]},
                  {"attachment": [{"type": "Image", "url": f"{meissen.base_url}/{i}.png"}
                                  for i in range(limits.ATTACHMENTS + 1)]},
                  {"cc": [f"{meissen.base_url}/users/u{i}" for i in range(limits.RECIPIENTS + 1)]}):
        note = {"id": note_id, "type": "Note", "attributedTo": jonas.ap_id, "content": "Hallo", **extra}
        create = {"id": f"{note_id}#create", "type": "Create", "actor": jonas.ap_id, "object": note}
        status, text = await post_signed(leipzig.shared_inbox, create, key_id=jonas.key_id,
                                         private_key_pem=jonas.private_key_pem)
        assert status == 400 and "more than" in text, text
    assert not await leipzig.query("SELECT 1 FROM incoming")
