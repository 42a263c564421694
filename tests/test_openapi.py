"""The OpenAPI document is the complete reference: it must match what the app serves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from web.api.openapi import openapi_document

CONTRACT = Path("/work/shared/api-contract-paths.txt")
SUCCESS = ("200", "201", "204")


def _shape(path: str) -> str:
    """/api/v1/cases/<id:case_id> and /api/v1/cases/{id} both become /api/v1/cases/{}."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def _served(app) -> set[tuple[str, str]]:  # noqa: ANN001
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                served.add((_shape(rule.rule), method.lower()))
    return served


def _operations(document: dict) -> list[tuple[str, str, dict]]:
    return [
        (path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()
    ]


def test_every_api_route_is_documented_and_every_documented_route_exists(app):
    served = {
        (path, method)
        for path, method in _served(app)
        if path.startswith("/api/v1/") or path == "/api/health"
    }
    documented = {
        (_shape(path), method) for path, method, _op in _operations(openapi_document(app))
    }
    assert served - documented == set(), "served but not documented"
    assert documented - served == set(), "documented but not served"


def _real_schema(schema: dict, components: dict) -> bool:
    """A schema that says something: a reference to a described component, properties,
    or items — not a bare ``{"type": "object"}``."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return bool(schema.get("properties") or schema.get("items") or schema.get("format"))


def test_nearly_every_operation_describes_its_success_answer_with_a_real_schema(app):
    document = openapi_document(app)
    components = document["components"]["schemas"]
    operations = _operations(document)
    described = [
        (path, method)
        for path, method, op in operations
        for status, answer in op["responses"].items()
        if status in SUCCESS
        and any(_real_schema(c["schema"], components) for c in answer.get("content", {}).values())
    ]
    assert len(set(described)) >= 0.95 * len(operations), set(
        (p, m) for p, m, _ in operations
    ) - set(described)


def test_every_operation_documents_its_errors_with_the_common_error_body(app):
    for path, method, op in _operations(openapi_document(app)):
        # 4xx: the error body; a 503 of /api/health answers the health report itself.
        errors = {s: r for s, r in op["responses"].items() if s.startswith("4")}
        assert "400" in errors, (method, path)
        if op.get("security") != []:
            assert "401" in errors, (method, path)
        for answer in errors.values():
            schema = answer["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, (method, path)


@pytest.mark.skipif(not CONTRACT.exists(), reason="the product owner's contract is not here")
def test_every_contract_operation_the_app_serves_is_documented(app):
    served = _served(app)
    documented = {
        (_shape(path), method) for path, method, _op in _operations(openapi_document(app))
    }
    contract = [
        line.split() for line in CONTRACT.read_text().splitlines() if line and line[0] != "#"
    ]
    implemented = {(_shape(path), method.lower()) for method, path in contract} & served
    assert implemented, "the app serves none of the contract's operations?"
    api_v1 = {(path, method) for path, method in implemented if path.startswith("/api/v1/")}
    assert api_v1 - documented == set()


def test_the_document_and_its_page_are_public(api):
    document = api.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert document["paths"]["/api/v1/cases/{case_id}"]["get"]["responses"]["200"]
    page = api.get("/api/docs")
    assert page.status_code == 200 and b"/api/v1/cases" in page.data
