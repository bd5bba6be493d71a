"""Following another WeCreate instance brings its new ideas and events to our marketplace."""

from tests.conftest import eventually
from wecreate_fed.civic import events, ideas, instances


async def test_an_instance_that_follows_another_gets_its_new_ideas_and_events(leipzig, meissen):
    # Given Leipzig follows Meißen (the instance actors; no person follows anyone)
    other = await instances.follow(leipzig.rt, meissen.base_url)
    assert other.ap_id == f"{meissen.base_url}/actor"
    await eventually(lambda: _followed(leipzig), message="Meißen accepts")
    # When someone on Meißen publishes an idea and an event
    jonas = await meissen.create_user("jonas")
    _, idea = await ideas.publish(meissen.rt, jonas, {"title": "Elbwiesen sauber halten", "districts": ["mitte"]})
    _, event = await events.publish(meissen.rt, jonas, {
        "title": "Putzaktion", "starts_at": "2027-05-01T10:00", "ends_at": "2027-05-01T12:00",
        "timezone": "Europe/Berlin", "place_name": "Elbwiesen", "district": "mitte"})
    # Then both arrive on Leipzig, the idea on its marketplace
    await eventually(lambda: leipzig.query("SELECT 1 FROM ideas WHERE ap_id = ?", (idea["id"],)), message="idea")
    await eventually(lambda: leipzig.query("SELECT 1 FROM events WHERE ap_id = ?", (event["id"],)), message="event")
    _, market = await leipzig.get_json(f"{leipzig.base_url}/api/marketplace")
    assert [i["title"] for i in market["items"]] == ["Elbwiesen sauber halten"]
    assert market["items"][0]["local"] is False
    # And Meißen's instance actor lists Leipzig's as a follower
    _, followers = await meissen.get_json(f"{meissen.base_url}/actor/followers?page=true")
    assert followers["orderedItems"] == [f"{leipzig.base_url}/actor"]


async def test_people_cannot_follow_an_instance_actor(leipzig, meissen):
    await meissen.create_user("jonas")
    status, _ = await meissen.post_outbox("jonas", {"type": "Follow", "object": f"{leipzig.base_url}/actor"})
    assert status == 201
    await eventually(lambda: leipzig.query("SELECT 1 FROM incoming WHERE type = 'Follow' AND state = 'done'"),
                     message="the Follow handled")
    assert await leipzig.query("SELECT 1 FROM follows") == []


async def _followed(instance):
    return [state for state, _ in await instances.followed(instance.rt)] == ["accepted"]
