"""代办 at the window: a window clerk starts a case for the applicant at the counter with
the documents they brought — one command.  The case, its first tasks and deadlines, the
audit trail and every document's row are written in one transaction: a document the
engine refuses (a material the matter does not list, one shared data provides, a
database that says no) refuses the application, and nothing is started.

The documents arrive read and checked (``uploads.read_upload``: size, type) before the
command begins.  Their bytes are written to the data dir inside the command, after their
rows; when the command does not commit, the files it wrote are removed again, so no file
lies under a case number that does not exist (or that a later case is given).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..context import Govflow
from ..principal import Principal
from ..runtime.executor import CommandContext
from . import cases, uploads


def start_with_documents(
    govflow: Govflow,
    actor: Principal,
    process_key: str,
    applicant: dict | None,
    data: Any,
    lang: str,
    *,
    division: str | None,
    documents: Mapping[str, uploads.Incoming],
) -> int:
    """Start the case for ``applicant`` and store ``documents`` (material code → file) on
    it in the same transaction; answer the case id."""
    written: list[Path] = []  # files this call wrote, over every attempt of the command

    def store_documents(ctx: CommandContext) -> None:
        uploads.may_attach(ctx)
        for code in documents:  # every document is checked before any is stored
            uploads.uploadable(ctx, code)
        for code, incoming in documents.items():
            path = uploads.stored_path(govflow, ctx.case.id, incoming)
            new = not path.exists()
            uploads.store(ctx, code, incoming)
            if new:
                written.append(path)

    try:
        case_id = cases.start_case(
            govflow, actor, process_key, applicant, data, lang, division=division,
            then=store_documents if documents else None,
        )  # fmt: skip
    except BaseException:
        _remove(written)
        raise
    # An attempt the database made retry may have written under another case number.
    _remove([path for path in written if path.parent.name != str(case_id)])
    return case_id


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
        try:
            path.parent.rmdir()  # the case's folder, when this call made it
        except OSError:
            pass  # not empty: other files of the case are kept
