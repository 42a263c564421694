"""Moving running cases to a corrected version (issue 19): POST
/api/v1/process-definitions/{key}/migrations — a dry run per case, the real run, the
worklist and deadlines that follow, and every refusal."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import AuditEvent, Case
from engine.uow import transaction
from tests.support import Api
from tests.test_deploy import DEPLOY, WINDOW_REVIEW, deploy, settings, variant  # noqa: F401

MIGRATIONS = f"{DEPLOY}/window_review/migrations"

#: Version 2 adds a legal check by the tax office between acceptance and review.
ADDED_STEP = variant(
    '<bpmn:sequenceFlow id="Flow_accepted" name="受理" sourceRef="gateway_accepted" '
    'targetRef="review">',
    '<bpmn:userTask id="legal_check" name="合法性审查" camunda:candidateGroups="tax">'
    "<bpmn:incoming>Flow_accepted</bpmn:incoming><bpmn:outgoing>Flow_legal__review"
    "</bpmn:outgoing></bpmn:userTask>"
    '<bpmn:sequenceFlow id="Flow_legal__review" sourceRef="legal_check" targetRef="review" />'
    '<bpmn:sequenceFlow id="Flow_accepted" name="受理" sourceRef="gateway_accepted" '
    'targetRef="legal_check">',
    variant(
        "<bpmn:incoming>Flow_accepted</bpmn:incoming>",
        "<bpmn:incoming>Flow_legal__review</bpmn:incoming>",
    ),
)
#: Acceptance renamed (a new id) and given four working days instead of half of one.
RENAMED = variant(
    '"0.5wd"',
    '"4wd"',
    variant(">acceptance<", ">intake<", variant('"acceptance"', '"intake"', count=4)),
)


def _running(api: Api, xml: bytes) -> dict:
    """window_review v1 with one case at acceptance; ``xml`` deployed and approved as v2."""
    assert deploy(api, WINDOW_REVIEW).status_code == 201
    case = api.start_case("window_review", {})
    assert deploy(api, xml).status_code == 201
    approved = api.post(f"{DEPLOY}/window_review/versions/2/approve", "admin")
    assert approved.status_code == 200, approved.get_json()
    return case


def _migrate(api: Api, as_: str = "designer", **body):  # noqa: ANN003, ANN202
    return api.post(MIGRATIONS, as_, json={"to_version": 2, **body})


def _case(api: Api, case_id: int) -> dict:
    return api.get(f"/api/v1/cases/{case_id}", "admin").get_json()


def test_a_dry_run_lists_the_open_case_as_movable_and_moves_nothing(api: Api):
    case = _running(api, ADDED_STEP)
    response = _migrate(api, dry_run=True, from_version=1)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["migrated"] == 0
    (item,) = answer["items"]
    assert (item["case_id"], item["migratable"], item["reason"]) == (case["id"], True, None)
    added = [c for c in item["changes"] if c["change"] == "step_added"]
    assert [(c["element"], c["departments"]) for c in added] == [("legal_check", ["tax"])]
    assert _case(api, case["id"])["version"] == 1


def test_the_migration_moves_the_case_and_the_added_step_reaches_its_worklist(api: Api, govflow):
    case = _running(api, ADDED_STEP)
    answer = _migrate(api, dry_run=False, case_ids=[case["id"]]).get_json()
    assert answer["migrated"] == 1 and answer["items"][0]["migratable"]
    assert _case(api, case["id"])["version"] == 2
    # The step the case was at is still open, where it was.
    api.claim_and_complete(
        "clerk_service_center", case["id"], "acceptance", {"accepted": True, "opinion": "受理"}
    )
    assert api.open_task("clerk_tax", case["id"], "legal_check")
    with transaction(govflow.db) as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "case_migrated"))
        assert (event.case_id, event.details["from_version"], event.details["to_version"]) == (
            case["id"],
            1,
            2,
        )


def test_a_migration_run_twice_changes_nothing_the_second_time(api: Api, govflow):
    case = _running(api, ADDED_STEP)
    assert _migrate(api, dry_run=False).get_json()["migrated"] == 1
    with transaction(govflow.db) as session:
        before = session.get(Case, case["id"]).lock_version
    assert _migrate(api, dry_run=False).get_json() == {"items": [], "migrated": 0, "dry_run": False}
    named = _migrate(api, dry_run=False, case_ids=[case["id"]]).get_json()
    assert named["migrated"] == 0
    assert named["items"][0]["reason"] == "the case is already on version 2"
    with transaction(govflow.db) as session:
        assert session.get(Case, case["id"]).lock_version == before


def test_a_case_at_a_step_the_new_version_lacks_stays_with_the_reason(api: Api):
    case = _running(api, RENAMED)
    (item,) = _migrate(api, dry_run=False, case_ids=[case["id"]]).get_json()["items"]
    assert not item["migratable"]
    assert "acceptance" in item["reason"] and "mapping" in item["reason"]
    assert _case(api, case["id"])["version"] == 1
    assert api.open_task("clerk_service_center", case["id"], "acceptance")


def test_a_mapping_moves_the_case_its_row_and_recomputes_its_deadline(api: Api):
    case = _running(api, RENAMED)
    row = api.open_task("clerk_service_center", case["id"], "acceptance")
    answer = _migrate(api, dry_run=False, mapping={"acceptance": "intake"}).get_json()
    assert answer["migrated"] == 1, answer
    changes = answer["items"][0]["changes"]
    assert {"change": "moved", "from": "acceptance", "to": "intake"} in changes
    (recomputed,) = [c for c in changes if c["change"] == "deadline_recomputed"]
    assert recomputed["element"] == "intake"
    assert recomputed["due_at"]["to"] > recomputed["due_at"]["from"]
    moved = api.open_task("clerk_service_center", case["id"], "intake")
    assert moved["id"] == row["id"]  # the same task, under its new element
    api.claim_and_complete(
        "clerk_service_center", case["id"], "intake", {"accepted": True, "opinion": "受理"}
    )
    assert api.open_task("clerk_registry", case["id"], "review")


def test_a_mapping_naming_a_missing_element_is_refused_and_changes_nothing(api: Api):
    case = _running(api, RENAMED)
    for mapping in ({"acceptance": "nowhere"}, {"no_such_step": "intake"}):
        response = _migrate(api, dry_run=False, mapping=mapping)
        assert response.status_code == 422, response.get_json()
        error = response.get_json()["error"]
        assert error["code"] == "validation_failed"
        assert list(error["details"]["fields"]) == [f"mapping.{next(iter(mapping))}"]
    assert _case(api, case["id"])["version"] == 1


def test_only_the_current_version_is_a_target(api: Api):
    assert deploy(api, WINDOW_REVIEW).status_code == 201
    case = api.start_case("window_review", {})
    assert deploy(api, ADDED_STEP).get_json()["status"] == "pending_approval"
    pending = _migrate(api, dry_run=True)
    assert pending.status_code == 409
    assert pending.get_json()["error"]["details"]["status"] == "pending_approval"
    unknown = api.post(MIGRATIONS, "designer", json={"to_version": 9})
    assert unknown.status_code == 409
    assert (
        api.post(f"{DEPLOY}/nothing_here/migrations", "admin", json={"to_version": 1}).status_code
        == 404
    )
    assert _case(api, case["id"])["version"] == 1


@pytest.mark.parametrize("who", ["clerk_service_center", "supervisor", "zhangsan"])
def test_nobody_but_designers_and_administrators_migrates(api: Api, who: str):
    case = _running(api, ADDED_STEP)
    response = _migrate(api, who, dry_run=False)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert _case(api, case["id"])["version"] == 1


def test_closed_and_unknown_cases_get_a_reason(api: Api):
    case = _running(api, ADDED_STEP)
    api.claim_and_complete(
        "clerk_service_center", case["id"], "acceptance", {"accepted": False, "opinion": "不符"}
    )
    items = _migrate(api, case_ids=[case["id"], 999999]).get_json()["items"]
    assert [(i["migratable"], i["reason"]) for i in items] == [
        (False, "the case is closed"),
        (False, "no such case"),
    ]


def test_a_malformed_request_is_refused(api: Api):
    _running(api, ADDED_STEP)
    for body in ({"to_version": "two"}, {"to_version": 2, "case_ids": "all"}, {}):
        assert api.post(MIGRATIONS, "admin", json=body).status_code in (400, 422)


def test_the_migration_page_dry_runs_migrates_and_keeps_clerks_out(api: Api, app):  # noqa: ANN001
    from tests.test_pages import Browser

    case = _running(api, ADDED_STEP)
    page = "/designer/definitions/window_review/migration"
    assert Browser(app, "clerk_service_center").get(page).status_code == 403
    designer = Browser(app, "designer")
    assert designer.get(page).status_code == 200
    dry = designer.post(page, {"to_version": "2", "action": "dry_run", "mapping": ""})
    assert dry.status_code == 200
    assert 'data-change="step_added"' in dry.get_data(as_text=True)
    assert _case(api, case["id"])["version"] == 1
    bad = designer.post(page, {"to_version": "2", "action": "migrate", "mapping": "nonsense"})
    assert bad.status_code == 400 and _case(api, case["id"])["version"] == 1
    done = designer.post(page, {"to_version": "2", "action": "migrate", "mapping": ""})
    assert done.status_code == 200 and _case(api, case["id"])["version"] == 2


def test_a_countersign_in_progress_moves_with_its_instances(api: Api):
    from tests.test_verbs_countersign import FIXTURES, open_rows, sign, started
    from tests.test_verbs_countersign import deploy as deploy_named

    case_id = started(api, "countersign_all")
    sign(api, "tax", case_id, "同意")
    xml = (FIXTURES / "countersign_all.bpmn").read_text(encoding="utf-8")
    renamed = xml.replace('name="联合会签"', 'name="联合会签（修订）"', 1)
    assert renamed != xml
    assert deploy_named(api, "countersign_all.bpmn", renamed).status_code == 201
    key = "countersign_all"
    assert api.post(f"{DEPLOY}/{key}/versions/2/approve", "admin").status_code == 200
    answer = api.post(
        f"{DEPLOY}/{key}/migrations", "designer", json={"to_version": 2, "dry_run": False}
    ).get_json()
    assert answer["migrated"] == 1, answer
    assert open_rows(api, case_id) == [("joint_review", "housing"), ("joint_review", "registry")]
    sign(api, "registry", case_id, "同意")
    sign(api, "housing", case_id, "同意")
    assert open_rows(api, case_id) == [("decide", "service_center")]
