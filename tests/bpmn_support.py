"""Helpers of the tests that deploy small models and run them through the API."""

from __future__ import annotations

import io
from typing import Any

from tests.support import Api

DEPLOY = "/api/v1/process-definitions"

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="x">\n'
)


def model(key: str, body: str) -> bytes:
    """A one-process document around ``body`` (flow nodes and sequence flows)."""
    return (
        f'{HEAD}<bpmn:process id="{key}" name="{key}" isExecutable="true">\n'
        f"{body}\n</bpmn:process>\n</bpmn:definitions>\n"
    ).encode()


def deploy(api: Api, xml: bytes, as_: str = "designer") -> Any:
    return api.post(
        DEPLOY,
        as_,
        data={"file": (io.BytesIO(xml), "model.bpmn")},
        content_type="multipart/form-data",
    )


def deployed(api: Api, xml: bytes) -> dict[str, Any]:
    response = deploy(api, xml)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def refused_elements(response: Any) -> dict[str, str]:
    """The 422 ``details.elements`` of a refused upload as ``{id: message}``."""
    assert response.status_code == 422, response.get_data(as_text=True)[:2000]
    error = response.get_json()["error"]
    assert error["code"] == "undeployable_bpmn", error
    return {e["id"]: e["message"] for e in error["details"]["elements"]}


def open_tasks(case: dict[str, Any]) -> list[str]:
    """BPMN ids of the case's open tasks (what the worklists show), sorted."""
    return sorted(t["bpmn_id"] for t in case["tasks"] if t["status"] in ("ready", "claimed"))
