"""Polls in the data export: the polls one asked with their totals where the poll shows them (polls.csv), and the polls one
voted in with one's choice where it is kept (poll_votes.csv); a secret ballot says only that one voted."""

from __future__ import annotations

from tests.web.conftest import visitor_for  # noqa: F401  (a fixture)
from tests.web.test_data_export import download, members, table
from wecreate_fed.civic import polls

PASSWORD = "sicheres-passwort"


async def export_of(visitor_for, site, name) -> dict:  # noqa: F811  (the fixture's function, passed in)
    visitor = visitor_for(site)
    assert await visitor.login(name) == 303
    await visitor.get("/settings/export")
    status, data, _ = await download(visitor)
    assert status == 200
    return members(data)


async def test_my_polls_and_my_votes_are_in_my_export(leipzig, visitor_for):  # noqa: F811
    anna = await leipzig.create_user("anna", password=PASSWORD)
    bert = await leipzig.create_user("bert", password=PASSWORD)
    rt = leipzig.rt
    open_poll = await polls.create(rt, anna, {"question": "Wohin mit dem Geld?", "options": ["Brunnen", "Bänke"],
                                              "live_results": "on"})
    secret_poll = await polls.create(rt, anna, {"question": "Wer leitet die AG?", "options": ["Carla", "Dora"],
                                                "secret": True})
    await polls.vote(rt, bert, open_poll, [1])
    await polls.vote(rt, bert, secret_poll, [0])

    asked = {row["id"]: row for row in table(await export_of(visitor_for, leipzig, "anna"), "polls.csv")}
    assert set(asked) == {open_poll, secret_poll}
    assert asked[open_poll]["options"] == "Brunnen (0) | Bänke (1)" and asked[open_poll]["voters"] == "1"
    assert asked[secret_poll]["secret"] == "True" and asked[secret_poll]["question"] == "Wer leitet die AG?"
    assert asked[secret_poll]["options"] == "Carla | Dora"  # no totals of a secret ballot before it closes

    files = await export_of(visitor_for, leipzig, "bert")
    assert table(files, "polls.csv") == []
    votes = {row["poll"]: row for row in table(files, "poll_votes.csv")}
    assert votes[open_poll]["choices"] == "Bänke"
    assert votes[secret_poll]["choices"].startswith("(geheime Abstimmung") and "Carla" not in votes[secret_poll]["choices"]
