"""Files in a box and in an organisation space over real HTTP: members upload, list and download;
an HTML or SVG named .pdf, anything over [files] max_bytes and an empty form are refused with a
clear message and leave nothing behind; outsiders (logged out, a local non-member, a remote
server signing its fetch) get 404 for the list, every download and every delete."""

from __future__ import annotations

import aiohttp

from tests.files import samples
from tests.web.conftest import text_of
from wecreate_fed import signatures
from wecreate_fed.civic import accounts, boxes
from wecreate_fed.civic.files import files_folder
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import orgs as orgs_store

PASSWORD = "sicheres-passwort"
PDF = "application/pdf"


async def people(site, *names):
    return {name: await site.create_user(name, password=PASSWORD) for name in names}


async def logged_in(visitor_for, site, name):
    visitor = visitor_for(site)
    assert await visitor.login(name) == 303
    return visitor


async def upload(visitor, path, name, data, mime=PDF):
    """The form as a browser sends it (the file's name as UTF-8, not percent-encoded as aiohttp would)."""
    await visitor.get(path)
    form = aiohttp.FormData(quote_fields=False)
    form.add_field("file", data, filename=name, content_type=mime)
    form.add_field("csrf_token", visitor.token())
    async with visitor.session.post(visitor.url(path), data=form, allow_redirects=False,
                                    headers={"Referer": visitor.base_url + "/"}) as r:
        return r.status, await r.text(), r.headers


def stored(site) -> list[str]:
    folder = files_folder(site.config)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


async def signed_get(url: str, signer) -> int:
    headers = {"Accept": "*/*", **signatures.sign_request("GET", url, key_id=signer.key_id,
                                                          private_key_pem=signer.private_key_pem)}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers, allow_redirects=False) as r:
        return r.status


async def test_box_files_for_members_only(make_instance, visitor_for):
    leipzig, meissen = await make_instance("leipzig"), await make_instance("meissen")
    p = await people(leipzig, "anna", "bert", "fritz")
    box = await boxes.create(leipzig.rt, p["anna"], {"name": "Verkehrswende", "slug": "verkehr", "visibility": "open"})
    assert await boxes.join(leipzig.rt, p["bert"], box.ap_id) == "accepted"
    anna = await logged_in(visitor_for, leipzig, "anna")

    # the box page links its files for members; the upload takes a real PDF named with an umlaut
    status, page, _ = await anna.get("/b/verkehr")
    assert status == 200 and 'href="/b/verkehr/files"' in page
    document = samples.pdf()
    activities_before = await leipzig.query("SELECT count(*) AS n FROM activities")
    status, _, headers = await upload(anna, "/b/verkehr/files", "Protokoll März.pdf", document, mime="text/html")
    assert status == 303 and headers["Location"] == "/b/verkehr/files"
    status, page, _ = await anna.get("/b/verkehr/files")
    assert status == 200
    text = text_of(page)
    assert "Protokoll März.pdf" in text and "anna" in text and "KB" in text
    [row] = await leipzig.query("SELECT key, name, media_type, size, uploader_id FROM files")
    assert row["media_type"] == PDF and row["size"] == len(document) and row["uploader_id"] == p["anna"].id
    assert len(stored(leipzig)) == 1 and "Protokoll" not in stored(leipzig)[0]  # a random name on disk
    url = f"/files/{row['key']}"

    # a member downloads: the bytes, as an attachment of the recognised type, never to be rendered
    bert = await logged_in(visitor_for, leipzig, "bert")
    async with bert.session.get(bert.url(url)) as r:
        assert r.status == 200 and await r.read() == document
        assert r.headers["Content-Type"] == PDF
        assert r.headers["Content-Disposition"] == (
            "attachment; filename=\"Protokoll M_rz.pdf\"; filename*=UTF-8''Protokoll%20M%C3%A4rz.pdf")
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in r.headers["Content-Security-Policy"] and "sandbox" in \
            r.headers["Content-Security-Policy"]
        assert "no-store" in r.headers["Cache-Control"]

    # outsiders: logged out, a local non-member, a remote person and a remote server signing: 404
    nobody, fritz = visitor_for(leipzig), await logged_in(visitor_for, leipzig, "fritz")
    for visitor in (nobody, fritz):
        for path in ("/b/verkehr/files", url):
            assert (await visitor.get(path))[0] == 404, path
    status, _, _ = await fritz.get("/b/verkehr")  # fritz sees the open box itself, with no link to its files
    assert status == 200 and "/b/verkehr/files" not in fritz.last_page
    await fritz.get("/b/verkehr")
    assert (await fritz.post(url + "/delete", {}))[0] == 404
    assert (await fritz.post("/b/verkehr/files", {}, files={"file": ("x.pdf", document, PDF)}))[0] == 404
    lena = await meissen.create_user("lena")
    server = await actors_store.get_instance_actor(meissen.rt.db.reader)
    for signer in (lena, server):
        for path in ("/b/verkehr/files", url, "/boxes/verkehr/files"):
            assert await signed_get(leipzig.base_url + path, signer) == 404, (path, signer.ap_id)
    async with aiohttp.ClientSession() as session, session.get(leipzig.base_url + url) as r:
        assert r.status == 404
    assert (await nobody.get("/files/no-such-key"))[0] == 404

    # a member who did not upload it may not delete it (403); the uploader may, and the bytes go too
    await bert.get("/b/verkehr/files")
    assert "files.delete" not in bert.last_page and f"{url}/delete" not in bert.last_page
    assert (await bert.post(url + "/delete", {}))[0] == 403
    await anna.get("/b/verkehr/files")
    assert f"{url}/delete" in anna.last_page
    status, _, headers = await anna.post(url + "/delete", {})
    assert status == 303 and headers["Location"] == "/b/verkehr/files"
    assert await leipzig.query("SELECT id FROM files") == [] and stored(leipzig) == []
    assert (await bert.get(url))[0] == 404

    # nothing of it was ever federated: no activity was made for the upload or the deletion
    assert await leipzig.query("SELECT count(*) AS n FROM activities") == activities_before
    assert await leipzig.query("SELECT id FROM activities WHERE data LIKE '%/files/%'") == []


