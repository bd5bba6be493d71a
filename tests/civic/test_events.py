"""Events: published on the website and through the outbox with the same checks, attended by
local and remote people up to their capacity, listed per district as JSON and iCalendar."""

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from actors import remote
from inbox import worker as inbox_worker
from tests.conftest import eventually, free_port, instance_config, post_signed
from wecreate_fed import ld
from wecreate_fed.civic import events
from wecreate_fed.errors import BadRequest, Conflict

BERLIN = ZoneInfo("Europe/Berlin")


def wall_time(days: int, hour: int) -> str:
    """A local wall time (no offset), as the website's form sends it."""
    return f"{(date.today() + timedelta(days=days)).isoformat()}T{hour:02d}:00"


def utc(wall: str) -> str:
    return datetime.fromisoformat(wall).replace(tzinfo=BERLIN).astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")


EVENT = {
    "title": "Stadtteilrat West: Trinkbrunnen",
    "description": "Wir besprechen den **Trinkbrunnen**.\n\nAlle sind willkommen.",
    "starts_at": wall_time(10, 18),
    "ends_at": wall_time(10, 20),
    "place_name": "Stadtteilladen",
    "street": "Merseburger Straße 102",
    "postal_code": "04177",
    "locality": "Leipzig",
    "district": "west",
    "capacity": 2,
}


def as_object(fields: dict) -> dict:
    """The same event as a client-to-server Event carrying our terms."""
    return {
        "type": "Event",
        "name": fields["title"],
        "source": {"content": fields["description"], "mediaType": "text/markdown"},
        "startTime": fields["starts_at"],
        "endTime": fields["ends_at"],
        "location": {"type": "Place", "name": fields["place_name"],
                     "address": {"type": "PostalAddress", "streetAddress": fields["street"],
                                 "postalCode": fields["postal_code"], "addressLocality": fields["locality"]}},
        "district": fields["district"],
        "maximumAttendeeCapacity": fields["capacity"],
    }


async def attendance(instance, event_id: str) -> dict:
    """Username or actor id -> state of the attendances of an event on `instance`."""
    rows = await instance.query(
        "SELECT COALESCE(a.username || CASE WHEN a.is_local = 1 THEN '' ELSE '@remote' END, a.ap_id) AS who, ea.state "
        "FROM event_attendees ea JOIN actors a ON a.id = ea.actor_id JOIN events e ON e.id = ea.event_id "
        "WHERE e.ap_id = ?", (event_id,))
    return {r["who"]: r["state"] for r in rows}


async def get_text(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as r:
            return r.status, r.headers.get("Content-Type", ""), await r.text()


# --- checking the input ---------------------------------------------------------------

def test_validation_names_every_problem_at_once(tmp_path):
    config = instance_config(tmp_path, "leipzig", free_port())
    with pytest.raises(BadRequest) as refused:
        events.validate(config, {"title": "  ", "starts_at": wall_time(3, 20), "ends_at": wall_time(3, 18),
                                 "timezone": "Mars/Olympus_Mons", "district": "suedvorstadt", "capacity": 0,
                                 "online_url": "ftp://example.org/room"})
    message = str(refused.value)
    assert "a title is required" in message
    assert "'Mars/Olympus_Mons' is not a time zone (use an IANA name such as Europe/Berlin)" in message
    assert "the event must end after it starts" in message
    assert "unknown district 'suedvorstadt' (known: mitte, west)" in message
    assert "the capacity must be a whole number above zero" in message
    assert "the online link must be an http(s) URL" in message
    # Each problem names its field and the website catalog's code (form.<code>)
    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("title", "required"), ("timezone", "timezone"), ("ends_at", "end_after_start"), ("online_url", "url"),
        ("capacity", "capacity"), ("district", "district_unknown")]


