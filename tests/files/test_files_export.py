"""A person's uploads are in their data export (GDPR Art. 15/20): listed in uploads.csv and their
bytes under uploads/, and only the uploader's, never another member's."""

from __future__ import annotations

from tests.files import samples
from tests.files.test_files_pages import logged_in, people, upload
from tests.web.test_data_export import download, members, table
from wecreate_fed.civic import boxes


async def test_my_uploads_are_in_my_export_and_nobody_elses(make_instance, visitor_for):
    leipzig = await make_instance("leipzig")
    p = await people(leipzig, "anna", "bert")
    box = await boxes.create(leipzig.rt, p["anna"], {"name": "Verkehrswende", "slug": "verkehr", "visibility": "open"})
    assert await boxes.join(leipzig.rt, p["bert"], box.ap_id) == "accepted"
    anna = await logged_in(visitor_for, leipzig, "anna")
    document = samples.pdf("Protokoll der Klausur")
    status, text, _ = await upload(anna, "/b/verkehr/files", "Protokoll März.pdf", document)
    assert status == 303, text
    [row] = await leipzig.query("SELECT key FROM files")

    await anna.get("/settings/export")
    status, data, headers = await download(anna)
    assert status == 200 and headers["Content-Type"] == "application/zip"
    files = members(data)
    name = f"uploads/{row['key']}-Protokoll März.pdf"
    assert files[name] == document
    [listed] = table(files, "uploads.csv")
    assert listed["file"] == name and listed["name"] == "Protokoll März.pdf" and listed["box"] == box.ap_id
    assert listed["type"] == "application/pdf" and listed["bytes"] == str(len(document)) and not listed["space"]

    bert = await logged_in(visitor_for, leipzig, "bert")
    await bert.get("/settings/export")
    status, data, _ = await download(bert)
    theirs = members(data)
    assert status == 200 and table(theirs, "uploads.csv") == [] and not [n for n in theirs if n.startswith("uploads/")]
