"""告知承诺制 end to end through the API: the applicant signs a pledge instead of a
certificate, the owning department checks it after acceptance, and a false pledge goes
to the window for revocation with a mark on the applicant's credit record."""

from __future__ import annotations

from engine.demo import ZHANGSAN_ID
from tests.support import Api, business_application

#: An address no register knows: the proof of address cannot be shared, so the applicant
#: may pledge it (住所申报承诺制).
UNREGISTERED = "北京市海淀区某某路 99 号（自有平房）"


def started(api: Api) -> int:
    case = api.start_case("business_startup", business_application(address=UNREGISTERED))
    address = {m["code"]: m for m in case["materials"]}["address_proof"]
    assert address["status"] == "missing"
    return case["id"]


def sign(api: Api, case_id: int, material: str = "address_proof", as_: str = "zhangsan", **body):
    return api.post(
        f"/api/v1/cases/{case_id}/pledges",
        as_,
        json={"material": material, "agreed": True, **body},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )


def accept(api: Api, case_id: int) -> dict:
    return api.claim_and_complete("clerk_service_center", case_id, "acceptance", {"accepted": True})


def actions(api: Api, case_id: int) -> list[str]:
    items = api.get(f"/api/v1/cases/{case_id}/events", "supervisor").get_json()["items"]
    return [e["action"] for e in items]


def test_the_applicant_signs_a_pledge_and_the_department_checks_it_after_acceptance(api: Api):
    case_id = started(api)
    response = sign(api, case_id)
    assert response.status_code == 201, response.get_json()
    pledge = response.get_json()
    assert pledge["status"] == "signed"
    assert "郑重承诺" in pledge["text"]
    assert pledge["signer"]["username"] == "zhangsan"
    assert pledge["signer"]["id_number"] == f"{ZHANGSAN_ID[:6]}********{ZHANGSAN_ID[-4:]}"
    assert pledge["signed_from"] == "203.0.113.7"
    assert pledge["signed_at"]
    # The window sees the pledged material on the case.
    case = api.get(f"/api/v1/cases/{case_id}", "clerk_service_center").get_json()
    address = {m["code"]: m for m in case["materials"]}["address_proof"]
    assert address["pledge"]["status"] == "signed"
    # No check before the window accepts ...
    assert not [t for t in api.worklist("clerk_market") if t["bpmn_id"] == "pledge_check"]
    accept(api, case_id)
    # ... then the owning department gets one, with its limit of working days.
    check = api.open_task("clerk_market", case_id, "pledge_check")
    assert check["due_at"] is not None
    api.post(f"/api/v1/tasks/{check['id']}/claim", "clerk_market")
    done = api.complete("clerk_market", check["id"], {"verdict": "true", "opinion": "实地核查属实"})
    assert done.status_code == 200, done.get_json()
    (listed,) = api.get(f"/api/v1/cases/{case_id}/pledges", "zhangsan").get_json()["items"]
    assert listed["status"] == "verified"
    assert listed["verdict"]["finding"] == "true"
    assert {"pledge_signed", "confirmation_issued", "pledge_checked"} <= set(actions(api, case_id))


def test_a_false_pledge_is_revoked_and_marks_the_applicants_credit_record(api: Api):
    case_id = started(api)
    assert sign(api, case_id).status_code == 201
    accept(api, case_id)
    check = api.open_task("clerk_market", case_id, "pledge_check")
    done = api.complete(
        "clerk_market", check["id"], {"verdict": "false", "opinion": "该地址为他人住宅"}
    )
    assert done.status_code == 200, done.get_json()
    revocation = api.open_task("clerk_service_center", case_id, "pledge_revocation")
    assert api.get("/api/v1/credit-records", "supervisor").get_json()["total"] == 0

    decided = api.complete(
        "clerk_service_center",
        revocation["id"],
        {"decision": "revoke", "opinion": "承诺不实，依据国办发〔2020〕42号撤销"},
    )
    assert decided.status_code == 200, decided.get_json()
    case = decided.get_json()
    assert case["status"] == "terminated"
    assert case["outcome"] == "revoked"
    (pledge,) = api.get(f"/api/v1/cases/{case_id}/pledges", "zhangsan").get_json()["items"]
    assert pledge["status"] == "decided"
    assert pledge["decision"]["decision"] == "revoke"
    records = api.get("/api/v1/credit-records", "supervisor").get_json()
    assert records["total"] == 1
    record = records["items"][0]
    assert record["id_number"] == ZHANGSAN_ID
    assert record["kind"] == "false_pledge"
    assert record["case_id"] == case_id
    # The applicant sees their own mark; another applicant sees none of it.
    assert api.get("/api/v1/credit-records", "zhangsan").get_json()["total"] == 1
    assert api.get("/api/v1/credit-records", "lisi").get_json()["total"] == 0
    assert api.get("/api/v1/credit-records", "clerk_market").status_code == 403
    trail = actions(api, case_id)
    assert {"pledge_revocation_decided", "credit_record_added", "case_revoked"} <= set(trail)
    told = [
        e["details"]["kind"]
        for e in api.get(f"/api/v1/cases/{case_id}/events", "supervisor").get_json()["items"]
        if e["action"] == "applicant_notified"
    ]
    assert "pledge_false" in told and "pledge_decided" in told
    # Nothing is left in the market's worklist for a revoked case.
    assert not [
        t
        for t in api.worklist("clerk_market")
        if t["case_id"] == case_id and t["status"] in ("ready", "claimed")
    ]


