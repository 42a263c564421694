"""Form definitions: parsing and checking them, validating submissions, the registry."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import ValidationFailed
from engine.forms import (
    FORM_ERROR_KEY,
    GENERIC_FORM_KEY,
    FormDefinition,
    FormDefinitionError,
    FormRegistry,
    FormValidationError,
    generic_form,
    id_number_check_char,
    is_valid_id_number,
    validate_submission,
)
from forms import FORMS_DIR, shipped_forms

# --- helpers -----------------------------------------------------------------------------

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def with_check_char(first17: str) -> str:
    """GB 11643 written out again here, so the tests do not trust the code under test."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def wrong_check_char(valid: str) -> str:
    other = "0" if valid[-1] != "0" else "1"
    return valid[:17] + other


KNOWN_VALID_ID = "11010519491231002X"  # the example every ID-number library uses
ID_1990 = with_check_char("44030619900307123")
ID_1985 = with_check_char("32010219851111456")
ID_LEAP_DAY = with_check_char("31011520000229789")


def form_of(*fields: dict[str, Any], key: str = "test/form") -> FormDefinition:
    return FormDefinition.from_dict(
        {"key": key, "title": {"zh": "测试", "en": "Test"}, "fields": list(fields)}
    )


def one_field(type_: str, **options: Any) -> FormDefinition:
    return form_of({"name": "value", "type": type_, **options})


def errors_of(form: FormDefinition, data: Any, lang: str = "zh") -> dict[str, list[str]]:
    with pytest.raises(FormValidationError) as caught:
        validate_submission(form, data, lang)
    return caught.value.fields


def cleaned(form: FormDefinition, value: Any) -> Any:
    return validate_submission(form, {"value": value})["value"]


def refused(form: FormDefinition, value: Any, lang: str = "zh") -> list[str]:
    return errors_of(form, {"value": value}, lang)["value"]


# --- ID numbers -------------------------------------------------------------------------


def test_test_helper_agrees_with_the_well_known_example():
    assert with_check_char(KNOWN_VALID_ID[:17]) == KNOWN_VALID_ID


@pytest.mark.parametrize("number", [KNOWN_VALID_ID, ID_1990, ID_1985, ID_LEAP_DAY])
def test_valid_id_numbers_are_accepted(number):
    assert is_valid_id_number(number)
    assert id_number_check_char(number[:17]) == number[17]


def test_lowercase_x_check_char_is_accepted():
    assert is_valid_id_number(KNOWN_VALID_ID.lower())


@pytest.mark.parametrize(
    "number",
    [
        wrong_check_char(KNOWN_VALID_ID),
        wrong_check_char(ID_1990),
        with_check_char("11010519490230002"),  # 30 February, with a correct check char
        with_check_char("11010519491301002"),  # month 13
        with_check_char("11010517001231002"),  # born in 1700
        KNOWN_VALID_ID[:17],  # 17 characters
        KNOWN_VALID_ID + "1",  # 19 characters
        "1101051949123100X2",  # X not at the end
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits
        "",
    ],
)
def test_invalid_id_numbers_are_refused(number):
    assert not is_valid_id_number(number)


def test_non_string_is_not_an_id_number():
    assert not is_valid_id_number(11010519491231002)  # type: ignore[arg-type]


def test_birth_date_in_the_future_is_refused():
    tomorrow = with_check_char("11010520240602002")
    yesterday = with_check_char("11010520240531002")
    with time_machine.travel(datetime(2024, 6, 1, 4, tzinfo=UTC), tick=False):
        assert not is_valid_id_number(tomorrow)
        assert is_valid_id_number(yesterday)


