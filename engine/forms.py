"""Form definitions (表单定义) and the validation of what is submitted through them.

A form definition is the JSON of API.md "Form definitions": ``camunda:formKey`` names it,
``GET /tasks/{id}`` shows it, and ``complete`` validates against it.  This module

* parses and checks definitions (:class:`FormDefinition`, :class:`FormDefinitionError`),
* validates submissions (:func:`validate_submission`) by compiling a definition into a
  marshmallow schema, one per definition and language, cached,
* holds definitions by key (:class:`FormRegistry`).

What a submission turns into becomes case variables that gateway conditions and DMN tables
read, so the cleaned data is plain JSON (str, int, float, bool, None): no ``Decimal``, no
``date``.  Fields a form does not declare are refused, so a clerk cannot inject arbitrary
case variables.

Pure Python: no Flask, no database.
"""

from __future__ import annotations

import copy
import functools
import json
import keyword
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, missing, validate
from marshmallow import fields as mm

from . import clock
from .errors import ValidationFailed

GENERIC_FORM_KEY = "generic"

#: Key under which :class:`FormValidationError` reports a problem with the whole form.
FORM_ERROR_KEY = "_form"

FIELD_TYPES = frozenset(
    {
        "string",
        "text",
        "integer",
        "number",
        "boolean",
        "date",
        "datetime",
        "enum",
        "id_number",
        "phone",
        "file",
    }
)

#: Options that only make sense for some types; giving one to another type is refused so a
#: designer learns at deploy time that ``max`` on a text field does nothing.
_TYPE_OPTIONS: dict[str, frozenset[str]] = {
    "string": frozenset({"min_length", "max_length", "pattern"}),
    "text": frozenset({"min_length", "max_length", "pattern"}),
    "integer": frozenset({"min", "max"}),
    "number": frozenset({"min", "max"}),
    "date": frozenset({"min", "max"}),
    "datetime": frozenset({"min", "max"}),
    "enum": frozenset({"options"}),
    "boolean": frozenset(),
    "id_number": frozenset(),
    "phone": frozenset(),
    "file": frozenset(),
}
_TYPED_OPTIONS = frozenset().union(*_TYPE_OPTIONS.values())
_FIELD_KEYS = (
    frozenset({"name", "type", "label", "required", "default", "prefill"}) | _TYPED_OPTIONS
)
_FORM_KEYS = frozenset({"key", "title", "fields"})

#: Lengths that apply when a definition gives no ``max_length``: nobody types more into a
#: window form, and a case variable should not grow without bound.
DEFAULT_MAX_LENGTH = {"string": 2000, "text": 20000}
FILE_REF_MAX_LENGTH = 200
MAX_PATTERN_LENGTH = 500
MAX_KEY_LENGTH = 200

_KEY_RE = re.compile(r"[a-z0-9_-]+(?:/[a-z0-9_-]+)*")
# Field names become case variables that gateway conditions read as Python names.
_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
# [0-9], not \d: \d also matches full-width and other Unicode digits.
_PHONE_RE = re.compile(r"1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}")


class FormDefinitionError(ValueError):
    """A form definition is invalid; the message names the form, field or file."""


class FormValidationError(ValidationFailed):
    """Submitted data fails its form: ``fields`` maps field name → human messages.

    A :class:`~engine.errors.ValidationFailed`, so the web layer answers 422
    ``validation_failed`` with ``details.fields``.
    """

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__(fields=fields)
        self.fields = fields


# --- messages -------------------------------------------------------------------------

