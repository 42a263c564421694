"""Parties are verified, not typed (issue 13): the other parties of a case confirm it with
their own sign-in; until then nothing is pulled about them, and registers answer only
about the case's confirmed parties."""

from __future__ import annotations

import json

from engine.demo import (
    CONTRACT_NO,
    FLAT_ADDRESS,
    LISI_ID,
    OFFICE_ADDRESS,
    WANGFANG_ID,
    ZHANGSAN_ID,
)
from tests.support import Api, property_application

OFFICE_CERTIFICATE = "BJ2023-0067890"  # 张三's office, in the demo property register


def _lisi_names_strangers(api: Api) -> dict:
    """lisi applies naming 王芳 as buyer and 张三 as seller of 张三's property."""
    data = property_application(
        buyer_name="王芳",
        buyer_id_number=WANGFANG_ID,
        seller_name="张三",
        seller_id_number=ZHANGSAN_ID,
        certificate_no=OFFICE_CERTIFICATE,
        contract_no=CONTRACT_NO,
        buyer_phone="13900139000",
    )
    return api.start_case("property_transfer", data, "lisi", confirmed=False)


def _sources(case: dict) -> dict:
    return {m["code"]: m["source"] or {} for m in case["materials"]}


def test_an_applicant_typing_strangers_id_numbers_learns_nothing_about_them(api: Api):
    case = _lisi_names_strangers(api)
    seen = api.get(f"/api/v1/cases/{case['id']}", "lisi").get_json()
    text = json.dumps(seen, ensure_ascii=False)
    for secret in (
        "王芳",
        "张三",
        WANGFANG_ID,
        ZHANGSAN_ID,
        OFFICE_ADDRESS,
        FLAT_ADDRESS,
        "东华门",  # 张三's home
        "unmarried",  # 张三's marital status
        "3200000",  # the contract's price
        "owners",
    ):
        assert secret not in text, secret
    assert seen["data"]["identity"] in (None, {"buyer_id_number": None, "seller_id_number": None})
    assert seen["data"]["property"] is None and seen["data"]["contract_filing"] is None
    # the parties are listed, masked, and not confirmed
    assert [(p["role"], p["confirmed_at"]) for p in seen["parties"]] == [
        ("buyer", None),
        ("seller", None),
    ]
    assert seen["parties"][1]["id_number"] == "110105********1239"


def test_nothing_is_asked_about_an_unconfirmed_party_and_records_of_strangers_are_withheld(
    api: Api,
):
    case = _lisi_names_strangers(api)
    sources = _sources(api.get(f"/api/v1/cases/{case['id']}", "lisi").get_json())
    assert sources["seller_id_card"]["outcome"] == "awaiting_party"
    assert sources["buyer_marriage_certificate"]["outcome"] == "awaiting_party"
    # found by certificate and contract number, but about 张三: withheld, upload instead
    for code in ("property_certificate", "sale_contract"):
        assert sources[code]["outcome"] == "not_a_party", code
        assert sources[code]["subject_id_number"] is None
    materials = {
        m["code"]: m for m in api.get(f"/api/v1/cases/{case['id']}", "lisi").get_json()["materials"]
    }
    assert materials["property_certificate"]["action"] == "upload"
    assert "not a confirmed party" in materials["property_certificate"]["reason"]
    assert materials["seller_id_card"]["action"] == "wait"
    # the access log: no pull of the unconfirmed parties, every refusal logged
    log = api.get(
        "/api/v1/audit/data-access", "admin", query_string={"case_id": case["id"], "per_page": 100}
    ).get_json()["items"]
    pulls = [e for e in log if e["kind"] == "pull"]
    assert {(e["provider"], e["outcome"]) for e in pulls} == {
        ("property", "not_a_party"),
        ("contract_filing", "not_a_party"),
    }
    assert not any(e["provider"] in ("identity", "marriage") for e in pulls)


def test_the_data_subject_sees_the_refused_pulls_about_them(api: Api):
    case = _lisi_names_strangers(api)
    mine = api.get("/api/v1/me/data-access", "zhangsan").get_json()["items"]
    refused = [e for e in mine if e["case_id"] == case["id"] and e["outcome"] == "not_a_party"]
    assert {e["provider"] for e in refused} == {"property", "contract_filing"}


def test_a_named_party_sees_the_case_waiting_and_confirms_it_then_it_is_pulled(api: Api):
    case = _lisi_names_strangers(api)
    waiting = api.get("/api/v1/me/confirmations", "zhangsan").get_json()
    assert [(w["case_id"], w["role"]) for w in waiting["items"]] == [(case["id"], "seller")]
    assert waiting["total"] == 1
    assert api.get("/api/v1/me/confirmations", "lisi").get_json()["items"] == []

    response = api.post(f"/api/v1/cases/{case['id']}/confirmations", "zhangsan")
    assert response.status_code == 200, response.get_json()
    sources = _sources(response.get_json())
    assert sources["seller_id_card"]["outcome"] == "found"
    assert sources["seller_marriage_certificate"]["outcome"] == "found"
    assert sources["property_certificate"]["outcome"] == "found"  # the owner is the seller
    assert sources["buyer_id_card"]["outcome"] == "awaiting_party"  # 王芳 has not
    assert api.get("/api/v1/me/confirmations", "zhangsan").get_json()["items"] == []
    parties = {p["role"]: p for p in response.get_json()["parties"]}
    assert parties["seller"]["confirmed_at"] is not None
    assert parties["seller"]["id_number"] == ZHANGSAN_ID  # their own entry, in clear
    assert parties["buyer"]["confirmed_at"] is None
    # confirming again changes nothing
    again = api.post(f"/api/v1/cases/{case['id']}/confirmations", "zhangsan")
    assert again.status_code == 200
    assert {p["role"]: p for p in again.get_json()["parties"]}["seller"]["confirmed_at"] == (
        parties["seller"]["confirmed_at"]
    )