def test_id_number_field_normalizes_to_uppercase_x():
    form = one_field("id_number")
    assert cleaned(form, " 11010519491231002x ") == KNOWN_VALID_ID


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        ("1101051949", "身份证号码应为18位:17位数字加1位校验码", "18 characters"),
        (with_check_char("11010519490230002"), "身份证号码中的出生日期无效", "birth date"),
        (wrong_check_char(KNOWN_VALID_ID), "身份证号码校验码不正确", "check character"),
        (110105194912310020, "身份证号码应为18位", "18 characters"),
    ],
)
def test_id_number_field_says_what_is_wrong(value, zh, en):
    form = one_field("id_number")
    assert zh in refused(form, value, "zh")[0]
    assert en in refused(form, value, "en")[0]


# --- strings ----------------------------------------------------------------------------


def test_string_is_stripped():
    assert cleaned(one_field("string"), "  张三  ") == "张三"


def test_string_has_a_default_max_length_of_2000():
    form = one_field("string")
    assert cleaned(form, "a" * 2000) == "a" * 2000
    assert refused(form, "a" * 2001) == ["长度不得超过2000个字符"]


def test_text_has_a_default_max_length_of_20000():
    form = one_field("text")
    assert cleaned(form, "字" * 20000) == "字" * 20000
    assert refused(form, "字" * 20001, "en") == ["Must be at most 20000 characters long."]


def test_string_lengths_from_the_definition():
    form = one_field("string", min_length=2, max_length=4)
    assert cleaned(form, "ab") == "ab"
    assert refused(form, "a") == ["长度不得少于2个字符"]
    assert refused(form, "abcde", "en") == ["Must be at most 4 characters long."]


def test_pattern_must_match_the_whole_value():
    form = one_field("string", pattern="[A-Z]{3}")
    assert cleaned(form, "ABC") == "ABC"
    assert refused(form, "ABCD") == ["格式不正确"]
    assert refused(form, "xABC", "en") == ["Invalid format."]


@pytest.mark.parametrize("value", [123, 1.5, True, ["a"], {"a": 1}])
def test_string_refuses_other_json_types(value):
    assert refused(one_field("string"), value) == ["必须是文本"]


# --- numbers ----------------------------------------------------------------------------


def test_integer_accepts_whole_numbers():
    form = one_field("integer")
    assert cleaned(form, 5) == 5
    value = cleaned(form, 2.0)
    assert value == 2 and type(value) is int


@pytest.mark.parametrize("value", [2.5, True, False, "5", math.inf, math.nan, [1]])
def test_integer_refuses_fractions_booleans_and_strings(value):
    assert refused(one_field("integer"), value) == ["必须是整数"]
    assert refused(one_field("integer"), value, "en") == ["Must be a whole number."]


def test_integer_bounds():
    form = one_field("integer", min=1, max=10)
    assert cleaned(form, 1) == 1 and cleaned(form, 10) == 10
    assert refused(form, 0) == ["不得小于1"]
    assert refused(form, 11, "en") == ["Must be at most 10."]


def test_number_keeps_int_and_float():
    form = one_field("number")
    assert type(cleaned(form, 3)) is int
    assert cleaned(form, 1.5) == 1.5


def test_number_turns_decimal_into_plain_numbers():
    form = one_field("number")
    assert type(cleaned(form, Decimal("1.50"))) is float
    assert type(cleaned(form, Decimal("2"))) is int


@pytest.mark.parametrize("value", [True, math.nan, math.inf, -math.inf, "1.5", Decimal("NaN")])
def test_number_refuses_booleans_non_finite_and_strings(value):
    assert refused(one_field("number"), value) == ["必须是数字"]


def test_number_bounds():
    form = one_field("number", min=0, max=99.5)
    assert cleaned(form, 0) == 0
    assert refused(form, -0.01) == ["不得小于0"]
    assert refused(form, 100, "en") == ["Must be at most 99.5."]


# --- booleans, enums --------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, False])
def test_boolean_accepts_json_booleans(value):
    assert cleaned(one_field("boolean"), value) is value


@pytest.mark.parametrize("value", ["yes", "true", 1, 0, "on"])
def test_boolean_refuses_anything_else(value):
    assert refused(one_field("boolean"), value) == ["必须选择“是”或“否”"]
    assert refused(one_field("boolean"), value, "en") == ["Must be true or false."]