_MESSAGES: dict[str, dict[str, str]] = {
    "zh": {
        "required": "此项为必填项",
        "unknown": "未知字段",
        "not_an_object": "表单数据必须是一个对象",
        "string": "必须是文本",
        "min_length": "长度不得少于{min}个字符",
        "max_length": "长度不得超过{max}个字符",
        "pattern": "格式不正确",
        "integer": "必须是整数",
        "number": "必须是数字",
        "min": "不得小于{min}",
        "max": "不得大于{max}",
        "boolean": "必须选择“是”或“否”",
        "date": "必须是有效日期(YYYY-MM-DD)",
        "datetime": "必须是有效的日期时间(ISO 8601)",
        "enum": "必须是以下之一:{choices}",
        "id_format": "身份证号码应为18位:17位数字加1位校验码",
        "id_birth_date": "身份证号码中的出生日期无效",
        "id_check": "身份证号码校验码不正确",
        "phone": "电话号码格式不正确(手机号,或区号-号码)",
        "file": "必须是已上传文件的编号",
    },
    "en": {
        "required": "This field is required.",
        "unknown": "Unknown field.",
        "not_an_object": "Form data must be an object.",
        "string": "Must be text.",
        "min_length": "Must be at least {min} characters long.",
        "max_length": "Must be at most {max} characters long.",
        "pattern": "Invalid format.",
        "integer": "Must be a whole number.",
        "number": "Must be a number.",
        "min": "Must be at least {min}.",
        "max": "Must be at most {max}.",
        "boolean": "Must be true or false.",
        "date": "Must be a valid date (YYYY-MM-DD).",
        "datetime": "Must be a valid date and time (ISO 8601).",
        "enum": "Must be one of: {choices}.",
        "id_format": "An ID number has 18 characters: 17 digits and a check character.",
        "id_birth_date": "The birth date in the ID number is not a valid date.",
        "id_check": "The check character of the ID number is wrong.",
        "phone": "Not a valid phone number (mobile, or area code-number).",
        "file": "Must be the id of an uploaded file.",
    },
}


def _language(lang: str | None) -> str:
    """``zh``, ``zh-CN``, ... → ``zh``; ``en``, ``en-US``, ... → ``en``; else ``zh``."""
    return "en" if (lang or "").lower().startswith("en") else "zh"


# --- resident identity card number (居民身份证号码, GB 11643) ------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_SHAPE_RE = re.compile(r"[0-9]{17}[0-9X]")
_OLDEST_BIRTH_YEAR = 1850


def id_number_check_char(first17: str) -> str:
    """The check character (校验码) for the first 17 digits of an ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def _id_number_problem(value: str) -> str | None:
    """What is wrong with an ID number (a message code), or None; lowercase x is allowed."""
    value = value.upper()
    if not _ID_SHAPE_RE.fullmatch(value):
        return "id_format"
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "id_birth_date"
    if born.year < _OLDEST_BIRTH_YEAR or born > clock.local(clock.now()).date():
        return "id_birth_date"
    if id_number_check_char(value[:17]) != value[17]:
        return "id_check"
    return None


def is_valid_id_number(s: str) -> bool:
    """True for an 18-character PRC resident ID number with a real birth date and the
    right check character; a lowercase ``x`` check character counts as ``X``."""
    return isinstance(s, str) and _id_number_problem(s) is None


# --- definitions ----------------------------------------------------------------------


@dataclass(frozen=True)
class FormField:
    """One field of a form.  Build it with :meth:`from_dict`; the constructor checks it.

    ``min``/``max`` are numbers, or ISO strings for ``date``/``datetime`` fields.
    ``extra`` keeps keys this version does not know, so they survive :meth:`to_dict`.
    """

    name: str
    type: str
    label: dict[str, str]
    required: bool = False
    min: Any = None
    max: Any = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    options: tuple[dict[str, Any], ...] = ()
    default: Any = missing
    prefill: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            _check_field(self)
        except FormDefinitionError as exc:
            raise FormDefinitionError(f"field '{self.name}': {exc}") from None

    @property
    def has_default(self) -> bool:
        return self.default is not missing

    @classmethod
    def from_dict(cls, raw: Any, *, position: int = 0) -> FormField:
        """Parse one entry of a definition's ``fields`` (``position`` names it in errors)."""
        if not isinstance(raw, Mapping):
            raise FormDefinitionError(f"field #{position + 1} is not an object")
        name = raw.get("name")
        if not isinstance(name, str) or not name:
            raise FormDefinitionError(f"field #{position + 1} has no name")
        given = {key: copy.deepcopy(raw[key]) for key in _FIELD_KEYS if key in raw}
        given.setdefault("type", None)  # refused by the constructor, which names the field
        try:
            given["label"] = _localized(raw.get("label"), fallback=name)
            given["options"] = _parse_options(raw.get("options", ()))
        except FormDefinitionError as exc:
            raise FormDefinitionError(f"field '{name}': {exc}") from None
        extra = {key: copy.deepcopy(value) for key, value in raw.items() if key not in _FIELD_KEYS}
        return cls(**given, extra=extra)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.required:
            out["required"] = True
        for key in ("min", "max", "min_length", "max_length", "pattern"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.options:
            out["options"] = copy.deepcopy(list(self.options))
        if self.has_default:
            out["default"] = copy.deepcopy(self.default)
        if self.prefill is not None:
            out["prefill"] = self.prefill
        out["label"] = dict(self.label)
        out.update(copy.deepcopy(self.extra))
        return out


@dataclass(frozen=True, eq=False)
class FormDefinition:
    """A form: ``key`` (``segment(/segment)*``), ``title`` by language, its ``fields``.

    Two definitions are equal when their JSON is; that also makes them hashable, which
    the schema cache relies on.
    """

    key: str
    title: dict[str, str]
    fields: tuple[FormField, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_key(self.key)
        try:
            _check_localized(self.title, "title")
            _check_unique_names(self.fields)
        except FormDefinitionError as exc:
            raise FormDefinitionError(f"form '{self.key}': {exc}") from None

    @classmethod
    def from_dict(cls, raw: Any) -> FormDefinition:
        """Parse and check a definition (raises :class:`FormDefinitionError`)."""
        if not isinstance(raw, Mapping):
            raise FormDefinitionError("a form definition must be a JSON object")
        key = raw.get("key")
        _check_key(key)
        raw_fields = raw.get("fields")
        if not isinstance(raw_fields, list):
            raise FormDefinitionError(f"form '{key}': 'fields' must be a list")
        try:
            fields = tuple(
                FormField.from_dict(item, position=i) for i, item in enumerate(raw_fields)
            )
            title = _localized(raw.get("title"), fallback=key, what="title")
        except FormDefinitionError as exc:
            raise FormDefinitionError(f"form '{key}': {exc}") from None
        extra = {k: copy.deepcopy(v) for k, v in raw.items() if k not in _FORM_KEYS}
        return cls(key=key, title=title, fields=fields, extra=extra)

    @classmethod
    def from_json(cls, text: str | bytes) -> FormDefinition:
        """Parse a definition file's content (an uploaded form file, say)."""
        try:
            raw = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FormDefinitionError(f"not JSON: {exc}") from None
        return cls.from_dict(raw)

    def to_dict(self) -> dict[str, Any]:
        """The definition as API.md shows it (a fresh copy: callers may change it)."""
        return {
            "key": self.key,
            "title": dict(self.title),
            "fields": [f.to_dict() for f in self.fields],
            **copy.deepcopy(self.extra),
        }

    def field_named(self, name: str) -> FormField | None:
        return next((f for f in self.fields if f.name == name), None)

    @functools.cached_property
    def fingerprint(self) -> str:
        """Canonical JSON of the definition: what equality and hashing compare."""
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FormDefinition):
            return NotImplemented
        return self.fingerprint == other.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)


