"""The parties of a case confirm it with their own sign-in (共同申请, docs/SECURITY.md)."""

from __future__ import annotations

from marshmallow import fields

from .base import Answer, nested, s, when
from .cases import Applicant


class Confirmation(Answer):
    """A case waiting for the caller's confirmation."""

    case_id = fields.Integer(required=True)
    process_key = s(required=True)
    role = s(required=True, metadata={"description": "the caller's role in the case"})
    status = s(required=True)
    applicant = nested(Applicant, metadata={"description": "masked"})
    created_at = when()
