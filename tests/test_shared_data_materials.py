"""Materials: the catalogue, a case where shared data provides everything, uploads with
their type, size and access checks."""

from __future__ import annotations

import dataclasses
import hashlib

from engine.shared_data.models import MaterialUpload
from engine.uow import read_only
from tests.shared_data_support import JPEG, PDF, PNG, materials, upload
from tests.support import Api, business_application, property_application


def test_catalogue_lists_each_matters_materials_and_what_shared_data_satisfies(api: Api):
    response = api.get("/api/v1/catalogue", "zhangsan")
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 2 and body["page"] == 1
    matters = {m["key"]: m for m in body["items"]}
    assert matters["property_transfer"]["materials_summary"] == {
        "required": 9,
        "shared": 9,
        "uploaded": 0,
    }
    assert matters["business_startup"]["materials_summary"] == {
        "required": 4,
        "shared": 3,
        "uploaded": 1,
    }
    contract = next(
        m for m in matters["property_transfer"]["materials"] if m["code"] == "sale_contract"
    )
    assert contract["satisfied_by"] == "shared_data"
    assert contract["department"] == "housing" and contract["sharing"] == "conditional"


def test_property_transfer_where_the_applicant_uploads_nothing(api: Api, govflow):
    case = api.start_case("property_transfer", property_application())
    case_id = case["id"]
    assert case["materials_summary"] == {"required": 9, "shared": 8, "uploaded": 0, "missing": 1}
    waiting = materials(case)["deed_tax_certificate"]
    assert waiting["action"] == "wait"  # pulled at registration, not asked of the applicant

    api.claim_and_complete("clerk_service_center", case_id, "acceptance", {"accepted": True})
    api.claim_and_complete("clerk_registry", case_id, "registry_review", {"approved": True})
    api.claim_and_complete(
        "clerk_tax",
        case_id,
        "collect_tax",
        {"tax_amount": 32000, "paid": True, "receipt_no": "WS-1"},
    )
    done = api.claim_and_complete(
        "clerk_registry",
        case_id,
        "record_register",
        {"new_certificate_no": "BJ2026-0099999", "registered_on": "2026-11-23"},
    )
    assert done["status"] == "completed"
    assert done["materials_summary"] == {"required": 9, "shared": 9, "uploaded": 0, "missing": 0}
    for material in done["materials"]:
        assert material["status"] == "shared" and material["upload"] is None
        assert material["source"]["record_key"] and material["source"]["at"]
    deed_tax = materials(done)["deed_tax_certificate"]["source"]
    assert deed_tax["department"] == "tax" and deed_tax["record_key"] == "WS-1"
    with read_only(govflow.db) as session:
        assert session.query(MaterialUpload).filter_by(case_id=case_id).count() == 0
    # Each pull was for a declared purpose and is in the access log.
    log = api.get(
        "/api/v1/audit/data-access", "admin", query_string={"case_id": case_id, "kind": "pull"}
    ).get_json()["items"]
    assert {(e["provider"], e["purpose"]) for e in log} == {
        ("identity", "property_transfer/pull_parties"),
        ("marriage", "property_transfer/pull_parties"),
        ("property", "property_transfer/pull_property"),
        ("contract_filing", "property_transfer/pull_contract"),
        ("tax_record", "property_transfer/pull_tax_payment"),
    }
    # the property is 李四's: withheld until he confirmed as the seller, then pulled
    assert sorted(e["outcome"] for e in log if e["provider"] == "property") == [
        "found",
        "not_a_party",
    ]
    assert all(e["outcome"] == "found" for e in log if e["provider"] != "property")


def test_an_uploaded_file_is_stored_by_checksum_with_type_and_size(api: Api, govflow):
    case = api.start_case("business_startup", business_application())
    response = upload(api, case["id"], "articles_of_association", "zhangsan", PNG, "章程.png")
    assert response.status_code == 201, response.get_json()
    material = response.get_json()
    digest = hashlib.sha256(PNG).hexdigest()
    assert material["status"] == "uploaded"
    assert material["upload"]["sha256"] == digest
    assert material["upload"]["content_type"] == "image/png"
    assert material["upload"]["size"] == len(PNG)
    assert material["upload"]["filename"] == "章程.png"
    stored = govflow.settings.data_dir / "uploads" / str(case["id"]) / digest
    assert stored.read_bytes() == PNG
    # A second upload replaces the first on the case (both are kept on disk and in the db).
    upload(api, case["id"], "articles_of_association", "zhangsan", JPEG, "scan.jpg")
    view = api.get(f"/api/v1/cases/{case['id']}", "zhangsan").get_json()
    assert materials(view)["articles_of_association"]["upload"]["content_type"] == "image/jpeg"
    assert view["materials_summary"]["uploaded"] == 1
    file = api.get(f"/api/v1/cases/{case['id']}/materials/articles_of_association/file", "zhangsan")
    assert file.status_code == 200 and file.data == JPEG
    assert file.headers["Content-Type"] == "image/jpeg"
    assert file.headers["X-Content-Type-Options"] == "nosniff"


