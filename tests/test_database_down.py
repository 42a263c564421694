"""The database restarting or down answers 503 (nothing was done, try again), never 500:
the soak run's PostgreSQL restart (bench/soak.py) found every such request a 500."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError, ProgrammingError

from engine.services import cases
from tests.support import Api, business_application


class _Refused(Exception):
    pass


def _raising(exc: Exception):  # noqa: ANN202
    def fail(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise exc

    return fail


def test_a_dropped_database_connection_answers_503_with_retry_after(
    api: Api, monkeypatch: pytest.MonkeyPatch
):
    case_id = api.start_case("business_startup", business_application())["id"]
    dropped = OperationalError("SELECT 1", {}, _Refused("server closed the connection"))
    monkeypatch.setattr(cases, "get_case_json", _raising(dropped))
    response = api.get(f"/api/v1/cases/{case_id}", "zhangsan")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "database_unavailable"
    assert response.headers["Retry-After"] == "5"
    assert "server closed" not in response.get_data(as_text=True)  # no internals shown


def test_a_fault_of_ours_in_sql_is_still_a_500(api: Api, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(
        cases, "get_case_json", _raising(ProgrammingError("SELECT x", {}, _Refused("no column")))
    )
    response = api.get("/api/v1/cases/1", "zhangsan")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
