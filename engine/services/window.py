"""代办 at the window: a window clerk starts a case for the applicant at the counter with
the documents they brought — one command.  The case, its first tasks and deadlines, the
audit trail and every document's row are written in one transaction: a document the
engine refuses (a material the matter does not list, one shared data provides, a
database that says no) refuses the application, and nothing is started.

The documents arrive read and checked (``uploads.read_upload``: size, type) before the
command begins.  Their bytes are written to the data dir inside the command, after their
rows; an attempt that does not commit removes the files it wrote (``stored_files``), so
no file lies under a case number that does not exist (or that a later case is given).
"""

from __future__ import annotations

from collections.abc import Mapping
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

    def store_documents(ctx: CommandContext) -> None:
        uploads.may_attach(ctx)
        for code in documents:  # every document is checked before any is stored
            uploads.uploadable(ctx, code)
        for code, incoming in documents.items():
            uploads.store(ctx, code, incoming)

    return cases.start_case(
        govflow, actor, process_key, applicant, data, lang, division=division,
        then=store_documents if documents else None,
    )  # fmt: skip
