"""Clerk pages: the department worklist, claim/unclaim, the task page (case summary, shared
data with provenance, the form with inline errors), complete, and the supplement request."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import BadRequest, Conflict, GovflowError, TooLarge, ValidationFailed
from engine.services import cases as case_service
from engine.services import clock_stops, directory, uploads
from engine.services import definitions as definition_service
from engine.services import tasks as service
from engine.services.missing_materials import REASON_FIELD
from engine.services.serializers import definition_view, task_view
from engine.verbs import case_control, handover, returns

from .case_display import application_rows, missing_materials, shared_records
from .common import engine, lang, localized, login_required, principal
from .formdata import form_values, from_form
from .verbs import problem

bp = Blueprint("clerk", __name__)

CLERKS = ("clerk", "admin")
#: Who may open and complete a task page: supervisors too, for the rectification tasks a
#: bad rating opens (the engine refuses them every other task).
TASK_HANDLERS = (*CLERKS, "supervisor")
#: A department's open work of one tab fits in this.
WORKLIST_LIMIT = 500
VIEWS = ("ready", "mine", "warning", "overdue", "done", "handed")


#: The worklist's tabs: each a query of the task service (status, assignee, deadline state).
VIEW_QUERIES: dict[str, list[dict[str, Any]]] = {
    "ready": [{"status": "ready"}],
    "mine": [{"status": "claimed", "assignee": "me"}],
    "warning": [{"status": s, "deadline_state": "warning"} for s in ("ready", "claimed")],
    "overdue": [{"status": s, "deadline_state": "overdue"} for s in ("ready", "claimed")],
    "done": [{"status": "completed", "assignee": "me"}],  # 已办
}


def _due_order(task: dict[str, Any]) -> tuple:
    return (task["due_at"] is None, task["due_at"] or "", task["created_at"] or "")


def _view_tasks(view: str, *, count_only: bool = False) -> tuple[list[dict[str, Any]], int]:
    """The caller's open tasks of one tab, due first (the service sorts by due time)."""
    actor = principal()
    if view == "handed":
        return _handed_over(actor)
    rows: list[Any] = []
    total = 0
    for query in VIEW_QUERIES[view]:
        found, n = service.list_tasks(
            engine(), actor, page=1, per_page=1 if count_only else WORKLIST_LIMIT, **query
        )
        rows.extend(found)
        total += n
    tasks = [task_view(r) for r in rows]
    if len(VIEW_QUERIES[view]) > 1:
        tasks.sort(key=_due_order)
    return tasks, total


def _handed_over(actor: Any) -> tuple[list[dict[str, Any]], int]:
    """我委派的: the steps the caller transferred or delegated, the latest first, each with
    how and to whom it went (``handover``) and its state now."""
    found = handover.handed_over_by(engine(), actor, limit=WORKLIST_LIMIT)
    tasks = [{**task_view(row), "handover": handed} for handed, row in found]
    return tasks, len(tasks)


def _search_args() -> dict[str, str]:
    """The worklist's search: matter, case number, applicant (name or ID number)."""
    return {
        name: (request.args.get(name) or "").strip()[:100]
        for name in ("process_key", "case", "applicant")
    }


def _matches(task: dict[str, Any], search: dict[str, str], cases: dict[int, Any]) -> bool:
    """One tab holds at most WORKLIST_LIMIT steps: the search narrows them here."""
    if search["process_key"] and task["process_key"] != search["process_key"]:
        return False
    if search["case"] and str(task["case_id"]) != search["case"].lstrip("#"):
        return False
    if search["applicant"]:
        case = cases.get(task["case_id"])
        wanted = search["applicant"]
        if case is None or (
            wanted not in (case.applicant_name or "") and wanted != case.applicant_id_number
        ):
            return False
    return True


