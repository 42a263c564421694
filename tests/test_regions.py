"""Regions (属地/跨层级): one model serves every district; a task naming a department kind
goes to that kind's department where the case is handled (or the nearest one up), and
districts, their clerks and supervisors keep to their own work."""

from __future__ import annotations

import pytest

from engine.demo import HAIDIAN_CERTIFICATE_NO, HAIDIAN_CONTRACT_NO
from engine.directory import tree
from engine.models import Case, Department
from engine.uow import read_only, run_in_transaction
from tests.bpmn_support import deployed, model
from tests.support import Api, property_application

ACCEPT = {"accepted": True, "opinion": "材料齐全，予以受理"}


def haidian_flat(**overrides) -> dict:
    return property_application(
        certificate_no=HAIDIAN_CERTIFICATE_NO, contract_no=HAIDIAN_CONTRACT_NO, **overrides
    )


def accepted(api: Api, data: dict, **body) -> dict:
    """A property transfer started and accepted at the (city's one) window."""
    response = api.post(
        "/api/v1/cases", "zhangsan", json={"process_key": "property_transfer", "data": data, **body}
    )
    assert response.status_code == 201, response.get_json()
    case = api.confirm_parties(response.get_json())
    api.claim_and_complete("clerk_service_center", case["id"], "acceptance", ACCEPT)
    return api.get(f"/api/v1/cases/{case['id']}", "zhangsan").get_json()


def departments_of(case: dict) -> dict[str, str]:
    return {t["bpmn_id"]: t["department"] for t in case["tasks"] if t["status"] == "ready"}


def add_department(govflow, code: str, kind: str, division: str, parent: str | None) -> None:
    run_in_transaction(
        govflow.db,
        lambda s: s.add(
            Department(
                code=code,
                name_zh=code,
                name_en=code,
                kind=kind,
                division=division,
                parent_code=parent,
            )
        ),
    )


# --- where a case is handled ---------------------------------------------------------------
def test_a_flat_in_haidian_is_handled_by_haidian_with_the_model_chaoyang_uses(api: Api):
    haidian = accepted(api, haidian_flat())
    assert haidian["division"] == "110108"  # the property record says where the flat is
    assert departments_of(haidian) == {
        "collect_tax": "haidian_tax",
        "registry_review": "haidian_registry",
    }
    chaoyang = accepted(api, property_application())
    assert chaoyang["division"] == "110105"
    assert departments_of(chaoyang) == {"collect_tax": "tax", "registry_review": "registry"}
    # The window is the city's: both districts' applications reach it (nearest one up).
    trail = api.get(f"/api/v1/cases/{haidian['id']}/events", "zhangsan").get_json()["items"]
    acceptance = next(e for e in trail if e["action"] == "task_completed")
    assert acceptance["actor"] == "clerk_service_center"


def test_the_division_chosen_on_the_application_wins_over_shared_data(api: Api):
    case = accepted(api, property_application(), division="110108")
    assert case["division"] == "110108"
    assert departments_of(case)["registry_review"] == "haidian_registry"


def test_a_division_no_department_serves_is_refused_and_starts_nothing(api: Api, govflow):
    for division, field_error in (("990000", "no department"), ("11010", None), ("abc", None)):
        response = api.post(
            "/api/v1/cases",
            "zhangsan",
            json={
                "process_key": "property_transfer",
                "data": property_application(),
                "division": division,
            },
        )
        assert response.status_code == 422, (division, response.get_json())
        assert "division" in response.get_json()["error"]["details"]["fields"]
        if field_error:
            assert field_error in str(response.get_json()["error"]["details"]["fields"])
    with read_only(govflow.db) as session:
        assert session.query(Case).count() == 0


def test_a_township_of_a_known_district_is_handled_by_the_district(api: Api):
    case = accepted(api, property_application(), division="110108001")
    assert departments_of(case)["collect_tax"] == "haidian_tax"


# --- routing rules -------------------------------------------------------------------------
def test_routing_takes_the_nearest_department_of_the_kind_up_the_tree(govflow):
    add_department(govflow, "chaoyang_archives", "archives", "110105", "chaoyang")
    add_department(govflow, "city_archives", "archives", "110000", "beijing")
    with read_only(govflow.db) as session:
        assert tree.route(session, ["archives"], "110105") == (["chaoyang_archives"], [])
        # Haidian has no archives of its own: the city's, not its sibling Chaoyang's.
        assert tree.route(session, ["archives"], "110108") == (["city_archives"], [])
        assert tree.route(session, ["archives"], "110108001") == (["city_archives"], [])
        assert tree.route(session, ["service_center"], "110108") == (["service_center"], [])