async def test_disguised_and_oversized_files_are_refused(make_instance, visitor_for):
    leipzig = await make_instance("leipzig", max_body_bytes=20_000, tables={"files": {"max_bytes": 50_000}})
    p = await people(leipzig, "anna")
    await boxes.create(leipzig.rt, p["anna"], {"name": "Verkehrswende", "slug": "verkehr", "visibility": "private"})
    anna = await logged_in(visitor_for, leipzig, "anna")
    for name, data in (("beschluss.pdf", samples.HTML), ("logo.pdf", samples.SVG), ("plan.png", samples.SVG),
                       ("skript.pdf", samples.SCRIPT), ("antrag.docx", samples.docx(macros=True))):
        status, page, _ = await upload(anna, "/b/verkehr/files", name, data)
        assert status == 400, name
        assert "Wir nehmen nur PDF, ODT, DOCX, PNG, JPEG, WebP an, und diese Datei ist nichts davon" in text_of(page)
        assert 'aria-invalid="true"' in page
    # over the limit (but within the request's room): the files' limit is named
    status, page, _ = await upload(anna, "/b/verkehr/files", "gross.pdf", samples.pdf(padding=60_000))
    assert status == 400 and "Die Datei ist größer als 0.05 MB." in text_of(page)
    # far over it: the request itself is refused before it is read, naming the same limit
    status, page, _ = await upload(anna, "/b/verkehr/files", "riesig.pdf", samples.pdf(padding=500_000))
    assert status == 413 and "Die Datei ist größer als 0.05 MB." in text_of(page)
    # no file chosen
    await anna.get("/b/verkehr/files")
    status, page, _ = await anna.post("/b/verkehr/files", {"file": ""})
    assert status == 400 and "Wähle eine Datei zum Hochladen aus." in text_of(page)
    assert await leipzig.query("SELECT id FROM files") == [] and stored(leipzig) == []
    # larger than federation.max_body_bytes (20 KB), within files.max_bytes: taken
    status, _, _ = await upload(anna, "/b/verkehr/files", "Satzung.pdf", samples.pdf(padding=40_000))
    assert status == 303
    for name, data in (("bild.png", samples.png()), ("foto.jpg", samples.jpeg()), ("karte.webp", samples.webp()),
                       ("antrag.odt", samples.odt()), ("antrag.docx", samples.docx())):
        assert (await upload(anna, "/b/verkehr/files", name, data))[0] == 303, name
    kinds = {row["media_type"] for row in await leipzig.query("SELECT media_type FROM files")}
    assert len(kinds) == 6 and len(stored(leipzig)) == 6
    # other requests keep the federation limit
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{leipzig.base_url}/inbox", data=b"x" * 30_000,
                                headers={"Content-Type": "application/activity+json"}) as r:
            assert r.status == 413