def test_times_are_read_in_the_events_time_zone(tmp_path):
    config = instance_config(tmp_path, "leipzig", free_port())
    summer = events.validate(config, {**EVENT, "starts_at": "2031-07-01T18:00", "ends_at": "2031-07-01T20:00"})
    winter = events.validate(config, {**EVENT, "starts_at": "2031-01-15T18:00", "ends_at": "2031-01-15T20:00"})
    offset = events.validate(config, {**EVENT, "starts_at": "2031-01-15T18:00+00:00", "ends_at": "2031-01-15T19:00Z"})
    lisbon = events.validate(config, {**EVENT, "timezone": "Europe/Lisbon", "starts_at": "2031-01-15T18:00",
                                      "ends_at": "2031-01-15T19:00", "capacity": "40", "district": None})
    assert summer.starts.utcoffset() == timedelta(hours=2) and winter.starts.utcoffset() == timedelta(hours=1)
    assert offset.starts.utcoffset() == timedelta(0) and offset.ends.utcoffset() == timedelta(0)
    assert lisbon.starts.utcoffset() == timedelta(0) and lisbon.capacity == 40 and lisbon.district_slug is None
    with pytest.raises(BadRequest, match="the start is not a date and time"):
        events.validate(config, {**EVENT, "starts_at": "2031-01-15"})
    with pytest.raises(BadRequest, match="a place .* or an online link is required"):
        events.validate(config, {**EVENT, "place_name": None, "street": None, "postal_code": None, "locality": None})
    assert events.validate(config, {**EVENT, "place_name": None, "street": None, "postal_code": None,
                                    "locality": None, "online_url": "https://meet.example/rat"}).online_url


async def test_bad_event_is_refused_alike_on_both_paths_and_nothing_is_stored(leipzig):
    anna = await leipzig.create_user("anna", name="Anna Schulz")
    bad = {**EVENT, "starts_at": wall_time(10, 20), "ends_at": wall_time(10, 18), "district": "nowhere"}
    # Through the website's function
    with pytest.raises(BadRequest) as website:
        await events.publish(leipzig.rt, anna, bad)
    # And through the client-to-server outbox
    status, body = await leipzig.post_outbox("anna", {"type": "Create", "object": as_object(bad)})
    assert status == 400
    assert body["message"] == str(website.value)
    assert "the event must end after it starts" in body["message"] and "unknown district 'nowhere'" in body["message"]
    # A missing title reads the same on both paths, too
    status, body = await leipzig.post_outbox("anna", {**as_object(EVENT), "name": ""})
    assert (status, body["message"]) == (400, "a title is required")
    assert await leipzig.query("SELECT * FROM events") == []
    assert await leipzig.query("SELECT * FROM activities") == []


