"""The clerk verbs as buttons: 退回, 撤回, 转办, 委派 / 办回, 催办, 不予受理 on the task and
case pages; 挂起 / 恢复 / 终止 for supervisors; 好差评 for the applicant.

Each route calls the engine function the API calls (``engine.verbs``) and nothing else.
The engine decides who may do what; a refusal (wrong role, wrong state, a missing reason)
comes back as a message on the page the form was sent from, and nothing changes.  Only an
unknown task or case (404) becomes the error page, as everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.errors import Conflict, Forbidden, GovflowError, NotFound, ValidationFailed
from engine.verbs import case_control, handover, ratings, returns, urges

from .common import engine, lang, login_required, principal, safe_next

bp = Blueprint("verbs", __name__)

CLERKS = ("clerk", "admin")
#: Everyone who opens a case page; the engine says who may act.
CASE_ROLES = ("applicant", "clerk", "supervisor", "admin")

PROBLEMS = {
    "already_claimed": _l("Another clerk has claimed this step."),
    "already_completed": _l("This step is already done."),
    "task_not_ready": _l("This step cannot be worked on now."),
    "case_closed": _l("The case is closed."),
    "case_not_running": _l("The case is not in progress (it may be waiting for the applicant)."),
    "case_suspended": _l("The case is suspended; nothing moves until a supervisor resumes it."),
    "case_in_error": _l(
        "A step of this case failed; nothing moves until an administrator retries it."
    ),
    "not_completed": _l("This step is not done, so there is nothing to withdraw."),
    "next_task_touched": _l(
        "The next step has already been taken up, so it can no longer be withdrawn. "
        "Ask its clerk to return the case instead."
    ),
    "delegation_pending": _l("The step is delegated; the delegate hands it back first."),
    "not_delegated": _l("The step is not delegated."),
    "already_urged": _l("You urged this step less than a day ago."),
    "already_suspended": _l("The case is already suspended."),
    "not_suspended": _l("The case is not suspended."),
    "not_refusable": _l("Only the window's acceptance step can refuse an application."),
    "not_concluded": _l("You can rate the service once the case is concluded."),
    "already_rated": _l("This case has already been rated."),
    "forbidden": _l("Your account may not do this here."),
    "extension_pending": _l("An extension of this case is already waiting for a decision."),
    "extension_decided": _l("This extension request has already been decided."),
    "extension_expired": _l(
        "The request expired: the case closed or its limit ran out before the decision."
    ),
    "no_limit": _l("The case has no running time limit to extend (is it accepted?)."),
}


def _one_language(message: str) -> str:
    """Engine field messages read ``中文 / English``: the page language's half."""
    if " / " not in message:
        return message
    zh, en = message.split(" / ", 1)
    return en if lang() == "en" else zh


def problem(exc: GovflowError) -> str:
    """What the page says when the engine refuses."""
    if isinstance(exc, ValidationFailed):
        fields = exc.details.get("fields") or {}
        said = [_one_language(str(m)) for messages in fields.values() for m in messages]
        if said:
            return _("Please check: %(what)s", what="; ".join(dict.fromkeys(said)))
        return _("Please check what you entered.")
    if exc.code in PROBLEMS:
        return str(PROBLEMS[exc.code])
    if isinstance(exc, Forbidden):
        return str(PROBLEMS["forbidden"])
    if isinstance(exc, Conflict):
        return _("Someone else changed this case. Reload and try again.")
    return _("This could not be done: %(why)s", why=exc.message)


def _text(name: str) -> str:
    return (request.form.get(name) or "").strip()


def _act(action: Callable[[], Any], back: str, done: str, after: str | None = None):  # noqa: ANN202
    """Run ``action``; on success flash ``done`` and go to ``after`` (else ``back``), on a
    refusal flash why and go ``back``.  A task or case the caller may not know is a 404."""
    try:
        action()
    except NotFound:
        raise
    except GovflowError as exc:
        flash(problem(exc), "error")
        return redirect(back)
    flash(done, "success")
    return redirect(after or back)


def _task_page(task_id: str, anchor: str = "") -> str:
    return safe_next(request.form.get("next")) or (url_for("clerk.task", task_id=task_id) + anchor)


def _case_page(case_id: int, anchor: str = "") -> str:
    return url_for("cases.case", case_id=case_id) + anchor


# --- task verbs --------------------------------------------------------------------------


@bp.post("/tasks/<task_id>/return")
@login_required(*CLERKS)
def return_task(task_id: str):  # noqa: ANN201
    """退回 to an earlier step, with the reason the receiving clerk reads."""
    return _act(
        lambda: returns.return_task(
            engine(), principal(), task_id, _text("target"), _text("reason")
        ),
        _task_page(task_id, "#actions"),
        _("Returned to the earlier step. Its clerk sees your reason."),
        url_for("clerk.worklist"),
    )


@bp.post("/tasks/<task_id>/withdraw")
@login_required(*CLERKS)
def withdraw(task_id: str):  # noqa: ANN201
    """撤回 one's own completed step (from the case page) while the next is untouched."""
    back = safe_next(request.form.get("next")) or url_for("clerk.worklist")
    return _act(
        lambda: returns.withdraw(engine(), principal(), task_id, _text("reason")),
        back,
        _("Withdrawn: the step is back in your list."),
        url_for("clerk.task", task_id=task_id),
    )