ENUM_OPTIONS = [
    {"value": "small_scale", "label": {"zh": "小规模纳税人", "en": "Small-scale"}},
    {"value": "general", "label": {"zh": "一般纳税人", "en": "General"}},
]


def test_enum_accepts_an_option_value():
    assert cleaned(one_field("enum", options=ENUM_OPTIONS), "general") == "general"


@pytest.mark.parametrize("value", ["other", "General", 1, True])
def test_enum_refuses_other_values_and_lists_the_choices(value):
    form = one_field("enum", options=ENUM_OPTIONS)
    assert refused(form, value) == ["必须是以下之一:small_scale, general"]
    assert refused(form, value, "en") == ["Must be one of: small_scale, general."]


# --- dates ------------------------------------------------------------------------------


def test_date_comes_back_as_an_iso_string():
    assert cleaned(one_field("date"), "2024-02-29") == "2024-02-29"


@pytest.mark.parametrize(
    "value", ["2023-02-29", "2024-13-01", "29/02/2024", "2024-02-03T10:00", 20240203]
)
def test_date_refuses_what_is_not_a_date(value):
    assert refused(one_field("date"), value) == ["必须是有效日期(YYYY-MM-DD)"]


def test_date_bounds():
    form = one_field("date", min="2024-01-01", max="2024-12-31")
    assert cleaned(form, "2024-01-01") == "2024-01-01"
    assert refused(form, "2023-12-31") == ["不得小于2024-01-01"]
    assert refused(form, "2025-01-01", "en") == ["Must be at most 2024-12-31."]


def test_datetime_without_offset_is_beijing_time():
    assert cleaned(one_field("datetime"), "2024-05-01T09:30:00") == "2024-05-01T09:30:00+08:00"


def test_datetime_with_offset_is_shown_in_beijing_time():
    assert cleaned(one_field("datetime"), "2024-05-01T01:30:00Z") == "2024-05-01T09:30:00+08:00"


@pytest.mark.parametrize("value", ["soon", "2024-05-01T25:00:00", 1714530600])
def test_datetime_refuses_what_is_not_a_time(value):
    assert refused(one_field("datetime"), value, "en") == [
        "Must be a valid date and time (ISO 8601)."
    ]


def test_datetime_bound_compares_instants_not_text():
    form = one_field("datetime", min="2024-05-01T08:00:00+08:00")
    assert cleaned(form, "2024-05-01T00:00:00Z") == "2024-05-01T08:00:00+08:00"
    assert refused(form, "2024-04-30T23:59:59Z") == ["不得小于2024-05-01 08:00:00+08:00"]


# --- phones, files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13800138000", "13800138000"),
        ("199 1234 5678", "19912345678"),
        ("010-12345678", "010-12345678"),
        ("0571-1234567", "0571-1234567"),
        ("057112345678", "057112345678"),
    ],
)
def test_phone_accepts_mobile_and_landline_numbers(value, expected):
    assert cleaned(one_field("phone"), value) == expected


@pytest.mark.parametrize(
    "value", ["12345678901", "1380013800", "138001380001", "010-123", "+8613800138000", 13800138000]
)
def test_phone_refuses_other_numbers(value):
    assert refused(one_field("phone"), value) == ["电话号码格式不正确(手机号,或区号-号码)"]


def test_file_is_a_reference_to_an_upload():
    form = one_field("file", required=True)
    assert cleaned(form, "upload-7f3a") == "upload-7f3a"
    assert refused(form, "x" * 201, "en") == ["Must be the id of an uploaded file."]
    assert refused(form, "", "en") == ["This field is required."]
    assert refused(form, 42, "en") == ["Must be the id of an uploaded file."]


# --- required, unknown, defaults --------------------------------------------------------


