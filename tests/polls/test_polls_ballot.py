"""Polls on one real instance: what a poll must be, voting once, results when closed (or live when
chosen), and a secret ballot whose database holds totals and who voted but nothing that ties a
voter to an option."""

import pytest

from wecreate_fed.civic import boxes, polls
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, NotFound
from wecreate_fed.store import polls as polls_store
from wecreate_fed.store import schema

OPTIONS = ["Trinkbrunnen am Markt", "Mehr Bänke im Park", "Ein Fahrradbügel"]


async def people(instance, *names):
    return [await instance.create_user(name) for name in names]


def codes(error) -> set[str]:
    return {p.code for p in error.value.problems}


async def test_what_a_poll_must_be(leipzig):
    (anna,) = await people(leipzig, "anna")
    rt = leipzig.rt
    with pytest.raises(BadRequest) as caught:
        await polls.create(rt, anna, {"question": " ", "options": ["nur eine"]})
    assert codes(caught) == {"required", "polls_options"}
    with pytest.raises(BadRequest) as caught:
        await polls.create(rt, anna, {"question": "Was?", "options": ["Ja", "ja"]})
    assert codes(caught) == {"polls_options_twice"}
    with pytest.raises(BadRequest) as caught:
        await polls.create(rt, anna, {"question": "Was?", "options": ["Ja", "Nein"], "secret": True,
                                      "multiple": True, "live_results": True, "end_time": "2001-01-01T10:00"})
    assert codes(caught) == {"polls_secret_single", "polls_secret_live", "polls_end_past"}
    with pytest.raises(BadRequest) as caught:
        await polls.create(rt, anna, {"question": "Was?", "options": [f"o{n}" for n in range(11)],
                                      "end_time": "morgen"})
    assert codes(caught) == {"polls_options", "datetime"}
    assert await leipzig.query("SELECT count(*) AS n FROM polls") == [{"n": 0}]


async def test_open_ballot_one_vote_each_results_live_when_chosen(leipzig):
    anna, bert, carla = await people(leipzig, "anna", "bert", "carla")
    rt = leipzig.rt
    ap_id = await polls.create(rt, anna, {"question": "Wohin mit dem Geld?", "options": "\n".join(OPTIONS),
                                          "live_results": "on"})
    await polls.vote(rt, bert, ap_id, [1])
    await polls.vote(rt, carla, ap_id, ["1"])
    with pytest.raises(Conflict) as caught:
        await polls.vote(rt, bert, ap_id, [0])  # once only
    assert caught.value.code == "polls_voted"
    with pytest.raises(BadRequest) as caught:
        await polls.vote(rt, anna, ap_id, [0, 1])  # a oneOf poll takes one option
    assert caught.value.code == "polls_one_choice"
    with pytest.raises(BadRequest):
        await polls.vote(rt, anna, ap_id, [7])
    poll = await polls.poll_by_id(rt, ap_id)
    seen = await polls.summary(rt, poll, bert)
    assert seen["results_shown"] and seen["voters_count"] == 2 and seen["votes_count"] == 2
    assert [o["votes_count"] for o in seen["options"]] == [0, 2, 0]
    assert seen["own_votes"] == [1] and seen["voted"] and not seen["may_vote"]
    document = await polls.question_document(rt, poll)
    assert document["type"] == "Question" and document["votersCount"] == 2
    assert [(o["name"], o["replies"]["totalItems"]) for o in document["oneOf"]] == list(zip(OPTIONS, [0, 2, 0], strict=True))
    assert "closed" not in document and "endTime" not in document


