"""OpenAPI paths of the clerk verbs (web/api/verbs.py), merged into web/openapi.py."""

from __future__ import annotations

from typing import Any


def verb_paths(task_id: dict, case_id: dict) -> dict[str, Any]:
    from .openapi import _JSON, _op

    def body(required: tuple[str, ...], **props: dict) -> dict:
        return _JSON({"type": "object", "required": list(required), "properties": props})

    text = {"type": "string"}
    task_ops = (400, 401, 403, 404, 409, 422)
    return {
        "/api/v1/tasks/{task_id}/return-targets": {
            "get": _op(
                "退回: the earlier steps of this task's branch it may be returned to",
                tag="verbs",
                params=(task_id,),
                errors=(401, 403, 404, 409),
            )
        },
        "/api/v1/tasks/{task_id}/return": {
            "post": _op(
                "退回: send the case back to an earlier step of the same branch (the "
                "reason is shown to the receiving department); answers the case",
                tag="verbs",
                params=(task_id,),
                errors=task_ops,
                body=body(("target", "reason"), target=text, reason=text),
            )
        },
        "/api/v1/tasks/{task_id}/withdraw": {
            "post": _op(
                "撤回: the clerk who completed the task takes it back while the next step "
                "is untouched; answers the case",
                tag="verbs",
                params=(task_id,),
                errors=task_ops,
                body=body((), reason=text),
            )
        },
        "/api/v1/tasks/{task_id}/transfer": {
            "post": _op(
                "转办: hand the task to another clerk of the same department; answers the task",
                tag="verbs",
                params=(task_id,),
                errors=task_ops,
                body=body(("to", "reason"), to=text, reason=text),
            )
        },
        "/api/v1/tasks/{task_id}/delegate": {
            "post": _op(
                "委派: let any clerk work on the task; the owner gets it back on resolve",
                tag="verbs",
                params=(task_id,),
                errors=task_ops,
                body=body(("to", "reason"), to=text, reason=text),
            )
        },
        "/api/v1/tasks/{task_id}/resolve": {
            "post": _op(
                "The delegate hands a delegated task back to its owner",
                tag="verbs",
                params=(task_id,),
                errors=task_ops,
                body=body((), opinion=text),
            )
        },
        "/api/v1/tasks/{task_id}/urge": {
            "post": _op(
                "催办: a supervisor or the applicant nudges an open task (once a day each)",
                tag="verbs",
                ok=201,
                params=(task_id,),
                errors=(400, 401, 403, 404, 409),
                body=body((), message=text),
            )
        },
        "/api/v1/tasks/{task_id}/refuse": {
            "post": _op(
                "不予受理: the window refuses the application with statutory reasons; "
                "answers the case (status completed, outcome refused, closure.reasons)",
                tag="verbs",
                params=(task_id,),
                errors=task_ops,
                body=body(
                    ("reasons",),
                    reasons={
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["code"],
                            "properties": {"code": text, "text": text},
                        },
                    },
                    note=text,
                ),
            )
        },
        "/api/v1/refusal-reasons": {
            "get": _op("The statutory refusal reason codes", tag="verbs", errors=(401,))
        },
        "/api/v1/cases/{case_id}/suspend": {
            "post": _op(
                "挂起 (supervisor): halt the case and stop its clocks",
                tag="verbs",
                params=(case_id,),
                errors=(400, 401, 403, 404, 409, 422),
                body=body(("reason",), reason=text),
            )
        },
        "/api/v1/cases/{case_id}/resume": {
            "post": _op(
                "恢复 (supervisor): end a suspension; the clocks resume",
                tag="verbs",
                params=(case_id,),
                errors=(400, 401, 403, 404, 409),
                body=body((), note=text),
            )
        },
        "/api/v1/cases/{case_id}/terminate": {
            "post": _op(
                "终止 (supervisor): end the case unfinished; open tasks leave the worklists",
                tag="verbs",
                params=(case_id,),
                errors=(400, 401, 403, 404, 409, 422),
                body=body(("reason",), reason=text),
            )
        },
        "/api/v1/cases/{case_id}/rating": {
            "post": _op(
                "好差评: the applicant rates the concluded case once, as a whole and per "
                "department (5 非常满意 … 1 非常不满意); 1–2 open a rectification task",
                tag="verbs",
                ok=201,
                params=(case_id,),
                errors=(400, 401, 403, 404, 409, 422),
                body=body(
                    ("level",),
                    level={"type": "integer", "minimum": 1, "maximum": 5},
                    comment=text,
                    departments={
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "properties": {
                                "level": {"type": "integer", "minimum": 1, "maximum": 5},
                                "comment": text,
                            },
                        },
                    },
                ),
            ),
            "get": _op("The case's rating", tag="verbs", params=(case_id,), errors=(401, 404)),
        },
        "/api/v1/supervision/ratings": {
            "get": _op(
                "Ratings per department and for cases as a whole (supervisors)",
                tag="supervision",
            )
        },
    }
