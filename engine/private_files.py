"""The data directory and the SQLite database are for govflow's own user only.

They hold citizens' records, uploaded documents and the session-signing key: created
0700 (directory) and 0600 (database file) whatever the umask, and tightened when an
earlier version left them readable by others.  SQLite gives its ``-wal`` and ``-shm``
files the database file's permissions.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

DIR_MODE = 0o700
FILE_MODE = 0o600


def _tighten(path: Path, mode: int) -> None:
    info = path.stat()
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
        path.chmod(mode)


def private_dir(path: Path) -> None:
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, DIR_MODE)


def private_sqlite_file(url: str) -> None:
    """Create the database file of a SQLite URL 0600 before SQLite does (with 0644)."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        _tighten(path, FILE_MODE)
