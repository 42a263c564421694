"""The case page every role opens (each seeing what it may): the diagram with done /
current / waiting elements, the timeline, materials, deadlines; and the result download."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, make_response, render_template, request

from engine.errors import BadRequest
from engine.services import cases as service
from engine.services import definitions as definition_service
from engine.services import incidents as incident_service
from engine.services import uploads
from engine.services.serializers import definition_view, event_view

from ..stored_files import stored_file_response
from .case_display import (
    diagram_state,
    materials_summary,
    outcome_results,
    shared_records,
    supplement_items,
    timeline,
)
from .common import engine, login_required, principal, xml_response
from .formdata import form_values

#: The case data key under which the versions its call activities ran are recorded.
CALLED = "called_processes"

bp = Blueprint("cases", __name__)

CASE_ROLES = ("applicant", "clerk", "supervisor", "admin")
STATUSES = ("running", "waiting_applicant", "completed", "terminated", "error")


def _load(case_id: int) -> tuple[dict, list[dict], bool]:
    actor = principal()
    view = service.get_case_json(engine(), actor, case_id)
    sees = service.sees_identifiers(engine(), actor, case_id)
    events = [event_view(e) for e in service.case_events(engine(), actor, case_id)]
    return view, events, sees


@bp.get("/cases")
@login_required(*CASE_ROLES)
def case_list():  # noqa: ANN201
    actor = principal()
    status = request.args.get("status") or None
    if status not in (None, *STATUSES):
        raise BadRequest("unknown status")
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and int(page) > 0 else 1
    cases, total = service.list_cases(
        engine(),
        actor,
        status=status,
        process_key=request.args.get("process_key") or None,
        page=page,
        per_page=25,
    )
    views = service.cases_as_json(engine(), actor, cases)
    return render_template(
        "cases/list.html", cases=views, total=total, page=page, per_page=25, status=status
    )


@bp.get("/cases/<id:case_id>")
@login_required(*CASE_ROLES)
def case(case_id: int):  # noqa: ANN201
    return render_case(case_id)


def start_form(case: dict[str, Any]) -> dict[str, Any] | None:
    """The application form of the case's matter (the version the case runs on)."""
    found = definition_service.get_definition(
        engine(), principal(), case["process_key"], case["version"]
    )
    return definition_view(found)["start_form"]


def _properties(case: dict[str, Any]) -> dict[str, Any]:
    """The process-level properties of the version the case runs on (its declared results)."""
    found = definition_service.get_definition(
        engine(), principal(), case["process_key"], case["version"]
    )
    return (found.meta or {}).get("properties") or {}


def _rated_departments(case: dict[str, Any]) -> list[str]:
    """Departments that did the case's work, in the order they did it (what 好差评 rates)."""
    done = sorted(
        (
            t
            for t in case["tasks"]
            if t["status"] == "completed" and t["department"] and t["bpmn_id"] != "rectification"
        ),
        key=lambda t: t["completed_at"] or "",
    )
    return list(dict.fromkeys(t["department"] for t in done))


def render_case(
    case_id: int,
    *,
    correction_errors: dict[str, list[str]] | None = None,
    posted: Any = None,
    status: int = 200,
):  # noqa: ANN202
    """The case page; after a refused supplement answer, with the corrections' errors."""
    actor = principal()
    view, events, sees = _load(case_id)
    is_applicant = actor.has("applicant") and not actor.has("clerk", "supervisor", "admin")
    supplement = supplement_items(view)
    correction_form = None
    if is_applicant and view["status"] == "waiting_applicant":
        found = start_form(view)
        if found:
            fields = [f for f in found.get("fields", []) if f["type"] != "file"]
            correction_form = {**found, "fields": fields}
    marks = diagram_state(view, events)
    incident = _open_incident(case_id) if view["status"] == "error" else None
    if incident and incident["element_id"]:
        marks["error"] = [incident["element_id"]]  # the failing step, red on the diagram
    page = render_template(
        "cases/case.html",
        case=view,
        diagram_url=f"/cases/{case_id}/diagram.xml",
        diagram_marks=marks,
        incident=incident,
        called=_called_diagrams(case_id, view),
        timeline=timeline(events, for_applicant=is_applicant, sees_identifiers=sees),
        records=shared_records(view, sees_identifiers=sees),
        summary=materials_summary(view),
        task_names={t["id"]: t["name"] for t in view["tasks"]},
        supplement=supplement,
        results=outcome_results(view, _properties(view)),
        is_applicant=is_applicant,
        supervises=actor.has("supervisor", "admin"),
        may_urge=actor.has("supervisor", "admin") or is_applicant,
        rated_departments=_rated_departments(view),
        correction_form=correction_form,
        correction_values=form_values(correction_form, posted, view.get("data"))
        if correction_form
        else {},
        correction_errors=correction_errors or {},
    )
    return page, status


