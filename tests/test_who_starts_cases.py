"""Who may start a case for whom, and which clerks see it: applicants for themselves,
window clerks for the person at the counter (recorded as such), nobody else; a clerk
sees a case only while their department has or had a step on it."""

from __future__ import annotations

import pytest

from engine.demo import LISI_ID, WANGFANG_ID, ZHANGSAN_ID
from tests.shared_data_support import upload
from tests.support import Api, business_application, property_application


def _start(api: Api, as_: str, applicant: dict | None = None, **extra):  # noqa: ANN003, ANN202
    body = {"process_key": "property_transfer", "data": property_application(), **extra}
    if applicant is not None:
        body["applicant"] = applicant
    return api.post("/api/v1/cases", as_, json=body)


def _total_cases(api: Api) -> int:
    return api.get("/api/v1/cases", "admin").get_json()["total"]


@pytest.mark.parametrize(
    "applicant",
    [
        {"id_number": WANGFANG_ID, "name": "王芳"},
        {"id_number": WANGFANG_ID},
        {"id_number": ZHANGSAN_ID, "name": "王芳"},  # own number, somebody else's name
        {"name": "李四"},
    ],
)
def test_an_applicant_cannot_name_somebody_else(api: Api, applicant: dict):
    response = _start(api, "zhangsan", applicant)
    assert response.status_code == 403, response.get_json()
    assert response.get_json()["error"]["code"] == "forbidden"
    assert _total_cases(api) == 0


def test_an_applicant_applies_as_themself_online(api: Api):
    for applicant in (None, {}, {"id_number": ZHANGSAN_ID, "name": "张三"}):
        response = _start(api, "zhangsan", applicant)
        assert response.status_code == 201, response.get_json()
        case = response.get_json()
        assert case["applicant"] == {"id_number": ZHANGSAN_ID, "name": "张三"}
        assert case["started_at_window"] is False
    started = api.get(f"/api/v1/cases/{case['id']}/events", "zhangsan").get_json()["items"][0]
    assert started["action"] == "case_started" and "at_window" not in started["details"]


def test_an_applicant_object_that_is_not_an_object_is_422(api: Api):
    # The StartCase schema refuses it: well-formed JSON, invalid body (API.md: 422).
    assert _start(api, "zhangsan", ["110105199003071239"]).status_code == 422
    assert _total_cases(api) == 0


def test_a_window_clerk_applies_for_the_person_at_the_counter_and_it_is_recorded(api: Api):
    response = _start(api, "clerk_service_center", {"id_number": LISI_ID, "name": "李四"})
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["started_at_window"] is True
    # The applicant sees the case as theirs, marked as entered at the window.
    own = api.get(f"/api/v1/cases/{case['id']}", "lisi").get_json()
    assert own["applicant"]["id_number"] == LISI_ID and own["started_at_window"] is True
    events = api.get(f"/api/v1/cases/{case['id']}/events", "lisi").get_json()["items"]
    started = events[0]
    assert started["action"] == "case_started"
    assert started["actor"] == "clerk_service_center"
    assert started["details"]["at_window"] is True
    assert started["details"]["for_applicant"] == LISI_ID


def test_a_window_clerk_must_name_a_valid_applicant(api: Api):
    for applicant, field in (
        ({"id_number": "123", "name": "李四"}, "applicant.id_number"),
        ({"id_number": LISI_ID}, "applicant.name"),
        ({"id_number": LISI_ID, "name": "李" * 101}, "applicant.name"),
    ):
        response = _start(api, "clerk_service_center", applicant)
        assert response.status_code == 422
        assert field in response.get_json()["error"]["details"]["fields"]
    assert _total_cases(api) == 0


@pytest.mark.parametrize(
    "user",
    [
        "clerk_utilities",
        "clerk_hrss",
        "clerk_housing_fund",
        "clerk_tax",
        "clerk_registry",
        "supervisor",
        "admin",
        "designer",
    ],
)
def test_nobody_else_starts_a_case(api: Api, user: str):
    for applicant in ({"id_number": WANGFANG_ID, "name": "王芳"}, None):
        response = _start(api, user, applicant)
        assert response.status_code == 403, (user, response.get_json())
    assert _total_cases(api) == 0


def _visible(api: Api, clerk: str, case_id: int) -> dict[str, int]:
    listed = api.get("/api/v1/cases", clerk, query_string={"per_page": 100}).get_json()["items"]
    return {
        "case": api.get(f"/api/v1/cases/{case_id}", clerk).status_code,
        "events": api.get(f"/api/v1/cases/{case_id}/events", clerk).status_code,
        "file": api.get(
            f"/api/v1/cases/{case_id}/materials/articles_of_association/file", clerk
        ).status_code,
        "listed": int(any(c["id"] == case_id for c in listed)),
    }


HIDDEN = {"case": 404, "events": 404, "file": 404, "listed": 0}
SHOWN = {"case": 200, "events": 200, "file": 200, "listed": 1}


def test_a_clerk_sees_a_case_only_once_their_department_has_a_step_on_it(api: Api):
    case = api.start_case("business_startup", business_application())
    assert upload(api, case["id"], "articles_of_association", "zhangsan").status_code == 201
    assert _visible(api, "clerk_service_center", case["id"]) == SHOWN
    for clerk in ("clerk_market", "clerk_tax", "clerk_utilities", "clerk_registry"):
        assert _visible(api, clerk, case["id"]) == HIDDEN, clerk


