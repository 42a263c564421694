"""代办 at the window: a clerk who receives applicants (``cases.is_window_clerk``) starts a
case for the person at the counter — the matter from the catalogue, the applicant's name
and resident ID, the application form, the documents they brought.  The engine records
that the clerk started it on the applicant's behalf (``case_started`` with
``at_window``), and the case page says so.  The case and its documents are one command
(``engine.services.window``): a document refused refuses the application."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import BadRequest, Forbidden, TooLarge, ValidationFailed
from engine.services import cases as case_service
from engine.services import definitions as definition_service
from engine.services import directory, uploads
from engine.services import window as window_service

from .applicant import _catalogue
from .common import engine, lang, login_required, principal
from .formdata import form_values, from_form

bp = Blueprint("window", __name__)

CLERKS = ("clerk",)
#: The applicant's own inputs, named apart from any application-form field.
NAME, ID_NUMBER = "applicant_name", "applicant_id_number"


def _receivable() -> list[dict[str, Any]]:
    """The catalogue's matters this clerk receives at the counter."""
    actor = principal()
    mine = {
        d.key
        for d in definition_service.current_definitions(engine(), actor)
        if case_service.is_window_clerk(actor, d)
    }
    return [entry for entry in _catalogue() if entry["key"] in mine]


def _matter_or_404(key: str) -> dict[str, Any]:
    for entry in _receivable():
        if entry["key"] == key:
            return entry
    abort(404)


@bp.get("/window/apply")
@login_required(*CLERKS)
def matters():  # noqa: ANN201
    return render_template("window/matters.html", matters=_receivable())


def _page(matter: dict[str, Any], errors=None, posted=None, status=200):  # noqa: ANN001, ANN202
    posted = posted or {}
    page = render_template(
        "window/apply.html",
        matter=matter,
        form=matter["start_form"],
        values=form_values(matter["start_form"], posted or None, None),
        applicant={"name": posted.get(NAME, ""), "id_number": posted.get(ID_NUMBER, "")},
        errors=errors or {},
        divisions=directory.divisions(engine()),
        chosen_division=posted.get("division", ""),
    )
    return page, status


@bp.get("/window/apply/<key>")
@login_required(*CLERKS)
def apply(key: str):  # noqa: ANN201
    return _page(_matter_or_404(key))


def _brought(matter: dict[str, Any]) -> tuple[dict[str, uploads.Incoming], dict[str, list]]:
    """The documents the applicant brought, read and checked before anything starts."""
    files, refused = {}, {}
    for material in matter["to_bring"]:
        part = request.files.get(f"file_{material['code']}")
        if part is None or not part.filename:
            continue
        try:
            files[material["code"]] = uploads.read_upload(engine(), part.filename, part.stream)
        except TooLarge:
            refused[f"file_{material['code']}"] = [_("The file is larger than the upload limit.")]
        except BadRequest:
            refused[f"file_{material['code']}"] = [_("Only PDF, JPEG or PNG files are accepted.")]
    return files, refused


#: The engine names the applicant's problems ``applicant.<field>``; the page's inputs.
_APPLICANT_FIELDS = {"applicant.name": NAME, "applicant.id_number": ID_NUMBER}


@bp.post("/window/apply/<key>")
@login_required(*CLERKS)
def submit(key: str):  # noqa: ANN201
    matter = _matter_or_404(key)
    data = from_form(matter["start_form"], request.form)
    files, refused = _brought(matter)
    if refused:
        return _page(matter, errors=refused, posted=request.form, status=422)
    applicant = {
        "name": (request.form.get(NAME) or "").strip(),
        "id_number": (request.form.get(ID_NUMBER) or "").strip(),
    }
    try:
        # One command: the case starts with every document stored, or not at all.
        case_id = window_service.start_with_documents(
            engine(),
            principal(),
            key,
            applicant,
            data,
            lang(),
            division=request.form.get("division") or None,
            documents=files,
        )
    except ValidationFailed as exc:
        fields = {
            _APPLICANT_FIELDS.get(name, name): messages
            for name, messages in (exc.details.get("fields") or {}).items()
        } or {"_form": [_("The form has errors.")]}
        return _page(matter, errors=fields, posted=request.form, status=422)
    except Forbidden:
        abort(403)
    flash(
        _(
            "Case %(id)s started for %(name)s at the window, with %(n)s documents.",
            id=case_id,
            name=applicant["name"],
            n=len(files),
        ),
        "success",
    )
    return redirect(url_for("cases.case", case_id=case_id))