def _open_incident(case_id: int) -> dict[str, Any] | None:
    """The case's open incident, for those who see incidents (administrators, supervisors)."""
    if not principal().has("admin", "supervisor"):
        return None
    items, _total = incident_service.list_incidents(
        engine(), principal(), status="open", case_id=str(case_id), per_page=1
    )
    return items[0] if items else None


def _called_diagrams(case_id: int, view: dict[str, Any]) -> list[dict[str, Any]]:
    """The processes the case's call activities ran, each drawn as its own diagram."""
    called = (view.get("data") or {}).get(CALLED) or {}
    return [
        {"key": key, "version": pin.get("version"), "url": f"/cases/{case_id}/called/{key}.xml"}
        for key, pin in sorted(called.items())
        if isinstance(pin, dict)
    ]


@bp.get("/cases/<id:case_id>/called/<key>.xml")
@login_required(*CASE_ROLES)
def called_diagram(case_id: int, key: str):  # noqa: ANN201
    """The diagram of a process the case called, in the version the call ran."""
    actor = principal()
    view = service.get_case_json(engine(), actor, case_id)
    pin = ((view.get("data") or {}).get(CALLED) or {}).get(key)
    if not isinstance(pin, dict) or not isinstance(pin.get("version"), int):
        abort(404)
    definition = definition_service.get_definition(engine(), actor, key, pin["version"])
    return xml_response(definition.bpmn_xml)


@bp.get("/cases/<id:case_id>/diagram.xml")
@login_required(*CASE_ROLES)
def diagram(case_id: int):  # noqa: ANN201
    actor = principal()
    case = service.get_case(engine(), actor, case_id)
    key, version = case.process_key, case.version
    definition = definition_service.get_definition(engine(), actor, key, version)
    return xml_response(definition.bpmn_xml)


@bp.get("/cases/<id:case_id>/result")
@login_required(*CASE_ROLES)
def result(case_id: int):  # noqa: ANN201
    """The result notice (办结通知书) of a concluded case, as a printable HTML file."""
    view, events, sees = _load(case_id)
    if view["status"] != "completed":
        abort(409)
    body = render_template(
        "cases/result.html",
        case=view,
        results=outcome_results(view, _properties(view)),
        steps=[t for t in view["tasks"] if t["status"] == "completed"],
    )
    response = make_response(body)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    filename = f"govflow-case-{case_id}-result.html"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


#: Shown in the browser (a preview) rather than downloaded: what it renders by itself.
PREVIEWABLE = ("application/pdf", "image/png", "image/jpeg")


@bp.get("/cases/<id:case_id>/materials/<code>/file")
@login_required(*CASE_ROLES)
def material_file(case_id: int, code: str):  # noqa: ANN201
    """A material or a step's attachment, for whoever may see the case's files (the
    service decides: the applicant, the departments handling it, supervisors); PDFs and
    images open in the browser, ``?download=1`` saves them."""
    stored = uploads.material_file(engine(), principal(), case_id, code)
    inline = stored.content_type in PREVIEWABLE and not request.args.get("download")
    response = stored_file_response(stored, inline=inline)
    # A preview runs nothing: an uploaded PDF or image gets no script and no frame parent.
    # The browser's own image viewer styles the page it wraps an image in (inline styles;
    # the file itself is a checked PDF, PNG or JPEG, never markup).
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; object-src 'self'; style-src 'unsafe-inline'; "
        "frame-ancestors 'self'; sandbox"
    )
    return response
