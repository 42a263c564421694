"""Each flagship matter driven from application to 办结 through the HTTP API as the demo
users, asserting worklists per department at every step, shared data and the trail."""

from __future__ import annotations

from engine.demo import CERTIFICATE_NO, DEPARTMENTS, LISI_ID, ZHANGSAN_ID
from tests.support import Api, business_application, property_application

ALL_CLERKS = [f"clerk_{code}" for code, _zh, _en in DEPARTMENTS]


def open_tasks_by_clerk(api: Api, case_id: int) -> dict[str, set[str]]:
    """Which open tasks of the case each department's clerk sees."""
    seen = {}
    for clerk in ALL_CLERKS:
        tasks = [
            t
            for t in api.worklist(clerk)
            if t["case_id"] == case_id and t["status"] in ("ready", "claimed")
        ]
        if tasks:
            seen[clerk] = {t["bpmn_id"] for t in tasks}
    return seen


def test_property_transfer_runs_from_application_to_conclusion(api: Api):
    case = api.start_case("property_transfer", property_application())
    case_id = case["id"]
    assert case["status"] == "running"
    # Shared data was pulled in the same step: nothing for the applicant to upload.
    assert case["data"]["property"]["certificate_no"] == CERTIFICATE_NO
    assert case["data"]["identity"]["seller_id_number"]["name"] == "李四"
    assert case["data"]["marriage"]["seller_id_number"]["marital_status"] == "married"
    assert case["data"]["contract_filing"]["seller"] == LISI_ID
    materials = {m["code"]: m for m in case["materials"]}
    acceptance_stage = [m for m in materials.values() if m["stage"] == "acceptance"]
    assert acceptance_stage and all(m["status"] == "shared" for m in acceptance_stage)
    assert materials["buyer_id_card"]["source"]["department"] == "public_security"

    assert open_tasks_by_clerk(api, case_id) == {"clerk_service_center": {"acceptance"}}

    api.claim_and_complete(
        "clerk_service_center",
        case_id,
        "acceptance",
        {"accepted": True, "opinion": "材料齐全，予以受理"},
    )
    assert open_tasks_by_clerk(api, case_id) == {
        "clerk_tax": {"collect_tax"},
        "clerk_registry": {"registry_review"},
    }

    # The DMN decision priced the deed tax: a first home of 89.5 m² → 1 %.
    tax_task = api.open_task("clerk_tax", case_id, "collect_tax")
    detail = api.get(f"/api/v1/tasks/{tax_task['id']}", "clerk_tax").get_json()
    assert detail["form_definition"]["key"] == "property_transfer/tax_collection"
    # The tax clerk finds the decision's amount (3,200,000 × 1 %) typed in, and not the
    # window's 办理意见: every department's opinion field is its own.
    assert detail["prefill"]["values"]["tax_amount"] == 32000
    assert "opinion" not in detail["prefill"]["values"]

    # Parallel branches proceed independently: registry first, tax still open.
    api.claim_and_complete("clerk_registry", case_id, "registry_review", {"approved": True})
    assert open_tasks_by_clerk(api, case_id) == {"clerk_tax": {"collect_tax"}}

    after_tax = api.claim_and_complete(
        "clerk_tax",
        case_id,
        "collect_tax",
        {"tax_amount": 32000, "paid": True, "receipt_no": "WS-TEST-1"},
    )
    assert after_tax["data"]["deed_tax"]["rate"] == 0.01
    # 登簿 reads the payment from the tax records, not from a paper receipt.
    assert after_tax["data"]["tax_record"]["certificate_no"] == "WS-TEST-1"
    assert open_tasks_by_clerk(api, case_id) == {"clerk_registry": {"record_register"}}

    done = api.claim_and_complete(
        "clerk_registry",
        case_id,
        "record_register",
        {"new_certificate_no": "BJ2026-0099999", "registered_on": "2026-11-23"},
    )
    assert done["status"] == "completed" and done["outcome"] == "concluded"
    assert done["completed_at"]
    # Utilities are notified and work on after 办结.
    assert open_tasks_by_clerk(api, case_id) == {"clerk_utilities": {"transfer_utilities"}}
    api.claim_and_complete(
        "clerk_utilities",
        case_id,
        "transfer_utilities",
        {"water": True, "power": True, "gas": True},
    )
    assert open_tasks_by_clerk(api, case_id) == {}

    events = api.get(f"/api/v1/cases/{case_id}/events", "zhangsan").get_json()["items"]
    actions = [e["action"] for e in events]
    assert actions[0] == "case_started"
    assert actions.count("task_completed") == 5
    assert "shared_data_pulled" in actions and "case_completed" in actions
    completed_by = {
        e["details"]["bpmn_id"]: e["actor"] for e in events if e["action"] == "task_completed"
    }
    assert completed_by == {
        "acceptance": "clerk_service_center",
        "registry_review": "clerk_registry",
        "collect_tax": "clerk_tax",
        "record_register": "clerk_registry",
        "transfer_utilities": "clerk_utilities",
    }