def _check_key(key: Any) -> None:
    if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or not _KEY_RE.fullmatch(key):
        raise FormDefinitionError(
            f"form key {key!r} is not valid: use segment(/segment)* of [a-z0-9_-]"
        )


def _localized(value: Any, *, fallback: str, what: str = "label") -> dict[str, str]:
    """A label or title: ``{"zh": ..., "en": ...}``; a plain string serves every language,
    and a missing one falls back to the name so that clients always have something."""
    if value is None:
        return {"zh": fallback, "en": fallback}
    if isinstance(value, str):
        value = {"zh": value, "en": value}
    _check_localized(value, what)
    return dict(value)


def _check_localized(value: Any, what: str) -> None:
    if not isinstance(value, Mapping) or not value:
        raise FormDefinitionError(f"{what} must be an object of texts by language")
    for lang, text in value.items():
        if not isinstance(lang, str) or not isinstance(text, str) or not text.strip():
            raise FormDefinitionError(f"{what} must give a non-empty text for each language")


def _check_unique_names(fields: tuple[FormField, ...]) -> None:
    seen: set[str] = set()
    for spec in fields:
        if not isinstance(spec, FormField):
            raise FormDefinitionError("fields must be FormField objects")
        if spec.name in seen:
            raise FormDefinitionError(f"field '{spec.name}' is defined twice")
        seen.add(spec.name)


def _parse_options(raw: Any) -> tuple[dict[str, Any], ...]:
    if not isinstance(raw, list | tuple):
        raise FormDefinitionError("options must be a list")
    options = []
    for option in raw:
        if not isinstance(option, Mapping):
            raise FormDefinitionError("each option must be an object with value and label")
        value = option.get("value")
        parsed = {
            **copy.deepcopy(dict(option)),
            "label": _localized(option.get("label"), fallback=str(value)),
        }
        options.append(parsed)
    return tuple(options)


