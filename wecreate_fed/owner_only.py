"""Files only the instance's own user may read: the database (every private key and the
session secret are in it), its -wal and -shm files, and the media folder.

Created 0600 (files) and 0700 (folders) whatever the umask, and tightened at every start, so
an instance set up before this rule, or copied with looser modes, is closed too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def make_dir(path: Path) -> None:
    """The folder and any missing parents (those made here 0700); the folder itself 0700."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(folder, DIR_MODE)  # mkdir's mode is narrowed by the umask, never widened
    os.chmod(path, DIR_MODE)


def create_file(path: Path) -> None:
    """An empty file readable by the owner only, unless it exists (then it is only tightened)."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


def write_file(path: Path, data: bytes) -> None:
    """A new file with `data`, 0600 from its first byte."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        os.write(fd, data)
    finally:
        os.close(fd)


def tighten(path: Path) -> None:
    """0600 for a file, 0700 for a folder and everything in it; nothing if it does not exist."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        return  # a link's target is not ours to change
    if stat.S_ISDIR(mode):
        os.chmod(path, DIR_MODE)
        for child in path.iterdir():
            tighten(child)
    elif stat.S_IMODE(mode) & 0o077:
        os.chmod(path, FILE_MODE)
