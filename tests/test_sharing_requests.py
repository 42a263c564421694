"""Sharing requests (共享申请): a designer asks the provider's department to accept a
matter's purpose; that department's clerk approves (the pulls work) or refuses with a
reason; every refusal of a bad request changes nothing."""

from __future__ import annotations

import pytest

from engine.shared_data.providers import DatabaseProvider
from tests.bpmn_support import deployed
from tests.shared_data_support import configure, materials
from tests.support import Api
from tests.test_designer_advice import HOUSING_FUND, housing_fund_loan

PURPOSE = f"{HOUSING_FUND}/pull"
REQUESTS = "/api/v1/shared-data/sharing-requests"


def file(api: Api, provider: str = "identity", as_: str = "designer", **body):  # noqa: ANN201
    body = {"purpose": PURPOSE, "reason": "公积金贷款需核验购房人身份", **body}
    return api.post(f"/api/v1/shared-data/providers/{provider}/sharing-requests", as_, json=body)


def decide(api: Api, request_id: int, as_: str = "clerk_public_security", **body):  # noqa: ANN201
    return api.post(f"{REQUESTS}/{request_id}/decision", as_, json=body)


def purposes_of(api: Api, provider: str) -> list[str]:
    listing = api.get("/api/v1/shared-data/providers?per_page=100", "admin").get_json()
    return next(p for p in listing["items"] if p["name"] == provider)["purposes"]


def inbox_kinds(api: Api, username: str) -> list[str]:
    items = api.get("/api/v1/me/notifications", username).get_json()["items"]
    return [n["kind"] for n in items]


def audit_actions(govflow) -> list[str]:  # noqa: ANN001
    from sqlalchemy import select

    from engine.models import AuditEvent
    from engine.uow import read_only

    with read_only(govflow.db) as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def matter(api: Api) -> dict:
    return deployed(api, housing_fund_loan())


def test_an_approved_request_grants_the_purpose_and_the_pull_works(api: Api, matter, govflow):
    before = api.start_case(HOUSING_FUND, {})
    assert materials(before)["identity:applicant.id_number"]["source"]["outcome"] == "refused"

    filed = file(api)

    assert filed.status_code == 201, filed.get_json()
    request = filed.get_json()
    assert request["status"] == "open" and request["requested_by"] == "designer"
    assert request["department"] == "public_security" and request["purpose"] == PURPOSE
    assert request["reason"] == "公积金贷款需核验购房人身份" and request["requested_at"]
    # The owning department's clerk finds it in the department's list and is told of it.
    theirs = api.get(f"{REQUESTS}?status=open", "clerk_public_security").get_json()
    assert [r["id"] for r in theirs["items"]] == [request["id"]]
    assert "sharing_request" in inbox_kinds(api, "clerk_public_security")
    # Another department neither sees it nor may decide it.
    assert api.get(REQUESTS, "clerk_registry").get_json()["items"] == []
    assert decide(api, request["id"], "clerk_registry", decision="approve").status_code == 403

    approved = decide(api, request["id"], decision="approve")

    assert approved.status_code == 200, approved.get_json()
    decided = approved.get_json()
    assert decided["status"] == "approved" and decided["decided_by"] == "clerk_public_security"
    assert decided["decided_at"]
    assert PURPOSE in purposes_of(api, "identity")
    assert "property_transfer/*" in purposes_of(api, "identity")  # the declared ones stay
    assert "sharing_request_decided" in inbox_kinds(api, "designer")
    actions = audit_actions(govflow)
    assert {"sharing_request_filed", "sharing_request_approved"} <= set(actions)
    after = api.start_case(HOUSING_FUND, {})
    assert materials(after)["identity:applicant.id_number"]["status"] == "shared"
    # The definition no longer needs the request: a second one is a conflict.
    assert file(api).get_json()["error"]["code"] == "purpose_accepted"


