"""Sweeping the files under ``uploads/`` that no upload row names.

A command removes the files it wrote when it does not commit (``engine.stored_files``).
Two kinds of file escape that: one written by a process killed between writing it and
committing, and one left before that rule existed.  Nothing names them, and a disk of
documents slowly fills with them.  ``sweep`` removes them: a file under
``uploads/<case number>/`` that no ``material_uploads`` row names (a superseded upload's
row still names its file: the case keeps it), written more than ``min_age`` ago.

Only names ``stored_files`` makes are candidates: a 64-character checksum, or the
``.upload-`` prefix of a write that never finished.  Any other file, and any folder not
named by a case number, is left where it is.

The race it must not lose: paths are content-addressed, so an upload of bytes already on
disk writes nothing and names the file that is there (``stored_files.write``).  Were a
sweep to find a file unnamed and remove it while such an upload committed, the new row
would name a file that is gone.  So each case's folder is swept in one transaction that
first locks the case, as every upload's command does: the names read and the files
removed belong to a moment no upload of the case is half done.  A folder whose case
number has no case (a start that rolled back) is swept in a write transaction too: on
SQLite that holds every writer back, and PostgreSQL never gives a number twice, while a
start still running has written its files just now (younger than ``min_age``).
"""

from __future__ import annotations

import re
import stat
import time
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, stored_files
from ..context import Govflow
from ..models import Case
from ..principal import SYSTEM
from ..shared_data.models import MaterialUpload
from ..uow import run_in_transaction
from .uploads import UPLOADS, stored_path

#: Files younger than this are left alone: a command may still be about to commit them.
MIN_AGE = timedelta(days=1)

_CHECKSUM = re.compile(r"[0-9a-f]{64}")


@dataclass
class SweepReport:
    files: int = 0
    bytes: int = 0
    cases: list[int] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return f"{self.files} unnamed files removed ({self.bytes} bytes)"


def sweep(govflow: Govflow, *, min_age: timedelta = MIN_AGE) -> SweepReport:
    """Remove the unnamed files older than ``min_age``, one case's folder at a time."""
    report = SweepReport()
    root = govflow.settings.data_dir / UPLOADS
    if not root.is_dir():
        return report
    cutoff = time.time() - min_age.total_seconds()
    for folder in sorted(root.iterdir(), key=lambda p: p.name):
        if not (folder.is_dir() and folder.name.isdigit()):
            continue
        if not any(_old_candidates(folder, cutoff)):
            continue  # nothing to decide: no transaction, no lock
        case_id = int(folder.name)
        removed = run_in_transaction(
            govflow.db, partial(_sweep_case, case_id=case_id, folder=folder, cutoff=cutoff)
        )
        if removed:
            report.files += len(removed)
            report.bytes += sum(size for _, size in removed)
            report.cases.append(case_id)
    return report


def _old_candidates(folder: Path, cutoff: float) -> list[Path]:
    return [
        path
        for path in folder.iterdir()
        if (_CHECKSUM.fullmatch(path.name) or path.name.startswith(stored_files.UNFINISHED_PREFIX))
        and _written_before(path, cutoff)
    ]


def _written_before(path: Path, cutoff: float) -> bool:
    try:
        status = path.stat()
    except OSError:  # gone meanwhile (a failed command removing what it wrote)
        return False
    return stat.S_ISREG(status.st_mode) and status.st_mtime < cutoff


def _sweep_case(
    session: Session, *, case_id: int, folder: Path, cutoff: float
) -> list[tuple[str, int]]:
    """In the case's lock: remove its old candidates no row names; (name, size) of each."""
    exists = session.scalar(select(Case.id).where(Case.id == case_id).with_for_update())
    named = set(
        session.scalars(select(MaterialUpload.stored_path).where(MaterialUpload.case_id == case_id))
    )
    # Removed before the commit, while the lock holds: a commit that then fails loses
    # only the audit event of files nothing named.
    removed = []
    for path in _old_candidates(folder, cutoff):  # listed again, inside the lock
        if stored_path(case_id, path.name).as_posix() in named:
            continue
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append((path.name, size))
    if removed and not any(folder.iterdir()):
        folder.rmdir()
    if removed:
        audit.record(
            session,
            SYSTEM,
            "unnamed_files_removed",
            case_id=case_id if exists is not None else None,
            folder=(UPLOADS / str(case_id)).as_posix(),
            files=sorted(name for name, _ in removed),
            bytes=sum(size for _, size in removed),
        )
    return removed