def test_a_kind_nobody_serves_there_is_unroutable_and_fails_the_step(govflow, api: Api):
    add_department(govflow, "chaoyang_archives", "archives", "110105", "chaoyang")
    with read_only(govflow.db) as session:
        assert tree.route(session, ["archives"], "110108") == ([], ["archives"])
    xml = model(
        "archiving",
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
        '<bpmn:userTask id="t" name="归档" camunda:candidateGroups="archives"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/>',
    )
    deployed(api, xml)  # deploy accepts a kind as candidate group
    refused = api.post(
        "/api/v1/cases", "zhangsan", json={"process_key": "archiving", "division": "110108"}
    )
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "workflow_error"
    with read_only(govflow.db) as session:
        assert session.query(Case).count() == 0  # one command, nothing half-made
    routed = api.post(
        "/api/v1/cases", "zhangsan", json={"process_key": "archiving", "division": "110105"}
    )
    assert routed.status_code == 201, routed.get_json()
    assert departments_of(routed.get_json()) == {"t": "chaoyang_archives"}
    assert [t["id"] for t in api.worklist("clerk_registry") if t["bpmn_id"] == "t"] == []


def test_an_exact_department_code_still_names_that_department(govflow, api: Api):
    with read_only(govflow.db) as session:
        assert tree.route(session, ["haidian_registry"], "110105") == (["haidian_registry"], [])
        # A case handled nowhere in particular routes as before regions.
        assert tree.route(session, ["registry"], None) == (["registry"], [])
    xml = model(
        "haidian_only",
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
        '<bpmn:userTask id="t" name="核查" camunda:candidateGroups="haidian_registry"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/>',
    )
    deployed(api, xml)
    case = api.post(
        "/api/v1/cases", "zhangsan", json={"process_key": "haidian_only", "division": "110105"}
    ).get_json()
    assert departments_of(case) == {"t": "haidian_registry"}


def test_department_ids_under_a_department_follow_the_tree(govflow):
    with read_only(govflow.db) as session:
        city = tree.codes_under(session, "beijing")
        haidian = tree.codes_under(session, "haidian")
        assert haidian == {"haidian", "haidian_tax", "haidian_registry", "haidian_utilities"}
        assert haidian < city and {"chaoyang", "registry", "service_center"} < city
        assert tree.codes_under(session, "registry") == {"registry"}


# --- nobody crosses a district line ---------------------------------------------------------
@pytest.fixture
def two_districts(api: Api) -> tuple[dict, dict]:
    return accepted(api, property_application()), accepted(api, haidian_flat())


def _task(case: dict, bpmn_id: str) -> dict:
    return next(t for t in case["tasks"] if t["bpmn_id"] == bpmn_id)


def test_a_district_clerk_cannot_reach_another_districts_task(api: Api, two_districts):
    chaoyang, haidian = two_districts
    theirs = _task(haidian, "collect_tax")
    mine = _task(chaoyang, "collect_tax")
    listed = {t["id"] for t in api.worklist("clerk_tax")}
    assert mine["id"] in listed and theirs["id"] not in listed
    assert api.get(f"/api/v1/tasks/{theirs['id']}", "clerk_tax").status_code == 404
    assert api.post(f"/api/v1/tasks/{theirs['id']}/claim", "clerk_tax").status_code == 404
    done = api.complete("clerk_tax", theirs["id"], {"tax_amount": 1, "paid": True})
    assert done.status_code == 404
    assert api.get(f"/api/v1/cases/{haidian['id']}", "clerk_tax").status_code == 404
    assert api.get(f"/api/v1/cases/{haidian['id']}/events", "clerk_tax").status_code == 404
    listed_cases = api.get("/api/v1/cases", "clerk_tax", query_string={"per_page": 100})
    assert haidian["id"] not in {c["id"] for c in listed_cases.get_json()["items"]}
    # ... and the other way round; the Haidian task is untouched and still its own.
    assert mine["id"] not in {t["id"] for t in api.worklist("clerk_haidian_tax")}
    assert api.post(f"/api/v1/tasks/{mine['id']}/claim", "clerk_haidian_tax").status_code == 404
    again = api.get(f"/api/v1/cases/{haidian['id']}", "zhangsan").get_json()
    assert _task(again, "collect_tax")["status"] == "ready"
    api.claim_and_complete(
        "clerk_haidian_tax",
        haidian["id"],
        "collect_tax",
        {"tax_amount": 21000, "paid": True, "receipt_no": "WS-HD-1"},
    )


