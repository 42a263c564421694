"""What 容缺 and 承诺 share: the matter's catalogue entry, the case's materials as they
stand, working-day dates, and opening a side task in a department's worklist."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any

from processes.catalogue import CatalogueError, Matter, get_matter

from .. import clock
from ..deadlines.calendar_store import load_calendar
from ..errors import Conflict
from ..models import TaskRow
from ..runtime.executor import CommandContext
from ..services.materials import case_materials


def matter_of(process_key: str) -> Matter | None:
    """The catalogue entry of the case's matter (an uploaded process may have none: then
    nothing may be deferred or pledged)."""
    try:
        return get_matter(process_key)
    except CatalogueError:
        return None


def material_name(process_key: str, code: str) -> str:
    """The material's Chinese name, for task names (the code when the catalogue has none)."""
    matter = matter_of(process_key)
    material = matter.material(code) if matter else None
    return material.name.get("zh", code) if material else code


def materials_in(ctx: CommandContext) -> dict[str, str]:
    """material code → its status (shared, uploaded, missing) as the case stands."""
    return {m["code"]: m["status"] for m in case_materials(ctx.case, ctx.definition, ctx.session)}


def is_acceptance_step(ctx: CommandContext, row: TaskRow) -> bool:
    """The window's acceptance step (受理): the process property ``acceptance_task``, else
    any BPMN step of the window (``service_center``)."""
    if row.kind != "bpmn":
        return False
    wanted = ctx.definition.meta.get("properties", {}).get("acceptance_task")
    return row.bpmn_id == wanted if wanted else row.department_code == "service_center"


def require_open_case(ctx: CommandContext) -> None:
    if ctx.case.status not in ("running", "waiting_applicant"):
        raise Conflict("the case is closed", code="case_closed")
    if ctx.case.suspended:
        raise Conflict("the case is suspended", code="case_suspended")


def end_of_working_days(ctx: CommandContext, start: datetime, days: int) -> datetime:
    """The end (local midnight) of the ``days``-th working day after ``start``'s day."""
    calendar = load_calendar(ctx.session, getattr(ctx.case, "calendar_stamp", None))
    last = calendar.add_working_days(clock.local(start).date(), days).date
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=clock.LOCAL_TZ)


def open_side_task(
    ctx: CommandContext,
    *,
    kind: str,
    name: str,
    department: str,
    form_key: str,
    notice: dict[str, Any],
) -> TaskRow:
    """A task that is not a BPMN step, in ``department``'s worklist; ``notice`` (keyed
    ``reform``) is what its task page shows (web/templates/reforms/_side_task.html)."""
    row = TaskRow(
        id=str(uuid.uuid4()),
        kind=kind,
        case_id=ctx.case.id,
        process_key=ctx.case.process_key,
        bpmn_id=kind,
        name=name,
        department_code=department,
        candidate_groups=[department],
        candidate_users=[],
        status="ready",
        form_key=form_key,
        created_at=clock.now(),
        urge_count=0,
        notice=notice,
    )
    ctx.session.add(row)
    ctx.audit(
        "task_created",
        task_id=row.id,
        bpmn_id=row.bpmn_id,
        name=row.name,
        department=department,
        kind=kind,
    )
    return row


def terms(process_key: str) -> dict[str, Any]:
    """What the matter's catalogue allows, for pages: ``deferral_days``, and per material
    code whether it is ``key``, ``deferrable`` and its ``pledge`` text (zh/en) or None."""
    matter = matter_of(process_key)
    if matter is None:
        return {"deferral_days": 0, "materials": {}}
    return {
        "deferral_days": matter.deferral_days,
        "materials": {
            m.code: {
                "key": m.is_key,
                "deferrable": m.deferrable,
                "pledge": dict(m.pledge.text) if m.pledge else None,
                "pledge_department": m.pledge.department if m.pledge else None,
            }
            for m in matter.materials
        },
    }