@bp.post("/tasks/<task_id>/transfer")
@login_required(*CLERKS)
def transfer(task_id: str):  # noqa: ANN201
    """转办 to a colleague of the same department."""
    to = _text("to")
    return _act(
        lambda: handover.transfer(engine(), principal(), task_id, to, _text("reason")),
        _task_page(task_id, "#actions"),
        _("Transferred to %(who)s.", who=to),
        url_for("clerk.worklist"),
    )


@bp.post("/tasks/<task_id>/delegate")
@login_required(*CLERKS)
def delegate(task_id: str):  # noqa: ANN201
    """委派 to any clerk; the step comes back to you when they hand it back."""
    to = _text("to")
    return _act(
        lambda: handover.delegate(engine(), principal(), task_id, to, _text("reason")),
        _task_page(task_id, "#actions"),
        _("Delegated to %(who)s. The step comes back to you with their opinion.", who=to),
        url_for("clerk.worklist"),
    )


@bp.post("/tasks/<task_id>/resolve")
@login_required(*CLERKS)
def resolve(task_id: str):  # noqa: ANN201
    """The delegate hands the step back to its owner with an opinion."""
    return _act(
        lambda: handover.resolve(engine(), principal(), task_id, _text("opinion")),
        _task_page(task_id, "#form"),
        _("Handed back with your opinion."),
        url_for("clerk.worklist"),
    )


@bp.post("/tasks/<task_id>/urge")
@login_required(*CASE_ROLES)
def urge(task_id: str):  # noqa: ANN201
    """催办 by a supervisor or the case's applicant (from the case page)."""
    back = safe_next(request.form.get("next")) or url_for("auth.index")
    return _act(
        lambda: urges.urge(engine(), principal(), task_id, _text("message")),
        back,
        _("Urged. The office sees your reminder on the step."),
    )


@bp.post("/tasks/<task_id>/refuse")
@login_required(*CLERKS)
def refuse(task_id: str):  # noqa: ANN201
    """不予受理 with the statutory reasons ticked (and the legal basis for "other")."""
    reasons = [
        {"code": code, "text": _text(f"reason_text_{code}")}
        for code in request.form.getlist("reason")
    ]
    result: dict[str, int] = {}

    def action() -> None:
        result["case"] = case_control.refuse(engine(), principal(), task_id, reasons, _text("note"))

    back = _task_page(task_id, "#refuse")
    response = _act(action, back, _("The application is refused; the applicant sees why."))
    if "case" in result:
        return redirect(_case_page(result["case"]))
    return response


# --- case verbs --------------------------------------------------------------------------


@bp.post("/cases/<id:case_id>/suspend")
@login_required(*CASE_ROLES)
def suspend(case_id: int):  # noqa: ANN201
    """挂起: the case halts and its clocks stop."""
    return _act(
        lambda: case_control.suspend(engine(), principal(), case_id, _text("reason")),
        _case_page(case_id, "#control"),
        _("The case is suspended; its time limits are paused."),
        _case_page(case_id),
    )


@bp.post("/cases/<id:case_id>/resume")
@login_required(*CASE_ROLES)
def resume(case_id: int):  # noqa: ANN201
    return _act(
        lambda: case_control.resume(engine(), principal(), case_id, _text("note")),
        _case_page(case_id, "#control"),
        _("The case is resumed; the suspended time is not counted."),
        _case_page(case_id),
    )


@bp.post("/cases/<id:case_id>/terminate")
@login_required(*CASE_ROLES)
def terminate(case_id: int):  # noqa: ANN201
    return _act(
        lambda: case_control.terminate(engine(), principal(), case_id, _text("reason")),
        _case_page(case_id, "#control"),
        _("The case is terminated; its open steps have left the worklists."),
        _case_page(case_id),
    )


def _level(name: str) -> Any:
    raw = _text(name)
    return int(raw) if raw.isdigit() else (raw or None)


@bp.post("/cases/<id:case_id>/rating")
@login_required(*CASE_ROLES)
def rate(case_id: int):  # noqa: ANN201
    """好差评: the case as a whole, and each department that worked on it (optional)."""
    departments = {}
    for code in request.form.getlist("department"):
        level = _level(f"level_{code}")
        if level is not None:
            departments[code] = {"level": level, "comment": _text(f"comment_{code}")}
    return _act(
        lambda: ratings.rate(
            engine(),
            principal(),
            case_id,
            _level("level"),
            _text("comment"),
            departments or None,
        ),
        _case_page(case_id, "#rating"),
        _("Thank you for your rating."),
        _case_page(case_id, "#rating"),
    )


@bp.post("/cases/<id:case_id>/visits")
@login_required("clerk", "admin")
def record_visit(case_id: int):  # noqa: ANN201
    """跑动: the window records that the applicant came to the counter for the case."""
    from engine.services import visits

    return _act(
        lambda: visits.record_visit(engine(), principal(), case_id, _text("purpose")),
        _case_page(case_id, "#visits"),
        _("The visit is recorded."),
    )
