"""The form of a rectification task (差评整改) after a bad rating.

Defined in code rather than under ``forms/`` because it belongs to the engine, not to a
matter: every case can be rated.
"""

from __future__ import annotations

from ..forms import FormDefinition

RECTIFICATION_FORM_KEY = "govflow/rectification"

RECTIFICATION_FORM = FormDefinition.from_dict(
    {
        "key": RECTIFICATION_FORM_KEY,
        "title": {"zh": "差评整改", "en": "Rectification after a bad rating"},
        "fields": [
            {
                "name": "findings",
                "type": "text",
                "required": True,
                "max_length": 2000,
                "label": {"zh": "核实情况", "en": "What was found"},
            },
            {
                "name": "measures",
                "type": "text",
                "required": True,
                "max_length": 2000,
                "label": {"zh": "整改措施", "en": "Measures taken"},
            },
            {
                "name": "applicant_contacted",
                "type": "boolean",
                "label": {"zh": "已回访申请人", "en": "Applicant contacted"},
            },
        ],
    }
)
