"""Applicant pages: my cases, the catalogue (什么事 / 要带什么 / 多久办结), the application
form that says what govflow fetches instead of asking and offers the pledges (告知承诺制)
the catalogue allows, the supplement answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.errors import Conflict, GovflowError, ValidationFailed
from engine.reforms import pledges
from engine.services import cases as case_service
from engine.services import clock_stops, directory, supplement_answers, uploads
from engine.services import definitions as definition_service
from engine.services.serializers import definition_view
from processes.catalogue import Matter, load_matters

from .common import (
    engine,
    lang,
    login_required,
    principal,
    provider_department,
    provider_title_both,
)
from .formdata import form_values, from_form

bp = Blueprint("applicant", __name__)

APPLICANTS = ("applicant",)


def _catalogue() -> list[dict[str, Any]]:
    """Deployed matters with their catalogue entries (a matter nobody deployed is not
    offered; a deployed process without an entry is offered with what deploy knows)."""
    deployed = {
        d.key: definition_view(d)
        for d in definition_service.current_definitions(engine(), principal())
    }
    matters = load_matters()
    entries = []
    for key, definition in deployed.items():
        entries.append(_entry(definition, matters.get(key)))
    return entries


def _no_form(definition: dict[str, Any]) -> dict[str, Any]:
    """A matter drawn without a start form asks for nothing beyond the signed-in
    applicant's identity (the case knows it) and the materials listed beside it."""
    return {
        "key": None,
        "title": {"zh": definition["name"], "en": definition["name"]},
        "fields": [],
    }


