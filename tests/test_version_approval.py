"""Four eyes on what runs: a new version of a matter with cases waits for a second designer
or an administrator; until then new cases start on the current version and only the
uploader may try the pending one (issue 13)."""

from __future__ import annotations

import pytest

from engine.models import User
from engine.passwords import hash_password
from engine.uow import transaction
from tests.support import PASSWORD, Api
from tests.test_deploy import DEPLOY, WINDOW_REVIEW, deploy, settings, variant  # noqa: F401
from tests.test_pages import Browser

#: Version 2 sends the review to the housing fund instead of the registry.
V2 = variant(
    'camunda:candidateGroups="registry"', 'camunda:candidateGroups="housing"', WINDOW_REVIEW
)


def _add_user(govflow, username: str, roles: list[str], id_number: str | None = None) -> None:  # noqa: ANN001
    with transaction(govflow.db) as session:
        session.add(
            User(
                username=username,
                password_hash=hash_password(PASSWORD),
                display_name=username,
                roles=roles,
                id_number=id_number,
            )
        )


def _approve(api: Api, as_: str, version: int = 2, key: str = "window_review"):  # noqa: ANN202
    return api.post(f"{DEPLOY}/{key}/versions/{version}/approve", as_)


def _status(api: Api, version: int) -> str:
    found = api.get(f"{DEPLOY}/window_review", "designer", query_string={"version": version})
    return found.get_json()["status"]


@pytest.fixture
def running(api: Api) -> dict:
    """window_review v1 with one case, and v2 uploaded by ``designer``."""
    assert deploy(api, WINDOW_REVIEW).status_code == 201
    case = api.start_case("window_review", {})
    response = deploy(api, V2)
    assert response.status_code == 201, response.get_json()
    return {"case": case, "v2": response.get_json()}


def test_a_key_without_cases_takes_a_new_version_at_once(api: Api):
    assert deploy(api, WINDOW_REVIEW).get_json()["status"] == "current"
    assert deploy(api, V2).get_json()["status"] == "current"
    assert _status(api, 1) == "superseded"
    assert api.start_case("window_review", {})["version"] == 2


def test_a_new_version_of_a_key_with_cases_waits_and_cases_start_on_the_current(running, api):
    assert running["v2"]["status"] == "pending_approval"
    assert _status(api, 1) == "current"
    versions = api.get(f"{DEPLOY}/window_review", "designer").get_json()["versions"]
    assert [(v["version"], v["status"]) for v in versions] == [
        (1, "current"),
        (2, "pending_approval"),
    ]
    assert api.start_case("window_review", {})["version"] == 1


def test_the_uploader_cannot_approve_their_own_version(running, api):
    response = _approve(api, "designer")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert _status(api, 2) == "pending_approval"


@pytest.mark.parametrize("who", ["zhangsan", "clerk_service_center", "supervisor"])
def test_nobody_but_designers_and_administrators_approves(running, api, who):
    assert _approve(api, who).status_code == 403
    assert _status(api, 2) == "pending_approval"


def test_an_administrator_approves_and_new_cases_start_on_the_new_version(running, api):
    response = _approve(api, "admin")
    assert response.status_code == 200, response.get_json()
    approved = response.get_json()
    assert (approved["version"], approved["status"], approved["approved_by"]) == (
        2,
        "current",
        "admin",
    )
    assert _status(api, 1) == "superseded"
    assert api.start_case("window_review", {})["version"] == 2
    # the case already running stays on its version
    case = api.get(f"/api/v1/cases/{running['case']['id']}", "zhangsan").get_json()
    assert case["version"] == 1


def test_a_second_designer_approves_and_it_is_audited(running, api, govflow):
    _add_user(govflow, "designer2", ["designer"])
    assert _approve(api, "designer2").status_code == 200
    from sqlalchemy import select

    from engine.models import AuditEvent

    with transaction(govflow.db) as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "definition_approved"))
        assert (event.actor, event.details["version"], event.details["previous_version"]) == (
            "designer2",
            2,
            1,
        )
        assert event.details["uploaded_by"] == "designer"