def test_required_field_missing_null_or_blank_is_refused():
    form = one_field("string", required=True)
    assert errors_of(form, {}) == {"value": ["此项为必填项"]}
    assert errors_of(form, {"value": None}, "en") == {"value": ["This field is required."]}
    assert errors_of(form, {"value": "   "}) == {"value": ["此项为必填项"]}


def test_optional_field_may_be_left_out_or_cleared():
    form = one_field("date")
    assert validate_submission(form, {}) == {}
    assert validate_submission(form, {"value": None}) == {"value": None}
    assert validate_submission(form, {"value": ""}) == {"value": None}


def test_unknown_fields_are_refused_so_no_case_variable_can_be_injected():
    form = one_field("string")
    assert errors_of(form, {"value": "a", "approved": True}) == {"approved": ["未知字段"]}
    assert errors_of(form, {"__class__": 1}, "en") == {"__class__": ["Unknown field."]}


def test_every_field_reports_its_own_messages():
    form = form_of(
        {"name": "accepted", "type": "boolean", "required": True},
        {"name": "count", "type": "integer", "min": 1},
        {"name": "opinion", "type": "text", "max_length": 3},
    )
    assert errors_of(form, {"count": 0, "opinion": "太长了吧"}, "en") == {
        "accepted": ["This field is required."],
        "count": ["Must be at least 1."],
        "opinion": ["Must be at most 3 characters long."],
    }


def test_non_object_data_is_refused_as_a_whole():
    assert errors_of(one_field("string"), ["a"]) == {FORM_ERROR_KEY: ["表单数据必须是一个对象"]}


@pytest.mark.parametrize(
    ("lang", "message"), [("en-US", "Unknown field."), ("zh-CN", "未知字段"), ("fr", "未知字段")]
)
def test_language_follows_accept_language_with_chinese_as_default(lang, message):
    assert errors_of(one_field("string"), {"x": 1}, lang) == {"x": [message]}


def test_default_fills_a_missing_field_only():
    form = form_of(
        {"name": "count", "type": "integer", "default": 1},
        {"name": "kind", "type": "enum", "options": ENUM_OPTIONS, "default": "general"},
        {"name": "on", "type": "date", "default": "2024-01-02"},
    )
    assert validate_submission(form, {}) == {"count": 1, "kind": "general", "on": "2024-01-02"}
    assert validate_submission(form, {"count": 3})["count"] == 3


def test_required_field_with_default_is_filled_but_cannot_be_cleared():
    form = one_field("boolean", required=True, default=False)
    assert validate_submission(form, {}) == {"value": False}
    assert errors_of(form, {"value": None}) == {"value": ["此项为必填项"]}


def test_failure_is_a_validation_failed_domain_error():
    with pytest.raises(ValidationFailed) as caught:
        validate_submission(one_field("integer"), {"value": "x"})
    assert caught.value.status == 422
    assert caught.value.code == "validation_failed"
    assert caught.value.details == {"fields": {"value": ["必须是整数"]}}


@pytest.mark.parametrize("name", ["load", "fields", "validate", "dump", "opts", "Meta"])
def test_field_names_that_are_schema_attributes_still_work(name):
    form = form_of({"name": name, "type": "integer", "required": True})
    assert validate_submission(form, {name: 1}) == {name: 1}
    assert errors_of(form, {}) == {name: ["此项为必填项"]}


# --- JSON-friendly output ---------------------------------------------------------------

EVERY_TYPE = form_of(
    {"name": "s", "type": "string"},
    {"name": "t", "type": "text"},
    {"name": "i", "type": "integer"},
    {"name": "n", "type": "number"},
    {"name": "b", "type": "boolean"},
    {"name": "d", "type": "date"},
    {"name": "dt", "type": "datetime"},
    {"name": "e", "type": "enum", "options": ENUM_OPTIONS},
    {"name": "id", "type": "id_number"},
    {"name": "p", "type": "phone"},
    {"name": "f", "type": "file"},
    {"name": "missing_with_default", "type": "date", "default": "2024-01-01"},
)


