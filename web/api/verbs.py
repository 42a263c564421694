"""The clerk verbs (engine/verbs): return, withdraw, transfer, delegate, resolve, urge,
refuse, suspend, resume, terminate, rate — and the ratings dashboard."""

from __future__ import annotations

from flask import Blueprint

from engine.errors import NotFound
from engine.services.serializers import task_view
from engine.verbs import case_control, handover, ratings, returns, urges

from .cases import _case_json
from .common import authenticated, caller, engine, json_body

bp = Blueprint("verbs", __name__)


@bp.get("/tasks/<task_id>/return-targets")
@authenticated
def return_targets(task_id: str):  # noqa: ANN201
    items = returns.return_targets(engine(), caller(), task_id)
    return {"items": items, "total": len(items), "page": 1, "per_page": max(len(items), 1)}


@bp.post("/tasks/<task_id>/return")
@authenticated
def return_task(task_id: str):  # noqa: ANN201
    """退回 to an earlier step of the same branch."""
    body = json_body()
    case_id = returns.return_task(
        engine(), caller(), task_id, body.get("target"), body.get("reason")
    )
    return _case_json(case_id)


@bp.post("/tasks/<task_id>/withdraw")
@authenticated
def withdraw(task_id: str):  # noqa: ANN201
    """撤回 one's own completion while the next step is untouched."""
    case_id = returns.withdraw(engine(), caller(), task_id, json_body().get("reason"))
    return _case_json(case_id)


@bp.post("/tasks/<task_id>/transfer")
@authenticated
def transfer(task_id: str):  # noqa: ANN201
    """转办 to another clerk of the same department."""
    body = json_body()
    return task_view(
        handover.transfer(engine(), caller(), task_id, body.get("to"), body.get("reason"))
    )


@bp.post("/tasks/<task_id>/delegate")
@authenticated
def delegate(task_id: str):  # noqa: ANN201
    """委派 to anyone; the owner gets the task back on resolve."""
    body = json_body()
    return task_view(
        handover.delegate(engine(), caller(), task_id, body.get("to"), body.get("reason"))
    )


@bp.post("/tasks/<task_id>/resolve")
@authenticated
def resolve(task_id: str):  # noqa: ANN201
    return task_view(handover.resolve(engine(), caller(), task_id, json_body().get("opinion")))


@bp.post("/tasks/<task_id>/urge")
@authenticated
def urge(task_id: str):  # noqa: ANN201
    """催办 by a supervisor or the applicant."""
    return urges.urge(engine(), caller(), task_id, json_body().get("message")), 201


@bp.post("/tasks/<task_id>/refuse")
@authenticated
def refuse(task_id: str):  # noqa: ANN201
    """不予受理 at the window, with statutory reasons."""
    body = json_body()
    case_id = case_control.refuse(
        engine(), caller(), task_id, body.get("reasons"), body.get("note")
    )
    return _case_json(case_id)


@bp.get("/refusal-reasons")
@authenticated
def refusal_reasons():  # noqa: ANN201
    items = case_control.refusal_reasons()
    return {"items": items, "total": len(items), "page": 1, "per_page": len(items)}


@bp.post("/cases/<int:case_id>/suspend")
@authenticated
def suspend(case_id: int):  # noqa: ANN201
    case_control.suspend(engine(), caller(), case_id, json_body().get("reason"))
    return _case_json(case_id)


@bp.post("/cases/<int:case_id>/resume")
@authenticated
def resume(case_id: int):  # noqa: ANN201
    case_control.resume(engine(), caller(), case_id, json_body().get("note"))
    return _case_json(case_id)


@bp.post("/cases/<int:case_id>/terminate")
@authenticated
def terminate(case_id: int):  # noqa: ANN201
    case_control.terminate(engine(), caller(), case_id, json_body().get("reason"))
    return _case_json(case_id)


@bp.post("/cases/<int:case_id>/rating")
@authenticated
def rate(case_id: int):  # noqa: ANN201
    """好差评 by the case's applicant, once, after 办结 or refusal."""
    body = json_body()
    rating = ratings.rate(
        engine(),
        caller(),
        case_id,
        body.get("level"),
        body.get("comment"),
        body.get("departments"),
    )
    return rating, 201


@bp.get("/cases/<int:case_id>/rating")
@authenticated
def get_rating(case_id: int):  # noqa: ANN201
    rating = ratings.get_rating(engine(), caller(), case_id)
    if rating is None:
        raise NotFound("the case has not been rated")
    return rating


@bp.get("/supervision/ratings")
@authenticated
def ratings_summary():  # noqa: ANN201
    return ratings.summary(engine(), caller())
