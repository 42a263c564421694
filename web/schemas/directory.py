"""Departments and users, administered, and changing one's own password (API.md).

The request schemas hold the shape (types, patterns, lengths, no unknown key); what needs
the database — a parent that exists, no cycle, a password strong enough, one account per
ID number — is checked by engine/directory, which names each problem in the caller's
language.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

from engine.directory.rules import (
    CODE_RE,
    DIVISION_RE,
    EMAIL_RE,
    KIND_RE,
    NAME_LIMIT,
    PHONE_RE,
    ROLES,
    USERNAME_RE,
)

from .base import (
    Answer,
    Paging,
    Strict,
    StrictBoolean,
    b,
    choice,
    matching,
    s,
    strings,
)

_CODE = "lowercase letters, digits and _ (2–40), starting with a letter"
_NAME = validate.Length(min=1, max=NAME_LIMIT)
_PASSWORD = validate.Length(max=1000)


def _code(**kwargs: object) -> fields.String:
    return matching(CODE_RE, _CODE, **kwargs)


# --- departments ---------------------------------------------------------------------------
class Names(Strict):
    zh = fields.String(required=True, validate=_NAME)
    en = fields.String(required=True, validate=_NAME)


class BothNames(fields.Nested):
    """``name``: ``{"zh", "en"}``, both filled in; a problem is reported on ``name``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(Names, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError:
            raise ValidationError(
                f'an object {{"zh", "en"}}, both filled in (at most {NAME_LIMIT} characters)'
            ) from None


class NewDepartment(Strict):
    code = _code(required=True, metadata={"description": "never renamed (used in BPMN)"})
    name = BothNames(required=True)
    kind = matching(KIND_RE, "lowercase letters, digits and _", allow_none=True)
    parent = _code(allow_none=True, metadata={"description": "code of the department above"})
    division = matching(
        DIVISION_RE,
        "行政区划代码: 6, 9 or 12 digits",
        allow_none=True,
        metadata={"description": "行政区划代码: 6, 9 or 12 digits"},
    )
    active = StrictBoolean()


class DepartmentChange(NewDepartment):
    """Only the keys sent change; ``code`` may be sent but not changed."""

    code = _code()
    name = BothNames()
    successor = _code(
        metadata={
            "description": "with active=false: the department that takes over the open "
            "tasks (required when there are any)"
        }
    )


class DepartmentFilters(Paging):
    active = choice(("true", "false"))
    parent = fields.String(validate=validate.Length(max=100))


class NameAnswer(Answer):
    zh = fields.String(required=True)
    en = fields.String(required=True)


class Department(Answer):
    code = fields.String(required=True)
    name = fields.Nested(NameAnswer, required=True)
    kind = s(required=True)
    parent = s(required=True)
    division = s(required=True)
    active = fields.Boolean(required=True)


# --- users -----------------------------------------------------------------------------------
class UserProfile(Strict):
    display_name = fields.String(validate=_NAME)
    roles = fields.List(
        fields.String(validate=validate.OneOf(ROLES)), validate=validate.Length(min=1, max=10)
    )
    department = _code(allow_none=True)
    active = StrictBoolean()
    id_number = fields.String(
        allow_none=True,
        validate=validate.Length(max=18),
        metadata={"description": "居民身份证号码: applicants (one account per number)"},
    )
    phone = matching(PHONE_RE, "a mobile number: 1 and ten digits", allow_none=True)
    email = matching(
        EMAIL_RE, "where e-mail notifications go (masked when listed)", allow_none=True
    )


class NewUser(UserProfile):
    username = matching(USERNAME_RE, "letters, digits and _.@- (2–80)", required=True)
    display_name = fields.String(required=True, validate=_NAME)
    roles = fields.List(
        fields.String(validate=validate.OneOf(ROLES)),
        required=True,
        validate=validate.Length(min=1, max=10),
    )
    password = fields.String(
        required=True,
        validate=_PASSWORD,
        metadata={"description": "checked for strength; never answered"},
    )
    must_change_password = StrictBoolean()


class UserChange(UserProfile):
    """Only the keys sent change; ``username`` may be sent but not changed; a
    ``password`` resets it (the user must change it at next sign-in)."""

    username = fields.String(validate=validate.Length(max=80))
    password = fields.String(allow_none=True, validate=_PASSWORD)


class UserFilters(Paging):
    department = fields.String(validate=validate.Length(max=100))
    role = fields.String(validate=validate.Length(max=100))
    active = choice(("true", "false"))


class DirectoryUser(Answer):
    username = fields.String(required=True)
    display_name = s(required=True)
    roles = strings(required=True)
    department = s(required=True)
    active = fields.Boolean(required=True)
    must_change_password = b()
    id_number = s(metadata={"description": "masked"})
    email = s(metadata={"description": "masked"})


class PasswordChange(Strict):
    current_password = fields.String(required=True, validate=_PASSWORD)
    new_password = fields.String(required=True, validate=_PASSWORD)
