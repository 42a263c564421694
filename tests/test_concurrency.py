"""Two clerks at the same moment: nothing lost, nothing done twice.

Runs on SQLite (BEGIN IMMEDIATE) and, in the PostgreSQL leg, on separate pooled
connections with row locks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial

from engine.errors import GovflowError
from engine.services import tasks
from engine.services.auth import get_user, principal_of
from tests.support import Api, property_application


def at_once(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released together; return results or raised errors."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects what was raised
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def accepted_case(api: Api) -> int:
    case = api.start_case("property_transfer", property_application())
    api.claim_and_complete("clerk_service_center", case["id"], "acceptance", {"accepted": True})
    return case["id"]


def test_two_clerks_completing_parallel_branches_at_once_both_survive(api: Api, govflow):
    for _round in range(3):
        case_id = accepted_case(api)
        tax = api.open_task("clerk_tax", case_id, "collect_tax")
        registry = api.open_task("clerk_registry", case_id, "registry_review")
        tax_clerk = principal_of(get_user(govflow, "clerk_tax"))
        registry_clerk = principal_of(get_user(govflow, "clerk_registry"))

        results = at_once(
            partial(
                tasks.complete, govflow, tax_clerk, tax["id"], {"tax_amount": 100, "paid": True}
            ),
            partial(tasks.complete, govflow, registry_clerk, registry["id"], {"approved": True}),
        )
        assert results == [case_id, case_id], results
        case = api.get(f"/api/v1/cases/{case_id}", "supervisor").get_json()
        done = {t["bpmn_id"] for t in case["tasks"] if t["status"] == "completed"}
        assert {"collect_tax", "registry_review"} <= done
        # The join saw both branches: 登簿 is ready exactly once, with both results.
        open_ = [t["bpmn_id"] for t in case["tasks"] if t["status"] in ("ready", "claimed")]
        assert open_ == ["record_register"]
        assert case["data"]["paid"] is True and case["data"]["approved"] is True


def test_the_same_task_completed_twice_at_once_succeeds_exactly_once(api: Api, govflow):
    case = api.start_case("property_transfer", property_application())
    task = api.open_task("clerk_service_center", case["id"], "acceptance")
    clerk = principal_of(get_user(govflow, "clerk_service_center"))
    results = at_once(
        *[
            (lambda: tasks.complete(govflow, clerk, task["id"], {"accepted": True}))
            for _ in range(2)
        ]
    )
    successes = [r for r in results if r == case["id"]]
    failures = [r for r in results if isinstance(r, GovflowError)]
    assert len(successes) == 1 and len(failures) == 1, results
    assert failures[0].status == 409
    events = api.get(f"/api/v1/cases/{case['id']}/events", "supervisor").get_json()["items"]
    assert [e["action"] for e in events].count("task_completed") == 1
    assert len(api.worklist("clerk_tax")) == 1  # the branch was created once, not twice
