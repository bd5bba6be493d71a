"""An upload or a deletion cancelled after any number of event-loop steps leaves the file whole
or not at all: a row exactly when its bytes are on disk (nothing is federated, so there is no
activity or delivery to check), and the same command afterwards succeeds or says it was done."""

from __future__ import annotations

from tests.civic.test_cancellation import run_cancelled
from tests.files import samples
from wecreate_fed.civic import boxes, files
from wecreate_fed.errors import NotFound

MAX_STEPS = 5000  # far more than either command takes; reaching it means the loop never ends


async def _whole(leipzig) -> int:
    """How many files there are, checked to be a row exactly when its bytes are there."""
    rows = {row["stored_name"] for row in await leipzig.query("SELECT stored_name FROM files")}
    folder = files.files_folder(leipzig.config)
    on_disk = {p.name for p in folder.iterdir()} if folder.exists() else set()
    assert rows == on_disk
    return len(rows)


async def test_cancelled_upload_and_delete_leave_all_or_nothing(leipzig):
    anna = await leipzig.create_user("anna")
    await boxes.create(leipzig.rt, anna, {"name": "Elbufer", "slug": "elbufer"})
    place = await files.box_place(leipzig.rt, "elbufer")
    data = samples.pdf()
    for steps in range(MAX_STEPS):
        before = await _whole(leipzig)
        done = await run_cancelled(lambda: files.upload(leipzig.rt, anna, place, "Plan.pdf", data), steps)
        after = await _whole(leipzig)
        assert after in (before, before + 1), steps
        if done:
            assert after == before + 1
            break
    else:
        raise AssertionError("the upload never completed")
    assert steps > 0  # it was cut short at least once
    await files.upload(leipzig.rt, anna, place, "Plan.pdf", data)  # and works again afterwards

    keys = [row["key"] for row in await leipzig.query("SELECT key FROM files")]
    for steps in range(MAX_STEPS):
        before = await _whole(leipzig)
        key = keys[-1]
        done = await run_cancelled(lambda key=key: files.delete(leipzig.rt, anna, key), steps)
        after = await _whole(leipzig)
        gone = not await leipzig.query("SELECT 1 FROM files WHERE key = ?", (key,))
        assert after == before - (1 if gone else 0), steps
        if gone:  # committed (the bytes may have been cancelled before their unlink: then _whole fails above)
            try:
                await files.delete(leipzig.rt, anna, key)
            except NotFound:
                pass  # the clear "already done"
            else:
                raise AssertionError("a deleted file was deleted again")
            keys.pop()
        if done or not keys:
            break
    assert await _whole(leipzig) == len(keys)