def test_anyone_not_named_in_the_case_gets_404(api: Api):
    case = api.start_case("property_transfer", property_application(), confirmed=False)
    for who in ("clerk_service_center", "supervisor", "admin", "designer"):
        assert api.post(f"/api/v1/cases/{case['id']}/confirmations", who).status_code == 404
    stranger = _lisi_names_strangers(api)
    # lisi is the applicant of this one, not a party it names
    assert api.post(f"/api/v1/cases/{stranger['id']}/confirmations", "lisi").status_code == 404
    assert api.post("/api/v1/cases/999999/confirmations", "lisi").status_code == 404


def test_the_applicant_named_as_a_party_is_confirmed_at_once(api: Api):
    case = api.start_case("property_transfer", property_application(), confirmed=False)
    parties = {p["role"]: p for p in case["parties"]}
    assert parties["buyer"]["confirmed_at"] is not None  # 张三 applies as the buyer
    assert parties["seller"]["confirmed_at"] is None  # 李四 has not confirmed
    assert parties["seller"]["name"] == "李*"  # nor is he shown to 张三 before he does
    assert case["data"]["seller_id_number"] != LISI_ID
    # nothing pulled about him: his own records stay with their registers
    assert case["data"]["identity"]["seller_id_number"] is None
    assert case["data"]["marriage"]["seller_id_number"] is None
    confirmed = api.confirm_parties(case)
    assert all(p["confirmed_at"] for p in confirmed["parties"])
    assert {p["role"]: p for p in confirmed["parties"]}["seller"]["name"] == "李四"


def test_the_window_clerk_sees_that_a_party_has_not_confirmed(api: Api):
    case = api.start_case("property_transfer", property_application(), confirmed=False)
    seen = api.get(f"/api/v1/cases/{case['id']}", "clerk_service_center").get_json()
    parties = {p["role"]: p for p in seen["parties"]}
    assert parties["seller"] == {
        "role": "seller",
        "name": "李四",
        "id_number": LISI_ID,
        "confirmed_at": None,
    }


def test_a_named_party_sees_the_case_masked_but_cannot_act_as_applicant(api: Api):
    case = api.start_case("property_transfer", property_application(), confirmed=False)
    seen = api.get(f"/api/v1/cases/{case['id']}", "lisi")
    assert seen.status_code == 200
    assert seen.get_json()["applicant"]["id_number"] == "110105********1239"
    assert ZHANGSAN_ID not in json.dumps(seen.get_json())


# --- pages ------------------------------------------------------------------------------
def test_the_party_confirms_on_their_home_page_and_the_case_page_shows_it(api: Api, app):
    from tests.test_pages import Browser

    case = api.start_case("property_transfer", property_application(), confirmed=False)
    browser = Browser(app, "lisi")
    home = browser.get("/applicant").get_data(as_text=True)
    assert 'data-test="waiting-confirmations"' in home and f"#{case['id']}" in home
    assert "待您确认的申请" in home
    page = browser.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert 'data-test="parties"' in page and 'data-test="confirm"' in page
    done = browser.post(f"/cases/{case['id']}/confirm")
    assert done.status_code == 302
    home = browser.get("/applicant").get_data(as_text=True)
    assert 'data-test="waiting-confirmations"' not in home
    seller = api.get(f"/api/v1/cases/{case['id']}", "zhangsan").get_json()["parties"][1]
    assert seller["confirmed_at"] is not None


def test_the_window_clerk_page_shows_an_unconfirmed_party(api: Api, app):
    from tests.test_pages import Browser

    case = api.start_case("property_transfer", property_application(), confirmed=False)
    page = Browser(app, "clerk_service_center").get(f"/cases/{case['id']}").get_data(as_text=True)
    assert 'data-test="not-confirmed"' in page and "未确认" in page
    assert 'data-test="confirm"' not in page


def test_the_data_subject_has_a_page_of_who_used_their_data(api: Api, app):
    from tests.test_pages import Browser

    _lisi_names_strangers(api)
    page = Browser(app, "zhangsan").get("/me/data-access")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "谁使用了我的数据" in html and "已拒绝" in html


def test_a_named_party_cannot_download_the_applicants_documents(api: Api):
    from tests.shared_data_support import upload

    case = api.start_case("property_transfer", property_application(), confirmed=False)
    assert upload(api, case["id"], "deed_tax_certificate", "zhangsan").status_code in (200, 201)
    url = f"/api/v1/cases/{case['id']}/materials/deed_tax_certificate/file"
    assert api.get(url, "zhangsan").status_code == 200
    assert api.get(url, "lisi").status_code == 404  # the seller sees the case, not the file
    assert api.get(url, "clerk_service_center").status_code == 200
