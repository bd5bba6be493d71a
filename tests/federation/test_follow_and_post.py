"""Two real instances on loopback: follow, accept, post, undo — all signed and verified."""

from tests.conftest import eventually


async def test_follow_is_accepted_and_a_post_reaches_the_follower(leipzig, meissen):
    # Given Anna on Leipzig and Jonas on Meißen
    anna = await leipzig.create_user("anna", name="Anna Schulz")
    jonas = await meissen.create_user("jonas", name="Jonas Weber")
    # When Jonas follows Anna through his outbox
    status, _ = await meissen.post_outbox("jonas", {"type": "Follow", "object": anna.ap_id})
    assert status == 201
    # Then Leipzig records the follower and Meißen receives the Accept
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="follow on Leipzig")
    await eventually(lambda: meissen.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="Accept on Meißen")
    _, followers = await leipzig.get_json(f"{anna.ap_id}/followers")
    assert followers["totalItems"] == 1
    _, page = await leipzig.get_json(followers["first"])
    assert page["orderedItems"] == [jonas.ap_id]
    _, following = await meissen.get_json(f"{jonas.ap_id}/following?page=true")
    assert following["orderedItems"] == [anna.ap_id]

    # When Anna posts a public note
    status, body = await leipzig.post_outbox("anna", {"type": "Note", "content": "<p>Trinkbrunnen am Lindenauer Markt?</p><script>x</script>"})
    assert status == 201
    # Then it arrives on Meißen, verified, sanitised, attributed to Anna
    rows = await eventually(lambda: meissen.query("SELECT * FROM objects WHERE type = 'Note'"), message="note on Meißen")
    assert rows[0]["content"] == "<p>Trinkbrunnen am Lindenauer Markt?</p>"
    assert rows[0]["actor_id"] == (await meissen.query("SELECT id FROM actors WHERE ap_id = ?", (anna.ap_id,)))[0]["id"]
    incoming = await meissen.query("SELECT state, signer_ap_id FROM incoming WHERE type = 'Create'")
    assert incoming == [{"state": "done", "signer_ap_id": anna.ap_id}]
    # And Anna's outbox lists the Create
    _, outbox = await leipzig.get_json(f"{anna.ap_id}/outbox?page=true")
    assert outbox["orderedItems"][0]["type"] == "Create"

    # When Jonas undoes his follow, Leipzig forgets the follower
    follow_id = (await meissen.query("SELECT follow_ap_id FROM follows"))[0]["follow_ap_id"]
    status, _ = await meissen.post_outbox("jonas", {"type": "Undo", "object": follow_id})
    assert status == 201
    await eventually(lambda: _no_rows(leipzig, "SELECT 1 FROM follows"), message="follow removed on Leipzig")


async def test_manually_approving_actor_keeps_follow_pending_until_accepted(leipzig, meissen):
    anna = await leipzig.create_user("anna", manually_approves=True)
    await meissen.create_user("jonas")
    await meissen.post_outbox("jonas", {"type": "Follow", "object": anna.ap_id})
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'pending'"), message="pending follow")
    follow_id = (await leipzig.query("SELECT follow_ap_id FROM follows"))[0]["follow_ap_id"]
    assert await meissen.query("SELECT state FROM follows") == [{"state": "pending"}]
    # When Anna accepts the request through her outbox
    status, body = await leipzig.post_outbox("anna", {"type": "Accept", "object": follow_id})
    assert status == 201, body
    await eventually(lambda: meissen.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="accepted on Meißen")
    assert await leipzig.query("SELECT state FROM follows") == [{"state": "accepted"}]


async def _no_rows(instance, sql):
    return not await instance.query(sql)
