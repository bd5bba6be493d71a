"""The publishing page as people use it without JavaScript: the board publishes from the draft's
page, a member reads where it went, an outsider finds nothing; on a private instance the board
chooses the city from the allowlist."""

from __future__ import annotations

from tests.private.private_setup import allow, authority
from tests.publish.publish_spaces import DRAFT, PASSWORD, internal_draft, party_space
from tests.web.conftest import Visitor, text_of
from wecreate_fed import i18n


def t(key: str, **values) -> str:
    return i18n.gettext("de", key, **values)


async def visitor(instance, username: str | None, made: list) -> Visitor:
    person = Visitor(instance.base_url)
    made.append(person)
    if username:
        assert await person.login(username, PASSWORD) == 303
    return person


async def test_the_board_publishes_from_the_draft_page_and_the_draft_says_where_it_went(leipzig):
    org, p = await party_space(leipzig)
    draft = await internal_draft(leipzig, org, p["carla"])
    key = draft.rsplit("/", 1)[1]
    page, publish_page = f"/i/{key}", f"/i/{key}/publish"
    made: list[Visitor] = []
    try:
        bert, carla, fritz, nobody = [await visitor(leipzig, n, made) for n in ("bert", "carla", "fritz", None)]
        # The board member sees the action on the draft and the page that explains it.
        status, html, _ = await bert.get(page)
        assert status == 200 and publish_page in html and t("publish.action") in html
        status, html, _ = await bert.get(publish_page)
        assert status == 200 and t("publish.what_stays") in html and 'name="cities"' not in html
        # A member reads the page but has no button; an outsider and a visitor find nothing.
        status, html, _ = await carla.get(publish_page)
        assert status == 200 and t("publish.only_board") in html and f'action="{publish_page}"' not in html
        status, html, _ = await carla.get(page)
        assert publish_page not in html
        assert (await fritz.get(publish_page))[0] == 404
        status, _, headers = await nobody.get(publish_page)
        assert status == 303 and "/login" in headers["Location"]

        # Published: to the public idea's page, which names the Organization.
        await bert.get(publish_page)
        status, _, headers = await bert.post(publish_page, {})
        assert status == 303
        public_page = headers["Location"]
        assert public_page != page and "/i/" in public_page
        status, html, _ = await bert.get(public_page)
        assert status == 200 and DRAFT["title"] in html and "SPD Kreisverband" in html and t("publish.done") in html
        assert page not in html and publish_page not in html  # nothing internal linked
        # The draft says where it went, to the members.
        status, html, _ = await carla.get(page)
        assert t("publish.line_published") in html and public_page in html
        status, html, _ = await carla.get(publish_page)
        assert t("publish.published_heading") in html and "Bert" in text_of(html) and public_page in html
        # Pressed again (another tab): back to the page that says it is published.
        await bert.get(publish_page)
        status, _, headers = await bert.post(publish_page, {})
        assert status == 303 and headers["Location"].endswith(publish_page)
        assert len(await leipzig.query("SELECT 1 FROM ideas WHERE author_id = ?", (org.id,))) == 1
    finally:
        for person in made:
            await person.close()


async def test_on_a_private_instance_the_board_chooses_the_city_from_the_allowlist(make_party, make_instance):
    party = await make_party("partei")
    city = await make_instance("stadt")
    await allow(party, city)
    org, p = await party_space(party)
    draft = await internal_draft(party, org, p["carla"])
    publish_page = f"/i/{draft.rsplit('/', 1)[1]}/publish"
    made: list[Visitor] = []
    try:
        bert = await visitor(party, "bert", made)
        status, html, _ = await bert.get(publish_page)
        assert status == 200 and f'name="cities" value="{authority(city)}"' in html
        # None chosen: the form says so at the field, and nothing is published.
        status, html, _ = await bert.post(publish_page, [("cities", "")])
        assert status == 400 and t("form.publish_city_required") in html and 'id="cities-error"' in html
        status, html, _ = await bert.post(publish_page, [("cities", "elsewhere.example")])
        assert status == 400 and t("form.publish_city_unknown", domain="elsewhere.example") in html
        assert await party.query("SELECT 1 FROM ideas WHERE author_id = ?", (org.id,)) == []
        status, _, headers = await bert.post(publish_page, [("cities", authority(city))])
        assert status == 303
        status, html, _ = await bert.get(publish_page)
        assert t("publish.delivered_to") in html and authority(city) in html
    finally:
        for person in made:
            await person.close()
