"""容缺受理 (deferred materials) and 告知承诺制 (pledges), and the credit records."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import Answer, Paging, Request, StrictBoolean, b, i, label, many, obj, s, when

MAX_CODE = 100
MAX_MATERIALS = 50


class Defer(Request):
    """The window accepts with these materials to follow."""

    task_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=36),
        metadata={"description": "the open acceptance step (受理) of the case"},
    )
    materials = fields.List(
        fields.String(validate=validate.Length(min=1, max=MAX_CODE)),
        required=True,
        validate=validate.Length(min=1, max=MAX_MATERIALS),
        metadata={"description": "codes of deferrable materials that are not in"},
    )
    working_days = fields.Integer(
        allow_none=True,
        validate=validate.Range(1, 30),
        metadata={"description": "to supply them; default: the matter's deferral_days (5)"},
    )


class DeferredMaterial(Answer):
    id = i()
    case_id = i()
    material = s()
    name = label()
    status = s(
        metadata={"description": "outstanding, overdue, supplement_requested, supplied, closed"}
    )
    working_days = i()
    deferred_by = s()
    deferred_at = when()
    due_at = when()
    reminded_at = when()
    extended = b()
    supplied_at = when()
    task_id = s(metadata={"description": "the window's task once it fell overdue"})


class DeferredMaterials(Answer):
    """The deferrals just recorded."""

    items = many(fields.Nested(DeferredMaterial), required=True)


class SignPledge(Request):
    """The applicant signs the catalogue's pledge text for one material."""

    material = fields.String(required=True, validate=validate.Length(min=1, max=MAX_CODE))
    agreed = StrictBoolean(
        required=True, metadata={"description": "true: I have read and sign the pledge"}
    )


class Signer(Answer):
    username = s()
    name = s()
    id_number = s(metadata={"description": "masked"})


class Pledge(Answer):
    id = i()
    case_id = i()
    material = s()
    name = label()
    text = s(metadata={"description": "the pledge exactly as signed"})
    signer = fields.Nested(Signer)
    signed_at = when()
    signed_from = s(metadata={"description": "the address the pledge was signed from"})
    department = s(metadata={"description": "the department that checks it afterwards"})
    verify_within_days = i()
    status = s(metadata={"description": "signed, verified, false, decided"})
    verification_task_id = s()
    verdict = obj()
    revocation_task_id = s()
    decision = obj()


class CreditFilters(Paging):
    id_number = fields.String(validate=validate.Length(min=1, max=18))


class CreditRecord(Answer):
    id = i()
    id_number = s()
    name = s()
    kind = s(metadata={"description": "false_pledge"})
    case_id = i()
    pledge_id = i()
    details = obj()
    recorded_by = s()
    recorded_at = when()