def test_a_pledge_signed_after_acceptance_is_checked_at_once(api: Api):
    case_id = started(api)
    # The proof of address is not in the register and not pledged yet: the window says why
    # it accepts without it (services/missing_materials).
    api.claim_and_complete(
        "clerk_service_center",
        case_id,
        "acceptance",
        {"accepted": True, "missing_materials_reason": "申请人当场表示将签署告知承诺书"},
    )
    assert sign(api, case_id).status_code == 201
    api.open_task("clerk_market", case_id, "pledge_check")


def test_pledge_refusals_change_nothing(api: Api):
    case_id = started(api)
    # A material that allows no pledge, or none of the matter: 422.
    no_pledge = sign(api, case_id, "articles_of_association")
    assert no_pledge.status_code == 422
    assert "material" in no_pledge.get_json()["error"]["details"]["fields"]
    assert sign(api, case_id, "no_such_material").status_code == 422
    # Not agreed: 422.
    assert sign(api, case_id, agreed=False).status_code == 422
    # Another applicant: the case does not exist for them.
    assert sign(api, case_id, as_="lisi").status_code == 404
    assert api.get(f"/api/v1/cases/{case_id}/pledges", "lisi").status_code == 404
    # A clerk does not sign for the applicant.
    assert sign(api, case_id, as_="clerk_service_center").status_code == 403
    assert api.get(f"/api/v1/cases/{case_id}/pledges", "zhangsan").get_json()["items"] == []
    assert "pledge_signed" not in actions(api, case_id)
    # Signed once; twice is a conflict.
    assert sign(api, case_id).status_code == 201
    again = sign(api, case_id)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_pledged"


def test_a_material_shared_data_provides_needs_no_pledge(api: Api):
    case = api.start_case("business_startup", business_application())
    response = sign(api, case["id"])
    assert response.status_code == 422


def test_the_catalogue_refuses_a_deferrable_or_pledgeable_key_material(tmp_path):
    import json
    import shutil

    import pytest

    from processes.catalogue import PROCESSES_DIR, CatalogueError, Matter

    folder = tmp_path / "business_startup"
    shutil.copytree(PROCESSES_DIR / "business_startup", folder)
    path = folder / "matter.json"
    for change in ({"deferrable": True}, {"pledge": {"text": {"zh": "承诺"}, "department": "x"}}):
        matter = json.loads((PROCESSES_DIR / "business_startup" / "matter.json").read_text())
        identity = next(m for m in matter["materials"] if m["code"] == "legal_rep_id_card")
        identity.update(change)
        path.write_text(json.dumps(matter, ensure_ascii=False))
        with pytest.raises(CatalogueError, match="key"):
            Matter.from_file(path)


def test_the_catalogue_shows_what_may_be_deferred_or_pledged(api: Api):
    matters = api.get("/api/v1/catalogue", "zhangsan").get_json()
    items = matters["items"] if isinstance(matters, dict) else matters
    startup = next(m for m in items if m["key"] == "business_startup")
    materials = {m["code"]: m for m in startup["materials"]}
    assert materials["legal_rep_id_card"]["key"] is True
    assert materials["articles_of_association"]["deferrable"] is True
    assert materials["address_proof"]["pledge"]["department"] == "market"
    assert startup["deferral_days"] == 5


def test_a_false_pledge_ordered_rectified_keeps_the_case_going_but_is_still_recorded(api: Api):
    case_id = started(api)
    assert sign(api, case_id).status_code == 201
    accept(api, case_id)
    check = api.open_task("clerk_market", case_id, "pledge_check")
    api.complete("clerk_market", check["id"], {"verdict": "false", "opinion": "租赁期已过"})
    revocation = api.open_task("clerk_service_center", case_id, "pledge_revocation")
    # The decision needs its reasons: without them, 422 and nothing is recorded.
    bare = api.complete("clerk_service_center", revocation["id"], {"decision": "rectify"})
    assert bare.status_code == 422
    assert api.get("/api/v1/credit-records", "supervisor").get_json()["total"] == 0
    decided = api.complete(
        "clerk_service_center",
        revocation["id"],
        {"decision": "rectify", "opinion": "责令十日内补交有效租赁合同"},
    )
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["status"] == "running"
    assert api.get("/api/v1/credit-records", "supervisor").get_json()["total"] == 1
    # Completed once: a second decision is refused.
    again = api.complete(
        "clerk_service_center", revocation["id"], {"decision": "revoke", "opinion": "撤销"}
    )
    assert again.status_code == 409