def test_approving_again_is_409_and_unknown_versions_404(running, api):
    assert _approve(api, "admin").status_code == 200
    again = _approve(api, "admin")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    assert _approve(api, "admin", version=1).status_code == 409  # superseded
    assert _approve(api, "admin", version=9).status_code == 404
    assert _approve(api, "admin", key="no_such_key").status_code == 404


def test_an_older_pending_version_cannot_overtake_a_newer_current_one(running, api):
    v3 = variant('camunda:candidateGroups="registry"', 'camunda:candidateGroups="tax"')
    assert deploy(api, v3).get_json()["status"] == "pending_approval"
    assert _approve(api, "admin", version=3).status_code == 200
    assert _approve(api, "admin", version=2).status_code == 409
    assert _status(api, 3) == "current" and _status(api, 2) == "pending_approval"


def test_only_the_uploader_may_try_the_pending_version(running, api, govflow):
    # a designer who may also apply (a training account) tries their own upload
    _add_user(govflow, "trier", ["designer", "applicant"], id_number="11010519491231002X")
    v3 = variant('camunda:candidateGroups="registry"', 'camunda:candidateGroups="tax"')
    assert deploy(api, v3, "trier").get_json()["status"] == "pending_approval"
    tried = api.post(
        "/api/v1/cases", "trier", json={"process_key": "window_review", "version": 3, "data": {}}
    )
    assert tried.status_code == 201, tried.get_json()
    assert tried.get_json()["version"] == 3
    # anybody else naming the pending version starts nothing
    for version in (2, 3):
        other = api.post(
            "/api/v1/cases",
            "zhangsan",
            json={"process_key": "window_review", "version": version, "data": {}},
        )
        assert other.status_code == 404, other.get_json()
    # the uploader of v2 cannot start cases at all (a designer only)
    assert (
        api.post(
            "/api/v1/cases", "designer", json={"process_key": "window_review", "version": 2}
        ).status_code
        == 403
    )
    total = api.get("/api/v1/cases", "admin").get_json()["total"]
    assert total == 2  # the fixture's case and the trial


@pytest.mark.parametrize("version", ["2", 0, -1, True, 1.5])
def test_a_malformed_version_is_422(running, api, version):
    # The StartCase schema refuses it: well-formed JSON, invalid body (API.md: 422).
    response = api.post(
        "/api/v1/cases", "zhangsan", json={"process_key": "window_review", "version": version}
    )
    assert response.status_code == 422


def test_the_approval_page_shows_the_element_diff_and_approves(running, app, api):
    browser = Browser(app, "admin")
    page = browser.get("/designer/definitions/window_review/versions/2/approval")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-test="diff-changed"' in html and ">review<" in html
    assert 'data-test="approve"' in html
    assert "批准" in html  # Chinese first
    done = browser.post("/designer/definitions/window_review/versions/2/approval")
    assert done.status_code == 302
    assert _status(api, 2) == "current"


def test_the_uploader_sees_the_diff_but_cannot_approve_on_the_page(running, app, api):
    browser = Browser(app, "designer")
    html = browser.get("/designer/definitions/window_review/versions/2/approval").get_data(
        as_text=True
    )
    assert 'data-test="own-version"' in html and 'data-test="approve"' not in html
    refused = browser.post("/designer/definitions/window_review/versions/2/approval")
    assert refused.status_code == 403
    assert _status(api, 2) == "pending_approval"


def test_the_element_diff_names_added_removed_and_changed_elements():
    from engine.definitions.approval import element_diff

    old = WINDOW_REVIEW.decode()
    new = V2.decode().replace('name="', 'name="新', 1)
    diff = element_diff(old, new)
    changed = {e["id"]: e for e in diff["changed"]}
    assert "review" in changed and changed["review"]["kind"] == "userTask"
    assert "acceptance" not in changed
    assert diff["added"] == [] and diff["removed"] == []
    assert element_diff(None, old)["added"]  # against nothing, everything is added
    # whitespace alone changes nothing
    assert element_diff(old, old.replace("\n", "\n  "))["changed"] == []