def test_cleaned_data_is_plain_json():
    data = {
        "s": "a",
        "t": "b",
        "i": 4.0,
        "n": Decimal("12.5"),
        "b": False,
        "d": "2024-03-01",
        "dt": "2024-03-01T10:00:00+08:00",
        "e": "general",
        "id": KNOWN_VALID_ID.lower(),
        "p": "13800138000",
        "f": "upload-1",
    }
    out = validate_submission(EVERY_TYPE, data)
    assert json.loads(json.dumps(out)) == out
    for value in out.values():
        assert type(value) in (str, int, float, bool)
        assert not isinstance(value, Decimal | date)


# --- definitions ------------------------------------------------------------------------

GOOD_FIELD = {"name": "x", "type": "string", "label": {"zh": "甲", "en": "X"}}


def definition(*fields: dict[str, Any], **form: Any) -> dict[str, Any]:
    return {
        "key": "test/form",
        "title": {"zh": "测试", "en": "Test"},
        "fields": list(fields),
        **form,
    }


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (definition({"name": "x", "type": "idnumber"}), "'x': unknown type 'idnumber'"),
        (definition({"name": "x"}), "'x': unknown type None"),
        (definition({"type": "string"}), "field #1 has no name"),
        (
            definition(GOOD_FIELD, {"name": "y", "type": "text"}, GOOD_FIELD),
            "field 'x' is defined twice",
        ),
        (definition({"name": "x", "type": "enum"}), "'x': an enum field needs"),
        (definition({"name": "x", "type": "enum", "options": []}), "'x': an enum field needs"),
        (
            definition({"name": "x", "type": "enum", "options": [{"value": "a"}, {"value": "a"}]}),
            "'x': option values must be unique",
        ),
        (
            definition({"name": "x", "type": "enum", "options": [{"value": 1}]}),
            "'x': each option value",
        ),
        (
            definition({"name": "x", "type": "integer", "min": 5, "max": 1}),
            "'x': min 5 is greater than max 1",
        ),
        (
            definition({"name": "x", "type": "integer", "min": 1.5}),
            "'x': min 1.5 is not a valid integer",
        ),
        (
            definition({"name": "x", "type": "integer", "max": True}),
            "'x': max True is not a valid integer",
        ),
        (
            definition({"name": "x", "type": "number", "min": "0"}),
            "'x': min '0' is not a valid number",
        ),
        (definition({"name": "x", "type": "date", "min": "2024-02-30"}), "'x': min '2024-02-30'"),
        (
            definition({"name": "x", "type": "date", "min": "2024-02-02", "max": "2024-02-01"}),
            "'x': min '2024-02-02' is greater than max",
        ),
        (
            definition({"name": "x", "type": "string", "min_length": 5, "max_length": 2}),
            "'x': min_length is greater",
        ),
        (definition({"name": "x", "type": "string", "max_length": -1}), "'x': max_length must be"),
        (
            definition({"name": "x", "type": "string", "max": 3}),
            "'x': max does not apply to type 'string'",
        ),
        (
            definition({"name": "x", "type": "boolean", "pattern": "a"}),
            "'x': pattern does not apply",
        ),
        (
            definition({"name": "x", "type": "string", "pattern": "[a-"}),
            "'x': pattern does not compile",
        ),
        (
            definition({"name": "x", "type": "string", "pattern": "a" * 501}),
            "'x': pattern is longer than 500",
        ),
        (definition({"name": "x", "type": "string", "pattern": "(a+)+b"}), "'x': pattern repeats"),
        (
            definition({"name": "x", "type": "string", "pattern": r"(\w+\s?)*"}),
            "'x': pattern repeats",
        ),
        (
            definition({"name": "x", "type": "integer", "default": "1"}),
            "'x': default '1' is not valid",
        ),
        (definition({"name": "x", "type": "boolean", "required": "yes"}), "'x': required must be"),
        (definition({"name": "x", "type": "string", "label": {"zh": ""}}), "'x': label"),
        (definition({"name": "x", "type": "string", "prefill": 3}), "'x': prefill"),
        (definition({"name": "class", "type": "string"}), "'class': a Python keyword"),
        (definition({"name": "buyer-name", "type": "string"}), "'buyer-name': a field name"),
        (definition({"name": "_secret", "type": "string"}), "'_secret': a field name"),
        (definition(fields="x"), "'fields' must be a list"),
        (definition("not a field"), "field #1 is not an object"),
        (definition(GOOD_FIELD, title={}), "title must be"),
        (definition(GOOD_FIELD, key="Property/Application"), "form key 'Property/Application'"),
        (definition(GOOD_FIELD, key="a//b"), "form key"),
        (definition(GOOD_FIELD, key="a/"), "form key"),
        (definition(GOOD_FIELD, key=""), "form key"),
        (definition(GOOD_FIELD, key=None), "form key"),
        ([GOOD_FIELD], "must be a JSON object"),
    ],
)
def test_bad_definitions_are_refused_naming_the_problem(raw, says):
    with pytest.raises(FormDefinitionError) as caught:
        FormDefinition.from_dict(raw)
    assert says in str(caught.value)


