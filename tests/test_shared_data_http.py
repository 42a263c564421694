"""The HTTP provider against a local fake exchange platform: each failure mode has a
defined, visible outcome, and a case is never lost to a provider outage."""

from __future__ import annotations

import pytest

from engine.demo import CERTIFICATE_NO, LISI_ID
from tests.shared_data_support import (
    PROPERTY_RECORD,
    FakePlatform,
    configure,
    materials,
    upload,
)
from tests.support import Api, property_application

PROPERTY_MATERIALS = ("property_certificate", "parcel_map", "floor_plan")
TOKEN_ENV = "GOVFLOW_EXCHANGE_TEST_TOKEN"


@pytest.fixture
def platform(api: Api, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    monkeypatch.setenv(TOKEN_ENV, "s3cret-token")
    fake = FakePlatform()
    with fake.running():
        response = configure(
            api,
            "property",
            kind="http",
            url=fake.url,
            timeout_seconds=0.3,
            retries=1,
            credential_env=TOKEN_ENV,
        )
        assert response.status_code == 200, response.get_json()
        yield fake


def test_a_record_from_the_platform_is_shared_with_only_declared_fields(
    api: Api, platform: FakePlatform
):
    case = api.start_case("property_transfer", property_application())
    assert case["data"]["property"] == PROPERTY_RECORD  # "internal_note" was dropped
    mats = materials(case)
    assert all(mats[code]["status"] == "shared" for code in PROPERTY_MATERIALS)
    source = mats["property_certificate"]["source"]
    assert source["transport"] == "http" and source["outcome"] == "found"
    assert source["department"] == "registry" and source["record_key"] == CERTIFICATE_NO
    # The secret came from the environment, the purpose names matter and step.
    request = platform.requests[0]
    assert request["authorization"] == "Bearer s3cret-token"
    assert request["body"] == {
        "provider": "property",
        "key": CERTIFICATE_NO,
        "purpose": "property_transfer/pull_property",
    }


@pytest.mark.parametrize(
    ("mode", "outcome", "reason", "attempts"),
    [
        ("down", "unavailable", "HTTP 503", 2 * 4),
        ("slow", "unavailable", "no answer within 0.3 s", 2 * 4),
        ("garbage", "error", "not valid JSON", 1),
        ("missing", "not_found", "no record", 1),
    ],
)
def test_a_failing_platform_falls_back_to_upload_with_the_reason(
    api: Api, platform: FakePlatform, mode: str, outcome: str, reason: str, attempts: int
):
    platform.mode = mode
    case = api.start_case("property_transfer", property_application())
    assert case["status"] == "running"
    assert case["data"]["property"] is None
    mats = materials(case)
    for code in PROPERTY_MATERIALS:
        assert mats[code]["status"] == "missing" and mats[code]["action"] == "upload"
        assert reason in mats[code]["reason"]
        assert mats[code]["source"]["outcome"] == outcome
    # Transient failures are retried (retries=1 → 2 requests per attempt of the job, which
    # is made GOVFLOW_JOB_ATTEMPTS=4 times); the others are not.
    assert len(platform.requests) == attempts
    # The window still gets the case, and the outcome is in the trail and the log.
    assert api.open_task("clerk_service_center", case["id"], "acceptance")
    events = api.get(f"/api/v1/cases/{case['id']}/events", "zhangsan").get_json()["items"]
    pulled = [
        e["details"]
        for e in events
        if e["action"] == "shared_data_pulled" and e["details"]["provider"] == "property"
    ]
    assert pulled[0]["outcome"] == outcome and reason in pulled[0]["reason"]
    log = api.get(
        "/api/v1/audit/data-access",
        "admin",
        query_string={"case_id": case["id"], "provider": "property"},
    ).get_json()
    assert [e["outcome"] for e in log["items"]] == [outcome]


def test_a_missing_credential_is_an_error_not_a_request(
    api: Api, platform: FakePlatform, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv(TOKEN_ENV)
    case = api.start_case("property_transfer", property_application())
    source = materials(case)["property_certificate"]["source"]
    assert source["outcome"] == "error" and TOKEN_ENV in source["reason"]
    assert platform.requests == []


def test_provider_down_the_case_proceeds_on_uploads_with_the_reason_recorded(
    api: Api, platform: FakePlatform
):
    platform.mode = "down"
    case = api.start_case("property_transfer", property_application())
    case_id = case["id"]
    assert case["materials_summary"] == {"required": 9, "shared": 5, "uploaded": 0, "missing": 4}

    for code in PROPERTY_MATERIALS:
        response = upload(api, case_id, code, "zhangsan", name=f"{code}.pdf")
        assert response.status_code == 201, response.get_json()
    case = api.get(f"/api/v1/cases/{case_id}", "zhangsan").get_json()
    mats = materials(case)
    for code in PROPERTY_MATERIALS:
        assert mats[code]["status"] == "uploaded"
        assert "HTTP 503" in mats[code]["reason"]  # why the applicant had to upload it
        assert mats[code]["upload"]["content_type"] == "application/pdf"
    # Only the deed-tax certificate is left, and it is pulled at registration.
    assert case["materials_summary"] == {"required": 9, "shared": 5, "uploaded": 3, "missing": 1}
    assert mats["deed_tax_certificate"]["action"] == "wait"

    # The window enters the facts the later steps need from the uploaded certificate.
    entered = api.client.put(
        f"/api/v1/cases/{case_id}/shared-data/property/certificate_no",
        headers=api.headers("clerk_service_center"),
        json={"data": {"certificate_no": CERTIFICATE_NO, "area": 89.5, "seized": False}},
    )
    assert entered.status_code == 200, entered.get_json()
    after = api.claim_and_complete(
        "clerk_service_center", case_id, "acceptance", {"accepted": True}
    )
    assert after["data"]["deed_tax"]["rate"] == 0.01
    assert {t["bpmn_id"] for t in after["tasks"] if t["status"] == "ready"} == {
        "collect_tax",
        "registry_review",
    }
    source = materials(after)["property_certificate"]["source"]
    assert source["outcome"] == "transcribed" and source["previous_outcome"] == "unavailable"
    assert materials(after)["property_certificate"]["status"] == "uploaded"


def test_transcribing_needs_the_uploaded_document_and_a_handling_clerk(
    api: Api, platform: FakePlatform
):
    platform.mode = "down"
    case_id = api.start_case("property_transfer", property_application())["id"]
    url = f"/api/v1/cases/{case_id}/shared-data/property/certificate_no"
    body = {"data": {"area": 89.5}}
    no_upload = api.client.put(url, headers=api.headers("clerk_service_center"), json=body)
    assert no_upload.status_code == 409
    assert no_upload.get_json()["error"]["code"] == "material_missing"
    upload(api, case_id, "property_certificate", "zhangsan")
    assert api.client.put(url, headers=api.headers("zhangsan"), json=body).status_code == 403
    assert api.client.put(url, headers=api.headers("clerk_tax"), json=body).status_code == 404
    unknown = api.client.put(
        url, headers=api.headers("clerk_service_center"), json={"data": {"colour": "red"}}
    )
    assert unknown.status_code == 422
    case = api.get(f"/api/v1/cases/{case_id}", "zhangsan").get_json()
    assert case["data"]["property"] is None  # nothing changed


def test_refresh_pulls_again_once_the_platform_is_back(api: Api, platform: FakePlatform):
    platform.mode = "down"
    case_id = api.start_case("property_transfer", property_application())["id"]
    platform.mode = "ok"
    assert api.post(f"/api/v1/cases/{case_id}/shared-data/refresh", "zhangsan").status_code == 403
    response = api.post(f"/api/v1/cases/{case_id}/shared-data/refresh", "clerk_service_center")
    assert response.status_code == 200, response.get_json()
    # The platform is asked by a job after the refresh committed, not inside it.
    assert response.get_json() == {"arrived": [], "fetching": ["property:certificate_no"]}
    assert api.run_jobs() == 1
    case = api.get(f"/api/v1/cases/{case_id}", "zhangsan").get_json()
    assert case["data"]["property"]["area"] == 89.5
    assert all(materials(case)[c]["status"] == "shared" for c in PROPERTY_MATERIALS)
    after = api.claim_and_complete(
        "clerk_service_center", case_id, "acceptance", {"accepted": True}
    )
    assert after["data"]["deed_tax"]["rate"] == 0.01
    assert after["data"]["property"]["owners"] == [LISI_ID, PROPERTY_RECORD["owners"][1]]


def test_switching_back_to_the_built_in_table(api: Api, platform: FakePlatform):
    platform.mode = "down"
    assert configure(api, "property", kind="database").status_code == 200
    case = api.start_case("property_transfer", property_application())
    assert materials(case)["property_certificate"]["status"] == "shared"
    assert platform.requests == []