def _pulled_materials(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """Without a catalogue entry: one material per register the matter pulls from."""
    return [
        {
            "code": name,
            "name": provider_title_both(name),
            "provider": name,
            "department": provider_department(name),
            "note": None,
            "stage": None,
            "required": True,
        }
        for name in definition.get("shared_data", [])
    ]


def _entry(definition: dict[str, Any], matter: Matter | None) -> dict[str, Any]:
    materials = [] if matter is not None else _pulled_materials(definition)
    if matter is not None:
        for m in matter.materials:
            materials.append(
                {
                    "code": m.code,
                    "name": m.name,
                    "provider": m.provider,
                    "department": provider_department(m.provider),
                    "note": m.note,
                    "stage": m.stage,
                    "required": m.required,
                }
            )
    return {
        "key": definition["key"],
        "name": matter.name if matter else {"zh": definition["name"], "en": definition["name"]},
        "description": matter.description if matter else {},
        "kind": matter.kind if matter else None,
        "statutory_limit": matter.statutory_limit if matter else definition["statutory_limit"],
        "promised_limit": matter.promised_limit if matter else definition["promised_limit"],
        "departments": list(matter.departments) if matter else definition["departments"],
        "before": matter.before if matter else {},
        "fetched": [m for m in materials if m["provider"]],
        "to_bring": [m for m in materials if not m["provider"]],
        # 告知承诺制: materials the applicant may pledge instead of (the catalogue's text)
        "pledgeable": [
            {"code": m.code, "name": m.name, "text": m.pledge.text}
            for m in (matter.materials if matter else ())
            if m.pledge is not None
        ],
        "start_form": definition["start_form"] or _no_form(definition),
    }


@bp.get("/applicant")
@login_required(*APPLICANTS)
def home():  # noqa: ANN201
    actor = principal()
    cases, total = case_service.list_cases(engine(), actor, page=1, per_page=50)
    views = case_service.cases_as_json(engine(), actor, cases)
    from .parties import waiting_confirmations

    return render_template(
        "applicant/home.html", cases=views, total=total, waiting=waiting_confirmations()
    )


@bp.get("/catalogue")
@login_required(*APPLICANTS)
def catalogue():  # noqa: ANN201
    return render_template("applicant/catalogue.html", matters=_catalogue())


def _matter_or_404(key: str) -> dict[str, Any]:
    for entry in _catalogue():
        if entry["key"] == key:
            return entry
    abort(404)


def _apply_page(matter: dict[str, Any], errors=None, posted=None, status=200):  # noqa: ANN001, ANN202
    page = render_template(
        "applicant/apply.html",
        matter=matter,
        form=matter["start_form"],
        values=form_values(matter["start_form"], posted, None),
        errors=errors or {},
        divisions=directory.divisions(engine()),
        chosen_division=(posted or {}).get("division", ""),
        pledged=set(posted.getlist("pledge")) if posted else set(),
    )
    return page, status


@bp.get("/apply/<key>")
@login_required(*APPLICANTS)
def apply(key: str):  # noqa: ANN201
    return _apply_page(_matter_or_404(key))


@bp.post("/apply/<key>")
@login_required(*APPLICANTS)
def submit(key: str):  # noqa: ANN201
    matter = _matter_or_404(key)
    data = from_form(matter["start_form"], request.form)
    offered = {p["code"] for p in matter["pledgeable"]}
    codes = [code for code in request.form.getlist("pledge") if code in offered]
    try:
        # One transaction: the case starts with the pledges ticked signed, or not at all.
        case_id = pledges.apply_with_pledges(
            engine(),
            principal(),
            key,
            data,
            lang(),
            # 属地: where to handle it; empty lets the flat's or premises' records say
            division=request.form.get("division") or None,
            codes=codes,
            signed_from=request.remote_addr,
        )
    except ValidationFailed as exc:
        fields = dict(exc.details.get("fields") or {"_form": [_("The form has errors.")]})
        if "material" in fields:  # a pledge that could not be signed
            fields["pledge"] = fields.pop("material")
        return _apply_page(matter, errors=fields, posted=request.form, status=422)
    flash(_("Your application has been submitted. Case number: %(id)s.", id=case_id), "success")
    if codes:
        flash(
            _(
                "%(n)s pledges signed (告知承诺). The department checks them after acceptance.",
                n=len(codes),
            ),
            "success",
        )
    return redirect(url_for("cases.case", case_id=case_id))


UPLOAD_PROBLEMS = {
    "unsupported_file_type": _l("Only PDF, JPEG and PNG files are accepted."),
    "too_large": _l("The file is too large."),
    "material_shared": _l("This material comes from shared data; there is nothing to upload."),
    "case_closed": _l("The case is closed."),
    "bad_request": _l("The file is empty or could not be read."),
}


@bp.post("/cases/<id:case_id>/materials/<code>")
@login_required(*APPLICANTS)
def upload(case_id: int, code: str):  # noqa: ANN201
    back = url_for("cases.case", case_id=case_id) + (
        "#supplement" if request.form.get("from") == "supplement" else "#materials"
    )
    return _stored(
        back,
        lambda name, stream: uploads.upload_material(
            engine(), principal(), case_id, code, name, stream
        ),
    )


@bp.post("/cases/<id:case_id>/supplement/items/<id:number>")
@login_required(*APPLICANTS)
def upload_item(case_id: int, number: int):  # noqa: ANN201
    """A file for one item of the open 补正 request ("其他材料" included)."""
    try:
        return _stored(
            url_for("cases.case", case_id=case_id) + "#supplement",
            lambda name, stream: supplement_answers.upload_for_item(
                engine(), principal(), case_id, number, name, stream
            ),
            caller_handles=("no_supplement_pending",),
        )
    except Conflict as exc:
        if exc.code != "no_supplement_pending":
            raise
        flash(_("There is no open supplement request on this case."), "error")
        return redirect(url_for("cases.case", case_id=case_id))


def _stored(  # noqa: ANN202 - a redirect
    back: str, store: Callable[[str, Any], Any], caller_handles: tuple[str, ...] = ()
):
    """Store the posted file with ``store(filename, stream)`` and go ``back``, telling the
    applicant what happened; a refusal they may not see (401, 403, 404), and an error
    whose code the caller handles itself, is raised."""
    storage = request.files.get("file")
    if storage is None or not storage.filename:
        flash(_("Choose a file to upload."), "error")
        return redirect(back)
    try:
        store(storage.filename, storage.stream)
    except GovflowError as exc:
        if exc.status in (401, 403, 404) or exc.code in caller_handles:
            raise
        flash(str(UPLOAD_PROBLEMS.get(exc.code, UPLOAD_PROBLEMS["bad_request"])), "error")
        return redirect(back)
    flash(_("Uploaded: %(name)s.", name=storage.filename), "success")
    return redirect(back)


def _corrections(case_id: int) -> dict[str, Any]:
    """The application fields the applicant changed in the supplement answer (only those;
    blank inputs and unchanged values are not corrections)."""
    if not request.form.get("correct"):
        return {}
    from .cases import start_form

    actor = principal()
    view = case_service.get_case_json(engine(), actor, case_id)
    form = start_form(view)
    if not form:
        return {}
    fields = {"fields": [f for f in form.get("fields", []) if f["type"] != "file"]}
    current = view.get("data") or {}
    return {k: v for k, v in from_form(fields, request.form).items() if current.get(k) != v}


@bp.post("/cases/<id:case_id>/supplement")
@login_required(*APPLICANTS)
def answer_supplement(case_id: int):  # noqa: ANN201
    """The answer to 补正: materials uploaded on the page, corrected application fields
    (validated by the engine against the application form), a note."""
    note = (request.form.get("note") or "").strip()
    corrected = _corrections(case_id)
    try:
        clock_stops.answer_supplement(engine(), principal(), case_id, corrected, note, lang())
    except ValidationFailed as exc:
        from .cases import render_case

        fields = exc.details.get("fields") or {"_form": [_("The form has errors.")]}
        return render_case(case_id, correction_errors=fields, posted=request.form, status=422)
    except Conflict:
        flash(_("There is no open supplement request on this case."), "error")
        return redirect(url_for("cases.case", case_id=case_id))
    if corrected:
        flash(
            _(
                "Thank you. %(n)s corrected fields were sent; the office continues with your "
                "case and the clock runs again.",
                n=len(corrected),
            ),
            "success",
        )
    else:
        flash(
            _("Thank you. The office continues with your case and the clock runs again."),
            "success",
        )
    return redirect(url_for("cases.case", case_id=case_id))
