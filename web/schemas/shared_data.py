"""Shared data: the provider registry, the catalogue, materials, disputes, the access log."""

from __future__ import annotations

from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from engine.shared_data.http import is_http_url
from engine.shared_data.registry import ENV_NAME, PURPOSE

from .base import (
    MAX_ROW_ID,
    REASON_LENGTH,
    Answer,
    Paging,
    Request,
    WholeNumber,
    b,
    choice,
    i,
    json_object,
    label,
    many,
    nested,
    obj,
    s,
    strings,
    when,
)
from .cases import MaterialOfMatter, Upload

#: Keys that would put a secret into the database: refused by name, with the way to do it.
SECRET_KEYS = ("credential", "password", "secret", "token", "api_key")


class ProviderConfig(Schema):
    """Where a provider's records come from: the built-in table or an exchange platform.
    A secret is never stored: ``credential_env`` names the variable that holds it."""

    kind = choice(("http", "database"), load_default="http")
    url = fields.String(
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={
            "description": "http(s); its host must be in the operator's GOVFLOW_EXCHANGE_HOSTS "
            "(checked by the engine here and before every request: 422 otherwise)"
        },
    )
    timeout_seconds = fields.Float(
        load_default=3.0, validate=validate.Range(0, 60, min_inclusive=False)
    )
    retries = fields.Integer(strict=True, load_default=2, validate=validate.Range(0, 5))
    credential_env = fields.String(
        allow_none=True,
        load_default=None,
        metadata={
            "description": "the variable holding the secret: GOVFLOW_EXCHANGE_… only, never "
            "one of govflow's own settings (checked by the engine: 422 otherwise)"
        },
        validate=validate.Regexp(
            ENV_NAME, error="the NAME of an environment variable, e.g. GOVFLOW_EXCHANGE_TOKEN"
        ),
    )
    purposes = fields.List(
        fields.String(
            validate=validate.Regexp(
                PURPOSE, error="a '<matter>/<step>' pattern, e.g. 'property_transfer/*'"
            )
        ),
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=100),
    )
    enabled = fields.Boolean(load_default=True)

    class Meta:
        # Unknown keys are refused below (a misspelt key would silently keep the old
        # setting), a secret's key with the way to give it instead.
        unknown = EXCLUDE

    @validates_schema(pass_original=True)
    def _no_secrets_nor_strangers(self, data: dict[str, Any], original: Any, **_: Any) -> None:
        problems: dict[str, list[str]] = {}
        for key in original if isinstance(original, dict) else ():
            if key in SECRET_KEYS:
                problems[key] = [
                    "secrets are never stored: put it in an environment variable and give "
                    "its name as 'credential_env'"
                ]
            elif key not in self.fields:
                problems[key] = ["unknown field"]
        if data.get("kind") == "http" and not is_http_url(data.get("url")):
            problems["url"] = ["an http:// or https:// URL is required"]
        if problems:
            raise ValidationError(problems)

    @post_load
    def _no_url_without_http(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if data["kind"] != "http":
            data["url"] = None
        return data


class Endpoint(Answer):
    url = s()
    timeout_seconds = fields.Float(allow_none=True)
    retries = i()
    credential_env = s()
    credential_present = b()


class Provider(Answer):
    name = fields.String(required=True)
    title = label()
    department = s()
    fields_ = strings(data_key="fields")
    personal = b()
    sharing = s(metadata={"description": "unconditional, conditional or not_shared"})
    purposes = strings()
    transport = s(metadata={"description": "database or http"})
    endpoint = nested(Endpoint, metadata={"description": "administrators only"})
    enabled = b(metadata={"description": "false: the configuration is switched off"})


class CatalogueMaterial(MaterialOfMatter):
    note = fields.Raw(allow_none=True)
    satisfied_by = s()
    department = s()
    sharing = s()
    key = b(metadata={"description": "identity or the title transferred: never deferred"})
    deferrable = b(metadata={"description": "容缺: the window may accept without it"})
    pledge = obj(
        metadata={"description": "告知承诺: {text, department, verify_within_days}, or null"}
    )


class Matter(Answer):
    key = fields.String(required=True)
    name = label()
    description = label()
    kind = s()
    statutory_limit = fields.Raw(allow_none=True)
    promised_limit = fields.Raw(allow_none=True)
    departments = strings()
    before = fields.Raw(allow_none=True)
    deferral_days = i(metadata={"description": "容缺: working days to supply deferred materials"})
    materials = many(fields.Nested(CatalogueMaterial))
    materials_summary = obj()


class MaterialUpload(Schema):
    """multipart/form-data: the document (PDF, JPEG or PNG) as ``file``."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class UploadedMaterial(Answer):
    code = s()
    name = s()
    status = s()
    action = s()
    upload = nested(Upload)


class Refreshed(Answer):
    arrived = fields.Raw(metadata={"description": "the records that arrived"})
    fetching = fields.Raw(
        metadata={"description": "records being fetched from the exchange platform by jobs"}
    )


class Transcription(Request):
    data = json_object(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "the record's fields, as read from the uploaded document"},
    )


class Transcribed(Answer):
    provider = s()
    subject_field = s()
    outcome = s()


class RaiseDispute(Request):
    provider = fields.String(required=True, validate=validate.Length(min=1, max=100))
    subject_field = fields.String(required=True, validate=validate.Length(min=1, max=100))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=REASON_LENGTH))

    @validates_schema
    def _not_blank(self, data: dict[str, Any], **_: Any) -> None:
        blank = [name for name, value in data.items() if not value.strip()]
        if blank:
            raise ValidationError({name: ["必填 / required"] for name in blank})


class Dispute(Answer):
    id = fields.Integer(required=True)
    status = s()
    reason = s()
    raised_by = s()
    raised_at = when()
    department = s()
    case_id = i()
    provider = s()
    subject_field = s()
    record_key = s()
    task_id = s()
    resolution = s()
    resolved_by = s()
    resolved_at = when()


class AccessLogFilters(Paging):
    case_id = WholeNumber(1, MAX_ROW_ID)
    id_number = fields.String(validate=validate.Length(max=32))
    department = fields.String()
    kind = choice(("pull", "view"))
    provider = fields.String()


class Access(Answer):
    id = fields.Integer(required=True)
    at = when()
    kind = s()
    actor = s()
    actor_role = s()
    actor_department = s()
    case_id = i()
    provider = s()
    department = s()
    record_key = fields.Raw(allow_none=True)
    subject_id_number = s()
    fields_ = strings(data_key="fields")
    purpose = s()
    outcome = s()


# --- sharing requests (共享申请) -------------------------------------------------------------
#: A reason is text a person typed: no NUL (PostgreSQL cannot store it) or other control
#: characters but line breaks and tabs.
_TYPED_TEXT = validate.Regexp(
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$", error="control characters are not allowed"
)


class FileSharingRequest(Request):
    purpose = fields.String(
        required=True,
        validate=[
            validate.Length(max=200),
            validate.Regexp(PURPOSE, error="a '<matter>/<step>' or '<matter>/*' purpose"),
        ],
        metadata={"example": "housing_fund_loan/pull"},
    )
    reason = fields.String(
        required=True, validate=[validate.Length(min=1, max=REASON_LENGTH), _TYPED_TEXT]
    )

    @validates_schema
    def _reason_not_blank(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("reason", "x").strip():
            raise ValidationError({"reason": ["必填 / required"]})


class SharingDecision(Request):
    decision = choice(("approve", "refuse"), required=True)
    reason = fields.String(
        allow_none=True,
        validate=[validate.Length(max=REASON_LENGTH), _TYPED_TEXT],
        metadata={"description": "required to refuse"},
    )


class SharingRequestFilters(Paging):
    status = choice(("open", "approved", "refused"))
    provider = fields.String(validate=validate.Length(max=40))
    matter = fields.String(validate=validate.Length(max=200))


class SharingRequest(Answer):
    id = fields.Integer(required=True)
    provider = s()
    provider_title = label()
    purpose = s()
    matter = s()
    department = s()
    reason = s()
    requested_by = s()
    requested_at = when()
    status = s(metadata={"description": "open, approved or refused"})
    decided_by = s()
    decided_at = when()
    decision_reason = s()
