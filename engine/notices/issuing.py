"""``issue_notice``: number, render and keep a notice, inside the deciding command.

Called by the command that decides what the notice confirms (accepting, asking for a
supplement, refusing, approving an extension, concluding; the reforms' confirmations),
with that command's session: the notice, its number, its words and the decision commit
together or not at all.  The PDF of those words is rendered on first download
(``pdf_of``), outside the deciding command.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import audit, clock
from ..definitions.deployed import deployed_definition
from ..jsonable import plain
from ..models import Case, Department
from ..principal import SYSTEM, Principal
from . import numbering, pdf, templates
from .models import Notice

#: The window issues what the window decides; other kinds name their department.
WINDOW = "service_center"


def date_text(moment: datetime | None) -> str:
    shown = clock.local(moment or clock.now())
    return f"{shown.year}年{shown.month}月{shown.day}日"


def _base_context(session: Session, case: Case) -> dict[str, Any]:
    definition = deployed_definition(session, case.definition_id)
    return {
        "applicant_name": case.applicant_name,
        "case_id": case.id,
        "matter_name": definition.name if definition else case.process_key,
        "received_date": date_text(case.created_at),
    }


def issue_notice(
    session: Session,
    case: Case,
    kind: str,
    context: dict[str, Any],
    *,
    department: str | None = None,
    actor: Principal = SYSTEM,
    supersedes: Notice | None = None,
) -> Notice:
    """Issue a notice of ``kind`` for ``case`` from ``context`` (the template's values;
    lists such as ``items`` print one line each).  ``department`` issues it (default: the
    window).  Returns the new notice, added to ``session``, with its ``notice_issued``
    audit event on the case's trail."""
    template = templates.template_for(case.process_key, kind)
    code = department or context.get("department") or WINDOW
    with session.no_autoflush:  # a department is not changed by a case's command
        dept = session.get(Department, code)
    department_name = dept.name_zh if dept else code
    now = clock.now()
    year = clock.local(now).year
    serial = numbering.take_serial(session, code, year)
    number = numbering.formatted(year, serial)
    values = {**_base_context(session, case), **context, "number": number}
    page = {
        "department_name": department_name,
        "title": template.title,
        "paragraphs": templates.render_paragraphs(template, values),
        "date_text": date_text(now),
    }
    notice = Notice(
        case_id=case.id,
        kind=kind,
        department_code=code,
        year=year,
        serial=serial,
        number=number,
        title=template.title,
        template=template.source,
        context=plain(values),
        page=page,
        issued_at=now,
        issued_by=actor.username,
        supersedes_id=supersedes.id if supersedes else None,
    )
    session.add(notice)
    session.flush()  # the id, for the notification that links to it
    audit.record(
        session,
        actor,
        "notice_issued",
        case_id=case.id,
        kind=kind,
        number=number,
        notice_id=notice.id,
        department=code,
    )
    return notice


def render(notice: Notice) -> bytes:
    """The PDF of the notice's fixed page."""
    page = notice.page
    return pdf.render(
        pdf.Page(
            department_name=page["department_name"],
            number=notice.number,
            title=page["title"],
            paragraphs=list(page["paragraphs"]),
            date_text=page["date_text"],
        )
    )


def pdf_of(session: Session, notice: Notice) -> bytes:
    """The notice's PDF: rendered and stored on first use, the stored bytes after.  Two
    first downloads at once both render the same page; the first to store wins."""
    if notice.pdf is not None:
        return notice.pdf
    document = render(notice)
    session.execute(
        update(Notice)
        .where(Notice.id == notice.id, Notice.pdf.is_(None))
        .values(pdf=document, sha256=hashlib.sha256(document).hexdigest())
    )
    stored = session.scalar(select(Notice.pdf).where(Notice.id == notice.id))
    return stored or document
