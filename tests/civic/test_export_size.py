"""The export of a large account holds one batch in memory, not the archive: 3,000 comments of
4 KB each (12 MB of text, written three times into the ZIP) are exported with a Python heap
that grows by a few MB at most, and every one of them is in the archive."""

from __future__ import annotations

import io
import json
import time
import tracemalloc
import zipfile

from outbox import activities
from wecreate_fed import ld
from wecreate_fed.civic import export
from wecreate_fed.store import social

COMMENTS, SIZE = 3000, 4096


async def test_a_large_export_is_streamed_with_bounded_memory(leipzig):
    anna = await leipzig.create_user("anna", name="Anna Schulz")
    async with leipzig.rt.db.transaction() as conn:
        for n in range(COMMENTS):
            text = f"<p>Kommentar {n}: " + "Trinkbrunnen " * (SIZE // 13) + "</p>"
            note = activities.note(leipzig.config, anna, text, to=[ld.PUBLIC], cc=[anna.followers_url],
                                   in_reply_to=None)
            await social.add_object(conn, ap_id=note["id"], type="Note", actor_id=anna.id, is_local=True,
                                    content=text, is_public=True, data=note)
            create = activities.create(leipzig.config, anna, note)
            await social.add_activity(conn, ap_id=create["id"], actor_id=anna.id, type="Create",
                                      object_ap_id=note["id"], is_public=True, data=create)
    tracemalloc.start()
    try:
        began = time.monotonic()
        file = await export.export(leipzig.rt, anna, "de")
        took = time.monotonic() - began
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    with file:
        data = file.read()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        outbox = json.loads(archive.read("outbox.json"))
        comments = json.loads(archive.read("comments.json"))
        written = sum(i.file_size for i in archive.infolist())
    assert outbox["totalItems"] == comments["totalItems"] == COMMENTS
    assert written > 3 * COMMENTS * SIZE  # outbox, comments.json and comments.csv each hold every text
    print(f"export of {COMMENTS} comments: {took:.1f} s, {written / 1e6:.1f} MB in the ZIP ({len(data) / 1e6:.2f} MB "
          f"compressed), Python heap peak {peak / 1e6:.1f} MB")
    assert peak < 8_000_000, f"the export held {peak / 1e6:.1f} MB at its peak"