async def test_published_event_is_a_mobilizon_and_fep_8a8e_event(leipzig):
    anna = await leipzig.create_user("anna", name="Anna Schulz")
    status, body = await leipzig.post_outbox("anna", as_object(EVENT))
    assert status == 201, body
    event_id = (await leipzig.query("SELECT ap_id FROM events"))[0]["ap_id"]
    status, document = await leipzig.get_json(event_id)
    assert status == 200
    assert document["type"] == "Event" and document["name"] == EVENT["title"]
    assert document["url"] == event_id.replace("/events/", "/e/") and document["attributedTo"] == anna.ap_id
    assert document["organizers"]["items"] == [anna.ap_id]
    # A browser asking for the id is sent to the event's page
    async with aiohttp.ClientSession() as session:
        async with session.get(event_id, headers={"Accept": "text/html"}, allow_redirects=False) as r:
            assert r.status == 302 and r.headers["Location"] == document["url"]
    start = datetime.fromisoformat(document["startTime"])
    assert start.replace(tzinfo=None) == datetime.fromisoformat(EVENT["starts_at"])
    assert start.utcoffset() == datetime.fromisoformat(EVENT["starts_at"]).replace(tzinfo=BERLIN).utcoffset()
    assert document["timezone"] == "Europe/Berlin"
    assert document["location"] == {
        "type": "Place", "name": "Stadtteilladen",
        "address": {"type": "PostalAddress", "streetAddress": "Merseburger Straße 102", "postalCode": "04177",
                    "addressLocality": "Leipzig"}}
    assert "<strong>Trinkbrunnen</strong>" in document["content"]
    assert document["ical:status"] == "CONFIRMED"
    assert document["eventStatus"] == "https://w3id.org/fep/8a8e/EventScheduled"
    assert document["joinMode"] == "free" and document["isOnline"] is False
    assert (document["maximumAttendeeCapacity"], document["remainingAttendeeCapacity"]) == (2, 2)
    assert document["participantCount"] == 0 and document["attendees"]["totalItems"] == 0
    assert document["district"] == f"{leipzig.base_url}/districts/west"
    # Every term is defined by the context we send: nothing is lost to a JSON-LD reader
    [expanded] = ld.expand(document)
    for term in ("https://www.w3.org/ns/activitystreams#startTime", "https://joinmobilizon.org/ns#timezone",
                 "http://www.w3.org/2002/12/cal/ical#status", "http://schema.org#maximumAttendeeCapacity",
                 "https://wecreate-fed.org/ns#district", "https://wecreate-fed.org/ns#attendees"):
        assert term in expanded, term
    # The Create went out, and the district West (and the instance actor, for instances following this one)
    # boosted the event
    assert await leipzig.query("SELECT 1 FROM activities WHERE type = 'Create' AND object_ap_id = ?", (event_id,))
    announces = await leipzig.query("SELECT a.ap_id FROM activities x JOIN actors a ON a.id = x.actor_id "
                                    "WHERE x.type = 'Announce' AND x.object_ap_id = ? ORDER BY a.ap_id", (event_id,))
    assert announces == [{"ap_id": f"{leipzig.base_url}/actor"}, {"ap_id": f"{leipzig.base_url}/districts/west"}]


# --- attending ----------------------------------------------------------------------------

async def test_capacity_of_two_refuses_the_third_local_attendee(leipzig):
    anna = await leipzig.create_user("anna")
    people = [await leipzig.create_user(name) for name in ("bert", "clara", "dora")]
    _, document = await events.publish(leipzig.rt, anna, EVENT)
    event_id = document["id"]
    await events.attend(leipzig.rt, people[0], event_id)
    await events.attend(leipzig.rt, people[1], event_id)
    with pytest.raises(Conflict, match="the event is full"):
        await events.attend(leipzig.rt, people[2], event_id)
    with pytest.raises(Conflict, match="you already attend"):
        await events.attend(leipzig.rt, people[0], event_id)
    assert await attendance(leipzig, event_id) == {"bert": "accepted", "clara": "accepted"}
    status, collection = await leipzig.get_json(f"{event_id}/attendees")
    assert (status, collection["type"], collection["totalItems"]) == (200, "OrderedCollection", 2)
    _, document = await leipzig.get_json(event_id)
    assert (document["participantCount"], document["remainingAttendeeCapacity"]) == (2, 0)
    # When Bert leaves, Dora gets his place
    await events.leave(leipzig.rt, people[0], event_id)
    await events.attend(leipzig.rt, people[2], event_id)
    assert await attendance(leipzig, event_id) == {"clara": "accepted", "dora": "accepted"}
    # The names are for the organiser and the attendees; the total is for everyone
    _, page = await leipzig.get_json(collection["first"])
    assert page["orderedItems"] == []


