"""3. Cost as a case grows: one step of a property_transfer case that has been returned
(退回) from registry review to the window and resubmitted 5 times, versus 500 times."""

from __future__ import annotations

import statistics
import time

from .common import Verdict, say, scale, seeded_app
from .engine_overhead import _application

SAMPLES = 15


def _open_task(govflow, clerk, case_id: int, bpmn_id: str) -> str:  # noqa: ANN001
    from engine.services import tasks

    rows, _ = tasks.list_tasks(govflow, clerk, status="ready", per_page=100)
    return next(r.id for r in rows if r.case_id == case_id and r.bpmn_id == bpmn_id)


def _round(govflow, window, registry, case_id: int) -> float:  # noqa: ANN001
    """Accept at the window (timed), then registry review returns the case to it."""
    from engine.services import tasks
    from engine.verbs.returns import return_task

    acceptance = _open_task(govflow, window, case_id, "acceptance")
    start = time.perf_counter()
    tasks.complete(govflow, window, acceptance, {"accepted": True, "opinion": "受理"})
    elapsed = time.perf_counter() - start
    review = _open_task(govflow, registry, case_id, "registry_review")
    return_task(govflow, registry, review, "acceptance", "材料有误，请窗口核实")
    return elapsed


def step_cost(rounds: int) -> float:
    """Median time of the acceptance step after ``rounds`` returns and resubmissions."""
    from engine.services import cases, parties
    from engine.services.auth import get_user, principal_of

    with seeded_app() as app:
        govflow = app.extensions["govflow"]
        applicant = principal_of(get_user(govflow, "zhangsan"))
        window = principal_of(get_user(govflow, "clerk_service_center"))
        registry = principal_of(get_user(govflow, "clerk_registry"))
        case_id = cases.start_case(govflow, applicant, "property_transfer", None, _application())
        parties.confirm(govflow, principal_of(get_user(govflow, "lisi")), case_id)  # the seller
        for _ in range(rounds):
            _round(govflow, window, registry, case_id)
        return statistics.median(_round(govflow, window, registry, case_id) for _ in range(SAMPLES))


def run() -> Verdict:
    small, large = 5, scale(500, 60)
    few, many = step_cost(small), step_cost(large)
    ratio = many / few
    say(
        f"   step after {small} returns: {few * 1000:.1f} ms; after {large} returns: {many * 1000:.1f} ms"
    )
    return Verdict(
        3, f"step cost after {large} vs {small} returns", f"{ratio:.2f}x", "<= 2x", ratio <= 2.0
    )