def test_the_city_supervisor_sees_both_districts_a_district_supervisor_only_its_own(
    api: Api, two_districts
):
    chaoyang, haidian = two_districts

    def seen_cases(who: str) -> set[int]:
        listed = api.get("/api/v1/cases", who, query_string={"per_page": 100}).get_json()
        return {c["id"] for c in listed["items"]}

    def seen_tasks(who: str) -> set[int]:
        return {t["case_id"] for t in api.worklist(who)}

    both = {chaoyang["id"], haidian["id"]}
    assert seen_cases("supervisor_beijing") == both and seen_tasks("supervisor_beijing") == both
    assert seen_cases("supervisor") == both  # of no department: the whole province
    assert seen_cases("supervisor_chaoyang") == {chaoyang["id"]}
    assert seen_tasks("supervisor_chaoyang") == {chaoyang["id"]}
    assert seen_cases("supervisor_haidian") == {haidian["id"]}
    assert seen_tasks("supervisor_haidian") == {haidian["id"]}
    assert api.get(f"/api/v1/cases/{haidian['id']}", "supervisor_chaoyang").status_code == 404
    theirs = _task(haidian, "collect_tax")
    assert api.get(f"/api/v1/tasks/{theirs['id']}", "supervisor_chaoyang").status_code == 404
    urged = api.post(
        f"/api/v1/tasks/{theirs['id']}/urge", "supervisor_chaoyang", json={"message": "快"}
    )
    assert urged.status_code == 404
    suspended = api.post(
        f"/api/v1/cases/{haidian['id']}/suspend", "supervisor_chaoyang", json={"reason": "核查"}
    )
    assert suspended.status_code == 404

    def overview_departments(who: str) -> set[str]:
        overview = api.get("/api/v1/supervision/overview", who).get_json()
        return {d["code"] for d in overview["departments"]}

    assert overview_departments("supervisor_haidian") == {"haidian_tax", "haidian_registry"}
    assert overview_departments("supervisor_chaoyang") == {"tax", "registry"}
    assert overview_departments("supervisor_beijing") >= {
        "tax",
        "registry",
        "haidian_tax",
        "haidian_registry",
        "service_center",
    }


def test_the_application_page_offers_where_to_handle_it(app, govflow):  # noqa: ANN001
    from tests.test_pages import Browser

    browser = Browser(app, "zhangsan")
    form = browser.get("/apply/property_transfer").get_data(as_text=True)
    assert 'data-test="division"' in form
    assert "海淀区人民政府 (110108)" in form and "朝阳区人民政府 (110105)" in form
    chosen = property_application()
    chosen.update(first_home="true", division="110108")
    response = browser.post("/apply/property_transfer", chosen)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    with read_only(govflow.db) as session:
        [case] = session.query(Case).all()
        assert case.division == "110108"
    nowhere = {**chosen, "division": "990000"}
    refused = browser.post("/apply/property_transfer", nowhere)
    assert refused.status_code == 422 and 'id="division-err"' in refused.get_data(as_text=True)


def test_the_overdue_list_of_a_district_supervisor_holds_only_the_districts_work(api: Api):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine

    def at(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Asia/Shanghai"))

    with time_machine.travel(at("2026-09-29T10:00:00"), tick=False):
        chaoyang = accepted(api, property_application())
        haidian = accepted(api, haidian_flat())
    with time_machine.travel(at("2026-10-08T09:00:00"), tick=False):

        def overdue_cases(who: str) -> set[int]:
            answer = api.get("/api/v1/supervision/overdue", who, query_string={"per_page": 100})
            assert answer.status_code == 200, answer.get_json()
            return {item["case_id"] for item in answer.get_json()["items"]}

        assert overdue_cases("supervisor") == {chaoyang["id"], haidian["id"]}
        assert overdue_cases("supervisor_beijing") == {chaoyang["id"], haidian["id"]}
        assert overdue_cases("supervisor_chaoyang") == {chaoyang["id"]}
        assert overdue_cases("supervisor_haidian") == {haidian["id"]}


def test_a_district_supervisor_audits_only_the_districts_data_access(api: Api, two_districts):
    chaoyang, haidian = two_districts

    def logged_cases(who: str) -> set[int]:
        answer = api.get("/api/v1/audit/data-access", who, query_string={"per_page": 100})
        assert answer.status_code == 200, answer.get_json()
        return {item["case_id"] for item in answer.get_json()["items"]}

    assert logged_cases("supervisor") >= {chaoyang["id"], haidian["id"]}
    assert logged_cases("supervisor_haidian") == {haidian["id"]}
    assert logged_cases("supervisor_chaoyang") == {chaoyang["id"]}


def test_statistics_follow_the_department_tree(api: Api):
    period = {"from": "2026-01-01", "to": "2026-12-31"}

    def figures(user: str, **extra: str):  # noqa: ANN202
        return api.get("/api/v1/statistics", user, query_string={**period, **extra})

    # The city's supervisor may ask about any district's department ...
    assert figures("supervisor_beijing", department="haidian_tax").status_code == 200
    assert figures("supervisor_beijing", department="tax").status_code == 200
    # ... a district's supervisor about their own district only.
    assert figures("supervisor_haidian", department="haidian_tax").status_code == 200
    refused = figures("supervisor_haidian", department="tax")
    assert refused.status_code == 403
    assert figures("supervisor_chaoyang", department="haidian_registry").status_code == 403