async def test_remote_attendees_join_until_full_then_get_a_reject(leipzig, meissen):
    # Given an event for two on Leipzig, with Bert from Leipzig attending
    anna = await leipzig.create_user("anna", name="Anna Schulz")
    bert = await leipzig.create_user("bert")
    jonas = await meissen.create_user("jonas", name="Jonas Weber")
    petra = await meissen.create_user("petra", name="Petra Lang")
    _, document = await events.publish(leipzig.rt, anna, EVENT)
    event_id = document["id"]
    await events.attend(leipzig.rt, bert, event_id)
    # When Jonas on Meißen joins through his outbox, his Join waits for Leipzig's answer …
    status, body = await meissen.post_outbox("jonas", {"type": "Join", "object": event_id})
    assert status == 201, body
    # … and Leipzig accepts it: the event is now full
    await eventually(lambda: _state(meissen, event_id, "jonas", "accepted"), message="Accept on Meißen")
    assert await attendance(leipzig, event_id) == {"bert": "accepted", "jonas@remote": "accepted"}
    # When Petra joins too, Leipzig rejects her Join
    status, body = await meissen.post_outbox("petra", {"type": "Join", "object": event_id})
    assert status == 201, body
    await eventually(lambda: _state(meissen, event_id, "petra", "rejected"), message="Reject on Meißen")
    assert await attendance(leipzig, event_id) == {"bert": "accepted", "jonas@remote": "accepted",
                                                   "petra@remote": "rejected"}
    _, collection = await leipzig.get_json(f"{event_id}/attendees")
    assert collection["totalItems"] == 2
    # A second delivery of the same Join (signed by Petra, as Meißen would retry it) changes nothing
    join_id = body["id"]
    [row] = await meissen.query("SELECT data FROM activities WHERE ap_id = ?", (join_id,))
    status, _ = await post_signed(leipzig.shared_inbox, json.loads(row["data"]), key_id=petra.key_id,
                                  private_key_pem=petra.private_key_pem)
    assert status == 202
    assert await leipzig.query("SELECT state FROM incoming WHERE activity_ap_id = ?", (join_id,)) == [{"state": "done"}]
    assert len(await leipzig.query("SELECT 1 FROM activities WHERE type = 'Reject'")) == 1
    assert (await attendance(leipzig, event_id))["petra@remote"] == "rejected"
    # When Jonas leaves, a place is free and Petra's next Join is accepted
    status, _ = await meissen.post_outbox("jonas", {"type": "Leave", "object": event_id})
    assert status == 201
    await eventually(lambda: _gone(leipzig, event_id, "jonas@remote"), message="Leave on Leipzig")
    await meissen.post_outbox("petra", {"type": "Join", "object": event_id})
    await eventually(lambda: _state(meissen, event_id, "petra", "accepted"), message="Petra accepted")
    assert await attendance(leipzig, event_id) == {"bert": "accepted", "petra@remote": "accepted"}
    # Petra, as an attendee, may see who else attends
    page = await meissen.rt.http.fetch_activitypub(f"{event_id}/attendees?page=true",
                                                   signer=(petra.key_id, petra.private_key_pem))
    assert set(page["orderedItems"]) == {bert.ap_id, petra.ap_id}

    # When Anna cancels the event, Meißen's copy says so; when she deletes it, it is gone there too
    await events.change_status(leipzig.rt, anna, event_id, "cancelled")
    await eventually(lambda: meissen.query("SELECT 1 FROM events WHERE ap_id = ? AND status = 'cancelled'",
                                           (event_id,)), message="cancelled on Meißen")
    told = await meissen.query("SELECT params FROM notifications WHERE kind = 'status_changed' AND actor_id = ?",
                               (petra.id,))
    assert [json.loads(r["params"]) for r in told] == [{"what": "event", "title": EVENT["title"], "status": "cancelled"}]
    with pytest.raises(Conflict, match="the event is cancelled"):
        await events.attend(meissen.rt, jonas, event_id)
    await events.delete(leipzig.rt, anna, event_id)
    await eventually(lambda: meissen.query("SELECT 1 FROM events WHERE ap_id = ? AND deleted_at IS NOT NULL",
                                           (event_id,)), message="deleted on Meißen")
    status, tombstone = await leipzig.get_json(event_id)
    assert (status, tombstone["type"], tombstone["formerType"]) == (410, "Tombstone", "Event")


