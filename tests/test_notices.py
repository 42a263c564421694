"""Written notices (文书): numbered, rendered with an embedded CJK font, immutable."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.errors import Conflict
from engine.models import Case
from engine.notices.issuing import issue_notice, pdf_of
from engine.notices.models import Notice
from engine.uow import read_only, run_in_transaction
from tests.support import Api, property_application

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _started_case(api: Api) -> int:
    return api.start_case("property_transfer", property_application())["id"]


def _issue(govflow, case_id: int, kind: str, context: dict, **kw):  # noqa: ANN001, ANN202
    def work(session):  # noqa: ANN001, ANN202
        case = session.get(Case, case_id)
        notice = issue_notice(session, case, kind, context, **kw)
        return notice.id, notice.number

    return run_in_transaction(govflow.db, work)


def _pdf(govflow, notice_id: int) -> bytes:  # noqa: ANN001
    return run_in_transaction(govflow.db, lambda s: pdf_of(s, s.get(Notice, notice_id)))


def png_of(pdf: bytes, name: str) -> tuple[Path, str]:
    """Render the first page to PNG (pypdfium2) under test-artifacts/, to look at; answer
    the PNG and the page's text (the embedded font maps glyphs back to characters)."""
    import pypdfium2 as pdfium

    ARTIFACTS.mkdir(exist_ok=True)
    page = pdfium.PdfDocument(pdf)[0]
    text = page.get_textpage().get_text_range()
    path = ARTIFACTS / f"{name}.png"
    page.render(scale=1.5).to_pil().save(path)
    return path, text


def test_numbers_run_per_department_and_year_without_gaps(api: Api, govflow):  # noqa: ANN001
    case_id = _started_case(api)
    first = _issue(govflow, case_id, "acceptance", {})
    second = _issue(govflow, case_id, "refusal", {"reasons": [{"text": "不符合法定条件"}]})
    other = _issue(govflow, case_id, "completion", {"result": "准予登记"}, department="registry")
    assert first[1].endswith("第000001号") and first[1].startswith("〔20")
    assert second[1].endswith("第000002号")
    assert other[1].endswith("第000001号")  # the registry counts its own

    # A notice whose transaction rolls back gives its number back: no gap.
    def failing(session):  # noqa: ANN001, ANN202
        issue_notice(session, session.get(Case, case_id), "acceptance", {})
        raise RuntimeError("the deciding command failed")

    with pytest.raises(RuntimeError):
        run_in_transaction(govflow.db, failing)
    assert _issue(govflow, case_id, "acceptance", {})[1].endswith("第000003号")


def test_a_notice_is_a_real_pdf_with_the_chinese_text_embedded(api: Api, govflow):  # noqa: ANN001
    case_id = _started_case(api)
    items = [
        {"name": "身份证复印件", "reason": "模糊不清"},
        {"name": "购房合同", "reason": "缺少卖方签字"},
    ]
    notice_id, number = _issue(govflow, case_id, "supplement", {"items": items})
    pdf = _pdf(govflow, notice_id)
    assert _pdf(govflow, notice_id) == pdf  # rendered once, then the stored bytes
    assert pdf.startswith(b"%PDF-")
    assert b"/FontFile" in pdf  # the font travels with the document
    path, text = png_of(pdf, "notice-supplement")
    assert path.stat().st_size > 10_000
    # 一次性告知: every item and its reason, the number, the department
    for expected in ("补正材料告知书", number, "身份证复印件", "模糊不清", "缺少卖方签字"):
        assert expected in text.replace("\r\n", "").replace("\n", "")
    assert "政务服务中心" in text


def test_an_issued_notice_never_changes(api: Api, govflow):  # noqa: ANN001
    case_id = _started_case(api)
    notice_id, _ = _issue(govflow, case_id, "acceptance", {})
    _pdf(govflow, notice_id)

    def edit(session):  # noqa: ANN001, ANN202
        session.get(Notice, notice_id).title = "改过的"
        session.flush()

    with pytest.raises(Conflict):
        run_in_transaction(govflow.db, edit)

    def delete(session):  # noqa: ANN001, ANN202
        session.delete(session.get(Notice, notice_id))
        session.flush()

    with pytest.raises(Conflict):
        run_in_transaction(govflow.db, delete)

    def rerender(session):  # noqa: ANN001, ANN202
        session.get(Notice, notice_id).pdf = b"%PDF-forged"
        session.flush()

    with pytest.raises(Conflict):
        run_in_transaction(govflow.db, rerender)
    with read_only(govflow.db) as session:
        assert session.get(Notice, notice_id).title == "受理通知书"


def test_a_matter_may_have_its_own_template_and_falls_back_to_the_default():
    from engine.notices.templates import DEFAULT, render_paragraphs, template_for

    assert template_for("no_such_matter", "acceptance").source == DEFAULT
    refusal = template_for("property_transfer", "refusal")
    text = "".join(render_paragraphs(refusal, {"reasons": [{"text": "甲"}], "note": None}))
    assert "行政复议" in text and "行政诉讼" in text and "1. 甲" in text
    with pytest.raises(KeyError):
        template_for("property_transfer", "no_such_kind")


@pytest.mark.skipif(
    not os.environ.get("GOVFLOW_TEST_DATABASE_URL"), reason="concurrent issue needs PostgreSQL"
)
def test_concurrent_issue_takes_distinct_gap_free_numbers(api: Api, govflow):  # noqa: ANN001
    case_id = _started_case(api)
    barrier = threading.Barrier(6)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            barrier.wait()
            numbers.append(_issue(govflow, case_id, "acceptance", {})[1])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(n.split("〕")[1] for n in numbers) == [f"第{i:06d}号" for i in range(1, 7)]
    with read_only(govflow.db) as session:
        assert session.scalar(select(func.count()).select_from(Notice)) == 6
