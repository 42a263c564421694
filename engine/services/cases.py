"""Case commands and queries: start a case (申请/受理), read it, list it, its trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit, clock
from ..context import Govflow
from ..deadlines.states import shown_state_is
from ..definitions import approval
from ..directory import tree
from ..directory.rules import DIVISION_RE
from ..errors import BadRequest, Forbidden, NotFound, ValidationFailed
from ..forms import FormValidationError, is_valid_id_number, validate_submission
from ..models import AuditEvent, Case, ProcessDefinition
from ..principal import Principal
from ..runtime.executor import CommandContext, start
from ..uow import read_only
from . import access, disclosure, parties
from .access import get_visible_case
from .forms_lookup import form_for
from .serializers import case_view

MAX_DATA_BYTES = 64 * 1024


def latest_definition(session: Session, key: str) -> ProcessDefinition:
    definition = session.scalar(
        select(ProcessDefinition)
        .where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )
    if definition is None:
        raise NotFound(f"no deployed process '{key}'")
    return definition


#: The department whose clerks receive applicants at the counter (一窗受理, DOMAIN.md).
WINDOW_DEPARTMENT = "service_center"


def is_window_clerk(actor: Principal, definition: ProcessDefinition | None = None) -> bool:
    """A clerk who receives applicants at the counter: of the service centre (一窗受理),
    or — for ``definition``'s matter — of the department owning its acceptance step (the
    process property ``acceptance_task``), where a matter is received elsewhere."""
    if not actor.has("clerk") or not actor.department:
        return False
    if actor.department == WINDOW_DEPARTMENT:
        return True
    if definition is None:
        return False
    wanted = (definition.meta.get("properties") or {}).get("acceptance_task")
    return bool(wanted) and any(
        task.get("id") == wanted and actor.department in (task.get("departments") or [])
        for task in definition.meta.get("user_tasks") or []
    )


def _applicant_of(
    actor: Principal, applicant: Any, definition: ProcessDefinition | None = None
) -> tuple[str, str, bool]:
    """The applicant's (ID number, name, at the window?).

    Applicants apply for themselves only: the signed-in person is the applicant, and an
    ``applicant`` object naming anybody else is refused.  A window clerk applies for the
    person at the counter (代办, recorded as such).  Nobody else starts cases: a clerk of
    a back office, a supervisor or an administrator starting one would be a way to pull
    anyone's records.
    """
    if applicant is None:
        applicant = {}
    if not isinstance(applicant, dict):
        raise BadRequest("'applicant' must be an object")
    if is_window_clerk(actor, definition):
        return (*_counter_applicant(applicant), True)
    if not actor.has("applicant") or not actor.id_number:
        raise Forbidden("only applicants and window clerks may start cases")
    claimed_id = str(applicant.get("id_number") or "").strip().upper()
    claimed_name = str(applicant.get("name") or "").strip()
    if (claimed_id and claimed_id != actor.id_number) or (
        claimed_name and claimed_name != actor.display_name
    ):
        raise Forbidden("applicants may only apply for themselves")
    return actor.id_number, actor.display_name[:100], False


def _counter_applicant(applicant: dict[str, Any]) -> tuple[str, str]:
    id_number = str(applicant.get("id_number") or "").strip().upper()
    name = str(applicant.get("name") or "").strip()
    fields: dict[str, list[str]] = {}
    if not is_valid_id_number(id_number):
        fields["applicant.id_number"] = [
            "不是有效的居民身份证号码 / not a valid resident ID number"
        ]
    if not name:
        fields["applicant.name"] = ["必填 / required"]
    elif len(name) > 100:
        fields["applicant.name"] = ["最多 100 个字符 / at most 100 characters"]
    if fields:
        raise ValidationFailed("applicant is invalid", fields=fields)
    return id_number, name


def _application_data(
    govflow: Govflow, definition: ProcessDefinition, data: Any, lang: str
) -> dict:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BadRequest("'data' must be an object")
    start_form = definition.meta.get("start_form")
    if start_form:
        try:
            return validate_submission(form_for(govflow.forms, definition, start_form), data, lang)
        except FormValidationError as exc:
            raise ValidationFailed("the application form is invalid", fields=exc.fields) from None
    import json

    if len(json.dumps(data)) > MAX_DATA_BYTES:
        raise ValidationFailed("application data too large", fields={"data": ["too large"]})
    return data


def _check_division(session: Session, division: str | None) -> None:
    """A chosen division must lie in the tree: some active department serves it or a
    division above it (a township of a county the directory knows)."""
    if not division:
        return
    if not isinstance(division, str) or not DIVISION_RE.fullmatch(division):
        raise ValidationFailed(
            "division is invalid",
            fields={"division": ["不是行政区划代码 / not a division code (6, 9 or 12 digits)"]},
        )
    served = tree.known_divisions(session)
    if not any(d in served for d in tree.division_chain(division)):
        raise ValidationFailed(
            "no department serves this division",
            fields={"division": ["没有部门受理该行政区划 / no department serves this division"]},
        )


def start_case(
    govflow: Govflow,
    actor: Principal,
    process_key: str,
    applicant: dict | None,
    data: Any,
    lang: str = "zh",
    version: Any = None,
    division: str | None = None,
    then: Callable[[CommandContext], None] | None = None,
) -> int:
    """Start a case on the key's current version; ``version`` names a pending one its
    uploader wants to try before approval (``definitions.approval.current_or_trial``).
    ``division``: where the applicant chose to have it handled (else shared data says).
    ``then``: what else the application does in the same transaction (the pledges signed
    on the application form, ``reforms.pledges.apply_with_pledges``)."""
    # Who applies for whom; a matter's own acceptance department is known once it is read.
    id_number, name, at_window = (
        _applicant_of(actor, applicant) if not actor.has("clerk") else ("", "", True)
    )
    if not isinstance(process_key, str) or not process_key:
        raise BadRequest("'process_key' is required")
    if version is not None and (
        isinstance(version, bool) or not isinstance(version, int) or version < 1
    ):
        raise BadRequest("'version' must be a positive whole number")

    cleaned: dict[str, Any] = {}  # the application, as validated against its start form

    def open_case(session: Session) -> tuple[Case, ProcessDefinition]:
        nonlocal id_number, name, at_window
        definition = approval.current_or_trial(session, actor, process_key, version)
        if actor.has("clerk"):
            id_number, name, at_window = _applicant_of(actor, applicant, definition)
        cleaned.update(_application_data(govflow, definition, data, lang))
        _check_division(session, division)
        now = clock.now()
        case = Case(
            definition_id=definition.id,
            process_key=definition.key,
            version=definition.version,
            status="running",
            applicant_id_number=id_number,
            applicant_name=name,
            started_by=actor.username,
            started_at_window=at_window,
            division=division or None,
            data={},
            sources={},
            workflow_state="",
            created_at=now,
            updated_at=now,
        )
        session.add(case)
        session.flush()  # the case id is needed by the access log of the first pulls
        parties.record_parties(session, case, cleaned, actor)
        audit.record(
            session,
            actor,
            "case_started",
            case_id=case.id,
            process_key=definition.key,
            version=definition.version,
            data=cleaned,
            # 代办: who stood at the counter, and which clerk entered it for them.
            **({"at_window": True, "for_applicant": id_number} if at_window else {}),
        )
        return case, definition

    def command(ctx: CommandContext) -> int:
        for task in ctx.workflow.tasks.values():  # the root task: its data flows to every step
            task.data.update({"applicant_id_number": id_number, "applicant_name": name, **cleaned})
            break
        if then is not None:
            then(ctx)
        return ctx.case.id

    return start(govflow, actor, open_case, command)


def list_cases(
    govflow: Govflow,
    actor: Principal,
    *,
    status: str | None = None,
    process_key: str | None = None,
    deadline_state: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[Case], int]:
    query = access.visible_cases(actor)
    if status:
        query = query.where(Case.status == status)
    if process_key:
        query = query.where(Case.process_key == process_key)
    if deadline_state:
        query = query.where(shown_state_is(Case, deadline_state, clock.now()))
    with read_only(govflow.db) as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.scalars(
            query.order_by(Case.id.desc()).offset((page - 1) * per_page).limit(per_page)
        ).all()
    return list(rows), total or 0


def case_events(govflow: Govflow, actor: Principal, case_id: int) -> list[AuditEvent]:
    with read_only(govflow.db) as session:
        get_visible_case(session, actor, case_id)
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
            )
        )


def get_case(govflow: Govflow, actor: Principal, case_id: int) -> Case:
    """A case the caller may see, as a detached row (404 for any other)."""
    with read_only(govflow.db) as session:
        return get_visible_case(session, actor, case_id)


def get_case_json(govflow: Govflow, actor: Principal, case_id: int) -> dict[str, Any]:
    """The case as API.md shows it, masked for the caller (the view is logged)."""
    with read_only(govflow.db) as session:
        return case_view(govflow, session, actor, get_visible_case(session, actor, case_id))


def cases_as_json(govflow: Govflow, actor: Principal, cases: list[Case]) -> list[dict[str, Any]]:
    """Cases ``list_cases`` found, as API.md shows them (each view is logged)."""
    with read_only(govflow.db) as session:
        return [case_view(govflow, session, actor, case) for case in cases]


def sees_identifiers(govflow: Govflow, actor: Principal, case_id: int) -> bool:
    """Does the caller see the case's ID numbers, phones and names in clear?"""
    with read_only(govflow.db) as session:
        return disclosure.sees_identifiers(actor, get_visible_case(session, actor, case_id))
