"""Issue 15: the outcome carries the matter's result fields; supervisors' lists (整改台账,
the notice inbox, incidents, ratings) keep to their region; names, not usernames; event
codes translated; 我委派的 lists what a clerk handed over."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po
from sqlalchemy import select

from engine.incidents.models import Incident
from engine.models import User
from engine.notices.models import Notice
from engine.uow import read_only, run_in_transaction
from processes.catalogue import get_matter, result_fields
from processes.results import ResultField, lookup, outcome, parse_property
from tests.support import Api, property_application
from tests.test_pages import Browser
from tests.test_regions import accepted, haidian_flat
from tests.test_verbs_ratings import concluded, rate

ROOT = Path(__file__).resolve().parent.parent


def name_of(govflow, username: str) -> str:  # noqa: ANN001
    with read_only(govflow.db) as session:
        return session.scalar(select(User.display_name).where(User.username == username))


# --- the outcome (办理结果) ------------------------------------------------------------------
def test_the_property_transfer_shows_the_new_title_certificate_not_the_tax_receipt(
    app, api: Api, govflow
):  # noqa: ANN001
    case_id = concluded(api)  # registered as BJ2026-0100002, tax receipt R-1
    page = Browser(app, "zhangsan").get(f"/cases/{case_id}").get_data(as_text=True)
    section = page[page.index('data-test="results"') :]
    section = section[: section.index("</section>")]
    assert "不动产权证书号" in section and "BJ2026-0100002" in section
    assert "登簿日期" in section and "2026-11-23" in section
    assert "R-1" not in section and "完税证明" not in section

    notice_html = Browser(app, "zhangsan").get(f"/cases/{case_id}/result").get_data(as_text=True)
    assert "BJ2026-0100002" in notice_html and "R-1" not in notice_html

    with read_only(govflow.db) as session:
        completion = session.scalar(
            select(Notice).where(Notice.case_id == case_id, Notice.kind == "completion")
        )
    assert completion.context["results"] == [
        {"name": "不动产权证书号", "value": "BJ2026-0100002"},
        {"name": "登簿日期", "value": "2026-11-23"},
    ]


def test_the_result_page_is_in_english_for_an_english_reader(app, api: Api):  # noqa: ANN001
    case_id = concluded(api)
    page = Browser(app, "zhangsan").get(f"/cases/{case_id}?lang=en").get_data(as_text=True)
    section = page[page.index('data-test="results"') :]
    section = section[: section.index("</section>")]
    assert "Real estate title certificate no." in section and "BJ2026-0100002" in section
    assert "不动产权证书号" not in section


def test_the_catalogue_declares_the_result_fields_of_both_flagship_matters():
    assert [f.field for f in get_matter("property_transfer").results] == [
        "new_certificate_no",
        "registered_on",
    ]
    startup = [f.field for f in get_matter("business_startup").results]
    assert startup[0] == "credit_code" and "issued.e_license.license_no" in startup


def test_a_matter_outside_the_catalogue_declares_its_results_in_a_process_property():
    fields = result_fields("housing_fund_loan", {"results": "loan_no=贷款合同号, approved_amount"})
    assert fields == (
        ResultField("loan_no", {"zh": "贷款合同号"}),
        ResultField("approved_amount", {"zh": "approved_amount"}),
    )
    rows = outcome(fields, {"loan_no": "GJJ-1", "approved_amount": None})
    assert rows == [{"field": "loan_no", "name": "贷款合同号", "value": "GJJ-1"}]
    # the catalogue wins over a property the drawing also carries
    assert result_fields("property_transfer", {"results": "x=y"})[0].field == "new_certificate_no"


def test_a_matter_declaring_nothing_shows_what_its_departments_issued():
    data = {"issued": {"tax_record": {"record_key": "WS1"}, "broken": "not a record"}}
    assert outcome((), data) == [
        {"field": "issued.tax_record", "provider": "tax_record", "value": "WS1"}
    ]
    assert outcome((), {}) == [] and outcome((), {"issued": "junk"}) == []
    assert parse_property(None) == () and parse_property(" , ") == ()
    assert lookup({"a": {"b": {"c": 1}}}, "a.b.c") == 1
    assert lookup({"a": "text"}, "a.b") is None and lookup({}, "missing") is None


# --- the rectification list (整改台账) --------------------------------------------------------
def _bad_rating_of_tax(api: Api) -> tuple[int, str]:
    case_id = concluded(api)
    response = rate(
        api, case_id, {"level": 3, "departments": {"tax": {"level": 1, "comment": "态度差"}}}
    )
    assert response.status_code == 201, response.get_json()
    return case_id, response.get_json()["departments"]["tax"]["rectification_task_id"]


def test_the_rectification_list_shows_open_and_done_rectifications_linking_to_the_task(
    app, api: Api, govflow
):  # noqa: ANN001
    case_id, task_id = _bad_rating_of_tax(api)
    browser = Browser(app, "supervisor_chaoyang")
    page = browser.get("/supervisor/rectifications").get_data(as_text=True)
    row = page[page.index(f'data-test="rectification-{task_id}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-state="open"' in row and f"/tasks/{task_id}" in row and f"#{case_id}" in row
    assert "非常不满意" in row
    assert 'data-test="rectification-department-tax"' in page
    done = api.complete(
        "supervisor_chaoyang", task_id, {"findings": "解释不清", "measures": "培训"}
    )
    assert done.status_code == 200, done.get_json()
    listed = browser.get("/supervisor/rectifications?state=done").get_data(as_text=True)
    assert f'data-test="rectification-{task_id}"' in listed
    assert name_of(govflow, "supervisor_chaoyang") in listed
    still_open = browser.get("/supervisor/rectifications?state=open").get_data(as_text=True)
    assert f'data-test="rectification-{task_id}"' not in still_open


def test_a_district_supervisor_sees_no_other_districts_rectifications_and_clerks_none(
    app, api: Api
):  # noqa: ANN001
    _case_id, task_id = _bad_rating_of_tax(api)  # tax is Chaoyang's
    for who in ("supervisor", "supervisor_beijing", "supervisor_chaoyang"):
        page = Browser(app, who).get("/supervisor/rectifications").get_data(as_text=True)
        assert f'data-test="rectification-{task_id}"' in page, who
    haidian = Browser(app, "supervisor_haidian").get("/supervisor/rectifications")
    assert haidian.status_code == 200
    text = haidian.get_data(as_text=True)
    assert f'data-test="rectification-{task_id}"' not in text
    assert 'data-test="rectification-department-tax"' not in text
    assert Browser(app, "clerk_tax").get("/supervisor/rectifications").status_code == 403
    assert Browser(app, "zhangsan").get("/supervisor/rectifications").status_code == 403


def test_a_district_supervisors_ratings_are_their_regions(api: Api):
    _bad_rating_of_tax(api)

    def summary(who: str) -> dict:
        answer = api.get("/api/v1/supervision/ratings", who)
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    chaoyang = summary("supervisor_chaoyang")
    assert {d["code"] for d in chaoyang["departments"]} >= {"tax"}
    assert chaoyang["cases"]["rated_cases"] == 1
    haidian = summary("supervisor_haidian")
    assert haidian["departments"] == [] and haidian["cases"]["rated_cases"] == 0
    assert haidian["cases"]["count"] == 0
    everyone = summary("supervisor")
    assert everyone["cases"]["rated_cases"] == 1


# --- incidents and the notice inbox keep to the region -------------------------------------
def test_a_district_supervisor_sees_only_the_incidents_of_the_districts_cases(api: Api, govflow):  # noqa: ANN001
    chaoyang = accepted(api, property_application())
    haidian = accepted(api, haidian_flat())

    def add(session) -> None:  # noqa: ANN001
        for case in (chaoyang, haidian):
            session.add(
                Incident(
                    case_id=case["id"],
                    process_key="property_transfer",
                    message="boom",
                    status="open",
                    case_status="running",
                )
            )

    run_in_transaction(govflow.db, add)

    def listed(who: str) -> set[int]:
        answer = api.get("/api/v1/incidents", who, query_string={"per_page": 100})
        assert answer.status_code == 200, answer.get_json()
        return {i["case_id"] for i in answer.get_json()["items"]}

    both = {chaoyang["id"], haidian["id"]}
    assert listed("admin") == both and listed("supervisor") == both
    assert listed("supervisor_beijing") == both
    assert listed("supervisor_chaoyang") == {chaoyang["id"]}
    assert listed("supervisor_haidian") == {haidian["id"]}


def test_the_supervisor_reads_the_bad_rating_notice_in_the_inbox_of_their_region(app, api: Api):  # noqa: ANN001
    case_id, task_id = _bad_rating_of_tax(api)

    def kinds(who: str) -> list[dict]:
        answer = api.get("/api/v1/me/notifications", who, query_string={"per_page": 100})
        assert answer.status_code == 200, answer.get_json()
        return [n for n in answer.get_json()["items"] if n["kind"] == "bad_rating"]

    [notice] = kinds("supervisor_chaoyang")  # tax lies under Chaoyang
    assert notice["case_id"] == case_id and notice["task_id"] == task_id
    assert len(kinds("supervisor_beijing")) == 1 and len(kinds("supervisor")) == 1
    assert kinds("supervisor_haidian") == []
    page = Browser(app, "supervisor_chaoyang").get("/inbox").get_data(as_text=True)
    assert f'data-test="notification-task-{notice["id"]}"' in page and "差评整改" in page
    assert 'data-test="nav-notices"' in page and 'data-test="nav-rectifications"' in page


# --- names, not usernames; event codes translated -------------------------------------------
def test_the_worklist_and_the_timeline_name_people_not_usernames(app, api: Api, govflow):  # noqa: ANN001
    case = api.start_case("property_transfer", property_application())
    api.claim_and_complete("clerk_service_center", case["id"], "acceptance", {"accepted": True})
    task = api.open_task("clerk_tax", case["id"], "collect_tax")
    assert api.post(f"/api/v1/tasks/{task['id']}/claim", "clerk_tax").status_code == 200
    name = name_of(govflow, "clerk_tax")
    page = Browser(app, "supervisor").get(f"/cases/{case['id']}").get_data(as_text=True)
    actors = re.findall(r'data-test="timeline-actor">· ([^<]+)</span>', page)
    assert actors and name_of(govflow, "clerk_service_center") in actors
    assert not any(a.startswith("clerk_") for a in actors)
    handlers = re.findall(r'data-test="handler">([^<]+)</td>', page)
    assert name_of(govflow, "clerk_service_center") in handlers and name in handlers
    assert not any(h.startswith("clerk_") for h in handlers)
    supervision = Browser(app, "supervisor").get("/supervisor/tasks").get_data(as_text=True)
    assert name in supervision and ">clerk_tax<" not in supervision


def test_every_audit_action_the_engine_writes_has_a_label_in_both_languages():
    from web.pages.common import EVENT_LABELS

    written: set[str] = set()
    patterns = (
        r'\baudit\(\s*"([a-z_]+)"',
        r'audit\.record\(\s*[\w.]+,\s*[\w.]+,\s*"([a-z_]+)"',
        r'"action":\s*"([a-z_]+)"',
    )
    for path in (ROOT / "engine").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for pattern in patterns:
            if "action" in pattern and "AuditEvent" not in source:
                continue  # rows written in bulk: only where audit events are
            written.update(re.findall(pattern, source))
    assert {"task_delegated", "deadline_overdue", "case_completed"} <= written | set(EVENT_LABELS)
    assert sorted(written - set(EVENT_LABELS)) == []
    with (ROOT / "web/translations/zh/LC_MESSAGES/messages.po").open("rb") as po:
        catalogue = read_po(po)
    english = [label._args[0] for label in EVENT_LABELS.values()]  # lazy_gettext's msgid
    assert [m for m in english if m not in catalogue or not catalogue[m].string] == []


# --- 我委派的 -----------------------------------------------------------------------------
def test_the_handed_over_tab_lists_what_i_delegated_and_transferred_with_its_state(
    app, api: Api, govflow
):  # noqa: ANN001
    case = api.start_case("property_transfer", property_application())
    api.claim_and_complete("clerk_service_center", case["id"], "acceptance", {"accepted": True})
    tax = api.open_task("clerk_tax", case["id"], "collect_tax")
    assert api.post(f"/api/v1/tasks/{tax['id']}/claim", "clerk_tax").status_code == 200
    delegated = api.post(
        f"/api/v1/tasks/{tax['id']}/delegate",
        "clerk_tax",
        json={"to": "clerk_registry", "reason": "请协助核税"},
    )
    assert delegated.status_code == 200, delegated.get_json()
    review = api.open_task("clerk_registry", case["id"], "registry_review")
    assert api.post(f"/api/v1/tasks/{review['id']}/claim", "clerk_registry").status_code == 200
    transferred = api.post(
        f"/api/v1/tasks/{review['id']}/transfer",
        "clerk_registry",
        json={"to": "clerk_registry2", "reason": "休假"},
    )
    assert transferred.status_code == 200, transferred.get_json()

    page = Browser(app, "clerk_tax").get("/worklist?view=handed").get_data(as_text=True)
    assert 'data-test="tab-handed"' in page and "我委派的" in page
    rows = page.split('data-test="worklist-row"')[1:]
    assert len(rows) == 1 and f"/tasks/{tax['id']}" in rows[0]
    assert f"已委派给 {name_of(govflow, 'clerk_registry')}" in rows[0] and "请协助核税" in rows[0]

    registry = Browser(app, "clerk_registry").get("/worklist?view=handed").get_data(as_text=True)
    rows = registry.split('data-test="worklist-row"')[1:]
    assert len(rows) == 1 and f"/tasks/{review['id']}" in rows[0]
    assert f"已转办给 {name_of(govflow, 'clerk_registry2')}" in rows[0]
    # the one it went to did not hand anything over; a colleague sees nothing of it either
    for other in ("clerk_registry2", "clerk_tax2"):
        listing = Browser(app, other).get("/worklist?view=handed").get_data(as_text=True)
        assert 'data-test="worklist-row"' not in listing, other

    # handed back and done: still listed, with its state now
    resolved = api.post(
        f"/api/v1/tasks/{tax['id']}/resolve", "clerk_registry", json={"opinion": "税额无误"}
    )
    assert resolved.status_code == 200, resolved.get_json()
    page = Browser(app, "clerk_tax").get("/worklist?view=handed").get_data(as_text=True)
    assert f"/tasks/{tax['id']}" in page


def test_the_rectification_list_through_the_api_keeps_to_the_region_and_the_role(api: Api):
    case_id, task_id = _bad_rating_of_tax(api)

    def listed(who: str, **query: str) -> dict:
        answer = api.get("/api/v1/supervision/rectifications", who, query_string=query)
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    chaoyang = listed("supervisor_chaoyang")
    [item] = chaoyang["items"]
    assert item["task_id"] == task_id and item["case_id"] == case_id
    assert item["state"] == "open" and item["department"] == "tax" and item["level"] == 1
    assert {"code": "tax", "open": 1, "overdue": 0, "done": 0}.items() <= next(
        d for d in chaoyang["departments"] if d["code"] == "tax"
    ).items()
    assert listed("supervisor_chaoyang", state="done")["items"] == []
    assert listed("supervisor_chaoyang", department="registry")["items"] == []
    haidian = listed("supervisor_haidian")
    assert haidian["items"] == [] and haidian["departments"] == []
    for who in ("clerk_tax", "zhangsan", "designer"):
        refused = api.get("/api/v1/supervision/rectifications", who)
        assert refused.status_code == 403, who
    bad = api.get(
        "/api/v1/supervision/rectifications", "supervisor", query_string={"state": "late"}
    )
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_request"


def test_the_timeline_shows_the_schedulers_deadline_event_in_words(app, api: Api, govflow):  # noqa: ANN001
    from engine import clock
    from engine.models import AuditEvent

    case = accepted(api, property_application())
    run_in_transaction(
        govflow.db,
        lambda s: s.add(
            AuditEvent(
                case_id=case["id"],
                actor="system",
                action="deadline_overdue",
                at=clock.now(),
                details={"deadline": "promised", "department": None, "previous_state": "warning"},
            )
        ),
    )
    page = Browser(app, "supervisor").get(f"/cases/{case['id']}").get_data(as_text=True)
    timeline = page[page.index('data-test="timeline"') :]
    timeline = timeline[: timeline.index("</ol>")]
    assert "已超出时限（超期）" in timeline and "承诺时限" in timeline
    assert "deadline_overdue" not in timeline.replace("tl-deadline_overdue", "")
    assert ">· 系统</span>" in timeline and "· system<" not in timeline