async def test_results_only_once_closed_and_only_its_author_closes(leipzig):
    anna, bert = await people(leipzig, "anna", "bert")
    rt = leipzig.rt
    ap_id = await polls.create(rt, anna, {"question": "Welche Farbe?", "options": ["Rot", "Grün"],
                                          "multiple": True})
    await polls.vote(rt, bert, ap_id, [0, 1])
    poll = await polls.poll_by_id(rt, ap_id)
    hidden = await polls.summary(rt, poll, anna)
    assert hidden["votes_count"] is None and [o["votes_count"] for o in hidden["options"]] == [None, None]
    assert hidden["voters_count"] == 1
    document = await polls.question_document(rt, poll)
    assert all("replies" not in o for o in document["anyOf"])  # no totals while hidden
    with pytest.raises(Forbidden):
        await polls.close(rt, bert, ap_id)
    await polls.close(rt, anna, ap_id)
    with pytest.raises(Conflict):
        await polls.close(rt, anna, ap_id)
    with pytest.raises(Conflict) as caught:
        await polls.vote(rt, anna, ap_id, [0])
    assert caught.value.code == "polls_closed"
    poll = await polls.poll_by_id(rt, ap_id)
    shown = await polls.summary(rt, poll, None)
    assert shown["expired"] and [o["votes_count"] for o in shown["options"]] == [1, 1]
    document = await polls.question_document(rt, poll)
    assert document["closed"] and [o["replies"]["totalItems"] for o in document["anyOf"]] == [1, 1]


async def dump(instance) -> list[str]:
    """Every row of every table of the instance's database, one line each."""
    tables = await schema.table_names(instance.rt.db.reader)
    lines = []
    for table in tables:
        for row in await instance.query(f"SELECT * FROM \"{table}\""):  # noqa: S608 - the tables' own names
            lines.append(f"{table}: {row}")
    return lines


async def test_secret_ballot_totals_right_and_no_row_links_a_voter_to_an_option(leipzig):
    anna, *voters = await people(leipzig, "anna", "bert", "carla", "dora", "emil")
    rt = leipzig.rt
    ap_id = await polls.create(rt, anna, {"question": "Wer wird Sprecherin?", "options": ["Frieda", "Gisela"],
                                          "secret": True})
    for voter, choice in zip(voters, [0, 1, 1, 1], strict=True):
        await polls.vote(rt, voter, ap_id, [choice])
    with pytest.raises(Conflict):
        await polls.vote(rt, voters[0], ap_id, [1])
    poll = await polls.poll_by_id(rt, ap_id)
    open_view = await polls.summary(rt, poll, voters[0])
    assert open_view["votes_count"] is None and open_view["voters_count"] == 4
    assert open_view["voted"] and open_view["own_votes"] == []  # not even the voter reads it back
    await polls.close(rt, anna, ap_id)
    closed = await polls.summary(rt, await polls.poll_by_id(rt, ap_id), None)
    assert [o["votes_count"] for o in closed["options"]] == [1, 3] and closed["voters_count"] == 4

    assert await leipzig.query("SELECT count(*) AS n FROM poll_choices") == [{"n": 0}]
    assert sorted(r["actor_id"] for r in await leipzig.query("SELECT * FROM poll_voters")) == \
        sorted(v.id for v in voters)
    assert set((await leipzig.query("SELECT * FROM poll_voters"))[0]) == {"poll_id", "actor_id"}  # no time, no choice
    # No row anywhere names a voter together with an option (by its text or its position).
    for line in await dump(leipzig):
        if line.startswith(("poll_options:", "polls:")):
            continue
        for voter in voters:
            if voter.ap_id in line or f"'actor_id': {voter.id}," in line:
                assert "Frieda" not in line and "Gisela" not in line and "position" not in line, line


async def test_polls_in_a_box_are_for_its_members(leipzig):
    anna, bert, fritz = await people(leipzig, "anna", "bert", "fritz")
    rt = leipzig.rt
    await boxes.create(rt, anna, {"name": "Gartenfreunde", "slug": "garten", "visibility": "private",
                                  "purpose": "Gärtnern"})
    with pytest.raises(NotFound):  # a private box is not there for non-members
        await polls.create(rt, bert, {"question": "Wann?", "options": ["Mo", "Di"], "box": "garten"})
    ap_id = await polls.create(rt, anna, {"question": "Wann gießen wir?", "options": ["Mo", "Di"], "box": "garten"})
    poll = await polls.poll_by_id(rt, ap_id)
    assert await polls.may_see(rt, poll, anna)
    assert not await polls.may_see(rt, poll, fritz) and not await polls.may_see(rt, poll, None)
    with pytest.raises(NotFound):
        await polls.vote(rt, fritz, ap_id, [0])
    await polls.vote(rt, anna, ap_id, [1])
    assert (await polls.poll_by_id(rt, ap_id)).voters_count == 1
    assert [p.ap_id for p in await polls_store.list_polls(rt.db.reader, box_id=poll.box_id)] == [ap_id]