@bp.get("/worklist")
@login_required(*CLERKS)
def worklist():  # noqa: ANN201
    actor = principal()
    view = request.args.get("view", "ready")
    if view not in VIEWS:
        view = "ready"
    descending = request.args.get("sort") == "-due"
    shown, _total = _view_tasks(view)
    counts = {v: (_total if v == view else _view_tasks(v, count_only=True)[1]) for v in VIEWS}
    if descending:  # latest due first; steps without a limit stay last
        with_due = [t for t in shown if t["due_at"]]
        shown = with_due[::-1] + [t for t in shown if not t["due_at"]]
    cases, _n = case_service.list_cases(engine(), actor, page=1, per_page=WORKLIST_LIMIT)
    applicants = {c.id: c.applicant_name for c in cases}
    names = {d.key: d.name for d in definition_service.latest_definitions(engine(), actor)}
    search = _search_args()
    if any(search.values()):
        shown = [t for t in shown if _matches(t, search, {c.id: c for c in cases})]
    return render_template(
        "clerk/worklist.html",
        search=search,
        # 挂起: a suspended case's steps wait; they are marked and offer no 签收.
        suspended={c.id for c in cases if c.suspended},
        tasks=shown,
        view=view,
        views=VIEWS,
        counts=counts,
        descending=descending,
        applicants=applicants,
        process_names=names,
    )


def _back(task_id: str) -> str:
    target = request.form.get("back")
    if target == "worklist":
        return url_for(".worklist", view=request.form.get("view") or "ready")
    return url_for(".task", task_id=task_id)


@bp.post("/tasks/<task_id>/claim")
@login_required(*TASK_HANDLERS)
def claim(task_id: str):  # noqa: ANN201
    try:
        service.claim(engine(), principal(), task_id)
    except Conflict as exc:
        flash(_conflict_message(exc), "error")
        return redirect(_back(task_id))
    flash(_("Claimed. The step is now in your list."), "success")
    return redirect(url_for(".task", task_id=task_id))


@bp.post("/tasks/<task_id>/unclaim")
@login_required(*CLERKS)
def unclaim(task_id: str):  # noqa: ANN201
    try:
        service.unclaim(engine(), principal(), task_id)
    except Conflict as exc:
        flash(_conflict_message(exc), "error")
        return redirect(_back(task_id))
    flash(_("Released back to the department's list."), "info")
    return redirect(url_for(".worklist"))


def _conflict_message(exc: Conflict) -> str:
    return {
        "already_claimed": _("Another clerk has claimed this step."),
        "already_completed": _("This step is already done."),
        "task_not_ready": _("This step cannot be worked on now."),
        "case_closed": _("The case is closed."),
        "case_not_running": _("The case is not in progress (it may be waiting for the applicant)."),
    }.get(exc.code) or problem(exc)


def _task_page(
    task_id: str,
    *,
    errors: dict[str, list[str]] | None = None,
    posted: Any = None,
    status: int = 200,
    asked_missing: list[dict[str, Any]] | None = None,
):  # noqa: ANN202
    actor = principal()
    row = service.get_task(engine(), actor, task_id)
    detail = service.get_task_json(engine(), actor, task_id)
    case_json = case_service.get_case_json(engine(), actor, row.case_id)
    definition = detail["form_definition"]
    initial = dict(detail["prefill"]["values"])
    if detail.get("submission"):
        initial.update(detail["submission"])
    mine = detail["assignee"] == actor.username
    is_open = detail["status"] in ("ready", "claimed")
    page = render_template(
        "clerk/task.html",
        task=detail,
        case=case_json,
        form=definition,
        values=form_values(definition, posted, initial),
        errors=errors or {},
        records=shared_records(case_json, sees_identifiers=True),
        rows=application_rows(case_json, _start_form(case_json)),
        mine=mine,
        is_open=is_open,
        kind=row.kind,
        attached={a["code"]: a["filename"] for a in case_json.get("attachments", [])},
        # 缺材料: what accepting or concluding would go on without — the engine's own list
        # after it refused the step, else the materials the applicant still owes.
        missing=asked_missing or missing_materials(case_json),
        missing_reason=(posted or {}).get(REASON_FIELD, ""),
        ask_supplement=request.args.get("ask") == "1",
        task_names={t["id"]: t["name"] for t in case_json["tasks"]},
        **(_verb_choices(row, detail) if mine and is_open else {}),
    )
    return page, status


def _verb_choices(row: Any, detail: dict[str, Any]) -> dict[str, Any]:
    """What the verb forms of an open task of the caller's offer: the earlier steps to
    return to, the colleagues to transfer to, the clerks to delegate to, the refusal
    grounds (the engine still checks every choice)."""
    actor = principal()
    if detail.get("owner") or row.kind != "bpmn":
        targets: list[dict[str, Any]] = []
    else:
        try:
            targets = returns.return_targets(engine(), actor, row.id)
        except GovflowError:
            targets = []
    others = [c for c in directory.clerks(engine()) if c["username"] != actor.username]
    window = row.kind == "bpmn" and row.department_code == "service_center"
    return {
        "return_targets": targets,
        "colleagues": [c for c in others if c["department"] == row.department_code],
        "delegates": others,
        "refusal_reasons": case_control.refusal_reasons() if window else [],
    }