async def test_space_files_for_its_members(make_instance, visitor_for):
    leipzig, meissen = await make_instance("leipzig"), await make_instance("meissen")
    org = await leipzig.create_user("spd", type_="Organization", category="party", name="SPD Leipzig",
                                    password=PASSWORD)
    p = await people(leipzig, "anna", "bert", "carla", "dora", "fritz")
    async with leipzig.rt.db.transaction() as conn:
        await orgs_store.put(conn, org.id, p["anna"].id, role="admin", state="accepted")
        await orgs_store.put(conn, org.id, p["bert"].id, role="board", state="accepted")
        await orgs_store.put(conn, org.id, p["carla"].id, role="member", state="accepted")
        await orgs_store.put(conn, org.id, p["dora"].id, role="member", state="requested")
    carla = await logged_in(visitor_for, leipzig, "carla")
    status, page, _ = await carla.get("/@spd")
    assert status == 200 and 'href="/@spd/files"' in page  # the profile links the space's files for members
    assert (await upload(carla, "/@spd/files", "Wahlprogramm.odt", samples.odt()))[0] == 303
    [row] = await leipzig.query("SELECT key, box_id, members_of FROM files")
    assert row["box_id"] is None and row["members_of"] == org.id
    url = f"/files/{row['key']}"
    for name in ("anna", "bert", "spd"):
        visitor = await logged_in(visitor_for, leipzig, name)
        async with visitor.session.get(visitor.url(url)) as r:
            assert r.status == 200 and r.headers["Content-Type"] == "application/vnd.oasis.opendocument.text"
    for name in ("dora", "fritz"):  # a request not yet approved is no membership
        visitor = await logged_in(visitor_for, leipzig, name)
        assert (await visitor.get("/@spd"))[0] == 200 and "/@spd/files" not in visitor.last_page
        for path in ("/@spd/files", url):
            assert (await visitor.get(path))[0] == 404, (name, path)
    assert (await visitor_for(leipzig).get(url))[0] == 404
    server = await actors_store.get_instance_actor(meissen.rt.db.reader)
    assert await signed_get(leipzig.base_url + url, server) == 404
    assert (await visitor_for(leipzig).get("/@anna/files"))[0] == 404  # a person has no space
    # the uploader's account is deleted: the file stays the space's, its uploader no longer named
    bert = await logged_in(visitor_for, leipzig, "bert")
    await bert.get("/@spd/files")
    assert 'href="/@carla"' in bert.last_page
    await accounts.delete_account_data(leipzig.rt, p["carla"])
    await bert.get("/@spd/files")
    assert "ein gelöschtes Konto" in text_of(bert.last_page) and 'href="/@carla"' not in bert.last_page
    # a board member deletes another member's file
    assert f"{url}/delete" in bert.last_page
    status, _, headers = await bert.post(url + "/delete", {})
    assert status == 303 and headers["Location"] == "/@spd/files"
    assert await leipzig.query("SELECT id FROM files") == [] and stored(leipzig) == []