def test_a_refusal_needs_a_reason_and_grants_nothing(api: Api, matter):
    request = file(api).get_json()

    unexplained = decide(api, request["id"], decision="refuse")
    blank = decide(api, request["id"], decision="refuse", reason="   ")
    refused = decide(api, request["id"], decision="refuse", reason="该用途不在共享目录内")

    for bad in (unexplained, blank):
        assert bad.status_code == 422 and "reason" in bad.get_json()["error"]["details"]["fields"]
    assert refused.status_code == 200, refused.get_json()
    assert refused.get_json()["status"] == "refused"
    assert refused.get_json()["decision_reason"] == "该用途不在共享目录内"
    assert PURPOSE not in purposes_of(api, "identity")
    # Decided once: deciding again is a conflict and changes nothing.
    again = decide(api, request["id"], decision="approve")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_decided"
    assert PURPOSE not in purposes_of(api, "identity")
    # After a refusal the designer may ask again.
    assert file(api, reason="补充说明：按公积金管理条例第十三条").status_code == 201


def test_a_duplicate_open_request_is_a_conflict(api: Api, matter):
    assert file(api).status_code == 201

    duplicate = file(api, as_="admin")

    assert duplicate.status_code == 409
    assert duplicate.get_json()["error"]["code"] == "sharing_request_open"
    assert len(api.get(REQUESTS, "designer").get_json()["items"]) == 1


def test_a_purpose_already_accepted_is_a_conflict(api: Api, matter):
    assert (
        configure(api, "marriage", kind="database", purposes=[f"{HOUSING_FUND}/*"]).status_code
        == 200
    )

    accepted = file(api, "marriage")
    unconditional = file(api, "business_registry")

    for answer in (accepted, unconditional):
        assert answer.status_code == 409
        assert answer.get_json()["error"]["code"] == "purpose_accepted"
    assert api.get(REQUESTS, "designer").get_json()["items"] == []


def test_a_provider_not_shared_at_all_takes_no_request(api: Api, matter, govflow):
    govflow.providers["sealed"] = DatabaseProvider(
        "sealed", "public_security", ("x",), sharing="not_shared"
    )
    try:
        answer = file(api, "sealed")
    finally:
        del govflow.providers["sealed"]

    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "not_shared"


@pytest.mark.parametrize("who", ["clerk_public_security", "supervisor", "zhangsan"])
def test_only_designers_and_admins_file_requests(api: Api, matter, who: str):
    answer = file(api, as_=who)

    assert answer.status_code == 403
    assert api.get(REQUESTS, "designer").get_json()["items"] == []


def test_an_unknown_provider_is_not_found(api: Api, matter):
    answer = file(api, "no_such_register")

    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": "housing_fund_loan"}, "purpose"),  # no step
        ({"purpose": "*/pull"}, "purpose"),  # a wildcard over matters
        ({"purpose": "no_such_matter/pull"}, "purpose"),  # not deployed
        ({"purpose": f"{HOUSING_FUND}/review"}, "purpose"),  # not a pull of the matter
        ({"reason": "  "}, "reason"),
        ({"reason": "x" * 1001}, "reason"),
        ({"reason": "nul\x00byte"}, "reason"),
        ({"purpose": f"{HOUSING_FUND}/pull\n"}, "purpose"),
    ],
)
def test_a_bad_request_is_refused_with_the_field_named(api: Api, matter, body: dict, field: str):
    answer = file(api, **body)

    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["error"]["details"]["fields"]
    assert api.get(REQUESTS, "designer").get_json()["items"] == []


def test_a_whole_matter_may_be_asked_for(api: Api, matter):
    request = file(api, purpose=f"{HOUSING_FUND}/*").get_json()

    assert decide(api, request["id"], decision="approve").status_code == 200

    assert f"{HOUSING_FUND}/*" in purposes_of(api, "identity")


def test_who_reads_sharing_requests(api: Api, matter):
    request = file(api).get_json()
    one = f"{REQUESTS}/{request['id']}"

    assert api.get(one, "designer").status_code == 200
    assert api.get(one, "clerk_public_security").status_code == 200
    assert api.get(one, "clerk_registry").status_code == 404  # not theirs
    assert api.get(REQUESTS, "zhangsan").status_code == 403
    assert api.get(f"{REQUESTS}/999999", "designer").status_code == 404
    assert decide(api, 999999, decision="approve").status_code == 404
    assert decide(api, request["id"], "designer", decision="approve").status_code == 403
    assert decide(api, request["id"], decision="maybe").status_code == 422
    assert decide(api, request["id"], decision="refuse", reason="a\x00b").status_code == 422