def _start_form(case: dict[str, Any]) -> dict[str, Any] | None:
    found = definition_service.get_definition(
        engine(), principal(), case["process_key"], case["version"]
    )
    return definition_view(found)["start_form"]


@bp.get("/tasks/<task_id>")
@login_required(*TASK_HANDLERS)
def task(task_id: str):  # noqa: ANN201
    return _task_page(task_id)


@bp.post("/tasks/<task_id>/complete")
@login_required(*TASK_HANDLERS)
def complete(task_id: str):  # noqa: ANN201
    actor = principal()
    row = service.get_task(engine(), actor, task_id)
    definition = service.get_task_json(engine(), actor, task_id)["form_definition"]
    data = from_form(definition, request.form)
    reason = (request.form.get(REASON_FIELD) or "").strip()
    if reason:  # 缺材料仍予办理: the clerk's reason (services/missing_materials)
        data[REASON_FIELD] = reason
    try:
        files = _chosen_files(definition)
        case_id = service.complete(engine(), actor, task_id, data, lang(), files)
    except ValidationFailed as exc:
        fields = exc.details.get("fields") or {"_form": [_("The form has errors.")]}
        if exc.code == "materials_missing":
            fields = {
                REASON_FIELD: [
                    _("Request a supplement, or give the reason to go on without these materials.")
                ]
            }
        return _task_page(
            task_id,
            errors=fields,
            posted=request.form,
            status=422,
            asked_missing=exc.details.get("missing_materials"),
        )
    except Conflict as exc:
        flash(_conflict_message(exc), "error")
        return redirect(url_for(".task", task_id=task_id))
    flash(
        _("Done: %(name)s of case %(case)s.", name=row.name, case=case_id),
        "success",
    )
    return redirect(url_for(".worklist"))


def _chosen_files(definition: dict[str, Any]) -> dict[str, Any]:
    """The documents chosen for the form's ``file`` fields, read and checked; a refused
    one (type, size) is that field's error."""
    files, refused = {}, {}
    for f in definition["fields"]:
        part = request.files.get(f["name"]) if f["type"] == "file" else None
        if part is None or not part.filename:
            continue
        try:
            files[f["name"]] = uploads.read_upload(engine(), part.filename, part.stream)
        except TooLarge:
            refused[f["name"]] = [_("The file is larger than the upload limit.")]
        except BadRequest:
            refused[f["name"]] = [_("Only PDF, JPEG or PNG files are accepted.")]
    if refused:
        raise ValidationFailed("the form is invalid", fields=refused)
    return files


@bp.post("/tasks/<task_id>/supplement")
@login_required(*CLERKS)
def supplement(task_id: str):  # noqa: ANN201
    """补正 + 一次性告知: every material ticked, each with its reason, asked for at once."""
    actor = principal()
    back = url_for(".task", task_id=task_id) + "#supplement"
    row = service.get_task(engine(), actor, task_id)
    case_json = case_service.get_case_json(engine(), actor, row.case_id)
    materials = {m["code"]: m for m in case_json["materials"]}
    items = []
    for code in request.form.getlist("material"):
        if code in materials:
            items.append(
                {
                    "material": code,
                    "name": localized(materials[code]["name"]),
                    "reason": (request.form.get(f"reason_{code}") or "").strip(),
                }
            )
    other = (request.form.get("other_name") or "").strip()
    if other:
        items.append({"name": other, "reason": (request.form.get("other_reason") or "").strip()})
    if not items:
        flash(_("Tick at least one material, or name another one."), "error")
        return redirect(back)
    if any(not i["reason"] for i in items):
        flash(_("Give a reason for every material you ask for."), "error")
        return redirect(back)
    try:
        case_id = clock_stops.request_supplement(
            engine(), actor, task_id, items, (request.form.get("note") or "").strip()
        )
    except ValidationFailed:
        flash(_("Give a reason for every material you ask for."), "error")
        return redirect(back)
    except Conflict as exc:
        flash(_conflict_message(exc), "error")
        return redirect(back)
    flash(
        _("The applicant has been asked for %(n)s materials; the clock is stopped.", n=len(items)),
        "success",
    )
    return redirect(url_for("cases.case", case_id=case_id))