def test_the_bank_confirms_the_deed_tax_payment_instead_of_the_tax_clerk(api: Api):
    """The buyer pays at the bank; the bank's system sends ``tax_paid`` (POST /messages)
    and 税款征收 is done without anyone at the tax window."""
    case = api.start_case("property_transfer", property_application())
    case_id = case["id"]
    api.claim_and_complete(
        "clerk_service_center", case_id, "acceptance", {"accepted": True, "opinion": "受理"}
    )
    assert open_tasks_by_clerk(api, case_id) == {
        "clerk_tax": {"collect_tax"},
        "clerk_registry": {"registry_review"},
    }

    paid = api.post(
        "/api/v1/messages",
        "integration",
        json={
            "name": "tax_paid",
            "case_id": case_id,
            "data": {"tax_amount": 32000, "paid": True, "receipt_no": "WS-BANK-1"},
        },
    )

    assert paid.status_code == 200, paid.get_json()
    assert open_tasks_by_clerk(api, case_id) == {"clerk_registry": {"registry_review"}}
    twice = api.post(
        "/api/v1/messages", "integration", json={"name": "tax_paid", "case_id": case_id}
    )
    assert twice.status_code == 409  # taken once
    api.claim_and_complete("clerk_registry", case_id, "registry_review", {"approved": True})
    seen = api.get(f"/api/v1/cases/{case_id}", "admin").get_json()
    assert seen["data"]["tax_record"]["certificate_no"] == "WS-BANK-1"
    assert open_tasks_by_clerk(api, case_id) == {"clerk_registry": {"record_register"}}
    events = api.get(f"/api/v1/cases/{case_id}/events", "admin").get_json()["items"]
    received = [e for e in events if e["action"] == "message_received"]
    assert [(e["actor"], e["details"]["elements"]) for e in received] == [
        ("integration", ["tax_paid_by_bank"])
    ]


def test_business_startup_runs_four_departments_in_parallel(api: Api):
    case = api.start_case("business_startup", business_application())
    case_id = case["id"]
    assert case["data"]["business_registry"]["available"] is True
    assert case["data"]["identity"]["id_number"] == ZHANGSAN_ID
    assert open_tasks_by_clerk(api, case_id) == {"clerk_service_center": {"acceptance"}}

    api.claim_and_complete("clerk_service_center", case_id, "acceptance", {"accepted": True})
    assert open_tasks_by_clerk(api, case_id) == {"clerk_market": {"market_registration"}}

    after = api.claim_and_complete(
        "clerk_market",
        case_id,
        "market_registration",
        {"approved": True, "credit_code": "91110108MA01XYK12Q"},
    )
    assert after["data"]["issued"]["e_license"]["credit_code"] == "91110108MA01XYK12Q"
    parallel = {
        "clerk_public_security": {"seal_filing"},
        "clerk_tax": {"tax_registration"},
        "clerk_hrss": {"social_insurance"},
        "clerk_housing_fund": {"housing_fund_registration"},
    }
    assert open_tasks_by_clerk(api, case_id) == parallel

    forms = {
        "clerk_public_security": ("seal_filing", {"seal_count": 2}),
        "clerk_tax": (
            "tax_registration",
            {"taxpayer_type": "small_scale", "invoices_issued": True},
        ),
        "clerk_hrss": ("social_insurance", {"registered": True, "employees": 3}),
        "clerk_housing_fund": ("housing_fund_registration", {"account_no": "GJJ-0001"}),
    }
    for i, (clerk, (bpmn_id, data)) in enumerate(forms.items()):
        result = api.claim_and_complete(clerk, case_id, bpmn_id, data)
        remaining = dict(list(parallel.items())[i + 1 :])
        assert open_tasks_by_clerk(api, case_id) == remaining
        assert result["status"] == ("completed" if not remaining else "running")
    assert result["outcome"] == "concluded"


def test_refusal_at_the_window_ends_the_case(api: Api):
    case = api.start_case("property_transfer", property_application())
    done = api.claim_and_complete(
        "clerk_service_center",
        case["id"],
        "acceptance",
        {"accepted": False, "refusal_reason": "不属于本机关职权范围"},
    )
    assert done["status"] == "completed" and done["outcome"] == "refused"
    assert open_tasks_by_clerk(api, case["id"]) == {}