def test_nested_repeat_made_possessive_is_accepted():
    form = form_of({"name": "x", "type": "string", "pattern": "[a-z]+(?:-[a-z]+)*+"})
    assert validate_submission(form, {"x": "a-bc-d"}) == {"x": "a-bc-d"}


def test_labels_and_titles_may_be_plain_strings_or_left_out():
    form = FormDefinition.from_dict(
        {
            "key": "k",
            "fields": [
                {"name": "x", "type": "string", "label": "名称"},
                {"name": "y", "type": "text"},
            ],
        }
    )
    assert form.title == {"zh": "k", "en": "k"}
    assert form.fields[0].label == {"zh": "名称", "en": "名称"}
    assert form.fields[1].label == {"zh": "y", "en": "y"}


def test_unknown_keys_are_carried_through():
    raw = definition(
        {**GOOD_FIELD, "placeholder": {"zh": "请输入"}, "width": 6},
        version=2,
        help={"zh": "说明"},
    )
    assert FormDefinition.from_dict(raw).to_dict() == raw


def test_to_dict_is_a_copy():
    form = one_field("enum", options=ENUM_OPTIONS)
    form.to_dict()["fields"][0]["options"].clear()
    assert cleaned(form, "general") == "general"


def test_equal_json_makes_equal_definitions():
    raw = definition(GOOD_FIELD)
    assert FormDefinition.from_dict(raw) == FormDefinition.from_dict(json.loads(json.dumps(raw)))
    assert hash(FormDefinition.from_dict(raw)) == hash(FormDefinition.from_dict(raw))
    assert FormDefinition.from_dict(raw) != FormDefinition.from_dict(
        definition({**GOOD_FIELD, "required": True})
    )


def test_from_json_refuses_what_is_not_json():
    with pytest.raises(FormDefinitionError, match="not JSON"):
        FormDefinition.from_json(b"{not json")
    assert FormDefinition.from_json(json.dumps(definition(GOOD_FIELD)).encode()).key == "test/form"


# --- generic form -----------------------------------------------------------------------


def test_generic_form_has_one_optional_opinion():
    form = generic_form()
    assert form.key == GENERIC_FORM_KEY == "generic"
    assert form.title == {"zh": "办理意见", "en": "Opinion"}
    assert [(f.name, f.type, f.required, f.max_length) for f in form.fields] == [
        ("opinion", "text", False, 2000)
    ]
    assert validate_submission(form, {}) == {}
    assert validate_submission(form, {"opinion": "同意"}) == {"opinion": "同意"}
    assert errors_of(form, {"opinion": "x" * 2001}) == {"opinion": ["长度不得超过2000个字符"]}


# --- shipped forms ----------------------------------------------------------------------

