"""Cases: starting one, the case, its deadline, materials and audit trail."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import (
    MAX_ROW_ID,
    NAME_LENGTH,
    NOTE_LENGTH,
    Answer,
    Paging,
    Request,
    b,
    choice,
    i,
    json_object,
    label,
    many,
    nested,
    obj,
    s,
    text,
    when,
)
from .deadlines import DEADLINE_STATES, Deadline
from .tasks import Task

CASE_STATUSES = ("running", "waiting_applicant", "completed", "terminated", "error")


# --- requests ------------------------------------------------------------------------------
class ApplicantIn(Request):
    id_number = text(32, metadata={"description": "18-character PRC resident ID"})
    name = text(NAME_LENGTH)


class StartCase(Request):
    process_key = text(200, required=True)
    applicant = fields.Nested(
        ApplicantIn,
        allow_none=True,
        metadata={
            "description": "An applicant applies for themself (omit it, or name only "
            "themself: else 403); a window clerk names the applicant at the counter; every "
            "other role is refused (403)"
        },
    )
    data = json_object(allow_none=True, metadata={"description": "the application form"})
    version = fields.Integer(
        strict=True,
        validate=validate.Range(1, MAX_ROW_ID),
        allow_none=True,
        metadata={
            "description": "Omit for the current version; a pending version only for its "
            "uploader (a trial before approval)"
        },
    )
    division = fields.String(
        allow_none=True,
        validate=validate.Regexp(r"^(\d{6}|\d{9}|\d{12})$"),
        metadata={
            "description": "行政区划代码 where the case is handled; omit it to take the one "
            "shared data names (the flat's, the premises'). Must be served by a department."
        },
    )


class CaseFilters(Paging):
    status = choice(CASE_STATUSES)
    process_key = fields.String()
    deadline_state = choice(DEADLINE_STATES)


class SupplementAnswer(Request):
    data = json_object(allow_none=True, metadata={"description": "corrected application fields"})
    note = text(NOTE_LENGTH)


class EndSpecialProcedure(Request):
    result = text(NOTE_LENGTH)


# --- answers -------------------------------------------------------------------------------
class Applicant(Answer):
    id_number = s(metadata={"description": "masked as the caller's role requires"})
    name = s()


class Upload(Answer):
    id = i()
    code = s()
    filename = s()
    content_type = s()
    size = i()
    sha256 = s()
    uploaded_by = s()
    uploaded_at = when()
    url = s()


class SupplementItemAnswer(Answer):
    """One item of a 补正 request and the files that answer it."""

    number = fields.Integer(required=True, metadata={"description": "from 1, as listed"})
    material = s(metadata={"description": "the material's code; null for another item"})
    name = s()
    reason = s()
    code = s(metadata={"description": "the code its files are kept under"})
    answered = b()
    files = many(fields.Nested(Upload))


class SupplementRound(Answer):
    """A 补正 request (一次性告知) with the applicant's answer."""

    id = fields.Integer(required=True)
    task_id = s()
    department = s()
    requested_at = when()
    requested_by = s()
    note = s(metadata={"description": "the clerk's note to the applicant"})
    open = b()
    answered_at = when()
    answered_by = s()
    reply = s(metadata={"description": "the applicant's note with the answer"})
    corrected = obj()
    items = many(fields.Nested(SupplementItemAnswer))
    unanswered = i()


class MaterialOfMatter(Answer):
    """What a matter asks for, wherever it is listed (the catalogue, a case)."""

    code = fields.String(required=True)
    name = label()
    required = b()
    stage = s()
    provider = s(metadata={"description": "the provider that shares it; null: upload"})


class Material(MaterialOfMatter):
    """A material of a case, and how it stands."""

    status = s(metadata={"description": "shared, uploaded or missing"})
    source = obj(metadata={"description": "where a shared record came from"})
    reason = s()
    action = s(metadata={"description": "none, wait or upload"})
    upload = nested(Upload)
    dispute = obj()
    deferral = obj(
        metadata={"description": "容缺: {status, due_at, extended} when the window deferred it"}
    )
    pledge = obj(metadata={"description": "告知承诺: {id, status, signed_at} when pledged"})


class MaterialsSummary(Answer):
    required = i()
    shared = i()
    uploaded = i()
    missing = i()


class Pause(Answer):
    id = i()
    kind = s()
    reason = s()
    details = fields.Raw(allow_none=True)
    task_id = s()
    started_at = when()
    started_by = s()
    ended_at = when()
    ended_by = s()
    result = fields.Raw(allow_none=True, metadata={"description": "how it ended"})


class Party(Answer):
    """A party the case names besides the applicant (共同申请); masked unless the caller
    is that party, a clerk handling the case, or the party has confirmed."""

    role = s(required=True)
    name = s()
    id_number = s()
    confirmed_at = when(metadata={"description": "null until the party confirms"})


class Case(Answer):
    id = fields.Integer(required=True)
    process_key = fields.String(required=True)
    process_name = s()
    version = i()
    status = fields.String(required=True, metadata={"enum": list(CASE_STATUSES)})
    outcome = s()
    applicant = nested(Applicant)
    data = obj()
    tasks = many(fields.Nested(Task))
    deadline = nested(Deadline)
    deadlines = fields.Dict(keys=fields.String(), values=fields.Nested(Deadline), allow_none=True)
    pauses = many(fields.Nested(Pause))
    supplement = nested(Pause)
    materials = many(fields.Nested(Material))
    materials_summary = nested(MaterialsSummary)
    attachments = many(fields.Nested(Upload))
    supplements = many(
        fields.Nested(SupplementRound),
        metadata={"description": "every 补正 request, each item with the files answering it"},
    )
    fetching = many(
        fields.String(),
        metadata={"description": "records (provider:field) being fetched from the exchange"},
    )
    created_at = when()
    updated_at = when()
    completed_at = when()
    suspended = b()
    closure = obj()
    rating = obj()
    returns = many(fields.Dict())
    started_at_window = b(metadata={"description": "started by a clerk at the counter"})
    division = s(metadata={"description": "行政区划代码 where the case is handled"})
    parties = many(
        fields.Nested(Party),
        metadata={"description": "who else applies with the applicant, and whether they confirmed"},
    )


class Event(Answer):
    id = fields.Integer(required=True)
    case_id = i()
    task_id = s()
    actor = s()
    action = fields.String(required=True)
    at = when()
    details = fields.Raw(allow_none=True)


class SpecialProcedureStarted(Answer):
    id = fields.Integer(required=True, metadata={"description": "the pause's id"})
    case = fields.Nested(Case, required=True)