def _check_field(spec: FormField) -> None:
    """Everything that makes a field definition unusable, found at deploy time."""
    if not isinstance(spec.name, str) or not _NAME_RE.fullmatch(spec.name):
        raise FormDefinitionError(
            "a field name starts with a letter and has only letters, digits and _ "
            "(at most 64): it becomes a case variable"
        )
    if keyword.iskeyword(spec.name):
        raise FormDefinitionError("a Python keyword cannot name a case variable")
    if spec.type not in FIELD_TYPES:
        raise FormDefinitionError(
            f"unknown type {spec.type!r}; known: {', '.join(sorted(FIELD_TYPES))}"
        )
    _check_localized(spec.label, "label")
    if not isinstance(spec.required, bool):
        raise FormDefinitionError("required must be true or false")
    if spec.prefill is not None and (not isinstance(spec.prefill, str) or not spec.prefill):
        raise FormDefinitionError(
            "prefill must be a path into the shared data, like 'deed_tax.amount'"
        )
    _check_options_apply(spec)
    _check_bounds(spec)
    _check_lengths(spec)
    _check_pattern(spec.pattern)
    _check_enum_options(spec)
    _check_default(spec)


def _check_options_apply(spec: FormField) -> None:
    given = {key for key in _TYPED_OPTIONS if getattr(spec, key) not in (None, ())}
    if spec.type == "enum" and not spec.options:
        raise FormDefinitionError("an enum field needs a non-empty list of options")
    misplaced = sorted(given - _TYPE_OPTIONS[spec.type])
    if misplaced:
        raise FormDefinitionError(f"{', '.join(misplaced)} does not apply to type '{spec.type}'")


def _check_bounds(spec: FormField) -> None:
    low, high = (_parse_bound(spec.type, spec.min, "min"), _parse_bound(spec.type, spec.max, "max"))
    if low is not None and high is not None and low > high:
        raise FormDefinitionError(f"min {spec.min!r} is greater than max {spec.max!r}")


def _parse_bound(field_type: str, value: Any, which: str) -> Any:
    """A ``min``/``max`` as the comparable value the field deserializes to."""
    if value is None:
        return None
    if field_type == "integer" and _is_integer(value):
        return value
    if field_type == "number" and _is_finite_number(value):
        return value
    if field_type in ("date", "datetime") and isinstance(value, str):
        try:
            return _FIELD_CLASSES[field_type]().deserialize(value)
        except ValidationError:
            pass
    raise FormDefinitionError(f"{which} {value!r} is not a valid {field_type}")


def _check_lengths(spec: FormField) -> None:
    for which in ("min_length", "max_length"):
        value = getattr(spec, which)
        if value is not None and (not _is_integer(value) or value < 0):
            raise FormDefinitionError(f"{which} must be a whole number ≥ 0")
    if spec.max_length == 0:
        raise FormDefinitionError("max_length 0 would refuse every value")
    if spec.min_length is not None and spec.max_length is not None:
        if spec.min_length > spec.max_length:
            raise FormDefinitionError("min_length is greater than max_length")


def _check_pattern(pattern: Any) -> None:
    if pattern is None:
        return
    if not isinstance(pattern, str) or not pattern:
        raise FormDefinitionError("pattern must be a non-empty regular expression")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise FormDefinitionError(f"pattern is longer than {MAX_PATTERN_LENGTH} characters")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise FormDefinitionError(f"pattern does not compile: {exc}") from None
    if _has_nested_unbounded_repeat(pattern):
        raise FormDefinitionError(
            "pattern repeats something that itself repeats without bound, like (a+)+; "
            "such patterns can take exponential time on a long value. Bound the inner "
            "repeat, or make the outer one possessive (*+, ++) or atomic ((?>...))"
        )