async def test_pending_join_is_withdrawn_with_an_undo(make_instance):
    # Leipzig's inbox worker is paused, so Jonas's Join waits there unanswered
    leipzig = await make_instance("leipzig", run_workers=False)
    meissen = await make_instance("meissen")
    anna = await leipzig.create_user("anna")
    await meissen.create_user("jonas")
    _, document = await events.publish(leipzig.rt, anna, EVENT)
    status, body = await meissen.post_outbox("jonas", {"type": "Join", "object": document["id"]})
    assert status == 201, body
    await eventually(lambda: leipzig.query("SELECT 1 FROM incoming WHERE type = 'Join'"), message="Join on Leipzig")
    assert await attendance(meissen, document["id"]) == {"jonas": "pending"}
    # When Jonas withdraws through his outbox, Meißen forgets the request and sends Undo(Join)
    status, _ = await meissen.post_outbox("jonas", {"type": "Undo", "object": body["id"]})
    assert status == 201
    assert await attendance(meissen, document["id"]) == {}
    await eventually(lambda: leipzig.query("SELECT 1 FROM incoming WHERE type = 'Undo'"), message="Undo on Leipzig")
    # Then Leipzig, handling both in order, ends with nobody attending (in as many rounds as it takes:
    # a round stops after ~10 ms of CPU and gives back the rest, which a slower backend reaches)
    while await inbox_worker.run_once(leipzig.rt):
        pass
    assert await attendance(leipzig, document["id"]) == {}
    assert await leipzig.query("SELECT state FROM incoming") == [{"state": "done"}, {"state": "done"}]


async def test_organiser_changes_and_deletes_through_the_outbox(leipzig):
    await leipzig.create_user("anna")
    bert, clara = await leipzig.create_user("bert"), await leipzig.create_user("clara")
    status, body = await leipzig.post_outbox("anna", as_object(EVENT))
    event_id = (await leipzig.query("SELECT ap_id FROM events"))[0]["ap_id"]
    await events.attend(leipzig.rt, bert, event_id)
    await events.attend(leipzig.rt, clara, event_id)
    # The capacity cannot drop below who already attends
    status, body = await leipzig.post_outbox("anna", {"type": "Update", "object": {
        "type": "Event", "id": event_id, "maximumAttendeeCapacity": 1}})
    assert (status, body["message"]) == (409, "the capacity cannot be below the 2 people already attending")
    # Postponed to another day, in Mobilizon's terms
    new_start, new_end = wall_time(12, 18), wall_time(12, 19)
    status, body = await leipzig.post_outbox("anna", {"type": "Update", "object": {
        "type": "Event", "id": event_id, "ical:status": "TENTATIVE", "startTime": new_start, "endTime": new_end}})
    assert status == 201, body
    _, document = await leipzig.get_json(event_id)
    assert document["ical:status"] == "TENTATIVE" and document["eventStatus"].endswith("EventPostponed")
    assert datetime.fromisoformat(document["startTime"]).replace(tzinfo=None) == datetime.fromisoformat(new_start)
    assert document["name"] == EVENT["title"] and document["location"]["name"] == EVENT["place_name"]
    told = await leipzig.query("SELECT actor_id, params FROM notifications WHERE kind = 'status_changed'")
    assert sorted(r["actor_id"] for r in told) == sorted([bert.id, clara.id])
    assert json.loads(told[0]["params"]) == {"what": "event", "title": EVENT["title"], "status": "postponed"}
    # Nobody else may change it
    status, body = await leipzig.post_outbox("bert", {"type": "Update", "object": {
        "type": "Event", "id": event_id, "name": "Gekapert"}})
    assert status == 403
    status, body = await leipzig.post_outbox("anna", {"type": "Delete", "object": event_id})
    assert status == 201, body
    status, _ = await leipzig.get_json(event_id)
    assert status == 410