SHIPPED_KEYS = {
    "property_transfer/application",
    "property_transfer/acceptance",
    "property_transfer/tax_collection",
    "property_transfer/registry_review",
    "property_transfer/register",
    "property_transfer/utilities",
    "business_startup/application",
    "business_startup/acceptance",
    "business_startup/registration",
    "business_startup/seal_filing",
    "business_startup/tax_registration",
    "business_startup/social_insurance",
    "business_startup/housing_fund",
}
SHIPPED_FILES = sorted(FORMS_DIR.rglob("*.json"))


def test_every_flagship_form_is_shipped():
    assert set(shipped_forms()) == SHIPPED_KEYS | {GENERIC_FORM_KEY}


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.relative_to(FORMS_DIR).as_posix())
def test_shipped_form_round_trips_and_sits_where_its_key_says(path: Path):
    raw = json.loads(path.read_text(encoding="utf-8"))
    form = FormDefinition.from_dict(raw)
    assert form.to_dict() == raw
    assert FormDefinition.from_dict(form.to_dict()) == form
    assert path.relative_to(FORMS_DIR).with_suffix("").as_posix() == form.key
    for spec in form.fields:
        assert spec.label.keys() == {"zh", "en"}
    assert form.title.keys() == {"zh", "en"}


def test_property_transfer_application_accepts_a_realistic_submission():
    form = shipped_forms()["property_transfer/application"]
    data = {
        "buyer_name": "张三",
        "buyer_id_number": ID_1990,
        "seller_name": "李四",
        "seller_id_number": KNOWN_VALID_ID.lower(),
        "certificate_no": "京(2020)朝阳区不动产权第0012345号",
        "contract_no": "WQ2024000123",
        "first_home": True,
        "buyer_phone": "13800138000",
    }
    out = validate_submission(form, data)
    assert out["seller_id_number"] == KNOWN_VALID_ID
    assert out["first_home"] is True


def test_property_transfer_application_refuses_a_bad_seller_id():
    form = shipped_forms()["property_transfer/application"]
    fields = errors_of(form, {"seller_id_number": wrong_check_char(ID_1985)}, "en")
    assert fields["seller_id_number"] == ["The check character of the ID number is wrong."]
    assert fields["first_home"] == ["This field is required."]


def test_business_startup_application_accepts_a_realistic_submission():
    form = shipped_forms()["business_startup/application"]
    data = {
        "company_name": "北京示例科技有限公司",
        "company_type": "limited_liability",
        "registered_capital": 100,
        "address": "北京市朝阳区示例路1号",
        "business_scope": "技术开发、技术咨询。",
        "legal_rep_name": "张三",
        "legal_rep_id_number": ID_1985,
        "phone": "010-12345678",
    }
    assert validate_submission(form, data)["registered_capital"] == 100


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("91110105MA01ABCD2X", True),
        ("91110105MA01ABCD2", False),
        ("91110105MA01ABCDIX", False),
        ("91110105ma01abcd2x", False),
    ],
)
def test_registration_checks_the_unified_social_credit_code_shape(code, ok):
    form = shipped_forms()["business_startup/registration"]
    data = {"approved": True, "credit_code": code}
    if ok:
        assert validate_submission(form, data)["credit_code"] == code
    else:
        assert errors_of(form, data) == {"credit_code": ["格式不正确"]}


def test_tax_collection_prefills_the_assessed_amount():
    spec = shipped_forms()["property_transfer/tax_collection"].field_named("tax_amount")
    assert spec is not None and spec.prefill == "deed_tax.amount" and spec.min == 0


def test_seal_count_is_bounded():
    form = shipped_forms()["business_startup/seal_filing"]
    assert validate_submission(form, {"seal_count": 5}) == {"seal_count": 5}
    assert errors_of(form, {"seal_count": 11}) == {"seal_count": ["不得大于10"]}


# --- registry ---------------------------------------------------------------------------


