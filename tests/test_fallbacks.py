"""Every documented fall-back of docs/SHARED_DATA.md works through the flagship matter:
whatever became of the property record's pull, the window can accept the transfer —
when a decision needs a fact shared data did not bring, it asks for it (the window clerk
enters it from the uploaded certificate) instead of failing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.demo import CERTIFICATE_NO
from tests.shared_data_support import FakePlatform, configure, materials, upload
from tests.support import Api, property_application

PROPERTY_MATERIALS = ("property_certificate", "parcel_map", "floor_plan")
UNKNOWN_CERTIFICATE = "BJ2024-9999999"  # the register holds no such certificate


@pytest.fixture
def platform(api: Api) -> Iterator[FakePlatform]:
    fake = FakePlatform()
    with fake.running():
        yield fake


def _start(api: Api, platform: FakePlatform, outcome: str) -> dict:
    """A property transfer whose property pull ends in ``outcome``."""
    certificate = CERTIFICATE_NO
    if outcome == "not_found":
        certificate = UNKNOWN_CERTIFICATE

    elif outcome == "refused":  # the registry stops sharing for transfers
        assert (
            configure(api, "property", kind="database", purposes=["business_startup/*"]).status_code
            == 200
        )
    elif outcome in ("unavailable", "error"):
        platform.mode = "down" if outcome == "unavailable" else "garbage"
        configured = configure(
            api, "property", kind="http", url=platform.url, timeout_seconds=0.3, retries=0
        )
        assert configured.status_code == 200, configured.get_json()
    case = api.start_case("property_transfer", property_application(certificate_no=certificate))
    source = materials(case)["property_certificate"]["source"]
    assert source["outcome"] == outcome, source
    return case


def _accept(api: Api, case_id: int):  # noqa: ANN202
    task = api.open_task("clerk_service_center", case_id, "acceptance")
    assert api.post(f"/api/v1/tasks/{task['id']}/claim", "clerk_service_center").status_code == 200
    return api.complete("clerk_service_center", task["id"], {"accepted": True})


def _transcribe(api: Api, case_id: int, data: dict):  # noqa: ANN202
    return api.client.put(
        f"/api/v1/cases/{case_id}/shared-data/property/certificate_no",
        headers=api.headers("clerk_service_center"),
        json={"data": data},
    )


def test_a_found_record_is_shared_and_the_case_is_accepted(api: Api, platform: FakePlatform):
    case = _start(api, platform, "found")
    assert all(materials(case)[c]["status"] == "shared" for c in PROPERTY_MATERIALS)
    accepted = _accept(api, case["id"])
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["data"]["deed_tax"]["rate"] == 0.01


# ``no_key`` cannot arise here: the application form requires the certificate number.
@pytest.mark.parametrize("outcome", ["not_found", "refused", "unavailable", "error"])
def test_without_the_record_the_window_is_asked_for_the_fact_then_accepts(
    api: Api, platform: FakePlatform, outcome: str
):
    case = _start(api, platform, outcome)
    case_id = case["id"]
    for code in PROPERTY_MATERIALS:
        material = materials(case)[code]
        assert material["status"] == "missing" and material["action"] == "upload"
        assert material["reason"]
    assert case["data"]["property"] is None

    # Accepting before anyone entered the area: the decision asks for it, nothing changes.
    asked = _accept(api, case_id)
    assert asked.status_code == 409, asked.get_json()
    error = asked.get_json()["error"]
    assert error["code"] == "fact_missing"
    assert error["details"]["record"] == "property" and error["details"]["fact"] == "area"
    assert error["details"]["transcribe"] == (
        f"/api/v1/cases/{case_id}/shared-data/property/certificate_no"
    )
    assert "cannot index" not in error["details"].get("reason", "")
    still = api.get(f"/api/v1/cases/{case_id}", "zhangsan").get_json()
    assert still["data"] == case["data"] and still["status"] == "running"
    assert [t["bpmn_id"] for t in still["tasks"] if t["status"] in ("ready", "claimed")] == [
        "acceptance"
    ]

    # The applicant uploads the certificate; the window enters the facts from it.
    for code in PROPERTY_MATERIALS:
        assert upload(api, case_id, code, "zhangsan").status_code == 201
    entered = _transcribe(api, case_id, {"certificate_no": UNKNOWN_CERTIFICATE, "area": 150.0})
    assert entered.status_code == 200, entered.get_json()

    accepted = _accept(api, case_id)
    assert accepted.status_code == 200, accepted.get_json()
    after = accepted.get_json()
    assert after["data"]["deed_tax"]["rate"] == 0.015  # first home over 140 m²
    assert {t["bpmn_id"] for t in after["tasks"] if t["status"] == "ready"} == {
        "collect_tax",
        "registry_review",
    }
    assert all(materials(after)[c]["status"] == "uploaded" for c in PROPERTY_MATERIALS)