async def test_join_received_answers_once_per_join_and_ignores_what_is_not_ours(leipzig, meissen):
    # The function the inbox handler calls for a Join (read by events.join_of), driven directly
    anna = await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    _, document = await events.publish(leipzig.rt, anna, {**EVENT, "capacity": 1})
    signer = await remote.get_actor(leipzig.rt, jonas.ap_id)
    join = {"id": f"{meissen.base_url}/activities/join-1", "type": "Join", "actor": jonas.ap_id,
            "object": document["id"]}
    assert await events.join_received(leipzig.rt, signer, events.join_of(join)) is True
    assert await events.join_received(leipzig.rt, signer, events.join_of(join)) is True
    assert await attendance(leipzig, document["id"]) == {"jonas@remote": "accepted"}
    accepts = await leipzig.query("SELECT data FROM activities WHERE type = 'Accept'")
    assert len(accepts) == 2 and all(join["id"] in a["data"] for a in accepts)
    # A Join of something that is not one of our events is left to other handlers
    other = {**join, "id": f"{meissen.base_url}/activities/join-2", "object": f"{leipzig.base_url}/districts/west"}
    assert await events.join_received(leipzig.rt, signer, events.join_of(other)) is False
    # A Join sent in someone else's name is refused
    forged = {**join, "id": f"{meissen.base_url}/activities/join-3", "actor": anna.ap_id}
    with pytest.raises(BadRequest):
        await events.join_received(leipzig.rt, signer, events.join_of(forged))


# --- lists and calendars -------------------------------------------------------------------

async def test_upcoming_events_per_district_as_json(leipzig):
    anna = await leipzig.create_user("anna")
    later = {**EVENT, "title": "Müllsammeln", "district": "mitte",
             "starts_at": wall_time(20, 10), "ends_at": wall_time(20, 12)}
    sooner = {**EVENT, "title": "Bürgersprechstunde", "district": "mitte", "capacity": None,
              "starts_at": wall_time(5, 17), "ends_at": wall_time(5, 18)}
    past = {**EVENT, "title": "Vorbei", "district": "mitte",
            "starts_at": wall_time(-3, 17), "ends_at": wall_time(-3, 18)}
    for fields in (later, EVENT, past, sooner):
        await events.publish(leipzig.rt, anna, fields)
    status, body = await leipzig.get_json(f"{leipzig.base_url}/api/events/upcoming?district=mitte")
    assert status == 200
    assert [e["title"] for e in body["events"]] == ["Bürgersprechstunde", "Müllsammeln"]
    first = body["events"][0]
    assert first["district"] == "mitte" and first["remaining"] is None and first["attendee_count"] == 0
    assert first["starts_at"] == datetime.strptime(utc(sooner["starts_at"]), "%Y%m%dT%H%M%SZ").strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    assert first["place"]["street"] == "Merseburger Straße 102" and first["organizer"]["id"] == anna.ap_id
    _, body = await leipzig.get_json(f"{leipzig.base_url}/api/events/upcoming")
    assert [e["title"] for e in body["events"]] == ["Bürgersprechstunde", EVENT["title"], "Müllsammeln"]
    status, body = await leipzig.get_json(f"{leipzig.base_url}/api/events/upcoming?district=nowhere")
    assert status == 400 and "unknown district 'nowhere'" in body["message"]