def write(path: Path, content: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")


def test_registry_lookup():
    registry = shipped_forms()
    assert "property_transfer/acceptance" in registry
    assert "nope/form" not in registry
    assert registry.get("nope/form") is None
    assert registry.get("property_transfer/acceptance").key == "property_transfer/acceptance"
    with pytest.raises(KeyError):
        registry["nope/form"]


def test_registry_resolves_a_task_without_form_key_to_the_generic_form():
    registry = FormRegistry()
    assert registry.resolve(None) == generic_form()
    assert registry.resolve("") == generic_form()
    assert GENERIC_FORM_KEY in registry
    with pytest.raises(KeyError):
        registry.resolve("nope/form")


def test_load_directory_reads_the_tree(tmp_path):
    write(tmp_path / "a" / "one.json", definition(GOOD_FIELD, key="a/one"))
    write(tmp_path / "a" / "b" / "two.json", definition(GOOD_FIELD, key="a/b/two"))
    write(tmp_path / "notes.txt", "not a form")
    assert set(FormRegistry.load_directory(tmp_path)) == {"a/one", "a/b/two", GENERIC_FORM_KEY}


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{broken", "bad/form.json: not JSON"),
        (
            definition({"name": "x", "type": "nope"}, key="bad/form"),
            "bad/form.json: form 'bad/form': field 'x'",
        ),
    ],
)
def test_load_directory_errors_name_the_file(tmp_path, content, says):
    write(tmp_path / "bad" / "form.json", content)
    with pytest.raises(FormDefinitionError) as caught:
        FormRegistry.load_directory(tmp_path)
    assert says in str(caught.value)


def test_load_directory_refuses_the_same_key_in_two_files(tmp_path):
    write(tmp_path / "a.json", definition(GOOD_FIELD, key="same"))
    write(tmp_path / "b.json", definition(GOOD_FIELD, key="same"))
    with pytest.raises(
        FormDefinitionError, match="b.json: form 'same' is already defined in a.json"
    ):
        FormRegistry.load_directory(tmp_path)


def test_load_directory_needs_a_directory(tmp_path):
    with pytest.raises(FormDefinitionError, match="not a directory"):
        FormRegistry.load_directory(tmp_path / "missing")


def test_uploaded_form_overrides_a_shipped_one_for_that_deployment_only():
    shipped = shipped_forms()
    uploaded = FormDefinition.from_dict(definition(GOOD_FIELD, key="property_transfer/acceptance"))
    extra = FormDefinition.from_dict(definition(GOOD_FIELD, key="custom/review"))
    deployment = shipped.with_extra([uploaded, extra])
    assert deployment["property_transfer/acceptance"] is uploaded
    assert "custom/review" in deployment
    assert shipped["property_transfer/acceptance"] != uploaded
    assert "custom/review" not in shipped
    assert shipped.overrides([uploaded, extra]) == ["property_transfer/acceptance"]
    assert shipped.overrides([shipped["property_transfer/acceptance"]]) == []


def test_two_different_uploads_with_one_key_are_refused():
    one = FormDefinition.from_dict(definition(GOOD_FIELD, key="custom/review"))
    other = FormDefinition.from_dict(
        definition({**GOOD_FIELD, "required": True}, key="custom/review")
    )
    with pytest.raises(
        FormDefinitionError, match="two different definitions of form 'custom/review'"
    ):
        FormRegistry().with_extra([one, other])
    assert FormRegistry().with_extra([one, one])["custom/review"] == one


# --- property: the check character -------------------------------------------------------


@given(
    region=st.from_regex(r"[1-8][0-9]{5}", fullmatch=True),
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    sequence=st.from_regex(r"[0-9]{3}", fullmatch=True),
)
def test_exactly_one_check_character_makes_an_id_number_valid(region, born, sequence):
    first17 = f"{region}{born:%Y%m%d}{sequence}"
    valid = with_check_char(first17)
    assert is_valid_id_number(valid)
    for other in "0123456789X":
        if other != valid[17]:
            assert not is_valid_id_number(first17 + other)
