"""The forms of the reforms' side tasks: what the window decides about an overdue
deferred material, what the owning department finds when it checks a pledge, and what
the window decides about a false one.  Defined in code like the dispute form: every
matter with deferrable or pledgeable materials can get them."""

from __future__ import annotations

from ..forms import FormDefinition

DEFERRAL_OVERDUE_FORM_KEY = "reforms/deferral_overdue"
PLEDGE_CHECK_FORM_KEY = "reforms/pledge_check"
PLEDGE_REVOCATION_FORM_KEY = "reforms/pledge_revocation"


def _option(value: str, zh: str, en: str) -> dict:
    return {"value": value, "label": {"zh": zh, "en": en}}


def _decision_form(
    key: str,
    title: tuple[str, str],
    choice: tuple[str, str, str],
    options: list[dict],
    opinion: tuple[str, str],
) -> FormDefinition:
    """A side task's form: one required choice (``name``, zh and en label) among
    ``options``, and the required opinion explaining it."""
    name, zh, en = choice
    return FormDefinition.from_dict(
        {
            "key": key,
            "title": {"zh": title[0], "en": title[1]},
            "fields": [
                {
                    "name": name,
                    "type": "enum",
                    "required": True,
                    "label": {"zh": zh, "en": en},
                    "options": options,
                },
                {
                    "name": "opinion",
                    "type": "text",
                    "required": True,
                    "max_length": 1000,
                    "label": {"zh": opinion[0], "en": opinion[1]},
                },
            ],
        }
    )


DEFERRAL_OVERDUE_FORM = _decision_form(
    DEFERRAL_OVERDUE_FORM_KEY,
    ("容缺材料逾期处理", "Deferred material overdue"),
    ("decision", "处理决定", "Decision"),
    [
        _option("extend", "延长补交期限（仅一次）", "Extend the deadline (once)"),
        _option("supplement", "一次性告知补正", "Request a supplement (补正)"),
        _option("refuse", "不予办理", "Refuse"),
    ],
    ("处理意见", "Opinion"),
)

PLEDGE_CHECK_FORM = _decision_form(
    PLEDGE_CHECK_FORM_KEY,
    ("告知承诺事后核查", "Post-hoc check of a pledge"),
    ("verdict", "核查结论", "Finding"),
    [
        _option("true", "承诺属实", "The pledge is true"),
        _option("false", "承诺不实", "The pledge is false"),
    ],
    ("核查情况", "What the check found"),
)

PLEDGE_REVOCATION_FORM = _decision_form(
    PLEDGE_REVOCATION_FORM_KEY,
    ("承诺不实处理", "False pledge: decision"),
    ("decision", "处理决定", "Decision"),
    [
        _option("revoke", "撤销（终止办理）", "Revoke (end the case)"),
        _option("rectify", "责令限期整改", "Order rectification"),
    ],
    ("决定理由及依据", "Reasons and legal basis"),
)

FORMS = [DEFERRAL_OVERDUE_FORM, PLEDGE_CHECK_FORM, PLEDGE_REVOCATION_FORM]
