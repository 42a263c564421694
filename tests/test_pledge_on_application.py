"""告知承诺制 on the application form (issue 16 item 2): the applicant ticks the pledges
the catalogue allows while applying; the case starts with them signed — text, identity,
time and address recorded — in the one transaction, or not at all."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.errors import ValidationFailed
from engine.models import Case
from engine.reforms import pledges
from engine.reforms.models import Pledge
from engine.uow import read_only
from tests.support import Api, business_application
from tests.test_pages import Browser, _actor, _text
from tests.test_reforms_pages import UNREGISTERED


def _count(govflow, table) -> int:  # noqa: ANN001
    with read_only(govflow.db) as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def _form(**overrides: str) -> dict[str, str]:
    return {k: str(v) for k, v in business_application(address=UNREGISTERED, **overrides).items()}


def test_the_applicant_signs_a_pledge_while_applying(app, api: Api, govflow):  # noqa: ANN001
    applicant = Browser(app, "zhangsan")
    page = _text(applicant.get("/apply/business_startup"))
    assert "告知承诺制" in page and 'value="address_proof"' in page
    assert "住所（经营场所）真实存在" in page  # the catalogue's text, shown before signing

    sent = applicant.post("/apply/business_startup", {**_form(), "pledge": "address_proof"})
    assert sent.status_code == 302, _text(sent)
    case_id = int(sent.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert "已签署 1 份告知承诺" in _text(applicant.get(f"/cases/{case_id}"))

    [pledge] = api.get(f"/api/v1/cases/{case_id}/pledges", "zhangsan").get_json()["items"]
    assert pledge["material"] == "address_proof" and pledge["status"] == "signed"
    with read_only(govflow.db) as session:
        row = session.scalar(select(Pledge).where(Pledge.case_id == case_id))
        assert row.signer_username == "zhangsan" and row.signer_id_number
        assert row.signed_from == "127.0.0.1" and row.signed_at is not None
        assert row.text.startswith("本人郑重承诺")
    events = api.get(f"/api/v1/cases/{case_id}/events", "admin").get_json()["items"]
    actions = [e["action"] for e in events]
    assert actions.index("case_started") < actions.index("pledge_signed")
    notices = api.get(f"/api/v1/cases/{case_id}/notices", "zhangsan").get_json()["items"]
    assert [n["kind"] for n in notices] == ["pledge"]  # the 告知承诺确认书


def test_a_refused_application_signs_no_pledge_and_keeps_the_tick(app, govflow):  # noqa: ANN001
    applicant = Browser(app, "zhangsan")
    applicant.get("/apply/business_startup")
    before = (_count(govflow, Case), _count(govflow, Pledge))
    refused = applicant.post(
        "/apply/business_startup", {**_form(phone="12345"), "pledge": "address_proof"}
    )
    assert refused.status_code == 422
    assert 'value="address_proof" checked' in _text(refused)
    assert (_count(govflow, Case), _count(govflow, Pledge)) == before


def test_a_pledge_that_cannot_be_signed_starts_nothing(govflow):  # noqa: ANN001
    before = (_count(govflow, Case), _count(govflow, Pledge))
    with pytest.raises(ValidationFailed) as refused:
        pledges.apply_with_pledges(
            govflow,
            _actor(govflow, "zhangsan"),
            "business_startup",
            business_application(address=UNREGISTERED),
            "zh",
            division=None,
            codes=["address_proof", "legal_rep_id_card"],  # the ID card is key: no pledge
            signed_from="127.0.0.1",
        )
    assert "material" in refused.value.details["fields"]
    assert (_count(govflow, Case), _count(govflow, Pledge)) == before