async def test_district_calendar_is_valid_icalendar(leipzig):
    anna = await leipzig.create_user("anna")
    title = "Müll, Glas; Papier \\ Rest – Sammelaktion im Viertel mit einem sehr langen Titel, der gefaltet wird"
    fields = {**EVENT, "title": title, "description": "Zeile eins\nZeile zwei, mit Komma", "district": "mitte"}
    _, document = await events.publish(leipzig.rt, anna, fields)
    await events.publish(leipzig.rt, anna, {**EVENT, "title": "Nicht in Mitte"})
    _, postponed = await events.publish(leipzig.rt, anna, {**EVENT, "title": "Später", "district": "mitte",
                                                           "starts_at": wall_time(30, 9), "ends_at": wall_time(30, 10)})
    await events.change_status(leipzig.rt, anna, postponed["id"], "postponed")
    status, content_type, text = await get_text(f"{leipzig.base_url}/districts/mitte/events.ics")
    assert status == 200 and content_type == "text/calendar; charset=utf-8"
    raw = text.encode()
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    calendar = parse_ics(text)
    assert calendar[0] == ("BEGIN", "VCALENDAR") and calendar[-1] == ("END", "VCALENDAR")
    assert ("VERSION", "2.0") in calendar and ("X-WR-CALNAME", "WeCreate Leipzig: Mitte") in calendar
    vevents = vevent_properties(calendar)
    assert [e["SUMMARY"] for e in vevents] == [
        "Müll\\, Glas\\; Papier \\\\ Rest – Sammelaktion im Viertel mit einem sehr langen Titel\\, "
        "der gefaltet wird",
        "Später"]
    first, second = vevents
    assert first["UID"] == document["id"] and first["URL"] == document["url"]
    assert first["DTSTART"] == utc(fields["starts_at"]) and first["DTEND"] == utc(fields["ends_at"])
    assert first["DESCRIPTION"] == "Zeile eins\\nZeile zwei\\, mit Komma"
    assert first["LOCATION"] == "Stadtteilladen\\, Merseburger Straße 102\\, 04177 Leipzig"
    assert first["STATUS"] == "CONFIRMED" and second["STATUS"] == "TENTATIVE"
    assert first["DTSTAMP"].endswith("Z") and len(first["DTSTAMP"]) == 16
    status, _, text = await get_text(f"{leipzig.base_url}/events.ics")
    assert status == 200 and len(vevent_properties(parse_ics(text))) == 3
    status, _, _ = await get_text(f"{leipzig.base_url}/districts/nowhere/events.ics")
    assert status == 404


def test_folding_never_splits_a_character_and_unfolds_to_the_original(tmp_path):
    config = instance_config(tmp_path, "leipzig", free_port())
    title = "Straßenfest " + "äöü€" * 40
    event = {"id": "https://leipzig.example/events/1", "url": "https://leipzig.example/events/1", "title": title,
             "description": "", "starts_at": "2031-05-14T16:00:00Z", "ends_at": "2031-05-14T18:00:00Z",
             "status": "cancelled", "place": None, "online_url": "https://meet.example/fest",
             "published": "2031-05-01T10:00:00.000000Z", "updated": None}
    text = events.icalendar(config, [event])
    for line in text.encode().split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # each physical line is whole characters
    properties = vevent_properties(parse_ics(text))[0]
    assert properties["SUMMARY"] == title and properties["STATUS"] == "CANCELLED"
    assert properties["LOCATION"] == "https://meet.example/fest" and properties["DTSTART"] == "20310514T160000Z"


def parse_ics(text: str) -> list[tuple[str, str]]:
    """Unfold (RFC 5545 3.1) and split each content line into name and value."""
    unfolded = text.replace("\r\n ", "").replace("\r\n\t", "")
    lines = [line for line in unfolded.split("\r\n") if line]
    return [tuple(line.split(":", 1)) for line in lines]


def vevent_properties(calendar: list[tuple[str, str]]) -> list[dict]:
    found, current = [], None
    for name, value in calendar:
        if (name, value) == ("BEGIN", "VEVENT"):
            current = {}
        elif (name, value) == ("END", "VEVENT"):
            found.append(current)
            current = None
        elif current is not None:
            current[name] = value
    return found


async def _state(instance, event_id, username, state):
    return (await attendance(instance, event_id)).get(username) == state


async def _gone(instance, event_id, who):
    return who not in await attendance(instance, event_id)