def _has_nested_unbounded_repeat(pattern: str) -> bool:
    """The textbook catastrophic-backtracking shape: an unbounded repeat inside another.

    A heuristic, not a proof: it misses overlapping alternatives like ``(a|a)*`` and also
    refuses some harmless patterns such as ``(-[0-9]+)*``.  Uses the ``re`` module's own
    parser (private, so skipped if a future Python moves it).
    """
    try:
        from re import _constants as sre
        from re import _parser as sre_parse
    except ImportError:  # pragma: no cover - depends on the Python version
        return False
    repeats = (sre.MAX_REPEAT, sre.MIN_REPEAT)

    def children(av: Any) -> Iterator[Any]:
        if isinstance(av, sre_parse.SubPattern):
            yield av
        elif isinstance(av, list | tuple):
            for item in av:
                yield from children(item)

    def walk(items: Any, inside_unbounded: bool) -> bool:
        for op, av in items:
            # Nothing backtracks into a possessive repeat or an atomic group, so they
            # start afresh; what is inside them can still backtrack on its own.
            if op == sre.POSSESSIVE_REPEAT:
                if walk(av[2], False):
                    return True
            elif op == sre.ATOMIC_GROUP:
                if walk(av, False):
                    return True
            elif op in repeats:
                _low, high, body = av
                unbounded = high == sre.MAXREPEAT
                if unbounded and inside_unbounded:
                    return True
                if walk(body, inside_unbounded or unbounded):
                    return True
            elif any(walk(child, inside_unbounded) for child in children(av)):
                return True
        return False

    return walk(sre_parse.parse(pattern), False)


def _check_enum_options(spec: FormField) -> None:
    values = [option.get("value") for option in spec.options]
    if any(not isinstance(value, str) or not value for value in values):
        raise FormDefinitionError("each option value must be a non-empty string")
    if len(set(values)) != len(values):
        raise FormDefinitionError("option values must be unique")


def _check_default(spec: FormField) -> None:
    """A default must itself pass the field, since it is used without validation."""
    if not spec.has_default:
        return
    try:
        _default_value(spec)
    except ValidationError as exc:
        raise FormDefinitionError(
            f"default {spec.default!r} is not valid: {exc.messages}"
        ) from None


def _is_integer(value: Any) -> bool:
    # bool is an int subclass, but True is not a count of anything.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_finite_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    return isinstance(value, int) or math.isfinite(value)


# --- marshmallow fields ----------------------------------------------------------------


class _BlankIsNull(mm.Field):
    """An empty or blank string counts as no value: HTML inputs send "" when left empty."""

    def deserialize(
        self, value: Any, attr: str | None = None, data: Any = None, **kwargs: Any
    ) -> Any:
        if isinstance(value, str) and not value.strip():
            value = None
        return super().deserialize(value, attr, data, **kwargs)


class _Text(_BlankIsNull):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        return value.strip()


class _IdNumber(_Text):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        value = super()._deserialize(value, attr, data, **kwargs).upper()
        problem = _id_number_problem(value)
        if problem:
            raise self.make_error(problem)
        return value


class _Phone(_Text):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        # People type mobile numbers in groups: 138 0013 8000.
        value = super()._deserialize(value, attr, data, **kwargs).replace(" ", "")
        if not _PHONE_RE.fullmatch(value):
            raise self.make_error("invalid")
        return value


class _FileRef(_Text):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        value = super()._deserialize(value, attr, data, **kwargs)
        if len(value) > FILE_REF_MAX_LENGTH:
            raise self.make_error("invalid")
        return value


class _Enum(_Text):
    def __init__(self, *, choices: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choices = choices

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str) or value.strip() not in self.choices:
            raise self.make_error("invalid", choices=", ".join(self.choices))
        return value.strip()


class _Boolean(_BlankIsNull):
    """Only JSON true/false: "yes", 1 or "on" are refused rather than guessed at."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class _Integer(_BlankIsNull):
    """A JSON number without a fraction (2.0 is taken as 2); strings and booleans refused."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        if _is_integer(value):
            return value
        if _is_finite_number(value) and value == int(value):
            return int(value)
        raise self.make_error("invalid")


class _Number(_BlankIsNull):
    """A finite JSON number, kept as int or float (never Decimal: it must serialize)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int | float:
        if not _is_finite_number(value):
            raise self.make_error("invalid")
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        return value


class _Date(_BlankIsNull, mm.Date):
    pass


class _DateTime(_BlankIsNull, mm.DateTime):
    """ISO 8601; a time without offset is Beijing time, where the offices are."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=clock.LOCAL_TZ)
        return moment


_FIELD_CLASSES: dict[str, type[mm.Field]] = {
    "string": _Text,
    "text": _Text,
    "integer": _Integer,
    "number": _Number,
    "boolean": _Boolean,
    "date": _Date,
    "datetime": _DateTime,
    "enum": _Enum,
    "id_number": _IdNumber,
    "phone": _Phone,
    "file": _FileRef,
}