def test_a_department_that_had_a_step_keeps_seeing_the_case(api: Api):
    case = api.start_case("property_transfer", property_application())
    assert api.get(f"/api/v1/cases/{case['id']}", "clerk_tax").status_code == 404
    api.claim_and_complete("clerk_service_center", case["id"], "acceptance", {"accepted": True})
    assert api.get(f"/api/v1/cases/{case['id']}", "clerk_tax").status_code == 200
    # The window's step is done: its clerks still see the case they accepted.
    assert api.get(f"/api/v1/cases/{case['id']}", "clerk_service_center").status_code == 200
    assert api.get(f"/api/v1/cases/{case['id']}", "clerk_utilities").status_code == 404


def test_having_started_a_case_gives_a_back_office_clerk_no_access(api: Api, govflow):  # noqa: ANN001
    """Cases a back-office clerk started before this rule (started_by is theirs) are no
    longer theirs to read."""
    from engine.models import Case
    from engine.uow import transaction

    case = api.start_case("property_transfer", property_application())
    with transaction(govflow.db) as session:
        session.get(Case, case["id"]).started_by = "clerk_utilities"
    assert api.get(f"/api/v1/cases/{case['id']}", "clerk_utilities").status_code == 404
    assert api.get("/api/v1/cases", "clerk_utilities").get_json()["total"] == 0


def test_supervisors_cannot_search_the_access_log_by_id_number(api: Api):
    api.start_case("property_transfer", property_application())
    query = {"id_number": LISI_ID}
    refused = api.get("/api/v1/audit/data-access", "supervisor", query_string=query)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert api.get("/api/v1/audit/data-access", "supervisor").status_code == 200
    admin = api.get("/api/v1/audit/data-access", "admin", query_string=query).get_json()
    assert admin["total"] > 0
    assert {e["subject_id_number"] for e in admin["items"]} == {LISI_ID}


def test_the_window_clerk_sees_a_case_they_received_whatever_its_first_step(api: Api, govflow):  # noqa: ANN001
    """A matter whose first step is a back office's: the clerk who received it at the
    counter still sees it (the answer to their own POST included); other window clerks,
    whose department has no step on it, do not."""
    import io
    from pathlib import Path

    fixtures = Path(__file__).parent / "fixtures" / "bpmn"
    deployed = api.post(
        "/api/v1/process-definitions",
        "designer",
        data={
            "file": (io.BytesIO((fixtures / "market_check.bpmn").read_bytes()), "m.bpmn"),
            "form": (
                io.BytesIO((fixtures / "market_check.site_check.json").read_bytes()),
                "f.json",
            ),
        },
        content_type="multipart/form-data",
    )
    assert deployed.status_code == 201, deployed.get_json()
    response = _start(
        api,
        "clerk_service_center",
        {"id_number": LISI_ID, "name": "李四"},
        process_key="market_check",
        data={},
    )
    assert response.status_code == 201, response.get_json()
    case_id = response.get_json()["id"]
    assert api.get(f"/api/v1/cases/{case_id}", "clerk_service_center").status_code == 200
    from engine.models import User
    from engine.services.auth import hash_password
    from engine.uow import transaction
    from tests.support import PASSWORD

    with transaction(govflow.db) as session:
        session.add(
            User(
                username="window2",
                password_hash=hash_password(PASSWORD),
                display_name="窗口二",
                roles=["clerk"],
                department_code="service_center",
            )
        )
    assert api.get(f"/api/v1/cases/{case_id}", "window2").status_code == 404
    assert api.get(f"/api/v1/cases/{case_id}", "clerk_market").status_code == 200


def _deploy_market_check(api: Api, acceptance_task: str | None) -> None:
    import io
    from pathlib import Path

    fixtures = Path(__file__).parent / "fixtures" / "bpmn"
    xml = (fixtures / "market_check.bpmn").read_text(encoding="utf-8")
    if acceptance_task:
        xml = xml.replace(
            '<bpmn:process id="market_check" name="经营场所核查（测试事项）" isExecutable="true">',
            '<bpmn:process id="market_check" name="经营场所核查（测试事项）" isExecutable="true">'
            "<bpmn:extensionElements><camunda:properties>"
            f'<camunda:property name="acceptance_task" value="{acceptance_task}" />'
            "</camunda:properties></bpmn:extensionElements>",
            1,
        )
    deployed = api.post(
        "/api/v1/process-definitions",
        "designer",
        data={
            "file": (io.BytesIO(xml.encode("utf-8")), "m.bpmn"),
            "form": (
                io.BytesIO((fixtures / "market_check.site_check.json").read_bytes()),
                "f.json",
            ),
        },
        content_type="multipart/form-data",
    )
    assert deployed.status_code == 201, deployed.get_json()


def test_the_department_owning_a_matters_acceptance_step_receives_it_at_its_counter(api: Api):
    """A matter received by a back office (its ``acceptance_task`` is the market's step):
    the market's clerks start it for the person at their counter; no other matter, and no
    other back office."""
    _deploy_market_check(api, "site_check")
    counter = {"id_number": LISI_ID, "name": "李四"}
    response = _start(api, "clerk_market", counter, process_key="market_check", data={})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["started_at_window"] is True
    assert _start(api, "clerk_market", counter).status_code == 403  # property_transfer
    assert _start(api, "clerk_tax", counter, process_key="market_check", data={}).status_code == 403
    assert _total_cases(api) == 1


def test_without_an_acceptance_step_only_the_service_centre_receives_a_matter(api: Api):
    _deploy_market_check(api, None)
    counter = {"id_number": LISI_ID, "name": "李四"}
    refused = _start(api, "clerk_market", counter, process_key="market_check", data={})
    assert refused.status_code == 403
    assert _total_cases(api) == 0
