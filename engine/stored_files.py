"""The files a command writes, removed again unless it commits.

A command stores a document's bytes on disk inside its transaction, after the row that
names them (``services/uploads.py``).  The disk takes no part in the transaction: when the
command then fails — a check after the upload, a form that does not validate, the
database saying no, an attempt ``uow.run_in_transaction`` runs again (a 代办 start that
retries even gets another case number) — its rows roll back and the file would stay,
named by nothing.  So ``write`` notes each file it creates on the command's session, and
``uow.transaction`` calls ``remove_written`` when the command fails: before the rollback,
while the command still holds the case, so no later command on the case can have come to
rely on the file.

Only what the command created is noted.  Paths are content-addressed
(``uploads/<case id>/<sha256>``): a file already there holds the same bytes, stored by an
earlier command that committed (or by this one), and is never removed.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_WRITTEN = "stored_files.written"

#: How the temporary file of a write still under way is named, beside its final path.
UNFINISHED_PREFIX = ".upload-"


def write(session: Session, path: Path, content: bytes) -> None:
    """Write ``content`` at ``path`` for the command of ``session``, unless a file is there
    already (the name is the checksum: the same bytes).  What this call creates — the file,
    and its folder when there was none — is removed if the command does not commit."""
    if path.exists():
        return
    written = session.info.setdefault(_WRITTEN, [])
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        written.append(path.parent)
    written.append(path)  # noted first: a write that fails half way is removed too
    _write_atomically(path, content)


def remove_written(session: Session) -> None:
    """Remove what ``write`` created for this session's command, newest first (the file,
    then its folder if nothing else is in it).  Never raises: the command's own failure
    is what its caller must hear."""
    for path in reversed(session.info.pop(_WRITTEN, [])):
        try:
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink(missing_ok=True)
        except OSError as exc:
            if path.is_dir():
                continue  # a folder that holds other files of the case stays
            log.warning("could not remove %s, written by a command that failed: %s", path, exc)


def _write_atomically(path: Path, content: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=UNFINISHED_PREFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