#: The message each type shows for a value of the wrong kind.
_INVALID_MESSAGE = {
    "string": "string",
    "text": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "enum": "enum",
    "id_number": "id_format",
    "phone": "phone",
    "file": "file",
}


class _FullMatch(validate.Validator):
    """The definition's ``pattern`` must match the whole value, not just its start."""

    def __init__(self, pattern: str, error: str) -> None:
        self.regex = re.compile(pattern)
        self.error = error

    def __call__(self, value: str) -> str:
        if not self.regex.fullmatch(value):
            raise ValidationError(self.error)
        return value


def _validators(spec: FormField, text: Mapping[str, str]) -> list[validate.Validator]:
    checks: list[validate.Validator] = []
    if spec.type in DEFAULT_MAX_LENGTH:
        if spec.min_length:
            checks.append(validate.Length(min=spec.min_length, error=text["min_length"]))
        max_length = (
            spec.max_length if spec.max_length is not None else DEFAULT_MAX_LENGTH[spec.type]
        )
        checks.append(validate.Length(max=max_length, error=text["max_length"]))
        if spec.pattern is not None:
            checks.append(_FullMatch(spec.pattern, text["pattern"]))
    low = _parse_bound(spec.type, spec.min, "min")
    high = _parse_bound(spec.type, spec.max, "max")
    # Two validators, not one Range: each message then speaks of the bound it checks.
    if low is not None:
        checks.append(validate.Range(min=low, error=text["min"]))
    if high is not None:
        checks.append(validate.Range(max=high, error=text["max"]))
    return checks


def _error_messages(spec: FormField, text: Mapping[str, str]) -> dict[str, str]:
    invalid = text[_INVALID_MESSAGE[spec.type]]
    messages = {"required": text["required"], "null": text["required"], "invalid": invalid}
    if spec.type in ("date", "datetime"):
        messages["format"] = invalid
    if spec.type == "id_number":
        messages.update({code: text[code] for code in ("id_format", "id_birth_date", "id_check")})
    return messages


def _build_field(
    spec: FormField, text: Mapping[str, str], *, with_default: bool = True
) -> mm.Field:
    kwargs: dict[str, Any] = {
        # The schema's attribute names are f0, f1, ...: a field named "load" or "fields"
        # must not shadow Schema's own attributes.  data_key/attribute carry the real name.
        "data_key": spec.name,
        "attribute": spec.name,
        "validate": _validators(spec, text),
        "error_messages": _error_messages(spec, text),
        "allow_none": not spec.required,
    }
    if spec.type == "enum":
        kwargs["choices"] = tuple(option["value"] for option in spec.options)
    if with_default and spec.has_default:
        kwargs["load_default"] = _default_value(spec)
    else:
        kwargs["required"] = spec.required
    return _FIELD_CLASSES[spec.type](**kwargs)


