"""The clerk verbs (engine/verbs): return, withdraw, transfer, delegate, resolve, urge,
refuse, suspend, resume, terminate, rate — and the ratings dashboard."""

from __future__ import annotations

from flask import Blueprint

from engine.errors import NotFound
from engine.services.serializers import task_view
from engine.verbs import case_control, handover, ratings, returns, urges

from ..schemas.base import page_of as page_schema
from ..schemas.cases import Case
from ..schemas.supervision import RatingsSummary
from ..schemas.tasks import Task
from ..schemas.verbs import (
    Handover,
    Rate,
    Rating,
    Reason,
    RefusalReason,
    Refuse,
    Resolve,
    ResumeRequest,
    ReturnTarget,
    ReturnTask,
    Urge,
    UrgeRequest,
)
from .cases import _case_json
from .common import authenticated, caller, engine
from .operation import body, operation

_TASK_ERRORS = (403, 404, 409, 422)

bp = Blueprint("verbs", __name__)


@bp.get("/tasks/<task_id>/return-targets")
@authenticated
@operation(
    "退回: the earlier steps of this task's branch it may be returned to",
    tag="verbs",
    answer=page_schema(ReturnTarget),
    errors=(403, 404, 409),
)
def return_targets(task_id: str):  # noqa: ANN201
    items = returns.return_targets(engine(), caller(), task_id)
    return {"items": items, "total": len(items), "page": 1, "per_page": max(len(items), 1)}


@bp.post("/tasks/<task_id>/return")
@authenticated
@operation(
    "退回: send the case back to an earlier step of the same branch (the reason is shown "
    "to the receiving department); answers the case",
    tag="verbs",
    body=ReturnTask,
    answer=Case,
    errors=_TASK_ERRORS,
)
def return_task(task_id: str):  # noqa: ANN201
    """退回 to an earlier step of the same branch."""
    asked = body()
    case_id = returns.return_task(
        engine(), caller(), task_id, asked.get("target"), asked.get("reason")
    )
    return _case_json(case_id)


@bp.post("/tasks/<task_id>/withdraw")
@authenticated
@operation(
    "撤回: the clerk who completed the task takes it back while the next step is "
    "untouched; answers the case",
    tag="verbs",
    body=Reason,
    answer=Case,
    errors=_TASK_ERRORS,
)
def withdraw(task_id: str):  # noqa: ANN201
    """撤回 one's own completion while the next step is untouched."""
    case_id = returns.withdraw(engine(), caller(), task_id, body().get("reason"))
    return _case_json(case_id)


@bp.post("/tasks/<task_id>/transfer")
@authenticated
@operation(
    "转办: hand the task to another clerk of the same department; answers the task",
    tag="verbs",
    body=Handover,
    answer=Task,
    errors=_TASK_ERRORS,
)
def transfer(task_id: str):  # noqa: ANN201
    """转办 to another clerk of the same department."""
    asked = body()
    return task_view(
        handover.transfer(engine(), caller(), task_id, asked.get("to"), asked.get("reason"))
    )


@bp.post("/tasks/<task_id>/delegate")
@authenticated
@operation(
    "委派: let any clerk work on the task; the owner gets it back on resolve",
    tag="verbs",
    body=Handover,
    answer=Task,
    errors=_TASK_ERRORS,
)
def delegate(task_id: str):  # noqa: ANN201
    """委派 to anyone; the owner gets the task back on resolve."""
    asked = body()
    return task_view(
        handover.delegate(engine(), caller(), task_id, asked.get("to"), asked.get("reason"))
    )


@bp.post("/tasks/<task_id>/resolve")
@authenticated
@operation(
    "The delegate hands a delegated task back to its owner",
    tag="verbs",
    body=Resolve,
    answer=Task,
    errors=_TASK_ERRORS,
)
def resolve(task_id: str):  # noqa: ANN201
    return task_view(handover.resolve(engine(), caller(), task_id, body().get("opinion")))


