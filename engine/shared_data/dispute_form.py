"""The form of a dispute task (异议核实): the owning department confirms or corrects.

Defined in code rather than under ``forms/`` because it belongs to the engine, not to a
matter: every process that pulls shared data can get disputes.
"""

from __future__ import annotations

from ..forms import FormDefinition

DISPUTE_FORM_KEY = "shared_data/dispute"

DISPUTE_FORM = FormDefinition.from_dict(
    {
        "key": DISPUTE_FORM_KEY,
        "title": {"zh": "共享数据异议核实", "en": "Shared-data dispute"},
        "fields": [
            {
                "name": "verdict",
                "type": "enum",
                "required": True,
                "label": {"zh": "核实结论", "en": "Verdict"},
                "options": [
                    {
                        "value": "upheld",
                        "label": {"zh": "异议成立，记录已更正", "en": "Upheld: record corrected"},
                    },
                    {
                        "value": "rejected",
                        "label": {"zh": "异议不成立，记录无误", "en": "Rejected: record is right"},
                    },
                ],
            },
            {
                "name": "corrected_record",
                "type": "text",
                "max_length": 5000,
                "label": {
                    "zh": "更正后的字段（JSON 对象，仅填写需更正的字段）",
                    "en": "Corrected fields (a JSON object with only the fields to change)",
                },
            },
            {
                "name": "opinion",
                "type": "text",
                "required": True,
                "max_length": 1000,
                "label": {"zh": "核实意见", "en": "Opinion"},
            },
        ],
    }
)
