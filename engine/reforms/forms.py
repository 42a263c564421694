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


def _opinion(zh: str, en: str) -> dict:
    return {
        "name": "opinion",
        "type": "text",
        "required": True,
        "max_length": 1000,
        "label": {"zh": zh, "en": en},
    }


DEFERRAL_OVERDUE_FORM = FormDefinition.from_dict(
    {
        "key": DEFERRAL_OVERDUE_FORM_KEY,
        "title": {"zh": "容缺材料逾期处理", "en": "Deferred material overdue"},
        "fields": [
            {
                "name": "decision",
                "type": "enum",
                "required": True,
                "label": {"zh": "处理决定", "en": "Decision"},
                "options": [
                    _option("extend", "延长补交期限（仅一次）", "Extend the deadline (once)"),
                    _option("supplement", "一次性告知补正", "Request a supplement (补正)"),
                    _option("refuse", "不予办理", "Refuse"),
                ],
            },
            _opinion("处理意见", "Opinion"),
        ],
    }
)

PLEDGE_CHECK_FORM = FormDefinition.from_dict(
    {
        "key": PLEDGE_CHECK_FORM_KEY,
        "title": {"zh": "告知承诺事后核查", "en": "Post-hoc check of a pledge"},
        "fields": [
            {
                "name": "verdict",
                "type": "enum",
                "required": True,
                "label": {"zh": "核查结论", "en": "Finding"},
                "options": [
                    _option("true", "承诺属实", "The pledge is true"),
                    _option("false", "承诺不实", "The pledge is false"),
                ],
            },
            _opinion("核查情况", "What the check found"),
        ],
    }
)

PLEDGE_REVOCATION_FORM = FormDefinition.from_dict(
    {
        "key": PLEDGE_REVOCATION_FORM_KEY,
        "title": {"zh": "承诺不实处理", "en": "False pledge: decision"},
        "fields": [
            {
                "name": "decision",
                "type": "enum",
                "required": True,
                "label": {"zh": "处理决定", "en": "Decision"},
                "options": [
                    _option("revoke", "撤销（终止办理）", "Revoke (end the case)"),
                    _option("rectify", "责令限期整改", "Order rectification"),
                ],
            },
            _opinion("决定理由及依据", "Reasons and legal basis"),
        ],
    }
)

FORMS = [DEFERRAL_OVERDUE_FORM, PLEDGE_CHECK_FORM, PLEDGE_REVOCATION_FORM]