def test_a_file_that_is_not_pdf_jpeg_or_png_is_refused_and_nothing_is_stored(api: Api, govflow):
    case = api.start_case("business_startup", business_application())
    for content, name in ((b"MZ\x90\x00 executable", "virus.pdf"), (b"", "empty.pdf")):
        response = upload(api, case["id"], "articles_of_association", "zhangsan", content, name)
        assert response.status_code == 400, response.get_json()
    refused = upload(api, case["id"], "articles_of_association", "zhangsan", b"<svg/>", "a.png")
    assert refused.get_json()["error"]["code"] == "unsupported_file_type"
    view = api.get(f"/api/v1/cases/{case['id']}", "zhangsan").get_json()
    assert materials(view)["articles_of_association"]["status"] == "missing"
    assert not (govflow.settings.data_dir / "uploads" / str(case["id"])).exists()


def test_a_file_over_the_size_limit_answers_413(api: Api, govflow):
    govflow.settings = dataclasses.replace(govflow.settings, max_upload_bytes=1024)
    case = api.start_case("business_startup", business_application())
    big = PDF + b"0" * 2048
    response = upload(api, case["id"], "articles_of_association", "zhangsan", big)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert upload(api, case["id"], "articles_of_association", "zhangsan").status_code == 201


def test_upload_refusals_change_nothing(api: Api):
    case = api.start_case("property_transfer", property_application())
    case_id = case["id"]
    shared = upload(api, case_id, "buyer_id_card", "zhangsan")
    assert shared.status_code == 409 and shared.get_json()["error"]["code"] == "material_shared"
    assert upload(api, case_id, "no_such_material", "zhangsan").status_code == 404
    # 李四 is the seller: a party sees the case but uploads nothing for the applicant
    assert upload(api, case_id, "deed_tax_certificate", "lisi").status_code == 403
    assert upload(api, case_id, "deed_tax_certificate", "supervisor").status_code == 403
    no_file = api.post(
        f"/api/v1/cases/{case_id}/materials/deed_tax_certificate",
        "zhangsan",
        data={},
        content_type="multipart/form-data",
    )
    assert no_file.status_code == 400
    view = api.get(f"/api/v1/cases/{case_id}", "zhangsan").get_json()
    assert view["materials_summary"]["uploaded"] == 0


def test_an_uploaded_file_is_never_served_to_another_applicant(api: Api):
    case = api.start_case("business_startup", business_application())
    upload(api, case["id"], "articles_of_association", "zhangsan")
    url = f"/api/v1/cases/{case['id']}/materials/articles_of_association/file"
    assert api.get(url, "lisi").status_code == 404
    assert api.get(url, "clerk_tax").status_code == 404  # no task of theirs on the case
    assert api.get(url, "designer").status_code == 404
    assert api.get(url, "clerk_service_center").status_code == 200  # the window's case
    assert api.get(url, "supervisor").status_code == 200
    assert api.get(url, "admin").status_code == 200
    assert api.get(url, None).status_code == 401
    # Opening the applicant's document is a logged view.
    log = api.get(
        "/api/v1/audit/data-access", "admin", query_string={"case_id": case["id"], "kind": "view"}
    ).get_json()["items"]
    downloads = [e for e in log if e["outcome"] == "downloaded"]
    assert {e["actor"] for e in downloads} == {"clerk_service_center", "supervisor", "admin"}


def test_a_clerk_at_the_window_may_upload_for_the_applicant(api: Api):
    case = api.start_case("business_startup", business_application())
    response = upload(api, case["id"], "articles_of_association", "clerk_service_center")
    assert response.status_code == 201
    assert response.get_json()["upload"]["uploaded_by"] == "clerk_service_center"
