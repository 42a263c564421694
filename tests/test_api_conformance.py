"""Schemathesis drives every operation of the served OpenAPI document, as each role.

For every operation and each of the six demo roles, a bounded number of generated
requests — valid ones (positive) and ones that break the document (negative) — must get
no server error, a documented status code and content type, an answer that matches its
documented schema, and a 4xx for every request the document says is invalid.  The examples are derandomized so a failure repeats; raise
``GOVFLOW_CONFORMANCE_EXAMPLES`` to search harder locally.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from engine.services import auth
from tests.support import PASSWORD, Api, business_application

ROLES = ("admin", "designer", "supervisor", "clerk_tax", "zhangsan", "integration")
# The request shapes are the same on both databases: the SQLite leg searches harder, the
# PostgreSQL leg keeps a few examples per operation for what only it refuses (integer widths).
_DEFAULT_EXAMPLES = "3" if os.environ.get("GOVFLOW_TEST_DB") == "postgresql" else "8"
EXAMPLES = int(os.environ.get("GOVFLOW_CONFORMANCE_EXAMPLES", _DEFAULT_EXAMPLES))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the failure is reported as met
    suppress_health_check=list(HealthCheck),
)


def _failures(
    schema: schemathesis.BaseSchema,
    headers: dict[str, str],
    existing: dict[str, object],
    answered: list[int],
    fresh_headers: Callable[[], dict[str, str]],
) -> list[str]:
    """Each operation twice over: with generated path parameters (mostly naming nothing)
    and with ``existing`` ones (a real case, task, matter...), so that bodies and queries
    reach the code behind the look-up; each way with valid and with invalid data.

    Signing out (``DELETE /auth/token``) ends the token it is sent with: each of its
    examples gets a token of its own, so the role's token still opens every other door."""
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        signs_out = operation.method.upper() == "DELETE" and operation.path.endswith("/auth/token")
        # Nothing to break in a request without parameters, body or token (GET /api/health).
        unbreakable = operation.definition.raw.get("security") == [] and not (
            len(operation.path_parameters) or len(operation.query) or len(operation.body)
        )
        names = {p.name for p in operation.path_parameters}
        real = {name: value for name, value in existing.items() if name in names}
        for mode, path in itertools.product(
            (GenerationMode.POSITIVE, GenerationMode.NEGATIVE), (None, real or None)
        ):
            if path is None and real and mode is GenerationMode.NEGATIVE:
                continue  # invalid path parameters are exercised once, with real ones held
            if unbreakable and mode is GenerationMode.NEGATIVE:
                continue
            headers_of = fresh_headers if signs_out else lambda: headers

            @BOUNDED
            @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path))
            def exercise(case: schemathesis.Case) -> None:
                # A negative case may drop the token on purpose: it then expects a 401.
                dropped = case.operation.schema.is_security_param_negated(case)
                sent = {} if dropped else headers_of()  # noqa: B023 - called at once
                response = case.call(headers=sent)
                answered.append(response.status_code)
                case.validate_response(response, checks=CHECKS, headers=sent)

            try:
                exercise()
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - all reported
                held = " with existing path parameters" if path else ""
                found.append(f"{operation.label} ({mode.value}{held}): {exc}")
    return found


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_as_documented(app, api: Api, role: str):  # noqa: ANN001
    # A case in flight, so that lists, dashboards and the look-ups have something to show.
    case = api.start_case("business_startup", business_application())
    task = api.worklist("clerk_service_center")[0]
    material = case["materials"][0]
    existing = {
        "case_id": case["id"],
        "task_id": task["id"],
        "key": case["process_key"],
        "year": 2026,
        "model_id": 1,
        "pause_id": 1,
        "code": material["code"],
        "provider": material["provider"] or "identity",
        "name": "identity",
        "field": "legal_rep",
        "notice_id": 1,
        "notification_id": 1,
        "extension_id": 1,
        "request_id": 1,
    }
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    answered: list[int] = []
    govflow = app.extensions["govflow"]

    def fresh_headers() -> dict[str, str]:
        token, _expires, _user = auth.authenticate(govflow, role, PASSWORD)
        return {"Authorization": f"Bearer {token}"}

    failures = _failures(schema, api.headers(role), existing, answered, fresh_headers)
    assert not failures, "\n\n".join(failures)
    operations = sum(len(ops) for ops in schema.raw_schema["paths"].values())
    assert operations >= 50 and len(answered) >= 3 * operations  # it did go everywhere
    assert any(200 <= status < 300 for status in answered)
