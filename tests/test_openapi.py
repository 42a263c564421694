"""The OpenAPI document is the complete reference: it must match what the app serves."""

from __future__ import annotations

import re

from web.openapi import openapi_document


def _shape(path: str) -> str:
    """/api/v1/cases/<int:case_id> and /api/v1/cases/{id} both become /api/v1/cases/{}."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def test_every_api_route_is_documented_and_every_documented_route_exists(app):
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") or rule.rule == "/api/health":
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                served.add((_shape(rule.rule), method.lower()))
    documented = {
        (_shape(path), method)
        for path, ops in openapi_document()["paths"].items()
        for method in ops
    }
    assert served - documented == set(), "served but not documented"
    assert documented - served == set(), "documented but not served"


def test_the_document_and_its_page_are_public(api):
    assert api.get("/api/openapi.json").get_json()["openapi"].startswith("3.")
    page = api.get("/api/docs")
    assert page.status_code == 200 and b"/api/v1/cases" in page.data