def _default_value(spec: FormField) -> Any:
    """The default as a submitted value would come out (raises ValidationError if invalid)."""
    checker = _build_field(spec, _MESSAGES["en"], with_default=False)
    return _jsonable(checker.deserialize(spec.default))


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return clock.isoformat(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


@functools.lru_cache(maxsize=512)
def _compiled_schema(form: FormDefinition, lang: str) -> Schema:
    """The marshmallow schema of ``form`` with messages in ``lang``.

    Cached by the definition's content, so a registry rebuilt from the same JSON reuses it.
    """
    text = _MESSAGES[lang]
    declared = {f"f{i}": _build_field(spec, text) for i, spec in enumerate(form.fields)}
    base = type(
        "FormSchema",
        (Schema,),
        {"error_messages": {"unknown": text["unknown"], "type": text["not_an_object"]}},
    )
    return base.from_dict(declared, name=f"FormSchema[{form.key}]")(unknown=RAISE)


def validate_submission(form: FormDefinition, data: Any, lang: str = "zh") -> dict[str, Any]:
    """Check ``data`` against ``form`` and answer the cleaned values.

    Cleaned: strings stripped, ID numbers with an uppercase X, dates ``YYYY-MM-DD``,
    datetimes ISO 8601 with offset, numbers int or float.  Defaults fill missing fields.
    Raises :class:`FormValidationError` with messages in ``lang`` (``zh`` or ``en``).
    """
    text = _MESSAGES[_language(lang)]
    if not isinstance(data, Mapping):
        raise FormValidationError({FORM_ERROR_KEY: [text["not_an_object"]]})
    try:
        loaded = _compiled_schema(form, _language(lang)).load(data)
    except ValidationError as exc:
        raise FormValidationError(_field_messages(exc.messages)) from None
    return {name: _jsonable(value) for name, value in loaded.items()}


def _field_messages(messages: Any) -> dict[str, list[str]]:
    if not isinstance(messages, Mapping):
        return {FORM_ERROR_KEY: [str(messages)]}
    out: dict[str, list[str]] = {}
    for name, problems in messages.items():
        key = FORM_ERROR_KEY if name == "_schema" else str(name)
        out[key] = [str(p) for p in problems] if isinstance(problems, list) else [str(problems)]
    return out


# --- the generic form and the registry --------------------------------------------------


@functools.cache
def generic_form() -> FormDefinition:
    """The form of a user task without ``camunda:formKey``: one optional opinion."""
    return FormDefinition.from_dict(
        {
            "key": GENERIC_FORM_KEY,
            "title": {"zh": "办理意见", "en": "Opinion"},
            "fields": [
                {
                    "name": "opinion",
                    "type": "text",
                    "max_length": 2000,
                    "label": {"zh": "办理意见", "en": "Opinion"},
                }
            ],
        }
    )


class FormRegistry:
    """Form definitions by key.  Immutable: :meth:`with_extra` answers a new registry.

    The generic form is always there under ``"generic"`` unless a definition of that key
    replaces it.

    Uploaded forms may reuse a shipped key.  The upload then wins *for that deployment
    only*: the registry that :meth:`with_extra` answers is the one checked and stored with
    that process version, while the shipped registry, and every other process, keep the
    shipped definition.  :meth:`overrides` lists such keys so a deploy can warn about them.
    """

    def __init__(self, forms: Iterable[FormDefinition] = ()) -> None:
        self._forms: dict[str, FormDefinition] = {
            GENERIC_FORM_KEY: generic_form(),
            **_unique_by_key(forms),
        }

    @classmethod
    def load_directory(cls, path: str | Path) -> FormRegistry:
        """Every ``*.json`` under ``path`` (recursively), each file one definition."""
        root = Path(path)
        if not root.is_dir():
            raise FormDefinitionError(f"{root}: not a directory")
        forms: list[FormDefinition] = []
        origin: dict[str, str] = {}
        for file in sorted(root.rglob("*.json")):
            name = file.relative_to(root).as_posix()
            form = _load_file(file, name)
            if form.key in origin:
                raise FormDefinitionError(
                    f"{name}: form '{form.key}' is already defined in {origin[form.key]}"
                )
            origin[form.key] = name
            forms.append(form)
        return cls(forms)

    def with_extra(self, forms: Iterable[FormDefinition]) -> FormRegistry:
        """This registry plus ``forms`` (uploaded with a process), which win over it."""
        registry = FormRegistry()
        registry._forms = {**self._forms, **_unique_by_key(forms)}
        return registry

    def overrides(self, forms: Iterable[FormDefinition]) -> list[str]:
        """Keys of ``forms`` this registry holds with a different definition."""
        return sorted(f.key for f in forms if f.key in self._forms and self._forms[f.key] != f)

    def get(self, key: str, default: FormDefinition | None = None) -> FormDefinition | None:
        return self._forms.get(key, default)

    def resolve(self, form_key: str | None) -> FormDefinition:
        """The form of a user task: its ``camunda:formKey``, or the generic form without one.

        Raises ``KeyError`` for a key this registry does not hold.
        """
        return self._forms[form_key or GENERIC_FORM_KEY]

    def __getitem__(self, key: str) -> FormDefinition:
        return self._forms[key]

    def __contains__(self, key: object) -> bool:
        return key in self._forms

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._forms))

    def __len__(self) -> int:
        return len(self._forms)

    def __repr__(self) -> str:
        return f"FormRegistry({sorted(self._forms)})"


def _unique_by_key(forms: Iterable[FormDefinition]) -> dict[str, FormDefinition]:
    by_key: dict[str, FormDefinition] = {}
    for form in forms:
        if form.key in by_key and by_key[form.key] != form:
            raise FormDefinitionError(f"two different definitions of form '{form.key}'")
        by_key[form.key] = form
    return by_key


def _load_file(file: Path, name: str) -> FormDefinition:
    try:
        return FormDefinition.from_json(file.read_bytes())
    except FormDefinitionError as exc:
        raise FormDefinitionError(f"{name}: {exc}") from None