@bp.post("/tasks/<task_id>/urge")
@authenticated
@operation(
    "催办: a supervisor or the applicant nudges an open task (once a day each)",
    tag="verbs",
    body=UrgeRequest,
    answer=Urge,
    status=201,
    errors=(403, 404, 409, 422),
)
def urge(task_id: str):  # noqa: ANN201
    """催办 by a supervisor or the applicant."""
    return urges.urge(engine(), caller(), task_id, body().get("message")), 201


@bp.post("/tasks/<task_id>/refuse")
@authenticated
@operation(
    "不予受理: the window refuses the application with statutory reasons; answers the "
    "case (status completed, outcome refused, closure.reasons)",
    tag="verbs",
    body=Refuse,
    answer=Case,
    errors=_TASK_ERRORS,
)
def refuse(task_id: str):  # noqa: ANN201
    """不予受理 at the window, with statutory reasons."""
    refusal = body()
    case_id = case_control.refuse(
        engine(), caller(), task_id, refusal.get("reasons"), refusal.get("note")
    )
    return _case_json(case_id)


@bp.get("/refusal-reasons")
@authenticated
@operation("The statutory refusal reason codes", tag="verbs", answer=page_schema(RefusalReason))
def refusal_reasons():  # noqa: ANN201
    items = case_control.refusal_reasons()
    return {"items": items, "total": len(items), "page": 1, "per_page": len(items)}


@bp.post("/cases/<id:case_id>/suspend")
@authenticated
@operation(
    "挂起 (supervisor): halt the case and stop its clocks",
    tag="verbs",
    body=Reason,
    answer=Case,
    errors=_TASK_ERRORS,
)
def suspend(case_id: int):  # noqa: ANN201
    case_control.suspend(engine(), caller(), case_id, body().get("reason"))
    return _case_json(case_id)


@bp.post("/cases/<id:case_id>/resume")
@authenticated
@operation(
    "恢复 (supervisor): end a suspension; the clocks resume",
    tag="verbs",
    body=ResumeRequest,
    answer=Case,
    errors=_TASK_ERRORS,
)
def resume(case_id: int):  # noqa: ANN201
    case_control.resume(engine(), caller(), case_id, body().get("note"))
    return _case_json(case_id)


@bp.post("/cases/<id:case_id>/terminate")
@authenticated
@operation(
    "终止 (supervisor): end the case unfinished; open tasks leave the worklists",
    tag="verbs",
    body=Reason,
    answer=Case,
    errors=_TASK_ERRORS,
)
def terminate(case_id: int):  # noqa: ANN201
    case_control.terminate(engine(), caller(), case_id, body().get("reason"))
    return _case_json(case_id)


@bp.post("/cases/<id:case_id>/rating")
@authenticated
@operation(
    "好差评: the applicant rates the concluded case once, as a whole and per department "
    "(5 非常满意 … 1 非常不满意); 1–2 open a rectification task",
    tag="verbs",
    body=Rate,
    answer=Rating,
    status=201,
    errors=_TASK_ERRORS,
)
def rate(case_id: int):  # noqa: ANN201
    """好差评 by the case's applicant, once, after 办结 or refusal."""
    given = body()
    rating = ratings.rate(
        engine(),
        caller(),
        case_id,
        given.get("level"),
        given.get("comment"),
        given.get("departments"),
    )
    return rating, 201


@bp.get("/cases/<id:case_id>/rating")
@authenticated
@operation("The case's rating", tag="verbs", answer=Rating, errors=(404,))
def get_rating(case_id: int):  # noqa: ANN201
    rating = ratings.get_rating(engine(), caller(), case_id)
    if rating is None:
        raise NotFound("the case has not been rated")
    return rating


@bp.get("/supervision/ratings")
@authenticated
@operation(
    "Ratings per department and for cases as a whole (supervisors)",
    tag="supervision",
    answer=RatingsSummary,
    errors=(403,),
)
def ratings_summary():  # noqa: ANN201
    return ratings.summary(engine(), caller())
