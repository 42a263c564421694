"""Test helpers: an API client that signs in as the demo users."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from engine import clock
from engine.demo import APPLICANTS, business_application, property_application  # noqa: F401 - re-exported

PASSWORD = "govflow-demo"


class Api:
    def __init__(self, client: Any) -> None:
        self.client = client
        self._tokens: dict[str, tuple[str, datetime]] = {}

    def token(self, username: str) -> str:
        # Tests travel in time; a token from another day would have expired there.
        now = clock.now()
        cached = self._tokens.get(username)
        if cached is None or abs(now - cached[1]) > timedelta(hours=1):
            response = self.client.post(
                "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
            )
            assert response.status_code == 200, response.get_json()
            self._tokens[username] = (response.get_json()["token"], now)
        return self._tokens[username][0]

    def headers(self, username: str | None, **extra: str) -> dict[str, str]:
        headers = dict(extra)
        if username:
            headers["Authorization"] = f"Bearer {self.token(username)}"
        return headers

    def get(self, path: str, as_: str | None = None, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers(as_), **kwargs)

    def post(self, path: str, as_: str | None = None, json: Any = None, **kwargs: Any) -> Any:
        headers = self.headers(as_, **kwargs.pop("headers", {}))
        return self.client.post(path, headers=headers, json=json, **kwargs)

    # --- domain shortcuts -------------------------------------------------------------
    def start_case(
        self,
        process_key: str,
        data: dict,
        as_: str = "zhangsan",
        *,
        confirmed: bool = True,
        fetched: bool = True,
    ) -> dict:
        """Start a case; with ``confirmed`` the other parties it names (demo users) confirm
        it at once, as the seller of a flat does when the buyer applies with their consent."""
        response = self.post("/api/v1/cases", as_, json={"process_key": process_key, "data": data})
        assert response.status_code == 201, response.get_json()
        case = response.get_json()
        case = self.confirm_parties(case, as_) if confirmed else case
        # Records from the exchange platform arrive through jobs, after the step committed.
        if fetched and self.run_jobs():
            case = self.get(f"/api/v1/cases/{case['id']}", as_).get_json()
        return case

    def run_jobs(self, rounds: int = 12) -> int:
        """Run the job runner until the queue is empty, as the scheduler would, the pauses
        between retries passing at once; answer how many jobs it ran."""
        from sqlalchemy import update

        from engine.jobs.models import PENDING, Job
        from engine.services import jobs
        from engine.uow import transaction

        govflow = self.client.application.extensions["govflow"]
        ran = 0
        for _ in range(rounds):
            with transaction(govflow.db) as session:
                session.execute(
                    update(Job).where(Job.state == PENDING).values(next_attempt_at=clock.now())
                )
            report = jobs.run_due(govflow)
            if not (report.done or report.retried or report.failed):
                break
            ran += report.done + report.failed
        return ran

    def confirm_parties(self, case: dict, as_: str = "zhangsan") -> dict:
        """Every demo user the case names as a party confirms it; the case afterwards, as
        ``as_`` sees it."""
        if any(p["confirmed_at"] is None for p in case.get("parties", [])):
            for username, *_ in APPLICANTS:
                waiting = self.get("/api/v1/me/confirmations", username).get_json()["items"]
                if any(w["case_id"] == case["id"] for w in waiting):
                    done = self.post(f"/api/v1/cases/{case['id']}/confirmations", username)
                    assert done.status_code == 200, done.get_json()
            case = self.get(f"/api/v1/cases/{case['id']}", as_).get_json()
        return case

    def worklist(self, username: str, **filters: str) -> list[dict]:
        response = self.get("/api/v1/tasks", username, query_string={"per_page": 100, **filters})
        assert response.status_code == 200, response.get_json()
        return response.get_json()["items"]

    def open_task(self, username: str, case_id: int, bpmn_id: str) -> dict:
        for task in self.worklist(username):
            if (
                task["case_id"] == case_id
                and task["bpmn_id"] == bpmn_id
                and task["status"] in ("ready", "claimed")
            ):
                return task
        raise AssertionError(f"{username} has no open task {bpmn_id} of case {case_id}")

    def complete(self, username: str, task_id: str, data: dict) -> Any:
        return self.post(f"/api/v1/tasks/{task_id}/complete", username, json={"data": data})

    def claim_and_complete(self, username: str, case_id: int, bpmn_id: str, data: dict) -> dict:
        task = self.open_task(username, case_id, bpmn_id)
        claimed = self.post(f"/api/v1/tasks/{task['id']}/claim", username)
        assert claimed.status_code == 200, claimed.get_json()
        response = self.complete(username, task["id"], data)
        assert response.status_code == 200, response.get_json()
        return response.get_json()


def confirm_named_parties(govflow: Any, case_id: int, application: dict, starter: str) -> None:
    """The demo users an application names as parties (the seller 李四) confirm it, as
    ``Api.start_case`` does, for tests that start cases through the services."""
    from engine.services import parties
    from engine.services.auth import get_user, principal_of

    for username, _, id_number, _ in APPLICANTS:
        if username != starter and id_number in application.values():
            parties.confirm(govflow, principal_of(get_user(govflow, username)), case_id)
