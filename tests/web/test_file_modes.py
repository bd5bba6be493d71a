"""The database, its -wal and -shm files and the media folder are the instance user's only
(0600 files, 0700 folders) whatever the umask; older, looser ones are tightened at start."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tests.conftest import Instance, free_port, instance_config

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


async def test_database_wal_and_media_are_owner_only_whatever_the_umask(tmp_path, visitor_for):
    old_umask = os.umask(0o022)
    try:
        instance = await Instance(instance_config(tmp_path, "leipzig", free_port())).start()
        try:
            anna = visitor_for(instance)
            assert await anna.register("anna") == 303
            await anna.get("/settings")
            status, text, _ = await anna.post("/settings/profile", {"name": "Anna", "bio": ""},
                                              files={"avatar": ("a.png", PNG, "image/png")})
            assert status == 303, text
            db = Path(instance.config.database_path)
            folder = db.parent
            assert mode(folder) == 0o700  # made here: the instance's own folder
            for name in (db.name, db.name + "-wal", db.name + "-shm"):
                assert (folder / name).exists() and mode(folder / name) == 0o600, name
            media = folder / "media"
            assert mode(media) == 0o700 and mode(media / "avatars") == 0o700
            avatars = list((media / "avatars").iterdir())
            assert avatars and all(mode(f) == 0o600 for f in avatars)
        finally:
            await instance.stop()
        # an instance whose files were left readable by all (made before this rule) is closed at start
        for path in [db, media, media / "avatars", *avatars]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        await instance.start()
        try:
            assert mode(db) == 0o600 and mode(media) == 0o700 and mode(media / "avatars") == 0o700
            assert all(mode(f) == 0o600 for f in avatars)
            for name in (db.name + "-wal", db.name + "-shm"):
                assert mode(folder / name) == 0o600, name
            status, _, _ = await anna.get("/settings")  # and it still works
            assert status == 200
        finally:
            await instance.stop()
    finally:
        os.umask(old_umask)
